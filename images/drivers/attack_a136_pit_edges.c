/* attack_a136_pit_edges (A136): a held tick with the PIT edges kept low.
 * In the windows profile the tick hook's windows and the watchdog's pace
 * window count as run only when the PIT's edges outnumber the ticks;
 * fewer, and the window is taken for a host that stopped the machine and
 * is not held against the tick. The edges are the NMIs of the PIT, which
 * the NMI's entry counts in pg_pit_nmis, plain kernel data. The scenario
 * writes that count's address from the built image into the driver, with
 * printk's, from which the driver takes the kernel's random base. From a
 * timer of its own (a DPC after every tick, interrupts enabled) the driver
 * then holds the tick back as A62 does, restarting the local-APIC timer's
 * count with the value it already holds just before it runs out, on
 * STRETCH periods of every STRETCH + 1 (a tick every 20 periods, every
 * register as armed). A62 waits in one DPC for a whole tick, which keeps
 * every other DPC (the housekeeping one PatchGuard's piggy-back rides on)
 * waiting; this driver's DPC waits for one period at a time and queues
 * itself again, so the others run in turn. Each time it writes the count
 * to half an edge per tick since it began (never less than before): every
 * window looks like a stopped host. Expected: 0x109 (in windows type
 * 0x101 at the count, held to the NMIs that did the work; before that, no
 * bug check; in the other profiles, whose edges are the watchdog's sealed
 * count, 0x101 or 0x17 for the held tick). */
#include "attack_pg.h"

#define LAPIC_TIMER_INIT (0x380 / 4)
#define LAPIC_TIMER_CUR (0x390 / 4)
#define STRETCH 19
volatile uint64_t printk_at, edges_at;
static struct ktimer holder;
static struct dpc holder_dpc;
static volatile uint32_t *lapic;
static uint32_t lapic_init, lapic_margin;
static uint64_t tick0, base;
static uint32_t restarts;
static bool started;

static void hold(struct dpc *d, void *ctx)
{
	(void)ctx;
	if (!printk_at || !edges_at)
		return;
	volatile uint64_t *edges = (volatile uint64_t *)(edges_at + ((uint64_t)&printk - printk_at));
	if (!started) {
		started = true;
		base = *edges;
		tick0 = ticks();
		printk("attack_a136: the tick held back by 20, the PIT edges kept at half an edge a tick\n");
		a_patched("attack_a136");
	}
	/* Wait for the end of this period (a plain loop between the looks). */
	for (;;) {
		*edges = base + (ticks() - tick0) / 2;
		uint32_t cur = lapic[LAPIC_TIMER_CUR];
		if (cur < lapic_margin)
			break;
		for (uint32_t i = 0; i < cur; i++)
			__asm__ volatile("" ::: "memory");
	}
	if (++restarts % (STRETCH + 1) == 0)
		return; /* this period's tick comes, and the periodic timer queues the DPC after it */
	uint64_t f = a_cli();
	lapic[LAPIC_TIMER_INIT] = lapic_init;
	a_restore(f);
	dpc_queue(d);
}

status_t driver_entry(struct driver_object *drv)
{
	(void)drv;
	lapic = a_find_lapic();
	if (!lapic) {
		printk("attack_a136: the local APIC not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	lapic_init = lapic[LAPIC_TIMER_INIT];
	lapic_margin = lapic_init / 32;
	dpc_init(&holder_dpc, hold, NULL);
	timer_init(&holder, &holder_dpc);
	timer_set(&holder, NSEC_PER_TICK, NSEC_PER_TICK);
	printk("attack_a136: waiting for the PIT edge count's address\n");
	return KPP_STATUS_SUCCESS;
}
