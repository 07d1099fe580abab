/* Trap dispatch: exceptions bug-check (kernel mode); IRQs go to their
 * handlers and then to the DPC queue when the interrupted code ran at
 * IRQL_PASSIVE. */
#include <kpp/abi.h>
#include <kpp/bugcheck.h>
#include <kpp/cpu.h>
#include <kpp/intr.h>
#include <kpp/patchguard.h>
#include <kpp/printk.h>
#include <kpp/time.h>
#include <kpp/trap.h>
#include <kpp/usertest.h>
#include <kpp/process.h>
#include <kpp/sched.h>

volatile int current_irql = IRQL_PASSIVE;
volatile int irq_entry_irql = IRQL_PASSIVE;

extern const char copy_user_insn[], copy_user_done[];

static irq_handler_t pic_handlers[16];
static irq_handler_t vector_handlers[256];

void irq_register(int irq, irq_handler_t fn)
{
	pic_handlers[irq] = fn;
	pic_unmask(irq);
}

void vector_register(int vec, irq_handler_t fn) { vector_handlers[vec] = fn; }

const void *irq_handler_tables(size_t *pic_size, const void **vectors, size_t *vec_size)
{
	*pic_size = sizeof pic_handlers;
	*vectors = vector_handlers;
	*vec_size = sizeof vector_handlers;
	return pic_handlers;
}

/* NTSTATUS exception codes for bug check 0x1E. */
#define EXC_ACCESS_VIOLATION 0xC0000005u
#define EXC_ILLEGAL_INSTRUCTION 0xC000001Du
#define EXC_INT_DIVIDE_BY_ZERO 0xC0000094u

#define PF_ERR_WRITE 0x2
#define PF_ERR_FETCH 0x10

static NORETURN void exception(struct trap_frame *tf)
{
	switch (tf->vector) {
	case VEC_PF: {
		uint64_t access = (tf->error & PF_ERR_FETCH)   ? KPP_PF_ACCESS_EXECUTE
				  : (tf->error & PF_ERR_WRITE) ? KPP_PF_ACCESS_WRITE
							       : KPP_PF_ACCESS_READ;
		bugcheck_frame(KPP_BUG_PAGE_FAULT_IN_NONPAGED_AREA, read_cr2(), access, tf->rip, tf->error, tf);
	}
	case VEC_DE:
		bugcheck_frame(KPP_BUG_KMODE_EXCEPTION_NOT_HANDLED, EXC_INT_DIVIDE_BY_ZERO, tf->rip, 0, 0, tf);
	case VEC_UD:
		bugcheck_frame(KPP_BUG_KMODE_EXCEPTION_NOT_HANDLED, EXC_ILLEGAL_INSTRUCTION, tf->rip, 0, 0, tf);
	case VEC_GP:
		bugcheck_frame(KPP_BUG_KMODE_EXCEPTION_NOT_HANDLED, EXC_ACCESS_VIOLATION, tf->rip, tf->error, 0, tf);
	default:
		/* #DF and the rest: UNEXPECTED_KERNEL_MODE_TRAP with the vector. */
		bugcheck_frame(KPP_BUG_UNEXPECTED_KERNEL_MODE_TRAP, tf->vector, tf->error, tf->rip, 0, tf);
	}
}

void trap_dispatch(struct trap_frame *tf)
{
	uint64_t v = tf->vector;
	if (v < 32) {
		if (v == VEC_NMI) {
			/* PatchGuard's watchdog; nothing here may take a lock the
			 * interrupted code could hold. */
			pg_nmi(tf);
			return;
		}
		if ((tf->cs & 3) && usertest_active())
			usertest_fault(tf);
		if (tf->cs & 3)
			process_user_fault(v, tf->error, tf->rip, v == VEC_PF ? read_cr2() : 0);
		if (v == VEC_DB && !(tf->cs & 3))
			pg_debug_trap(); /* the kernel sets no breakpoint: reported (A115) */
		if (v == VEC_BP || v == VEC_DB) {
			debug_routines.trap(tf); /* returns to resume the trapped code */
			return;
		}
		if (v == VEC_PF && tf->rip == (uint64_t)copy_user_insn) {
			tf->rip = (uint64_t)copy_user_done; /* bad user pointer: copy_user returns what is left */
			return;
		}
		exception(tf);
	}

	int old = current_irql;
	irq_entry_irql = old;
	current_irql = IRQL_DEVICE;
	if (v >= KPP_PIC_MASTER_BASE && v < KPP_PIC_MASTER_BASE + 16) {
		int irq = (int)(v - KPP_PIC_MASTER_BASE);
		if (pic_spurious(irq)) {
			current_irql = old;
			return;
		}
		if (pic_handlers[irq])
			pic_handlers[irq]();
		pic_eoi(irq);
	} else if (v == KPP_VEC_SPURIOUS) {
		current_irql = old;
		return; /* no EOI for the spurious vector */
	} else {
		if (vector_handlers[v])
			vector_handlers[v]();
		lapic_eoi();
	}
	current_irql = old;
	if (old == IRQL_PASSIVE && dpc_pending())
		dpc_run_pending();
	if (old == IRQL_PASSIVE)
		sched_preempt_point();
	if ((tf->cs & 3) && !usertest_active()) {
		sti();
		process_return_to_user();
		cli();
	}
}

void trap_print_frame(const struct trap_frame *tf)
{
	printk("~ rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
	printk("~ rsi=%016lx rdi=%016lx rbp=%016lx rsp=%016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->rsp);
	printk("~ r8 =%016lx r9 =%016lx r10=%016lx r11=%016lx\n", tf->r8, tf->r9, tf->r10, tf->r11);
	printk("~ r12=%016lx r13=%016lx r14=%016lx r15=%016lx\n", tf->r12, tf->r13, tf->r14, tf->r15);
	printk("~ rip=%016lx cs=%04lx rflags=%08lx ss=%04lx vector=%lu error=%lx cr2=%016lx\n", tf->rip, tf->cs,
	       tf->rflags, tf->ss, tf->vector, tf->error, read_cr2());
}
