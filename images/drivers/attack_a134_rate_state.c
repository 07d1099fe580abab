/* attack_a134_rate_state (A134): the TSC rate check's running state reset.
 * The watchdog holds the TSC to the ACPI PM timer over stretches of PM
 * time (A130): the stretch's start TSC and the PM counts since are static
 * data of patchguard/watchdog.c, and a start of 0 makes the next reading
 * start a stretch again. The scenario writes the start's address from the
 * built image into the driver, with printk's, from which the driver takes
 * the kernel's random base. From a timer of its own on every tick it
 * zeroes the start, and writes the TSC back so that it
 * advances a quarter as fast as it runs (A130 `slow`): no stretch ever
 * ends. Expected: 0x109 (type 0x101 where the watchdog's counts are
 * sealed under PatchGuard's own key; in the windows profile, before they
 * were sealed there too, no bug check). */
#include "attack_pg.h"

#define MSR_TSC 0x10

volatile uint64_t printk_at, rate_at;
static struct ktimer resetter;
static struct dpc resetter_dpc;
static uint64_t written; /* the TSC as last written */
static bool started;

static void every_tick(struct dpc *d, void *ctx)
{
	(void)d;
	(void)ctx;
	if (!printk_at || !rate_at)
		return;
	uint64_t slide = (uint64_t)&printk - printk_at;
	uint64_t f = a_cli();
	*(volatile uint64_t *)(rate_at + slide) = 0; /* the next reading starts a stretch */
	uint64_t t = a_rdtsc();
	if (!started) {
		started = true;
		written = t;
		printk("attack_a134: the TSC rate check's stretch reset on every tick, the TSC slowed to a quarter\n");
		a_patched("attack_a134");
	}
	written += (t - written) / 4;
	a_wrmsr(MSR_TSC, written);
	a_restore(f);
}

status_t driver_entry(struct driver_object *drv)
{
	(void)drv;
	dpc_init(&resetter_dpc, every_tick, NULL);
	timer_init(&resetter, &resetter_dpc);
	timer_set(&resetter, NSEC_PER_TICK, NSEC_PER_TICK);
	printk("attack_a134: waiting for the rate check's address\n");
	return KPP_STATUS_SUCCESS;
}
