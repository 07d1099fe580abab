/*
 * The x2APIC probe: a Multiboot v1 image (64-bit code in an ELF32 file) that
 * prints on COM1 whether CPUID advertises x2APIC and the TSC-deadline timer,
 * and when it does, drives them: the IA32_APIC_BASE.EXTD transitions (#GP for
 * the illegal ones), the MSR interface (ID, version, LDR, SVR, TPR, PPR, the
 * 64-bit ICR, SELF IPI, EOI), #GP for write-only, read-only and absent
 * registers and reserved bits, the MMIO page no longer decoded, self IPIs by
 * physical and logical destination, the timer through its MSRs, and a
 * TSC-deadline interrupt. QEMU 7.2's TCG advertises neither feature, so with
 * the default CPU the transcript is the same on QEMU and kppemu; with
 * kppemu --cpu-feature x2apic --cpu-feature tsc-deadline it follows the SDM.
 * It exits through isa-debug-exit with value 0 (exit status 1).
 */

	.include "probe64.inc"

	.text
	.code64
main:
	/* Map the APIC page (3-4 GiB through a second page directory, uncached). */
	leaq pd2(%rip), %rax
	orq $3, %rax
	movq %rax, pdpt+24(%rip)
	movq $0xFEE0009B, %rax
	movq %rax, pd2+0x1F7*8(%rip)
	movq %cr3, %rax
	movq %rax, %cr3

	/* Interrupt gates: the timer (0x30, 0x31), IPIs (0x50-0x53), spurious (0xFF). */
	leaq idt(%rip), %rdi
	leaq isr_timer(%rip), %rax
	movl $0x30, %ecx
	call set_gate
	leaq isr_deadline(%rip), %rax
	movl $0x31, %ecx
	call set_gate
	leaq isr_ipi(%rip), %rax
	movl $0x50, %ecx
	call set_gate
	leaq isr_ipi(%rip), %rax
	movl $0x51, %ecx
	call set_gate
	leaq isr_ipi(%rip), %rax
	movl $0x52, %ecx
	call set_gate
	leaq isr_ipi(%rip), %rax
	movl $0x53, %ecx
	call set_gate
	leaq isr_spurious(%rip), %rax
	movl $0xFF, %ecx
	call set_gate

	leaq msg_feat(%rip), %rsi
	call puts
	movl $1, %eax
	cpuid
	movl %ecx, %r12d
	movl %ecx, %edi
	shrl $21, %edi
	andl $1, %edi
	call puthex32
	movl %r12d, %edi
	shrl $24, %edi
	andl $1, %edi
	call sp_hex
	call newline
	testl $1<<21, %r12d
	jnz x2apic
	leaq msg_nox2(%rip), %rsi
	call puts
	jmp done

x2apic:
	/* EXTD without EN is the invalid state; EN|EXTD enters x2APIC mode. */
	PMSR 0x1B
	PWRMSR 0x1B, 0, 0xFEE00500
	PWRMSR 0x1B, 0, 0xFEE00D00
	PMSR 0x1B
	PMSR 0x802
	PMSR 0x803
	PMSR 0x80D
	PMSR 0x80F
	/* The MMIO page is not decoded. */
	leaq msg_mmio(%rip), %rsi
	call puts
	movl $0xFEE00030, %edi
	movl (%rdi), %edi
	call puthex32
	call newline
	/* Write-only, absent, read-only registers and reserved bits: #GP. */
	PMSR 0x80B
	PMSR 0x83F
	PMSR 0x831
	PMSR 0x809
	PMSR 0x80E
	PMSR 0x804
	PWRMSR 0x802, 0, 5
	PWRMSR 0x80D, 0, 1
	PWRMSR 0x803, 0, 0
	PWRMSR 0x839, 0, 0
	PWRMSR 0x80B, 0, 1
	PWRMSR 0x828, 0, 1
	PWRMSR 0x808, 1, 0
	/* TPR and PPR, CR8. */
	PWRMSR 0x808, 0, 0x40
	PMSR 0x808
	PMSR 0x80A
	leaq msg_cr8(%rip), %rsi
	call puts
	movq %cr8, %rax
	movq %rax, %rdi
	call puthex32
	call newline
	PWRMSR 0x808, 0, 0
	/* Software-enable, then self IPIs: SELF IPI, ICR by physical ID (its own, from
	 * 0x802), ICR by logical destination (the LDR), ICR all-including-self. */
	PWRMSR 0x80F, 0, 0x1FF
	sti
	PWRMSR 0x83F, 0, 0x50
	movl $0x802, %ecx
	rdmsr
	movl %eax, %edx
	movl $0x51, %eax
	movl $0x830, %ecx
	call show_wrmsr
	movl $0x80D, %ecx
	rdmsr
	movl %eax, %edx
	movl $0x852, %eax
	movl $0x830, %ecx
	call show_wrmsr
	PWRMSR 0x830, 0, 0x80053
	PMSR 0x830
	PWRMSR 0x830, 0x7F, 0x50
	call show_counts
	/* The timer through its MSRs: divide by 1, one-shot 1000 ticks. */
	PWRMSR 0x83E, 0, 0xB
	PWRMSR 0x832, 0, 0x30
	PWRMSR 0x838, 0, 1000
1:	cmpl $0, n_timer(%rip)
	jne 2f
	hlt
	jmp 1b
2:	PMSR 0x839
	/* TSC-deadline. */
	testl $1<<24, %r12d
	jz 3f
	PMSR 0x6E0
	PWRMSR 0x832, 0, 0x40031
	PMSR 0x832
	rdtsc
	shlq $32, %rdx
	orq %rax, %rdx
	addq $2000, %rdx
	movq %rdx, %rax
	shrq $32, %rdx
	movl $0x6E0, %ecx
	wrmsr
	movl $0x6E0, %ecx
	rdmsr
	orl %edx, %eax
	setnz %al
	movzbl %al, %r15d
	call show_counts
	leaq msg_armed(%rip), %rsi
	call puts
	movl %r15d, %edi
	call puthex32
	call newline
1:	cmpl $0, n_deadline(%rip)
	jne 2f
	hlt
	jmp 1b
2:	PMSR 0x6E0
	call show_counts
	/* A deadline in the past fires at once. */
	PWRMSR 0x6E0, 0, 1
	nop
	nop
	call show_counts
3:	cli
	/* Back to xAPIC: not directly (#GP), only through disabled. */
	PWRMSR 0x1B, 0, 0xFEE00900
	PWRMSR 0x1B, 0, 0xFEE00100
	PWRMSR 0x1B, 0, 0xFEE00900
	PMSR 0x1B
	PMSR 0x802
	leaq msg_mmio(%rip), %rsi
	call puts
	movl $0xFEE00030, %edi
	movl (%rdi), %edi
	call puthex32
	call newline
done:
	jmp bye

/* show_counts: "interrupts 50 51 52 53 timer deadline". */
show_counts:
	leaq msg_counts(%rip), %rsi
	call puts
	leaq n_ipi(%rip), %r13
	movl $4, %r14d
1:	movl (%r13), %edi
	call sp_hex
	addq $4, %r13
	decl %r14d
	jnz 1b
	movl n_timer(%rip), %edi
	call sp_hex
	movl n_deadline(%rip), %edi
	call sp_hex
	jmp newline

	.macro EOI_IRET
	movl $0x80B, %ecx
	xorl %eax, %eax
	xorl %edx, %edx
	wrmsr
	popq %rdx
	popq %rcx
	popq %rax
	iretq
	.endm
isr_timer:
	pushq %rax
	pushq %rcx
	pushq %rdx
	incl n_timer(%rip)
	EOI_IRET
isr_deadline:
	pushq %rax
	pushq %rcx
	pushq %rdx
	incl n_deadline(%rip)
	EOI_IRET
/* isr_ipi: counts the vector in service (ISR word 2, bits 0x50-0x53). */
isr_ipi:
	pushq %rax
	pushq %rcx
	pushq %rdx
	movl $0x812, %ecx
	rdmsr
	shrl $16, %eax
	andl $0xF, %eax
	bsfl %eax, %eax
	leaq n_ipi(%rip), %rcx
	incl (%rcx,%rax,4)
	EOI_IRET
isr_spurious:
	incl n_spurious(%rip)
	iretq

	.section .rodata
msg_hello:	.asciz "x2apic probe: long mode\r\n"
msg_feat:	.asciz "cpuid.1 x2apic tsc-deadline "
msg_nox2:	.asciz "x2apic not advertised\r\n"
msg_mmio:	.asciz "mmio fee00030 "
msg_cr8:	.asciz "cr8 "
msg_armed:	.asciz "deadline armed "
msg_counts:	.asciz "interrupts 50 51 52 53 timer deadline"

	.data
	.balign 4
n_ipi:		.long 0, 0, 0, 0
n_timer:	.long 0
n_deadline:	.long 0
n_spurious:	.long 0

	.bss
	.balign 4096
pd2:	.skip 4096
