/* The tick, the monotonic clock, the timer queue and the DPC queue.
 *
 * time_tick runs in the tick interrupt: it advances the tick count and moves
 * every expired timer's DPC to the DPC queue (periodic timers are re-armed
 * from their due time, so they do not drift). trap_dispatch drains the DPC
 * queue when the interrupt returns to IRQL_PASSIVE code: each DPC runs with
 * interrupts enabled at IRQL_DISPATCH. */
#include <kpp/abi.h>
#include <kpp/cpu.h>
#include <kpp/intr.h>
#include <kpp/lock.h>
#include <kpp/printk.h>
#include <kpp/time.h>
#include <kpp/trap.h>
#include <kpp/sched.h>
#include <kpp/patchguard.h>

static volatile uint64_t tick_count;
struct ktimer *timer_queue;
static struct dpc *dpc_head, *dpc_tail;
static spinlock_t time_lock = SPINLOCK_INIT;

volatile uint64_t housekeeping_runs;
static struct ktimer housekeeping_timer;
static struct dpc housekeeping_dpc;

uint64_t ticks(void) { return tick_count; }
const volatile uint64_t *const tick_counter = &tick_count;
/* Ticks plus the progress of the current tick from the APIC timer's count,
 * clamped so the clock never goes back (a tick whose interrupt is still
 * pending shows as a reloaded count before tick_count moves). */
uint64_t clock_ns(void)
{
	static uint64_t last;
	uint64_t f = irq_save();
	uint64_t now = tick_count * NSEC_PER_TICK + lapic_tick_progress_ns();
	if (now < last)
		now = last;
	last = now;
	irq_restore(f);
	return now;
}

void dpc_init(struct dpc *d, dpc_fn fn, void *ctx)
{
	d->next = NULL;
	d->fn = fn;
	d->ctx = ctx;
	d->queued = false;
	d->due = d->lost = d->queued_due = 0;
}

bool dpc_queue(struct dpc *d)
{
	uint64_t f = spin_lock_irqsave(&time_lock);
	bool queued = !d->queued;
	if (queued) {
		d->queued = true;
		d->next = NULL;
		if (dpc_tail)
			dpc_tail->next = d;
		else
			dpc_head = d;
		dpc_tail = d;
	}
	spin_unlock_irqrestore(&time_lock, f);
	return queued;
}

bool dpc_queue_first(struct dpc *d)
{
	uint64_t f = spin_lock_irqsave(&time_lock);
	bool queued = !d->queued;
	if (queued) {
		d->queued = true;
		d->next = dpc_head;
		dpc_head = d;
		if (!dpc_tail)
			dpc_tail = d;
	}
	spin_unlock_irqrestore(&time_lock, f);
	return queued;
}

bool dpc_pending(void) { return dpc_head != NULL; }

/* With interrupts off (the queue changes under time_lock only); a queue
 * longer than any real one, or a cycle, counts as not found. */
bool dpc_on_queue(const struct dpc *d)
{
	unsigned n = 0;
	for (const struct dpc *q = dpc_head; q && n < 4096; q = q->next, n++)
		if (q == d)
			return true;
	return false;
}

void dpc_run_pending(void)
{
	int old = current_irql;
	current_irql = IRQL_DISPATCH;
	for (;;) {
		uint64_t f = spin_lock_irqsave(&time_lock);
		struct dpc *d = dpc_head;
		if (d) {
			dpc_head = d->next;
			if (!dpc_head)
				dpc_tail = NULL;
			d->queued = false;
			/* A tick during the routine may queue it again and set
			 * queued_due; the routine keeps reading its own due. */
			d->due = d->queued_due;
		}
		spin_unlock_irqrestore(&time_lock, f);
		if (!d)
			break;
		sti();
		d->fn(d, d->ctx);
		cli();
	}
	current_irql = old;
}

void timer_init(struct ktimer *t, struct dpc *d)
{
	t->next = NULL;
	t->due = t->period = 0;
	t->dpc = d;
	t->armed = false;
}

static void unlink(struct ktimer *t)
{
	for (struct ktimer **pp = &timer_queue; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	t->armed = false;
}

static void insert(struct ktimer *t)
{
	struct ktimer **pp = &timer_queue;
	while (*pp && (*pp)->due <= t->due)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	t->armed = true;
}

static uint64_t ns_to_ticks(uint64_t ns)
{
	uint64_t n = (ns + NSEC_PER_TICK - 1) / NSEC_PER_TICK;
	return n ? n : 1;
}

void timer_set(struct ktimer *t, uint64_t delay_ns, uint64_t period_ns)
{
	uint64_t f = spin_lock_irqsave(&time_lock);
	if (t->armed)
		unlink(t);
	t->due = tick_count + ns_to_ticks(delay_ns);
	t->period = period_ns ? ns_to_ticks(period_ns) : 0;
	insert(t);
	spin_unlock_irqrestore(&time_lock, f);
}

bool timer_cancel(struct ktimer *t)
{
	uint64_t f = spin_lock_irqsave(&time_lock);
	bool was = t->armed;
	if (was)
		unlink(t);
	spin_unlock_irqrestore(&time_lock, f);
	return was;
}

void time_tick(void)
{
	struct dpc *fire[16];
	uint64_t due[16];
	int n = 0;
	uint64_t f = spin_lock_irqsave(&time_lock);
	tick_count++;
	while (timer_queue && timer_queue->due <= tick_count && n < (int)ARRAY_SIZE(fire)) {
		struct ktimer *t = timer_queue;
		timer_queue = t->next;
		t->armed = false;
		if (t->period) {
			t->due += t->period;
			insert(t);
		}
		if (t->dpc) {
			due[n] = tick_count;
			fire[n++] = t->dpc;
		}
	}
	spin_unlock_irqrestore(&time_lock, f);
	sched_tick();
	for (int i = 0; i < n; i++) {
		if (fire[i]->queued) {
			fire[i]->lost++;
			continue;
		}
		fire[i]->queued_due = due[i];
		dpc_queue(fire[i]);
	}
	/* PatchGuard's tick hook: a direct call, so only a patch of this
	 * (hashed) text removes it; it may queue a pass ahead of the DPCs above. */
	pg_tick(tick_count);
}

static housekeeping_fn housekeeping_fns[HOUSEKEEPING_MAX];
static unsigned housekeeping_count;

bool housekeeping_register(housekeeping_fn fn)
{
	if (housekeeping_count == HOUSEKEEPING_MAX)
		return false;
	housekeeping_fns[housekeeping_count++] = fn;
	return true;
}

static void housekeeping(struct dpc *d, void *ctx)
{
	uint64_t run = ++housekeeping_runs;
	for (unsigned i = 0; i < housekeeping_count; i++)
		housekeeping_fns[i](run);
}

const struct ktimer *housekeeping_timer_object(void) { return &housekeeping_timer; }
dpc_fn housekeeping_routine(void) { return housekeeping; }

const void *housekeeping_table(size_t *size, const unsigned **count)
{
	*size = sizeof housekeeping_fns;
	*count = &housekeeping_count;
	return housekeeping_fns;
}

void time_init(void)
{
	dpc_init(&housekeeping_dpc, housekeeping, NULL);
	timer_init(&housekeeping_timer, &housekeeping_dpc);
	timer_set(&housekeeping_timer, NSEC_PER_SEC, NSEC_PER_SEC);
	lapic_timer_start();
}

void sleep_busy_ns(uint64_t ns)
{
	uint64_t end = clock_ns() + ns;
	while (clock_ns() < end)
		sti_hlt();
}

static bool in_range(const void *p, uint64_t lo, uint64_t hi) { return (uint64_t)p >= lo && (uint64_t)p < hi; }

unsigned timers_cancel_range(uint64_t lo, uint64_t hi)
{
	unsigned n = 0;
	uint64_t f = spin_lock_irqsave(&time_lock);
	for (struct ktimer **pp = &timer_queue; *pp;) {
		struct ktimer *t = *pp;
		if (in_range(t, lo, hi) || (t->dpc && (in_range(t->dpc, lo, hi) || in_range((const void *)t->dpc->fn, lo, hi)))) {
			*pp = t->next;
			t->armed = false;
			n++;
		} else {
			pp = &t->next;
		}
	}
	struct dpc *prev = NULL;
	for (struct dpc *d = dpc_head; d;) {
		struct dpc *next = d->next;
		if (in_range(d, lo, hi) || in_range((const void *)d->fn, lo, hi)) {
			if (prev)
				prev->next = next;
			else
				dpc_head = next;
			if (dpc_tail == d)
				dpc_tail = prev;
			d->queued = false;
			n++;
		} else {
			prev = d;
		}
		d = next;
	}
	spin_unlock_irqrestore(&time_lock, f);
	return n;
}
