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

	.include "probe.inc"
	.include "probe16.inc"

	REAL_ENTRY

	/* The 8259 masks the firmware left. */
	movw $s_pic, %si
	call puts16
	inb $0xA1, %al
	movb %al, %ah
	inb $0x21, %al
	call hexw16
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
	call hexw16
	call space16
	movw $0x7100, %bp
	movw $0x4, %di
	movw $0x1234, 0x2(%bp,%di)		/* SS:BP+DI+2 = 0x7106 */
	movw 0x7106, %ax
	call hexw16
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
	call hexw16
	call space16
	popw %ax
	andw $0x0201, %ax			/* IF and CF as the handler left them */
	call hexw16
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
	call hexw16
	call nl16

	/* A far call into segment 0x0800 and back. */
	movw $s_far, %si
	call puts16
	lcall $0x0800, $(farfunc - 0x8000)
	call hexw16
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
	call hexw16
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
	call hexw16
	call nl16

	REAL_EXIT

	PROBE16_ROUTINES

	PROBE_ROUTINES

s_start:	.asciz "realmode: protected mode\n"
s_pic:		.asciz "8259 masks: "
s_addr:		.asciz "addressing: "
s_int:		.asciz "int 0x80: "
s_de:		.asciz "#DE handled: "
s_far:		.asciz "far call cs: "
s_irq:		.asciz "timer ticks at vector 8: "
s_fwtick:	.asciz "firmware timer tick at vector 8: "
	REAL_DATA

	.bss
	.skip 16
bss_end:
