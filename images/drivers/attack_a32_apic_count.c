/* attack_a32_apic_count (A32): slow the tick down. Multiplies the local-APIC timer's
 * initial count by 100 (the LVT entry stays as it was, unmasked and
 * periodic), so every timer and every pass comes a hundred times later.
 * Expected: 0x109 type 0x17 (the watchdog compares the initial count). */
#include "attack_pg.h"

#define LAPIC_TIMER_INIT 0x380

status_t driver_entry(struct driver_object *drv)
{
	volatile uint32_t *lapic = a_find_lapic();
	if (!lapic) {
		printk("attack_a32: local APIC mapping not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	lapic[LAPIC_TIMER_INIT / 4] = lapic[LAPIC_TIMER_INIT / 4] * 100;
	printk("attack_a32: local APIC timer initial count multiplied by 100\n");
	a_patched("attack_a32");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
