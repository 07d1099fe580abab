/* attack_a86_pit_phase (A86): PIT channel 0 halved, its phase check blinded.
 * PatchGuard holds PIT channel 0's count to its reload's phase against
 * the ACPI PM timer, and a shorter reload (A81 `fast`) misses that phase
 * on sample after sample until 6 of the last 32 missed. The count of
 * misses and the window of outcomes are static data of the tick hook
 * (patchguard/tick.c); the scenario writes their addresses from the
 * built image into the driver, with printk's, from which the driver takes
 * the kernel's random base. From a timer of its own on every tick it
 * zeroes both, and once it has them it halves the channel's reload as
 * A81 does. Expected: 0x109 type 0x101 (the phase state differs from its
 * hash under PatchGuard's own key). */
#include "attack_pg.h"

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_CH0_MODE2 0x34 /* channel 0, lobyte/hibyte, rate generator */

volatile uint64_t printk_at, misses_at, bits_at;
static struct ktimer watcher;
static struct dpc watcher_dpc;
static bool halved;
static uint32_t count;

static void step(struct dpc *d, void *ctx)
{
	(void)d;
	(void)ctx;
	if (!printk_at || !misses_at || !bits_at)
		return;
	uint64_t slide = (uint64_t)&printk - printk_at;
	uint64_t f = a_cli();
	*(volatile uint32_t *)(misses_at + slide) = 0;
	*(volatile uint32_t *)(bits_at + slide) = 0;
	if (!halved) {
		halved = true;
		a_outb(PIT_CMD, PIT_CH0_MODE2);
		a_outb(PIT_CH0, count & 0xFF);
		a_outb(PIT_CH0, (count >> 8) & 0xFF);
		printk("attack_a86: PIT channel 0's count halved, its phase misses zeroed on every tick\n");
		a_patched("attack_a86");
	}
	a_restore(f);
}

status_t driver_entry(struct driver_object *drv)
{
	(void)drv;
	struct pg_state *pg = a_find_pg();
	if (!pg || !pg->pit_count) {
		printk("attack_a86: PatchGuard's state not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	count = pg->pit_count / 2;
	dpc_init(&watcher_dpc, step, NULL);
	timer_init(&watcher, &watcher_dpc);
	timer_set(&watcher, 10000000ull, 10000000ull);
	printk("attack_a86: waiting for the phase state's addresses\n");
	return KPP_STATUS_SUCCESS;
}
