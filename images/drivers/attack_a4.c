/* attack_a4 (A4): replace an IDT gate. Reads IDTR with SIDT and points the
 * page-fault gate (vector 14) at a stub in this driver that chains to the
 * original handler, as an IDT-hooking rootkit does. Expected: 0x109, type
 * 0x2 (processor IDT). */
#include "attack.h"

#define VEC_PF 14

uint64_t attack_a4_original;
void attack_a4_stub(void);
__asm__(".text\n.global attack_a4_stub\nattack_a4_stub:\n\tjmp *attack_a4_original(%rip)\n");

struct gate {
	uint16_t off_lo, sel;
	uint8_t ist, attr;
	uint16_t off_mid;
	uint32_t off_hi, reserved;
} __attribute__((packed));

status_t driver_entry(struct driver_object *drv)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr;
	__asm__ volatile("sidt %0" : "=m"(idtr));
	struct gate *g = (struct gate *)idtr.base + VEC_PF;
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	uint64_t f = a_cli();
	attack_a4_original = g->off_lo | (uint64_t)g->off_mid << 16 | (uint64_t)g->off_hi << 32;
	uint64_t stub = (uint64_t)&attack_a4_stub;
	g->off_lo = stub & 0xFFFF;
	g->off_mid = (stub >> 16) & 0xFFFF;
	g->off_hi = stub >> 32;
	a_restore(f);
	printk("attack_a4: IDT gate %d now enters the driver (chained to kernel+0x%lx)\n", VEC_PF,
	       attack_a4_original - a_kernel_base());
	a_patched("attack_a4");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
