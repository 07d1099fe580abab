/* The trigger paths and their mutual heartbeats.
 *
 * (a) A one-shot kernel timer whose DPC opens context 0, runs a pass,
 *     closes it under a new key and re-arms with a fresh random delay.
 * (b) A piggy-back on the 1 s housekeeping DPC: every U[k1,k2] runs it runs
 *     a pass of context 1 (when there is one).
 * (c) Random passes: the tick hook (tick.c) queues pg_random_dpc at ticks
 *     drawn from fresh entropy; it runs a pass of a context drawn the same
 *     way.
 * Each path records a heartbeat the others verify: the piggy-back checks
 * that the timer is still armed (or firing) with PatchGuard's own DPC
 * routine and that its pass deadline has not passed; the timer path checks
 * that the housekeeping DPC still reaches the piggy-back; the tick hook
 * checks both on every tick, and the watchdog checks the tick hook. A
 * missed deadline is a detection of type 0x101. */
#include <kpp/cpu.h>
#include <kpp/time.h>
#include "pg.h"

#define HOUSEKEEPING_TICKS KPP_TICK_HZ          /* the housekeeping period */

static uint64_t ns_to_ticks(uint64_t ns) { return (ns + NSEC_PER_TICK - 1) / NSEC_PER_TICK; }

/* The context that watches: the piggy-back's own when there is a second
 * context, else the only one. */
static int watcher(void) { return pg.ncontexts > 1 ? 1 : 0; }

static void schedule(struct pg_context *c, uint64_t delay_ns)
{
	uint64_t now = ticks();
	pg.timer_beat = now;
	pg.timer_deadline = now + ns_to_ticks(delay_ns) + pg.grace_ticks;
	c->timer_set(c->timer, delay_ns, 0);
}

void pg_timer_dpc(struct dpc *d, void *arg)
{
	uint64_t tsc0 = rdtsc();
	struct pg_context *c = pg_open(0);
	if (ticks() > pg.piggy_beat + HOUSEKEEPING_TICKS + KPP_TICK_HZ / 5 + pg.grace_ticks)
		pg_detect(c, (const void *)&pg.piggy_beat, (uint64_t)&pg.piggy_beat, KPP_PG_CHECKER_CONTEXT);
	uint32_t checked = pg_pass(c, KPP_PG_TRIGGER_TIMER);
	schedule(c, pg_uniform(&c->rng, c->delay_min_ns, c->delay_max_ns));
	pg_close(0, c);
	pg_telemetry(0, checked, tsc0, KPP_PG_TRIGGER_TIMER);
}

void pg_random_dpc(struct dpc *d, void *arg)
{
	uint64_t tsc0 = rdtsc();
	int i = pg.ncontexts > 1 ? (int)(pg_entropy() & 1) : 0;
	struct pg_context *c = pg_open(i);
	uint32_t checked = pg_pass(c, KPP_PG_TRIGGER_RANDOM);
	pg_close(i, c);
	pg.passes_random++;
	pg_telemetry((uint32_t)i, checked, tsc0, KPP_PG_TRIGGER_RANDOM);
}

static bool piggy_started; /* its own record, so clearing "live" is seen */

uint32_t pg_trigger_records(uint64_t *w)
{
	w[0] = piggy_started;
	return 1;
}

/* Every run: the timer path by the plain objects (cancelled, re-pointed or
 * late), as the tick hook compares them, at no cost of a context. Every
 * U[piggy_min, piggy_max] runs (every run in the test profile): the same
 * through the private copies of the context it opens (a timer or DPC
 * object swapped in the plain state is seen there, and opening compares
 * the schedule), and a pass of context 1 when there is one. Opening a
 * context costs two passes of the XOR stream over it (about 40,000
 * instructions): once a second, that alone was four times the windows
 * profile's budget. */
static void piggy_back(uint64_t run)
{
	if (!pg.live) {
		if (piggy_started)
			pg_fail(&pg.live, (uint64_t)&pg.live, KPP_PG_CHECKER_CONTEXT);
		return;
	}
	uint64_t tsc0 = rdtsc();
	uint32_t checked = 0;
	pg.piggy_beat = ticks();
	struct ktimer *t = pg.timer;
	struct dpc *d = pg.dpc;
	if (t->dpc != d || d->fn != pg_timer_dpc)
		pg_fail(t, (uint64_t)t, KPP_PG_CHECKER_CONTEXT);
	if ((!t->armed && !d->queued) || pg.piggy_beat > pg.timer_deadline)
		pg_fail(t, (uint64_t)&pg.timer_deadline, KPP_PG_CHECKER_CONTEXT);
	if (--pg.piggy_countdown != 0 && pg.piggy_countdown <= pg.piggy_max) {
		pg.hook_cost += rdtsc() - tsc0;
		return;
	}
	int w = watcher();
	struct pg_context *c = pg_open(w);
	t = c->timer;
	d = c->dpc;
	if (t->dpc != d || d->fn != c->timer_routine)
		pg_detect(c, t, (uint64_t)t, KPP_PG_CHECKER_CONTEXT);
	if ((!t->armed && !d->queued) || ticks() > pg.timer_deadline)
		pg_detect(c, t, (uint64_t)&pg.timer_deadline, KPP_PG_CHECKER_CONTEXT);
	if (w == 1)
		checked = pg_pass(c, KPP_PG_TRIGGER_PIGGY);
	pg.piggy_countdown = (uint32_t)pg_uniform(&c->rng, pg.piggy_min, pg.piggy_max);
	pg_close(w, c);
	if (checked)
		pg_telemetry(1, checked, tsc0, KPP_PG_TRIGGER_PIGGY);
	else
		pg.hook_cost += rdtsc() - tsc0;
}

/* The objects and the hook points: before the regions are enumerated and
 * sealed, so the housekeeping table already holds the piggy-back. */
void pg_triggers_init(void)
{
	dpc_init(pg.dpc, pg_timer_dpc, NULL);
	timer_init(pg.timer, pg.dpc);
	dpc_init(pg.extra_dpc, pg_random_dpc, NULL);
	pg.piggy_countdown = (uint32_t)pg_uniform(&pg.rng, pg.piggy_min, pg.piggy_max);
	housekeeping_register(piggy_back);
	size_t size;
	housekeeping_table(&size, &pg.hk_count);
	pg.hk_count_armed = *pg.hk_count;
	pg.hk_timer = housekeeping_timer_object();
	pg.hk_dpc = pg.hk_timer->dpc;
	pg.hk_routine = housekeeping_routine();
}

/* Start the paths; every context already holds the private copies. */
void pg_triggers_start(struct pg_context *c0)
{
	pg.piggy_beat = ticks();
	piggy_started = true;
	schedule(c0, pg.first_delay_ns);
}
