/* attack_a82_time_inputs (A82): the tick's and the watchdogs' inputs.
 * One input of the tick or the watchdogs changed at a time, each in a way
 * that keeps it running rather than stopping it: `lvt_vector` moves the
 * local-APIC timer's vector to the next one (the tick arrives at a gate
 * that is not the tick's); `div2` doubles its divide configuration (every
 * tick twice as late); `cr8` raises the task priority through CR8 above the
 * tick's class; `pic_base` initialises the master PIC again with its
 * vectors 8 higher (IRQ 0, the watchdog, arrives at the slave's first
 * vector), its mask as it was; `ioapic_dest` sends the NMI watchdog's
 * redirection entry to another APIC ID; `ioapic_level` makes it
 * level-triggered. Expected: 0x109 type 0x17 or 0x101. */
#include "attack_pg.h"

#define LAPIC_LVT_TIMER (0x320 / 4)
#define LAPIC_TIMER_DIV (0x3E0 / 4)
#define IOAPIC_FRAME 0xFEC00000ull
#define IOAPIC_REDIR_PIN2 0x14
#define MMIO_PAGES 256
#define PIC1_CMD 0x20
#define PIC1_DATA 0x21

static volatile uint32_t *find_ioapic(void)
{
	for (uint64_t va = KPP_MMIO_AREA_BASE; va < KPP_MMIO_AREA_BASE + MMIO_PAGES * A_PAGE; va += A_PAGE) {
		uint64_t pte = vm_pte(va);
		if ((pte & A_PTE_P) && (pte & A_PTE_ADDR) == IOAPIC_FRAME)
			return (volatile uint32_t *)va;
	}
	return NULL;
}

static const char *patch(const char *mode)
{
	volatile uint32_t *lapic = a_find_lapic();
	volatile uint32_t *io = find_ioapic();
	if (!strcmp(mode, "lvt_vector") && lapic) {
		uint32_t v = lapic[LAPIC_LVT_TIMER];
		lapic[LAPIC_LVT_TIMER] = (v & ~0xFFu) | ((v + 1) & 0xFF);
		return "the LVT timer's vector moved up by one";
	}
	if (!strcmp(mode, "div2") && lapic) {
		uint32_t div = lapic[LAPIC_TIMER_DIV] & 0xB;
		uint32_t n = div == 0xB ? 7 : ((div & 8) >> 1 | (div & 3)); /* divide by 2 << n */
		n = n == 7 ? 0 : n + 1;
		lapic[LAPIC_TIMER_DIV] = n == 7 ? 0xB : ((n & 4) << 1 | (n & 3));
		return "the timer's divide configuration doubled";
	}
	if (!strcmp(mode, "cr8")) {
		uint64_t v = 14;
		__asm__ volatile("mov %0, %%cr8" ::"r"(v));
		return "CR8 raised to 14";
	}
	if (!strcmp(mode, "pic_base")) {
		uint8_t mask = a_inb(PIC1_DATA);
		a_outb(PIC1_CMD, 0x11);     /* ICW1: edge, cascade, ICW4 */
		a_outb(PIC1_DATA, 0x28);    /* ICW2: vectors 0x28-0x2F */
		a_outb(PIC1_DATA, 0x04);    /* ICW3: slave at IRQ 2 */
		a_outb(PIC1_DATA, 0x01);    /* ICW4: 8086 mode */
		a_outb(PIC1_DATA, mask);
		return "the master PIC's vectors moved to 0x28";
	}
	if (!strcmp(mode, "ioapic_dest") && io) {
		io[0] = IOAPIC_REDIR_PIN2 + 1;
		io[4] = (io[4] & 0x00FFFFFFu) | (1u << 24);
		return "the NMI entry's destination set to APIC ID 1";
	}
	if (!strcmp(mode, "ioapic_level") && io) {
		io[0] = IOAPIC_REDIR_PIN2;
		io[4] |= 1u << 15;
		return "the NMI entry made level-triggered";
	}
	return NULL;
}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	const char *what = patch(drv->args);
	if (!what) {
		a_restore(pf);
		printk("attack_a82: unknown mode, or its registers not mapped\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	printk("attack_a82: %s\n", what);
	a_patched("attack_a82");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
