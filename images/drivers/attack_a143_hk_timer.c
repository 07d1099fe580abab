/* attack_a143_hk_timer (A143): the housekeeping timer stopped or delayed.
 * PatchGuard's piggy-back rides on the kernel's 1 s housekeeping DPC; its
 * object, routine and period are compared on every tick. The timer itself
 * is found as attack_a15 finds PatchGuard's (the kernel's periodic timer
 * of period 1 s whose DPC lies in kernel text) and cancelled with the
 * exported timer_cancel; with `later`, re-armed with the exported
 * timer_set an hour out, its period still 1 s, so object, routine and
 * period all read as armed. Either way the piggy-back never runs again.
 * Expected: 0x109 type 0x101 within the profile's bound. */
#include "attack.h"

#define PROBE_DELAY_NS (3600ull * 1000000000ull)

static struct ktimer probe;
static struct dpc probe_dpc;
static void probe_fn(struct dpc *d, void *ctx) {}

status_t driver_entry(struct driver_object *drv)
{
	struct ktimer *found[8];
	bool later = !strcmp(drv->args, "later");
	dpc_init(&probe_dpc, probe_fn, NULL);
	timer_init(&probe, &probe_dpc);
	timer_set(&probe, PROBE_DELAY_NS, 0);
	uint64_t f = a_cli();
	int n = a_kernel_timers(&probe, KPP_TICK_HZ, found, 8);
	for (int i = 0; i < n; i++) {
		if (later)
			timer_set(found[i], PROBE_DELAY_NS, 1000000000ull);
		else
			timer_cancel(found[i]);
	}
	a_restore(f);
	timer_cancel(&probe);
	if (n <= 0) {
		printk("attack_a143: no periodic kernel timer of 1 s found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	printk("attack_a143: the housekeeping timer %s\n", later ? "re-armed an hour out" : "cancelled");
	a_patched("attack_a143");
	return KPP_STATUS_SUCCESS;
}
