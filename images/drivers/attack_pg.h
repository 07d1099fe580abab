/* Helpers for the attacks on PatchGuard's own machinery (attack_a27 and
 * on), written as by an attacker who has read patchguard/ and its header:
 * the layout of its static state comes from patchguard/pg.h, its address
 * from memory (it is not exported). */
#ifndef ATTACK_PG_H
#define ATTACK_PG_H

#include "attack.h"
#include "../../patchguard/pg.h"

#define A_PROBE_DELAY_NS (3600ull * 1000000000ull)

static struct ktimer a_probe;
static struct dpc a_probe_dpc;
static void a_probe_fn(struct dpc *d, void *ctx) {}

/* A qword in the kernel's writable data equal to want, followed by next. */
static inline uint64_t *a_find_pair(uint64_t want, uint64_t next)
{
	uint64_t base = a_kernel_base(), end = a_kernel_end(base);
	for (uint64_t p = base; p < end; p += A_PAGE) {
		if (a_page_class(p) != A_DATA)
			continue;
		for (uint64_t *q = (uint64_t *)p; (uint64_t)(q + 1) < p + A_PAGE; q++)
			if (q[0] == want && q[1] == next)
				return q;
	}
	return NULL;
}

/* PatchGuard's state: its one-shot timer is found in the timer queue (as
 * attack_a15 does), then the pointer to it followed by the pointer to its
 * DPC: that is pg.timer, pg.dpc. Interrupts must be off. */
static inline struct pg_state *a_find_pg(void)
{
	struct ktimer *found[8];
	dpc_init(&a_probe_dpc, a_probe_fn, NULL);
	timer_init(&a_probe, &a_probe_dpc);
	timer_set(&a_probe, A_PROBE_DELAY_NS, 0);
	int n = a_kernel_timers(&a_probe, 0, found, 8);
	timer_cancel(&a_probe);
	for (int i = 0; i < n; i++) {
		uint64_t *q = a_find_pair((uint64_t)found[i], (uint64_t)found[i]->dpc);
		if (q)
			return (struct pg_state *)((uint64_t)q - __builtin_offsetof(struct pg_state, timer));
	}
	return NULL;
}

/* The tick count, from the code of the exported ticks(): its first
 * instruction is a RIP-relative load of it (48 8B 05 rel32). */
static inline volatile uint64_t *a_find_tick_count(void)
{
	const uint8_t *p = (const uint8_t *)&ticks;
	for (int i = 0; i < 16; i++)
		if (p[i] == 0x48 && p[i + 1] == 0x8B && p[i + 2] == 0x05) {
			int32_t rel;
			memcpy(&rel, p + i + 3, 4);
			return (volatile uint64_t *)(p + i + 7 + rel);
		}
	return NULL;
}

/* The handler table behind the IDT for the PIC's lines: 16 pointers, IRQ 0
 * (the timer line) and IRQ 4 (the UART) set and in kernel text, the others
 * null. */
static inline uint64_t *a_find_pic_handlers(void)
{
	uint64_t base = a_kernel_base(), end = a_kernel_end(base);
	for (uint64_t p = base; p < end; p += A_PAGE) {
		if (a_page_class(p) != A_DATA)
			continue;
		for (uint64_t *q = (uint64_t *)p; (uint64_t)(q + 16) <= p + A_PAGE; q++) {
			bool ok = q[0] >= base && q[0] < end && q[4] >= base && q[4] < end;
			for (int i = 1; i < 16 && ok; i++)
				ok = i == 4 || q[i] == 0;
			if (ok && a_in_kernel_text(q[0]) && a_in_kernel_text(q[4]))
				return q;
		}
	}
	return NULL;
}

/* The local APIC's registers, through the kernel's own mapping of them. */
static inline volatile uint32_t *a_find_lapic(void)
{
	uint64_t phys = a_rdmsr(0x1B) & 0xFFFFFF000ull;
	for (uint64_t i = 0; i < 256; i++) {
		uint64_t va = KPP_MMIO_AREA_BASE + i * A_PAGE;
		uint64_t pte = vm_pte(va);
		if ((pte & A_PTE_P) && (pte & A_PTE_ADDR) == phys)
			return (volatile uint32_t *)va;
	}
	return NULL;
}

static inline void a_outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t a_inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* The page-table entry mapping va in the current address space (level 0:
 * the PTE, 1: the PDE, ...), through the direct map; NULL when a level on
 * the way is missing or a large page ends the walk above level. */
static inline uint64_t *a_pte_of(uint64_t va, int level)
{
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	uint64_t *t = (uint64_t *)(KPP_DIRECT_MAP_BASE + (cr3 & A_PTE_ADDR));
	for (int l = 3; l > level; l--) {
		uint64_t e = t[(va >> (12 + 9 * l)) & 511];
		if (!(e & A_PTE_P) || (e & (1ull << 7)))
			return NULL;
		t = (uint64_t *)(KPP_DIRECT_MAP_BASE + (e & A_PTE_ADDR));
	}
	return &t[(va >> (12 + 9 * level)) & 511];
}

static inline void a_invlpg(uint64_t va) { __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory"); }

/* The TSS, from the task register and the GDT. */
static inline uint8_t *a_find_tss(void)
{
	uint16_t tr;
	__asm__ volatile("str %0" : "=r"(tr));
	const uint64_t *d = a_gdt() + (tr >> 3);
	return (uint8_t *)(((d[0] >> 16) & 0xFFFFFF) | ((d[0] >> 56) << 24) | (d[1] << 32));
}

static inline uint64_t a_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* A tick stretched with the TSC held back (A130 and A132 `hold`): a DPC on
 * every tick restarts the local-APIC timer's count just before it runs out,
 * eight times (a tick every 9 periods), writing the TSC 64 counts on each
 * loop. a_tick_hold_init finds the timer; ctx of a_tick_hold is the hold. */
struct a_tick_hold {
	volatile uint32_t *lapic;
	uint32_t init, margin;
};

static inline bool a_tick_hold_init(struct a_tick_hold *h)
{
	h->lapic = a_find_lapic();
	if (!h->lapic)
		return false;
	h->init = h->lapic[0x380 / 4]; /* initial count */
	h->margin = h->init / 32;
	return true;
}

static inline void a_tick_hold(struct dpc *d, void *ctx)
{
	const struct a_tick_hold *h = ctx;
	__asm__ volatile("sti" ::: "memory");
	uint64_t held = a_rdtsc();
	for (int i = 0; i < 8; i++) {
		for (;;) {
			held += 64;
			a_wrmsr(0x10, held); /* IA32_TSC */
			uint64_t f = a_cli();
			if (h->lapic[0x390 / 4] < h->margin) { /* current count */
				h->lapic[0x380 / 4] = h->init;
				a_restore(f);
				break;
			}
			a_restore(f);
		}
	}
}

#endif
