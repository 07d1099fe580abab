/* attack_a13 (A13): hook the debug-trap routine pointer (as a kernel
 * debugger or a rootkit taking over #BP/#DB does): debug_routines.trap, or
 * with argument "stop" the bug-check pointer debug_routines.stop, now
 * points into this driver. Expected: 0x109, type 0x6 (debug routine). */
#include <kpp/bugcheck.h>
#include "attack.h"

static void my_trap(struct trap_frame *tf) {}
static void my_stop(uint32_t code, uint64_t p1, uint64_t p2, uint64_t p3, uint64_t p4, const struct trap_frame *tf) {}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	if (!strcmp(drv->args, "stop")) {
		debug_routines.stop = my_stop;
		printk("attack_a13: bug-check routine pointer hooked\n");
	} else {
		debug_routines.trap = my_trap;
		printk("attack_a13: debug-trap routine pointer hooked\n");
	}
	a_patched("attack_a13");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
