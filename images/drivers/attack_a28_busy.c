/* attack_a28_busy (A28): make PatchGuard believe a pass is running. Sets the
 * "a context is open" flag of its state (attack_pg.h) and clears the open
 * context, so the watchdog skips its checks and the stop path's last-chance
 * check finds nothing to use. Expected: 0x109 type 0x101 (the tick hook
 * sees the flag held longer than any pass takes). */
#include "attack_pg.h"

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	struct pg_state *pg = a_find_pg();
	if (!pg) {
		printk("attack_a28: PatchGuard's state not found\n");
		a_restore(pf);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	pg->busy = true;
	pg->open = NULL;
	printk("attack_a28: PatchGuard's busy flag set\n");
	a_patched("attack_a28");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
