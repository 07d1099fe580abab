/* attack_a49_cli_spin (A49): patch, then spin with interrupts masked for ever.
 * No tick, timer, DPC or maskable watchdog runs again; only an NMI does.
 * Variants (driver arguments):
 *  - (none): disables interrupts, writes a 5-byte jmp over the exported
 *    module_find (as A2 does) and spins for ever with IF=0;
 *  - lock: removes the store that releases the console lock from the
 *    routine printk calls (found by decoding printk's call and scanning for
 *    a MOV of 0 to a RIP-relative dword after that routine's call), then
 *    prints twice: the first line leaves the lock held, the second spins in
 *    the lock's acquire loop with interrupts disabled, as a kernel whose
 *    console unlock was corrupted does;
 *  - halt: as the default, but halts for ever with IF=0 instead of
 *    spinning: only an NMI wakes the processor (and the halt after it);
 *  - mask: finds the I/O APIC's mapping in the kernel's device-register
 *    area by its frame and masks the redirection entry of pin 2 (ISA IRQ 0,
 *    the PIT), the route of PatchGuard's NMI, then returns.
 * Expected: 0x109 type 0x1 from the NMI watchdog for the first three; type
 * 0x17 (the PIT watchdog compares the entry) or 0x101 (the NMI's heartbeat)
 * for mask. */
#include "attack_pg.h"

#define MMIO_PAGES 64 /* pages of the device-register area probed */
#define IOAPIC_FRAME 0xFEC00000ull
#define IOAPIC_REDIR_PIN2 0x14
#define REDIR_MASKED (1u << 16)

static void spin(void)
{
	for (;;)
		__asm__ volatile("pause" ::: "memory");
}

static void halt(void)
{
	for (;;)
		__asm__ volatile("hlt" ::: "memory");
}

/* The target of the first call instruction in [p, p + max), or 0: an E8
 * byte whose rel32 lands on a 16-byte aligned address in kernel text (a
 * function entry; an E8 inside another instruction seldom does). */
static uint64_t first_call(uint64_t p, size_t max)
{
	for (uint64_t q = p; q < p + max; q++) {
		if (*(const uint8_t *)q != 0xE8)
			continue;
		int32_t rel;
		memcpy(&rel, (const void *)(q + 1), 4);
		uint64_t t = q + 5 + (uint64_t)(int64_t)rel;
		if (!(t & 15) && a_in_kernel_text(t))
			return t;
	}
	return 0;
}

/* movl $0, disp32(%rip): C7 05 disp32 00000000, after the routine's first call. */
static uint64_t find_unlock(uint64_t fn)
{
	static const uint8_t zero[4];
	for (uint64_t q = fn; q < fn + 256; q++) {
		const uint8_t *b = (const uint8_t *)q;
		if (b[0] == 0xC7 && b[1] == 0x05 && !memcmp(b + 6, zero, 4) && first_call(fn, (size_t)(q - fn)))
			return q;
	}
	return 0;
}

static status_t lock_variant(void)
{
	/* A 10-byte NOP (66 2E 0F 1F 84 00 00 00 00 00) over the store. */
	static const uint8_t nop10[10] = {0x66, 0x2E, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00};
	uint64_t vprintk = first_call((uint64_t)&printk, 64);
	uint64_t store = vprintk ? find_unlock(vprintk) : 0;
	if (!store) {
		printk("attack_a49: console unlock not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	printk("attack_a49: console unlock removed; the next line leaves the lock held\n");
	a_patched("attack_a49");
	a_write_protected((void *)store, nop10, sizeof nop10);
	printk("attack_a49: console lock held\n");
	printk("attack_a49: never printed\n"); /* spins with interrupts off */
	spin();
	return KPP_STATUS_SUCCESS;
}

static status_t mask_variant(void)
{
	for (uint64_t va = KPP_MMIO_AREA_BASE; va < KPP_MMIO_AREA_BASE + MMIO_PAGES * A_PAGE; va += A_PAGE) {
		uint64_t pte = vm_pte(va);
		if (!(pte & A_PTE_P) || (pte & A_PTE_ADDR) != IOAPIC_FRAME)
			continue;
		volatile uint32_t *io = (volatile uint32_t *)va;
		uint64_t pf = a_cli();
		io[0] = IOAPIC_REDIR_PIN2;
		io[4] |= REDIR_MASKED;
		a_restore(pf);
		printk("attack_a49: the PIT's I/O APIC entry masked\n");
		a_patched("attack_a49");
		return KPP_STATUS_SUCCESS;
	}
	printk("attack_a49: I/O APIC not mapped\n");
	return KPP_STATUS_UNSUCCESSFUL;
}

status_t driver_entry(struct driver_object *drv)
{
	if (!strcmp(drv->args, "lock"))
		return lock_variant();
	if (!strcmp(drv->args, "mask"))
		return mask_variant();
	static const uint8_t jmp_self[5] = {0xE9, 0xFB, 0xFF, 0xFF, 0xFF}; /* jmp to itself */
	bool halting = !strcmp(drv->args, "halt");
	printk(halting ? "attack_a49: interrupts off, module_find patched, halting\n"
		       : "attack_a49: interrupts off, module_find patched, spinning\n");
	a_cli();
	a_patched("attack_a49");
	uint64_t cr0 = a_read_cr0();
	a_write_cr0(cr0 & ~A_CR0_WP);
	volatile uint8_t *d = (volatile uint8_t *)&module_find;
	for (size_t i = 0; i < sizeof jmp_self; i++)
		d[i] = jmp_self[i];
	a_write_cr0(cr0);
	if (halting)
		halt();
	spin();
	return KPP_STATUS_SUCCESS;
}
