/* attack_a7 (A7): weaken the control registers. Clears CR4.SMEP when it is
 * on (so the kernel may execute user pages), else leaves CR0.WP clear (so
 * the kernel may write read-only pages); argument "wp" forces the latter.
 * Expected: 0x109, type 0x15 (processor control register). */
#include "attack.h"


status_t driver_entry(struct driver_object *drv)
{
	uint64_t cr4;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	if ((cr4 & CR4_SMEP) && strcmp(drv->args, "wp")) {
		cr4 &= ~CR4_SMEP;
		__asm__ volatile("mov %0, %%cr4" ::"r"(cr4) : "memory");
		printk("attack_a7: CR4.SMEP cleared\n");
	} else {
		a_write_cr0(a_read_cr0() & ~A_CR0_WP);
		printk("attack_a7: CR0.WP left clear\n");
	}
	a_patched("attack_a7");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
