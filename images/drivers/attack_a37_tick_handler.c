/* attack_a37_tick_handler (A37): halve the speed of time behind the IDT. The local-APIC
 * timer vector's gate stays as it was; its entry in the kernel's table of
 * vector handlers (found as the pointer PatchGuard's state records for it,
 * attack_pg.h) is replaced by a routine of the driver that passes only
 * every other interrupt on to the kernel's tick. Expected: 0x109 type 0x9
 * (the watchdog compares the entry). */
#include "attack_pg.h"

static void (*kernel_tick)(void);
static uint64_t n;

static void every_other(void)
{
	if (n++ & 1)
		kernel_tick();
}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	struct pg_state *pg = a_find_pg();
	if (!pg) {
		printk("attack_a37: PatchGuard's state not found\n");
		a_restore(pf);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	irq_handler_t *table = (irq_handler_t *)pg->vec_table;
	kernel_tick = table[KPP_VEC_APIC_TIMER];
	table[KPP_VEC_APIC_TIMER] = every_other;
	printk("attack_a37: local-APIC timer handler replaced behind the IDT\n");
	a_patched("attack_a37");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
