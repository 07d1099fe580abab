/* bad_noentry: no driver_entry symbol; the loader must refuse it. */
#include <kpp/driver.h>

status_t not_the_entry(struct driver_object *drv)
{
	printk("bad_noentry: must not run\n");
	return KPP_STATUS_SUCCESS;
}
