/* The protected regions of this kernel, enumerated at arming from the
 * linker's section symbols and the kernel's own tables. Memory regions are
 * cut so that no byte belongs to two regions (a flipped byte is reported
 * with the type of the one region that holds it). */
#include <kpp/bugcheck.h>
#include <kpp/cpu.h>
#include <kpp/export.h>
#include <kpp/intr.h>
#include <kpp/kernel.h>
#include <kpp/mm.h>
#include <kpp/module.h>
#include <kpp/syscall.h>
#include <kpp/time.h>
#include <kpp/trap.h>
#include "pg.h"

extern const char __exports_start[], __exports_end[];
extern const char __service_table_start[], __service_table_end[];

#define CHUNK 4096ul
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_PAT 0x277
#define MSR_MTRR_DEF_TYPE 0x2FF
#define EFER_LMA (1u << 10)
#define CR0_PE (1ul << 0)
#define CR0_PG (1ul << 31)
#define CR4_PAE (1ul << 5)
#define CR0_DEFINED 0xE005003Ful /* PG, CD, NW, AM, WP, NE, ET, TS, EM, MP, PE */
#define LAPIC_TPR 0x080
#define LAPIC_SVR 0x0F0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_DIV 0x3E0
#define LVT_LINT_MASK 0x10700ul /* mask bit, delivery mode */
#define DIV_MASK 0xBul
#define LVT_TIMER_MASK 0x700FFul /* vector, mask bit, timer mode */
#define SVR_MASK 0x1FFul         /* spurious vector, APIC enable */
#define LAPIC_LVT_THERMAL 0x330
#define LAPIC_LVT_PERF 0x340
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LVT_ALL_MASK 0x1A7FFul   /* mask, trigger, polarity, delivery mode, vector */
#define LVT_ERROR_MASK 0x100FFul /* mask, vector */
#define LVT_LOCAL_MASK 0x107FFul /* thermal, performance counters: mask, delivery mode, vector */

struct builder {
	struct pg_region *out;
	uint32_t n, max;
};

static void add(struct builder *b, uint64_t base, uint64_t size, uint32_t type, uint32_t check, uint64_t mask)
{
	if (b->n == b->max)
		return;
	struct pg_region *r = &b->out[b->n++];
	r->base = base;
	r->size = size;
	r->type = type;
	r->check = check;
	r->mask = mask;
	r->expect = 0;
	r->shadow = PG_NO_SHADOW;
	r->suspect = 0;
}

/* [lo, hi) in CHUNK-aligned pieces. */
static void add_chunked(struct builder *b, uint64_t lo, uint64_t hi, uint32_t type)
{
	while (lo < hi) {
		uint64_t end = (lo & ~(CHUNK - 1)) + CHUNK;
		if (end > hi)
			end = hi;
		add(b, lo, end - lo, type, PG_CHECK_HASH, 0);
		lo = end;
	}
}

uint32_t pg_enumerate(struct pg_region *out, uint32_t max)
{
	struct builder b = {out, 0, max};

	/* Kernel text, PatchGuard's own code included. */
	add_chunked(&b, (uint64_t)__text_start, (uint64_t)__text_end, KPP_PG_FUNCTION);

	/* Read-only data, minus the tables that have their own types. */
	uint64_t cut[3][2] = {
		{(uint64_t)__exports_start, (uint64_t)__exports_end},
		{(uint64_t)__service_table_start, (uint64_t)__service_table_end},
		{(uint64_t)&service_count, (uint64_t)&service_count + sizeof service_count},
	};
	/* Sort the cuts by address (three entries). */
	for (int i = 0; i < 3; i++)
		for (int j = i + 1; j < 3; j++)
			if (cut[j][0] < cut[i][0]) {
				uint64_t t0 = cut[i][0], t1 = cut[i][1];
				cut[i][0] = cut[j][0];
				cut[i][1] = cut[j][1];
				cut[j][0] = t0;
				cut[j][1] = t1;
			}
	uint64_t at = (uint64_t)__rodata_start;
	for (int i = 0; i < 3; i++) {
		if (cut[i][0] > at)
			add_chunked(&b, at, cut[i][0], KPP_PG_GENERIC_DATA);
		if (cut[i][1] > at)
			at = cut[i][1];
	}
	add_chunked(&b, at, (uint64_t)__rodata_end, KPP_PG_GENERIC_DATA);

	/* The system service table, its limit, and the export table. */
	add(&b, (uint64_t)service_table, service_count * sizeof(service_fn), KPP_PG_SERVICE_TABLE,
	    PG_CHECK_SERVICE, 0);
	add(&b, (uint64_t)&service_count, sizeof service_count, KPP_PG_SERVICE_TABLE, PG_CHECK_HASH, 0);
	add(&b, (uint64_t)__exports_start, (uint64_t)(__exports_end - __exports_start), KPP_PG_IMPORT_TABLE,
	    PG_CHECK_HASH, 0);

	/* What the kernel decided at start-up about the processor's
	 * protections and never changes after: whether trap entry clears
	 * RFLAGS.AC (smap_enabled: cleared, a trap taken inside copy_user's
	 * STAC window runs its handler with SMAP off) and the features it
	 * found (cpu_features: copy_user's STAC/CLAC, the threads' FPU save
	 * areas) (A100). Written before arming; plain .bss, so hashed here. */
	add(&b, (uint64_t)&cpu_features, sizeof cpu_features, KPP_PG_GENERIC_DATA, PG_CHECK_HASH, 0);
	add(&b, (uint64_t)&smap_enabled, sizeof smap_enabled, KPP_PG_GENERIC_DATA, PG_CHECK_HASH, 0);

	/* The bug-check and debug-trap routine pointers. */
	add(&b, (uint64_t)&debug_routines, sizeof debug_routines, KPP_PG_DEBUG_ROUTINE, PG_CHECK_POINTERS, 0);

	/* Descriptor tables. */
	size_t size;
	const void *t = idt_table(&size);
	add(&b, (uint64_t)t, size, KPP_PGIDT, PG_CHECK_IDT, 0);
	t = gdt_table(&size);
	add(&b, (uint64_t)t, size, KPP_PGGDT, PG_CHECK_GDT, 0);

	/* Critical MSRs. */
	add(&b, MSR_EFER, 0, KPP_PG_CRITICAL_MSR, PG_CHECK_MSR, EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE);
	add(&b, MSR_STAR, 0, KPP_PG_CRITICAL_MSR, PG_CHECK_MSR, ~0ull);
	add(&b, MSR_LSTAR, 0, KPP_PG_CRITICAL_MSR, PG_CHECK_MSR, ~0ull);
	add(&b, MSR_CSTAR, 0, KPP_PG_CRITICAL_MSR, PG_CHECK_MSR, ~0ull);
	add(&b, MSR_FMASK, 0, KPP_PG_CRITICAL_MSR, PG_CHECK_MSR, ~0ull);
	add(&b, MSR_SYSENTER_CS, 0, KPP_PG_CRITICAL_MSR, PG_CHECK_MSR, ~0ull);
	add(&b, MSR_SYSENTER_ESP, 0, KPP_PG_CRITICAL_MSR, PG_CHECK_MSR, ~0ull);
	add(&b, MSR_SYSENTER_EIP, 0, KPP_PG_CRITICAL_MSR, PG_CHECK_MSR, ~0ull);
	/* The per-CPU block (the SYSCALL entry's stack pointer): in the
	 * kernel the GS base is the block and the program's GS base, which
	 * SWAPGS keeps in KERNEL_GS_BASE, is 0 (nothing gives a program
	 * another). Not from the NMI, which may land between an entry and its
	 * SWAPGS. */
	add(&b, MSR_GS_BASE, 0, KPP_PG_CRITICAL_MSR, PG_CHECK_MSR, ~0ull);
	add(&b, MSR_KERNEL_GS_BASE, 0, KPP_PG_CRITICAL_MSR, PG_CHECK_MSR, ~0ull);
	/* The memory types, where CPUID advertises them: IA32_PAT (the type
	 * each page-table entry's PAT, PCD and PWT bits select) and
	 * IA32_MTRR_DEF_TYPE (the ranges on, the default type). Nothing in the
	 * kernel changes either after start-up (A156). */
	if (cpu_features.pat)
		add(&b, MSR_PAT, 0, KPP_PG_CRITICAL_MSR, PG_CHECK_MSR, ~0ull);
	if (cpu_features.mtrr)
		add(&b, MSR_MTRR_DEF_TYPE, 0, KPP_PG_CRITICAL_MSR, PG_CHECK_MSR, ~0ull);

	/* Control registers: every bit as armed (nothing in the kernel changes
	 * them later; PatchGuard's own CR4.PGE toggle and CR0.WP repair hold
	 * the NMI off), not only the protection bits: the others decide what
	 * ring 3 may do (CR4.PCE, TSD, OSFXSR, CR0.AM, EM, TS) and how the
	 * processor runs (CR0.CD, NW) (A99). */
	add(&b, 0, 0, KPP_PG_CONTROL_REGISTER, PG_CHECK_CR, CR0_DEFINED);
	add(&b, 4, 0, KPP_PG_CONTROL_REGISTER, PG_CHECK_CR, ~0ull);
	/* DR7 (base 7): no breakpoint enabled and no general detect, as the
	 * kernel leaves it (A115; pg.h). */
	add(&b, 7, 0, KPP_PG_CONTROL_REGISTER, PG_CHECK_CR, PG_DR7_OWNED);

	/* The local APIC: the tick (LVT timer, initial count, divide), the task
	 * priority that would hold it off, LINT0 (the PIC's virtual wire, which
	 * the watchdog's interrupt takes) and the spurious vector. */
	if (lapic_present) {
		add(&b, LAPIC_LVT_TIMER, 4, KPP_PG_LOCAL_APIC, PG_CHECK_LAPIC, LVT_TIMER_MASK);
		add(&b, LAPIC_TIMER_INIT, 4, KPP_PG_LOCAL_APIC, PG_CHECK_LAPIC, 0xFFFFFFFFul);
		add(&b, LAPIC_TIMER_DIV, 4, KPP_PG_LOCAL_APIC, PG_CHECK_LAPIC, DIV_MASK);
		add(&b, LAPIC_TPR, 4, KPP_PG_LOCAL_APIC, PG_CHECK_LAPIC, 0xFFul);
		add(&b, LAPIC_LVT_LINT0, 4, KPP_PG_LOCAL_APIC, PG_CHECK_LAPIC, LVT_LINT_MASK);
		add(&b, LAPIC_SVR, 4, KPP_PG_LOCAL_APIC, PG_CHECK_LAPIC, SVR_MASK);
		add(&b, LAPIC_LVT_LINT1, 4, KPP_PG_LOCAL_APIC, PG_CHECK_LAPIC, LVT_ALL_MASK);
		add(&b, LAPIC_LVT_ERROR, 4, KPP_PG_LOCAL_APIC, PG_CHECK_LAPIC, LVT_ERROR_MASK);
		add(&b, LAPIC_LVT_THERMAL, 4, KPP_PG_LOCAL_APIC, PG_CHECK_LAPIC, LVT_LOCAL_MASK);
		add(&b, LAPIC_LVT_PERF, 4, KPP_PG_LOCAL_APIC, PG_CHECK_LAPIC, LVT_LOCAL_MASK);
	}

	/* The second-level dispatch behind the IDT (the PIC lines' and the
	 * local-APIC vectors' handlers), and the housekeeping functions the
	 * piggy-back trigger is one of, with their count: all registered
	 * before arming, every entry in kernel text. */
	size_t pic_size, vec_size, hk_size;
	const void *vec;
	const void *pic = irq_handler_tables(&pic_size, &vec, &vec_size);
	add(&b, (uint64_t)pic, pic_size, KPP_PG_INTERRUPT_DISPATCH, PG_CHECK_POINTERS, 0);
	add(&b, (uint64_t)vec, vec_size, KPP_PG_INTERRUPT_DISPATCH, PG_CHECK_POINTERS, 0);
	const unsigned *hk_count;
	const void *hk = housekeeping_table(&hk_size, &hk_count);
	add(&b, (uint64_t)hk, hk_size, KPP_PG_CHECKER_CONTEXT, PG_CHECK_POINTERS, 0);
	add(&b, (uint64_t)hk_count, sizeof *hk_count, KPP_PG_CHECKER_CONTEXT, PG_CHECK_HASH, 0);
	/* The NMI's instruction-fetch probe sites (nmi.c). */
	size_t probe_size;
	const void *probe = pg_probe_table(&probe_size);
	add(&b, (uint64_t)probe, probe_size, KPP_PG_CHECKER_CONTEXT, PG_CHECK_HASH, 0);

	/* Loaded modules and their driver objects. */
	add(&b, (uint64_t)&module_list, 0, KPP_PG_LOADED_MODULE_LIST, PG_CHECK_MODLIST, 0);
	add(&b, (uint64_t)module_table, 0, KPP_PG_DRIVER_OBJECT, PG_CHECK_DRVOBJ, 0);
	add(&b, (uint64_t)&timer_queue, 0, KPP_PG_LOADED_MODULE_LIST, PG_CHECK_HIDDEN_CODE, 0);
	pg_modtext_enroll(b.out, &b.n, b.max);
	pg_enumerate_processes(b.out, &b.n, b.max);
	pg_enumerate_threads(b.out, &b.n, b.max);
	pg_enumerate_translation(b.out, &b.n, b.max);
	return b.n;
}

uint64_t pg_region_kind(const struct pg_region *r)
{
	switch (r->check) {
	case PG_CHECK_MSR: return KPP_PG_KIND_MSR;
	case PG_CHECK_CR: return KPP_PG_KIND_CR;
	case PG_CHECK_LAPIC: return KPP_PG_KIND_LAPIC;
	case PG_CHECK_MODLIST:
	case PG_CHECK_DRVOBJ:
	case PG_CHECK_PROCLIST:
	case PG_CHECK_HANDLELIST:
	case PG_CHECK_PROTECTED:
	case PG_CHECK_RSP0:
	case PG_CHECK_ASPACES:
	case PG_CHECK_THREADS:
	case PG_CHECK_HIDDEN_CODE: return KPP_PG_KIND_CROSS_WALK;
	case PG_CHECK_SEALED:
	case PG_CHECK_MODTEXT: return KPP_PG_KIND_SEALED;
	}
	return KPP_PG_KIND_MEMORY;
}
