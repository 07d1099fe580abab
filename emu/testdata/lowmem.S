/*
 * The low-memory probe: an a.out-kludge Multiboot image loaded at 32 KiB,
 * so that it covers the memory map (0x9000) and the information structure
 * (0x9500) a Multiboot loader writes. QEMU boots it, its own bytes winning
 * over the structure; the probe prints what it finds there. It then drives
 * pc-testdev (started with -device pc-testdev): the echo port at 0xE0 at
 * every width, the memory window at 0xFF000000 and an interrupt raised on
 * ISA line 5 through the 8259. Exit status 0x21 (value 0x10) when done.
 */
	.set LOAD, 0x8000
	.set MB_FLAGS, 0x00010003

	.include "probe.inc"

entry:
	movl $stack_top, %esp
	movl %ebx, %edi
	movl $s_hello, %esi
	call puts
	movl %edi, %eax
	call hex32
	movl $s_info, %esi
	call puts
	movl (%edi), %eax	/* the probe's own bytes, not a structure */
	call hex32
	call space
	movl 48(%edi), %eax
	call hex32
	call space
	movl 0x9000, %eax
	call hex32
	call newline

	/* pc-testdev: the echo register. */
	movl $s_echo, %esi
	call puts
	movl $0x11223344, %eax
	outl %eax, $0xE0
	inl $0xE0, %eax
	call hex32
	call space
	inb $0xE1, %al
	movzbl %al, %eax
	call hex32
	call space
	movb $0xAB, %al
	outb %al, $0xE2
	inl $0xE0, %eax
	call hex32
	call space
	movw $0x5566, %ax
	outw %ax, $0xE0
	inl $0xE0, %eax
	call hex32
	call space
	inl $0xE4, %eax
	call hex32
	call newline

	/* The memory window. */
	movl $s_mem, %esi
	call puts
	movl 0xFF000000, %eax
	call hex32
	call space
	movl $0xDEADBEEF, 0xFF000010
	movl 0xFF000010, %eax
	call hex32
	call space
	movzwl 0xFF000012, %eax
	call hex32
	call space
	movb $0x5A, 0xFF00FFFF
	movzbl 0xFF00FFFF, %eax
	call hex32
	call newline

	/* ISA line 5 through the 8259 (vector 0x25). */
	movl $irq5, %eax
	movw %ax, idt + 0x25*8
	movw %cs, idt + 0x25*8 + 2
	movw $0x8E00, idt + 0x25*8 + 4
	shrl $16, %eax
	movw %ax, idt + 0x25*8 + 6
	lidt idtr
	movb $0x11, %al
	outb %al, $0x20
	outb %al, $0xA0
	movb $0x20, %al
	outb %al, $0x21
	movb $0x28, %al
	outb %al, $0xA1
	movb $0x04, %al
	outb %al, $0x21
	movb $0x02, %al
	outb %al, $0xA1
	movb $0x01, %al
	outb %al, $0x21
	outb %al, $0xA1
	movb $0xDF, %al		/* only IRQ 5 */
	outb %al, $0x21
	movb $0xFF, %al
	outb %al, $0xA1
	movb $1, %al
	movw $0x2005, %dx
	outb %al, %dx
	sti
1:	cmpl $0, irqs
	je 1b
	cli
	movb $0, %al
	movw $0x2005, %dx
	outb %al, %dx
	movl $s_irq, %esi
	call puts
	movl irqs, %eax
	call hex32
	call newline
	movl $0x10, %eax
	call finish

irq5:
	pushl %eax
	incl irqs
	movb $0x20, %al
	outb %al, $0x20
	popl %eax
	iret

	PROBE_ROUTINES

s_hello:	.asciz "lowmem: ebx="
s_info:		.asciz " info="
s_echo:		.asciz "echo: "
s_mem:		.asciz "iomem: "
s_irq:		.asciz "irq5: "
	.balign 8
idtr:
	.word 256*8 - 1
	.long idt
irqs:
	.long 0
	/* Cover 0x9000-0x9700 with bytes of our own. */
	.balign 0x1000
	.fill 0x800, 1, 0xA5

	.bss
	.balign 16
idt:	.skip 256*8
	.skip 4096
stack_top:
bss_end:
