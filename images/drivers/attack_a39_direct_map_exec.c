/* attack_a39_direct_map_exec (A39): make RAM executable through the direct
 * map. Clears NX in the 2 MiB direct-map entry holding the driver's own
 * data, which gives a writable and executable alias of every byte there
 * (code can be written and run without any allocation the kernel sees).
 * Expected: 0x109 type 0x111. */
#include "attack_pg.h"

static uint8_t buffer[64];

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pa = vm_pte((uint64_t)buffer) & A_PTE_ADDR;
	uint64_t alias = KPP_DIRECT_MAP_BASE + pa;
	uint64_t *pde = a_pte_of(alias, 1);
	if (!pde) {
		printk("attack_a39: no direct-map entry\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	*pde &= ~A_PTE_NX;
	a_invlpg(alias);
	printk("attack_a39: a direct-map entry is executable\n");
	a_patched("attack_a39");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
