/* attack_a51_dpc_queued (A51): starve every pass through state the checks
 * trust. Marks PatchGuard's timer DPC and random-pass DPC as queued
 * without putting them on the DPC queue (attack_pg.h: the timer's expiry
 * and the tick hook's draw then find them "already queued" and queue
 * nothing), sets the piggy-back's countdown to its maximum, pushes the
 * recorded pass deadline to the end of time and raises the NMI watchdog's
 * idle limit as far, then hooks getpid as attack_a1. The timer objects,
 * routines and heartbeats stay as they were. Expected: 0x109 type 0x101
 * (a DPC queued for longer than the grace of a pass, a deadline beyond any
 * schedule, no pass for longer than the schedule allows) or 0xA. */
#include "attack_pg.h"

static uint64_t hooked_getpid(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	return 4242;
}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	struct pg_state *pg = a_find_pg();
	uint64_t *table = a_find_service_table();
	if (!pg || !table) {
		printk("attack_a51: PatchGuard's state or the service table not found\n");
		a_restore(pf);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	pg->dpc->queued = true;
	pg->extra_dpc->queued = true;
	pg->piggy_countdown = ~0u;
	pg->timer_deadline = ~0ull >> 1;
	pg->nmi_idle_max = ~0u;
	uint64_t hook = (uint64_t)&hooked_getpid;
	a_write_protected(&table[KPP_SYS_GET_PID], &hook, sizeof hook);
	printk("attack_a51: PatchGuard's DPCs marked queued, countdown, deadline and idle limit pushed, getpid hooked\n");
	a_patched("attack_a51");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
