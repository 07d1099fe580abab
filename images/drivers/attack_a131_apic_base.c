/* attack_a131_apic_base (A131): the local APIC moved through IA32_APIC_BASE.
 * PatchGuard reads the local APIC's registers through the kernel's mapping
 * of its page. Modes (the driver's arguments):
 *  - `move`: copies the registers into a RAM page of its own and writes
 *    that page's frame into IA32_APIC_BASE (enable and BSP kept): on a
 *    machine that moves the register window with the base, the page the
 *    kernel's mapping names is no longer the APIC, and the real one sits
 *    where no compare reads it; kppemu, like QEMU 7.2, keeps the window at
 *    0xFEE00000, so the registers do not move;
 *  - `move_pte`: the same, and the kernel's mapping of the APIC pointed at
 *    the RAM copy (A80's `lapic`) with the timer's divide configuration
 *    doubled behind it: the PTE names the frame IA32_APIC_BASE names;
 *  - `disable`: IA32_APIC_BASE's global enable cleared (QEMU does not let
 *    it be set again);
 *  - `x2apic`: the APIC switched to x2APIC mode (IA32_APIC_BASE.EXTD; the
 *    register page is no longer decoded, the registers are MSRs 0x800 on)
 *    and the timer's initial count multiplied by 100 through its MSR;
 *    only where CPUID advertises x2APIC (kppemu's --cpu-feature x2apic).
 * Expected: 0x109 type 0x111 (the page no longer maps the frame the base
 * names, or its PTE changed) or 0x17 (the registers' compare). */
#include "attack_pg.h"

#define MSR_APIC_BASE 0x1B
#define APIC_BASE_EN (1ull << 11)
#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_FRAME 0xFFFFFF000ull
#define LAPIC_TIMER_INIT (0x380 / 4)
#define LAPIC_TIMER_DIV (0x3E0 / 4)
#define MSR_X2APIC_TIMER_INIT (0x800 + (0x380 >> 4))
#define MMIO_PAGES 256

static uint64_t mmio_va(uint64_t frame)
{
	for (uint64_t va = KPP_MMIO_AREA_BASE; va < KPP_MMIO_AREA_BASE + MMIO_PAGES * A_PAGE; va += A_PAGE) {
		uint64_t pte = vm_pte(va);
		if ((pte & A_PTE_P) && (pte & A_PTE_ADDR) == frame)
			return va;
	}
	return 0;
}

static bool x2apic_advertised(void)
{
	uint32_t a = 1, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return c & (1u << 21);
}

static const char *patch(const char *mode, uint8_t *fake)
{
	uint64_t base = a_rdmsr(MSR_APIC_BASE);
	uint64_t va = mmio_va(base & APIC_BASE_FRAME);
	if (!va)
		return NULL;
	volatile uint32_t *regs = (volatile uint32_t *)va;
	uint64_t frame = (uint64_t)fake - KPP_DIRECT_MAP_BASE;
	if (!strcmp(mode, "move") || !strcmp(mode, "move_pte")) {
		for (uint32_t off = 0; off < 0x400; off += 0x10)
			*(uint32_t *)(fake + off) = regs[off / 4];
		if (!strcmp(mode, "move")) {
			a_wrmsr(MSR_APIC_BASE, (base & ~APIC_BASE_FRAME) | frame);
			return "IA32_APIC_BASE moved to a RAM copy of the registers";
		}
		uint32_t div = regs[LAPIC_TIMER_DIV] & 0xB;
		uint32_t n = div == 0xB ? 7 : ((div & 8) >> 1 | (div & 3));
		n = n == 7 ? 0 : n + 1;
		regs[LAPIC_TIMER_DIV] = n == 7 ? 0xB : ((n & 4) << 1 | (n & 3));
		uint64_t *pte = a_pte_of(va, 0);
		if (!pte)
			return NULL;
		*pte = (*pte & ~A_PTE_ADDR) | (frame & A_PTE_ADDR);
		a_invlpg(va);
		a_wrmsr(MSR_APIC_BASE, (base & ~APIC_BASE_FRAME) | frame);
		return "IA32_APIC_BASE and the APIC's mapping moved to a RAM copy, divide doubled";
	}
	if (!strcmp(mode, "disable")) {
		a_wrmsr(MSR_APIC_BASE, base & ~APIC_BASE_EN);
		return "the local APIC disabled in IA32_APIC_BASE";
	}
	if (!strcmp(mode, "x2apic") && x2apic_advertised()) {
		a_wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
		a_wrmsr(MSR_X2APIC_TIMER_INIT, a_rdmsr(MSR_X2APIC_TIMER_INIT) * 100);
		return "the local APIC in x2APIC mode, the timer's count times 100";
	}
	return NULL;
}

status_t driver_entry(struct driver_object *drv)
{
	uint8_t *buf = pool_alloc(2 * A_PAGE, 0x6F696D4D);
	if (!buf) {
		printk("attack_a131: no memory\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint8_t *fake = (uint8_t *)(((uint64_t)buf + A_PAGE - 1) & ~(A_PAGE - 1));
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	const char *what = (uint64_t)fake >= KPP_DIRECT_MAP_BASE ? patch(drv->args, fake) : NULL;
	if (!what) {
		a_restore(pf);
		printk("attack_a131: unknown mode, x2APIC not advertised, or the APIC's page not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	printk("attack_a131: %s\n", what);
	a_patched("attack_a131");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
