/* attack_a81_pit_reload (A81): PIT channel 0's reload count changed.
 * PIT channel 0 (the watchdog's interrupt and the NMI watchdog's edge) left
 * the rate generator it was set up as, with its reload count changed by a
 * small factor: by default doubled (the watchdog and the NMI come half as
 * often; a count already at the channel's largest, 65536, stays), with
 * `fast` halved. The mode, which the tick hook reads back, does not change.
 * Its count is PatchGuard's (from patchguard/pg.h, as an attacker who has
 * read it finds it). Expected: 0x109 type 0x17 (the count the channel
 * counts down from exceeds the one it was set up with). */
#include "attack_pg.h"

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_CH0_MODE2 0x34 /* channel 0, lobyte/hibyte, rate generator */

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	struct pg_state *pg = a_find_pg();
	if (!pg || !pg->pit_count) {
		a_restore(pf);
		printk("attack_a81: PatchGuard's state not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	bool fast = !strcmp(drv->args, "fast");
	uint32_t count = fast ? pg->pit_count / 2 : pg->pit_count * 2;
	if (count > 65536)
		count = 65536;
	a_outb(PIT_CMD, PIT_CH0_MODE2);
	a_outb(PIT_CH0, count & 0xFF);
	a_outb(PIT_CH0, (count >> 8) & 0xFF);
	printk("attack_a81: PIT channel 0's count %s\n", fast ? "halved" : "doubled");
	printk("~ attack_a81: count %u, was %u\n", count, pg->pit_count);
	a_patched("attack_a81");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
