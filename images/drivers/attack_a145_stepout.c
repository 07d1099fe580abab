/* attack_a145_stepout (A145): A34 that also steps out of the random passes' ticks.
 * The tick hook drew whether a random pass runs only on the ticks of its
 * full checks, every tick in `fast` and `test` but one tick in 32 in
 * `windows` (the ticks whose count has none of the bits of the plain
 * `pg.stride_mask` set): a driver that reads every byte knows which ticks
 * those are. This one hooks the getpid service (as attack_a1) and, from
 * a timer of its own that runs on every tick, takes the hook out whenever
 * the next tick is one of those, or PatchGuard's timer or the
 * housekeeping timer its piggy-back rides on fires at the next tick (as
 * attack_a34), and puts it back after: no pass queued by any trigger
 * sees the hook. Expected: 0x109 type 0xA from a random pass (drawn on
 * every tick). */
#include "attack_pg.h"

static struct ktimer watcher;
static struct dpc watcher_dpc;
static struct pg_state *state;
static const struct ktimer *housekeeping;
static uint64_t *table, orig, hook, ins, outs;
static bool in;

static uint64_t hooked_getpid(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	return 4242;
}

static bool pass_due(uint64_t now)
{
	return (state->stride_mask && !((now + 1) & state->stride_mask)) || (state->timer->armed && state->timer->due <= now + 1) ||
	       state->dpc->queued || state->extra_dpc->queued || (housekeeping->armed && housekeeping->due <= now + 1);
}

static void step(struct dpc *d, void *ctx)
{
	uint64_t f = a_cli();
	bool want = !pass_due(ticks());
	if (want != in) {
		a_write_protected(&table[KPP_SYS_GET_PID], want ? &hook : &orig, sizeof hook);
		in = want;
	}
	if (in)
		ins++;
	else
		outs++;
	if (ins + outs == 6000)
		printk("~ attack_a145: hook in on %lu of 6000 ticks\n", ins);
	a_restore(f);
}

status_t driver_entry(struct driver_object *drv)
{
	struct ktimer *hk[4];
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	state = a_find_pg();
	table = a_find_service_table();
	timer_set(&a_probe, A_PROBE_DELAY_NS, 0);
	int n = a_kernel_timers(&a_probe, KPP_TICK_HZ, hk, 4);
	timer_cancel(&a_probe);
	if (!state || !table || n <= 0) {
		printk("attack_a145: PatchGuard's state, the service table or the housekeeping timer not found\n");
		a_restore(pf);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	housekeeping = hk[0];
	orig = table[KPP_SYS_GET_PID];
	hook = (uint64_t)&hooked_getpid;
	dpc_init(&watcher_dpc, step, NULL);
	timer_init(&watcher, &watcher_dpc);
	timer_set(&watcher, 10000000ull, 10000000ull);
	step(&watcher_dpc, NULL);
	printk("attack_a145: getpid hooked, stepping out before every visible pass and every full-check tick\n");
	a_patched("attack_a145");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
