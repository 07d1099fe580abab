/*
 * The real-mode probe: an a.out-kludge Multiboot image at 32 KiB that
 * leaves protected mode and checks what real-mode code relies on, then
 * returns to protected mode. It prints one line per check:
 *   - the 8259 pair as the firmware left it (masks read back);
 *   - 16-bit addressing forms and segment arithmetic (ES:BX+SI+disp
 *     against the same bytes through another segment);
 *   - INT n and IRET through the interrupt vector table, #DE delivered
 *     through vector 0, a far CALL/RET into another segment;
 *   - the PIT's interrupt through the 8259 at the BIOS's vector base 0x08
 *     (IRQ 0 -> vector 8), without reprogramming the 8259: first with the
 *     PIT as the firmware left it (18.2 Hz), then programmed;
 *   - unreal mode: FS keeps a 4 GiB limit loaded in protected mode, so a
 *     32-bit address reaches 2 MiB from real mode;
 *   - back to 32-bit protected mode, where the value written at 2 MiB
 *     is read through a flat segment.
 * Exit status 0x21 (value 0x10) when done.
 */
	.set LOAD, 0x8000
	.set MB_FLAGS, 0x00010003
	.set CODE16, 0x08
	.set DATA16, 0x10
	.set FLAT, 0x18
	.set CODE32, 0x20
	.set BIG, 0x200000

	.code32
	.text
	.globl _start
_start:
header:
	.long 0x1BADB002
	.long MB_FLAGS
	.long -(0x1BADB002 + MB_FLAGS)
	.long header
	.long LOAD
	.long 0
	.long bss_end
	.long entry

entry:
	movl $0x7000, %esp
	movl $s_start, %esi
	call puts
	movl $0, BIG
	lgdt gdtr
	/* FS: a 4 GiB data segment, kept through real mode. */
	movw $FLAT, %ax
	movw %ax, %fs
	ljmp $CODE16, $pm16

	.code16
pm16:
	movw $DATA16, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr0, %eax
	andl $~1, %eax
	movl %eax, %cr0
	ljmp $0, $real

real:
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw $0x7000, %sp
	lidt ivtr

	/* The 8259 masks the firmware left. */
	movw $s_pic, %si
	call puts16
	inb $0xA1, %al
	movb %al, %ah
	inb $0x21, %al
	call hex16
	call nl16

	/* 16-bit addressing and segment arithmetic. */
	movw $s_addr, %si
	call puts16
	movw $0x1000, %ax
	movw %ax, %es
	movw $0x20, %bx
	movw $0x6, %si
	movw $0xBEEF, %es:0x10(%bx,%si)		/* linear 0x10036 */
	movw $0x1003, %ax
	movw %ax, %es
	movw %es:0x6, %ax			/* the same bytes */
	call hex16
	call space16
	movw $0x7100, %bp
	movw $0x4, %di
	movw $0x1234, 0x2(%bp,%di)		/* SS:BP+DI+2 = 0x7106 */
	movw 0x7106, %ax
	call hex16
	call space16
	movl $0x89ABCDEF, %eax			/* 32-bit operand in real mode */
	rorl $8, %eax
	call hex32_16
	call nl16
	xorw %ax, %ax
	movw %ax, %es

	/* INT n through the IVT. */
	movw $s_int, %si
	call puts16
	movw $int80, 0x80*4
	movw %cs, 0x80*4+2
	movw $0x1111, %ax
	stc
	int $0x80
	pushf
	call hex16
	call space16
	popw %ax
	andw $0x0201, %ax			/* IF and CF as the handler left them */
	call hex16
	call nl16

	/* #DE through vector 0. */
	movw $s_de, %si
	call puts16
	movw $de_handler, 0
	movw %cs, 2
	xorb %bl, %bl
	movw $0x55, %ax
de_insn:
	divb %bl
	movw de_count, %ax
	call hex16
	call nl16

	/* A far call into segment 0x0800 and back. */
	movw $s_far, %si
	call puts16
	lcall $0x0800, $(farfunc - 0x8000)
	call hex16
	call nl16

	/* The PIT's IRQ 0 at the firmware's vector base 0x08. */
	movw $tick, 8*4
	movw %cs, 8*4+2
	movb $0xFE, %al				/* only IRQ 0 from here on */
	outb %al, $0x21
	movb $0xFF, %al
	outb %al, $0xA1
	sti					/* first a tick of the firmware's PIT (18.2 Hz) */
2:	hlt
	cmpw $0, ticks
	je 2b
	cli
	movw $s_fwtick, %si
	call puts16
	movw ticks, %ax
	call hex16
	call nl16
	movw $0, ticks
	movw $s_irq, %si
	call puts16
	movb $0x34, %al				/* channel 0, mode 2, ~1 ms */
	outb %al, $0x43
	movb $0xA9, %al
	outb %al, $0x40
	movb $0x04, %al
	outb %al, $0x40
	sti
1:	hlt
	cmpw $3, ticks
	jb 1b
	cli
	movw ticks, %ax
	call hex16
	call nl16

	/* Unreal mode: FS still spans 4 GiB. */
	movw $s_unreal, %si
	call puts16
	movl $BIG, %ebx
	movl $0xCAFEF00D, %eax
	addr32 movl %eax, %fs:(%ebx)
	addr32 movl %fs:(%ebx), %eax
	call hex32_16
	call nl16

	/* Back to protected mode. */
	lgdt gdtr
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $CODE32, $pm32

int80:
	addw $0x2222, %ax
	iret

de_handler:
	incw de_count
	pushw %bp
	movw %sp, %bp
	addw $2, 2(%bp)				/* skip the 2-byte DIV */
	popw %bp
	iret

farfunc:
	movw %cs, %ax
	lret

tick:
	pushw %ax
	incw ticks
	movb $0x20, %al
	outb %al, $0x20
	popw %ax
	iret

/* 16-bit serial helpers. */
putc16:
	pushw %dx
	pushw %ax
	movw $0x3FD, %dx
1:	inb %dx, %al
	testb $0x20, %al
	jz 1b
	popw %ax
	movw $0x3F8, %dx
	outb %al, %dx
	popw %dx
	ret

puts16:
	pushw %si
1:	lodsb
	testb %al, %al
	jz 2f
	call putc16
	jmp 1b
2:	popw %si
	ret

hex16:
	pushw %cx
	pushw %bx
	movw %ax, %bx
	movw $4, %cx
1:	rolw $4, %bx
	movw %bx, %ax
	andw $0xF, %ax
	pushw %si
	movw %ax, %si
	movb hexdigits(%si), %al
	popw %si
	call putc16
	loop 1b
	popw %bx
	popw %cx
	ret

hex32_16:
	pushl %eax
	shrl $16, %eax
	call hex16
	popl %eax
	jmp hex16

nl16:
	movb $'\n', %al
	jmp putc16

space16:
	movb $' ', %al
	jmp putc16

	.code32
pm32:
	movw $FLAT, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl $0x7000, %esp
	movl $s_back, %esi
	call puts
	movl BIG, %eax
	call hex32
	call newline
	movl $0x10, %eax
	call finish

	.include "probe.inc"

s_start:	.asciz "realmode: protected mode\n"
s_pic:		.asciz "8259 masks: "
s_addr:		.asciz "addressing: "
s_int:		.asciz "int 0x80: "
s_de:		.asciz "#DE handled: "
s_far:		.asciz "far call cs: "
s_irq:		.asciz "timer ticks at vector 8: "
s_fwtick:	.asciz "firmware timer tick at vector 8: "
s_unreal:	.asciz "unreal fs: "
s_back:		.asciz "protected mode again: "
	.balign 8
gdt:
	.quad 0
	.quad 0x00009A000000FFFF	/* 0x08: 16-bit code, base 0, 64 KiB */
	.quad 0x000092000000FFFF	/* 0x10: 16-bit data, base 0, 64 KiB */
	.quad 0x00CF92000000FFFF	/* 0x18: flat 4 GiB data */
	.quad 0x00CF9A000000FFFF	/* 0x20: flat 32-bit code */
gdt_end:
gdtr:
	.word gdt_end - gdt - 1
	.long gdt
ivtr:
	.word 0x3FF
	.long 0
ticks:		.word 0
de_count:	.word 0

	.bss
	.skip 16
bss_end:
