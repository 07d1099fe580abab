/* attack_a69_piggy (A69): starve the piggy-back trigger and tell the tick
 * hook it is fine. As attack_a30, the kernel's 1 s housekeeping DPC gets a
 * routine of the driver's that calls none of the registered functions;
 * what the tick hook compares that DPC with (pg.hk_routine) is plain
 * PatchGuard state, found as attack_pg.h does and set to the same routine,
 * and the routine writes the current tick into the piggy-back's heartbeat
 * on every run. No payload: the question is whether a frozen trigger is
 * seen at all. Expected: 0x109 type 0x101. */
#include "attack_pg.h"

static struct pg_state *st;
static uint64_t runs;

static void starved(struct dpc *d, void *ctx)
{
	runs++;
	st->piggy_beat = ticks();
}

status_t driver_entry(struct driver_object *drv)
{
	struct ktimer *found[4];
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	st = a_find_pg();
	dpc_init(&a_probe_dpc, a_probe_fn, NULL);
	timer_init(&a_probe, &a_probe_dpc);
	timer_set(&a_probe, A_PROBE_DELAY_NS, 0);
	int n = a_kernel_timers(&a_probe, KPP_TICK_HZ, found, 4);
	timer_cancel(&a_probe);
	if (!st || n <= 0 || found[0]->dpc != st->hk_dpc) {
		a_restore(pf);
		printk("attack_a69: PatchGuard's state or the housekeeping timer not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	found[0]->dpc->fn = starved;
	st->hk_routine = starved;
	st->piggy_beat = ticks();
	printk("attack_a69: housekeeping DPC routine and PatchGuard's record of it replaced, piggy-back heartbeat kept\n");
	a_patched("attack_a69");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
