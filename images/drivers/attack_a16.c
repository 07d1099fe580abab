/* attack_a16 (A16): silence the tick. Finds the local APIC's mapping (the
 * physical base from IA32_APIC_BASE, then the page of the kernel's device
 * area that maps it) and masks the LVT timer entry, so no timer interrupt,
 * and with it no timer DPC, runs any more. Expected: 0x109 type 0x17 (or
 * 0x101) from the PIT watchdog. */
#include "attack.h"

#define MSR_APIC_BASE 0x1B
#define APIC_BASE_ADDR 0xFFFFFF000ull
#define LAPIC_LVT_TIMER 0x320
#define LVT_MASKED 0x10000u
#define DEVICE_AREA_PAGES 256

status_t driver_entry(struct driver_object *drv)
{
	uint64_t phys = a_rdmsr(MSR_APIC_BASE) & APIC_BASE_ADDR;
	for (uint64_t i = 0; i < DEVICE_AREA_PAGES; i++) {
		uint64_t va = KPP_MMIO_AREA_BASE + i * A_PAGE;
		uint64_t pte = vm_pte(va);
		if (!(pte & A_PTE_P) || (pte & A_PTE_ADDR) != phys)
			continue;
		volatile uint32_t *lvt = (volatile uint32_t *)(va + LAPIC_LVT_TIMER);
		uint64_t pf = a_cli(); /* no pass between the patch and its report */
		*lvt |= LVT_MASKED;
		printk("attack_a16: local APIC timer masked\n");
		a_patched("attack_a16");
		a_restore(pf);
		return KPP_STATUS_SUCCESS;
	}
	printk("attack_a16: local APIC mapping not found\n");
	return KPP_STATUS_UNSUCCESSFUL;
}
