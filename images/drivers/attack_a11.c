/* attack_a11 (A11): redirect a driver object's dispatch entry outside its
 * driver. Takes over entry 0 of another driver's object (default hello),
 * pointing it into this driver, as a filter-less IRP hook does. Expected:
 * 0x109, type 0x1C (driver object). */
#include "attack.h"

static status_t stolen_dispatch(struct driver_object *drv, void *arg) { return KPP_STATUS_SUCCESS; }

status_t driver_entry(struct driver_object *drv)
{
	const char *name = drv->args[0] ? drv->args : "hello";
	struct driver_object *victim = (struct driver_object *)module_find(name);
	if (!victim) {
		printk("attack_a11: %s is not loaded\n", name);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	victim->dispatch[0] = stolen_dispatch;
	printk("attack_a11: %s's dispatch entry 0 now points into attack_a11\n", name);
	a_patched("attack_a11");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
