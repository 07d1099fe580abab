/* vendor_thief: a driver that tries to switch a security vendor's
 * protection off through the API instead of patching: it guesses
 * registration cookies and unregisters whatever it finds. Only the driver
 * that registered may unregister: every attempt on another driver's
 * registration is refused (access denied, reported). */
#include <kpp/driver.h>
#include <kpp/vendorapi.h>

#define GUESSES 32

static void try_all(const char *what, status_t (*unregister)(void *))
{
	int denied = 0, removed = 0;
	for (uint64_t c = 1; c <= GUESSES; c++) {
		status_t st = unregister((void *)c);
		if (st == KPP_STATUS_ACCESS_DENIED)
			denied++;
		else if (st == KPP_STATUS_SUCCESS)
			removed++;
	}
	printk("vendor_thief: %s: %d refused, %d removed\n", what, denied, removed);
}

status_t driver_entry(struct driver_object *drv)
{
	try_all("handle filters", handle_filter_unregister);
	try_all("memory filters", memory_filter_unregister);
	try_all("image gates", image_gate_unregister);
	return KPP_STATUS_SUCCESS;
}
