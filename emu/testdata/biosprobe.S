/*
 * The BIOS services probe: an a.out-kludge Multiboot image at 32 KiB that
 * leaves protected mode and calls the BIOS as the firmware left it for a
 * -kernel boot, printing what each service returns:
 *   - INT 15h: the E820 memory map (every entry, the continuation values),
 *     E801h, 88h, the A20 functions 2403h/2402h/2401h, C0h's table pointer,
 *     86h (a 2 ms wait);
 *   - INT 11h, INT 12h, INT 13h AH=08h (no disks);
 *   - INT 1Ah: the RTC time call, and the tick count advancing with IRQ 0
 *     (not its value: on QEMU it is the time of day);
 *   - INT 16h: an empty key buffer, the shift flags;
 *   - INT 10h: the mode, the cursor, teletype output read back from text
 *     memory, set mode 3, cursor position, write character (and attribute),
 *     read character, scrolling a window up and down, teletype wrapping and
 *     scrolling at the last row, the display combination, EGA information,
 *     write string (with one attribute or character/attribute pairs);
 *   - INT 14h: COM1's status and a character sent through it;
 * then returns to protected mode. Exit status 0x21 (value 0x10).
 */
	.set LOAD, 0x8000
	.set MB_FLAGS, 0x00010003

	.include "probe.inc"
	.include "probe16.inc"

	REAL_ENTRY


	/* E820 */
	xorl %ebx, %ebx
3:	movl $0xE820, %eax
	movl $24, %ecx
	movl $0x534D4150, %edx
	movw $e820buf, %di
	int $0x15
	pushfl
	pushl %eax
	pushl %ecx
	pushl %ebx
	movw $s_e820, %si
	call puts16
	popl %eax
	pushl %eax
	call hex32_16
	call space16
	movl 4(%esp), %eax
	call hex32_16
	call space16
	movl 8(%esp), %eax
	call hex32_16
	call space16
	movl 12(%esp), %eax
	call hex32_16
	call space16
	movl e820buf+4, %eax
	call hex32_16
	movl e820buf, %eax
	call hex32_16
	call space16
	movl e820buf+12, %eax
	call hex32_16
	movl e820buf+8, %eax
	call hex32_16
	call space16
	movl e820buf+16, %eax
	call hex32_16
	call nl16
	popl %ebx
	popl %ecx
	popl %eax
	popfl
	jc 4f
	testl %ebx, %ebx
	jnz 3b
4:
	movw $s_e801, %si
	call puts16
	movw $0xE801, %ax
	xorw %bx, %bx
	xorw %cx, %cx
	xorw %dx, %dx
	int $0x15
	pushf
	call hexw16
	call space16
	movw %bx, %ax
	call hexw16
	call space16
	movw %cx, %ax
	call hexw16
	call space16
	movw %dx, %ax
	call hexw16
	call space16
	popw %ax
	andw $1, %ax
	call hexw16
	call nl16
	movw $s_88, %si
	call puts16
	movb $0x88, %ah
	int $0x15
	pushf
	call hexw16
	call space16
	popw %ax
	andw $1, %ax
	call hexw16
	call nl16
	.irp fn, 0x2403, 0x2402, 0x2401, 0x2402, 0xC000
	movw $s_a20, %si
	call puts16
	movw $\fn, %ax
	xorw %bx, %bx
	pushw %es
	int $0x15
	pushf
	call hexw16
	call space16
	movw %bx, %ax
	call hexw16
	call space16
	movw %es, %ax
	call hexw16
	call space16
	popw %ax
	andw $1, %ax
	call hexw16
	call nl16
	popw %es
	.endr
	movw $s_86, %si			/* INT 15h 86h: wait 2 ms */
	call puts16
	movw $0x8600, %ax
	xorw %cx, %cx
	movw $2000, %dx
	int $0x15
	pushf
	call hexw16
	call space16
	popw %ax
	andw $1, %ax
	call hexw16
	call nl16
	movw $s_11, %si
	call puts16
	int $0x11
	call hexw16
	call nl16
	movw $s_12, %si
	call puts16
	int $0x12
	call hexw16
	call nl16
	/* INT 1Ah 02h: the RTC time (CF only: the time differs). */
	movw $s_1a2, %si
	call puts16
	movb $0x02, %ah
	int $0x1A
	pushf
	popw %ax
	andw $1, %ax
	call hexw16
	call nl16
	/* INT 16 */
	movw $s_16, %si
	call puts16
	movb $0x01, %ah
	int $0x16
	pushf
	call hexw16
	call space16
	popw %ax
	andw $0x40, %ax
	call hexw16
	call space16
	movb $0x02, %ah
	int $0x16
	call hexw16
	call space16
	movb $0x11, %ah
	int $0x16
	pushf
	popw %ax
	andw $0x40, %ax
	call hexw16
	call nl16
	/* INT 10 */
	movw $s_10, %si
	call puts16
	movb $0x0F, %ah
	int $0x10
	call hexw16
	call space16
	movw %bx, %ax
	call hexw16
	call space16
	movb $0x03, %ah
	xorb %bh, %bh
	int $0x10
	movw %dx, %ax
	call hexw16
	call space16
	movw %cx, %ax
	call hexw16
	call nl16
	movw $0x0E48, %ax
	movw $0x0007, %bx
	int $0x10
	movw $0x0E69, %ax
	int $0x10
	movw $0x0E0D, %ax
	int $0x10
	movw $0x0E0A, %ax
	int $0x10
	movw $s_10b, %si
	call puts16
	movb $0x03, %ah
	xorb %bh, %bh
	int $0x10
	movw %dx, %ax
	call hexw16
	call space16
	movw 0x450, %ax
	call hexw16
	call space16
	pushw %ds
	movw $0xB800, %ax
	movw %ax, %ds
	movw 320, %ax
	movw 322, %bx
	popw %ds
	call hexw16
	call space16
	movw %bx, %ax
	call hexw16
	call nl16
	/* INT 13 get params drive 0x80 */
	movw $s_13, %si
	call puts16
	movb $0x08, %ah
	movb $0x80, %dl
	int $0x13
	pushf
	call hexw16
	call space16
	popw %ax
	andw $1, %ax
	call hexw16
	call nl16

	/* INT 1Ah 00h: the tick count advances with IRQ 0 (its value is the time of
	 * day on QEMU, so only the difference is printed). */
	movw $s_tickadv, %si
	call puts16
	xorb %ah, %ah
	int $0x1A
	movw %dx, %bx
	movb $0xFE, %al
	outb %al, $0x21
	sti
	xorw %cx, %cx		/* up to 65536 waits: any wake-up but IRQ 0's costs one */
1:	pushw %cx		/* INT 1Ah returns the count's high word in CX */
	xorb %ah, %ah
	int $0x1A
	popw %cx
	cmpw %dx, %bx
	jne 2f
	hlt
	loop 1b
2:	cli
	subw %bx, %dx
	movw %dx, %ax
	cmpw $1, %ax
	jb 3f
	movw $1, %ax
3:	call hexw16
	call nl16
	/* INT 14h: COM1 status, a character sent through the BIOS. */
	movw $s_14, %si
	call puts16
	movb $0x03, %ah
	xorw %dx, %dx
	int $0x14
	andw $0x6000, %ax
	call hexw16
	movw $0x0158, %ax
	xorw %dx, %dx
	int $0x14
	movb $0x01, %ah
	movb $'\n', %al
	int $0x14
	/* INT 10h: set mode 3, cursor, write char+attribute, write char, read,
	 * scroll a window up and down, teletype past the last row. */
	movw $0x0003, %ax
	int $0x10
	call hexw16
	call space16
	movb $0x03, %ah
	xorb %bh, %bh
	int $0x10
	movw %dx, %ax
	call hexw16
	call space16
	call vga_word0
	call nl16
	movw $s_10c, %si
	call puts16
	movb $0x02, %ah
	xorb %bh, %bh
	movw $0x0305, %dx
	int $0x10
	movw $0x0941, %ax
	movw $0x001E, %bx
	movw $3, %cx
	int $0x10
	movw $0x0A42, %ax
	xorb %bh, %bh
	movw $1, %cx
	int $0x10
	movb $0x08, %ah
	xorb %bh, %bh
	int $0x10
	call hexw16
	call space16
	movw $(3*160+5*2), %di
	call vga_word
	call space16
	movw $(3*160+7*2), %di
	call vga_word
	call space16
	movb $0x03, %ah
	int $0x10
	movw %dx, %ax
	call hexw16
	call nl16
	movw $s_10s, %si
	call puts16
	movw $0x0601, %ax			/* up one line: rows 2-4, columns 4-8, attribute 0x17 */
	movw $0x1700, %bx
	movw $0x0204, %cx
	movw $0x0408, %dx
	int $0x10
	movw $(2*160+5*2), %di
	call vga_word
	call space16
	movw $(3*160+5*2), %di
	call vga_word
	call space16
	movw $(4*160+5*2), %di
	call vga_word
	call space16
	movw $0x0702, %ax			/* down two lines: rows 1-4, columns 5-6 */
	movw $0x2E00, %bx
	movw $0x0105, %cx
	movw $0x0406, %dx
	int $0x10
	movw $(4*160+5*2), %di
	call vga_word
	call space16
	movw $(1*160+5*2), %di
	call vga_word
	call space16
	movw $(4*160+4*2), %di
	call vga_word
	call nl16
	movw $s_10t, %si
	call puts16
	movb $0x02, %ah
	xorb %bh, %bh
	movw $0x184E, %dx			/* row 24, column 78 */
	int $0x10
	movw $0x0E61, %ax
	int $0x10
	movw $0x0E62, %ax
	int $0x10
	movw $0x0E63, %ax			/* wraps: scrolls the page up */
	int $0x10
	movw $0x0E08, %ax
	int $0x10
	movw $0x0E64, %ax
	int $0x10
	movb $0x03, %ah
	xorb %bh, %bh
	int $0x10
	movw %dx, %ax
	call hexw16
	call space16
	movw $(23*160+78*2), %di
	call vga_word
	call space16
	movw $(23*160+79*2), %di
	call vga_word
	call space16
	movw $(24*160+0*2), %di
	call vga_word
	call space16
	movw $(24*160+1*2), %di
	call vga_word
	call nl16
	movw $s_10d, %si
	call puts16
	movw $0x1A00, %ax
	int $0x10
	call hexw16
	call space16
	movw %bx, %ax
	call hexw16
	call space16
	movb $0x0F, %ah
	int $0x10
	call hexw16
	call space16
	movw %bx, %ax
	andw $0xFF00, %ax
	call hexw16
	call nl16
	/* INT 10h 12h BL=10h: EGA information. */
	movw $s_10x, %si
	call puts16
	movw $0x1200, %ax
	movw $0x0010, %bx
	movw $0xFFFF, %cx
	int $0x10
	call hexw16
	call space16
	movw %bx, %ax
	call hexw16
	call space16
	movw %cx, %ax
	call hexw16
	call nl16
	/* AH=13h: attribute 0x4F, the cursor updated, from row 5 column 70: wraps, then CR LF. */
	movw $s_10y, %si
	call puts16
	pushw %es
	pushw %bp
	pushw %cs
	popw %es
	movw $str13, %bp
	movw $0x1301, %ax
	movw $0x004F, %bx
	movw $12, %cx
	movw $0x0546, %dx
	int $0x10
	popw %bp
	popw %es
	movb $0x03, %ah
	xorb %bh, %bh
	int $0x10
	movw %dx, %ax
	call hexw16
	call space16
	movw $(5*160+70*2), %di
	call vga_word
	call space16
	movw $(5*160+79*2), %di
	call vga_word
	call space16
	movw $(6*160+0*2), %di
	call vga_word
	call space16
	movw $(7*160+0*2), %di
	call vga_word
	call space16
	movw $(7*160+1*2), %di
	call vga_word
	call nl16
	/* AH=13h with character/attribute pairs, the cursor kept. */
	pushw %es
	pushw %bp
	pushw %cs
	popw %es
	movw $str13b, %bp
	movw $0x1302, %ax
	movw $0x0000, %bx
	movw $2, %cx
	movw $0x0A00, %dx
	int $0x10
	popw %bp
	popw %es
	movb $0x03, %ah
	xorb %bh, %bh
	int $0x10
	movw %dx, %ax
	call hexw16
	call space16
	movw $(10*160), %di
	call vga_word
	call space16
	movw $(10*160+2), %di
	call vga_word
	call nl16
	REAL_EXIT

/* vga_word: AX = the text cell at 0xB8000 + DI; vga_word0 at offset 0 too. */
vga_word0:
	xorw %di, %di
vga_word:
	pushw %ds
	movw $0xB800, %ax
	movw %ax, %ds
	movw (%di), %ax
	popw %ds
	jmp hexw16

	PROBE16_ROUTINES

	PROBE_ROUTINES

s_start:	.asciz "bios probe: protected mode\n"
s_e820:	.asciz "e820 "
s_e801:	.asciz "e801 "
s_88:	.asciz "int15/88 "
s_a20:	.asciz "int15 a20 "
s_86:	.asciz "int15/86 "
s_10x:	.asciz "int10/12 bl=10 "
s_10y:	.asciz "int10/13 "
str13:	.ascii "abcdefghij\r\n"
str13b:	.byte 'X', 0x1C, 'Y', 0x2D
s_11:	.asciz "int11 "
s_12:	.asciz "int12 "
s_1a2:	.asciz "int1a/02 cf "
s_16:	.asciz "int16 "
s_10:	.asciz "int10 "
s_10b:	.asciz "int10 after "
s_13:	.asciz "int13/08 "
s_tickadv:	.asciz "int1a/00 ticks advance "
s_14:	.asciz "int14 status&6000 "
s_10c:	.asciz "int10 cells "
s_10s:	.asciz "int10 scroll "
s_10t:	.asciz "int10 teletype wrap "
s_10d:	.asciz "int10 dcc, mode "
vecs:	.byte 0,1,2,3,4,5,6,7,8,9,0xa,0xb,0xc,0xd,0xe,0xf,0x10,0x11,0x12,0x13,0x14,0x15,0x16,0x17,0x18,0x19,0x1a,0x1b,0x1c,0x1d,0x1e,0x1f,0x40,0x41,0x46,0x4a,0x70,0x71,0x74,0x75,0x76,0x77,0x80,0xff
	.balign 4
e820buf: .skip 32

	REAL_DATA

	.bss
	.skip 16
bss_end:
