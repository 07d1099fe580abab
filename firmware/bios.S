/*
 * The real-mode BIOS services of kppemu's PC: the interrupt handlers a
 * firmware leaves behind for a kernel booted with -kernel, as SeaBIOS does on
 * QEMU, for guests that drop back to real mode (or run there) and call the
 * BIOS. It is 16-bit guest code in segment 0xF000 (linked at offset 0x6000,
 * loaded at 0xF6000); the machine copies it there at power-on, points the
 * interrupt vector table at the handlers its vector table names and fills
 * its e820 table with the machine's memory map.
 *
 *   INT 08h  timer tick: BDA tick count (0x46C) and midnight flag, INT 1Ch
 *   INT 09h  keyboard: scan code set 1 to ASCII into the BDA key buffer
 *   INT 10h  video, 80x25 text: set mode, cursor shape/position, page,
 *            scroll up/down, read/write character, teletype, get mode,
 *            EGA information, write string, display combination
 *   INT 11h  equipment word; INT 12h base memory size
 *   INT 13h  disk: no drives (AH=01h, CF=1)
 *   INT 14h  serial ports: init, send, receive, status
 *   INT 15h  E820 memory map, E801h, 88h, the A20 functions 2400h-2403h
 *            (port 0x92), 86h wait, C0h configuration table
 *   INT 16h  keyboard: read, check, shift flags, store
 *   INT 1Ah  tick count get/set, RTC time and date
 *   others   IRET; hardware IRQs without a handler send the 8259 EOI
 *
 * Functions it does not provide return CF=1 and AH=86h (INT 15h) or leave
 * the registers alone. The reset vector resets the machine (port 0xCF9).
 */
	.code16
	.text
	.set ORG, 0x6000		/* link address: offsets in segment 0xF000 */
	.set BDA_SEG, 0x40
	.set VGA_SEG, 0xB800
	.set E820_MAX, 16

	/* Header read by the machine: magic, vector table, e820 table. */
	.globl _start
_start:
	.ascii "KBIO"
	.word vectors			/* 256 handler offsets (segment 0xF000) */
	.word e820_count		/* u16 count, then E820_MAX 20-byte entries */
	.word E820_MAX
	.balign 16
e820_count:
	.word 0
e820_table:
	.skip 20*E820_MAX

/* The tails that return a flag in the caller's FLAGS image (the handler's own
 * CF or ZF): [bp+6] is FLAGS once BP is pushed. */
iret_cf:
	pushw %bp
	movw %sp, %bp
	jc 1f
	andw $~1, 6(%bp)
	popw %bp
	iret
1:	orw $1, 6(%bp)
	popw %bp
	iret
iret_zf:
	pushw %bp
	movw %sp, %bp
	jz 1f
	andw $~0x40, 6(%bp)
	popw %bp
	iret
1:	orw $0x40, 6(%bp)
	popw %bp
	iret

/* Hardware interrupts without a handler: EOI to the 8259(s). */
eoi_master:
	pushw %ax
	movb $0x20, %al
	outb %al, $0x20
	popw %ax
	iret
eoi_slave:
	pushw %ax
	movb $0x20, %al
	outb %al, $0xA0
	outb %al, $0x20
	popw %ax
	iret
/* IRQ 8, the RTC: read status register C to acknowledge it. */
irq_rtc:
	pushw %ax
	movb $0x0C, %al
	outb %al, $0x70
	inb $0x71, %al
	popw %ax
	jmp eoi_slave

/* INT 08h, IRQ 0: the 18.2 Hz tick. */
int08:
	pushw %ds
	pushl %eax
	movw $BDA_SEG, %ax
	movw %ax, %ds
	movl 0x6C, %eax
	incl %eax
	cmpl $0x1800B0, %eax		/* 24 hours of ticks */
	jb 1f
	xorl %eax, %eax
	movb $1, 0x70
1:	movl %eax, 0x6C
	int $0x1C
	movb $0x20, %al
	outb %al, $0x20
	popl %eax
	popw %ds
	iret

/* INT 09h, IRQ 1: a make code becomes (scan code << 8 | ASCII) in the BDA's
 * circular buffer (head 0x1A, tail 0x1C, start 0x80, end 0x82); break codes
 * and a full buffer drop it. */
int09:
	pushw %ds
	pushw %ax
	pushw %bx
	pushw %si
	movw $BDA_SEG, %ax
	movw %ax, %ds
	inb $0x60, %al
	testb $0x80, %al
	jnz 2f
	movb %al, %ah
	xorb %al, %al
	cmpb $kbd_ascii_end - kbd_ascii, %ah
	jae 1f
	movzbw %ah, %bx
	movb %cs:kbd_ascii(%bx), %al
1:	movw 0x1C, %bx
	leaw 2(%bx), %si
	cmpw 0x82, %si
	jb 3f
	movw 0x80, %si
3:	cmpw 0x1A, %si
	je 2f				/* full */
	movw %ax, (%bx)
	movw %si, 0x1C
2:	movb $0x20, %al
	outb %al, $0x20
	popw %si
	popw %bx
	popw %ax
	popw %ds
	iret

/* Scan code set 1 -> ASCII, unshifted. */
kbd_ascii:
	.byte 0, 0x1B
	.ascii "1234567890-="
	.byte 0x08, 0x09
	.ascii "qwertyuiop[]"
	.byte 0x0D, 0
	.ascii "asdfghjkl;'`"
	.byte 0
	.ascii "\\zxcvbnm,./"
	.byte 0, '*', 0, ' '
kbd_ascii_end:

/* Handlers that return registers use a frame: PUSHA, DS, ES, BP = SP. */
	.set F_ES, 0
	.set F_DS, 2
	.set F_DI, 4
	.set F_SI, 6
	.set F_BP, 8
	.set F_BX, 12
	.set F_DX, 14
	.set F_CX, 16
	.set F_AX, 18
	.set F_FLAGS, 24		/* after IP and CS */
	.macro ENTER_FRAME
	pushaw
	pushw %ds
	pushw %es
	movw %sp, %bp
	.endm
	.macro LEAVE_FRAME
	popw %es
	popw %ds
	popaw
	iret
	.endm
/* f_cf/f_zf: set or clear the caller's CF or ZF from the handler's. */
f_setcf:
	orw $1, F_FLAGS(%bp)
	ret
f_clrcf:
	andw $~1, F_FLAGS(%bp)
	ret

/* INT 10h: video in 80x25 text mode. The cursor of page p is BDA 0x50+2p,
 * the active page BDA 0x62, page p's text at 0xB8000 + p*0x1000. */
int10:
	ENTER_FRAME
	movw $BDA_SEG, %si
	movw %si, %ds
	movw $VGA_SEG, %si
	movw %si, %es
	cld
	cmpb $0x0E, %ah
	je v_tty
	cmpb $0x02, %ah
	je v_setcur
	cmpb $0x03, %ah
	je v_getcur
	cmpb $0x0F, %ah
	je v_getmode
	cmpb $0x00, %ah
	je v_setmode
	cmpb $0x01, %ah
	je v_shape
	cmpb $0x05, %ah
	je v_page
	cmpb $0x06, %ah
	je v_scroll
	cmpb $0x07, %ah
	je v_scroll
	cmpb $0x08, %ah
	je v_read
	cmpb $0x09, %ah
	je v_writeca
	cmpb $0x0A, %ah
	je v_writec
	cmpb $0x1A, %ah
	je v_dcc
	cmpb $0x13, %ah
	je v_string
	cmpb $0x12, %ah
	je v_alt
v_done:
	LEAVE_FRAME

/* v_celladdr: DI = the address of row DH, column DL of page BH (AX clobbered). */
v_celladdr:
	movb %dh, %al
	mulb 0x4A			/* AX = row * columns */
	movzbw %dl, %di
	addw %ax, %di
	shlw $1, %di
	movzbw %bh, %ax
	andb $7, %al
	shlw $12, %ax
	addw %ax, %di
	ret

/* v_cursor: DX = page BH's cursor, DI its address (AX clobbered). */
v_cursor:
	movzbw %bh, %di
	andw $7, %di
	shlw $1, %di
	movw 0x50(%di), %dx
	jmp v_celladdr

/* v_setcursor: page BH's cursor = DX, and the CRTC's when BH is the active
 * page (AX, DI clobbered). */
v_setcursor:
	movzbw %bh, %di
	andw $7, %di
	shlw $1, %di
	movw %dx, 0x50(%di)
	cmpb 0x62, %bh
	jne 1f
	call v_celladdr
	shrw $1, %di			/* the cell index from the start of video memory */
	pushw %dx
	movw $0x3D4, %dx
	movw %di, %ax
	movb %ah, %al
	movb %al, %ah
	movb $0x0E, %al
	outw %ax, %dx
	movw %di, %ax
	movb %al, %ah
	movb $0x0F, %al
	outw %ax, %dx
	popw %dx
1:	ret

v_setcur:				/* BH page, DH row, DL column */
	call v_setcursor
	jmp v_done
v_getcur:				/* BH page -> DX position, CX shape, AX 0 */
	call v_cursor
	movw %dx, F_DX(%bp)
	movw 0x60, %ax
	movw %ax, F_CX(%bp)
	movw $0, F_AX(%bp)
	jmp v_done
v_getmode:				/* AL mode, AH columns, BH active page */
	movb 0x49, %al
	movb 0x4A, %ah
	movw %ax, F_AX(%bp)
	movb 0x62, %al
	movb %al, F_BX+1(%bp)
	jmp v_done
v_shape:				/* CX shape */
	movw %cx, 0x60
	jmp v_done
v_page:					/* AL page */
	andb $7, %al
	movb %al, 0x62
	movzbw %al, %bx
	shlw $12, %bx
	movw %bx, 0x4E
	movb %al, %bh
	call v_cursor
	call v_setcursor
	jmp v_done
v_setmode:				/* AL mode (bit 7: keep the screen) */
	movb %al, %cl
	andb $0x7F, %al
	movb %al, 0x49
	movw $80, 0x4A
	movw $0x1000, 0x4C
	movw $0, 0x4E
	movb $0, 0x62
	movb $24, 0x84
	movw $0x50, %di
	movw $8, %cx
1:	movw $0, (%di)
	addw $2, %di
	loop 1b
	testb $0x80, F_AX(%bp)
	jnz 2f
	xorw %di, %di
	movw $0x0720, %ax
	movw $0x4000, %cx
	rep stosw
2:	movb $0x30, F_AX(%bp)
	xorw %bx, %bx
	xorw %dx, %dx
	call v_setcursor
	jmp v_done
v_read:					/* BH page -> AH attribute, AL character */
	call v_cursor
	movw %es:(%di), %ax
	movw %ax, F_AX(%bp)
	jmp v_done
v_writeca:				/* AL char, BL attribute, CX count, BH page */
	pushw %ax
	call v_cursor
	popw %ax
	movb %bl, %ah
	rep stosw
	jmp v_done
v_writec:				/* AL char, CX count, BH page */
	pushw %ax
	call v_cursor
	popw %ax
	testw %cx, %cx
	jz v_done
1:	movb %al, %es:(%di)
	addw $2, %di
	loop 1b
	jmp v_done
v_dcc:					/* AL=0: the display combination */
	testb %al, %al
	jnz v_done
	movb $0x1A, F_AX(%bp)
	movw $0x0008, F_BX(%bp)		/* VGA with a colour display */
	jmp v_done

/* AH=0Eh teletype: AL on the active page, the cell's attribute kept. */
v_tty:
	movb 0x62, %bh
	xorb %bl, %bl
	call tty_put
	jmp v_done

/* AH=13h: write the string ES:BP of CX characters (AL bit 1: pairs of
 * character and attribute, else attribute BL) on page BH from row DH,
 * column DL as teletype output; AL bit 0: leave the cursor after it. */
v_string:
	movzbw %bh, %si
	andw $7, %si
	shlw $1, %si
	pushw 0x50(%si)			/* the page's cursor before */
	call v_setcursor
	pushw %cx
	movw F_BP(%bp), %si
1:	popw %cx
	jcxz 3f
	decw %cx
	pushw %cx
	pushw %ds
	movw F_ES(%bp), %ds
	lodsb
	movb %bl, %ah
	testb $2, F_AX(%bp)
	jz 2f
	movb (%si), %ah
	incw %si
2:	popw %ds
	pushw %bx
	pushw %si
	movb $1, %bl			/* write the attribute too */
	call tty_put
	popw %si
	popw %bx
	jmp 1b
3:	popw %dx
	testb $1, F_AX(%bp)
	jnz 4f
	call v_setcursor
4:	jmp v_done

/* AH=12h BL=10h: EGA information: colour, 256 KiB, the switch settings. */
v_alt:
	cmpb $0x10, %bl
	jne v_done
	movw $0x0003, F_BX(%bp)
	movw $0x0009, F_CX(%bp)
	jmp v_done

/* tty_put: AL on page BH as teletype output: BEL ignored; BS, CR, LF move
 * the cursor; a character is written (with attribute AH when BL is not 0,
 * else keeping the cell's), past the last column the line wraps, past the
 * last row the page scrolls up with a blank line of attribute 7. AX, CX,
 * DX, DI are clobbered. */
tty_put:
	cmpb $0x07, %al
	je 9f
	movw %ax, %cx			/* CL character, CH attribute */
	call v_cursor
	cmpb $0x08, %cl
	je 5f
	cmpb $0x0D, %cl
	je 6f
	cmpb $0x0A, %cl
	je 7f
	movb %cl, %es:(%di)
	testb %bl, %bl
	jz 1f
	movb %ch, %es:1(%di)
1:	incb %dl
	cmpb 0x4A, %dl
	jb 8f
	xorb %dl, %dl
	jmp 7f
5:	testb %dl, %dl
	jz 8f
	decb %dl
	jmp 8f
6:	xorb %dl, %dl
	jmp 8f
7:	incb %dh
	cmpb 0x84, %dh
	jbe 8f
	decb %dh
	pushw %dx
	pushw %bx
	movb $1, %al			/* one line up, the whole page, attribute 7 */
	movb $6, %ah
	xorw %cx, %cx
	movb 0x84, %dh
	movb 0x4A, %dl
	decb %dl
	movb $0x07, %bl
	call v_scrollwin
	popw %bx
	popw %dx
8:	call v_setcursor
9:	ret

/* AH=06h/07h: scroll the window CH,CL - DH,DL of the active page up (06h)
 * or down (07h) by AL lines (0: clear it), new lines blank with attribute BH. */
v_scroll:
	movb %bh, %bl
	movb 0x62, %bh
	call v_scrollwin
	jmp v_done

/* v_scrollwin: AH 6 up / 7 down, AL lines (0 or more than the window: all),
 * BL fill attribute, BH page, CH,CL - DH,DL the window, clipped to the
 * screen. Registers are kept. */
v_scrollwin:
	pushw %bp
	movw %sp, %bp
	pushw %ax			/* -2: AL lines, -1: AH direction */
	pushw %bx			/* -4: BL attribute, -3: BH page */
	pushw %cx			/* -6: CL left, -5: CH top */
	pushw %dx			/* -8: DL right, -7: DH bottom */
	pushw %si
	pushw %di
	movb 0x84, %al
	cmpb %al, -7(%bp)
	jbe 1f
	movb %al, -7(%bp)
1:	movb 0x4A, %al
	decb %al
	cmpb %al, -8(%bp)
	jbe 1f
	movb %al, -8(%bp)
1:	movb -5(%bp), %al
	cmpb -7(%bp), %al
	ja 9f
	movb -6(%bp), %al
	cmpb -8(%bp), %al
	ja 9f
	movb -7(%bp), %al		/* the window's height */
	subb -5(%bp), %al
	incb %al
	movb -2(%bp), %ah
	testb %ah, %ah
	jz 2f
	cmpb %al, %ah
	jbe 3f
2:	movb %al, -2(%bp)
3:	movzbw -8(%bp), %cx		/* the window's width */
	subb -6(%bp), %cl
	incw %cx
	pushw %cx			/* -14: width */
	cmpb $7, -1(%bp)
	je 20f
	movb -5(%bp), %dh		/* up: rows top..bottom from row + lines */
10:	call 30f
	movb %dh, %al
	addb -2(%bp), %al
	cmpb -7(%bp), %al
	ja 11f
	call 40f
	jmp 12f
11:	call 50f
12:	incb %dh
	cmpb -7(%bp), %dh
	jbe 10b
	jmp 9f
20:	movb -7(%bp), %dh		/* down: rows bottom..top from row - lines */
21:	call 30f
	movb %dh, %al
	subb -2(%bp), %al
	jb 22f
	cmpb -5(%bp), %al
	jb 22f
	call 40f
	jmp 23f
22:	call 50f
23:	cmpb -5(%bp), %dh
	je 9f
	decb %dh
	jmp 21b
9:	leaw -12(%bp), %sp
	popw %di
	popw %si
	popw %dx
	popw %cx
	popw %bx
	popw %ax
	popw %bp
	ret
30:	/* DI = row DH, the window's left column, page BH */
	movb -6(%bp), %dl
	movb -3(%bp), %bh
	jmp v_celladdr
40:	/* copy row AL's window cells to DI */
	pushw %dx
	pushw %di
	movb %al, %dh
	call v_celladdr
	movw %di, %si
	popw %di
	popw %dx
	movw -14(%bp), %cx
	pushw %ds
	pushw %es
	popw %ds
	rep movsw
	popw %ds
	ret
50:	/* blank the window's cells at DI */
	movw -14(%bp), %cx
	movb -4(%bp), %ah
	movb $0x20, %al
	rep stosw
	ret

/* INT 11h: the equipment word; INT 12h: base memory in KiB (BDA). */
int11:
	pushw %ds
	movw $BDA_SEG, %ax
	movw %ax, %ds
	movw 0x10, %ax
	popw %ds
	iret
int12:
	pushw %ds
	movw $BDA_SEG, %ax
	movw %ax, %ds
	movw 0x13, %ax
	popw %ds
	iret

/* INT 13h: the machine has no disks. */
int13:
	movb $0x01, %ah
	stc
	jmp iret_cf

/* INT 14h: serial port DX (0-3, base from the BDA): AH=00h init (status),
 * 01h send AL, 02h receive into AL, 03h status (AH line, AL modem). A port
 * that stays busy for its BDA timeout sets AH bit 7. */
int14:
	ENTER_FRAME
	movw $BDA_SEG, %si
	movw %si, %ds
	cmpw $3, %dx
	ja 9f
	movw %dx, %si
	shlw $1, %si
	movw (%si), %dx			/* the port's base */
	testw %dx, %dx
	jz 9f
	movw F_DX(%bp), %si
	movzbw 0x7C(%si), %bx		/* timeout */
	shlw $8, %bx
	incw %bx
	cmpb $0x01, %ah
	je 1f
	cmpb $0x02, %ah
	je 2f
	cmpb $0x00, %ah
	je 3f
	cmpb $0x03, %ah
	je 3f
	jmp 9f
1:	addw $5, %dx			/* send: wait for THR empty */
4:	inb %dx, %al
	testb $0x20, %al
	jnz 5f
	decw %bx
	jnz 4b
	orb $0x80, F_AX+1(%bp)
	jmp 9f
5:	subw $5, %dx
	movb F_AX(%bp), %al
	outb %al, %dx
	addw $5, %dx
	inb %dx, %al
	movb %al, F_AX+1(%bp)
	jmp 9f
2:	addw $5, %dx			/* receive: wait for data ready */
4:	inb %dx, %al
	testb $0x01, %al
	jnz 5f
	decw %bx
	jnz 4b
	movb $0x80, F_AX+1(%bp)
	jmp 9f
5:	andb $0x1E, %al
	movb %al, F_AX+1(%bp)
	subw $5, %dx
	inb %dx, %al
	movb %al, F_AX(%bp)
	jmp 9f
3:	addw $5, %dx			/* status: line status, modem status */
	inb %dx, %al
	movb %al, F_AX+1(%bp)
	incw %dx
	inb %dx, %al
	movb %al, F_AX(%bp)
9:	LEAVE_FRAME

/* INT 15h: system services. */
int15:
	cmpl $0xE820, %eax
	je s_e820
	ENTER_FRAME
	cmpw $0xE801, %ax
	je s_e801
	cmpb $0x88, %ah
	je s_88
	cmpb $0x24, %ah
	je s_a20
	cmpb $0xC0, %ah
	je s_config
	cmpb $0x86, %ah
	je s_wait
s_unsupported:
	movb $0x86, F_AX+1(%bp)
	call f_setcf
	LEAVE_FRAME
s_ok:
	movb $0, F_AX+1(%bp)
	call f_clrcf
	LEAVE_FRAME

/* E820h: EDX 'SMAP', EBX the continuation value (the entry's index), ES:DI a
 * buffer of ECX >= 20 bytes. Returns the entry, EAX 'SMAP', ECX 20 and EBX
 * the next index, 0 after the last entry. */
s_e820:
	cmpl $0x534D4150, %edx
	jne 8f
	cmpl $20, %ecx
	jb 8f
	cmpl $E820_MAX, %ebx
	jae 8f
	cmpw %cs:e820_count, %bx
	jae 8f
	pushw %ds
	pushw %si
	pushw %di
	pushw %cs
	popw %ds
	movw %bx, %si			/* SI = e820_table + 20 * EBX */
	shlw $2, %si
	pushw %si
	shlw $2, %si
	popw %ax
	addw %ax, %si
	addw $e820_table, %si
	movsl
	movsl
	movsl
	movsl
	movsl
	popw %di
	popw %si
	popw %ds
	incl %ebx
	cmpw %cs:e820_count, %bx
	jb 1f
	xorl %ebx, %ebx
1:	movl $0x534D4150, %eax
	movl $20, %ecx
	clc
	jmp iret_cf
8:	movb $0x86, %ah
	stc
	jmp iret_cf

/* ram_end: EAX = the end of the e820 RAM entry that holds 1 MiB (1 MiB when
 * none does). */
ram_end:
	pushw %si
	pushw %cx
	movw $e820_table, %si
	movw %cs:e820_count, %cx
	jcxz 3f
1:	cmpl $1, %cs:16(%si)		/* type RAM */
	jne 2f
	cmpl $0, %cs:4(%si)		/* below 4 GiB */
	jne 2f
	movl %cs:(%si), %eax
	cmpl $0x100000, %eax
	ja 2f
	addl %cs:8(%si), %eax
	jc 4f
	cmpl $0x100000, %eax
	ja 5f
2:	addw $20, %si
	loop 1b
3:	movl $0x100000, %eax
	jmp 5f
4:	movl $0xFFFFFFFF, %eax
5:	popw %cx
	popw %si
	ret

/* E801h: AX = CX = KiB between 1 MiB and 16 MiB, BX = DX = 64 KiB blocks
 * above 16 MiB (of the RAM that starts below 1 MiB + 1 byte and continues). */
s_e801:
	call ram_end
	movl %eax, %edx
	cmpl $0x1000000, %eax
	jbe 1f
	movl $0x1000000, %eax
1:	subl $0x100000, %eax
	shrl $10, %eax
	movw %ax, F_AX(%bp)
	movw %ax, F_CX(%bp)
	xorl %eax, %eax
	cmpl $0x1000000, %edx
	jbe 2f
	movl %edx, %eax
	subl $0x1000000, %eax
	shrl $16, %eax
2:	movw %ax, F_BX(%bp)
	movw %ax, F_DX(%bp)
	call f_clrcf
	LEAVE_FRAME

/* 88h: AX = KiB of RAM above 1 MiB, at most 0xFC00. */
s_88:
	call ram_end
	subl $0x100000, %eax
	shrl $10, %eax
	cmpl $0xFC00, %eax
	jbe 1f
	movl $0xFC00, %eax
1:	movw %ax, F_AX(%bp)
	call f_clrcf
	LEAVE_FRAME

/* 2400h disable A20, 2401h enable (port 0x92 bit 1), 2402h AL = its state,
 * 2403h BX = 3 (the keyboard controller and port 0x92 can gate it). */
s_a20:
	cmpb $0x03, %al
	je 3f
	cmpb $0x02, %al
	je 2f
	cmpb $0x01, %al
	ja s_unsupported
	movb %al, %ah
	inb $0x92, %al
	andb $~0x03, %al		/* bit 0 would reset the machine */
	testb %ah, %ah
	jz 1f
	orb $0x02, %al
1:	outb %al, $0x92
	jmp s_ok
2:	inb $0x92, %al
	shrb $1, %al
	andb $1, %al
	movb %al, F_AX(%bp)
	jmp s_ok
3:	movw $3, F_BX(%bp)
	jmp s_ok

/* 86h: wait CX:DX microseconds, counting the ~15 us half-periods of the
 * refresh toggle of port 0x61 (bit 4). */
s_wait:
	pushl %eax
	pushl %ecx
	pushl %edx
	movw F_CX(%bp), %ax
	shll $16, %eax
	movw F_DX(%bp), %ax
	xorl %edx, %edx
	movl $15, %ecx
	divl %ecx
	incl %eax
	movl %eax, %ecx
	inb $0x61, %al
	andb $0x10, %al
	movb %al, %ah
1:	inb $0x61, %al
	andb $0x10, %al
	cmpb %al, %ah
	je 1b
	movb %al, %ah
	decl %ecx
	jnz 1b
	popl %edx
	popl %ecx
	popl %eax
	call f_clrcf			/* AH stays 86h, as SeaBIOS leaves it */
	LEAVE_FRAME

/* C0h: ES:BX = the configuration table. */
s_config:
	movw %cs, F_ES(%bp)
	movw $config_table, F_BX(%bp)
	jmp s_ok

/* INT 16h: the keyboard buffer of the BDA. */
int16:
	pushw %ds
	pushw %bx
	movw $BDA_SEG, %bx
	movw %bx, %ds
	cmpb $0x00, %ah
	je k_read
	cmpb $0x10, %ah
	je k_read
	cmpb $0x01, %ah
	je k_check
	cmpb $0x11, %ah
	je k_check
	cmpb $0x02, %ah
	je k_shift
	cmpb $0x12, %ah
	je k_shift
	cmpb $0x05, %ah
	je k_store
k_done:
	popw %bx
	popw %ds
	iret
/* 00h/10h: wait for a key; AH scan code, AL character. */
k_read:
1:	cli
	movw 0x1A, %bx
	cmpw 0x1C, %bx
	jne 2f
	sti
	hlt
	jmp 1b
2:	movw (%bx), %ax
	addw $2, %bx
	cmpw 0x82, %bx
	jb 3f
	movw 0x80, %bx
3:	movw %bx, 0x1A
	jmp k_done
/* 01h/11h: ZF=1 when no key waits, else ZF=0 and AX the key (left queued). */
k_check:
	movw 0x1A, %bx
	cmpw 0x1C, %bx
	je 1f
	movw (%bx), %ax
	testw %bx, %bx			/* not zero: ZF=0 */
1:	popw %bx
	popw %ds
	jmp iret_zf
/* 02h: AL = shift flags; 12h: AH = extended shift flags too. */
k_shift:
	cmpb $0x12, %ah
	jne 1f
	movb 0x18, %ah
1:	movb 0x17, %al
	jmp k_done
/* 05h: store CX as a key; AL = 0, or 1 when the buffer is full. */
k_store:
	pushw %si
	movw 0x1C, %bx
	leaw 2(%bx), %si
	cmpw 0x82, %si
	jb 1f
	movw 0x80, %si
1:	movb $1, %al
	cmpw 0x1A, %si
	je 2f
	movw %cx, (%bx)
	movw %si, 0x1C
	xorb %al, %al
2:	popw %si
	jmp k_done

/* INT 1Ah: 00h CX:DX = ticks since midnight, AL = the midnight flag (then
 * cleared); 01h sets the ticks; 02h RTC time (CH hours, CL minutes, DH
 * seconds in BCD, DL daylight saving); 04h RTC date (CH century, CL year,
 * DH month, DL day). Others: CF=1. */
int1a:
	pushw %ds
	pushw %bx
	movw $BDA_SEG, %bx
	movw %bx, %ds
	cmpb $0x00, %ah
	je 1f
	cmpb $0x01, %ah
	je 2f
	cmpb $0x02, %ah
	je 3f
	cmpb $0x04, %ah
	je 4f
	popw %bx
	popw %ds
	stc
	jmp iret_cf
1:	pushf
	cli
	movw 0x6C, %dx
	movw 0x6E, %cx
	movb 0x70, %al
	movb $0, 0x70
	popf
	jmp 9f
2:	pushf
	cli
	movw %dx, 0x6C
	movw %cx, 0x6E
	movb $0, 0x70
	popf
	jmp 9f
3:	call rtc_wait
	movb $0x04, %al
	call rtc_read
	movb %al, %ch
	movb $0x02, %al
	call rtc_read
	movb %al, %cl
	movb $0x00, %al
	call rtc_read
	movb %al, %dh
	movb $0x0B, %al
	call rtc_read
	andb $1, %al
	movb %al, %dl
	jmp 9f
4:	call rtc_wait
	movb $0x32, %al
	call rtc_read
	movb %al, %ch
	movb $0x09, %al
	call rtc_read
	movb %al, %cl
	movb $0x08, %al
	call rtc_read
	movb %al, %dh
	movb $0x07, %al
	call rtc_read
	movb %al, %dl
9:	popw %bx
	popw %ds
	clc
	jmp iret_cf

/* rtc_read: AL = CMOS register AL. */
rtc_read:
	outb %al, $0x70
	inb $0x71, %al
	ret
/* rtc_wait: until no update is in progress (status A bit 7), a bounded wait. */
rtc_wait:
	pushw %cx
	movw $0xFFFF, %cx
1:	movb $0x0A, %al
	call rtc_read
	testb $0x80, %al
	jz 2f
	loop 1b
2:	popw %cx
	ret

/* The reset vector: a machine reset through the reset control register. */
reset:
	cli
	movw $0xCF9, %dx
	movb $0x06, %al
	outb %al, %dx
	movb $0xFE, %al
	outb %al, $0x64
1:	hlt
	jmp 1b

/* The vector table: the handler of each INT n, IRET where none is named. */
	.set vec_8, int08
	.set vec_9, int09
	.set vec_10, eoi_master
	.set vec_11, eoi_master
	.set vec_12, eoi_master
	.set vec_13, eoi_master
	.set vec_14, eoi_master
	.set vec_15, eoi_master
	.set vec_16, int10
	.set vec_17, int11
	.set vec_18, int12
	.set vec_19, int13
	.set vec_20, int14
	.set vec_21, int15
	.set vec_22, int16
	.set vec_26, int1a
	.set vec_112, irq_rtc
	.set vec_113, eoi_slave
	.set vec_114, eoi_slave
	.set vec_115, eoi_slave
	.set vec_116, eoi_slave
	.set vec_117, eoi_slave
	.set vec_118, eoi_slave
	.set vec_119, eoi_slave
	.altmacro
	.macro VEC n
	.ifdef vec_\n
	.word vec_\n
	.else
	.word default_iret
	.endif
	.endm
	.balign 2
vectors:
	.set i, 0
	.rept 256
	VEC %i
	.set i, i+1
	.endr
	.noaltmacro

/* Fixed addresses of the PC BIOS. */
	.org 0xE6F5 - ORG
config_table:				/* INT 15h C0h */
	.word 8
	.byte 0xFC, 0x00, 0x01		/* model, submodel, revision */
	.byte 0x74, 0x00, 0x00, 0x00, 0x00	/* 2nd 8259, RTC, INT 09h hook, EBDA */
	.org 0xFF00 - ORG
park:					/* where application processors wait */
	hlt
	jmp park
	.org 0xFF53 - ORG
default_iret:
	iret
	.org 0xFFF0 - ORG
	ljmp $0xF000, $reset
	.org 0xFFF5 - ORG
	.ascii "06/23/99"
	.org 0xFFFE - ORG
	.byte 0xFC, 0x00
