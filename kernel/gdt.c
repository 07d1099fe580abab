/* GDT (ring-0 and ring-3 segments in the SYSCALL/SYSRET order), TSS with
 * RSP0 and IST stacks, and the 256-gate IDT pointing at isr.S's stubs. */
#include <kpp/abi.h>
#include <kpp/string.h>
#include <kpp/trap.h>

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
	/* The I/O-permission map, every bit set (no port for ring 3), and
	 * the byte of ones the processor requires after it, to the TSS's
	 * limit: a limit cached in TR longer than the GDT's descriptor says
	 * (A152: TR loaded from a descriptor written longer and put back)
	 * reaches only these bits, where a TSS without a map read the kernel
	 * data after it as a map of zero bits. */
	uint8_t iomap[8192 + 1];
} PACKED;

struct gate {
	uint16_t off_lo, sel;
	uint8_t ist, type_attr;
	uint16_t off_mid;
	uint32_t off_hi, reserved;
} PACKED;

struct dtr {
	uint16_t limit;
	uint64_t base;
} PACKED;

#define GDT_ENTRIES 8 /* null, kcode, kdata, ucode32, udata, ucode64, tss (2) */
#define SEG_KCODE 0x00AF9A000000FFFFull
#define SEG_KDATA 0x00CF92000000FFFFull
#define SEG_UCODE32 0x00CFFA000000FFFFull
#define SEG_UDATA 0x00CFF2000000FFFFull
#define SEG_UCODE64 0x00AFFA000000FFFFull
#define TSS_TYPE_AVAILABLE 0x89
#define GATE_INTERRUPT 0x8E

/* Not static: the returns to ring 3 load TR from the TSS descriptor again
 * (isr.S's syscall path, switch.S's user_iret, userentry.S's user_enter):
 * they mark it available (the type's busy bit, byte 5 bit 1) and load TR
 * with tss_selector, so a program never runs with a TSS TR was loaded
 * with from elsewhere (A155: a copy of the TSS whose I/O-permission map
 * opens ports, the GDT's descriptor put back as it was). */
uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
const uint16_t tss_selector = KPP_SEL_TSS;
static struct tss tss __attribute__((aligned(16)));
static struct gate idt[256] __attribute__((aligned(16)));

void gdt_reload(const struct dtr *d);

void gdt_init(void)
{
	gdt[0] = 0;
	gdt[KPP_SEL_KERNEL_CODE / 8] = SEG_KCODE;
	gdt[KPP_SEL_KERNEL_DATA / 8] = SEG_KDATA;
	gdt[KPP_SEL_USER32_CODE / 8] = SEG_UCODE32;
	gdt[KPP_SEL_USER_DATA / 8] = SEG_UDATA;
	gdt[KPP_SEL_USER_CODE / 8] = SEG_UCODE64;

	uint64_t base = (uint64_t)&tss, limit = sizeof tss - 1;
	memset(tss.iomap, 0xFF, sizeof tss.iomap);
	tss.iomap_base = __builtin_offsetof(struct tss, iomap);
	gdt[KPP_SEL_TSS / 8] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | ((uint64_t)TSS_TYPE_AVAILABLE << 40) |
			       (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
	gdt[KPP_SEL_TSS / 8 + 1] = base >> 32;

	struct dtr d = {sizeof gdt - 1, (uint64_t)gdt};
	gdt_reload(&d);
	__asm__ volatile("ltr %w0" ::"r"((uint16_t)KPP_SEL_TSS));
}

void tss_set_ist(int ist, uint64_t stack_top) { tss.ist[ist - 1] = stack_top; }
void tss_set_rsp0(uint64_t stack_top) { tss.rsp[0] = stack_top; }

void idt_set_gate(int vec, uint64_t handler, int ist, int dpl)
{
	struct gate *g = &idt[vec];
	g->off_lo = handler & 0xFFFF;
	g->sel = KPP_SEL_KERNEL_CODE;
	g->ist = ist & 7;
	g->type_attr = GATE_INTERRUPT | (dpl << 5);
	g->off_mid = (handler >> 16) & 0xFFFF;
	g->off_hi = handler >> 32;
	g->reserved = 0;
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++)
		idt_set_gate(v, (uint64_t)isr_stubs + 16 * v, 0, v == VEC_BP ? 3 : 0);
	idt[VEC_DF].ist = IST_DF;
	idt[VEC_NMI].ist = IST_NMI;
	idt[VEC_MC].ist = IST_MC;
	struct dtr d = {sizeof idt - 1, (uint64_t)idt};
	__asm__ volatile("lidt %0" ::"m"(d));
}

const void *gdt_table(size_t *size)
{
	*size = sizeof gdt;
	return gdt;
}

const void *idt_table(size_t *size)
{
	*size = sizeof idt;
	return idt;
}

const void *tss_block(size_t *size)
{
	*size = sizeof tss;
	return &tss;
}
