/* Time: the periodic tick, the monotonic clock, kernel timers and DPCs
 * (timer.c). Timer callbacks run as DPCs: after the interrupt, with
 * interrupts enabled, at IRQL_DISPATCH (no sleeping). */
#ifndef KPP_TIME_H
#define KPP_TIME_H

#include <kpp/types.h>

#define NSEC_PER_SEC 1000000000ul
#define NSEC_PER_TICK (NSEC_PER_SEC / KPP_TICK_HZ)

struct dpc;
typedef void (*dpc_fn)(struct dpc *dpc, void *ctx);

struct dpc {
	struct dpc *next;
	dpc_fn fn;
	void *ctx;
	bool queued;
	uint64_t due;  /* for a timer's DPC: the tick its timer expired at (stable while it runs) */
	uint64_t lost; /* expirations that found the DPC still queued */
	uint64_t queued_due; /* private: due of the pending run */
};

struct ktimer {
	struct ktimer *next;
	uint64_t due;      /* tick count */
	uint64_t period;   /* ticks; 0 = one-shot */
	struct dpc *dpc;   /* queued when the timer fires */
	bool armed;
};

void dpc_init(struct dpc *d, dpc_fn fn, void *ctx);
bool dpc_queue(struct dpc *d);      /* false if already queued */
bool dpc_queue_first(struct dpc *d); /* the same, ahead of every queued DPC */
void dpc_run_pending(void);         /* called on interrupt exit at IRQL_PASSIVE */
bool dpc_pending(void);
bool dpc_on_queue(const struct dpc *d); /* d is linked on the DPC queue (interrupts off) */

void timer_init(struct ktimer *t, struct dpc *d);
/* Arm: first expiry after delay_ns (rounded up to ticks, at least one tick),
 * then every period_ns when period_ns != 0. Re-arming an armed timer moves it. */
void timer_set(struct ktimer *t, uint64_t delay_ns, uint64_t period_ns);
bool timer_cancel(struct ktimer *t);
/* Cancel every timer and queued DPC that lives in, or calls into, [lo, hi)
 * (an unloading driver's image); returns how many. */
unsigned timers_cancel_range(uint64_t lo, uint64_t hi);
/* The timer queue head, exported for diagnostics. */
extern struct ktimer *timer_queue;

void time_init(void);     /* start the tick; arm the housekeeping DPC */
void time_tick(void);     /* tick interrupt body */
uint64_t ticks(void);
/* The tick count itself, for a reader that must call no kernel routine
 * (PatchGuard's stop path); a constant pointer in read-only data. */
extern const volatile uint64_t *const tick_counter;
uint64_t clock_ns(void);  /* monotonic: ticks plus the APIC timer's progress within the tick */
void sleep_busy_ns(uint64_t ns); /* PASSIVE only: waits with HLT */
extern volatile uint64_t housekeeping_runs;

/* Functions the 1 s housekeeping DPC calls, at IRQL_DISPATCH, in
 * registration order (PatchGuard's piggy-back trigger hangs here). */
#define HOUSEKEEPING_MAX 8
typedef void (*housekeeping_fn)(uint64_t run);
bool housekeeping_register(housekeeping_fn fn);
/* For PatchGuard: the housekeeping timer, its DPC routine, and the table of
 * registered functions (size in bytes) with its count. */
const struct ktimer *housekeeping_timer_object(void);
dpc_fn housekeeping_routine(void);
const void *housekeeping_table(size_t *size, const unsigned **count);

#endif
