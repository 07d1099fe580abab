/*
 * The PC platform probe: a Multiboot v1 image (64-bit code in an ELF32 file, header
 * flags without the a.out kludge, as CPU test suites ship theirs) that prints on COM1
 * what bare-metal test kernels read from the machine at start-up: the i8042 status
 * and its self-tests, the VGA registers (cursor, retrace), port 0x80, the PIC masks
 * SeaBIOS leaves, unassigned ports (all ones), CMOS status and memory-size
 * registers, fw_cfg keys, VGA text memory read back, the BIOS data area, the MTRRs
 * and other MSRs such images read, and CPUID's hypervisor leaf, what a leaf past its
 * range returns and the feature bits they test. It prints only what QEMU TCG (-cpu
 * max) and kppemu agree on by design, so the transcript is the same on both; it
 * exits through isa-debug-exit with value 0 (exit status 1).
 *
 * An MSR read that may fault sets fault_resume first; the #GP handler records the
 * vector in fault_vec and resumes there.
 */

	.include "probe64.inc"

	.macro PIN8 port
	movl $\port, %edx
	call show_in8
	.endm
	.macro PIN16 port
	movl $\port, %edx
	call show_in16
	.endm
	.macro PIN32 port
	movl $\port, %edx
	call show_in32
	.endm
	.macro PCMOS reg
	movl $\reg, %eax
	call show_cmos
	.endm
	.macro PFWCFG key, len
	movl $\key, %eax
	movl $\len, %ecx
	call show_fwcfg
	.endm

	.text
	.code64
main:
	/* The i8042 as SeaBIOS leaves it, its self-tests and a keyboard reset. */
	PIN8 0x64
	PIN8 0x60
	movb $0x20, %al
	outb %al, $0x64
	PIN8 0x64
	PIN8 0x60
	movb $0xAA, %al
	outb %al, $0x64
	PIN8 0x60
	movb $0xAB, %al
	outb %al, $0x64
	PIN8 0x60
	movb $0xD0, %al
	outb %al, $0x64
	PIN8 0x60
	movb $0xFF, %al
	outb %al, $0x60
	PIN8 0x64
	PIN8 0x60
	PIN8 0x60
	PIN8 0x64
	movb $0xF2, %al
	outb %al, $0x60
	PIN8 0x60
	PIN8 0x60
	PIN8 0x60
	movb $0xEE, %al
	outb %al, $0x60
	PIN8 0x60
	PIN8 0x60
	PIN8 0x92
	/* VGA registers: indexes left by the firmware, retrace toggling, the cursor. */
	PIN8 0x3D4
	PIN8 0x3C4
	PIN8 0x3CE
	PIN8 0x3C0
	PIN8 0x3CC
	PIN8 0x3DA
	PIN8 0x3DA
	PIN8 0x3DA
	PIN8 0x3BA
	PIN8 0x3C0
	movb $0xa, %al
	movw $0x3D4, %dx
	outb %al, %dx
	PIN8 0x3D5
	movb $0xb, %al
	movw $0x3D4, %dx
	outb %al, %dx
	PIN8 0x3D5
	movb $0xe, %al
	movw $0x3D4, %dx
	outb %al, %dx
	PIN8 0x3D5
	movb $0xf, %al
	movw $0x3D4, %dx
	outb %al, %dx
	PIN8 0x3D5
	movb $0x11, %al
	movw $0x3D4, %dx
	outb %al, %dx
	PIN8 0x3D5
	movb $0x41, %al
	movw $0x3D4, %dx
	outb %al, %dx
	PIN8 0x3D5
	movw $0x3D4, %dx
	movw $0x340F, %ax
	outw %ax, %dx
	movw $0x550E, %ax
	outw %ax, %dx
	movw $0x3300, %ax
	outw %ax, %dx
	PIN8 0x3D5
	movb $0x0F, %al
	outb %al, %dx
	PIN8 0x3D5
	movb $0x0E, %al
	movw $0x3D4, %dx
	outb %al, %dx
	PIN8 0x3D5
	/* Port 0x80, the PIC masks SeaBIOS leaves, unassigned ports (all ones). */
	PIN8 0x80
	PIN8 0x21
	PIN8 0xA1
	PIN8 0x1234
	PIN8 0xE0
	PIN8 0x402
	PIN8 0xE9
	PIN8 0x8900
	PIN8 0x2F8
	PIN16 0x1234
	PIN32 0x1234
	PIN32 0xB008
	/* CMOS: status registers B and D (A and C change with the clock on QEMU), the memory sizes. */
	PCMOS 0x0B
	PCMOS 0x0D
	PCMOS 0x0E
	PCMOS 0x0F
	PCMOS 0x12
	PCMOS 0x15
	PCMOS 0x16
	PCMOS 0x17
	PCMOS 0x18
	PCMOS 0x30
	PCMOS 0x31
	PCMOS 0x34
	PCMOS 0x35
	PCMOS 0x5B
	PCMOS 0x5C
	PCMOS 0x5D
	/* fw_cfg: signature, UUID, RAM size, CPUs, max CPUs, absent keys. */
	PFWCFG 0x00, 4
	PFWCFG 0x02, 4
	PFWCFG 0x03, 8
	PFWCFG 0x05, 2
	PFWCFG 0x0E, 2
	PFWCFG 0x0F, 2
	PFWCFG 0x4242, 4
	PFWCFG 0x8000, 4
	/* VGA text memory: write and read back. */
	movq $0xB8000, %rdi
	movw $0x1F41, (%rdi)
	movw $0x0742, 158(%rdi)
	movzwl (%rdi), %eax
	movzwl 158(%rdi), %edx
	shll $16, %edx
	orl %edx, %eax
	leaq msg_vga(%rip), %rsi
	call puts
	movl %eax, %edi
	call puthex32
	call newline

	/* The BIOS data area, but for the time-of-day tick count at 0x46C. */
	movq $0x400, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x408, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x410, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x418, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x420, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x428, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x430, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x438, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x440, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x448, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x450, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x458, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x460, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x468, %rdi
	movl (%rdi), %edi
	call puthex32
	call newline
	movq $0x470, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x478, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x480, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x488, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x490, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x498, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x4a0, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x4a8, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x4b0, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x4b8, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x4c0, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x4c8, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x4d0, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x4d8, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x4e0, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x4e8, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x4f0, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	movq $0x4f8, %rdi
	movq (%rdi), %rdi
	call puthex64
	call newline
	/* MSRs: APIC base, feature control, the MTRRs, PAT, EFER, TSC_AUX, K7 counter. */
	PMSR 0x1B
	PMSR 0x3A
	PMSR 0xFE
	PMSR 0x17A
	PMSR 0x200
	PMSR 0x201
	PMSR 0x202
	PMSR 0x203
	PMSR 0x20E
	PMSR 0x20F
	PMSR 0x250
	PMSR 0x258
	PMSR 0x259
	PMSR 0x268
	PMSR 0x26F
	PMSR 0x277
	PMSR 0x2FF
	PMSR 0xC0000080
	PMSR 0xC0000103
	PMSR 0xC0010000
	/* MTRR writes read back. */
	movl $0x202, %ecx
	movl $0x00100006, %eax
	xorl %edx, %edx
	wrmsr
	movl $0x203, %ecx
	movl $0xFFF00800, %eax
	movl $0xFF, %edx
	wrmsr
	movl $0x2FF, %ecx
	movl $0x806, %eax
	xorl %edx, %edx
	wrmsr
	PMSR 0x202
	PMSR 0x203
	PMSR 0x2FF
	/* CPUID: the hypervisor leaf, what an out-of-range leaf returns, feature bits. */
	PCPUID 0x40000000, 0
	call cpuid_checks
	jmp bye

/* cpuid_checks: CPUID.1 hypervisor/MTRR/APIC/PAT bits, 0x80000008 address sizes, and
 * whether leaves above each range return the highest basic leaf. */
cpuid_checks:
	leaq msg_cpuid_bits(%rip), %rsi
	call puts
	movl $1, %eax
	cpuid
	movl %edx, %r8d
	movl %ecx, %edi
	andl $0x80000000, %edi
	call puthex32
	movb $' ', %al
	call putc
	movl %r8d, %edi
	andl $0x00011200, %edi
	call puthex32
	movb $' ', %al
	call putc
	movl $0x80000008, %eax
	cpuid
	movzwl %ax, %edi
	andl $0xFF, %edi
	call puthex32
	call newline
	xorl %eax, %eax
	cpuid
	movl %eax, %r12d
	movl %eax, %r13d
	leaq leaves(%rip), %r14
1:	movl (%r14), %eax
	testl %eax, %eax
	jz 3f
	leaq msg_leaf(%rip), %rsi
	call puts
	movl %eax, %edi
	call puthex32
	movl (%r14), %eax
	xorl %ecx, %ecx
	cpuid
	movl %eax, %r8d
	movl %ebx, %r9d
	movl %ecx, %r10d
	movl %edx, %r11d
	movl %r13d, %eax
	xorl %ecx, %ecx
	cpuid
	leaq msg_same(%rip), %rsi
	cmpl %eax, %r8d
	jne 2f
	cmpl %ebx, %r9d
	jne 2f
	cmpl %ecx, %r10d
	jne 2f
	cmpl %edx, %r11d
	je 4f
2:	leaq msg_differs(%rip), %rsi
4:	call puts
	call newline
	addq $4, %r14
	jmp 1b
3:	ret

show_in8:
	pushq %rdx
	leaq msg_in8(%rip), %rsi
	call puts
	movl %edx, %edi
	call puthex32
	movb $' ', %al
	call putc
	popq %rdx
	xorl %eax, %eax
	inb %dx, %al
	movl %eax, %edi
	call puthex32
	jmp newline
show_in16:
	pushq %rdx
	leaq msg_in16(%rip), %rsi
	call puts
	movl %edx, %edi
	call puthex32
	movb $' ', %al
	call putc
	popq %rdx
	xorl %eax, %eax
	inw %dx, %ax
	movl %eax, %edi
	call puthex32
	jmp newline
show_in32:
	pushq %rdx
	leaq msg_in32(%rip), %rsi
	call puts
	movl %edx, %edi
	call puthex32
	movb $' ', %al
	call putc
	popq %rdx
	inl %dx, %eax
	movl %eax, %edi
	call puthex32
	jmp newline

show_cmos:
	pushq %rax
	leaq msg_cmos(%rip), %rsi
	call puts
	movl %eax, %edi
	call puthex32
	movb $' ', %al
	call putc
	popq %rax
	outb %al, $0x70
	xorl %eax, %eax
	inb $0x71, %al
	movl %eax, %edi
	call puthex32
	jmp newline

/* show_fwcfg: key %eax, %ecx bytes from the data port, printed in order. */
show_fwcfg:
	pushq %rcx
	pushq %rax
	leaq msg_fwcfg(%rip), %rsi
	call puts
	movl %eax, %edi
	call puthex32
	movb $' ', %al
	call putc
	popq %rax
	movw $0x510, %dx
	outw %ax, %dx
	popq %rcx
1:	pushq %rcx
	movw $0x511, %dx
	xorl %eax, %eax
	inb %dx, %al
	movl %eax, %edi
	shlq $56, %rdi
	movl $2, %ecx
	call puthex
	popq %rcx
	decl %ecx
	jnz 1b
	jmp newline

	.section .rodata
msg_hello:	.asciz "pc probe: long mode\r\n"
msg_vga:	.asciz "vga b8000 "
msg_in8:	.asciz "inb "
msg_in16:	.asciz "inw "
msg_in32:	.asciz "inl "
msg_cmos:	.asciz "cmos "
msg_fwcfg:	.asciz "fw_cfg "
msg_cpuid_bits:	.asciz "cpuid.1 ecx&hypervisor edx&(pat|mtrr|apic), physical address bits "
msg_leaf:	.asciz "cpuid leaf "
msg_same:	.asciz " = the highest basic leaf"
msg_differs:	.asciz " differs from the highest basic leaf"
	.balign 4
leaves:	.long 0x14, 0x20, 0x40000010, 0x80000020, 0xC0000000, 0

	.data

	.bss
	.balign 4096
