/* attack_a41_tss_ist (A41): take over the double-fault stack. Points IST1
 * (the #DF stack) of the TSS at a buffer of the driver, so the next double
 * fault runs on memory the attacker controls. Expected: 0x109 type 0x112. */
#include "attack_pg.h"

#define TSS_IST1 0x24
#define STACK_BYTES 4096

static uint8_t stack[STACK_BYTES] __attribute__((aligned(16)));

status_t driver_entry(struct driver_object *drv)
{
	uint8_t *tss = a_find_tss();
	uint64_t top = (uint64_t)stack + STACK_BYTES;
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	memcpy(tss + TSS_IST1, &top, sizeof top);
	printk("attack_a41: TSS IST1 points into the driver\n");
	a_patched("attack_a41");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
