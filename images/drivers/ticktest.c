/* ticktest: timer and DPC regularity. Arms a periodic 10 ms kernel timer
 * and records, in its DPC, the expiration tick, the tick count when the DPC
 * ran and the TSC for N expirations (N from the arguments, default 50).
 * The unmarked result line says whether every expiration was due exactly
 * one period after the previous one and no DPC ran before its expiration
 * (true on any machine, however loaded); the timing line gives the guest
 * time between DPCs (TSC), the DPC latency in ticks and the expirations
 * lost while a DPC was still queued: exact on kppemu, noisy on a loaded
 * QEMU. A one-shot timer of 25 ms armed at the same time must fire once,
 * due 3 ticks after arming. */
#include <kpp/driver.h>

#define MAX_SAMPLES 200
#define PERIOD_NS 10000000ul
#define ONESHOT_NS 25000000ul /* rounds up to 3 ticks */
#define ONESHOT_TICKS 3

static struct ktimer timer, once;
static struct dpc dpc, once_dpc;
static uint64_t once_set_at, once_due, once_ran_at, once_fires;
static uint64_t due_at[MAX_SAMPLES], tick_at[MAX_SAMPLES], tsc_at[MAX_SAMPLES];
static unsigned samples, wanted = 50;

static uint64_t read_tsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static void report(void)
{
	uint64_t period = PERIOD_NS / (NSEC_PER_SEC / KPP_TICK_HZ);
	unsigned irregular = 0, early = 0;
	uint64_t min = ~0ull, max = 0, sum = 0, late = 0;
	for (unsigned i = 0; i < samples; i++) {
		if (tick_at[i] < due_at[i])
			early++;
		if (tick_at[i] - due_at[i] > late)
			late = tick_at[i] - due_at[i];
		if (i == 0)
			continue;
		/* A lost expiration (its DPC still queued) skips a period. */
		uint64_t gap = due_at[i] - due_at[i - 1];
		if (gap == 0 || gap % period)
			irregular++;
		uint64_t d = tsc_at[i] - tsc_at[i - 1];
		min = d < min ? d : min;
		max = d > max ? d : max;
		sum += d;
	}
	printk("ticktest: %u expirations, %u irregular, %u early: %s\n", samples, irregular, early,
	       irregular || early ? "FAIL" : "ok");
	printk("ticktest: one-shot fired %lu time(s), due %lu ticks after arming: %s\n", once_fires,
	       once_due - once_set_at,
	       once_fires == 1 && once_due - once_set_at == ONESHOT_TICKS && once_ran_at >= once_due ? "ok" : "FAIL");
	uint64_t avg = sum / (samples - 1);
	printk("~ ticktest: tsc interval min %lu avg %lu max %lu (spread %lu%%), dpc latency max %lu ticks, %lu lost\n",
	       min, avg, max, avg ? (max - min) * 100 / avg : 0, late, dpc.lost);
}

static void on_tick(struct dpc *d, void *ctx)
{
	if (samples >= wanted)
		return;
	due_at[samples] = d->due;
	tick_at[samples] = ticks();
	tsc_at[samples] = read_tsc();
	if (++samples == wanted) {
		timer_cancel(&timer);
		report();
	}
}

static void on_once(struct dpc *d, void *ctx)
{
	once_due = d->due;
	once_ran_at = ticks();
	once_fires++;
}

static void ticktest_unload(struct driver_object *drv)
{
	timer_cancel(&timer);
	timer_cancel(&once);
}

status_t driver_entry(struct driver_object *drv)
{
	unsigned n = 0;
	for (const char *p = drv->args; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (*p - '0');
	if (n >= 2 && n <= MAX_SAMPLES)
		wanted = n;
	samples = 0;
	dpc_init(&dpc, on_tick, NULL);
	timer_init(&timer, &dpc);
	timer_set(&timer, PERIOD_NS, PERIOD_NS);
	dpc_init(&once_dpc, on_once, NULL);
	timer_init(&once, &once_dpc);
	once_fires = 0;
	uint64_t f = irq_save(); /* no tick between reading the count and arming */
	once_set_at = ticks();
	timer_set(&once, ONESHOT_NS, 0);
	irq_restore(f);
	/* "leak": no unload routine, so unload must clean up after us. */
	if (strcmp(drv->args, "leak"))
		drv->unload = ticktest_unload;
	printk("ticktest: sampling %u expirations of a %lu ms periodic timer\n", wanted, PERIOD_NS / 1000000);
	return KPP_STATUS_SUCCESS;
}
