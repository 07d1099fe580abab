/* attack_a87_lvt (A87): the local APIC's other interrupt entries rewritten.
 * PatchGuard compared the LVT timer and LINT0 (the tick and the PIC's
 * virtual wire); the other local interrupts are routes too. Through the
 * kernel's own mapping of the local APIC (attack_pg.h): by default masks
 * LINT1, the processor's NMI pin (a board's NMI button, a watchdog
 * card); with `lint1_fixed`, turns LINT1 from NMI delivery into a fixed
 * interrupt at vector 0x80 (an empty slot of the vector table), so the
 * NMI pin delivers a maskable interrupt of the attacker's choosing; with
 * `error`, masks the APIC error interrupt the kernel set up; with `perf`,
 * unmasks the performance-counter entry with NMI delivery (a counter's
 * overflow then raises NMIs, the way profilers and watchdogs use it);
 * with `thermal`, the same for the thermal entry. Expected: 0x109 type
 * 0x17 (the watchdog compares every entry on every interrupt). */
#include "attack_pg.h"

#define LAPIC_LVT_THERMAL (0x330 / 4)
#define LAPIC_LVT_PERF (0x340 / 4)
#define LAPIC_LVT_LINT1 (0x360 / 4)
#define LAPIC_LVT_ERROR (0x370 / 4)
#define LVT_MASKED (1u << 16)
#define LVT_DELIVERY (7u << 8)
#define LVT_NMI (4u << 8)

status_t driver_entry(struct driver_object *drv)
{
	volatile uint32_t *lapic = a_find_lapic();
	if (!lapic) {
		printk("attack_a87: local APIC not mapped\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	const char *what = drv->args[0] ? drv->args : "lint1";
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	if (!strcmp(what, "lint1")) {
		lapic[LAPIC_LVT_LINT1] |= LVT_MASKED;
	} else if (!strcmp(what, "lint1_fixed")) {
		lapic[LAPIC_LVT_LINT1] = 0x80;
	} else if (!strcmp(what, "error")) {
		lapic[LAPIC_LVT_ERROR] |= LVT_MASKED;
	} else if (!strcmp(what, "perf")) {
		lapic[LAPIC_LVT_PERF] = (lapic[LAPIC_LVT_PERF] & ~(LVT_MASKED | LVT_DELIVERY)) | LVT_NMI;
	} else if (!strcmp(what, "thermal")) {
		lapic[LAPIC_LVT_THERMAL] = (lapic[LAPIC_LVT_THERMAL] & ~(LVT_MASKED | LVT_DELIVERY)) | LVT_NMI;
	} else {
		a_restore(pf);
		return KPP_STATUS_INVALID_PARAMETER;
	}
	printk("attack_a87: local APIC entry rewritten (%s)\n", what);
	a_patched("attack_a87");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
