/* attack_a130_tsc (A130): the TSC written with WRMSR (IA32_TSC).
 * PatchGuard's clocks are the local-APIC tick, PIT channel 0, the TSC and
 * the ACPI PM timer; the TSC is the one an instruction sets. Modes (the
 * driver's arguments):
 *  - `rewind`: the TSC set back to half its value, once;
 *  - `forward`: the TSC moved 2^30 counts on (about 1.07 s at 1 GHz), once;
 *  - `slow`: from a periodic timer of its own on every tick, the TSC
 *    written back so that it advances a quarter as fast as it runs: every
 *    window of ticks looks four times shorter, and the tick hook's
 *    reference (the fastest window) with it;
 *  - `hold`: A62's stretch of the tick (the local-APIC timer's initial
 *    count written again, unchanged, just before it runs out) to a tick
 *    every 9 periods, under the watchdog's stall count (8 PIT periods
 *    without a tick in the test profile), while the TSC is held back so
 *    that it advances about one tick period per tick: the tick hook's
 *    windows see ticks keep pace with the TSC. Every pass comes 9 times
 *    later.
 * Expected: 0x109 (type 0x7 at IA32_TSC since the watchdog holds the TSC's
 * progress to the PM timer's; before: 0x101 from the tick hook's window at
 * `rewind`, nothing for `forward` and `slow`, 0x17 from the PM timer's pace
 * check for `hold`). */
#include "attack_pg.h"

#define MSR_TSC 0x10
#define MSR_TSC_ADJUST 0x3B

static struct ktimer slower;
static struct dpc slower_dpc;
static struct a_tick_hold hold;
static uint64_t written; /* the TSC as the driver last wrote it */

/* Every tick: the TSC's progress since the last write cut to a quarter. */
static void slow_tsc(struct dpc *d, void *ctx)
{
	uint64_t f = a_cli();
	uint64_t t = a_rdtsc();
	written += (t - written) / 4;
	a_wrmsr(MSR_TSC, written);
	a_restore(f);
}

static void every_tick(void (*fn)(struct dpc *, void *), void *ctx)
{
	dpc_init(&slower_dpc, fn, ctx);
	timer_init(&slower, &slower_dpc);
	timer_set(&slower, NSEC_PER_TICK, NSEC_PER_TICK);
}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli();
	const char *what = NULL;
	uint64_t t = a_rdtsc();
	if (!strcmp(drv->args, "rewind")) {
		a_wrmsr(MSR_TSC, t / 2);
		what = a_rdtsc() < t ? "the TSC rewound to half its value" : "WRMSR IA32_TSC left RDTSC as it ran";
	} else if (!strcmp(drv->args, "forward")) {
		a_wrmsr(MSR_TSC, t + (1ull << 30));
		what = "the TSC moved 1 G counts forward";
	} else if (!strcmp(drv->args, "adjust")) {
		/* IA32_TSC_ADJUST (0x3B) moves the TSC as a write of IA32_TSC
		 * does, where CPUID.7.EBX[1] advertises it. */
		uint32_t a = 7, b, c = 0, d;
		__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		if (!(b & 2)) {
			a_restore(pf);
			printk("attack_a130: IA32_TSC_ADJUST not advertised\n");
			return KPP_STATUS_UNSUCCESSFUL;
		}
		a_wrmsr(MSR_TSC_ADJUST, a_rdmsr(MSR_TSC_ADJUST) - t / 2);
		what = a_rdtsc() < t ? "the TSC rewound by half its value through IA32_TSC_ADJUST"
				       : "WRMSR IA32_TSC_ADJUST left RDTSC as it ran";
	} else if (!strcmp(drv->args, "slow")) {
		written = t;
		every_tick(slow_tsc, NULL);
		what = "the TSC slowed to a quarter of its rate";
	} else if (!strcmp(drv->args, "hold")) {
		if (a_tick_hold_init(&hold)) {
			every_tick(a_tick_hold, &hold);
			what = "tick stretched by 9, TSC held back";
		}
	}
	if (!what) {
		a_restore(pf);
		printk("attack_a130: unknown mode, or the local APIC not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	printk("attack_a130: %s\n", what);
	a_patched("attack_a130");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
