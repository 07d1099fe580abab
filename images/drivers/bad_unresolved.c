/* bad_unresolved: imports a symbol the kernel does not export; the loader
 * must refuse it ("unresolved import (ke_secret_routine)"). */
#include <kpp/driver.h>

void ke_secret_routine(void);

status_t driver_entry(struct driver_object *drv)
{
	ke_secret_routine();
	return KPP_STATUS_SUCCESS;
}
