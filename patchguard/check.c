/* Checking one region: keyed hashes (with the first differing byte found
 * from the encrypted shadow copy), validations of the descriptor tables and
 * the service table, masked register compares, and the module cross-walks.
 * Cross-walk mismatches must persist to a later pass (at least one tick
 * apart) before they count, so a list caught between two stores of a
 * legitimate load or unload is not a detection. */
#include <kpp/cpu.h>
#include <kpp/kernel.h>
#include <kpp/mm.h>
#include <kpp/module.h>
#include <kpp/process.h>
#include <kpp/sched.h>
#include <kpp/time.h>
#include <kpp/trap.h>
#include "pg.h"

#define GATE_SIZE 16
#define GATE_PRESENT 0x80
#define GATE_TYPE_MASK 0x1F
#define GATE_TYPE_INTERRUPT 0x0E
#define GATE_TYPE_TRAP 0x0F

#define GDT_MAX_ENTRIES 32
#define DESC_S (1ull << 44)        /* code or data (not a system descriptor) */
#define DESC_ACCESSED (1ull << 40) /* set by the CPU on a segment load */
#define DESC_TYPE(d) ((d) >> 40 & 0xF)
#define DESC_TSS_AVAILABLE 0x9
#define DESC_TSS_BUSY (1ull << 41) /* set by LTR */

struct dtr {
	uint16_t limit;
	uint64_t base;
} PACKED;

static bool in_text(const struct pg_context *c, uint64_t a) { return a >= c->text_lo && a < c->text_hi; }

uint64_t pg_shadow_word(const struct pg_context *c, uint64_t off)
{
	uint64_t w;
	__builtin_memcpy(&w, c->shadow + off, 8);
	return w ^ pg_mix64(c->shadow_key + (off / 8 + 1) * 0x9E3779B97F4A7C15ull);
}

/* Do the len bytes at addr (inside one hashed region with a shadow) still
 * equal the copy taken at arming? */
bool pg_bytes_sealed(const struct pg_context *c, uint64_t addr, uint64_t len)
{
	for (uint32_t i = 0; i < c->nregions; i++) {
		const struct pg_region *r = &c->r[i];
		if (r->shadow == PG_NO_SHADOW || !c->shadow || addr < r->base || addr >= r->base + r->size)
			continue;
		if (addr + len > r->base + r->size)
			len = r->base + r->size - addr;
		const uint8_t *p = (const uint8_t *)addr;
		for (uint64_t k = 0; k < len; k++) {
			uint64_t off = addr - r->base + k;
			uint64_t w = pg_shadow_word(c, r->shadow + (off & ~7ull));
			if (p[k] != (uint8_t)(w >> (8 * (off & 7))))
				return false;
		}
		return true;
	}
	return true;
}

/* The first byte of r that differs from its shadow copy, else r's start. */
static uint64_t first_diff(const struct pg_context *c, const struct pg_region *r)
{
	if (r->shadow == PG_NO_SHADOW || !c->shadow)
		return r->base;
	const uint8_t *p = (const uint8_t *)r->base;
	for (uint64_t off = 0; off < r->size; off += 8) {
		uint64_t w = pg_shadow_word(c, r->shadow + off), now = 0;
		for (uint64_t i = 0; i < 8 && off + i < r->size; i++)
			now |= (uint64_t)p[off + i] << (8 * i);
		if (r->check == PG_CHECK_GDT) {
			/* Accessed bits do not count (system descriptors have S = 0),
			 * nor a TSS descriptor's busy bit (gdt_word). */
			w |= (w & DESC_S) ? DESC_ACCESSED : DESC_TYPE(w) == DESC_TSS_AVAILABLE ? DESC_TSS_BUSY : 0;
			now |= (now & DESC_S) ? DESC_ACCESSED : DESC_TYPE(now) == DESC_TSS_AVAILABLE ? DESC_TSS_BUSY : 0;
		}
		for (uint64_t i = 0; i < 8 && off + i < r->size; i++)
			if ((uint8_t)(now >> (8 * i)) != (uint8_t)(w >> (8 * i)))
				return r->base + off + i;
	}
	return r->base;
}

static uint64_t read_reg(const struct pg_context *c, const struct pg_region *r)
{
	switch (r->check) {
	case PG_CHECK_MSR: return rdmsr((uint32_t)r->base);
	case PG_CHECK_CR: return r->base == 0 ? read_cr0() : r->base == 4 ? read_cr4() : pg_read_dr7();
	case PG_CHECK_LAPIC: return c->lapic_read((uint32_t)r->base);
	}
	return 0;
}

static uint64_t region_hash(const struct pg_context *c, const struct pg_region *r);

void pg_seal_region(struct pg_context *c, struct pg_region *r)
{
	switch (r->check) {
	case PG_CHECK_MSR:
	case PG_CHECK_CR:
	case PG_CHECK_LAPIC: r->expect = read_reg(c, r) & r->mask; break;
	case PG_CHECK_MODLIST:
	case PG_CHECK_DRVOBJ:
	case PG_CHECK_PROCLIST:
	case PG_CHECK_HANDLELIST:
	case PG_CHECK_PROTECTED:
	case PG_CHECK_RSP0:
	case PG_CHECK_ASPACES:
	case PG_CHECK_THREADS:
	case PG_CHECK_HIDDEN_CODE:
	case PG_CHECK_ONES: r->expect = 0; break;
	case PG_CHECK_PTES: r->expect = pg_pte_hash(c, r); break;
	case PG_CHECK_MODTEXT: r->expect = pg_modtext_seal(c, r); break;
	default: r->expect = region_hash(c, r); break;
	}
}

/* The GDT as hashed: the CPU sets the accessed bit of a code or data
 * descriptor when it loads it, so that bit is taken as set; and the TSS
 * descriptor's busy bit, which the returns to ring 3 clear just before
 * they load TR again (LTR sets it; an NMI may come between the two), so
 * an available TSS descriptor is taken as busy. */
static uint64_t gdt_word(uint64_t d, bool system_high)
{
	if (system_high)
		return d;
	if (d & DESC_S)
		return d | DESC_ACCESSED;
	return DESC_TYPE(d) == DESC_TSS_AVAILABLE ? d | DESC_TSS_BUSY : d;
}

static uint64_t gdt_hash(const struct pg_context *c, const struct pg_region *r)
{
	uint64_t copy[GDT_MAX_ENTRIES];
	const uint64_t *g = (const uint64_t *)r->base;
	uint64_t n = r->size / 8 < GDT_MAX_ENTRIES ? r->size / 8 : GDT_MAX_ENTRIES;
	bool high = false; /* the second half of a 16-byte system descriptor */
	for (uint64_t i = 0; i < n; i++) {
		copy[i] = gdt_word(g[i], high);
		high = !high && !(g[i] & DESC_S) && g[i] != 0;
	}
	return pg_siphash(c->key, copy, n * 8);
}

static uint64_t region_hash(const struct pg_context *c, const struct pg_region *r)
{
	if (r->check == PG_CHECK_GDT)
		return gdt_hash(c, r);
	return pg_siphash(c->key, (const void *)r->base, r->size);
}

static bool hash_ok(const struct pg_context *c, const struct pg_region *r) { return region_hash(c, r) == r->expect; }

bool pg_mapped(const void *p, size_t size)
{
	uint64_t a = (uint64_t)p;
	if (!a || (a & 7))
		return false;
	return (vm_pte(a) & PTE_P) && (vm_pte(a + size - 1) & PTE_P);
}

/* A mismatch of a cross-walk counts when it is still there on a later pass. */
static bool mapped(const void *p, size_t size) { return pg_mapped(p, size); }

static bool confirm(struct pg_region *r, bool bad)
{
	if (!bad) {
		r->suspect = 0;
		return false;
	}
	uint64_t now = ticks();
	if (!r->suspect) {
		r->suspect = now + 1;
		return false;
	}
	return now >= r->suspect;
}

static bool check_modlist(const struct pg_context *c, struct pg_region *r, uint64_t *addr)
{
	struct module **head = c->modlist_head, **table = c->modtable;
	uint32_t listed = 0, present = 0;
	struct module *prev = NULL;
	for (struct module *m = *head; m; prev = m, m = m->next) {
		if (!mapped(m, sizeof *m) || ++listed > MODULE_TABLE_SIZE || m->prev != prev ||
		    m->slot >= MODULE_TABLE_SIZE || table[m->slot] != m) {
			*addr = prev ? (uint64_t)&prev->next : (uint64_t)head;
			return true;
		}
	}
	for (uint32_t i = 0; i < MODULE_TABLE_SIZE; i++) {
		struct module *m = table[i];
		if (!m)
			continue;
		present++;
		bool linked = false;
		for (struct module *l = *head; l && !linked; l = l->next)
			linked = l == m;
		if (!linked) {
			*addr = (uint64_t)&table[i];
			return true;
		}
	}
	if (present != listed) {
		*addr = (uint64_t)table;
		return true;
	}
	return false;
}

static bool check_drvobj(const struct pg_context *c, uint64_t *addr)
{
	struct module **table = c->modtable;
	for (uint32_t i = 0; i < MODULE_TABLE_SIZE; i++) {
		struct module *m = table[i];
		if (!m)
			continue;
		if (!mapped(m, sizeof *m)) {
			*addr = (uint64_t)&table[i];
			return true;
		}
		for (int k = 0; k <= DRIVER_DISPATCH_MAX; k++) {
			uint64_t f = k < DRIVER_DISPATCH_MAX ? (uint64_t)m->drv.dispatch[k] : (uint64_t)m->drv.unload;
			/* Its own text only: an entry in kernel text is a borrowed
			 * instruction (A58), no routine the driver wrote. */
			if (!f || (f >= m->text && f < m->text + m->text_size))
				continue;
			*addr = k < DRIVER_DISPATCH_MAX ? (uint64_t)&m->drv.dispatch[k] : (uint64_t)&m->drv.unload;
			return true;
		}
	}
	return false;
}

/* Is f in the kernel's text or in a loaded module's? */
static bool in_any_text(const struct pg_context *c, uint64_t f)
{
	if (in_text(c, f))
		return true;
	struct module **table = c->modtable;
	for (uint32_t i = 0; i < MODULE_TABLE_SIZE; i++) {
		struct module *m = table[i];
		if (m && mapped(m, sizeof *m) && f >= m->text && f < m->text + m->text_size)
			return true;
	}
	return false;
}

/* Code a driver left running stays visible after it unlinked itself from
 * the module list and table: every armed timer's and queued DPC's routine
 * must lie in a listed module's text, or be one of the kernel's own timer
 * routines (the housekeeping and PatchGuard's): anywhere else in kernel
 * text it is a borrowed instruction (a `jmp rsi` reaches the DPC's
 * context, which can be any code). */
static bool kernel_routine(const struct pg_context *c, uint64_t f)
{
	return f == (uint64_t)c->timer_routine || f == (uint64_t)pg_random_dpc || f == (uint64_t)pg.hk_routine;
}

/* Is a inside a listed module's text pages (a return address just past
 * the last one included)? Not its data: a driver's data is no-execute, so
 * a return address there is code run from a page whose PTE was made
 * executable, which the module's hashed pages do not cover (A101). */
static bool in_listed_text(const struct pg_context *c, uint64_t a)
{
	struct module **table = c->modtable;
	for (uint32_t i = 0; i < MODULE_TABLE_SIZE; i++) {
		const struct module *m = table[i];
		if (m && mapped(m, sizeof *m) && a >= m->text && a - m->text <= m->rodata - m->text)
			return true;
	}
	return false;
}

/* A word that leads into driver code no listed module holds: in the
 * driver area, outside every listed module's text pages, on a page
 * mapped executable (a listed driver's data page made executable is no
 * text page of it: A101). The loader makes a driver's text executable only once its
 * module is listed, and takes that right away before it unlists one, so
 * no word a legitimate thread holds (a pointer the loader keeps into an
 * image it has not listed yet, a stale word of an unloaded driver, whose
 * pages are unmapped) counts; data pointers into a hidden driver's data
 * do not either. */
static bool hidden_code(const struct pg_context *c, uint64_t a)
{
	if (a - KPP_DRIVER_AREA_BASE >= KPP_DRIVER_AREA_SIZE || in_listed_text(c, a))
		return false;
	uint64_t pte = vm_pte(a);
	return (pte & PTE_P) && !(pte & PTE_NX);
}

/* Every word of the live part of a thread's kernel stack, from its stack
 * pointer (saved by the switch, or this frame's for the running one) up to
 * the stack's top: the return addresses of its call chain and what its
 * frames saved (the registers switch_context pushed among them). Walking
 * the frame-pointer chain alone saw only the return slots of the frames it
 * reached: a thread that enters the kernel with RBP zero and a `ret` of
 * kernel text as its return address (A113), or one that pushes its own
 * return address before a jump (A92), keeps the way back into its code in
 * words the chain never reached. */
/* The top of the kernel stack holding sp (the stack area: stacks of
 * KPP_KERNEL_STACK_SIZE, each above an unmapped guard page), 0 when sp is
 * in none. */
static uint64_t stack_of(uint64_t sp)
{
	const uint64_t stride = PAGE_SIZE + KPP_KERNEL_STACK_SIZE;
	if (sp <= KPP_STACK_AREA_BASE || sp >= KPP_MMIO_AREA_BASE)
		return 0;
	uint64_t top = KPP_STACK_AREA_BASE + (sp - KPP_STACK_AREA_BASE + stride - 1) / stride * stride;
	return sp >= top - KPP_KERNEL_STACK_SIZE && top <= KPP_MMIO_AREA_BASE ? top : 0;
}

static bool hidden_stack(const struct pg_context *c, uint64_t top, uint64_t sp, uint64_t *addr)
{
	if (sp < top - KPP_KERNEL_STACK_SIZE || sp >= top || !mapped((const void *)(sp & ~7ull), top - (sp & ~7ull)))
		return false;
	for (const uint64_t *w = (const uint64_t *)(sp & ~7ull); (uint64_t)w < top; w++)
		if (*w - KPP_DRIVER_AREA_BASE < KPP_DRIVER_AREA_SIZE && hidden_code(c, *w)) {
			*addr = (uint64_t)w;
			return true;
		}
	return false;
}

/* A thread the scheduler knows (every thread, the ready queue, the
 * sleepers) whose live kernel stack holds a word leading into hidden
 * driver code: a kernel thread started on a driver's routine cannot block
 * or be preempted without the way back into that code on its stack (in a
 * register its callees saved there, at the least), whatever its fields
 * say. Interrupts are off. */
#define SEEN_MAX 64
static bool seen_before(const struct thread *const *seen, uint32_t n, const struct thread *t)
{
	for (uint32_t i = 0; i < n; i++)
		if (seen[i] == t)
			return true;
	return false;
}

static bool hidden_thread(const struct pg_context *c, uint64_t *addr)
{
	const struct thread *seen[SEEN_MAX];
	uint32_t nseen = 0;
	struct thread *lists[3];
	sched_lists(&lists[0], &lists[1], &lists[2]);
	const struct thread *cur = current_thread();
	for (int k = 0; k < 3; k++) {
		uint32_t walked = 0;
		for (const struct thread *t = lists[k]; t && walked < 1024; t = k == 0 ? t->all_next : t->run_next, walked++) {
			if (!mapped(t, sizeof *t))
				break;
			if (t->magic != OBJ_THREAD || t->state == THREAD_DEAD || (k && seen_before(seen, nseen, t)))
				continue; /* on the list of every thread: scanned there */
			if (!k && nseen < SEEN_MAX)
				seen[nseen++] = t;
			uint64_t rbp = (uint64_t)__builtin_frame_address(0);
			/* The kernel stack its stack pointer (saved by the switch,
			 * or this frame's for the running one) is in, which the
			 * scan reads: one of the kernel's (the stack area),
			 * not necessarily the one its stack top names (the boot
			 * context's is the ring-3 self-test's RSP0). A thread
			 * that moved to memory of its own keeps every frame, and
			 * every return address into hidden code, where the scan
			 * never went (A96). */
			uint64_t top = stack_of(t == cur ? rbp : t->rsp);
			if (!top) {
				*addr = (uint64_t)&t->rsp;
				return true;
			}
			if (hidden_stack(c, top, t == cur ? rbp : t->rsp, addr))
				return true;
		}
	}
	/* The running thread, when it is on no list (taken off the list of
	 * every thread, running now): this frame's stack. */
	if (cur && nseen < SEEN_MAX && !seen_before(seen, nseen, cur)) {
		uint64_t rbp = (uint64_t)__builtin_frame_address(0), top = stack_of(rbp);
		if (top && hidden_stack(c, top, rbp, addr))
			return true;
	}
	return false;
}

/* Is the executable page at va one the kernel put there: kernel text
 * (whose PTEs the page-table regions hold to the image's frames), a
 * listed module's text pages, or the rescue mapping's code page? */
static bool exec_page_ok(const struct pg_context *c, uint64_t va)
{
	if (va >= (c->text_lo & ~(uint64_t)(PAGE_SIZE - 1)) && va < c->text_hi)
		return true;
	struct module **table = c->modtable;
	for (uint32_t i = 0; i < MODULE_TABLE_SIZE; i++) {
		const struct module *m = table[i];
		if (m && mapped(m, sizeof *m) && va >= m->text && va < m->rodata)
			return true;
	}
	return pg_rescue_code(va);
}

/* Executable pages of the kernel half that are none of those: the code
 * of a driver taken off the module list and table, found whatever
 * reaches it (A117: a chain of kernel threads, each started on the hidden
 * code by the one before, keeps the way back into it in no word of a
 * stack, only in the thread object's routine, which the kernel's thread
 * entry calls through; before, only a stack or a timer that led there
 * was seen). The loader makes a driver's text executable only while its
 * module is listed; stacks, device pages, the pool and the direct map are
 * never executable. The whole kernel half, every level (a 1 GiB or 2 MiB
 * page executable is no page the kernel makes): walking the stack,
 * device and driver areas alone missed a copy of a driver's code in pool
 * made executable through a mapping of its own under another PML4 entry,
 * or in the kernel image's own directory, with the driver itself
 * unloaded (A150). Arming leaves present only the kernel-half PML4
 * entries something is mapped under (the direct map, the image's, the
 * rescue's), so that is three PDPTs and what hangs below them. Read
 * through the kernel's tables (every process's kernel half is compared
 * with them), which the page-table regions protect down to the entries
 * above these. */
static const uint64_t *walk_table(uint64_t entry)
{
	const uint64_t *t = phys_to_virt(entry & PTE_ADDR);
	return mapped(t, PAGE_SIZE) ? t : NULL;
}

/* From i (a multiple of 8), the first group of eight entries of t with
 * one not zero: most of the entries walked are (about 6,000 a walk, a few
 * hundred in use), and eight at a time costs a third of one at a time. */
static uint64_t skip_empty(const uint64_t *t, uint64_t i)
{
	while (i < 512 && !(t[i] | t[i + 1] | t[i + 2] | t[i + 3] | t[i + 4] | t[i + 5] | t[i + 6] | t[i + 7]))
		i += 8;
	return i;
}

static bool hidden_pages(const struct pg_context *c, uint64_t *addr)
{
	if (!(rdmsr(MSR_EFER) & EFER_NXE))
		return false; /* every page executes */
	const uint64_t *pml4 = phys_to_virt(kernel_cr3 & PTE_ADDR);
	for (uint64_t i = 256; i < 512; i++) {
		const uint64_t *pdpt = (pml4[i] & PTE_P) ? walk_table(pml4[i]) : NULL;
		for (uint64_t j = 0; pdpt && j < 512; j++) {
			if (!(j & 7) && (j = skip_empty(pdpt, j)) == 512)
				break;
			uint64_t e3 = pdpt[j], va3 = 0xFFFF000000000000ull | i << 39 | j << 30;
			if (!(e3 & PTE_P))
				continue;
			if (e3 & PTE_PS) {
				if (!(e3 & PTE_NX)) {
					*addr = va3;
					return true;
				}
				continue;
			}
			const uint64_t *pd = walk_table(e3);
			for (uint64_t k = 0; pd && k < 512; k++) {
				if (!(k & 7) && (k = skip_empty(pd, k)) == 512)
					break;
				uint64_t e2 = pd[k], va2 = va3 | k << 21;
				if (!(e2 & PTE_P))
					continue;
				if (e2 & PTE_PS) {
					if (!(e2 & PTE_NX)) {
						*addr = va2;
						return true;
					}
					continue;
				}
				const uint64_t *pt = walk_table(e2);
				for (uint64_t l = 0; pt && l < 512; l++) {
					if (!(l & 7) && (l = skip_empty(pt, l)) == 512)
						break;
					if ((pt[l] & (PTE_P | PTE_NX)) == PTE_P && !exec_page_ok(c, va2 | l << 12)) {
						*addr = va2 | l << 12;
						return true;
					}
				}
			}
		}
	}
	return false;
}

/* A supervisor entry in a process's user half: the kernel maps a
 * program's memory with the user bit at every level (its own user half
 * holds the ring-3 self-test's pages alone: kernel_user_half_bad), so a
 * page only the kernel may use there is a place for code no walk of the
 * kernel half sees, run by a kernel thread of that process, whose switch
 * loads that address space (A151). addr: the entry. */
static bool supervisor_in(const uint64_t *t, int level, uint64_t *addr)
{
	uint64_t lim = level == 3 ? 256 : 512;
	for (uint64_t i = 0; i < lim; i++) {
		if (!(i & 7) && (i = skip_empty(t, i)) >= lim)
			break;
		uint64_t e = t[i];
		if (!(e & PTE_P))
			continue;
		if (!(e & PTE_U)) {
			*addr = (uint64_t)&t[i];
			return true;
		}
		if (level && !(e & PTE_PS)) {
			const uint64_t *next = walk_table(e);
			if (next && supervisor_in(next, level - 1, addr))
				return true;
		}
	}
	return false;
}

static bool user_half_supervisor(uint64_t *addr)
{
	uint32_t walked = 0;
	for (const struct list_link *l = process_list.next; l != &process_list && walked < KPP_PID_TABLE_SIZE + 1;
	     l = l->next, walked++) {
		const struct process *p = PROCESS_OF(l);
		if (!mapped(p, sizeof *p))
			return false; /* the process-list check reports it */
		if (!p->cr3 || (p->cr3 & PTE_ADDR) == (kernel_cr3 & PTE_ADDR))
			continue;
		const uint64_t *pml4 = walk_table(p->cr3);
		if (pml4 && supervisor_in(pml4, 3, addr))
			return true;
	}
	return false;
}

static bool check_hidden_code(const struct pg_context *c, uint64_t *addr)
{
	uint64_t f = irq_save();
	bool bad = hidden_thread(c, addr) || hidden_pages(c, addr) || user_half_supervisor(addr);
	uint32_t walked = 0;
	for (const struct ktimer *t = timer_queue; t && walked < 256 && !bad; t = t->next, walked++) {
		if (!pg_mapped(t, sizeof *t))
			break;
		const struct dpc *d = t->dpc;
		uint64_t fn = d && pg_mapped(d, sizeof *d) ? (uint64_t)d->fn : 0;
		if (fn && (in_text(c, fn) ? !kernel_routine(c, fn) : !in_any_text(c, fn))) {
			*addr = (uint64_t)&d->fn;
			bad = true;
		}
	}
	irq_restore(f);
	return bad;
}

/* The listed module whose image starts at base, or NULL. */
static const struct module *listed_module(const struct pg_context *c, uint64_t base)
{
	struct module **table = c->modtable;
	for (uint32_t i = 0; base && i < MODULE_TABLE_SIZE; i++) {
		const struct module *m = table[i];
		if (m && mapped(m, sizeof *m) && m->base == base)
			return m;
	}
	return NULL;
}

/* A sealed callback array (mask: PG_SEAL_LAYOUT). Every routine of an
 * entry in use lies in its owner's text when the entries record an owner:
 * a driver that unlinked its module record keeps no callback (A57), and a
 * routine borrowed from kernel text or another driver is no driver's own
 * code; else (the self-test's array) in kernel or listed-module text. */
static bool check_callbacks(const struct pg_context *c, const struct pg_region *r, uint64_t *addr)
{
	uint64_t stride = PG_SEAL_STRIDE(r->mask), second = PG_SEAL_SECOND(r->mask), owner = PG_SEAL_OWNER(r->mask);
	for (uint64_t off = 0; stride && off + stride <= r->size; off += stride) {
		const uint8_t *e = (const uint8_t *)(r->base + off);
		uint64_t fns[2] = {*(const uint64_t *)e, second ? *(const uint64_t *)(e + second) : 0};
		if (!fns[0] && !fns[1])
			continue;
		const struct module *m = owner ? listed_module(c, *(const uint64_t *)(e + owner)) : NULL;
		if (owner && !m) {
			*addr = r->base + off + owner;
			return true;
		}
		for (int k = 0; k < 2; k++) {
			uint64_t f = fns[k];
			if (f && (m ? f < m->text || f >= m->text + m->text_size : !in_any_text(c, f))) {
				*addr = r->base + off + (k ? second : 0);
				return true;
			}
		}
	}
	return false;
}

static bool check_idt(const struct pg_context *c, const struct pg_region *r, uint64_t *addr)
{
	struct dtr d;
	__asm__ volatile("sidt %0" : "=m"(d));
	if (d.base != c->idt_base || d.limit != c->idt_limit) {
		*addr = r->base;
		return true;
	}
	const uint8_t *g = (const uint8_t *)r->base;
	for (uint64_t off = 0; off < r->size; off += GATE_SIZE, g += GATE_SIZE) {
		uint16_t sel = (uint16_t)(g[2] | g[3] << 8);
		uint8_t attr = g[5];
		uint64_t target = (uint64_t)(g[0] | g[1] << 8) | (uint64_t)(g[6] | g[7] << 8) << 16 |
				  (uint64_t)(g[8] | g[9] << 8 | g[10] << 16 | (uint32_t)g[11] << 24) << 32;
		uint8_t type = attr & GATE_TYPE_MASK;
		/* The double fault goes to PatchGuard's own mapping (rescue.c) when it has one. */
		bool target_ok = c->rescue_entry && off == VEC_DF * GATE_SIZE ? target == c->rescue_entry
									      : in_text(c, target);
		if (sel != KPP_SEL_KERNEL_CODE || !(attr & GATE_PRESENT) || (g[4] & ~7) ||
		    (type != GATE_TYPE_INTERRUPT && type != GATE_TYPE_TRAP) || !target_ok) {
			*addr = r->base + off;
			return true;
		}
	}
	if (!hash_ok(c, r)) {
		*addr = first_diff(c, r);
		return true;
	}
	return false;
}

static bool check_gdt(const struct pg_context *c, const struct pg_region *r, uint64_t *addr)
{
	struct dtr d;
	uint16_t tr, ldtr;
	__asm__ volatile("sgdt %0" : "=m"(d));
	__asm__ volatile("str %0" : "=r"(tr));
	__asm__ volatile("sldt %0" : "=r"(ldtr));
	if (d.base != c->gdt_base || d.limit != c->gdt_limit || tr != c->tr || ldtr != 0) {
		*addr = r->base;
		return true;
	}
	if (!hash_ok(c, r)) {
		*addr = first_diff(c, r);
		return true;
	}
	return false;
}

/* Regions that come first: the page tables (2), checked on every pass
 * before its TLB flush, and the text chunks of the code those checks run
 * on (1: the hash, the page-table checks), verified before a page-table
 * mismatch is reported, so a flip in that code is reported as the change
 * of code it is, not as a mismatch of whatever the broken code hashed. */
int pg_early(const struct pg_region *r)
{
	static const uint64_t self[] = {(uint64_t)pg_siphash, (uint64_t)pg_mix64, (uint64_t)pg_pte_hash,
					(uint64_t)pg_check_ptes, (uint64_t)pg_shadow_word, (uint64_t)pg_check_region,
					(uint64_t)pg_ptes_repair};
	if (r->check == PG_CHECK_PTES)
		return 2;
	if (r->type != KPP_PG_FUNCTION || r->check != PG_CHECK_HASH)
		return 0;
	for (unsigned i = 0; i < ARRAY_SIZE(self); i++)
		if (self[i] >= r->base && self[i] < r->base + r->size)
			return 1;
	return 0;
}

/* Every byte set (the TSS's I/O-permission map, PG_CHECK_ONES): the
 * qwords ANDed together eight at a time, about 1,400 instructions for the
 * map's 8 KiB, where its keyed hash took some 10,000 (windows: every pass);
 * a byte not all ones is then looked for, for the report. */
static bool check_ones(const struct pg_region *r, uint64_t *addr)
{
	const uint64_t *q = (const uint64_t *)r->base;
	const uint8_t *b = (const uint8_t *)r->base;
	uint64_t n = r->size / 8, all = ~0ull, i = 0;
	for (; i + 8 <= n; i += 8)
		all &= q[i] & q[i + 1] & q[i + 2] & q[i + 3] & q[i + 4] & q[i + 5] & q[i + 6] & q[i + 7];
	for (; i < n; i++)
		all &= q[i];
	for (i = n * 8; i < r->size; i++)
		all &= b[i] | ~0xFFull;
	if (all == ~0ull)
		return false;
	*addr = r->base;
	for (i = 0; i < r->size; i++)
		if (b[i] != 0xFF) {
			*addr = r->base + i;
			break;
		}
	return true;
}

bool pg_check_region(struct pg_context *c, struct pg_region *r, uint64_t *addr)
{
	switch (r->check) {
	case PG_CHECK_ONES: return check_ones(r, addr);
	case PG_CHECK_MSR:
	case PG_CHECK_CR:
	case PG_CHECK_LAPIC:
		*addr = r->base;
		return (read_reg(c, r) & r->mask) != r->expect;
	case PG_CHECK_MODLIST: {
		uint64_t a = 0;
		bool bad = confirm(r, check_modlist(c, r, &a));
		*addr = a;
		return bad;
	}
	case PG_CHECK_DRVOBJ: {
		uint64_t a = 0;
		bool bad = confirm(r, check_drvobj(c, &a));
		*addr = a;
		return bad;
	}
	case PG_CHECK_PROCLIST: {
		uint64_t a = 0;
		bool bad = confirm(r, pg_check_proclist(c, r, &a));
		*addr = a;
		return bad;
	}
	case PG_CHECK_HANDLELIST: {
		uint64_t a = 0;
		bool bad = confirm(r, pg_check_handlelist(c, r, &a));
		*addr = a;
		return bad;
	}
	case PG_CHECK_PROTECTED: {
		uint64_t a = 0;
		bool bad = confirm(r, pg_check_protected(c, r, &a));
		*addr = a;
		return bad;
	}
	case PG_CHECK_ASPACES: {
		uint64_t a = 0;
		bool bad = confirm(r, pg_check_aspaces(c, r, &a));
		*addr = a;
		return bad;
	}
	case PG_CHECK_THREADS: {
		uint64_t a = 0;
		bool bad = confirm(r, pg_check_threads(c, r, &a));
		*addr = a;
		return bad;
	}
	case PG_CHECK_HIDDEN_CODE: {
		uint64_t a = 0;
		bool bad = confirm(r, check_hidden_code(c, &a));
		*addr = a;
		return bad;
	}
	case PG_CHECK_PTES: return pg_check_ptes(c, r, addr);
	case PG_CHECK_MODTEXT: return pg_check_modtext(c, r, addr);
	case PG_CHECK_RSP0: return pg_check_rsp0(r, addr);
	case PG_CHECK_OBJTYPE:
		if (pg_check_objtype(c, r, addr))
			return true;
		break;
	case PG_CHECK_IDT: return check_idt(c, r, addr);
	case PG_CHECK_GDT: return check_gdt(c, r, addr);
	case PG_CHECK_SERVICE:
	case PG_CHECK_POINTERS: {
		const uint64_t *e = (const uint64_t *)r->base;
		for (uint64_t i = 0; i < r->size / 8; i++)
			if ((e[i] || r->check == PG_CHECK_SERVICE) && !in_text(c, e[i])) {
				*addr = (uint64_t)&e[i];
				return true;
			}
		break;
	}
	case PG_CHECK_SEALED:
		if (r->mask && check_callbacks(c, r, addr))
			return true;
		break;
	default: break;
	}
	if (!hash_ok(c, r)) {
		*addr = first_diff(c, r);
		return true;
	}
	return false;
}
