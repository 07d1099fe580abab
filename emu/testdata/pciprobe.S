/*
 * The PCI probe: an a.out-kludge Multiboot image at 1 MiB that looks at the
 * PCI bus through configuration mechanism #1 (0xCF8/0xCFC) as the firmware
 * leaves it before a -kernel boot, and prints:
 *   - how CONFIG_ADDRESS takes byte, word and dword accesses, the enable
 *     bit, and CONFIG_DATA at every offset and width;
 *   - every function on bus 0: its identity line and its whole 256-byte
 *     configuration space;
 *   - for every dword of every function, what reads back after writing
 *     all-ones and after writing zeros (write masks, BAR sizes, read-only
 *     fields), the original value restored after each;
 *   - pci-testdev (-device pci-testdev) when present: every test of its
 *     memory and I/O BARs (header fields, the count after writes of each
 *     width and value, the name), misaligned accesses through each BAR,
 *     then its BARs moved and decoding turned off and on again;
 *   - the PIIX4 power-management I/O enable and the PM timer port.
 * Exit status 0x21 (value 0x10) when done.
 */
	.set LOAD, 0x100000
	.set MB_FLAGS, 0x00010003
	.set CONFIG_ADDRESS, 0xCF8
	.set CONFIG_DATA, 0xCFC
	.set ENABLE, 0x80000000
	.set MAXFN, 64
	.set TESTDEV_ID, 0x00051b36
	.set NEW_IO, 0xD000
	.set NEW_MEM, 0xFEB00000

	.include "probe.inc"

entry:
	movl $stack_top, %esp
	call config_ports
	call enumerate
	call dump_all
	call masks_all
	call testdev
	call pm_enable
	movl $s_done, %esi
	call puts
	movl $0x10, %eax
	call finish

/* ---- configuration mechanism #1 ---- */

/* sel: CONFIG_ADDRESS = ENABLE | %ebx | (%ecx & 0xFC); %edx = the data port
 * for register %ecx. %ebx holds bus<<16 | device<<11 | function<<8. */
sel:
	pushl %eax
	movl %ecx, %eax
	andl $0xFC, %eax
	orl %ebx, %eax
	orl $ENABLE, %eax
	movw $CONFIG_ADDRESS, %dx
	outl %eax, %dx
	movl %ecx, %edx
	andl $3, %edx
	addl $CONFIG_DATA, %edx
	popl %eax
	ret

rd32:	call sel
	inl %dx, %eax
	ret
wr32:	call sel
	outl %eax, %dx
	ret
rd16:	call sel
	xorl %eax, %eax
	inw %dx, %ax
	ret
wr16:	call sel
	outw %ax, %dx
	ret
rd8:	call sel
	xorl %eax, %eax
	inb %dx, %al
	ret
wr8:	call sel
	outb %al, %dx
	ret

/* bdf prints %ebx as bb:dd.f */
bdf:
	movl %ebx, %eax
	shrl $16, %eax
	call hex8
	movb $':', %al
	call putc
	movl %ebx, %eax
	shrl $11, %eax
	andl $0x1F, %eax
	call hex8
	movb $'.', %al
	call putc
	movl %ebx, %eax
	shrl $8, %eax
	andl $7, %eax
	movb hexdigits(%eax), %al
	jmp putc

/* The ports themselves. */
config_ports:
	movl $s_cf8, %esi
	call puts
	movw $CONFIG_ADDRESS, %dx
	movl $0x8000F807, %eax
	outl %eax, %dx
	inl %dx, %eax
	call hex32
	call space
	inb %dx, %al
	movzbl %al, %eax
	call hex32
	call space
	inw %dx, %ax
	movzwl %ax, %eax
	call hex32
	call space
	movw $CONFIG_ADDRESS+2, %dx
	inb %dx, %al
	movzbl %al, %eax
	call hex32
	call space
	inw %dx, %ax
	movzwl %ax, %eax
	call hex32
	call space
	movw $CONFIG_ADDRESS+1, %dx	/* a misaligned word */
	inw %dx, %ax
	movzwl %ax, %eax
	call hex32
	call space
	movw $CONFIG_ADDRESS+3, %dx
	inb %dx, %al
	movzbl %al, %eax
	call hex32
	call space
	movw $CONFIG_ADDRESS, %dx
	movb $0x12, %al		/* byte and word writes do not reach CONFIG_ADDRESS */
	outb %al, %dx
	inl %dx, %eax
	call hex32
	call space
	movw $CONFIG_ADDRESS+2, %dx
	movw $0x3456, %ax
	outw %ax, %dx
	movw $CONFIG_ADDRESS, %dx
	inl %dx, %eax
	call hex32
	call newline

	movl $s_cfc, %esi
	call puts
	movw $CONFIG_ADDRESS, %dx	/* enable bit clear */
	movl $0x00000000, %eax
	outl %eax, %dx
	movw $CONFIG_DATA, %dx
	inl %dx, %eax
	call hex32
	call space
	movw $CONFIG_ADDRESS, %dx
	movl $ENABLE, %eax
	outl %eax, %dx
	movw $CONFIG_DATA, %dx
	inl %dx, %eax
	call hex32
	call space
	movw $CONFIG_DATA+1, %dx
	inb %dx, %al
	movzbl %al, %eax
	call hex32
	call space
	movw $CONFIG_DATA+1, %dx
	inw %dx, %ax
	movzwl %ax, %eax
	call hex32
	call space
	movw $CONFIG_DATA+2, %dx
	inw %dx, %ax
	movzwl %ax, %eax
	call hex32
	call space
	movw $CONFIG_DATA+3, %dx
	inb %dx, %al
	movzbl %al, %eax
	call hex32
	call space
	movw $CONFIG_ADDRESS, %dx	/* low address bits set */
	movl $ENABLE|2, %eax
	outl %eax, %dx
	movw $CONFIG_DATA, %dx
	inw %dx, %ax
	movzwl %ax, %eax
	call hex32
	call space
	movw $CONFIG_ADDRESS, %dx	/* bits 30:24 */
	movl $0x8F000008, %eax
	outl %eax, %dx
	movw $CONFIG_DATA, %dx
	inl %dx, %eax
	call hex32
	call newline

	movl $s_absent, %esi
	call puts
	movl $0x00010000, %ebx	/* bus 1 */
	xorl %ecx, %ecx
	call rd32
	call hex32
	call space
	movl $0x00FF0000, %ebx	/* bus 255 */
	call rd32
	call hex32
	call space
	movl $0x0000FF00, %ebx	/* 00:1f.7 */
	call rd32
	call hex32
	call space
	movl $0x00001100, %ebx	/* 00:02.1: function 1 of a single-function device */
	call rd32
	call hex32
	call space
	movl $0x0000F800, %ebx	/* 00:1f.0 written, read back */
	movl $0x3C, %ecx
	movl $0x12345678, %eax
	call wr32
	call rd32
	call hex32
	call newline
	ret

/* enumerate fills fns[] with every function on bus 0 that answers. */
enumerate:
	xorl %ebx, %ebx
	xorl %edi, %edi
1:	xorl %ecx, %ecx
	call rd32
	cmpw $0xFFFF, %ax
	je 2f
	movl %ebx, fns(,%edi,4)
	incl %edi
2:	addl $0x100, %ebx
	cmpl $0x10000, %ebx
	jb 1b
	movl %edi, nfns
	ret

/* dump_all prints each function's identity and its configuration space. */
dump_all:
	xorl %edi, %edi
1:	cmpl nfns, %edi
	jae 9f
	movl fns(,%edi,4), %ebx
	call bdf
	call space
	movl $0x00, %ecx	/* vendor:device */
	call rd16
	call hex16
	movb $':', %al
	call putc
	movl $0x02, %ecx
	call rd16
	call hex16
	movl $s_class, %esi
	call puts
	movl $0x0B, %ecx
	call rd8
	call hex8
	movl $0x0A, %ecx
	call rd8
	call hex8
	movl $0x09, %ecx
	call rd8
	call hex8
	movl $s_rev, %esi
	call puts
	movl $0x08, %ecx
	call rd8
	call hex8
	movl $s_hdr, %esi
	call puts
	movl $0x0E, %ecx
	call rd8
	call hex8
	movl $s_sub, %esi
	call puts
	movl $0x2C, %ecx
	call rd16
	call hex16
	movb $':', %al
	call putc
	movl $0x2E, %ecx
	call rd16
	call hex16
	movl $s_pin, %esi
	call puts
	movl $0x3D, %ecx
	call rd8
	call hex8
	movl $s_line, %esi
	call puts
	movl $0x3C, %ecx
	call rd8
	call hex8
	call newline
	xorl %ecx, %ecx
2:	call rd32
	call hex32
	addl $4, %ecx
	testl $0x1F, %ecx
	jnz 3f
	call newline
	jmp 4f
3:	call space
4:	cmpl $0x100, %ecx
	jb 2b
	incl %edi
	jmp 1b
9:	ret

/* masks_all writes all-ones and then zeros to every dword of every
 * function, prints what reads back where it differs from the original,
 * and restores the original. The host bridge's SMRAM dword (0x70) is left
 * alone: its D_LCK bit would stick until reset. */
masks_all:
	xorl %edi, %edi
1:	cmpl nfns, %edi
	jae 9f
	movl fns(,%edi,4), %ebx
	call bdf
	movb $':', %al
	call putc
	xorl %ecx, %ecx
	xorl %ebp, %ebp		/* items on this line */
2:	testl %ebx, %ebx
	jnz 3f
	cmpl $0x70, %ecx
	je 6f
3:	call rd32
	movl %eax, orig
	movl $0xFFFFFFFF, %eax
	call wr32
	call rd32
	movl %eax, ones
	xorl %eax, %eax
	call wr32
	call rd32
	movl %eax, zeros
	movl orig, %eax
	call wr32
	movl orig, %eax
	cmpl %eax, ones
	jne 4f
	cmpl %eax, zeros
	je 6f
4:	call space
	movl %ecx, %eax
	call hex8
	movb $'=', %al
	call putc
	movl ones, %eax
	call hex32
	movb $'/', %al
	call putc
	movl zeros, %eax
	call hex32
	incl %ebp
	cmpl $6, %ebp
	jb 6f
	call newline
	movb $' ', %al
	call putc
	xorl %ebp, %ebp
6:	addl $4, %ecx
	cmpl $0x100, %ecx
	jb 2b
	call newline
	incl %edi
	jmp 1b
9:	/* The SMRAM byte without D_LCK. */
	movl $s_smram, %esi
	call puts
	xorl %ebx, %ebx
	movl $0x72, %ecx
	call rd8
	movl %eax, orig
	movb $0x2F, %al
	call wr8
	call rd8
	call hex8
	call space
	xorl %eax, %eax
	call wr8
	call rd8
	call hex8
	movl orig, %eax
	call wr8
	call newline
	ret

/* ---- pci-testdev ---- */

/* find_testdev: %ebx = the function, ZF clear when found. */
find_testdev:
	xorl %edi, %edi
1:	cmpl nfns, %edi
	jae 8f
	movl fns(,%edi,4), %ebx
	xorl %ecx, %ecx
	call rd32
	cmpl $TESTDEV_ID, %eax
	je 9f
	incl %edi
	jmp 1b
8:	xorl %eax, %eax		/* ZF set: absent */
	ret
9:	orl $1, %eax		/* ZF clear */
	ret

/* Accessors through the BAR being tested: tio = 0 for memory (base in
 * tbase), 1 for I/O. tread8/16/32 read at offset %ecx into %eax;
 * twrite8/32 write %eax at offset %ecx. */
taddr:
	movl tbase, %edx
	addl %ecx, %edx
	ret
tread8:
	call taddr
	xorl %eax, %eax
	cmpl $0, tio
	jne 1f
	movb (%edx), %al
	ret
1:	inb %dx, %al
	ret
tread32:
	call taddr
	cmpl $0, tio
	jne 1f
	movl (%edx), %eax
	ret
1:	inl %dx, %eax
	ret
twrite8:
	call taddr
	cmpl $0, tio
	jne 1f
	movb %al, (%edx)
	ret
1:	outb %al, %dx
	ret
twrite16:
	call taddr
	cmpl $0, tio
	jne 1f
	movw %ax, (%edx)
	ret
1:	outw %ax, %dx
	ret
twrite32:
	call taddr
	cmpl $0, tio
	jne 1f
	movl %eax, (%edx)
	ret
1:	outl %eax, %dx
	ret

/* run_tests runs tests 0..3 through the current BAR. */
run_tests:
	xorl %esi, %esi		/* test number */
1:	pushl %esi
	movl tio, %eax
	movl $s_tmem, %esi
	testl %eax, %eax
	jz 2f
	movl $s_tio, %esi
2:	call puts
	popl %esi
	movl %esi, %eax
	call hex8
	call space
	movl %esi, %eax
	xorl %ecx, %ecx
	call twrite8		/* select the test */
	movl $0, %ecx		/* test, width, data, offset, count */
	call tread8
	call hex8
	call space
	movl $1, %ecx
	call tread8
	call hex8
	call space
	movl $8, %ecx
	call tread8
	movl %eax, tdata
	call hex8
	call space
	movl $4, %ecx
	call tread32
	movl %eax, toff
	call hex32
	call space
	movl $12, %ecx
	call tread32
	call hex32
	call space
	/* 16 byte writes of the data byte */
	movl $16, %ebp
3:	movl toff, %ecx
	movl tdata, %eax
	call twrite8
	decl %ebp
	jnz 3b
	movl $12, %ecx
	call tread32
	call hex32
	call space
	/* a byte write of another value */
	movl toff, %ecx
	movl $0x11, %eax
	call twrite8
	movl $12, %ecx
	call tread32
	call hex32
	call space
	/* a word and a dword write of the data */
	movl toff, %ecx
	movl tdata, %eax
	call twrite16
	movl $12, %ecx
	call tread32
	call hex32
	call space
	movl toff, %ecx
	movl tdata, %eax
	call twrite32
	movl $12, %ecx
	call tread32
	call hex32
	call space
	/* a write next to the offset */
	movl toff, %ecx
	incl %ecx
	movl tdata, %eax
	call twrite8
	movl $12, %ecx
	call tread32
	call hex32
	call space
	/* the name, and its first dword */
	movl $16, %ecx
	call tread32
	call hex32
	call space
	movl $16, %ecx
4:	call tread8
	testb %al, %al
	jz 5f
	call putc
	incl %ecx
	cmpl $64, %ecx
	jb 4b
5:	call newline
	incl %esi
	cmpl $4, %esi
	jb 1b
	/* after the out-of-range test number: no test, reads are 0 */
	movl $12, %ecx
	call tread32
	call hex32
	call space
	movl $0x800, %ecx
	call tread32
	call hex32
	call newline
	ret

testdev:
	call find_testdev
	jnz 1f
	movl $s_notestdev, %esi
	call puts
	ret
1:	movl %ebx, tdev
	movl $0x10, %ecx
	call rd32
	andl $0xFFFFFFF0, %eax
	movl %eax, membase
	movl $0x14, %ecx
	call rd32
	andl $0xFFFFFFFC, %eax
	movl %eax, iobase
	/* before any test is selected */
	movl $s_tidle, %esi
	call puts
	movl membase, %eax
	movl %eax, tbase
	movl $0, tio
	movl $12, %ecx
	call tread32
	call hex32
	call newline
	call run_tests
	movl iobase, %eax
	movl %eax, tbase
	movl $1, tio
	call run_tests

	/* Select a test through one BAR, read through the other. */
	movl $s_cross, %esi
	call puts
	movl $1, %eax
	xorl %ecx, %ecx
	call twrite8		/* portio-wildcard-eventfd through I/O */
	movl membase, %eax
	movl %eax, tbase
	movl $0, tio
	movl $0, %ecx
	call tread8
	call hex8
	call space
	movl $4, %ecx
	call tread32
	call hex32
	call newline

	/* Misaligned accesses: through memory they are split (writes byte by
	 * byte, each a single-byte access), through ports dropped. */
	movl $s_misaligned, %esi
	call puts
	movl membase, %edi
	movb $0, (%edi)			/* mmio-no-eventfd */
	movw $0xFA00, 0x7FF(%edi)
	movl $0x0000FA00, 0x7FF(%edi)
	movl $0xFA000000, 0x7FD(%edi)
	movl $0x00FA0000, 0x7FE(%edi)
	movl 12(%edi), %eax
	call hex32
	call space
	movb $1, (%edi)			/* mmio-wildcard-eventfd */
	movw $0xCECE, 0x801(%edi)
	movl 12(%edi), %eax
	call hex32
	call space
	movw $0xCECE, 0x800(%edi)
	movl 12(%edi), %eax
	call hex32
	call space
	movl 3(%edi), %eax
	call hex32
	call space
	movzwl 5(%edi), %eax
	call hex32
	call space
	movl 0xFFE(%edi), %eax
	call hex32
	call space
	movl iobase, %edx
	xorl %eax, %eax
	outb %al, %dx			/* portio-no-eventfd */
	addl $0x83, %edx
	movw $0xFAFA, %ax
	outw %ax, %dx
	movl iobase, %edx
	addl $12, %edx
	inl %dx, %eax
	call hex32
	call space
	movl iobase, %edx
	incl %edx
	inw %dx, %ax
	movzwl %ax, %eax
	call hex32
	call newline

	/* Move the BARs. */
	movl $s_moved, %esi
	call puts
	movl tdev, %ebx
	movl $0x10, %ecx
	movl $NEW_MEM, %eax
	call wr32
	call rd32
	call hex32
	call space
	movl $0x14, %ecx
	movl $NEW_IO, %eax
	call wr32
	call rd32
	call hex32
	call space
	movl $2, %eax		/* mmio-datamatch-eventfd at the new address */
	xorl %ecx, %ecx
	movl $NEW_MEM, tbase
	call twrite8
	movl $1, %ecx
	call tread8
	call hex8
	call space
	movl $0, %ecx
	call tread8
	call hex8
	call space
	movl iobase, %edx	/* the old addresses: nothing there */
	inl %dx, %eax
	call hex32
	call space
	movl membase, %edx
	movl (%edx), %eax
	call hex32
	call space
	movl $NEW_IO, %edx
	inb %dx, %al
	movzbl %al, %eax
	call hex32
	call newline

	/* Decoding off and on (command register bits 0 and 1). */
	movl $s_decode, %esi
	call puts
	movl tdev, %ebx
	movl $0x04, %ecx
	call rd16
	movl %eax, orig
	andl $~3, %eax
	call wr16
	movl $NEW_IO, %edx
	inl %dx, %eax
	call hex32
	call space
	movl $NEW_MEM, %edx
	movl (%edx), %eax
	call hex32
	call space
	movl orig, %eax
	call wr16
	movl $NEW_IO, %edx
	inl %dx, %eax
	call hex32
	call space
	movl $NEW_MEM, %edx
	movl (%edx), %eax
	call hex32
	call newline

	/* Put the BARs back. */
	movl $0x10, %ecx
	movl membase, %eax
	call wr32
	movl $0x14, %ecx
	movl iobase, %eax
	call wr32
	movl $s_back, %esi
	call puts
	movl membase, %edx
	movzbl 1(%edx), %eax
	call hex8
	call newline
	ret

/* ---- PIIX4 power management ---- */

/* The PM I/O space follows PMREGMISC bit 0 (00:01.3 register 0x80). */
pm_enable:
	movl $s_pm, %esi
	call puts
	movl $0x0B00, %ebx
	movl $0x40, %ecx
	call rd32
	call hex32
	call space
	movl $0x80, %ecx
	call rd8
	movl %eax, orig
	xorl %eax, %eax
	call wr8
	movw $0x608, %dx
	inl %dx, %eax
	call hex32
	call space
	movw $0x604, %dx
	inw %dx, %ax
	movzwl %ax, %eax
	call hex32
	call space
	movl orig, %eax
	call wr8
	movw $0x604, %dx
	inw %dx, %ax
	movzwl %ax, %eax
	call hex32
	call newline
	ret

	PROBE_ROUTINES

s_cf8:		.asciz "cf8: "
s_cfc:		.asciz "cfc: "
s_absent:	.asciz "absent: "
s_class:	.asciz " class "
s_rev:		.asciz " rev "
s_hdr:		.asciz " hdr "
s_sub:		.asciz " sub "
s_pin:		.asciz " pin "
s_line:		.asciz " line "
s_smram:	.asciz "smram: "
s_notestdev:	.asciz "no pci-testdev\n"
s_tidle:	.asciz "testdev idle: "
s_tmem:		.asciz "mem "
s_tio:		.asciz "io  "
s_cross:	.asciz "cross: "
s_moved:	.asciz "moved: "
s_misaligned:	.asciz "misaligned: "
s_decode:	.asciz "decode: "
s_back:		.asciz "back: "
s_pm:		.asciz "pm: "
s_done:		.asciz "done\n"

	.bss
	.balign 4
nfns:	.long 0
fns:	.skip 4*MAXFN
orig:	.long 0
ones:	.long 0
zeros:	.long 0
tdev:	.long 0
membase: .long 0
iobase:	.long 0
tbase:	.long 0
tio:	.long 0
tdata:	.long 0
toff:	.long 0
	.skip 4096
stack_top:
bss_end:
