/* attack_a101_driver_rodata (A101): a listed driver's read-only data
 * rewritten. The loader maps a driver's read-only data read-only, but only
 * its text pages were hashed (A93): with CR0.WP off, this driver rewrites
 * the first non-zero byte of vendor_sample's read-only data (its constant
 * strings and tables: what its policies compare with, the text it prints)
 * and leaves its text alone. Expected (before the fix): no bug check. */
#include "attack.h"

status_t driver_entry(struct driver_object *drv)
{
	struct module *host = NULL;
	for (struct module *m = a_module_of(drv); m; m = m->prev)
		if (!strcmp(m->name, "vendor_sample"))
			host = m;
	uint8_t *at = NULL;
	for (uint64_t i = 0; host && i < host->rodata_size && !at; i++)
		if (((uint8_t *)host->rodata)[i])
			at = (uint8_t *)host->rodata + i;
	if (!at) {
		printk("attack_a101: vendor_sample or its read-only data not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint8_t v = *at ^ 0x20;
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	a_write_protected(at, &v, 1);
	printk("attack_a101: a byte of vendor_sample's read-only data rewritten\n");
	a_patched("attack_a101");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
