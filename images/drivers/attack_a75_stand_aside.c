/* attack_a75_stand_aside (A75): a TLB split with the probe stood aside.
 * Makes the probe and the watchdog stand aside, then splits a text page's
 * translation. Sets PatchGuard's "stop
 * path begun" flag (attack_pg.h; the NMI's instruction-fetch probe and its
 * watchdog checks stand aside while a stop path runs) with interrupts
 * enabled, and keeps running; then does what attack_a59 does (its code,
 * included here): getpid's text page executes a copy through a TLB split
 * renewed on every tick, which only the probe sees. Expected: 0x109 type
 * 0x101 (a tick or an NMI over code with interrupts enabled while
 * "stopping" is set: no stop path runs so) within the profile's bound. */
#define driver_entry a59_entry
#include "attack_a59_tlb_split.c"
#undef driver_entry

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli();
	struct pg_state *pg = a_find_pg();
	if (!pg) {
		a_restore(pf);
		printk("attack_a75: PatchGuard's state not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	pg->stopping = true;
	status_t st = a59_entry(drv);
	a_restore(pf);
	printk("attack_a75: PatchGuard's stopping flag set, interrupts on, getpid's text page split (0x%08x)\n", st);
	return st;
}
