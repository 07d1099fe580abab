/* Address translation (region type 0x111, ours) and the TSS body (0x112).
 *
 * Page tables. The kernel image's mappings are made once by vm_init and
 * never change; PatchGuard hashes, in the page-table pages themselves:
 *  - every PTE of the image ([__kernel_start, __kernel_end)), and checks
 *    each one's meaning: present, supervisor, the frame the image lies
 *    at, text not writable, everything else no-execute (W^X in the PTEs,
 *    not only CR0.WP);
 *  - the page-directory and page-directory-pointer entries above them;
 *  - the kernel half of the kernel's PML4 (entries 256-511, which every
 *    address space copies), and the direct map's page-directory entries
 *    (RW and NX: no executable alias of any RAM page);
 * the accessed and dirty bits, which the CPU sets, are left out of the
 * hashes. A cross-walk compares the kernel half of every process's PML4
 * with the kernel's. Each pass starts by flushing the whole TLB, global
 * entries included (CR4.PGE off and on), so a translation cached before a
 * page-table entry was put back (a split code/data view) lives no longer
 * than the next pass, whose timing nothing in memory announces.
 *
 * TSS. The IST pointers, RSP1/RSP2 and the I/O-permission map base (which,
 * moved inside the TSS limit, would hand ring 3 the ports whose bits read
 * zero there) are hashed; the map itself, every bit set by construction
 * to the TSS's limit (A152), is checked for all ones, not hashed (8 KiB,
 * a seventh of the cost); RSP0 changes at every thread switch and must be
 * the current thread's kernel stack top, as must the per-CPU block's SYSCALL
 * stack pointer, and every thread's stack top must be one of the kernel's
 * stacks. */
#include <kpp/cpu.h>
#include <kpp/kernel.h>
#include <kpp/mm.h>
#include <kpp/sched.h>
#include <kpp/syscall.h>
#include <kpp/trap.h>
#include "pg.h"

#define PTE_HW_BITS (PTE_A | PTE_D) /* set by the CPU */
#define KERNEL_PML4_FIRST 256
#define IDX(va, level) (((va) >> (12 + 9 * (level))) & 511)
#define LARGE_PAGE (2ull << 20)
#define CHUNK_WORDS 32
#define TSS_RSP0 4
#define TSS_BODY 12 /* RSP1 onwards */
#define TSS_MAP 104 /* the I/O-permission map (kernel/gdt.c: every bit set, to the limit) */

static void add(struct pg_region *out, uint32_t *n, uint32_t max, uint64_t base, uint64_t size, uint32_t type,
		uint32_t check, uint64_t mask)
{
	if (*n == max)
		return;
	struct pg_region *r = &out[(*n)++];
	r->base = base;
	r->size = size;
	r->type = type;
	r->check = check;
	r->mask = mask;
	r->expect = 0;
	r->shadow = PG_NO_SHADOW;
	r->suspect = 0;
}

static uint64_t *table_of(uint64_t entry) { return phys_to_virt(entry & PTE_ADDR); }

/* Is the entry at addr part of a page-table region already? */
static bool enrolled(const struct pg_region *out, uint32_t first, uint32_t n, uint64_t addr)
{
	for (uint32_t i = first; i < n; i++)
		if (out[i].check == PG_CHECK_PTES && addr >= out[i].base && addr < out[i].base + out[i].size)
			return true;
	return false;
}

/* The PDPT entry, PD entry and PTE that map the register page at va (the
 * PML4 entry is in the kernel half): pointed at RAM, they would hand the
 * checks that read the registers values of the attacker's choosing. */
static void add_mapping(struct pg_region *out, uint32_t first, uint32_t *n, uint32_t max, uint64_t va)
{
	uint64_t *t = phys_to_virt(kernel_cr3);
	for (int level = 3; level >= 0; level--) {
		uint64_t *e = &t[IDX(va, level)];
		if (level < 3 && !enrolled(out, first, *n, (uint64_t)e))
			add(out, n, max, (uint64_t)e, 8, KPP_PG_PAGE_TABLES, PG_CHECK_PTES, 0);
		if (!(*e & PTE_P) || (level && (*e & PTE_PS)))
			return;
		t = table_of(*e);
	}
}

void pg_enumerate_translation(struct pg_region *out, uint32_t *n, uint32_t max)
{
	uint64_t *pml4 = phys_to_virt(kernel_cr3);
	uint32_t first = *n;
	add(out, n, max, (uint64_t)&pml4[KERNEL_PML4_FIRST], (512 - KERNEL_PML4_FIRST) * 8, KPP_PG_PAGE_TABLES,
	    PG_CHECK_PTES, 0);
	/* The image: its PDPT entry, PD entries and PTEs, one PT page at a time. */
	uint64_t va = (uint64_t)__kernel_start & ~(uint64_t)(PAGE_SIZE - 1), end = (uint64_t)__kernel_end;
	uint64_t *pdpt = table_of(pml4[IDX(va, 3)]);
	add(out, n, max, (uint64_t)&pdpt[IDX(va, 2)], 8, KPP_PG_PAGE_TABLES, PG_CHECK_PTES, 0);
	uint64_t *pd = table_of(pdpt[IDX(va, 2)]);
	while (va < end) {
		uint64_t stop = (va & ~(LARGE_PAGE - 1)) + LARGE_PAGE;
		if (stop > end)
			stop = ALIGN_UP(end, PAGE_SIZE);
		add(out, n, max, (uint64_t)&pd[IDX(va, 1)], 8, KPP_PG_PAGE_TABLES, PG_CHECK_PTES, 0);
		uint64_t *pt = table_of(pd[IDX(va, 1)]);
		add(out, n, max, (uint64_t)&pt[IDX(va, 0)], (stop - va) / PAGE_SIZE * 8, KPP_PG_PAGE_TABLES, PG_CHECK_PTES,
		    va);
		va = stop;
	}
	/* The direct map: its PDPT entries (one per GiB of RAM) and their 2 MiB
	 * entries (RAM in use is mapped from physical 0 up). */
	uint64_t dm = KPP_DIRECT_MAP_BASE;
	uint64_t *dpdpt = table_of(pml4[IDX(dm, 3)]);
	uint32_t gibs = 0;
	while (gibs < 512 && (dpdpt[IDX(dm, 2) + gibs] & PTE_P) && !(dpdpt[IDX(dm, 2) + gibs] & PTE_PS))
		gibs++;
	if (gibs)
		add(out, n, max, (uint64_t)&dpdpt[IDX(dm, 2)], gibs * 8, KPP_PG_PAGE_TABLES, PG_CHECK_PTES, 0);
	for (uint32_t g = 0; g < gibs; g++) {
		uint64_t *dpd = table_of(dpdpt[IDX(dm, 2) + g]);
		uint32_t large = 0;
		while (large < 512 && (dpd[large] & PTE_P) && (dpd[large] & PTE_PS))
			large++;
		if (large)
			add(out, n, max, (uint64_t)dpd, large * 8, KPP_PG_PAGE_TABLES, PG_CHECK_PTES, 0);
	}
	/* A double-fault path that runs without any of these translations. */
	pg_rescue_enroll(out, first, n, max);
	/* The local APIC's and the I/O APIC's register pages, as mapped. */
	if (pg.lapic_mmio)
		add_mapping(out, first, n, max, (uint64_t)pg.lapic_mmio & ~(uint64_t)(PAGE_SIZE - 1));
	if (pg.ioapic)
		add_mapping(out, first, n, max, (uint64_t)pg.ioapic & ~(uint64_t)(PAGE_SIZE - 1));
	/* Every address space's copy of the kernel half. */
	pg_enumerate_address_spaces(out, n, max);
	/* The TSS. */
	size_t size;
	const uint8_t *tss = tss_block(&size);
	add(out, n, max, (uint64_t)tss + TSS_BODY, TSS_MAP - TSS_BODY, KPP_PG_TASK_STATE, PG_CHECK_HASH, 0);
	add(out, n, max, (uint64_t)tss + TSS_MAP, size - TSS_MAP, KPP_PG_TASK_STATE, PG_CHECK_ONES, 0);
	add(out, n, max, (uint64_t)tss + TSS_RSP0, 0, KPP_PG_TASK_STATE, PG_CHECK_RSP0, 0);
}

/* Keyed hash of the entries with the CPU-maintained bits cleared. */
uint64_t pg_pte_hash(const struct pg_context *c, const struct pg_region *r)
{
	const uint64_t *e = (const uint64_t *)r->base;
	uint64_t n = r->size / 8, h = 0, buf[CHUNK_WORDS];
	for (uint64_t i = 0; i < n; i += CHUNK_WORDS) {
		uint64_t k = n - i < CHUNK_WORDS ? n - i : CHUNK_WORDS;
		for (uint64_t j = 0; j < k; j++)
			buf[j] = e[i + j] & ~PTE_HW_BITS;
		h = pg_mix64(h ^ pg_siphash(c->key, buf, k * 8));
	}
	return h;
}

/* What each PTE of the image must say (r->mask: the first entry's address). */
static bool pte_meaning(const struct pg_region *r, uint64_t *addr)
{
	const uint64_t *e = (const uint64_t *)r->base;
	bool nx = rdmsr(MSR_EFER) & EFER_NXE;
	for (uint64_t i = 0; i < r->size / 8; i++) {
		uint64_t va = r->mask + i * PAGE_SIZE, pte = e[i];
		bool text = va >= (uint64_t)__text_start && va < (uint64_t)__text_end;
		bool data = va >= (uint64_t)__data_start;
		bool bad = !(pte & PTE_P) || (pte & PTE_U) || (pte & PTE_ADDR) != KERNEL_PHYS(va) ||
			   (text && (pte & (PTE_W | PTE_NX))) || (!text && nx && !(pte & PTE_NX)) ||
			   (!data && (pte & PTE_W));
		if (bad) {
			*addr = (uint64_t)&e[i];
			return true;
		}
	}
	return false;
}

/* The entries as sealed: the shadow copy (the CPU's accessed and dirty
 * bits taken from the live entry). */
static uint64_t sealed_entry(const struct pg_context *c, const struct pg_region *r, uint64_t i, uint64_t live)
{
	return (pg_shadow_word(c, r->shadow + i * 8) & ~PTE_HW_BITS) | (live & PTE_HW_BITS);
}

/* The first entry whose meaningful bits differ from the shadow copy. */
bool pg_check_ptes(const struct pg_context *c, const struct pg_region *r, uint64_t *addr)
{
	if (r->mask && pte_meaning(r, addr))
		return true;
	if (pg_pte_hash(c, r) == r->expect)
		return false;
	*addr = r->base;
	if (r->shadow != PG_NO_SHADOW && c->shadow) {
		const uint64_t *e = (const uint64_t *)r->base;
		for (uint64_t i = 0; i < r->size / 8; i++)
			if (e[i] != sealed_entry(c, r, i, e[i])) {
				*addr = (uint64_t)&e[i];
				break;
			}
	}
	return true;
}

/* A page-table region that failed its check: its entries go back to what
 * was sealed and the TLB is flushed before anything reports it, since the
 * report and the stop path run through those translations (a flipped
 * entry above the kernel image leaves no kernel code to run once its last
 * cached translation is gone). */
void pg_ptes_repair(const struct pg_context *c, const struct pg_region *r)
{
	if (r->check != PG_CHECK_PTES || r->shadow == PG_NO_SHADOW || !c || !c->shadow)
		return;
	volatile uint64_t *e = (volatile uint64_t *)r->base;
	for (uint64_t i = 0; i < r->size / 8; i++) {
		uint64_t live = e[i], want = sealed_entry(c, r, i, live);
		if (live != want)
			e[i] = want;
	}
	pg_flush_tlb();
}

bool pg_check_rsp0(const struct pg_region *r, uint64_t *addr)
{
	const struct thread *t = current_thread();
	uint64_t rsp0;
	__builtin_memcpy(&rsp0, (const void *)r->base, 8);
	*addr = r->base;
	if (!t)
		return false;
	if (rsp0 != t->stack_top)
		return true;
	if (percpu.kernel_rsp != rsp0) {
		*addr = (uint64_t)&percpu.kernel_rsp;
		return true;
	}
	return pg_thread_stacks_bad(addr);
}

/* Bring a page's translation back into the TLB. */
static void touch(const void *p) { (void)*(const volatile uint8_t *)p; }

/* Flush every translation, global ones included. The IDT, the GDT and the
 * TSS, which delivering an exception reads before any handler runs, are
 * read again before interrupts are back on: an entry above them flipped
 * later then finds their translations cached, and the double fault that
 * follows reaches the rescue path instead of shutting the processor down. */
void pg_flush_tlb(void)
{
	uint64_t f = irq_save();
	uint64_t cr4 = read_cr4();
	if (cr4 & CR4_PGE) {
		pg.hold++; /* the NMI watchdog's CR4 compare waits */
		write_cr4(cr4 & ~CR4_PGE);
		write_cr4(cr4);
		pg.hold--;
	} else {
		write_cr3(read_cr3());
	}
	pg_touch_tables();
	irq_restore(f);
}

/* The IDT, the GDT and the TSS's header (its RSP0 and IST stacks), every
 * page of them: what delivering an exception reads before any handler
 * runs. After each flush, and again at the end of each pass, whose walks
 * (the hidden-code check reads every page-table page) may have put other
 * pages in their TLB sets. */
void pg_touch_tables(void)
{
	size_t size;
	const uint8_t *t = idt_table(&size);
	touch(t);
	touch(t + size - 1);
	t = gdt_table(&size);
	touch(t);
	touch(t + size - 1);
	t = tss_block(&size);
	touch(t);
	touch(t + 103);
}
