/* attack_a29_dpc_routine (A29): point PatchGuard's DPC at a no-op routine.
 * Its timer then fires into nothing and is never re-armed (the DPC object
 * lives in pool memory, not in hashed text). Expected: 0x109 type 0x101 at the next tick. */
#include "attack_pg.h"

static void nothing(struct dpc *d, void *ctx) {}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	struct pg_state *pg = a_find_pg();
	if (!pg) {
		printk("attack_a29: PatchGuard's state not found\n");
		a_restore(pf);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	pg->dpc->fn = nothing;
	printk("attack_a29: PatchGuard's DPC routine now returns at once\n");
	a_patched("attack_a29");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
