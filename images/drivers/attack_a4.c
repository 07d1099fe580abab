/* attack_a4 (A4): replace an IDT gate. Reads IDTR with SIDT and points the
 * page-fault gate (vector 14) at a stub in this driver that chains to the
 * original handler, as an IDT-hooking rootkit does. Expected: 0x109, type
 * 0x2 (processor IDT). */
#include "attack.h"

#define VEC_PF 14

uint64_t attack_a4_original;
void attack_a4_stub(void);
__asm__(".text\n.global attack_a4_stub\nattack_a4_stub:\n\tjmp *attack_a4_original(%rip)\n");

status_t driver_entry(struct driver_object *drv)
{
	struct gate *g = a_idt() + VEC_PF;
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	uint64_t f = a_cli();
	attack_a4_original = a_gate_target(g);
	a_gate_point(g, (uint64_t)&attack_a4_stub);
	a_restore(f);
	printk("attack_a4: IDT gate %d now enters the driver (chained to kernel+0x%lx)\n", VEC_PF,
	       attack_a4_original - a_kernel_base());
	a_patched("attack_a4");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
