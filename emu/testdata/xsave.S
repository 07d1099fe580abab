/*
 * The XSAVE probe: a Multiboot v1 image that checks, on COM1, what software
 * learns about XSAVE from CPUID and XGETBV, the XCR0 and CR4.OSXSAVE rules,
 * and an XSAVE/XRSTOR round trip of the x87 and SSE state. It prints only
 * what the architecture fixes (not what one CPU model supports beyond x87
 * and SSE), so its transcript is the same on QEMU and kppemu; it exits
 * through isa-debug-exit with value 0 (exit status 1).
 *
 * A probe that may fault sets fault_resume first; the #UD, #NM and #GP
 * handlers record the vector in fault_vec and resume there.
 */

	.set CR4_OSFXSR, 0x200
	.set CR4_OSXMMEXCPT, 0x400
	.set CR4_OSXSAVE, 0x40000
	.set CR0_TS, 0x8
	.set CR0_EM, 0x4
	.set CR0_MP, 0x2

	.include "probe64.inc"

	.text
	.code64
main:
	/* SSE on, x87 as after reset: CR0.EM clear, MP set. */
	movq %cr0, %rax
	andq $~(CR0_EM | CR0_TS), %rax
	orq $CR0_MP, %rax
	movq %rax, %cr0
	movq %cr4, %rax
	orq $(CR4_OSFXSR | CR4_OSXMMEXCPT), %rax
	movq %rax, %cr4
	fninit

	/* CPUID.1:ECX bit 26 XSAVE, bit 27 OSXSAVE (CR4.OSXSAVE still clear). */
	leaq msg_cpuid1(%rip), %rsi
	call puts
	call cpuid1_xsave_bits
	call putbits2
	call newline

	/* XGETBV before CR4.OSXSAVE: #UD. */
	leaq msg_xgetbv_ud(%rip), %rsi
	call puts
	leaq 1f(%rip), %rax
	movq %rax, fault_resume(%rip)
	movl $0, fault_vec(%rip)
	xorl %ecx, %ecx
	xgetbv
1:	call putvec

	/* CR4.OSXSAVE: CPUID.1:ECX.OSXSAVE follows it. */
	movq %cr4, %rax
	orq $CR4_OSXSAVE, %rax
	movq %rax, %cr4
	leaq msg_cpuid1(%rip), %rsi
	call puts
	call cpuid1_xsave_bits
	call putbits2
	call newline

	/* XCR0 after reset is 1 (x87 only); leaf 0xD lists x87 and SSE. */
	leaq msg_xcr0(%rip), %rsi
	call puts
	xorl %ecx, %ecx
	xgetbv
	movl %eax, %edi
	call puthex32
	call newline
	leaq msg_leafd(%rip), %rsi
	call puts
	movl $0xD, %eax
	xorl %ecx, %ecx
	cpuid
	movl %eax, %edi
	andl $3, %edi
	call puthex32
	call newline

	/* XSETBV: value, then the vector it raised (0 if none) and XCR0. */
	movl $0, %edi
	call try_xsetbv
	movl $2, %edi
	call try_xsetbv
	movl $5, %edi
	call try_xsetbv
	movl $3, %edi
	call try_xsetbv
	/* XGETBV with ECX = 0x55 (no such XCR): #GP. */
	leaq msg_xgetbv_bad(%rip), %rsi
	call puts
	leaq 1f(%rip), %rax
	movq %rax, fault_resume(%rip)
	movl $0, fault_vec(%rip)
	movl $0x55, %ecx
	xgetbv
1:	call putvec

	/* Leaf 0xD EBX: the size for the features XCR0 enables (x87|SSE: 576). */
	leaq msg_size(%rip), %rsi
	call puts
	movl $0xD, %eax
	xorl %ecx, %ecx
	cpuid
	movl %ebx, %edi
	call puthex32
	call newline

	/* The round trip: known x87 and SSE state, XSAVE, scramble, XRSTOR, XSAVE
	 * again; both areas are summed over the bytes the architecture defines. */
	call load_state
	leaq area1(%rip), %rdi
	movl $3, %eax
	xorl %edx, %edx
	xsave (%rdi)
	leaq msg_bv(%rip), %rsi
	call puts
	movq area1+512(%rip), %rdi
	call puthex64
	call newline
	leaq msg_sum1(%rip), %rsi
	call puts
	leaq area1(%rip), %rdi
	call area_sum
	call newline

	call scramble
	leaq area1(%rip), %rdi
	movl $3, %eax
	xorl %edx, %edx
	xrstor (%rdi)
	leaq area2(%rip), %rdi
	movl $3, %eax
	xsaveopt (%rdi)
	leaq msg_sum2(%rip), %rsi
	call puts
	leaq area2(%rip), %rdi
	call area_sum
	call newline

	/* XRSTOR with XSTATE_BV = x87 only: the SSE registers get their initial
	 * value (zero); MXCSR is still loaded. */
	movq $1, area1+512(%rip)
	call scramble
	leaq area1(%rip), %rdi
	movl $3, %eax
	xrstor (%rdi)
	leaq msg_init(%rip), %rsi
	call puts
	movq %xmm5, %rdi
	call puthex64
	movb $' ', %al
	call putc
	stmxcsr scratch(%rip)
	movl scratch(%rip), %edi
	call puthex32
	call newline

	/* Faults: XSTATE_BV with a bit XCR0 lacks, a misaligned area. (Not CR0.TS:
	 * QEMU's TCG runs XSAVE with TS set where the SDM raises #NM.) */
	leaq msg_badbv(%rip), %rsi
	call puts
	movq $4, area1+512(%rip)
	leaq 1f(%rip), %rax
	movq %rax, fault_resume(%rip)
	movl $0, fault_vec(%rip)
	leaq area1(%rip), %rdi
	movl $3, %eax
	xrstor (%rdi)
1:	call putvec
	leaq msg_misalign(%rip), %rsi
	call puts
	leaq 1f(%rip), %rax
	movq %rax, fault_resume(%rip)
	movl $0, fault_vec(%rip)
	leaq area1+16(%rip), %rdi
	xsave (%rdi)
1:	call putvec
	jmp bye

/* cpuid1_xsave_bits: %edi = CPUID.1:ECX bits 27:26 as a 2-bit value. */
cpuid1_xsave_bits:
	pushq %rbx
	movl $1, %eax
	cpuid
	movl %ecx, %edi
	shrl $26, %edi
	andl $3, %edi
	popq %rbx
	ret

/* putbits2: "xsave=B osxsave=B" from %edi bits 0 and 1. */
putbits2:
	leaq msg_xsavebit(%rip), %rsi
	call puts
	movl %edi, %eax
	andb $1, %al
	addb $'0', %al
	call putc
	leaq msg_osxsavebit(%rip), %rsi
	call puts
	movl %edi, %eax
	shrb $1, %al
	addb $'0', %al
	call putc
	ret

/* try_xsetbv: XSETBV XCR0 = %edi; prints the value, the vector and XCR0. */
try_xsetbv:
	pushq %rdi
	leaq msg_xsetbv(%rip), %rsi
	call puts
	call puthex32
	popq %rax
	leaq 1f(%rip), %rdx
	movq %rdx, fault_resume(%rip)
	movl $0, fault_vec(%rip)
	xorl %ecx, %ecx
	xorl %edx, %edx
	xsetbv
1:	movb $' ', %al
	call putc
	call putvec_inline
	movb $' ', %al
	call putc
	xorl %ecx, %ecx
	xgetbv
	movl %eax, %edi
	call puthex32
	call newline
	ret

/* putvec: "vector N" line; putvec_inline without the line end. */
putvec:
	call putvec_inline
	jmp newline
putvec_inline:
	leaq msg_vec(%rip), %rsi
	call puts
	movl fault_vec(%rip), %edi
	call puthex32
	ret

/* load_state: x87 registers from an FNSAVE image, XMM0-15 and MXCSR from a pattern. */
load_state:
	fninit
	frstor x87img(%rip)
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	imull $0x01010101, %eax
	addl $0x10203, %eax
	movl %eax, scratch(%rip)
	movl %eax, scratch+4(%rip)
	notl %eax
	movl %eax, scratch+8(%rip)
	movl %ecx, scratch+12(%rip)
	movdqu scratch(%rip), %xmm0
	call rotate_xmm
	incl %ecx
	cmpl $16, %ecx
	jne 1b
	movl $0x3F80, scratch(%rip)	/* MXCSR: RC toward zero, exceptions masked */
	ldmxcsr scratch(%rip)
	ret

/* rotate_xmm: XMM15 <- XMM14 <- ... <- XMM0 (so 16 calls fill all sixteen). */
rotate_xmm:
	movdqa %xmm14, %xmm15
	movdqa %xmm13, %xmm14
	movdqa %xmm12, %xmm13
	movdqa %xmm11, %xmm12
	movdqa %xmm10, %xmm11
	movdqa %xmm9, %xmm10
	movdqa %xmm8, %xmm9
	movdqa %xmm7, %xmm8
	movdqa %xmm6, %xmm7
	movdqa %xmm5, %xmm6
	movdqa %xmm4, %xmm5
	movdqa %xmm3, %xmm4
	movdqa %xmm2, %xmm3
	movdqa %xmm1, %xmm2
	movdqa %xmm0, %xmm1
	ret

/* scramble: other x87 and SSE state, so a restore has something to undo. */
scramble:
	fninit
	pcmpeqd %xmm0, %xmm0
	xorl %ecx, %ecx
1:	call rotate_xmm
	incl %ecx
	cmpl $16, %ecx
	jne 1b
	movl $0x1F80, scratch(%rip)
	ldmxcsr scratch(%rip)
	ret

/* area_sum: prints a 64-bit sum of the XSAVE area at %rdi over bytes 0-5,
 * 24-27 and 32-415 (FOP/FIP/FDP and MXCSR_MASK are model-specific) and
 * the XSTATE_BV word. */
area_sum:
	xorq %rax, %rax
	movzwl (%rdi), %edx
	addq %rdx, %rax
	movzwl 2(%rdi), %edx
	addq %rdx, %rax
	movzbl 4(%rdi), %edx
	addq %rdx, %rax
	movl 24(%rdi), %edx
	addq %rdx, %rax
	movl $32, %ecx
1:	movq (%rdi,%rcx), %rdx
	rolq $7, %rax
	addq %rdx, %rax
	addl $8, %ecx
	cmpl $416, %ecx
	jne 1b
	addq 512(%rdi), %rax
	movq %rax, %rdi
	jmp puthex64

	.section .rodata
msg_hello:	.asciz "xsave probe: long mode\r\n"
msg_cpuid1:	.asciz "cpuid.1:"
msg_xsavebit:	.asciz " xsave="
msg_osxsavebit:	.asciz " osxsave="
msg_xgetbv_ud:	.asciz "xgetbv without cr4.osxsave: "
msg_xgetbv_bad:	.asciz "xgetbv xcr 0x55: "
msg_xcr0:	.asciz "xcr0 at reset "
msg_leafd:	.asciz "cpuid.d.0 eax&3 "
msg_xsetbv:	.asciz "xsetbv "
msg_size:	.asciz "xsave size for xcr0 "
msg_bv:		.asciz "xstate_bv "
msg_sum1:	.asciz "xsave sum "
msg_sum2:	.asciz "after xrstor, xsaveopt sum "
msg_init:	.asciz "xrstor sse init: xmm5 mxcsr "
msg_badbv:	.asciz "xrstor xstate_bv 4: "
msg_misalign:	.asciz "xsave misaligned: "

	.balign 16
/* An FNSAVE image: FCW 037F with RC=up, TOP=3, a tag word with two empty
 * registers, and eight register values. */
x87img:
	.long 0x0B7F, 0x1800, 0xF0FF, 0, 0, 0, 0
	.quad 0x8000000000000000
	.word 0x3FFF
	.quad 0xC90FDAA22168C235
	.word 0x4000
	.quad 0x0000000000000000
	.word 0x0000
	.quad 0xFFFFFFFFFFFFFFFF
	.word 0x7FFE
	.quad 0x8000000000000001
	.word 0xBFFF
	.quad 0xC000000000000000
	.word 0xFFFF
	.quad 0x0123456789ABCDEF
	.word 0x0000
	.quad 0x8000000000000000
	.word 0x7FFF


	.data
	.balign 16
scratch:	.skip 16

	.bss
	.balign 4096
	.balign 64
area1:	.skip 1024
area2:	.skip 1024
