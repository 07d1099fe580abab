/* attack_a31_pic_mask (A31): silence the watchdog. Masks IRQ 0 (PIT channel 0, the
 * watchdog's interrupt) at the master 8259, leaving the local-APIC tick
 * alone. Expected: 0x109 type 0x17 (the tick hook reads the PIC's mask). */
#include "attack_pg.h"

#define PIC1_DATA 0x21

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	a_outb(PIC1_DATA, a_inb(PIC1_DATA) | 0x01);
	printk("attack_a31: IRQ 0 masked at the PIC\n");
	a_patched("attack_a31");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
