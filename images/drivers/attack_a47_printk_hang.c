/* attack_a47_printk_hang (A47): freeze the console a detection reports on.
 * Writes a jump-to-itself over the entry of the exported printk (through
 * CR0.WP=0), so the next line anyone prints spins for ever with
 * interrupts on, PatchGuard's report of the patch included. Expected:
 * 0x109 type 0x1 with its report and stop screen (neither uses printk:
 * both write the UART themselves). */
#include "attack_pg.h"

status_t driver_entry(struct driver_object *drv)
{
	static const uint8_t spin[2] = {0xEB, 0xFE};
	printk("attack_a47: printk now spins for ever\n");
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	a_patched("attack_a47");
	a_write_protected((void *)&printk, spin, sizeof spin);
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
