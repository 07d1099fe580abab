/*
 * Ring-3 round trip for the `usertest` shell command (usertest.c), a test
 * of the entry and exit paths without a process. user_enter saves the kernel's
 * callee-saved registers and RFLAGS, IRETQs to ring 3, and returns when
 * user_return is called (from sys_exit or a ring-3 fault) with its value.
 */
#include <kpp/abi.h>

/* Call-frame information for debuggers, in .debug_frame (not loaded). */
	.cfi_sections .debug_frame
#define DW_RFLAGS 49

#define RFLAGS_IF 0x200

	.section .text
/* uint64_t user_enter(uint64_t rip, uint64_t rsp, uint64_t *saved_rsp) */
	.global user_enter
user_enter:
	.cfi_startproc
	pushfq
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset DW_RFLAGS, 0
	pushq %rbx
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbx, 0
	pushq %rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbp, 0
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
	movq %rsp, (%rdx)
	cli
	pushq $(KPP_SEL_USER_DATA | 3)
	.cfi_adjust_cfa_offset 8
	pushq %rsi
	.cfi_adjust_cfa_offset 8
	pushq $RFLAGS_IF
	.cfi_adjust_cfa_offset 8
	pushq $(KPP_SEL_USER_CODE | 3)
	.cfi_adjust_cfa_offset 8
	pushq %rdi
	.cfi_adjust_cfa_offset 8
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
	andb $0xFD, gdt+KPP_SEL_TSS+5(%rip) /* TR from the kernel's TSS again (A155; gdt.c) */
	ltr tss_selector(%rip)
	swapgs
	iretq
	.cfi_endproc

/* void user_return(uint64_t saved_rsp, uint64_t value): back into user_enter's caller. */
	.global user_return
user_return:
	.cfi_startproc
	movq %rdi, %rsp
	/* From here the frame is user_enter's, as it saved it. */
	.cfi_def_cfa_offset 64
	.cfi_offset %r15, -64
	.cfi_offset %r14, -56
	.cfi_offset %r13, -48
	.cfi_offset %r12, -40
	.cfi_offset %rbp, -32
	.cfi_offset %rbx, -24
	.cfi_offset DW_RFLAGS, -16
	movq %rsi, %rax
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
	popq %rbp
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbp
	popq %rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbx
	popfq
	.cfi_adjust_cfa_offset -8
	.cfi_restore DW_RFLAGS
	ret
	.cfi_endproc

/*
 * size_t copy_user(void *dst, const void *src, size_t n): copy with REP
 * MOVSB and return the bytes not copied. A page fault on the copy
 * instruction resumes at copy_user_done (trap.c's fixup) with RCX holding
 * what is left, so a bad user pointer gives an error, not a bug check.
 * The caller checks the range and opens SMAP (STAC/CLAC) around it.
 */
	.section .text
	.global copy_user, copy_user_insn, copy_user_done
copy_user:
	.cfi_startproc
	movq %rdx, %rcx
copy_user_insn:
	rep movsb
copy_user_done:
	movq %rcx, %rax
	ret
	.cfi_endproc

/*
 * The ring-3 program, copied to a user page. It writes a greeting, checks
 * that an unknown service number and a kernel pointer are refused with
 * their status codes, and exits with 0 on success (or 1/2 naming the check
 * that failed; 3: an unmapped user pointer must give
 * KPP_STATUS_ACCESS_VIOLATION). The "load" variant asks the kernel to load
 * the hello driver and exits with the status. The "spin" variant first loops long enough to take timer
 * interrupts in ring 3; the "fault" variant reads a supervisor page.
 */
	.section .rodata
	.global user_code_start, user_code_end, user_code_fault_offset, user_code_spin_offset, user_code_load_offset
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
	movl $0x10000, %edi /* user half, but unmapped */
	movl $16, %esi
	movl $KPP_SYS_WRITE, %eax
	syscall
	cmpl $KPP_STATUS_ACCESS_VIOLATION, %eax
	jne 5f
	xorl %edi, %edi
	jmp 3f
1:	movl $1, %edi
	jmp 3f
2:	movl $2, %edi
	jmp 3f
5:	movl $3, %edi
3:	movl $KPP_SYS_EXIT, %eax
	syscall
	ud2
user_code_load:
	/* load_driver("hello", "from ring 3"); exit(status) */
	leaq user_drv_name(%rip), %rdi
	leaq user_drv_args(%rip), %rsi
	movl $KPP_SYS_LOAD_DRIVER, %eax
	syscall
	movq %rax, %rdi
	movl $KPP_SYS_EXIT, %eax
	syscall
	ud2
user_drv_name:
	.asciz "hello"
user_drv_args:
	.asciz "from ring 3"
user_code_spin:
	/* Long enough for timer interrupts to arrive in ring 3. */
	movl $30000000, %ecx
4:	decl %ecx
	jnz 4b
	jmp user_code_start
user_code_fault:
	movabsq $__kernel_start, %rax /* wherever kaslr put the image */
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
user_code_load_offset:
	.quad user_code_load - user_code_start
