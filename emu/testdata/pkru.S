/*
 * The PKRU state-component probe: a Multiboot v1 image (64-bit code in an ELF32
 * file) that prints on COM1 how XSAVE covers protection keys: CPUID.7 PKU and
 * OSPKE, leaf 0xD's component 9 (8 bytes at offset 0xA80) and area sizes, the
 * XCR0 values XSETBV accepts with bit 9, XGETBV 1 while PKRU is in use, and
 * XSAVE, XSAVEOPT and XRSTOR of PKRU (loaded, put in its initial value 0,
 * skipped outside RFBM, #GP for XSTATE_BV[9] without XCR0[9]). It prints only
 * what the architecture fixes, so the transcript is the same on QEMU (-cpu max)
 * and kppemu; it exits through isa-debug-exit with value 0 (exit status 1).
 */
	.set CR4_PKE, 0x400000

	.include "probe64.inc"

	.text
	.code64
main:
	/* SSE and XSAVE on. */
	movq %cr0, %rax
	andq $~0xC, %rax
	orq $2, %rax
	movq %rax, %cr0
	movq %cr4, %rax
	orq $0x40600, %rax
	movq %rax, %cr4
	call show_pk_bits
	/* CR4.PKE: OSPKE follows it. */
	movq %cr4, %rax
	orq $CR4_PKE, %rax
	movq %rax, %cr4
	call show_pk_bits

	/* Leaf 0xD: x87 and PKRU among the supported components, the largest area,
	 * XSAVEOPT and XGETBV 1, component 9's size and offset. */
	leaq msg_leafd(%rip), %rsi
	call puts
	movl $0xD, %eax
	xorl %ecx, %ecx
	cpuid
	movl %ecx, %r12d
	movl %eax, %edi
	andl $0x201, %edi
	call puthex32
	movl %ebx, %edi
	call sp_hex
	movl %r12d, %edi
	call sp_hex
	movl $0xD, %eax
	movl $1, %ecx
	cpuid
	movl %eax, %edi
	andl $5, %edi
	call sp_hex
	call newline
	PCPUID 0xD, 9

	/* XSETBV: the value, the vector it raised (0: none), XCR0 and leaf 0xD's size. */
	movl $0x200, %edi
	call try_xsetbv
	movl $0x403, %edi
	call try_xsetbv
	movl $0x201, %edi
	call try_xsetbv
	movl $0x3, %edi
	call try_xsetbv
	movl $0x203, %edi
	call try_xsetbv

	/* XSAVE of PKRU = 0x55: XSTATE_BV[9] and the 8 bytes at 0xA80. */
	movl $0x55, %eax
	call set_pkru
	leaq msg_inuse(%rip), %rsi
	call puts
	movl $1, %ecx
	xgetbv
	movl %eax, %edi
	andl $0x200, %edi
	call puthex32
	call newline
	movl $0xFFFFFFFF, %eax
	call do_xsave
	/* XRSTOR of an image with XSTATE_BV[9] and 0x1234 at 0xA80 (the high half is
	 * reserved and ignored). */
	movabsq $0xFFFF000000001234, %rax
	movq %rax, area+0xA80(%rip)
	orq $0x200, area+512(%rip)
	movl $0xFFFFFFFF, %eax
	movl %eax, %edx
	xrstor area(%rip)
	call show_pkru
	/* XRSTOR with XSTATE_BV[9] clear: PKRU's initial value. */
	andq $~0x200, area+512(%rip)
	movl $0xFFFFFFFF, %eax
	movl %eax, %edx
	xrstor area(%rip)
	call show_pkru
	/* XSAVEOPT of a changed PKRU. */
	movl $0x77, %eax
	call set_pkru
	movl $0xAAAAAAAA, area+0xA80(%rip)
	movl $0xFFFFFFFF, %eax
	movl %eax, %edx
	xsaveopt area(%rip)
	call show_area
	/* RFBM without bit 9: XSAVE leaves the PKRU bytes and XSTATE_BV[9] alone,
	 * XRSTOR leaves PKRU alone. */
	movl $0x999, area+0xA80(%rip)
	movl $3, %eax
	call do_xsave_keep
	movq $0x3, area+512(%rip)
	movl $3, %eax
	xorl %edx, %edx
	xrstor area(%rip)
	call show_pkru
	/* XCR0 without bit 9: an image with XSTATE_BV[9] is #GP, PKRU is kept. */
	movl $0x3, %eax
	xorl %edx, %edx
	xorl %ecx, %ecx
	xsetbv
	orq $0x200, area+512(%rip)
	leaq msg_badbv(%rip), %rsi
	call puts
	TRY 1f
	movl $0xFFFFFFFF, %eax
	movl %eax, %edx
	xrstor area(%rip)
1:	movl fault_vec(%rip), %edi
	call puthex32
	call newline
	call show_pkru
	jmp bye

/* show_pk_bits: CPUID.7.0:ECX bits 3 (PKU) and 4 (OSPKE). */
show_pk_bits:
	leaq msg_pk(%rip), %rsi
	call puts
	movl $7, %eax
	xorl %ecx, %ecx
	cpuid
	movl %ecx, %edi
	andl $0x18, %edi
	call puthex32
	jmp newline

/* set_pkru: WRPKRU %eax. */
set_pkru:
	xorl %ecx, %ecx
	xorl %edx, %edx
	wrpkru
	ret

/* show_pkru: "pkru V". */
show_pkru:
	leaq msg_pkru(%rip), %rsi
	call puts
	xorl %ecx, %ecx
	rdpkru
	movl %eax, %edi
	call puthex32
	jmp newline

/* do_xsave: XSAVE with RFBM = %eax (EDX all ones) into a cleared header and a
 * sentinel at 0xA80; do_xsave_keep keeps both as they are. Then show_area. */
do_xsave:
	movq $0, area+512(%rip)
	movq $0xAAAAAAAAAAAAAAAA, %rdx
	movq %rdx, area+0xA80(%rip)
do_xsave_keep:
	movl $0xFFFFFFFF, %edx
	xsave area(%rip)
/* show_area: "xstate_bv&200 B pkru image Q". */
show_area:
	leaq msg_area(%rip), %rsi
	call puts
	movq area+512(%rip), %rdi
	andl $0x200, %edi
	call puthex32
	call space
	movq area+0xA80(%rip), %rdi
	call puthex64
	jmp newline

/* try_xsetbv: XSETBV XCR0 = %edi; prints the value, the vector, XCR0 and the size
 * leaf 0xD reports for it. */
try_xsetbv:
	pushq %rdi
	leaq msg_xsetbv(%rip), %rsi
	call puts
	call puthex32
	popq %rax
	xorl %ecx, %ecx
	xorl %edx, %edx
	TRY 1f
	xsetbv
1:	movl fault_vec(%rip), %edi
	call sp_hex
	xorl %ecx, %ecx
	xgetbv
	movl %eax, %edi
	call sp_hex
	movl $0xD, %eax
	xorl %ecx, %ecx
	cpuid
	movl %ebx, %edi
	call sp_hex
	jmp newline

	.section .rodata
msg_hello:	.asciz "pkru probe: long mode\r\n"
msg_pk:		.asciz "cpuid.7 ecx&(pku|ospke) "
msg_leafd:	.asciz "cpuid.d eax&201 ebx ecx, .1 eax&5 "
msg_xsetbv:	.asciz "xsetbv "
msg_inuse:	.asciz "xgetbv 1 &200 "
msg_area:	.asciz "xstate_bv&200 pkru image "
msg_pkru:	.asciz "pkru "
msg_badbv:	.asciz "xrstor xstate_bv[9] without xcr0[9]: vector "

	.bss
	.balign 4096
area:	.skip 4096
