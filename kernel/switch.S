/*
 * Thread switching and the first entry to ring 3 (sched.c).
 *
 * switch_context saves the callee-saved registers and RFLAGS on the old
 * thread's stack, stores its RSP, loads the new thread's RSP and restores
 * the same set from there. A new thread's stack is prepared by sched.c to
 * look like a switched-out thread whose return address is thread_start.
 */
#include <kpp/abi.h>

/* Call-frame information for debuggers, in .debug_frame (not loaded). */
	.cfi_sections .debug_frame
#define DW_RFLAGS 49

#define RFLAGS_IF 0x200
#define RFLAGS_RESERVED 0x2

	.section .text
/* void switch_context(uint64_t *save_rsp, uint64_t new_rsp) */
	.global switch_context
switch_context:
	.cfi_startproc
	pushq %rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbp, 0
	pushq %rbx
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbx, 0
	pushq %r12
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r12, 0
	pushq %r13
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r13, 0
	pushq %r14
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r14, 0
	pushq %r15
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r15, 0
	pushfq
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset DW_RFLAGS, 0
	movq %rsp, (%rdi)
	/* The new thread's stack holds the same set at the same places. */
	movq %rsi, %rsp
	popfq
	.cfi_adjust_cfa_offset -8
	.cfi_restore DW_RFLAGS
	popq %r15
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r15
	popq %r14
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r14
	popq %r13
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r13
	popq %r12
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r12
	popq %rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbx
	popq %rbp
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbp
	ret
	.cfi_endproc

/* First code of every thread: thread_entry() never returns. */
	.global thread_start
thread_start:
	/* The outermost frame of every thread. */
	.cfi_startproc
	.cfi_undefined %rip
	andq $-16, %rsp
	xorl %ebp, %ebp
	call thread_entry
	ud2
	.cfi_endproc

/*
 * void user_iret(uint64_t rip, uint64_t rsp, uint64_t arg0, uint64_t arg1):
 * enter ring 3 at rip with rsp, RDI = arg0, RSI = arg1, every other
 * register zero, interrupts on. The caller's kernel stack is abandoned:
 * traps and system calls from ring 3 start again at the thread's stack top.
 */
	.global user_iret
user_iret:
	.cfi_startproc
	cli
	pushq $(KPP_SEL_USER_DATA | 3)
	.cfi_adjust_cfa_offset 8
	pushq %rsi
	.cfi_adjust_cfa_offset 8
	pushq $(RFLAGS_IF | RFLAGS_RESERVED)
	.cfi_adjust_cfa_offset 8
	pushq $(KPP_SEL_USER_CODE | 3)
	.cfi_adjust_cfa_offset 8
	pushq %rdi
	.cfi_adjust_cfa_offset 8
	movq %rdx, %rdi
	movq %rcx, %rsi
	xorl %eax, %eax
	xorl %ebx, %ebx
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %ebp, %ebp
	xorl %r8d, %r8d
	xorl %r9d, %r9d
	xorl %r10d, %r10d
	xorl %r11d, %r11d
	xorl %r12d, %r12d
	xorl %r13d, %r13d
	xorl %r14d, %r14d
	xorl %r15d, %r15d
	andb $0xFD, gdt+KPP_SEL_TSS+5(%rip) /* TR from the kernel's TSS again (A155; gdt.c) */
	ltr tss_selector(%rip)
	swapgs
	iretq
	.cfi_endproc
