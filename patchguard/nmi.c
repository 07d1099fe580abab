/* The NMI watchdog: the one trigger that still runs while the kernel has
 * interrupts masked. A corruption that makes the kernel spin with IF=0 (a
 * lock whose release was patched away, a driver that disables interrupts,
 * patches and never gives the CPU back) stops every tick, and with it the
 * timer, the piggy-back, the random passes, the tick hook and the PIT
 * watchdog: none of them is an NMI.
 *
 * PIT channel 0 (the watchdog's interrupt) also reaches the I/O APIC, ISA
 * IRQ 0 at input pin 2, as on QEMU's PC and the ACPI tables' interrupt
 * source override. PatchGuard programs that pin's redirection entry for
 * NMI delivery (edge, physical destination: the bootstrap processor), so
 * every PIT period the processor takes vector 2 through its IDT gate, on
 * the TSS's NMI stack (IST2), whatever RFLAGS.IF says. On each NMI:
 *  - the heartbeat: the tick of the NMI, which the tick hook requires to be
 *    at most 8 ticks old; the PIT watchdog compares the redirection entry
 *    itself on every interrupt (masking or re-routing the NMI is seen by
 *    the maskable triggers, and they by this one);
 *  - interrupts masked for long: the interrupted code had IF=0 and no tick
 *    has come since the previous NMI (a PIT period is longer than a tick)
 *    or for STALL_TICKS tick periods by the TSC. Then every region
 *    whose check is exact at any instruction boundary is checked, from
 *    here, and a mismatch is reported through PatchGuard's own stop path,
 *    which needs no lock the interrupted code may hold. While the stall
 *    lasts, the check is repeated every RECHECK_NMIS NMIs;
 *  - no pass for too long: no pass of any trigger has finished for
 *    nmi_idle_max NMIs (twice the profile's worst-case latency), by each
 *    context's own pass count read through its slot (context.c), not by
 *    the plain counters: the same check, then 0x101 whatever it found
 *    (every trigger was stopped);
 *  - switched off: once started, the NMI keeps its own record of that and
 *    of the idle limit; PatchGuard's "live" or the NMI's "armed" flag found
 *    cleared on two NMIs running (the tick hook, the PIT watchdog and the
 *    piggy-back return at once when "live" is clear) is 0x101.
 * The interrupted code may be anywhere, PatchGuard included: a context
 * that is open is used as it is; while PatchGuard itself changes what the
 * checks read (a context being decrypted or encrypted, CR4.PGE toggled to
 * flush the TLB) the check waits for the next NMI (at most DEFER_MAX
 * times), and while PatchGuard's stop path writes its screen it stands
 * aside (at most STOP_MAX NMIs). The sealed arrays and the protection
 * grants are left out: the kernel changes them and re-seals them in two
 * steps that an NMI can fall between. The NMI costs a few dozen
 * instructions when nothing is due. In the windows profile it also runs
 * the PIT watchdog's checks on every eighth NMI (watchdog.c). */
#include <kpp/cpu.h>
#include <kpp/intr.h>
#include <kpp/mm.h>
#include <kpp/patchguard.h>
#include <kpp/time.h>
#include <kpp/trap.h>
#include "pg.h"

#define IOAPIC_PHYS 0xFEC00000ull
#define IOAPIC_SEL 0       /* IOREGSEL, in dwords */
#define IOAPIC_WIN 4       /* IOWIN (offset 0x10) */
#define IOAPIC_REG_VER 0x01
#define IOAPIC_MAX_ENTRY(ver) (((ver) >> 16) & 0xFF)
#define PIT_PIN 2                  /* ISA IRQ 0 */
#define NMI_REDIR PG_IOAPIC_NMI_REG /* its redirection entry: 0x10 + 2 * pin */
#define REDIR_NMI 0x400u           /* delivery mode NMI; physical, active high, edge, unmasked */
#define REDIR_LO_MASK 0x1AFFFu     /* all but delivery status and remote IRR (read-only) */
#define REDIR_HI_MASK 0xFF000000u  /* destination */
#define LAPIC_ID 0x020
#define TICK_WINDOW 16             /* tsc_ref is the TSC of this many ticks (tick.c) */
#define STALL_TICKS 3
#define RECHECK_NMIS 8
#define DEFER_MAX 8
#define STOP_MAX 4 /* a stop path writes its screen in far less than 4 PIT periods (A55) */
#define WATCH_NMIS 8 /* with wd_on_nmi: the watchdog's checks on one NMI in this many */

static uint64_t nmi_tick, nmi_passes[2], nmi_count, nmi_stride;
static uint32_t nmi_idle, nmi_since_check, nmi_deferred, nmi_waited, nmi_idle_limit, nmi_off;
static bool nmi_due, nmi_on, nmi_dead, nmi_watch;

static uint32_t ioapic_read(volatile uint32_t *io, uint32_t reg)
{
	io[IOAPIC_SEL] = reg;
	return io[IOAPIC_WIN];
}

static void ioapic_write(volatile uint32_t *io, uint32_t reg, uint32_t v)
{
	io[IOAPIC_SEL] = reg;
	io[IOAPIC_WIN] = v;
}

bool pg_ioapic_ok(void)
{
	volatile uint32_t *io = pg.ioapic;
	return (ioapic_read(io, NMI_REDIR) & REDIR_LO_MASK) == pg.ioapic_lo &&
	       (ioapic_read(io, NMI_REDIR + 1) & REDIR_HI_MASK) == pg.ioapic_hi;
}

/* The check an NMI runs: from the context open in the interrupted code, or
 * context 0 opened (and closed again) here. */
static void nmi_check(void)
{
	if (pg.stopping && ++nmi_waited < STOP_MAX)
		return;
	if (pg.hold && ++nmi_deferred < DEFER_MAX)
		return;
	nmi_deferred = 0;
	nmi_due = false;
	nmi_since_check = 0;
	struct pg_context *c = pg.open;
	bool mine = !(c && pg_mapped(c, sizeof *c) && c->magic == PG_CONTEXT_MAGIC);
	if (mine) {
		pg_rescue_check();
		c = pg_open(0);
	}
	pg_check_exact(c, true);
	if (nmi_idle >= nmi_idle_limit || nmi_dead)
		pg_detect(c, (const void *)&pg.passes, (uint64_t)&pg.passes, KPP_PG_CHECKER_CONTEXT);
	if (mine)
		pg_close(0, c);
}

void pg_nmi(const struct trap_frame *tf)
{
	uint64_t now = ticks();
	pg.nmi_beat = now;
	if (!nmi_on)
		return;
	uint32_t t0 = pg_rdtsc32();
	/* Started, so armed and live (pg_nmi_start runs just before "live" is
	 * set: one NMI may fall between). */
	nmi_off = pg.nmi_armed && pg.live ? 0 : nmi_off + 1;
	if (nmi_off >= 2)
		nmi_dead = nmi_due = true;
	/* The slots are read on one NMI in nmi_stride + 1 (a 64th of the idle
	 * limit at most: the windows profile's budget), and not while a context is being opened, used or
	 * closed (the NMI after it sees the count moved). */
	bool moved = false;
	if (!(++nmi_count & nmi_stride) && !pg.hold && !pg.busy)
		for (uint32_t i = 0; i < 2 && i < pg.ncontexts; i++) {
			uint64_t n = pg_slot_passes((int)i);
			if (n != nmi_passes[i]) {
				nmi_passes[i] = n;
				moved = true;
			}
		}
	if (moved)
		nmi_idle = 0;
	else if (++nmi_idle >= nmi_idle_limit)
		nmi_due = true;
	bool frozen = now == nmi_tick;
	if (!frozen) {
		nmi_tick = now;
		nmi_since_check = RECHECK_NMIS; /* a new stall is checked at once */
	} else if (nmi_since_check < RECHECK_NMIS) {
		nmi_since_check++;
	}
	/* Interrupts masked, and no tick since the last NMI (a PIT period, more
	 * than a tick's), or for STALL_TICKS tick periods by the TSC (tsc_ref:
	 * the TSC of the fastest 16-tick window, 0 until one is measured). */
	if (!(tf->rflags & RFLAGS_IF) && nmi_since_check >= RECHECK_NMIS &&
	    (frozen || (pg.tsc_ref && (uint64_t)(uint32_t)(t0 - pg.tick_tsc) > pg.tsc_ref * STALL_TICKS / TICK_WINDOW)))
		nmi_due = true;
	if (nmi_due)
		nmi_check();
	/* The watchdog's checks (wd_on_nmi), not while PatchGuard changes
	 * what they read or its stop path runs: the next NMI does them. */
	if (nmi_watch) {
		pg.wd_beat = now;
		if (!(nmi_count & (WATCH_NMIS - 1)) && !pg.hold && !pg.stopping)
			pg_watchdog_nmi(now);
	}
	pg.hook_cost += (uint32_t)(pg_rdtsc32() - t0);
}

/* Route PIT channel 0 to the bootstrap processor as NMI. Without a local
 * APIC (the PIT is the tick itself) or an I/O APIC there is no watchdog. */
void pg_nmi_init(void)
{
	if (!lapic_present)
		return;
	volatile uint32_t *io = (volatile uint32_t *)vm_map_mmio(IOAPIC_PHYS, PAGE_SIZE);
	if (!io)
		return;
	uint32_t ver = ioapic_read(io, IOAPIC_REG_VER);
	if (ver == 0xFFFFFFFFu || IOAPIC_MAX_ENTRY(ver) < PIT_PIN)
		return;
	pg.ioapic = io;
	pg.ioapic_hi = lapic_read(LAPIC_ID) & REDIR_HI_MASK;
	pg.ioapic_lo = REDIR_NMI;
	ioapic_write(io, NMI_REDIR + 1, pg.ioapic_hi);
	ioapic_write(io, NMI_REDIR, pg.ioapic_lo);
}

void pg_nmi_start(void)
{
	nmi_tick = ticks();
	for (uint32_t i = 0; i < 2; i++)
		nmi_passes[i] = i < pg.ncontexts ? pg_slot_passes((int)i) : 0;
	nmi_idle = 0;
	nmi_idle_limit = pg.nmi_idle_max;
	nmi_stride = 0; /* a power of two minus one, up to a 64th of the idle limit */
	while ((nmi_stride + 1) * 128 <= nmi_idle_limit)
		nmi_stride = nmi_stride * 2 + 1;
	nmi_count = 0;
	nmi_off = 0;
	nmi_since_check = RECHECK_NMIS;
	pg.nmi_beat = nmi_tick;
	pg.nmi_armed = pg.ioapic != NULL;
	nmi_on = pg.nmi_armed;
	nmi_watch = nmi_on && pg.wd_on_nmi;
}
