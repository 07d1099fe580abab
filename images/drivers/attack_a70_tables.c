/* attack_a70_tables (A70): load copies of the descriptor tables instead of
 * editing them. By default the driver copies the IDT into its own data,
 * points the copy's page-fault gate at a stub that chains to the kernel's
 * handler and loads the copy with LIDT: the kernel's IDT stays as it was,
 * byte for byte. With `ltr`, it copies the TSS into its own data (with its
 * own double-fault stack in IST1), points the GDT's TSS descriptor at the
 * copy, marks it available and loads it with LTR: TR keeps its selector,
 * the kernel's TSS stays as it was. Expected: 0x109 type 0x2 (IDTR) or,
 * with `ltr`, 0x3 (the GDT). */
#include "attack_pg.h"

#define VEC_PF 14
#define IDT_BYTES 4096
#define TSS_BYTES 12288 /* the TSS with its I/O-permission map (A152) */
#define DESC_TYPE_SHIFT 40
#define DESC_TYPE_MASK (0xFull << DESC_TYPE_SHIFT)
#define DESC_TSS_AVAILABLE (0x9ull << DESC_TYPE_SHIFT)
#define TSS_IST1 0x24

uint64_t attack_a70_original;
void attack_a70_stub(void);
__asm__(".text\n.global attack_a70_stub\nattack_a70_stub:\n\tjmp *attack_a70_original(%rip)\n");

static uint8_t idt_copy[IDT_BYTES] __attribute__((aligned(4096)));
static uint8_t tss_copy[TSS_BYTES] __attribute__((aligned(4096)));
static uint8_t df_stack[4096] __attribute__((aligned(16)));

struct dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static void load_idt_copy(void)
{
	struct dtr idtr;
	__asm__ volatile("sidt %0" : "=m"(idtr));
	memcpy(idt_copy, (const void *)idtr.base, (size_t)idtr.limit + 1);
	struct gate *g = (struct gate *)idt_copy + VEC_PF;
	attack_a70_original = a_gate_target(g);
	a_gate_point(g, (uint64_t)&attack_a70_stub);
	struct dtr copy = {idtr.limit, (uint64_t)idt_copy};
	__asm__ volatile("lidt %0" ::"m"(copy) : "memory");
	printk("attack_a70: LIDT loaded the driver's copy of the IDT (page-fault gate chained through the driver)\n");
}

static bool load_tss_copy(void)
{
	struct dtr gdtr;
	uint16_t tr;
	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	__asm__ volatile("str %0" : "=r"(tr));
	uint64_t *d = (uint64_t *)(gdtr.base + (tr & ~7u));
	uint64_t limit = (d[0] & 0xFFFF) | ((d[0] >> 32) & 0xF0000);
	if (limit + 1 > TSS_BYTES)
		return false;
	memcpy(tss_copy, a_find_tss(), limit + 1);
	uint64_t ist1 = (uint64_t)df_stack + sizeof df_stack;
	memcpy(tss_copy + TSS_IST1, &ist1, 8);
	uint64_t base = (uint64_t)tss_copy;
	uint64_t lo = d[0] & ~(0xFFFFFFull << 16) & ~(0xFFull << 56) & ~DESC_TYPE_MASK;
	lo |= (base & 0xFFFFFF) << 16 | ((base >> 24) & 0xFF) << 56 | DESC_TSS_AVAILABLE;
	uint64_t desc[2] = {lo, base >> 32};
	a_write_protected(d, desc, sizeof desc);
	__asm__ volatile("ltr %0" ::"r"(tr) : "memory");
	printk("attack_a70: LTR loaded the driver's copy of the TSS (GDT descriptor repointed, IST1 the driver's)\n");
	return true;
}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	if (!strcmp(drv->args, "ltr")) {
		if (!load_tss_copy()) {
			a_restore(pf);
			printk("attack_a70: TSS larger than the copy\n");
			return KPP_STATUS_UNSUCCESSFUL;
		}
	} else {
		load_idt_copy();
	}
	a_patched("attack_a70");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
