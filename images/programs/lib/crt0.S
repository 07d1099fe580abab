/*
 * Program entry. The kernel starts the first thread at _start with
 * RDI = argc, RSI = argv (the strings and the array lie at the top of the
 * stack) and RSP + 8 16-byte aligned; main's return value is the exit status.
 */
	.section .text
	.global _start
_start:
	xorl %ebp, %ebp
	andq $-16, %rsp
	call main
	movl %eax, %edi
	call exit
	ud2

/*
 * long __syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6):
 * the number in RAX, arguments in RDI, RSI, RDX, R10, R8, R9 (kernel/abi);
 * SYSCALL clobbers RCX and R11.
 */
	.global __syscall
__syscall:
	movq %rdi, %rax
	movq %rsi, %rdi
	movq %rdx, %rsi
	movq %rcx, %rdx
	movq %r8, %r10
	movq %r9, %r8
	movq 8(%rsp), %r9
	syscall
	ret

	.section .note.GNU-stack, "", @progbits
