/* attack_a54_report_loop (A54): make the report of a detection hang. Points
 * its own module record's next link at itself: the loaded-module list
 * becomes a cycle, which PatchGuard's cross-walk reports with the address
 * of that link, a pool address, and the report names an address by
 * walking the module list for the module that holds it. A report that
 * never ends, with interrupts masked, is a 0x109 swallowed. Expected:
 * 0x109 type 0x19 with its stop screen (the report's walk is bounded). */
#include "attack.h"
#include <kpp/module.h>

status_t driver_entry(struct driver_object *drv)
{
	struct module *m = (struct module *)((uint64_t)drv - __builtin_offsetof(struct module, drv));
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	m->next = m;
	printk("attack_a54: own module record linked to itself, the module list is a cycle\n");
	a_patched("attack_a54");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
