/* pg_crash(stop, args, wipe_lo): zero the stack from wipe_lo up to the
 * stack pointer and every register the stop routine does not take, then
 * call stop(args[0..4], NULL). Never returns. */
	.section .text.pg_stop, "ax"
	.global pg_crash
	.type pg_crash, @function
pg_crash:
	cli
	movq %rdi, %r11
	movq %rsi, %r10
	movq %rdx, %rdi
1:	cmpq %rsp, %rdi
	jae 2f
	movq $0, (%rdi)
	addq $8, %rdi
	jmp 1b
2:	xorl %eax, %eax
	xorl %ebx, %ebx
	xorl %ebp, %ebp
	xorl %r12d, %r12d
	xorl %r13d, %r13d
	xorl %r14d, %r14d
	xorl %r15d, %r15d
	movl (%r10), %edi
	movq 8(%r10), %rsi
	movq 16(%r10), %rdx
	movq 24(%r10), %rcx
	movq 32(%r10), %r8
	xorl %r9d, %r9d
	xorl %r10d, %r10d
	callq *%r11
3:	cli
	hlt
	jmp 3b
	.size pg_crash, . - pg_crash

/* pg_stop_nmi: the NMI gate of the stop path's own IDT (stop.c,
 * stop_block_nmi). Taken once, from stop_block_nmi's wait, it marks the
 * NMI taken and goes back to the interrupted instruction without IRET, so
 * the processor keeps NMIs blocked until it stops: no NMI, whatever its
 * gate or the code behind it, runs before the stop screen and the event
 * (A140). Clobbers r11 (the wait names it). */
	.global pg_stop_nmi
	.type pg_stop_nmi, @function
pg_stop_nmi:
	movb $1, pg_stop_nmi_taken(%rip)
	movq (%rsp), %r11
	movq 24(%rsp), %rsp
	jmpq *%r11
	.size pg_stop_nmi, . - pg_stop_nmi
