/* attack_a36_irq_table (A36): unhook the watchdog behind the IDT. The IDT gate of
 * IRQ 0 stays as it was; the kernel's table of PIC-line handlers (found by
 * its shape, attack_pg.h) gets a routine of the driver for IRQ 0 that does
 * nothing. Expected: 0x109 type 0x9 (the watchdog's handler entry, checked
 * by the passes) or 0x101 (the tick hook misses the watchdog's heartbeat). */
#include "attack_pg.h"

static void nothing(void) {}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	uint64_t *handlers = a_find_pic_handlers();
	if (!handlers) {
		printk("attack_a36: PIC handler table not found\n");
		a_restore(pf);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	handlers[0] = (uint64_t)&nothing;
	printk("attack_a36: IRQ 0 handler replaced behind the IDT\n");
	a_patched("attack_a36");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
