/* attack_a22 (A22): patch on a machine booted with kd=1 (a kernel debugger
 * attached at boot), where PatchGuard never arms: redirects a service table
 * entry as attack_a1 does. Expected: no bug check with kd=1 (and 0x109 type
 * 0xA without it). */
#include "attack.h"

static uint64_t hooked_getpid(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	return 4242;
}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t *table = a_find_service_table();
	if (!table) {
		printk("attack_a22: service table not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t hook = (uint64_t)&hooked_getpid;
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	a_write_protected(&table[KPP_SYS_GET_PID], &hook, sizeof hook);
	printk("attack_a22: service table entry %d redirected\n", KPP_SYS_GET_PID);
	a_patched("attack_a22");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
