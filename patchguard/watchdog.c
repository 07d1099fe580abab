/* The third trigger path: a watchdog on PIT channel 0 (IRQ 0, 18.2 Hz; 72.8 in the test profile),
 * independent of the local-APIC tick that drives the others. On every
 * interrupt it records its heartbeat (the tick hook checks it, and that
 * IRQ 0 stays unmasked at the PIC) and checks the tick's inputs directly:
 * the local APIC's LVT timer, initial count, divide configuration, task
 * priority and LINT0 (the virtual wire its own interrupt arrives through),
 * and the tick's handler behind the IDT, and the I/O APIC's redirection
 * entry that turns the same PIT edge into the NMI watchdog's NMI (nmi.c).
 * It also checks that the tick hook
 * saw the current tick, and when the tick has not advanced for
 * wd_stalls_max of its interrupts at least half a PIT period apart (the
 * timer stopped some other way), reports the missed heartbeat (0x101).
 *
 * Its clock is the ACPI PM timer (3.579545 MHz, port 0x608 on the PC
 * kppemu and QEMU model), not the TSC: WRMSR sets the TSC, so a driver
 * that holds the TSC back while it holds back the tick (A62: restarting
 * the local-APIC timer's count with the value it already holds, just
 * before it runs out, changes no register) made the stalls look
 * unspaced and the tick hook's window see ticks keep pace. Nothing sets
 * the PM timer; a PM timer that stands still counts as spaced, one that
 * reads all ones was moved or switched off at its PCI function (A132). The
 * TSC's progress is held to the PM timer's (A130). Over windows of PM time the watchdog also requires ticks at
 * more than an eighth of their rate (the tick hook's tolerance against
 * the TSC, which a host that stalls a machine on host time needs), twice
 * running; that needs the tick's calibration to have found the nominal
 * timer base (a 1 GHz bus: kppemu, QEMU), else the window is off.
 *
 * In the windows profile the same checks ride on the NMI watchdog (nmi.c)
 * instead, on about one NMI in 32: the PIT edge then costs one interrupt, not
 * two, and IRQ 0 stays masked at the PIC. The NMI may interrupt anything:
 * it skips the checks while PatchGuard is changing a context (the next
 * NMI runs them), and the I/O APIC's register window has no other user
 * after arming but the tick hook's compare of the NMI's entry, which holds
 * the NMI off (tick.c, A95). */
#include <kpp/cpu.h>
#include <kpp/intr.h>
#include <kpp/mm.h>
#include <kpp/trap.h>
#include "pg.h"

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_CMD_CH0_MODE2 0x34 /* channel 0, lobyte/hibyte, rate generator */

#define LAPIC_TPR 0x080
#define LAPIC_SVR 0x0F0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_THERMAL 0x330
#define LAPIC_LVT_PERF 0x340
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_DIV 0x3E0
#define LVT_TIMER_MASK 0x700FFu /* vector, mask bit, timer mode */
#define LVT_LINT_MASK 0x10700u  /* mask bit, delivery mode */
#define LVT_ALL_MASK 0x1A7FFu   /* mask, trigger, polarity, delivery mode, vector */
#define LVT_ERROR_MASK 0x100FFu /* mask, vector */
#define LVT_LOCAL_MASK 0x107FFu /* thermal, performance counters: mask, delivery mode, vector */
#define SVR_MASK 0x1FFu
#define DIV_MASK 0xBu

#define APIC_BASE_FRAME 0xFFFFFF000ull
#define MSR_TSC 0x10

#define PM_TIMER 0x608
#define PM_HZ 3579545u
#define PM_MASK 0xFFFFFFu
#define PIT_HZ 1193182u
#define NOMINAL_COUNTS_PER_TICK (1000000000u / 16 / KPP_TICK_HZ)
#define PACE_TICKS 16 /* a window: 16 ticks of PM time */
#define PACE_SLOW 8   /* ticks slower than this, twice running */

static uint64_t last_tick, last_tsc;
static bool wd_started; /* its own record, so clearing "live" is seen */
static uint32_t stalls;
uint64_t pg_watchdog_irqs;
/* The PM timer: present at start, its last reading, and the pace window
 * (start tick, PM counts since). */
static bool pm_on, pace_on;
static uint32_t pm_last, pace_slow, pace_runs;
static uint64_t pace_tick, pace_pm;
/* TSC counts per PM count << 16, measured at arming (check_tsc_rate; 0:
 * off), among the constant records. */
static uint64_t tsc_per_pm;
/* IA32_APIC_BASE as armed (the frame, global enable, x2APIC mode and BSP),
 * among the constant records: moved with the kernel's mapping of the
 * APIC pointed at the same RAM copy, no compare below reads the real
 * registers, and a driver that writes the EOI to the real ones through a
 * mapping of its own keeps the tick coming (A135). */
#define APIC_BASE_KEEP (APIC_BASE_FRAME | 1ull << 11 | 1ull << 10 | 1ull << 8)
static uint64_t apic_base_armed;

uint32_t pg_watchdog_records(uint64_t *w)
{
	w[0] = wd_started | (uint64_t)pm_on << 1 | (uint64_t)pace_on << 2 | tsc_per_pm << 8;
	w[1] = apic_base_armed;
	return 2;
}

/* PM counts since the last call (the timer wraps in 4.7 s, far more than
 * the watchdog's period), or ~0 when it stood still. A PM timer found at
 * arming that reads all ones (or bits above its 24) was moved or switched
 * off at its PCI function (A132: PMBA, PMREGMISC): 0x17 at its port. It
 * used to count as time gone by, and the phase check saw it only after 6
 * full checks, which a tick stretched by 9 spread over half a second. */
static uint64_t pm_elapsed(void)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"((uint16_t)PM_TIMER));
	if (v & ~PM_MASK)
		pg_fail(&pm_last, PM_TIMER, KPP_PG_LOCAL_APIC);
	if (v == pm_last)
		return ~0ull;
	uint64_t d = (v - pm_last) & PM_MASK;
	pm_last = v;
	return d;
}

/* Ticks against the PM timer over windows of PACE_TICKS ticks' worth. A
 * window in which the PIT's edges came fewer than half the times its PM
 * length holds, or no more often than the ticks, does not count: the
 * host did not run the machine for most of it (QEMU without -icount,
 * descheduled, drops the ticks and the PIT's interrupts it owed alike:
 * each stop brings one of each, tick.c: pg_stalled_edges); a tick held
 * back in a running guest leaves the PIT's edges coming (its period held
 * to the PM timer by the tick hook's phase check). The edges: the
 * watchdog's own interrupts, or (windows, its checks on one NMI in 32)
 * the NMIs of the PIT. */
static uint64_t pace_nmis; /* the NMIs of the PIT at the window's start (windows) */

/* windows: the NMIs of the PIT are counted by the NMI's entry in plain
 * data (pg_pit_nmis), which the windows above and the tick hook's go by: a
 * driver that held the tick back and kept that count down made every
 * window look like a stopped host (A136). The count is held here to the
 * NMIs of the PIT that did the work (this check's own calls, a draw of 1 in
 * 32 from RDRAND that no driver steers), a count among the sealed ones:
 * at every such NMI it may not have gone back, and over EDGE_SPAN of them
 * it must have moved by more than EDGE_SPAN + EDGE_MIN. Honest, the NMIs
 * that drew no work between them number NegBin(EDGE_SPAN, 1/32), 1,984 on
 * average; fewer than EDGE_MIN (a quarter of that) has probability
 * P(Bin(559, 1/32) >= 64) = 1.2e-18 a span (one span every 112 s), and a
 * host that stops the machine changes nothing in it (every NMI it gives
 * counts alike). A span a working NMI found PatchGuard busy (no check) is
 * not counted, which only lengthens it. So the count kept down is seen
 * within two spans when it is below a quarter of the true one; above a
 * quarter the windows go by the ticks alone (pace_ran): more than
 * 1.125 edges a tick, and a driver that keeps a quarter of the edges can
 * hold the tick back by no more than about 25 times unseen (Limits). */
#define EDGE_SPAN 64
#define EDGE_MIN (EDGE_SPAN * (PG_WATCH_NMIS - 1) / 4)
static uint64_t edge_start; /* the count at the span's start */
static uint32_t edge_worked; /* NMIs of the PIT that did the work since */

static void check_edges(bool pit)
{
	uint64_t n = pg_pit_nmis;
	if (n < edge_start || (pg.wd_on_nmi && n < pace_nmis))
		pg_fail(&pg_pit_nmis, (uint64_t)&pg_pit_nmis, KPP_PG_CHECKER_CONTEXT);
	if (!pit || ++edge_worked < EDGE_SPAN)
		return;
	if (n - edge_start < EDGE_SPAN + EDGE_MIN)
		pg_fail(&pg_pit_nmis, (uint64_t)&pg_pit_nmis, KPP_PG_CHECKER_CONTEXT);
	edge_start = n;
	edge_worked = 0;
}

static void check_pace(uint64_t now, uint64_t pm)
{
	if (!pace_on || pm == ~0ull)
		return;
	pace_pm += pm;
	pace_runs++;
	const uint64_t tick_pm = PM_HZ / KPP_TICK_HZ;
	if (pace_pm < PACE_TICKS * tick_pm)
		return;
	uint64_t edges = pg.wd_on_nmi ? pg_pit_nmis - pace_nmis : pace_runs;
	/* windows: by the ticks alone (the count is held to the working NMIs
	 * only to a quarter, check_edges: a driver that kept it at under half
	 * the true one passed the PM time's test for every window). */
	bool ran = (pg.wd_on_nmi || edges * 2 * pg.pit_count * PM_HZ >= pace_pm * PIT_HZ) &&
		   !pg_stalled_edges(edges, now - pace_tick);
	bool slow = ran && (now - pace_tick) * PACE_SLOW * tick_pm < pace_pm;
	pace_nmis = pg_pit_nmis;
	pace_runs = 0;
	pace_slow = slow ? pace_slow + 1 : 0;
	pace_tick = now;
	pace_pm = 0;
	if (pace_slow >= 2)
		pg_fail(&pg.lapic, LAPIC_TIMER_INIT, KPP_PG_LOCAL_APIC); /* the tick held back */
}

/* The TSC against the PM timer (A130): both count the machine's one clock,
 * and WRMSR sets the TSC. Over each stretch of at least half a PIT period
 * of PM time, the TSC must advance between half and twice what the PM
 * time holds at the rate the first stretch after arming measured: a TSC
 * rewound, moved on, or written back on every tick so that it runs slow
 * (which held a stretched tick's windows to the TSC in step) is 0x109
 * type 0x7 at IA32_TSC at the next watchdog interrupt. The PM reading is
 * bracketed by two TSC readings: when they lie far apart (an NMI, or a
 * host that stopped the machine between them) the stretch starts again.
 * A stretch longer by the TSC than half the PM timer's wrap (2.3 s) is a
 * host that did not run the machine (QEMU without -icount, stopped), whose
 * PM count wrapped, and is not counted. The rate is measured at arming
 * (calibrate_tsc), before any driver can write the TSC. */
static uint64_t rate_tsc, rate_pm; /* the stretch's start, and the PM counts since */

static void check_tsc_rate(uint64_t pm, uint64_t t0, uint64_t t1)
{
	if (!tsc_per_pm)
		return;
	if (pm == ~0ull || !rate_tsc) {
		rate_tsc = pm == ~0ull ? 0 : t1;
		rate_pm = 0;
		return;
	}
	uint64_t dt = t1 - rate_tsc;
	if ((t1 - t0) * 32 > dt && !(dt >> 63)) {
		rate_tsc = 0; /* the next reading starts a stretch */
		return;
	}
	rate_pm += pm;
	if (rate_pm < (uint64_t)pg.pit_count * PM_HZ / PIT_HZ / 2)
		return;
	uint64_t n = rate_pm;
	rate_tsc = t1;
	rate_pm = 0;
	uint64_t want = n * tsc_per_pm >> 16;
	if (!(dt >> 63) && dt > want * 2 && dt > ((PM_MASK + 1ull) / 2 * tsc_per_pm >> 16))
		return;
	if ((dt >> 63) || dt * 2 < want || dt > want * 2)
		pg_fail(&tsc_per_pm, MSR_TSC, KPP_PG_CRITICAL_MSR);
}

bool pg_lapic_ok(uint64_t *reg)
{
	/* Straight from the register page as mapped at arming (the contexts
	 * keep that address too): no call per register. */
	uint64_t regs = (uint64_t)pg.lapic_mmio; /* reg: a byte offset, 16-byte aligned */
	for (uint32_t i = 0; i < pg.nlapic; i++)
		if ((*(volatile uint32_t *)(regs + pg.lapic[i].reg) & pg.lapic[i].mask) != pg.lapic[i].expect) {
			*reg = pg.lapic[i].reg;
			return false;
		}
	return true;
}

/* The entry that maps the register page at va in the loaded address space
 * (whose kernel half is the kernel's) when it does not map frame, else
 * NULL: a PTE pointed at RAM would have the compares below read values of
 * an attacker's choosing while the real registers say otherwise. */
static const uint64_t *remapped(const volatile void *va, uint64_t frame)
{
	uint64_t *t = phys_to_virt(read_cr3() & PTE_ADDR);
	for (int level = 3;; level--) {
		const uint64_t *e = &t[((uint64_t)va >> (12 + 9 * level)) & 511];
		if (!(*e & PTE_P) || (level && (*e & PTE_PS)))
			return e;
		if (!level)
			return (*e & PTE_ADDR) == frame ? NULL : e;
		t = phys_to_virt(*e & PTE_ADDR);
	}
}

/* The stall and pace counts and the TSC rate check's stretch, hashed
 * under the own key (records.c) after every watchdog interrupt that ran
 * the checks and verified at the next: reset from elsewhere to keep a
 * held-back tick unseen (A62), or to make every reading start a stretch
 * again so that a slowed TSC is never measured (A134), they are a
 * detection. In every profile: only the checks write them, and in
 * windows those run on about one NMI in 32 (a verify and a re-seal, some
 * 600 instructions, every 1.76 s). */
static uint64_t wd_tag;
/* Interrupts that ran the checks, among the sealed counts: the tick hook
 * requires it to move (A95: the watchdog's plain heartbeat, pg.wd_beat, is
 * data a driver writes from a timer of its own while IRQ 0 goes elsewhere). */
static uint64_t wd_count;

static uint64_t wd_state_tag(void)
{
	const uint64_t w[] = {last_tick, last_tsc, stalls | (uint64_t)pace_slow << 32,
			      pm_last, pace_tick, pace_pm,
			      wd_count, pace_runs | (uint64_t)edge_worked << 32, rate_tsc,
			      rate_pm, tsc_per_pm, pace_nmis,
			      edge_start};
	return pg_tag(w, sizeof w);
}

void pg_watchdog_seal(void) { wd_tag = wd_state_tag(); }

/* The count of watchdog interrupts, ~0 when the sealed counts do not
 * verify (the tick hook, interrupts off: no watchdog interrupt comes
 * between; only in the profiles that seal them). */
uint64_t pg_watchdog_progress(void) { return wd_state_tag() == wd_tag ? wd_count : ~0ull; }

static void watch_counts(uint64_t now);

static void watch(uint64_t now, bool pit)
{
	if (wd_state_tag() != wd_tag)
		pg_fail(&wd_tag, (uint64_t)&wd_tag, KPP_PG_CHECKER_CONTEXT);
	wd_count++;
	if (pg.wd_on_nmi)
		check_edges(pit);
	watch_counts(now);
	wd_tag = wd_state_tag();
}

static void watch_counts(uint64_t now)
{
	uint64_t reg, base = pg.lapic_mmio ? rdmsr(MSR_APIC_BASE) : 0;
	const uint64_t *e = pg.lapic_mmio ? remapped(pg.lapic_mmio, base & APIC_BASE_FRAME) : NULL;
	if (!e && pg.nmi_armed)
		e = remapped(pg.ioapic, PG_IOAPIC_FRAME);
	if (e)
		pg_fail(e, (uint64_t)e, KPP_PG_PAGE_TABLES);
	if (!pg_lapic_ok(&reg))
		pg_fail(&pg.lapic, reg, KPP_PG_LOCAL_APIC);
	if ((base & APIC_BASE_KEEP) != apic_base_armed)
		pg_fail(&apic_base_armed, MSR_APIC_BASE, KPP_PG_CRITICAL_MSR);
	/* The same PIT edge as NMI: masked or re-routed, no NMI comes. Only
	 * here (interrupts off) and in the tick hook (windows, the NMI held
	 * off) is the I/O APIC's register window used. */
	if (pg.nmi_armed && !pg_ioapic_ok())
		pg_fail(&pg.ioapic_lo, PG_IOAPIC_NMI_REG, KPP_PG_LOCAL_APIC);
	if (pg.vec_table[KPP_VEC_APIC_TIMER] != pg.tick_handler || pg.pic_table[0] != pg.wd_handler)
		pg_fail(pg.vec_table, (uint64_t)&pg.vec_table[KPP_VEC_APIC_TIMER], KPP_PG_INTERRUPT_DISPATCH);
	/* The tick hook runs inside every tick: a tick it did not see means it
	 * was cut out. */
	if (now != pg.tick_seen && now != pg.tick_seen + 1)
		pg_fail(&pg.tick_seen, (uint64_t)&pg.tick_seen, KPP_PG_CHECKER_CONTEXT);
	uint64_t t0 = rdtsc();
	uint64_t pm = pm_on ? pm_elapsed() : 0;
	uint64_t tsc = rdtsc();
	if (pm_on)
		check_tsc_rate(pm, t0, tsc);
	check_pace(now, pm);
	if (now != last_tick) {
		last_tick = now;
		last_tsc = tsc;
		stalls = 0;
		return;
	}
	/* A stall counts when a PIT period has passed by the TSC since the
	 * last interrupt (a host that stalled the machine may deliver the
	 * missed PIT interrupts back to back, and an interrupt left pending
	 * from before arming comes at once; the tick hook's window is 16
	 * ticks, about three PIT periods, and calibrates the TSC first). */
	bool spaced = pm_on ? pm >= (uint64_t)pg.pit_count * PM_HZ / PIT_HZ / 2
			    : pg.tsc_ref && tsc - last_tsc >= pg.tsc_ref / pg.wd_spacing;
	last_tsc = tsc;
	if (!spaced || ++stalls < pg.wd_stalls_max)
		return;
	pg_fail(&last_tick, (uint64_t)&last_tick, KPP_PG_CHECKER_CONTEXT);
}

/* From the NMI (wd_on_nmi): the started and "live" records are the NMI's. */
void pg_watchdog_nmi(uint64_t now, bool pit)
{
	pg_watchdog_irqs++;
	watch(now, pit);
}

static void watchdog_irq(void)
{
	uint64_t now = ticks();
	pg_watchdog_irqs++;
	pg.wd_beat = now;
	if (!pg.live) {
		if (wd_started)
			pg_fail(&pg.live, (uint64_t)&pg.live, KPP_PG_CHECKER_CONTEXT);
		return;
	}
	uint32_t t0 = pg_rdtsc32();
	watch(now, false);
	pg.hook_cost += (uint32_t)(pg_rdtsc32() - t0);
}

static void add_reg(uint32_t reg, uint32_t mask)
{
	pg.lapic[pg.nlapic].reg = reg;
	pg.lapic[pg.nlapic].mask = mask;
	pg.lapic[pg.nlapic].expect = lapic_read(reg) & mask;
	pg.nlapic++;
}

void pg_watchdog_init(void)
{
	size_t ps, vs;
	const void *vec;
	pg.pic_table = irq_handler_tables(&ps, &vec, &vs);
	pg.vec_table = vec;
	pg.tick_handler = pg.vec_table[KPP_VEC_APIC_TIMER];
	if (!pg.ioapic)
		pg.wd_on_nmi = false;
	if (!lapic_present)
		return; /* the PIT is the tick itself */
	pg.lapic_mmio = lapic_regs();
	add_reg(LAPIC_LVT_TIMER, LVT_TIMER_MASK);
	add_reg(LAPIC_TIMER_INIT, ~0u);
	add_reg(LAPIC_TIMER_DIV, DIV_MASK);
	add_reg(LAPIC_TPR, 0xFFu);
	add_reg(LAPIC_LVT_LINT0, LVT_LINT_MASK);
	add_reg(LAPIC_SVR, SVR_MASK);
	/* The other local interrupts: LINT1 (the NMI pin, as the kernel set
	 * it up), the error, thermal and performance-counter entries
	 * (masked, or the kernel's vector): re-routed or unmasked, they
	 * deliver what the attacker chooses, masked, what the kernel set up
	 * is lost (A87). */
	add_reg(LAPIC_LVT_LINT1, LVT_ALL_MASK);
	add_reg(LAPIC_LVT_ERROR, LVT_ERROR_MASK);
	add_reg(LAPIC_LVT_THERMAL, LVT_LOCAL_MASK);
	add_reg(LAPIC_LVT_PERF, LVT_LOCAL_MASK);
	outb(PIT_CMD, PIT_CMD_CH0_MODE2);
	outb(PIT_CH0, pg.pit_count & 0xFF); /* 65536 is written as 0 */
	outb(PIT_CH0, (pg.pit_count >> 8) & 0xFF);
	if (pg.wd_on_nmi && pg.ioapic)
		return; /* the NMI runs the checks; IRQ 0 stays masked at the PIC */
	pg.wd_on_nmi = false;
	irq_register(0, watchdog_irq);
	pg.wd_handler = watchdog_irq;
}

static uint32_t pm_in(void)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"((uint16_t)PM_TIMER));
	return v;
}

/* The TSC's rate against the PM timer over CAL_PM counts (0.5 ms), each
 * PM reading bracketed by two of the TSC: a reading held up between them
 * (an NMI, a host that stopped the machine) is taken again, at most
 * CAL_TRIES times; else the check stays off. */
#define CAL_PM 1790
#define CAL_TRIES 4
#define CAL_READS (1u << 20)
static void calibrate_tsc(void)
{
	for (int t = 0; t < CAL_TRIES; t++) {
		uint64_t a0 = rdtsc();
		uint32_t p0 = pm_in(), p1 = p0;
		uint64_t b0 = rdtsc(), a1 = b0, b1 = b0;
		for (uint32_t i = 0; i < CAL_READS && !(p1 & ~PM_MASK) && ((p1 - p0) & PM_MASK) < CAL_PM; i++) {
			a1 = rdtsc();
			p1 = pm_in();
			b1 = rdtsc();
		}
		if ((p0 | p1) & ~PM_MASK || ((p1 - p0) & PM_MASK) < CAL_PM)
			return;
		uint64_t dt = (a1 + b1) / 2 - (a0 + b0) / 2;
		if ((b0 - a0 + b1 - a1) * 64 >= dt)
			continue;
		uint64_t r = (dt << 16) / ((p1 - p0) & PM_MASK);
		tsc_per_pm = r < (1ull << 40) ? r : 0;
		return;
	}
}

void pg_watchdog_start(void)
{
	last_tick = ticks();
	stalls = 0;
	pg.wd_beat = last_tick;
	pg.wd_armed = lapic_present;
	apic_base_armed = pg.lapic_mmio ? rdmsr(MSR_APIC_BASE) & APIC_BASE_KEEP : 0;
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"((uint16_t)PM_TIMER));
	pm_on = v != ~0u && !(v & ~PM_MASK);
	pm_last = v;
	pace_on = pm_on && lapic_present && lapic_timer_initial_count() == NOMINAL_COUNTS_PER_TICK;
	pace_tick = last_tick;
	pace_pm = 0;
	pace_slow = 0;
	pace_runs = 0;
	pace_nmis = pg_pit_nmis;
	edge_start = pg_pit_nmis;
	edge_worked = 0;
	rate_tsc = rate_pm = tsc_per_pm = 0;
	if (pm_on) {
		calibrate_tsc();
		/* The first stretch starts now: a TSC written before the first
		 * interrupt is seen at it. */
		pm_last = pm_in();
		rate_tsc = rdtsc();
	}
	wd_started = true;
}
