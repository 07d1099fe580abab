/* attack_a45_hide_driver (A45): hide a driver that keeps working. Arms a
 * periodic timer of its own, then removes its module record from both the
 * loaded-module list and the module lookup table (record found through
 * the exported module_find, slot by a scan of kernel data for the pointer
 * to it), so the two views PatchGuard cross-walks agree again. Expected:
 * 0x109 type 0x19 (a timer's routine lies in no listed module). */
#include "attack.h"
#include <kpp/module.h>

static struct ktimer beat;
static struct dpc beat_dpc;
static uint64_t beats;
static void tick(struct dpc *d, void *ctx) { beats++; }

status_t driver_entry(struct driver_object *drv)
{
	const struct driver_object *me = module_find(drv->name);
	if (!me)
		me = drv;
	struct module *m = a_module_of(drv);
	uint64_t *slot = a_module_slot(m);
	dpc_init(&beat_dpc, tick, NULL);
	timer_init(&beat, &beat_dpc);
	timer_set(&beat, 10000000ull, 10000000ull);
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	a_hide_module(m, slot);
	printk("attack_a45: module record removed from the module list and table, a timer still running\n");
	a_patched("attack_a45");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
