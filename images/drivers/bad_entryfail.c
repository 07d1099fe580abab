/* bad_entryfail: driver_entry fails; the loader must unmap it and report
 * the status. */
#include <kpp/driver.h>

status_t driver_entry(struct driver_object *drv)
{
	printk("bad_entryfail: failing on purpose\n");
	return KPP_STATUS_UNSUCCESSFUL;
}
