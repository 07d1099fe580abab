/* A double-fault path that does not run on the translations it checks
 * (rescue_df.S). A bit flipped in a page-table entry above the kernel image
 * (its PML4, PDPT or PD entry, or the PTE of a page the exception path
 * uses) unmaps the kernel's code at once: while its translations stay
 * cached the kernel runs on, and at the first miss no exception handler
 * can be fetched. The page faults that follow exhaust the stack and end in
 * a double fault, which the IDT sends to a copy of rescue_df.S's page mapped
 * under a kernel-half PML4 entry of its own (chosen at random among the
 * unused ones, so its tables are shared by every address space), on an
 * IST stack in that same mapping. Beside the code it maps the sealed
 * values of every page-table entry PatchGuard protects and the page-table
 * pages holding them, so it can compare and put them back without any of
 * the kernel's own translations; then the kernel's code runs again and
 * reports the entry (pg_rescued).
 *
 * The mapping is announced and sealed like the kernel's: its PDPT, PD and
 * PT entries as page-table regions, the block of sealed values as a hashed
 * region, and the double-fault gate's target is checked to be this entry
 * and no other. */
#include <kpp/cpu.h>
#include <kpp/kernel.h>
#include <kpp/mm.h>
#include <kpp/string.h>
#include <kpp/trap.h>
#include "pg.h"

#define KERNEL_PML4_FIRST 256
#define IDX(va, level) (((va) >> (12 + 9 * (level))) & 511)
#define RESCUE_STACK_PAGES (KPP_KERNEL_STACK_SIZE / PAGE_SIZE)
#define RESCUE_DATA_PAGES 8
#define RESCUE_TABLES 16 /* page-table pages the rescue can reach */

extern const char pg_rescue_start[], pg_rescue_end[];
void pg_rescue_df(void);

struct pg_rescue_run {
	uint64_t alias;  /* the first entry, through the rescue mapping */
	uint64_t real;   /* the same entry where PatchGuard reads it (the region's address) */
	uint64_t count;
	uint64_t values; /* the sealed values, through the rescue mapping */
};

struct pg_rescue_data {
	uint64_t normal; /* the kernel's own double-fault entry */
	uint64_t report; /* pg_rescued */
	uint64_t cr3;    /* the kernel's page tables */
	uint64_t nruns;
	struct pg_rescue_run run[];
};

static struct {
	uint64_t va;            /* the mapping's base (the code page) */
	uint64_t *pdpt_entry, *pd_entry, *pt;
	uint32_t pt_used;       /* PT entries in use */
	struct pg_rescue_data *data;   /* the block, through the direct map */
	uint64_t data_bytes;
	uint64_t tables[RESCUE_TABLES]; /* physical page-table pages mapped */
	uint64_t table_va[RESCUE_TABLES];
	uint32_t ntables;
} rescue;

uint64_t pg_rescue_entry; /* the double-fault gate's target, 0 when not installed */

/* Is va the rescue mapping's code page (the one executable page of the
 * kernel half outside kernel and driver text)? */
bool pg_rescue_code(uint64_t va) { return pg_rescue_entry && va == rescue.va; }

static uint64_t *table_of(uint64_t entry) { return phys_to_virt(entry & PTE_ADDR); }

/* No-execute where the CPU has it (the bit is reserved otherwise). */
static uint64_t nx(void) { return rdmsr(MSR_EFER) & EFER_NXE ? PTE_NX : 0; }

/* Eight entries per step: arming scans the PDPT of every kernel-half
 * PML4 entry (a quarter of a million qwords). */
static bool empty(const uint64_t *table)
{
	for (int i = 0; i < 512; i += 8)
		if (table[i] | table[i + 1] | table[i + 2] | table[i + 3] | table[i + 4] | table[i + 5] | table[i + 6] |
		    table[i + 7])
			return false;
	return true;
}

static uint64_t pt_map(uint64_t pa, uint64_t flags)
{
	uint32_t i = rescue.pt_used++;
	rescue.pt[i] = (pa & PTE_ADDR) | flags | (read_cr4() & CR4_PGE ? PTE_G : 0);
	return rescue.va + (uint64_t)i * PAGE_SIZE;
}

/* The rescue mapping's address of the qword at physical pa. */
static uint64_t alias_of(uint64_t pa)
{
	uint64_t page = pa & PTE_ADDR;
	for (uint32_t i = 0; i < rescue.ntables; i++)
		if (rescue.tables[i] == page)
			return rescue.table_va[i] + (pa & (PAGE_SIZE - 1));
	if (rescue.ntables == RESCUE_TABLES || rescue.pt_used == 512)
		return 0;
	rescue.tables[rescue.ntables] = page;
	rescue.table_va[rescue.ntables] = pt_map(page, PTE_P | PTE_W | nx());
	return rescue.table_va[rescue.ntables++] + (pa & (PAGE_SIZE - 1));
}

/* Build the mapping: code, data block, guard, stack, guard; the page-table
 * pages follow as pg_rescue_enroll finds them. */
static bool build(void)
{
	if ((uint64_t)(pg_rescue_end - pg_rescue_start) > PAGE_SIZE || ((uint64_t)pg_rescue_start & (PAGE_SIZE - 1)))
		return false;
	uint64_t *pml4 = phys_to_virt(kernel_cr3);
	uint16_t candidate[512 - KERNEL_PML4_FIRST];
	uint32_t candidates = 0;
	for (int i = KERNEL_PML4_FIRST; i < 512; i++)
		if ((pml4[i] & PTE_P) && !(pml4[i] & PTE_PS) && empty(table_of(pml4[i])))
			candidate[candidates++] = (uint16_t)i;
	if (!candidates)
		return false;
	int slot = candidate[pg_uniform(&pg.rng, 0, candidates - 1)];
	/* Every other empty slot is made not present, here and in every
	 * address space's copy (A150): the kernel maps nothing there, so a
	 * mapping added under one changes the kernel half of the PML4, which
	 * is hashed, and the walk of the kernel half's executable pages (the
	 * hidden-code check) reads three PDPTs, not 256. The PDPT pages stay
	 * allocated, zero, so no later allocation moves. */
	for (uint32_t i = 0; i < candidates; i++)
		if (candidate[i] != slot) {
			pml4[candidate[i]] = 0;
			pg_aspaces_drop(candidate[i]);
		}
	uint64_t pdi = pg_uniform(&pg.rng, 0, 511), pdei = pg_uniform(&pg.rng, 0, 511);
	uint64_t pd_pa = frame_alloc(), pt_pa = frame_alloc(), data_pa = frame_alloc_contig(RESCUE_DATA_PAGES);
	if (!pd_pa || !pt_pa || !data_pa)
		return false;
	rescue.va = 0xFFFF000000000000ull | (uint64_t)slot << 39 | pdi << 30 | pdei << 21;
	rescue.pdpt_entry = &table_of(pml4[slot])[pdi];
	rescue.pd_entry = &((uint64_t *)phys_to_virt(pd_pa))[pdei];
	rescue.pt = phys_to_virt(pt_pa);
	rescue.data = phys_to_virt(data_pa);
	pt_map(KERNEL_PHYS(pg_rescue_start), PTE_P); /* code: read, execute */
	for (int i = 0; i < RESCUE_DATA_PAGES; i++)
		pt_map(data_pa + (uint64_t)i * PAGE_SIZE, PTE_P | nx());
	rescue.pt_used++; /* guard */
	uint64_t stack_top = 0;
	for (uint64_t i = 0; i < RESCUE_STACK_PAGES; i++) {
		uint64_t pa = frame_alloc();
		if (!pa)
			return false;
		stack_top = pt_map(pa, PTE_P | PTE_W | nx()) + PAGE_SIZE;
	}
	rescue.pt_used++; /* guard */
	*rescue.pd_entry = pt_pa | PTE_P | PTE_W;
	*rescue.pdpt_entry = pd_pa | PTE_P | PTE_W;

	struct pg_rescue_data *d = rescue.data;
	d->normal = (uint64_t)isr_stubs + 16 * VEC_DF;
	d->report = (uint64_t)pg_rescued;
	d->cr3 = kernel_cr3;
	d->nruns = 0;
	rescue.data_bytes = sizeof *d;
	pg_rescue_entry = rescue.va + ((uint64_t)pg_rescue_df - (uint64_t)pg_rescue_start);
	uint64_t f = irq_save();
	tss_set_ist(IST_DF, stack_top);
	idt_set_gate(VEC_DF, pg_rescue_entry, IST_DF, 0);
	irq_restore(f);
	return true;
}

static void add(struct pg_region *out, uint32_t *n, uint32_t max, uint64_t base, uint64_t size, uint32_t check)
{
	if (*n == max)
		return;
	struct pg_region *r = &out[(*n)++];
	memset(r, 0, sizeof *r);
	r->base = base;
	r->size = size;
	r->type = KPP_PG_PAGE_TABLES;
	r->check = check;
	r->shadow = PG_NO_SHADOW;
}

/* Regions [first, *n) are the page-table entries to rescue: copy their
 * values into the block, map the pages holding them, and enrol the
 * mapping itself. */
void pg_rescue_enroll(struct pg_region *out, uint32_t first, uint32_t *n, uint32_t max)
{
	if (!build())
		return;
	struct pg_rescue_data *d = rescue.data;
	uint64_t data_va = rescue.va + PAGE_SIZE, limit = RESCUE_DATA_PAGES * PAGE_SIZE;
	uint32_t runs = 0;
	for (uint32_t i = first; i < *n; i++)
		runs += out[i].check == PG_CHECK_PTES;
	uint64_t values = sizeof *d + runs * sizeof(struct pg_rescue_run);
	for (uint32_t i = first; i < *n; i++) {
		const struct pg_region *r = &out[i];
		if (r->check != PG_CHECK_PTES)
			continue;
		/* A region lies in one page-table page (enumerated that way). */
		uint64_t pa = virt_to_phys((const void *)r->base), alias = alias_of(pa), count = r->size / 8;
		if (!alias || values + r->size > limit || (pa & (PAGE_SIZE - 1)) + r->size > PAGE_SIZE)
			continue;
		struct pg_rescue_run *run = &d->run[d->nruns++];
		run->alias = alias;
		run->real = r->base;
		run->count = count;
		run->values = data_va + values;
		memcpy((uint8_t *)d + values, (const void *)r->base, r->size);
		values += r->size;
	}
	rescue.data_bytes = values;
	/* The mapping: its PDPT and PD entries, its PTEs, the sealed block. */
	add(out, n, max, (uint64_t)rescue.pdpt_entry, 8, PG_CHECK_PTES);
	add(out, n, max, (uint64_t)rescue.pd_entry, 8, PG_CHECK_PTES);
	add(out, n, max, (uint64_t)rescue.pt, (uint64_t)rescue.pt_used * 8, PG_CHECK_PTES);
	add(out, n, max, (uint64_t)d, rescue.data_bytes, PG_CHECK_HASH);
}

/* The same comparison for the kernel's stop path (pg_last_chance), before
 * PatchGuard reads anything through the direct map, which may be what
 * broke: the entries and their sealed values are read through the rescue
 * mapping. */
void pg_rescue_check(void)
{
	if (!pg_rescue_entry)
		return;
	const struct pg_rescue_data *d = (const struct pg_rescue_data *)(rescue.va + PAGE_SIZE);
	uint64_t first = 0;
	for (uint64_t k = 0; k < d->nruns; k++) {
		const struct pg_rescue_run *run = &d->run[k];
		volatile uint64_t *e = (volatile uint64_t *)run->alias;
		const uint64_t *want = (const uint64_t *)run->values;
		for (uint64_t i = 0; i < run->count; i++) {
			uint64_t live = e[i];
			if (!((live ^ want[i]) & ~(uint64_t)(PTE_A | PTE_D)))
				continue;
			if (!first)
				first = run->real + i * 8;
			e[i] = (want[i] & ~(uint64_t)(PTE_A | PTE_D)) | (live & (PTE_A | PTE_D));
		}
	}
	if (!first)
		return;
	write_cr3(d->cr3);
	pg_flush_tlb();
	pg_rescued(first);
}

/* rescue_df.S put back the entries and found addr (a protected entry) changed. */
NORETURN void pg_rescued(uint64_t addr) { pg_fail(&rescue, addr, KPP_PG_PAGE_TABLES); }

/* A window onto physical memory that no view of the page tables can fake
 * (A110, A111). Every read PatchGuard makes goes through translations: a
 * page's kernel address, the direct map, the rescue mapping. A driver can
 * point any of them at a copy, in the TLB alone (a translation cached and
 * its entry put back, A98) or in the tables themselves with the view of
 * the tables (the direct map's mapping of their pages) pointed at copies
 * that read as armed. Only the processor's own walk reads physical
 * memory. So the window is two free entries of the rescue mapping's page
 * table, drawn at this moment: one mapping that page table itself, one
 * the frame wanted, each with random bits in the bits the walk ignores,
 * written through the direct map; both translations dropped; then the
 * first is read back through itself. It holds both fresh values only when
 * the walk reached the page the writes reached, so the second entry the
 * walk uses is the one just written: reads through it are the frame's.
 * A view that sends the writes to a copy of the table, or a walk that
 * goes to a table of its own, reads back something else: 0x109 type
 * 0x111. Runs with interrupts masked and NMIs blocked (the NMI): nothing
 * else runs between the writes and the reads. */
#define WINDOW_BITS 0x07F0000000000E00ull /* 9-11 and 52-58: ignored by the walk */
static uint32_t win_a, win_b;

/* The TLB sets (kppemu's: 256, by the page number's low bits) of the
 * pages the NMI compares (nmi.c sets them at arming): a window in one of
 * them drops a split of that page before its turn comes. */
uint64_t pg_window_sets[4];

static uint32_t window_slot(uint64_t r, uint64_t avoid, uint32_t other)
{
	uint32_t first = rescue.pt_used, s = first + (uint32_t)(r % (512 - first));
	/* Not the TLB set of avoid (the address compared with the window: a
	 * translation of the same set would drop it), nor of another page
	 * compared, nor the other slot. */
	for (uint32_t n = 0; n < 512; n++) {
		uint32_t set = ((rescue.va >> 12) + s) & 255;
		if (s != other && set != ((avoid >> 12) & 255) && !(pg_window_sets[set / 64] >> (set % 64) & 1))
			break;
		s = s + 1 < 512 ? s + 1 : first;
	}
	return s;
}

/* The window's address onto frame (flags: PTE_W or 0), 0 when there is no
 * rescue mapping; r is fresh entropy. pg_window_close ends it. */
volatile uint64_t *pg_window_open(uint64_t frame, uint64_t flags, uint64_t r, uint64_t avoid)
{
	if (!pg_rescue_entry || rescue.pt_used + 2 > 512)
		return NULL;
	/* r is fresh entropy, already mixed: its bits pick both slots and
	 * the random bits of both entries. */
	uint32_t a = window_slot(r, avoid, 512), b = window_slot(r >> 21, avoid, a);
	uint64_t pt_pa = (uint64_t)rescue.pt - KPP_DIRECT_MAP_BASE, x = r ^ r >> 29;
	uint64_t ea = pt_pa | PTE_P | nx() | (x & WINDOW_BITS);
	uint64_t eb = (frame & PTE_ADDR) | PTE_P | (flags & PTE_W) | nx() | ((x >> 3) & WINDOW_BITS);
	volatile uint64_t *pt = rescue.pt;
	uint64_t va_a = rescue.va + (uint64_t)a * PAGE_SIZE, va_b = rescue.va + (uint64_t)b * PAGE_SIZE;
	pt[a] = ea;
	pt[b] = eb;
	invlpg(va_a);
	invlpg(va_b);
	win_a = a;
	win_b = b;
	const volatile uint64_t *self = (const volatile uint64_t *)va_a;
	/* The walk's table is the one written (the walk itself sets the
	 * accessed bit of the entry it used), and the second entry is not
	 * that table again (a walk of its own mapping every entry there). */
	const uint64_t hw = PTE_A | PTE_D;
	if (((self[a] ^ ea) & ~hw) || ((self[b] ^ eb) & ~hw) || !((((const volatile uint64_t *)va_b)[b] ^ eb) & ~hw))
		pg_fail(&pt[a], (uint64_t)&pt[a], KPP_PG_PAGE_TABLES);
	return (volatile uint64_t *)va_b;
}

void pg_window_close(void)
{
	volatile uint64_t *pt = rescue.pt;
	pt[win_a] = 0;
	pt[win_b] = 0;
	invlpg(rescue.va + (uint64_t)win_a * PAGE_SIZE);
	invlpg(rescue.va + (uint64_t)win_b * PAGE_SIZE);
}

/* The page-table pages holding the entries PatchGuard protects (their
 * frames), for the NMI's compare of their direct-map view with the window. */
uint32_t pg_rescue_tables(const uint64_t **frames)
{
	*frames = rescue.tables;
	return pg_rescue_entry ? rescue.ntables : 0;
}

/* What the window and the rescue go by, among the constant records sealed
 * under the own key (records.c): the gate's target, which says whether
 * there is a rescue mapping at all (cleared, the window would fall back
 * to the direct map), its page table and address, and the entries in use. */
uint32_t pg_rescue_records(uint64_t *w)
{
	w[0] = pg_rescue_entry;
	w[1] = (uint64_t)rescue.pt;
	w[2] = rescue.va | rescue.pt_used;
	return 3;
}
