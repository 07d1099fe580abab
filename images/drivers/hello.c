/* hello: the smallest useful driver. Allocates a tagged pool block, prints
 * its arguments, frees the block on unload. */
#include <kpp/driver.h>

#define HELLO_TAG POOL_TAG('H', 'e', 'l', 'o')

static void hello_unload(struct driver_object *drv)
{
	pool_free(drv->context);
	printk("hello: goodbye\n");
}

status_t driver_entry(struct driver_object *drv)
{
	drv->context = pool_alloc(64, HELLO_TAG);
	if (!drv->context)
		return KPP_STATUS_NO_MEMORY;
	drv->unload = hello_unload;
	printk("hello: driver %s, args \"%s\"\n", drv->name, drv->args);
	return KPP_STATUS_SUCCESS;
}
