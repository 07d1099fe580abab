/* bad_oversize: 8 MiB of .bss, above the loader's limit
 * (KPP_DRIVER_MAX_IMAGE_SIZE); the loader must refuse it. */
#include <kpp/driver.h>

char bad_oversize_buffer[8 << 20];

status_t driver_entry(struct driver_object *drv)
{
	bad_oversize_buffer[0] = 1;
	return KPP_STATUS_SUCCESS;
}
