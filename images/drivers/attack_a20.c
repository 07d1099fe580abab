/* attack_a20 (A20): overwrite a writable function pointer the checker does
 * not enrol. Finds the kernel's 1 s housekeeping timer (the periodic kernel
 * timer of 100 ticks) and replaces its DPC routine with one of its own that
 * does its work and then chains to the original, so everything keeps
 * running. Expected by design: no bug check (a same-privilege checker
 * cannot enrol every writable pointer). */
#include "attack.h"

#define PROBE_DELAY_NS (3600ull * 1000000000ull)
#define REPORT_AFTER 3

static struct ktimer probe;
static struct dpc probe_dpc;
static void probe_fn(struct dpc *d, void *ctx) {}
static dpc_fn original;
static uint64_t runs;

static void hooked(struct dpc *d, void *ctx)
{
	if (++runs == REPORT_AFTER)
		printk("~ attack_a20: the hooked housekeeping DPC ran %d times\n", REPORT_AFTER);
	original(d, ctx);
}

status_t driver_entry(struct driver_object *drv)
{
	struct ktimer *found[4];
	dpc_init(&probe_dpc, probe_fn, NULL);
	timer_init(&probe, &probe_dpc);
	timer_set(&probe, PROBE_DELAY_NS, 0);
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	uint64_t f = a_cli();
	int n = a_kernel_timers(&probe, KPP_TICK_HZ, found, 4);
	if (n > 0) {
		original = found[0]->dpc->fn;
		found[0]->dpc->fn = hooked;
	}
	a_restore(f);
	timer_cancel(&probe);
	if (n <= 0) {
		printk("attack_a20: housekeeping timer not found\n");
		a_restore(pf);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	printk("attack_a20: housekeeping DPC routine hooked (chained)\n");
	a_patched("attack_a20");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
