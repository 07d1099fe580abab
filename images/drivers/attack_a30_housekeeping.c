/* attack_a30_housekeeping (A30): starve the piggy-back trigger. Finds the kernel's 1 s
 * housekeeping timer (as attack_a20) and replaces its DPC routine with one
 * that counts the run but calls none of the registered functions, so
 * PatchGuard's piggy-back never runs again while the housekeeping timer
 * looks alive. Expected: 0x109 type 0x101 (the tick hook checks the
 * housekeeping DPC's routine). */
#include "attack.h"

#define PROBE_DELAY_NS (3600ull * 1000000000ull)

static struct ktimer probe;
static struct dpc probe_dpc;
static void probe_fn(struct dpc *d, void *ctx) {}
static uint64_t runs;
static void starved(struct dpc *d, void *ctx) { runs++; }

status_t driver_entry(struct driver_object *drv)
{
	struct ktimer *found[4];
	dpc_init(&probe_dpc, probe_fn, NULL);
	timer_init(&probe, &probe_dpc);
	timer_set(&probe, PROBE_DELAY_NS, 0);
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	int n = a_kernel_timers(&probe, KPP_TICK_HZ, found, 4);
	if (n > 0)
		found[0]->dpc->fn = starved;
	timer_cancel(&probe);
	if (n <= 0) {
		printk("attack_a30: housekeeping timer not found\n");
		a_restore(pf);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	printk("attack_a30: housekeeping DPC routine replaced (registered functions starved)\n");
	a_patched("attack_a30");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
