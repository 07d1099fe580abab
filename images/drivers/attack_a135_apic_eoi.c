/* attack_a135_apic_eoi (A135): the local APIC moved, its tick kept alive.
 * A131's `move_pte` variant that does not lose the tick: the registers
 * copied into a RAM page of its own, IA32_APIC_BASE and the kernel's
 * mapping of the APIC both pointed at that page (the mapping names the
 * frame the base names), the real timer's divide configuration doubled
 * behind it (the tick at half its rate, which the copy does not show). The
 * kernel's end-of-interrupt writes now go to the copy, so the driver maps
 * the real registers (0xFEE00000, kppemu and QEMU keep the window there)
 * at a free page of the device area of its own and writes the EOI there
 * from a timer of its own on every tick: the tick keeps coming. Expected:
 * 0x109 (what sees it is the row's measurement: the mapping's PTE is a
 * page-table region, the tick at half its rate the watchdog's). */
#include "attack_pg.h"

#define MSR_APIC_BASE 0x1B
#define APIC_BASE_FRAME 0xFFFFFF000ull
#define APIC_WINDOW 0xFEE00000ull
#define LAPIC_EOI (0x0B0 / 4)
#define LAPIC_TIMER_DIV (0x3E0 / 4)
#define MMIO_PAGES 256

static volatile uint32_t *real; /* the real registers, through the driver's own mapping */
static struct ktimer eoier;
static struct dpc eoier_dpc;

static void every_tick(struct dpc *d, void *ctx)
{
	(void)d;
	(void)ctx;
	real[LAPIC_EOI] = 0;
}

/* The device area's page mapping frame, or with frame 0 a free one. */
static uint64_t mmio_va(uint64_t frame)
{
	for (uint64_t va = KPP_MMIO_AREA_BASE; va < KPP_MMIO_AREA_BASE + MMIO_PAGES * A_PAGE; va += A_PAGE) {
		uint64_t *pte = a_pte_of(va, 0);
		if (!pte)
			continue;
		if (frame ? (*pte & A_PTE_P) && (*pte & A_PTE_ADDR) == frame : !(*pte & A_PTE_P))
			return va;
	}
	return 0;
}

/* The registers the APIC defines: a read of another sets an illegal-
 * register error, whose interrupt the kernel would end at the copy, and
 * that vector, in service for good, would hold the tick off. */
static bool defined(uint32_t off)
{
	return off == 0x020 || off == 0x030 || (off >= 0x080 && off <= 0x280) || (off >= 0x300 && off <= 0x390) ||
	       off == 0x3E0;
}

static const char *patch(uint8_t *fake)
{
	uint64_t base = a_rdmsr(MSR_APIC_BASE);
	uint64_t va = mmio_va(base & APIC_BASE_FRAME), own = mmio_va(0);
	if (!va || !own)
		return NULL;
	uint64_t *pte = a_pte_of(va, 0), *own_pte = a_pte_of(own, 0);
	*own_pte = APIC_WINDOW | A_PTE_P | A_PTE_W | A_PTE_NX | (1ull << 4); /* PCD */
	a_invlpg(own);
	real = (volatile uint32_t *)own;
	volatile uint32_t *regs = (volatile uint32_t *)va;
	uint64_t frame = (uint64_t)fake - KPP_DIRECT_MAP_BASE;
	for (uint32_t off = 0; off < 0x400; off += 0x10)
		if (defined(off))
			*(uint32_t *)(fake + off) = regs[off / 4];
	uint32_t div = real[LAPIC_TIMER_DIV] & 0xB;
	uint32_t n = div == 0xB ? 7 : ((div & 8) >> 1 | (div & 3));
	n = n == 7 ? 0 : n + 1;
	real[LAPIC_TIMER_DIV] = n == 7 ? 0xB : ((n & 4) << 1 | (n & 3));
	*pte = (*pte & ~A_PTE_ADDR) | (frame & A_PTE_ADDR);
	a_invlpg(va);
	a_wrmsr(MSR_APIC_BASE, (base & ~APIC_BASE_FRAME) | frame);
	dpc_init(&eoier_dpc, every_tick, NULL);
	timer_init(&eoier, &eoier_dpc);
	timer_set(&eoier, 1, NSEC_PER_TICK); /* from the next tick on */
	return "the APIC moved to a RAM copy with its mapping, divide doubled, EOI to the real one";
}

status_t driver_entry(struct driver_object *drv)
{
	(void)drv;
	uint8_t *buf = pool_alloc(2 * A_PAGE, 0x6F696D4D);
	if (!buf) {
		printk("attack_a135: no memory\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint8_t *fake = (uint8_t *)(((uint64_t)buf + A_PAGE - 1) & ~(A_PAGE - 1));
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	const char *what = (uint64_t)fake >= KPP_DIRECT_MAP_BASE ? patch(fake) : NULL;
	if (!what) {
		a_restore(pf);
		printk("attack_a135: the APIC's page or a free device page not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	printk("attack_a135: %s\n", what);
	a_patched("attack_a135");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
