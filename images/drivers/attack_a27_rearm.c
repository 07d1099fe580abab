/* attack_a27_rearm (A27): delay PatchGuard instead of stopping it. Finds its
 * state (attack_pg.h), re-arms its own timer an hour out through the
 * exported timer_set, and pushes the pass deadline the other paths compare
 * against just as far, so the timer stays "armed" and no heartbeat is
 * missed. Expected: 0x109 type 0x101 (the tick hook allows the timer no
 * further out than the profile's longest delay). */
#include "attack_pg.h"

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	struct pg_state *pg = a_find_pg();
	if (!pg) {
		printk("attack_a27: PatchGuard's state not found\n");
		a_restore(pf);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	timer_set(pg->timer, A_PROBE_DELAY_NS, 0);
	pg->timer_deadline = ticks() + A_PROBE_DELAY_NS / 10000000ull;
	printk("attack_a27: PatchGuard's timer re-armed an hour out, deadline pushed\n");
	a_patched("attack_a27");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
