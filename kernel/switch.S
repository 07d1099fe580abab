/*
 * Thread switching and the first entry to ring 3 (sched.c).
 *
 * switch_context saves the callee-saved registers and RFLAGS on the old
 * thread's stack, stores its RSP, loads the new thread's RSP and restores
 * the same set from there. A new thread's stack is prepared by sched.c to
 * look like a switched-out thread whose return address is thread_start.
 */
#include <kpp/abi.h>

#define RFLAGS_IF 0x200
#define RFLAGS_RESERVED 0x2

	.section .text
/* void switch_context(uint64_t *save_rsp, uint64_t new_rsp) */
	.global switch_context
switch_context:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushfq
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popfq
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

/* First code of every thread: thread_entry() never returns. */
	.global thread_start
thread_start:
	andq $-16, %rsp
	xorl %ebp, %ebp
	call thread_entry
	ud2

/*
 * void user_iret(uint64_t rip, uint64_t rsp, uint64_t arg0, uint64_t arg1):
 * enter ring 3 at rip with rsp, RDI = arg0, RSI = arg1, every other
 * register zero, interrupts on. The caller's kernel stack is abandoned:
 * traps and system calls from ring 3 start again at the thread's stack top.
 */
	.global user_iret
user_iret:
	cli
	pushq $(KPP_SEL_USER_DATA | 3)
	pushq %rsi
	pushq $(RFLAGS_IF | RFLAGS_RESERVED)
	pushq $(KPP_SEL_USER_CODE | 3)
	pushq %rdi
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
	swapgs
	iretq
