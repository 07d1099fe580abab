/* attack_a6 (A6): point LSTAR (the SYSCALL entry MSR) at a stub in this
 * driver that chains to the kernel's entry. Expected: 0x109, type 0x7
 * (critical MSR). */
#include "attack.h"

#define MSR_LSTAR 0xC0000082

uint64_t attack_a6_original;
void attack_a6_stub(void);
__asm__(".text\n.global attack_a6_stub\nattack_a6_stub:\n\tjmp *attack_a6_original(%rip)\n");

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	attack_a6_original = a_rdmsr(MSR_LSTAR);
	a_wrmsr(MSR_LSTAR, (uint64_t)&attack_a6_stub);
	printk("attack_a6: LSTAR now enters the driver (chained to kernel+0x%lx)\n",
	       attack_a6_original - a_kernel_base());
	a_patched("attack_a6");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
