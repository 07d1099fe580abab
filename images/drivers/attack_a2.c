/* attack_a2 (A2): an inline hook. Writes a 5-byte JMP rel32 over the start
 * of the exported module_find (hiding every module from drivers that look
 * one up) through CR0.WP=0. Expected: 0x109, type 0x1 (function
 * modification). The same technique, loaded as a boot module ahead of a
 * late-armed checker, is attack_a21. */
#include "attack.h"

static const struct driver_object *hooked_module_find(const char *name) { return NULL; }

status_t driver_entry(struct driver_object *drv)
{
	uint64_t target = (uint64_t)&module_find, hook = (uint64_t)&hooked_module_find;
	uint8_t jmp[5] = {0xE9};
	int32_t rel = (int32_t)(hook - (target + 5));
	memcpy(jmp + 1, &rel, 4);
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	a_write_protected((void *)target, jmp, sizeof jmp);
	printk("attack_a2: module_find at kernel+0x%lx hooked with a 5-byte jmp\n", target - a_kernel_base());
	a_patched("attack_a2");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
