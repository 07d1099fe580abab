/*
 * The x87 error-reporting probe: a Multiboot v1 image (64-bit code in an ELF32
 * file) that prints on COM1 CPUID's FPU and FXSR bits, then what FWAIT does with
 * an unmasked exception pending (a divide by zero with ZE unmasked): with
 * CR0.NE=1 it raises #MF (vector 16); with CR0.NE=0 it signals FERR#, which
 * arrives as IRQ 13 through the 8259 (vector 0x75 as SeaBIOS programs it). The
 * IRQ 13 handler writes port F0h (IGNNE#, which drops the line), so a second
 * FWAIT with the exception still pending raises nothing; loading a clean status
 * word (FLDENV) releases IGNNE#, and the next pending exception interrupts
 * again (that part only in x87ferr.elf, assembled with FERR defined). It also
 * prints a few exactly defined results (FXTRACT, FSCALE, FPREM, FBSTP) and exits
 * through isa-debug-exit with value 0 (exit status 1).
 */
	.set CR0_NE, 0x20
	.set IRQ13_VEC, 0x75

	.include "probe64.inc"

	/* PEND: a divide by zero with ZE unmasked leaves an exception pending. */
	.macro PEND
	fninit
	fldcw cw_ze(%rip)
	fld1
	fldz
	.byte 0xDE, 0xF9		/* fdivp st(1), st(0): 1/0 */
	.endm

	.text
	.code64
main:
	leaq idt(%rip), %rdi
	leaq exc_mf(%rip), %rax
	movl $16, %ecx
	call set_gate
	leaq irq13(%rip), %rax
	movl $IRQ13_VEC, %ecx
	call set_gate

	/* CPUID.1 EDX: FPU (bit 0) and FXSR (bit 24). */
	leaq msg_cpuid1(%rip), %rsi
	call puts
	movl $1, %eax
	xorl %ecx, %ecx
	cpuid
	movl %edx, %edi
	andl $0x01000001, %edi
	call puthex32
	call newline

	/* x87 on: CR0.EM and TS clear, MP set, NE set. */
	movq %cr0, %rax
	andq $~0xC, %rax
	orq $2 | CR0_NE, %rax
	movq %rax, %cr0

	/* CR0.NE=1: FWAIT raises #MF; the status word keeps the exception. */
	leaq msg_mf(%rip), %rsi
	call puts
	PEND
	TRY 1f
	fwait
1:	movl fault_vec(%rip), %edi
	call puthex32
	call show_fsw

	/* CR0.NE=0 (built with --defsym FERR=1 only: QEMU 7.2 aborts when FERR#
	 * raises IRQ 13 from the CPU thread; versions from 8.1 on take the lock). */
	.ifdef FERR
	/* The 8259 passes IRQ 13 alone (master IRQ 2, slave IRQ 5). */
	movq %cr0, %rax
	andq $~CR0_NE, %rax
	movq %rax, %cr0
	movb $0xFB, %al
	outb %al, $0x21
	movb $0xDF, %al
	outb %al, $0xA1

	leaq msg_ferr(%rip), %rsi
	call puts
	PEND
	call wait_irq
	/* IGNNE# is asserted now: the exception is still pending, nothing arrives. */
	leaq msg_ignne(%rip), %rsi
	call puts
	call wait_irq
	/* FNCLEX clears the exception; FLDENV of a clean environment releases IGNNE#. */
	fnclex
	fnstenv env(%rip)
	fldenv env(%rip)
	leaq msg_again(%rip), %rsi
	call puts
	PEND
	call wait_irq

	/* Without the F0h write the line stays up: one interrupt, however many waits. */
	movb $1, no_ack(%rip)
	fnclex
	fnstenv env(%rip)
	fldenv env(%rip)
	leaq msg_noack(%rip), %rsi
	call puts
	PEND
	call wait_irq
	call wait_irq
	fninit
	movq %cr0, %rax
	orq $CR0_NE, %rax
	movq %rax, %cr0
	.endif

	/* Exactly defined results: FXTRACT of 10, FSCALE of 3 by 5, FPREM of 10 by 3
	 * (remainder and quotient bits C0 C3 C1), FBSTP of -1234567.5 (to nearest even). */
	leaq msg_xtract(%rip), %rsi
	call puts
	fninit
	fildl ten(%rip)
	fxtract
	fistpl out(%rip)
	fistpl out+4(%rip)
	movl out(%rip), %edi
	call puthex32
	movl out+4(%rip), %edi
	call sp_hex
	call newline
	leaq msg_scale(%rip), %rsi
	call puts
	fildl five(%rip)
	fildl three(%rip)
	fscale
	fistpl out(%rip)
	fstp %st(0)
	movl out(%rip), %edi
	call puthex32
	call newline
	leaq msg_prem(%rip), %rsi
	call puts
	fildl three(%rip)
	fildl ten(%rip)
	fprem
	fnstsw %ax
	andl $0x4700, %eax
	movl %eax, %r12d
	fistpl out(%rip)
	fstp %st(0)
	movl out(%rip), %edi
	call puthex32
	movl %r12d, %edi
	call sp_hex
	call newline
	leaq msg_bcd(%rip), %rsi
	call puts
	fldl bcdval(%rip)
	fbstp out(%rip)
	movq out(%rip), %rdi
	call puthex64
	movzwl out+8(%rip), %edi
	call sp_hex
	call newline

	jmp bye

/* wait_irq: enable interrupts around an FWAIT and a short loop, then print how
 * many IRQ 13s arrived so far and the status word. */
wait_irq:
	sti
	fwait
	movl $200, %ecx
1:	loop 1b
	cli
	movl irq_count(%rip), %edi
	call puthex32
	jmp show_fsw

/* show_fsw: " fsw " and the status word's exception, ES and B bits. */
show_fsw:
	leaq msg_fsw(%rip), %rsi
	call puts
	fnstsw %ax
	movzwl %ax, %edi
	andl $0x80FF, %edi
	call puthex32
	jmp newline

exc_mf:
	movl $16, fault_vec(%rip)
	jmp resume

/* irq13: count, write port F0h (unless no_ack), EOI to both 8259s. */
irq13:
	pushq %rax
	incl irq_count(%rip)
	cmpb $0, no_ack(%rip)
	jne 1f
	xorb %al, %al
	outb %al, $0xF0
1:	movb $0x20, %al
	outb %al, $0xA0
	outb %al, $0x20
	popq %rax
	iretq

	.section .rodata
msg_hello:	.asciz "x87 probe: long mode\r\n"
msg_cpuid1:	.asciz "cpuid.1 edx&(fxsr|fpu) "
msg_mf:		.asciz "ne=1 fwait: vector "
msg_ferr:	.asciz "ne=0 fwait: irq13 count "
msg_ignne:	.asciz "ignne fwait: irq13 count "
msg_again:	.asciz "after fldenv: irq13 count "
msg_noack:	.asciz "no f0 write: irq13 count "
msg_fsw:	.asciz " fsw "
msg_xtract:	.asciz "fxtract 10: "
msg_scale:	.asciz "fscale 3*2^5: "
msg_prem:	.asciz "fprem 10,3: "
msg_bcd:	.asciz "fbstp -1234567.5: "
	.balign 8
cw_ze:	.word 0x037B
ten:	.long 10
five:	.long 5
three:	.long 3
bcdval:	.double -1234567.5

	.data
irq_count:	.long 0
no_ack:		.byte 0

	.bss
	.balign 4096
env:	.skip 32
out:	.skip 16
