/* attack_a40_tss_iomap (A40): give ring 3 the I/O ports. Moves the TSS's
 * I/O-permission map base from past the TSS limit to offset 0x14 (RSP2,
 * zero), inside the limit: the ports whose bits fall there read as allowed
 * to a ring-3 program, while the GDT (the TSS limit) stays as it was.
 * Expected: 0x109 type 0x112. */
#include "attack_pg.h"

#define TSS_IOMAP_BASE 102
#define TSS_RSP2 0x14

status_t driver_entry(struct driver_object *drv)
{
	uint8_t *tss = a_find_tss();
	uint16_t base = TSS_RSP2;
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	memcpy(tss + TSS_IOMAP_BASE, &base, sizeof base);
	printk("attack_a40: TSS I/O-permission map moved inside the TSS\n");
	a_patched("attack_a40");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
