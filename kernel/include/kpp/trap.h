/* Descriptor tables, trap frames and interrupt dispatch (gdt.c, trap.c). */
#ifndef KPP_TRAP_H
#define KPP_TRAP_H

#include <kpp/types.h>

/* Saved by isr_common (isr.S), lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* Exception vectors. */
enum {
	VEC_DE = 0, VEC_DB = 1, VEC_NMI = 2, VEC_BP = 3, VEC_OF = 4, VEC_BR = 5, VEC_UD = 6, VEC_NM = 7,
	VEC_DF = 8, VEC_TS = 10, VEC_NP = 11, VEC_SS = 12, VEC_GP = 13, VEC_PF = 14, VEC_MF = 16,
	VEC_AC = 17, VEC_MC = 18, VEC_XM = 19, VEC_VE = 20, VEC_CP = 21,
};

/* IST slots in the TSS. */
enum { IST_DF = 1, IST_NMI = 2, IST_MC = 3 };

/* Load the kernel GDT, TSS (RSP0 = rsp0) and IDT. */
void gdt_init(void);
void idt_init(void);
void tss_set_ist(int ist, uint64_t stack_top);
void tss_set_rsp0(uint64_t stack_top);
/* Point an IDT gate at a handler (kind: interrupt gate; dpl 0 or 3). */
void idt_set_gate(int vec, uint64_t handler, int ist, int dpl);
/* The tables themselves (for integrity checks): address and size in bytes. */
const void *gdt_table(size_t *size);
const void *idt_table(size_t *size);
const void *tss_block(size_t *size);

typedef void (*irq_handler_t)(void);
/* Register the handler of PIC line irq (0-15) or of a local-APIC vector. */
void irq_register(int irq, irq_handler_t fn);
void vector_register(int vec, irq_handler_t fn);
/* The second-level dispatch tables behind the IDT (for integrity checks):
 * the PIC lines' handlers (returned) and the local-APIC vectors' handlers. */
const void *irq_handler_tables(size_t *pic_size, const void **vectors, size_t *vec_size);

void trap_dispatch(struct trap_frame *tf);
void trap_print_frame(const struct trap_frame *tf);

/* Interrupt request level: PASSIVE (threads, shell), DISPATCH (DPCs), HIGH. */
enum { IRQL_PASSIVE = 0, IRQL_DISPATCH = 2, IRQL_DEVICE = 3, IRQL_HIGH = 15 };
extern volatile int current_irql;
/* The IRQL of the code an interrupt came in over, set by trap_dispatch
 * before it calls the handler (read by handlers only): at IRQL_PASSIVE
 * the DPCs they queue run on the interrupt's way out, before anything
 * else; above it, once the interrupted DPC returns (PatchGuard's tick
 * hook, A141). */
extern volatile int irq_entry_irql;

extern const char isr_stubs[];
void call_on_stack(uint64_t stack_top, void (*fn)(void *), void *arg) NORETURN;

#endif
