/* ticktest: timer and DPC regularity. Arms a periodic 10 ms kernel timer
 * and records, in its DPC, the tick count and the TSC at each of N
 * expirations (N from the arguments, default 50). Then prints whether every
 * expiration came exactly one period after the previous one in ticks (the
 * deterministic check), and the TSC intervals on a timing line. A one-shot
 * timer of 25 ms armed at the same time must fire exactly once, 3 ticks
 * later. */
#include <kpp/driver.h>

#define MAX_SAMPLES 200
#define PERIOD_NS 10000000ul
#define ONESHOT_NS 25000000ul /* rounds up to 3 ticks */
#define ONESHOT_TICKS 3

static struct ktimer timer, once;
static struct dpc dpc, once_dpc;
static uint64_t once_set_at, once_fired_at, once_fires;
static uint64_t tick_at[MAX_SAMPLES], tsc_at[MAX_SAMPLES];
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
	unsigned irregular = 0;
	uint64_t min = ~0ull, max = 0, sum = 0;
	for (unsigned i = 1; i < samples; i++) {
		if (tick_at[i] - tick_at[i - 1] != period)
			irregular++;
		uint64_t d = tsc_at[i] - tsc_at[i - 1];
		min = d < min ? d : min;
		max = d > max ? d : max;
		sum += d;
	}
	printk("ticktest: %u expirations, %u irregular in ticks: %s\n", samples, irregular,
	       irregular ? "FAIL" : "ok");
	printk("ticktest: one-shot fired %lu time(s), %lu ticks after arming: %s\n", once_fires,
	       once_fired_at - once_set_at, once_fires == 1 && once_fired_at - once_set_at == ONESHOT_TICKS ? "ok" : "FAIL");
	uint64_t avg = sum / (samples - 1);
	printk("~ ticktest: tsc interval min %lu avg %lu max %lu (spread %lu%%)\n", min, avg, max,
	       avg ? (max - min) * 100 / avg : 0);
}

static void on_tick(struct dpc *d, void *ctx)
{
	if (samples >= wanted)
		return;
	tick_at[samples] = ticks();
	tsc_at[samples] = read_tsc();
	if (++samples == wanted) {
		timer_cancel(&timer);
		report();
	}
}

static void on_once(struct dpc *d, void *ctx)
{
	once_fired_at = ticks();
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
	drv->unload = ticktest_unload;
	printk("ticktest: sampling %u expirations of a %lu ms periodic timer\n", wanted, PERIOD_NS / 1000000);
	return KPP_STATUS_SUCCESS;
}
