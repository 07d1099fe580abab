/* hello: the smallest useful driver. Allocates a tagged pool block, prints
 * its arguments, answers `call hello 0 TEXT` through its dispatch table,
 * frees the block on unload. */
#include <kpp/driver.h>

#define HELLO_TAG POOL_TAG('H', 'e', 'l', 'o')

static void hello_unload(struct driver_object *drv)
{
	pool_free(drv->context);
	printk("hello: goodbye\n");
}

static status_t hello_ping(struct driver_object *drv, void *arg)
{
	printk("hello: ping \"%s\"\n", (const char *)arg);
	return KPP_STATUS_SUCCESS;
}

status_t driver_entry(struct driver_object *drv)
{
	drv->context = pool_alloc(64, HELLO_TAG);
	if (!drv->context)
		return KPP_STATUS_NO_MEMORY;
	drv->unload = hello_unload;
	drv->dispatch[0] = hello_ping;
	printk("hello: driver %s, args \"%s\"\n", drv->name, drv->args);
	return KPP_STATUS_SUCCESS;
}
