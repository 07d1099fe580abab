/* attack_a56_apic_timer (A56): slow or stop the tick without touching its
 * count (A32). Through the kernel's own mapping of the local APIC
 * (attack_pg.h), sets the timer's divide configuration to its largest
 * divisor (128: every tick 64 times later here); with `mask`, sets the
 * LVT timer's mask bit; with `oneshot`, switches the LVT timer from
 * periodic to one-shot mode. Expected: 0x109 type 0x17 (the watchdog
 * compares the registers on every interrupt) or 0x101. */
#include "attack_pg.h"

#define LAPIC_LVT_TIMER (0x320 / 4)
#define LAPIC_TIMER_DIV (0x3E0 / 4)
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define DIV_BY_128 0xA

status_t driver_entry(struct driver_object *drv)
{
	volatile uint32_t *lapic = a_find_lapic();
	if (!lapic) {
		printk("attack_a56: local APIC not mapped\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	if (!strcmp(drv->args, "mask")) {
		lapic[LAPIC_LVT_TIMER] |= LVT_MASKED;
		printk("attack_a56: LVT timer masked\n");
	} else if (!strcmp(drv->args, "oneshot")) {
		lapic[LAPIC_LVT_TIMER] &= ~LVT_PERIODIC;
		printk("attack_a56: LVT timer switched to one-shot\n");
	} else {
		lapic[LAPIC_TIMER_DIV] = DIV_BY_128;
		printk("attack_a56: timer divide set to 128\n");
	}
	a_patched("attack_a56");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
