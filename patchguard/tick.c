/* The tick hook. time_tick calls pg_tick directly on every tick (a call in
 * hashed kernel text: removing it is a text patch), with interrupts off. It
 * is cheap and watches what would stop, delay or skip a pass:
 *  - the tick count itself: exactly one more than last time (no rewind, no
 *    skip), and the ticks against the TSC over windows of TICK_WINDOW ticks
 *    (a tick slowed more than TSC_SLOW times against the fastest window
 *    seen, twice running, is a detection);
 *  - the timer path: its timer and DPC objects point at each other and at
 *    PatchGuard's routine, the timer is armed no further out than the
 *    profile's longest delay and not long past its due tick, its due tick
 *    moves later only after a pass of context 0 (the timer path re-arms
 *    after its pass), it is armed, queued or running, a DPC marked queued
 *    is on the DPC queue, and its pass deadline has not passed;
 *  - the random-pass DPC and the housekeeping DPC the piggy-back rides on
 *    (object, routine, period, the piggy-back's own heartbeat);
 *  - the busy flag: set only with a decrypted context open, and for no
 *    longer than BUSY_MAX_TICKS;
 *  - the watchdog: its interrupt unmasked at the PIC (unless its checks
 *    ride on the NMI), PIT channel 0 still programmed as it armed it
 *    (read-back status, and a count no larger than its reload and in its
 *    phase against the PM timer), and its heartbeat;
 *  - the NMI watchdog's heartbeat (nmi.c);
 *  - that passes happen at all: each context's own pass count, read
 *    through its slot (context.c), must move at least once per the
 *    longest delay of the schedule plus its grace. Every flag, deadline,
 *    countdown, rate and counter above is plain data an attacker can set
 *    consistently; that count lives inside the encrypted contexts, under
 *    a stream key only a close sets.
 * Then it draws, from fresh entropy, whether a random pass runs now: that
 * DPC goes to the head of the DPC queue, so no other DPC runs between the
 * decision and the pass. An attacker reading every byte of memory on every
 * tick sees the timer's due tick, but not when the next random pass comes
 * nor (context.c) which regions it takes. */
#include <kpp/cpu.h>
#include <kpp/intr.h>
#include <kpp/time.h>
#include <kpp/trap.h>
#include "pg.h"

#define PIC1_DATA 0x21
#define PIC_IRQ0 0x01
#define TICK_WINDOW 16
#define TSC_SLOW 8
#define BUSY_MAX_TICKS 10       /* a pass takes well under one tick */
#define IDLE_MAX_TICKS 2        /* between the DPC's dequeue and pg_open (in strides) */
#define WATCHDOG_MAX_TICKS 8    /* PIT channel 0 interrupts every ~5.5 ticks (1.4 in the test profile) */
#define WORK_NMIS 1024          /* windows: PIT periods within which an NMI did its work (nmi.c) */
#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_READ_BACK_CH0 0xC2 /* read-back: status and count, channel 0 */
#define PIT_STATUS_SETUP 0x3F         /* access mode, operating mode, BCD */
#define PIT_SETUP_WATCHDOG 0x34       /* lobyte/hibyte, mode 2, binary */
#define PM_TIMER 0x608
#define PM_MASK 0xFFFFFFu
#define PM_HZ 3579545u
#define PIT_HZ 1193182u
#define PHASE_TOL 256   /* PIT counts (215 us): an NMI between the two reads */
#define PHASE_WINDOW 32 /* samples */
#define PHASE_MISSES 6  /* of them off, and the reload is not the one set up */
#define HOUSEKEEPING_TICKS KPP_TICK_HZ
#define HOUSEKEEPING_GRACE (KPP_TICK_HZ / 5)

uint64_t pg_entropy(void)
{
	if (pg.rdrand) {
		uint64_t v;
		uint8_t ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
		if (ok)
			return v;
	}
	pg.stir = pg_mix64(pg.stir ^ rdtsc());
	return pg.stir;
}

/* Passes: looked at on one tick in pass_mask + 1 (a power of two up to a
 * quarter of the grace of a due pass, up to the grace in the windows
 * profile, which pays for every look: 1.28 s there, two slot reads of
 * some 270 instructions each, the context's mapping walked),
 * and the armed limit (the longest delay, the grace, that interval and a
 * tick for the hook to see it: the timer path's deadline already requires
 * a pass that soon), kept here, apart from the schedule's plain copies in
 * struct pg_state. */
static uint64_t pass_max_ticks, max_delay_armed, pass_tick, hold_since, pass_mask;
/* The stride as armed: pg.stride_mask is plain data, and a stride made
 * long enough would skip every full check (A68); the contexts compare it. */
static uint64_t stride;
/* Started: the hook's own record (set with interrupts off just before
 * "live"), so clearing the plain flag is a detection, not an off switch;
 * and whether the watchdogs were. */
static bool tick_started, wd_armed, nmi_armed, wd_nmi;
static uint64_t pass_seen[2];
/* The timer's due tick as last seen, and context 0's pass count then: the
 * timer path re-arms only after a pass, so a due tick that moved later
 * with no pass of context 0 in between is a re-arm from elsewhere (A52). */
static uint64_t due_seen, due_passes;
/* The housekeeping timer's due tick as last seen (A143). */
static uint64_t hk_due_seen, hk_fired;
/* PIT channel 0's phase against the ACPI PM timer (both run off the
 * machine's one clock; no instruction sets the PM timer): the previous
 * sample, the last PHASE_WINDOW outcomes and how many of them missed.
 * Whether the check is on (a PM timer was found at arming) is among the
 * constant records; the running state is hashed under the own key after
 * every sample and verified before the next (not in the windows
 * profile), with the tick of the sample, which must be the previous full
 * check's: cleared, reset or put back to an earlier sample's state from
 * elsewhere, the check is a detection, not an off switch (A86). */
static bool phase_on;
static uint32_t phase_pos, phase_bits, phase_misses;
static uint64_t phase_pm, phase_tick, phase_tag;
/* The phase is sampled on ticks with none of these bits set: every full
 * check (every 32nd tick in the windows profile, whose budget is a
 * hundred times smaller: 20 s to 6 misses of 32). */
static uint64_t phase_mask;
/* The ticks that ask the NMI for a probe (nmi.c): one in probe_tick_mask + 1
 * drawn (~0: none, before arming). Among the constant records. */
#define PROBE_TICKS_FAST 7
#define PROBE_TICKS_TEST 0
#define PROBE_TICKS_WINDOWS 127 /* every tick draws (the full checks' ticks are known) */
static uint64_t probe_tick_mask = ~0ull;
/* Whether a tick over another DPC is checked inside it (windows: A141,
 * straddle_check); among the constant records. */
static bool straddle_on;
/* Random passes are drawn on every tick at one rate: with probability
 * 1/random_full on a full check's tick, 1/random_asked on a tick without
 * full checks that asks for a probe (windows; 0 elsewhere, where every
 * tick is a full check's). Drawn on the full checks' ticks alone (one in
 * 32 in windows, known to a driver that reads the tick count and the
 * plain stride), the random passes came only where a driver that took
 * its change out on those ticks, and before every pass the timer queue
 * announces, had it out: no pass ever saw it (A145). Among the constant
 * records. */
static uint32_t random_full, random_asked;
#define DR6_BD (1ull << 13) /* the #DB of a MOV to or from a DR under DR7.GD */

static uint64_t phase_state_tag(void)
{
	const uint64_t w[] = {phase_pm, phase_pos | (uint64_t)phase_misses << 32, phase_bits, phase_tick};
	return pg_tag(w, sizeof w);
}
/* The pass counts last seen and the tick they last moved, hashed under
 * the own key (records.c) after every look at the passes and verified
 * before the next (not in the windows profile, as sealed at arming): set
 * from elsewhere, they are a detection, not a way to make passes look as
 * if they happened. */
static uint64_t tick_tag;
/* The watchdogs' own sealed counts as last seen here, and the tick they
 * last moved (A95): their plain heartbeats (pg.wd_beat, pg.nmi_beat) are
 * data a driver keeps fresh from a timer of its own once IRQ 0 goes to
 * another vector and the NMI's entry is masked; the counts move only when
 * the watchdog and the NMI run, and only they re-seal them. Kept with the
 * pass counts (sealed profiles only). */
static uint64_t wd_seen = ~0ull, nmi_seen = ~0ull, wd_seen_tick, nmi_seen_tick;

static uint64_t tick_state_tag(void)
{
	const uint64_t w[] = {pass_seen[0], pass_seen[1], pass_tick, hold_since,
			      wd_seen,      nmi_seen,     wd_seen_tick, nmi_seen_tick};
	return pg_tag(w, sizeof w);
}

/* A watchdog's sealed count: verified, and moved within its heartbeat's
 * limit (the tick of the look that saw it move is no earlier than the
 * move: no stricter than the plain heartbeat's check). */
static void progress(uint64_t n, uint64_t *seen, uint64_t *seen_tick, uint64_t now, volatile uint64_t *beat)
{
	if (n == ~0ull)
		pg_fail(beat, (uint64_t)beat, KPP_PG_CHECKER_CONTEXT);
	if (n != *seen) {
		*seen = n;
		*seen_tick = now;
	} else if (now - *seen_tick > WATCHDOG_MAX_TICKS) {
		pg_fail(beat, (uint64_t)beat, KPP_PG_CHECKER_CONTEXT);
	}
}

void pg_tick_seal(void)
{
	bool sealed = pg_sealed_checks();
	tick_tag = sealed ? tick_state_tag() : 0;
	phase_tag = sealed ? phase_state_tag() : 0;
}

uint32_t pg_tick_records(uint64_t *w)
{
	w[0] = tick_started | (uint64_t)wd_armed << 1 | (uint64_t)nmi_armed << 2 | (uint64_t)wd_nmi << 3 |
	       (uint64_t)phase_on << 4 | (uint64_t)straddle_on << 5;
	w[1] = pass_max_ticks;
	w[2] = max_delay_armed;
	w[3] = pass_mask;
	w[4] = stride;
	w[5] = phase_mask;
	w[6] = probe_tick_mask;
	w[7] = random_full | (uint64_t)random_asked << 32;
	return 8;
}

static void pass_check(uint64_t now)
{
	/* A tick runs, so no stop path does (it masks interrupts first and
	 * never returns): "stopping" is a flag set from elsewhere. */
	if (pg.stopping)
		pg_fail(&pg.stopping, (uint64_t)&pg.stopping, KPP_PG_CHECKER_CONTEXT);
	if (pg.max_delay_ticks != max_delay_armed || pg.wd_armed != wd_armed || pg.nmi_armed != nmi_armed ||
	    pg.wd_on_nmi != wd_nmi)
		pg_fail(&pg.max_delay_ticks, (uint64_t)&pg.max_delay_ticks, KPP_PG_CHECKER_CONTEXT);
	if (pg_sealed_checks()) {
		if (wd_armed && !wd_nmi)
			progress(pg_watchdog_progress(), &wd_seen, &wd_seen_tick, now, &pg.wd_beat);
		if (nmi_armed)
			progress(pg_nmi_progress(), &nmi_seen, &nmi_seen_tick, now, &pg.nmi_beat);
	}
	/* A context being opened or closed: its slot and bytes are in
	 * flight. A pass takes well under BUSY_MAX_TICKS; passes back to back
	 * (a loaded host that gives the machine less time than they take:
	 * QEMU without -icount) move the counts, read in the open context
	 * (pg_passes_now), and each starts the limit again. */
	const struct pg_context *open = pg.busy && !pg.hold ? pg_open_now() : NULL;
	if (pg.hold || (pg.busy && !open)) {
		if (!hold_since)
			hold_since = now;
		else if (now - hold_since > BUSY_MAX_TICKS)
			pg_fail(&pg.hold, (uint64_t)&pg.hold, KPP_PG_CHECKER_CONTEXT);
		return;
	}
	bool moved = false;
	for (uint32_t i = 0; i < 2 && i < pg.ncontexts; i++) {
		uint64_t n = pg_passes_now((int)i, open);
		if (n == ~0ull)
			pg_fail(&pg.slot[i], (uint64_t)&pg.slot[i], KPP_PG_CHECKER_CONTEXT);
		if (n != pass_seen[i]) {
			pass_seen[i] = n;
			pass_tick = now;
			moved = true;
		}
	}
	if (!open || moved)
		hold_since = open ? now : 0;
	else if (!hold_since)
		hold_since = now;
	else if (now - hold_since > BUSY_MAX_TICKS)
		pg_fail(&pg.hold, (uint64_t)&pg.hold, KPP_PG_CHECKER_CONTEXT);
	if (now - pass_tick > pass_max_ticks)
		pg_fail(&pg.passes, (uint64_t)&pg.passes, KPP_PG_CHECKER_CONTEXT);
}

static void check_passes(uint64_t now)
{
	bool sealed = pg_sealed_checks();
	if (sealed && tick_state_tag() != tick_tag)
		pg_fail(&tick_tag, (uint64_t)&tick_tag, KPP_PG_CHECKER_CONTEXT);
	pass_check(now);
	if (sealed)
		tick_tag = tick_state_tag();
}

static void check_timer(uint64_t now, bool passing)
{
	struct ktimer *t = pg.timer;
	struct dpc *d = pg.dpc;
	/* The deadline is for the timer's pass against everything else that
	 * runs first: the ticks that find a pass of PatchGuard's own running
	 * (the busy flag with a decrypted context behind it, checked before
	 * this) do not count against it. Ticks come on host time where the
	 * guest's clock is the host's (QEMU without -icount): on a loaded host
	 * a pass takes many of them, and the timer's DPC queued behind it was
	 * late for PatchGuard's own work (a flag set from elsewhere buys no
	 * more than BUSY_MAX_TICKS: the pass counts behind it stay due). */
	if (passing)
		pg.timer_deadline += stride + 1;
	if (t->dpc != d)
		pg_fail(t, (uint64_t)&t->dpc, KPP_PG_CHECKER_CONTEXT);
	if (d->fn != pg_timer_dpc || d->ctx)
		pg_fail(t, (uint64_t)&d->fn, KPP_PG_CHECKER_CONTEXT);
	if (t->period)
		pg_fail(t, (uint64_t)&t->period, KPP_PG_CHECKER_CONTEXT);
	if (t->armed) {
		/* Armed too far out, or long past its due tick (unlinked from
		 * the timer queue with "armed" left set). */
		if (t->due > now + pg.max_delay_ticks || t->due + pg.grace_ticks < now)
			pg_fail(t, (uint64_t)&t->due, KPP_PG_CHECKER_CONTEXT);
		if (t->due != due_seen && !pg.busy && !pg.hold) {
			uint64_t n = pg_slot_passes(0);
			if (t->due > due_seen && n == due_passes)
				pg_fail(t, (uint64_t)&t->due, KPP_PG_CHECKER_CONTEXT);
			due_seen = t->due;
			due_passes = n;
		}
		pg.idle_since = 0;
	} else if (!d->queued && !pg.busy && !pg.hold) {
		if (!pg.idle_since)
			pg.idle_since = now;
		else if (now - pg.idle_since > IDLE_MAX_TICKS * (stride + 1))
			pg_fail(t, (uint64_t)&t->armed, KPP_PG_CHECKER_CONTEXT);
	} else {
		pg.idle_since = 0;
	}
	if (now > pg.timer_deadline)
		pg_fail(t, (uint64_t)&pg.timer_deadline, KPP_PG_CHECKER_CONTEXT);
	struct dpc *x = pg.extra_dpc;
	if (x->fn != pg_random_dpc || x->ctx)
		pg_fail(x, (uint64_t)x, KPP_PG_CHECKER_CONTEXT);
	/* A DPC marked queued is on the DPC queue (A51: marked, never
	 * queued, so neither the timer's expiry nor the random draw queues
	 * it); the tick interrupts no change of the queue. */
	if (d->queued && !dpc_on_queue(d))
		pg_fail(d, (uint64_t)&d->queued, KPP_PG_CHECKER_CONTEXT);
	if (x->queued && !dpc_on_queue(x))
		pg_fail(x, (uint64_t)&x->queued, KPP_PG_CHECKER_CONTEXT);
	/* The housekeeping DPC and the piggy-back on it. */
	const struct ktimer *h = pg.hk_timer;
	if (h->dpc != pg.hk_dpc || pg.hk_dpc->fn != pg.hk_routine || h->period != HOUSEKEEPING_TICKS ||
	    *pg.hk_count != pg.hk_count_armed)
		pg_fail(h, (uint64_t)h->dpc, KPP_PG_CHECKER_CONTEXT);
	/* The housekeeping timer itself (A143): periodic, so armed at every
	 * tick (its expiry re-inserts it before this hook runs), due within
	 * its period, and its due tick moves only by its period, when it
	 * fires. Cancelled, or re-armed further out with its period kept, it
	 * starved the piggy-back for the heartbeat's 1.25 s above, past the
	 * test profile's bound; re-armed a little later on every tick, it
	 * would never fire. */
	if (!h->armed || h->due > now + HOUSEKEEPING_TICKS ||
	    (hk_due_seen && h->due != hk_due_seen && h->due != hk_due_seen + HOUSEKEEPING_TICKS))
		pg_fail(h, (uint64_t)&h->due, KPP_PG_CHECKER_CONTEXT);
	/* It fired at its old due tick: the piggy-back runs in that DPC within
	 * a due pass's grace (a DPC taken off the queue by a driver that
	 * straddles the tick, A141's way, starved it as well). */
	if (hk_due_seen && h->due == hk_due_seen + HOUSEKEEPING_TICKS)
		hk_fired = hk_due_seen;
	hk_due_seen = h->due;
	if (hk_fired && pg.piggy_beat < hk_fired && now > hk_fired + pg.grace_ticks)
		pg_fail(&pg.piggy_beat, (uint64_t)&pg.piggy_beat, KPP_PG_CHECKER_CONTEXT);
	if (now > pg.piggy_beat + HOUSEKEEPING_TICKS + HOUSEKEEPING_GRACE + pg.grace_ticks)
		pg_fail(&pg.piggy_beat, (uint64_t)&pg.piggy_beat, KPP_PG_CHECKER_CONTEXT);
}

/* PIT channel 0's edges the watchdog has seen: its sealed count of
 * interrupts, or (windows, its checks on the NMI) the NMIs of the PIT. */
static uint64_t pit_edges(void) { return wd_nmi ? pg_pit_nmis : pg_watchdog_progress(); }
static uint64_t edge_mark; /* at the window's start (as plain as tsc_mark) */

/* Whether a window of TSC length dt and ticks ticks is one the machine
 * did not run for most of: it saw fewer than half the PIT edges its
 * length holds, or no more edges than ticks. A host that stops the guest
 * (QEMU without -icount, descheduled) drops the ticks it owed and the
 * PIT's edges alike (a periodic timer's missed periods come as one
 * interrupt): each stop brings one tick and one edge, and a stop shorter
 * than two PIT periods (100 ms at 18.2 Hz) brings half of what its length
 * holds. A tick held back in a running guest (A62) leaves the PIT's edges
 * coming (held back 8 times, 1.46 edges a tick at 18.2 Hz, 5.8 at the
 * test profile's 72.8 Hz; a running guest's ticks outnumber its edges),
 * and the PIT's own rate is held to the PM timer (check_phase). */
bool pg_stalled_edges(uint64_t edges, uint64_t ticks) { return edges * 8 <= ticks * 9; }

static bool window_stalled(uint64_t dt, uint64_t edges, uint64_t ticks)
{
	if (!wd_armed || !pg.pit_count || edges == ~0ull)
		return false;
	uint64_t want = dt / pg.tsc_ref * TICK_WINDOW * PIT_HZ / ((uint64_t)pg.pit_count * KPP_TICK_HZ);
	return edges * 2 < want || pg_stalled_edges(edges, ticks);
}

/* Ticks against the TSC: the fastest window seen is the reference (a stalled
 * host only ever makes a window slower, never faster, and a window in
 * which the PIT's edges stopped too is not counted: window_stalled). */
static void check_tsc(uint64_t now)
{
	if (!pg.tick_mark) {
		/* The first full check after arming starts the first window. */
		pg.tick_mark = now;
		pg.tsc_mark = rdtsc();
		edge_mark = pit_edges();
		pg.window_calls = 0;
		return;
	}
	/* A window spans TICK_WINDOW ticks, or the stride where that is
	 * longer (windows: 32); tsc_ref is the TSC of TICK_WINDOW ticks. */
	uint64_t span = stride + 1 > TICK_WINDOW ? stride + 1 : TICK_WINDOW;
	if (++pg.window_calls < span / (stride + 1))
		return;
	uint64_t tsc = rdtsc(), edges = pit_edges();
	{
		uint64_t dt = tsc - pg.tsc_mark, d = dt / (span / TICK_WINDOW);
		if (now - pg.tick_mark != span || tsc < pg.tsc_mark)
			pg_fail(&pg.tick_mark, (uint64_t)&pg.tick_mark, KPP_PG_CHECKER_CONTEXT);
		if (!pg.tsc_ref || d < pg.tsc_ref)
			pg.tsc_ref = d;
		if (d / TSC_SLOW > pg.tsc_ref)
			pg.tsc_slow = window_stalled(dt, edges - edge_mark, span) ? pg.tsc_slow : pg.tsc_slow + 1;
		else
			pg.tsc_slow = 0;
		if (pg.tsc_slow >= 2)
			pg_fail(&pg.tsc_ref, (uint64_t)&pg.tsc_ref, KPP_PG_LOCAL_APIC);
	}
	edge_mark = edges;
	pg.tsc_mark = tsc;
	pg.tick_mark = now;
	pg.window_calls = 0;
}

static uint32_t pm_read(void)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"((uint16_t)PM_TIMER));
	return v;
}

/* The PM time in 64 bits: from the later of the NMI's (every NMI adds the
 * counts since the one before: nmi_entry.S) and the previous sample's, the
 * 24-bit counts since. A host that stops the machine brings an NMI with
 * each stop, so no wrap (4.69 s) goes unseen; 32 ticks of stops of 200 ms
 * span more than one, and the 24-bit difference put the phase off (0x17,
 * no attack). The NMI's value is read first: an NMI between the two
 * reads makes it later than the base taken, not the other way round. */
static uint64_t pm_time(void)
{
	uint64_t base = *(volatile uint64_t *)&pg_nmi_pm;
	if (base < phase_pm)
		base = phase_pm;
	uint32_t v = pm_read();
	return base + ((v - (uint32_t)base) & PM_MASK);
}

/* A rate generator's count, from n down to 1, as a position in [0, n). */
static uint32_t pit_pos(uint32_t count) { return (count ? count : 0x10000) % pg.pit_count; }

/* Where the count should be now, from where it was and the PM time since,
 * if the channel still counts down from pg.pit_count: a shorter reload
 * (the watchdog and the NMI sped up, their stall count blinded) wraps
 * earlier, a restart moves the phase. Off by more than an NMI could
 * delay one read on PHASE_MISSES of PHASE_WINDOW samples is 0x17; a host
 * that stalled the guest moves both clocks alike. */
static void check_phase(uint64_t pm, uint32_t count)
{
	uint32_t n = pg.pit_count, pos = pit_pos(count);
	uint64_t e = (pm - phase_pm) * PIT_HZ / PM_HZ;
	uint32_t want = (uint32_t)((phase_pos + n - e % n) % n);
	uint32_t d = want > pos ? want - pos : pos - want;
	uint32_t miss = (n - d < d ? n - d : d) > PHASE_TOL;
	phase_misses += miss - (phase_bits >> (PHASE_WINDOW - 1));
	phase_bits = phase_bits << 1 | miss;
	phase_pm = pm;
	phase_pos = pos;
	if (phase_misses >= PHASE_MISSES)
		pg_fail(&pg.wd_beat, PIT_CH0, KPP_PG_LOCAL_APIC);
}

/* A random pass drawn on this tick. Its DPC goes to the head of the DPC
 * queue when the tick came over code at IRQL_PASSIVE (the queue is
 * drained on the interrupt's way out, before anything else runs) or over
 * PatchGuard's own pass (the queue goes on with the random pass when that
 * returns). Over any other DPC the queue waits until that DPC returns,
 * and the DPC sees the random pass queued first: a driver whose DPC, on a
 * timer of its own, waits for every tick with interrupts enabled takes
 * its change out whenever one of PatchGuard's DPCs is queued and puts it
 * back after them (A141). There the regions exact at any instruction
 * boundary (as the NMI's) are checked now, inside the tick, from a
 * context opened for it: no context is ever in flight under a tick
 * (pg_open and pg_close mask interrupts meanwhile). */
static void check_inside(uint64_t r)
{
	int i = pg.ncontexts > 1 ? (int)((r >> 32) & 1) : 0;
	struct pg_context *c = pg_open(i);
	pg_check_exact(c, true);
	pg_close(i, c);
}

static __attribute__((noinline)) void random_pass(uint64_t r, bool coming)
{
	if (irq_entry_irql == IRQL_PASSIVE || pg_open_now()) {
		/* Not while a pass runs or the timer's DPC waits on the queue
		 * (coming): a pass comes then anyway, and on a loaded host,
		 * where a pass spans ticks (QEMU without -icount), the random
		 * passes queued meanwhile ran one after another ahead of the
		 * timer's DPC and of every other DPC, and the timer's pass
		 * missed its deadline (0x101, no attack). */
		if (!coming)
			dpc_queue_first(pg.extra_dpc);
		return;
	}
	check_inside(r);
}

/* windows: the same check inside a tick that came over another DPC, on
 * one tick in 1024 drawn from fresh entropy on every tick (one in 8 of
 * those that ask for a probe). The random passes, whose draw is the only
 * way a straddling DPC (A141) is seen, come 512 s apart on average there:
 * a third of the time none came within the profile's bound of about 9
 * minutes. A tick finds no DPC running but rarely on an idle machine;
 * each such check costs what the NMI's does (a context opened, every
 * region exact at any instruction boundary hashed). */
#define STRADDLE_MASK 7 /* of the ticks that ask for a probe */
static __attribute__((noinline)) void straddle_check(uint64_t r)
{
	if (irq_entry_irql != IRQL_PASSIVE && !pg_open_now())
		check_inside(r);
}

/* The full checks, on one tick in stride_mask + 1 (every tick but in the
 * windows profile, whose overhead budget is a hundred times smaller). Out
 * of line, so that the other ticks pay for no register saves. */
/* DR7 as found with a breakpoint or general detect on (A115): the record a
 * detection outside a pass names. */
static uint64_t dr7_found;

/* DR7's breakpoints and general detect off, as the kernel leaves them:
 * found on, they are put back off before the report (pg_detect), so no
 * breakpoint on the stop path fires. */
static inline void check_dr7(void)
{
	uint64_t dr7 = pg_read_dr7();
	if (dr7 & PG_DR7_OWNED) {
		dr7_found = dr7;
		pg_fail(&dr7_found, 7, KPP_PG_CONTROL_REGISTER);
	}
}

/* A #DB in kernel mode (trap.c, before the kernel's debug-trap routine):
 * the kernel sets no breakpoint and no general detect, so a breakpoint or
 * general detect that fired was someone else's (A115). DR7 goes back to
 * its reset value first, so the report runs with no breakpoint left. */
void pg_debug_trap(void)
{
	if (!pg.armed)
		return;
	uint64_t dr6, dr7 = pg_read_dr7();
	__asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
	pg_dr7_off();
	if ((dr7 & PG_DR7_OWNED) || (dr6 & DR6_BD)) {
		dr7_found = dr7;
		pg_fail(&dr7_found, 7, KPP_PG_CONTROL_REGISTER);
	}
}

static __attribute__((noinline)) void tick_full(uint64_t now)
{
	uint32_t t0 = pg_rdtsc32();
	check_dr7();
	bool passing = pg.busy;
	if (passing) {
		const struct pg_context *o = pg.open;
		if (!o || !pg_mapped(o, sizeof *o) || o->magic != PG_CONTEXT_MAGIC || now - pg.busy_since > BUSY_MAX_TICKS)
			pg_fail(&pg.busy, (uint64_t)&pg.busy, KPP_PG_CHECKER_CONTEXT);
	}
	check_timer(now, passing);
	if (pg.wd_armed) {
		/* The watchdog's interrupt: unmasked, and PIT channel 0 still the
		 * rate generator it was set up as. */
		if (!wd_nmi && (inb(PIC1_DATA) & PIC_IRQ0))
			pg_fail(&pg.wd_beat, PIC1_DATA, KPP_PG_LOCAL_APIC);
		bool phase = phase_on && !(now & phase_mask);
		uint64_t pm = phase ? pm_time() : 0;
		outb(PIT_CMD, PIT_READ_BACK_CH0);
		uint32_t status = inb(PIT_CH0), count = inb(PIT_CH0);
		count |= (uint32_t)inb(PIT_CH0) << 8;
		if (phase) {
			bool sealed = pg_sealed_checks();
			if (sealed && (phase_state_tag() != phase_tag || now - phase_tick > phase_mask + 1))
				pg_fail(&phase_tag, (uint64_t)&phase_tag, KPP_PG_CHECKER_CONTEXT);
			check_phase(pm, count);
			phase_tick = now;
			if (sealed)
				phase_tag = phase_state_tag();
		}
		/* A rate generator counts down from its reload count to 1; a
		 * count above the one it was set up with (0 reads as 65536) is
		 * a reload made larger: the watchdog and the NMI slowed. */
		if ((status & PIT_STATUS_SETUP) != PIT_SETUP_WATCHDOG || (count ? count : 0x10000) > pg.pit_count)
			pg_fail(&pg.wd_beat, PIT_CH0, KPP_PG_LOCAL_APIC);
		if (!wd_nmi && now > pg.wd_beat + WATCHDOG_MAX_TICKS)
			pg_fail(&pg.wd_beat, (uint64_t)&pg.wd_beat, KPP_PG_CHECKER_CONTEXT);
	}
	/* windows: the NMI's I/O APIC entry, which only the NMI's own checks
	 * compared, so that masking it (and keeping the plain heartbeat
	 * fresh) silenced the NMI, the watchdog riding on it and the probe
	 * for good (A95; the running counts are not sealed there). Held, so
	 * no NMI uses the register window meanwhile. */
	if (wd_nmi && nmi_armed) {
		pg.hold++;
		bool ok = pg_ioapic_ok();
		pg.hold--;
		if (!ok)
			pg_fail(&pg.ioapic_lo, PG_IOAPIC_NMI_REG, KPP_PG_LOCAL_APIC);
	}
	/* The NMI watchdog's heartbeat: its redirection entry, the NMI gate
	 * and its stack are checked elsewhere, this sees it stopped any way. */
	if (pg.nmi_armed && now > pg.nmi_beat + WATCHDOG_MAX_TICKS)
		pg_fail(&pg.nmi_beat, (uint64_t)&pg.nmi_beat, KPP_PG_CHECKER_CONTEXT);
	/* windows: the NMI's work (the watchdog's checks with it), drawn on
	 * one NMI in 32, has run within WORK_NMIS PIT periods (56 s): no
	 * work for that long is (31/32)^1024, 8e-15, for a draw no driver
	 * steers (A133). A host that does not run the machine brings an NMI
	 * with every tick it gives, so the ticks only come slower. */
	if (wd_nmi && nmi_armed && now - pg_nmi_worked > (uint64_t)pg.pit_count * WORK_NMIS * KPP_TICK_HZ / PIT_HZ)
		pg_fail(&pg_nmi_worked, (uint64_t)&pg_nmi_worked, KPP_PG_CHECKER_CONTEXT);
	check_tsc(now);
	if (!(now & pass_mask))
		check_passes(now);
	uint64_t r = pg_entropy();
	if (r % random_full == 0)
		random_pass(r, passing || pg.dpc->queued);
	/* An instruction-fetch probe now, on ticks drawn here (A97; nmi.c). */
	if (probe_tick_mask != ~0ull && !((r >> 40) & probe_tick_mask)) {
		pg_probe_request();
		if (straddle_on && !((r >> 47) & STRADDLE_MASK))
			straddle_check(r);
	}
	pg.hook_cost += (uint32_t)(pg_rdtsc32() - t0);
}

static __attribute__((noinline)) void tick_odd(uint64_t now)
{
	if (!pg.live) {
		if (tick_started)
			pg_fail(&pg.live, (uint64_t)&pg.live, KPP_PG_CHECKER_CONTEXT);
		return;
	}
	pg.tick_tsc = pg_rdtsc32();
	if (now != pg.tick_seen + 1)
		pg_fail(&pg.tick_seen, (uint64_t)&pg.tick_seen, KPP_PG_CHECKER_CONTEXT);
	pg.tick_seen = now;
	tick_full(now);
}

/* A draw from fresh entropy for the ticks without full checks (windows). */
static inline uint32_t tick_draw(void)
{
	if (pg.rdrand) {
		uint32_t v; /* 0 when RDRAND has nothing: a probe asked, no harm */
		__asm__ volatile("rdrand %0" : "=r"(v)::"cc");
		return v;
	}
	return (uint32_t)pg_entropy();
}

/* A tick without full checks that drew a probe (out of line: the others
 * save no register); it also draws the random pass (A145), from bits of
 * the draw the probe's and the straddle check's do not use. */
static __attribute__((noinline)) void tick_asked(uint32_t v)
{
	pg_probe_request();
	if (random_asked && (v >> 10) % random_asked == 0)
		random_pass(v, pg.busy || pg.dpc->queued);
	else if (straddle_on && !((v >> 7) & STRADDLE_MASK))
		straddle_check(v);
}

/* Every tick: a dozen instructions on the ticks without full checks, which
 * only windows has (not counted by the telemetry: measuring them would
 * double them). "live" cleared is seen by the next full check. These ticks
 * too draw whether to ask for a probe (A97): an attacker knows which ticks
 * run the full checks and would drop its split before those alone. */
void pg_tick(uint64_t now)
{
	if (now == pg.tick_seen + 1 && (now & stride)) {
		pg.tick_tsc = pg_rdtsc32();
		pg.tick_seen = now;
		uint32_t v = tick_draw();
		if (v & probe_tick_mask)
			return;
		tick_asked(v);
		return;
	}
	tick_odd(now);
}

void pg_tick_start(void)
{
	pg.tick_seen = ticks();
	pg.window_calls = 0;
	pg.tick_mark = 0;
	pg.stir ^= pg_next(&pg.rng);
	max_delay_armed = pg.max_delay_ticks;
	tick_started = true;
	wd_armed = pg.wd_armed; /* the watchdogs start before the hook */
	nmi_armed = pg.nmi_armed;
	wd_nmi = pg.wd_on_nmi;
	stride = pg.stride_mask;
	phase_mask = stride;
	straddle_on = pg.profile == KPP_PG_PROFILE_WINDOWS;
	probe_tick_mask = pg.profile == KPP_PG_PROFILE_FAST   ? PROBE_TICKS_FAST
			  : pg.profile == KPP_PG_PROFILE_TEST ? PROBE_TICKS_TEST
							      : PROBE_TICKS_WINDOWS;
	random_full = pg.random_per_tick * (uint32_t)(stride + 1);
	random_asked = stride ? random_full / (uint32_t)(probe_tick_mask + 1) : 0;
	pass_mask = stride;
	while ((pass_mask + 1) * (pg.profile == KPP_PG_PROFILE_WINDOWS ? 1 : 4) <= pg.grace_ticks)
		pass_mask = pass_mask * 2 + 1;
	pass_max_ticks = pg.max_delay_ticks + pg.grace_ticks + pass_mask + 1;
	pass_tick = pg.tick_seen;
	hold_since = 0;
	wd_seen_tick = nmi_seen_tick = pg.tick_seen;
	for (uint32_t i = 0; i < 2; i++)
		pass_seen[i] = i < pg.ncontexts ? pg_slot_passes((int)i) : 0;
	due_seen = pg.timer->due;
	due_passes = pass_seen[0];
	if (wd_armed && pg.pit_count) {
		uint32_t v = pm_read();
		phase_pm = 0;
		uint64_t pm = pm_time();
		outb(PIT_CMD, PIT_READ_BACK_CH0);
		(void)inb(PIT_CH0);
		uint32_t count = inb(PIT_CH0);
		count |= (uint32_t)inb(PIT_CH0) << 8;
		phase_on = v != ~0u && !(v & ~PM_MASK);
		phase_pm = pm;
		phase_pos = pit_pos(count);
		phase_bits = phase_misses = 0;
		phase_tick = pg.tick_seen;
	}
}
