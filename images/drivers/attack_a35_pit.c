/* attack_a35_pit (A35): stop the watchdog's clock. Reprograms PIT channel 0
 * (the watchdog's interrupt source) to mode 0 with the longest count: one
 * last interrupt, then none. Expected: 0x109 type 0x101 (the tick hook
 * sees the watchdog's heartbeat stop). */
#include "attack_pg.h"

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_CMD_CH0_MODE0 0x30

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	a_outb(PIT_CMD, PIT_CMD_CH0_MODE0);
	a_outb(PIT_CH0, 0xFF);
	a_outb(PIT_CH0, 0xFF);
	printk("attack_a35: PIT channel 0 set to one-shot\n");
	a_patched("attack_a35");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
