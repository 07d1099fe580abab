/* attack_a58_dispatch_gadget (A58): silence another driver through
 * instructions borrowed from kernel text. Points entry 0 of a driver
 * object (default hello) at an `xor eax, eax; ret` found in the kernel's
 * text, so every request answers success without reaching the driver, and
 * its unload routine at a `ret` there, so it is never told it goes away.
 * Both targets lie inside kernel text, where a dispatch entry used to be
 * accepted (A11 points outside it). Expected: 0x109 type 0x1C. */
#include "attack.h"

status_t driver_entry(struct driver_object *drv)
{
	static const uint8_t ok_ret[3] = {0x31, 0xC0, 0xC3};
	const char *name = drv->args[0] ? drv->args : "hello";
	struct driver_object *victim = (struct driver_object *)module_find(name);
	uint64_t ok = a_find(A_TEXT, ok_ret, sizeof ok_ret);
	if (!victim || !ok) {
		printk("attack_a58: %s is not loaded, or no xor eax, eax; ret in kernel text\n", name);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	victim->dispatch[0] = (status_t(*)(struct driver_object *, void *))ok;
	victim->unload = (void (*)(struct driver_object *))(ok + 2);
	printk("attack_a58: %s's dispatch entry 0 and unload routine now point at kernel text (xor eax, eax; ret)\n",
	       name);
	a_patched("attack_a58");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
