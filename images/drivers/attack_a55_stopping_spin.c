/* attack_a55_stopping_spin (A55): pretend PatchGuard is already stopping.
 * Sets its "stop path begun" flag (attack_pg.h: the NMI watchdog stands
 * aside while it is set), then does what attack_a49 does: interrupts off,
 * a jmp-to-itself over module_find, a spin for ever with IF=0, where only
 * the NMI runs. Expected: 0x109 type 0x1 from the NMI watchdog within the
 * profile's bound (it stands aside for a few NMIs only: a real stop path
 * writes its screen in far less). */
#include "attack_pg.h"

status_t driver_entry(struct driver_object *drv)
{
	static const uint8_t jmp_self[5] = {0xE9, 0xFB, 0xFF, 0xFF, 0xFF}; /* jmp to itself */
	uint64_t pf = a_cli();
	struct pg_state *pg = a_find_pg();
	if (!pg) {
		printk("attack_a55: PatchGuard's state not found\n");
		a_restore(pf);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	printk("attack_a55: PatchGuard's stopping flag set, interrupts off, module_find patched, spinning\n");
	pg->stopping = true;
	a_patched("attack_a55");
	uint64_t cr0 = a_read_cr0();
	a_write_cr0(cr0 & ~A_CR0_WP);
	volatile uint8_t *d = (volatile uint8_t *)&module_find;
	for (size_t i = 0; i < sizeof jmp_self; i++)
		d[i] = jmp_self[i];
	a_write_cr0(cr0);
	for (;;)
		__asm__ volatile("pause" ::: "memory");
	return KPP_STATUS_SUCCESS;
}
