/*
 * Ring-3 round trip for the `usertest` shell command (usertest.c), until
 * the processes issue brings real ones. user_enter saves the kernel's
 * callee-saved registers and RFLAGS, IRETQs to ring 3, and returns when
 * user_return is called (from sys_exit or a ring-3 fault) with its value.
 */
#include <kpp/abi.h>

#define RFLAGS_IF 0x200

	.section .text
/* uint64_t user_enter(uint64_t rip, uint64_t rsp, uint64_t *saved_rsp) */
	.global user_enter
user_enter:
	pushfq
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdx)
	cli
	pushq $(KPP_SEL_USER_DATA | 3)
	pushq %rsi
	pushq $RFLAGS_IF
	pushq $(KPP_SEL_USER_CODE | 3)
	pushq %rdi
	xorl %eax, %eax
	xorl %ebx, %ebx
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %esi, %esi
	xorl %edi, %edi
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

/* void user_return(uint64_t saved_rsp, uint64_t value): back into user_enter's caller. */
	.global user_return
user_return:
	movq %rdi, %rsp
	movq %rsi, %rax
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	popfq
	ret

/*
 * The ring-3 program, copied to a user page. It writes a greeting, checks
 * that an unknown service number and a kernel pointer are refused with
 * their status codes, and exits with 0 on success (or 1/2 naming the check
 * that failed). The "spin" variant first loops long enough to take timer
 * interrupts in ring 3; the "fault" variant reads a supervisor page.
 */
	.section .rodata
	.global user_code_start, user_code_end, user_code_fault_offset, user_code_spin_offset
user_code_start:
	leaq user_msg(%rip), %rdi
	movl $(user_msg_end - user_msg), %esi
	movl $KPP_SYS_WRITE, %eax
	syscall
	movl $0x999, %eax
	syscall
	cmpl $KPP_STATUS_INVALID_SYSTEM_SERVICE, %eax
	jne 1f
	movabsq $KPP_KERNEL_VIRT_BASE, %rdi
	movl $16, %esi
	movl $KPP_SYS_WRITE, %eax
	syscall
	cmpl $KPP_STATUS_INVALID_PARAMETER, %eax
	jne 2f
	xorl %edi, %edi
	jmp 3f
1:	movl $1, %edi
	jmp 3f
2:	movl $2, %edi
3:	movl $KPP_SYS_EXIT, %eax
	syscall
	ud2
user_code_spin:
	/* Long enough for timer interrupts to arrive in ring 3. */
	movl $30000000, %ecx
4:	decl %ecx
	jnz 4b
	jmp user_code_start
user_code_fault:
	movabsq $KPP_KERNEL_VIRT_BASE + 0x100000, %rax
	movq (%rax), %rax /* a supervisor page: #PF with U=1 */
	ud2
user_msg:
	.ascii "usertest: hello from ring 3\n"
user_msg_end:
user_code_end:
	.align 8
user_code_fault_offset:
	.quad user_code_fault - user_code_start
user_code_spin_offset:
	.quad user_code_spin - user_code_start
