/* The TSS the processor uses (A153-A155). TR caches the TSS's base and
 * limit when it is loaded; the processor reads RSP0, the IST stacks and
 * the I/O-permission map through that base, not through the GDT. A
 * driver that loads TR from the GDT's descriptor pointed at a copy of the
 * TSS, and writes the descriptor back as it was, leaves every byte a
 * checker reads as armed (the GDT, the kernel's TSS, TR's selector), and
 * no instruction reads the cached base. Where the processor puts a frame
 * tells: PatchGuard writes a stack top into the kernel's TSS's IST4 (a
 * slot no gate of the kernel's IDT uses), takes an INT through an IDT of
 * its own whose gate names IST4 (tss_probe.S), and the frame must end at
 * that stack top; then the same with another top; then it puts IST4 back.
 * A copy of the TSS names one stack at most (no code of a driver runs
 * between the writes and the INTs: the NMI's work, nmi.c, with NMIs
 * blocked and interrupts masked), or none (the push faults): one frame
 * lands off its top, 0x109 type 0x112, whatever the copy holds, its I/O
 * map included. Two fixed tops, not one drawn: a drawn top would have to
 * come from fresh entropy on every NMI (a key in memory is a driver's to
 * read, and a copy naming the top it predicts passes), which would move
 * every later draw of the schedule. Some 150 instructions. */
#include <kpp/trap.h>
#include <kpp/types.h>
#include "pg.h"
#include "tssprobe.h"

#define TSS_IST4 0x3C
#define PROBE_STACK 1024 /* two stacks of 512 bytes */
#define GATE_INTERRUPT 0x8E

uint64_t pg_tss_probe(const void *idtr);
void pg_tss_probe_hit(void);
void pg_tss_probe_fault(void);

static uint8_t probe_stack[PROBE_STACK] __attribute__((aligned(16)));

/* A 64-bit interrupt gate to fn (present, DPL 0) on stack ist: its low
 * quadword (the high one is fn's upper half). */
static uint64_t gate_lo(void (*fn)(void), uint64_t cs, uint64_t ist)
{
	uint64_t h = (uint64_t)fn;
	return (h & 0xFFFF) | cs << 16 | ist << 32 | (uint64_t)GATE_INTERRUPT << 40 | (h >> 16 & 0xFFFF) << 48;
}

void pg_tss_check(void)
{
	/* Every vector below the probe's a fault gate on the probe's own
	 * stack (IST 0): a frame pushed where nothing is mapped, or at a
	 * non-canonical address, is #PF, #SS or #GP, and a double fault of
	 * those; no other can come (NMIs blocked, interrupts masked). */
	uint64_t idt[2 * (PG_TSS_PROBE_VEC + 1)] __attribute__((aligned(16)));
	uint64_t cs;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	uint64_t fault = gate_lo(pg_tss_probe_fault, cs, 0), hi = (uint64_t)pg_tss_probe_fault >> 32;
	for (unsigned i = 0; i < PG_TSS_PROBE_VEC; i++) {
		idt[2 * i] = fault;
		idt[2 * i + 1] = hi;
	}
	idt[2 * PG_TSS_PROBE_VEC] = gate_lo(pg_tss_probe_hit, cs, 4);
	idt[2 * PG_TSS_PROBE_VEC + 1] = (uint64_t)pg_tss_probe_hit >> 32;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = {sizeof idt - 1, (uint64_t)idt};
	size_t size;
	uint8_t *tss = (uint8_t *)tss_block(&size);
	volatile uint64_t *ist4 = (volatile uint64_t *)(tss + TSS_IST4);
	uint64_t was = *ist4, off = 0;
	for (uint64_t k = 1; k <= 2; k++) {
		uint64_t top = (uint64_t)probe_stack + PROBE_STACK / 2 * k;
		*ist4 = top;
		off |= pg_tss_probe(&idtr) ^ top;
	}
	*ist4 = was;
	if (off)
		pg_fail(tss, (uint64_t)tss, KPP_PG_TASK_STATE);
}
