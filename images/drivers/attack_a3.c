/* attack_a3 (A3): patch read-only kernel data. Finds the shell's
 * "unknown command" message in the kernel's read-only pages and rewrites it
 * through CR0.WP=0. Expected: 0x109, type 0x0 (generic data region). */
#include "attack.h"

status_t driver_entry(struct driver_object *drv)
{
	static const char needle[] = "unknown command";
	uint64_t at = a_find(A_RODATA, needle, sizeof needle - 1);
	if (!at) {
		printk("attack_a3: string not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	a_write_protected((void *)(at + 9), "C", 1);
	printk("attack_a3: read-only string at kernel+0x%lx rewritten\n", at - a_kernel_base());
	a_patched("attack_a3");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
