/* attack_a60_uart (A60): silence the stop screen at the serial port. It
 * is written to COM1. Hooks getpid in the service table (as attack_a1), then
 * sets the divisor-latch access bit in COM1's line control register, so
 * every byte written to the data port goes to the baud-rate divisor
 * instead; with `loop`, sets the loopback bit in its modem control
 * register instead, so every byte comes back to the receiver and none
 * leaves. The kernel's console and PatchGuard's report and stop screen
 * all write there. Expected: 0x109 type 0xA with the report and the stop
 * screen on the serial line. */
#include "attack_pg.h"

#define COM1 0x3F8
#define LCR 3
#define MCR 4
#define LCR_DLAB 0x80
#define MCR_LOOP 0x10

static uint64_t hooked_getpid(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	return 4242;
}

status_t driver_entry(struct driver_object *drv)
{
	bool loop = !strcmp(drv->args, "loop");
	uint64_t *table = a_find_service_table();
	if (!table) {
		printk("attack_a60: service table not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t hook = (uint64_t)&hooked_getpid;
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	printk("attack_a60: getpid hooked, COM1 %s\n", loop ? "in loopback" : "with its divisor latch open");
	a_patched("attack_a60");
	a_write_protected(&table[KPP_SYS_GET_PID], &hook, sizeof hook);
	if (loop)
		a_outb(COM1 + MCR, a_inb(COM1 + MCR) | MCR_LOOP);
	else
		a_outb(COM1 + LCR, a_inb(COM1 + LCR) | LCR_DLAB);
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
