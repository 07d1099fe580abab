/* attack_a9 (A9): hide a driver by unlinking it from the loaded-module list
 * (DKOM). The driver finds its own module record around the driver object
 * the loader passed it (the record layout is the kernel's struct module)
 * and unlinks it from its neighbours; the module lookup table still holds
 * it. With an argument, that module is hidden instead (it must have a
 * predecessor in the list). Expected: 0x109, type 0x19 (loaded module list). */
#include <kpp/module.h>
#include "attack.h"

status_t driver_entry(struct driver_object *drv)
{
	const struct driver_object *victim = drv;
	if (drv->args[0]) {
		victim = module_find(drv->args);
		if (!victim) {
			printk("attack_a9: %s is not loaded\n", drv->args);
			return KPP_STATUS_UNSUCCESSFUL;
		}
	}
	struct module *m = (struct module *)((uint64_t)victim - __builtin_offsetof(struct module, drv));
	if (!m->prev) {
		printk("attack_a9: %s is first in the list; load another driver first\n", m->name);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	uint64_t f = a_cli();
	m->prev->next = m->next;
	if (m->next)
		m->next->prev = m->prev;
	a_restore(f);
	printk("attack_a9: %s unlinked from the loaded-module list\n", m->name);
	a_patched("attack_a9");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
