/*
 * The emu timer guest: a flat a.out-kludge Multiboot image (32-bit
 * protected mode, paging off) for the run-loop tests. It programs the 8259
 * pair and the 8254 (channel 0, mode 2, about 100 Hz), then halts with
 * interrupts enabled; each IRQ 0 prints one character on COM1. After 50
 * ticks it exits through isa-debug-exit with value 0x10 (status 0x21).
 * The guest spends nearly all its time halted, so guest time runs far
 * ahead of the instruction count: the machine skips idle time.
 */
	.set LOAD, 0x100000
	.set MB_FLAGS, 0x00010003
	.set TICKS, 50

	.code32
	.text
	.globl _start
_start:
header:
	.long 0x1BADB002
	.long MB_FLAGS
	.long -(0x1BADB002 + MB_FLAGS)
	.long header		/* header_addr */
	.long LOAD		/* load_addr */
	.long 0			/* load_end_addr: the whole file */
	.long bss_end		/* bss_end_addr */
	.long entry		/* entry_addr */

entry:
	movl $stack_top, %esp
	/* IDT entry 0x20 -> tick (32-bit interrupt gate, CS 0x08). */
	movl $tick, %eax
	movw %ax, idt + 0x20*8
	movw $0x08, idt + 0x20*8 + 2
	movw $0x8E00, idt + 0x20*8 + 4
	shrl $16, %eax
	movw %ax, idt + 0x20*8 + 6
	lidt idtr

	movb $0x11, %al		/* ICW1: edge, cascade, ICW4 */
	outb %al, $0x20
	outb %al, $0xA0
	movb $0x20, %al		/* ICW2: vectors 0x20 / 0x28 */
	outb %al, $0x21
	movb $0x28, %al
	outb %al, $0xA1
	movb $0x04, %al		/* ICW3 */
	outb %al, $0x21
	movb $0x02, %al
	outb %al, $0xA1
	movb $0x01, %al		/* ICW4: 8086 mode */
	outb %al, $0x21
	outb %al, $0xA1
	movb $0xFE, %al		/* only IRQ 0 */
	outb %al, $0x21
	movb $0xFF, %al
	outb %al, $0xA1

	movb $0x34, %al		/* channel 0, lobyte/hibyte, mode 2 */
	outb %al, $0x43
	movb $0x9C, %al		/* divisor 11932: ~10 ms */
	outb %al, $0x40
	movb $0x2E, %al
	outb %al, $0x40

1:	sti
	hlt
	cmpl $TICKS, ticks
	jb 1b
	cli
	movw $0x3FD, %dx	/* wait for the transmitter to drain */
2:	inb %dx, %al
	testb $0x40, %al
	jz 2b
	movl $0x10, %eax
	outl %eax, $0xF4
3:	hlt
	jmp 3b

tick:
	pushl %eax
	pushl %edx
	incl ticks
	movw $0x3FD, %dx
1:	inb %dx, %al
	testb $0x20, %al
	jz 1b
	movb $'.', %al
	movw $0x3F8, %dx
	outb %al, %dx
	movb $0x20, %al		/* EOI */
	outb %al, $0x20
	popl %edx
	popl %eax
	iret

	.balign 8
idtr:
	.word 256*8 - 1
	.long idt
ticks:
	.long 0
file_end:

	.bss
	.balign 4096
idt:	.skip 256*8
	.skip 4096
stack_top:
bss_end:
