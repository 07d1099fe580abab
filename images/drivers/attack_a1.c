/* attack_a1 (docs/patchguard.md A1): overwrite a system service table entry.
 * Finds the table by decoding SYSCALL's entry point (LSTAR), then points
 * the getpid entry at its own function through CR0.WP=0. Expected:
 * 0x109, type 0xA (system service function). */
#include "attack.h"

static uint64_t hooked_getpid(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	return 4242;
}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t *table = a_find_service_table();
	if (!table) {
		printk("attack_a1: service table not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t hook = (uint64_t)&hooked_getpid;
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	a_write_protected(&table[KPP_SYS_GET_PID], &hook, sizeof hook);
	printk("attack_a1: service table at kernel+0x%lx, entry %d now points into the driver\n",
	       (uint64_t)table - a_kernel_base(), KPP_SYS_GET_PID);
	a_patched("attack_a1");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
