/*
 * The legacy ports probe: an a.out-kludge Multiboot image at 1 MiB that
 * looks at the ISA devices of QEMU's pc machine beyond the interrupt
 * controllers and timers, as the firmware leaves them before a -kernel
 * boot, and prints what each read returns:
 *   - the 8254's control port (write-only);
 *   - the 8237 DMA controllers (0x00-0x0F, 0xC0-0xDF) and the page
 *     registers (0x80-0x8F): as found, the address and count registers
 *     through the flip-flop, the mask register after each way of writing
 *     it, the status after a master clear;
 *   - the parallel port at 0x378: its registers as found and after writes
 *     of data and control;
 *   - the floppy controller at 0x3F0-0x3F7 without a disk: the registers as
 *     found, a reset through the DOR with its interrupt (IRQ 6) and the
 *     SENSE INTERRUPT STATUS results, VERSION, SPECIFY, RECALIBRATE, SENSE
 *     DRIVE STATUS, an invalid command; the main status register before
 *     every byte.
 * Exit status 0x21 (value 0x10) when done.
 */
	.set LOAD, 0x100000
	.set MB_FLAGS, 0x00010003
	.set VEC6, 0x0E		/* IRQ 6 through the 8259 as the firmware left it */
	.set VEC7, 0x0F
	.set FDC_MSR, 0x3F4
	.set FDC_FIFO, 0x3F5
	.set FDC_DOR, 0x3F2

	.include "probe.inc"

entry:
	movl $stack_top, %esp
	call irq_init
	movl $s_pit, %esi
	call puts
	movl $0x43, %edx	/* the PIT's write-only control port */
	call rd
	call newline
	call dma
	call lpt
	call fdc
	movl $s_done, %esi
	call puts
	movl $0x10, %eax
	call finish

/* ---- interrupts: count IRQ 6 and 7, everything else masked ---- */
irq_init:
	movl $irq6, %eax
	movl $VEC6*8, %ecx
	call gate
	movl $irq7, %eax
	movl $VEC7*8, %ecx
	call gate
	lidt idtr
	movb $0x3F, %al
	outb %al, $0x21
	movb $0xFF, %al
	outb %al, $0xA1
	sti
	ret
	PROBE_IRQ_HELPERS
irq6:
	incl n6
	jmp eoi
irq7:
	incl n7
eoi:
	pushl %eax
	movb $0x20, %al
	outb %al, $0x20
	popl %eax
	iret


/* irqs prints the interrupts counted since the last call. */
irqs:
	pushl %esi
	call settle
	movl $s_irq, %esi
	call puts
	cli
	movl n6, %eax
	call hex8
	movl n7, %eax
	call hex8
	movl $0, n6
	movl $0, n7
	sti
	call newline
	popl %esi
	ret

/* rd prints " vv", the byte read from port %edx. */
rd:
	pushl %eax
	call space
	inb %dx, %al
	movzbl %al, %eax
	call hex8
	popl %eax
	ret

/* range prints the ports [%edx, %ebx) on a line headed by the first. */
range:
	movl %edx, %eax
	call hex16
	movb $':', %al
	call putc
1:	call rd
	incl %edx
	cmpl %ebx, %edx
	jb 1b
	jmp newline

/* wr writes %al to port %edx. */
wr:
	outb %al, %dx
	ret

/* ---- DMA ---- */
dma:
	movl $s_dma, %esi
	call puts
	call dma_dump
	/* channel 1 address and count; channel 5 address and count */
	movb $0, %al
	outb %al, $0x0C
	movb $0x34, %al
	outb %al, $0x02
	movb $0x12, %al
	outb %al, $0x02
	movb $0x78, %al
	outb %al, $0x03
	movb $0x56, %al
	outb %al, $0x03
	movb $0, %al
	outb %al, $0xD8
	movb $0xBC, %al
	outb %al, $0xC4
	movb $0x9A, %al
	outb %al, $0xC4
	movb $0xF0, %al
	outb %al, $0xC6
	movb $0xDE, %al
	outb %al, $0xC6
	movb $0x5A, %al
	outb %al, $0x83
	movb $0xA5, %al
	outb %al, $0x8B
	movb $0x33, %al
	outb %al, $0x84	/* not a page register */
	movl $s_dma_rw, %esi
	call puts
	movb $0, %al
	outb %al, $0x0C
	outb %al, $0xD8
	call dma_dump
	/* odd flip-flop state: one byte read, then the dump */
	movl $s_dma_ff, %esi
	call puts
	inb $0x02, %al
	inb $0xC4, %al
	call dma_dump
	/* masks: single set, clear all, write all; mode; master clear */
	movl $s_dma_mask, %esi
	call puts
	movb $0x05, %al
	outb %al, $0x0A
	movl $0x08, %edx
	movl $0x10, %ebx
	call range
	movb $0x01, %al
	outb %al, $0x0A
	movl $0x08, %edx
	movl $0x10, %ebx
	call range
	movb $0x00, %al
	outb %al, $0x0E
	movl $0x08, %edx
	movl $0x10, %ebx
	call range
	movb $0x0A, %al
	outb %al, $0x0F
	movl $0x08, %edx
	movl $0x10, %ebx
	call range
	movb $0x46, %al
	outb %al, $0x0B
	movb $0x00, %al
	outb %al, $0x0D
	movl $0x00, %edx
	movl $0x10, %ebx
	call range
	movb $0x06, %al
	outb %al, $0xD4
	movl $0xD0, %edx
	movl $0xE0, %ebx
	call range
	movb $0x02, %al
	outb %al, $0xD4
	movl $0xD0, %edx
	movl $0xE0, %ebx
	call range
	ret

dma_dump:
	movl $0x00, %edx
	movl $0x10, %ebx
	call range
	movl $0x80, %edx
	movl $0x90, %ebx
	call range
	movl $0xC0, %edx
	movl $0xD0, %ebx
	call range
	movl $0xD0, %edx
	movl $0xE0, %ebx
	jmp range

/* ---- parallel port ---- */
lpt:
	movl $s_lpt, %esi
	call puts
	movl $0x378, %edx
	movl $0x380, %ebx
	call range
	movl $lpt_writes, %esi
1:	movzwl (%esi), %edx
	testl %edx, %edx
	jz 2f
	movb 2(%esi), %al
	outb %al, %dx
	pushl %esi
	movl %edx, %eax
	call hex16
	movb $'=', %al
	call putc
	popl %esi
	movzbl 2(%esi), %eax
	call hex8
	pushl %esi
	movl $0x378, %edx
	movl $0x37B, %ebx
	call range
	call irqs
	popl %esi
	addl $3, %esi
	jmp 1b
2:	ret

/* ---- floppy controller ---- */
fdc:
	movl $s_fdc, %esi
	call puts
	movl $0x3F0, %edx
	movl $0x3F6, %ebx
	call range
	movl $0x3F7, %edx
	movl $0x3F8, %ebx
	call range
	movl $s_fdc_reset, %esi
	call puts
	movb $0x08, %al
	movw $FDC_DOR, %dx
	outb %al, %dx
	call fdc_regs
	call irqs
	movb $0x0C, %al
	movw $FDC_DOR, %dx
	outb %al, %dx
	call fdc_regs
	call irqs
	/* four SENSE INTERRUPT STATUS after the reset, then one more */
	movl $5, %ecx
1:	movl $cmd_sense, %esi
	call fdc_cmd
	loop 1b
	/* again, now that the interrupt left by the firmware is cleared */
	movb $0x08, %al
	movw $FDC_DOR, %dx
	outb %al, %dx
	movb $0x0C, %al
	outb %al, %dx
	call fdc_regs
	call irqs
	movl $5, %ecx
4:	movl $cmd_sense, %esi
	call fdc_cmd
	loop 4b
	movl $fdc_cmds, %esi
2:	cmpb $0xFF, (%esi)
	je 3f
	call fdc_cmd
	jmp 2b
3:	movl $0x3F0, %edx
	movl $0x3F6, %ebx
	call range
	movl $0x3F7, %edx
	movl $0x3F8, %ebx
	call range
	ret

fdc_regs:
	movl $0x3F1, %edx
	movl $0x3F6, %ebx
	call range
	ret

/* fdc_cmd sends the command at %esi (a count, then the bytes), printing the
 * MSR before each byte, then reads result bytes while the MSR has RQM and
 * DIO set (at most 16), printing the MSR and each byte, then the
 * interrupts; %esi ends past the command. */
fdc_cmd:
	pushl %ecx
	pushl %esi
	movl $s_cmd, %esi
	call puts
	popl %esi
	movzbl (%esi), %ecx
	incl %esi
1:	movw $FDC_MSR, %dx
	inb %dx, %al
	movzbl %al, %eax
	call hex8
	movb $'<', %al
	call putc
	lodsb
	movzbl %al, %eax
	pushl %eax
	call hex8
	call space
	popl %eax
	movw $FDC_FIFO, %dx
	outb %al, %dx
	loop 1b
	call settle
	movl $16, %ecx
2:	movw $FDC_MSR, %dx
	inb %dx, %al
	movzbl %al, %eax
	call hex8
	inb %dx, %al
	andb $0xC0, %al
	cmpb $0xC0, %al
	jne 3f
	movb $'>', %al
	call putc
	movw $FDC_FIFO, %dx
	inb %dx, %al
	movzbl %al, %eax
	call hex8
	call space
	loop 2b
3:	call irqs
	popl %ecx
	ret

	PROBE_ROUTINES

idtr:	.word 256*8-1
	.long idt
/* parallel port writes: port, value */
lpt_writes:
	.word 0x378
	.byte 0x55
	.word 0x37A
	.byte 0x04
	.word 0x37A
	.byte 0x0F
	.word 0x37A
	.byte 0x2C
	.word 0x378
	.byte 0xC3
	.word 0x37A
	.byte 0x0C
	.word 0x379
	.byte 0xFF
	.word 0
cmd_sense:	.byte 1, 0x08
fdc_cmds:
	.byte 1, 0x10			/* VERSION */
	.byte 3, 0x03, 0xDF, 0x02	/* SPECIFY */
	.byte 2, 0x04, 0x00		/* SENSE DRIVE STATUS, drive 0 */
	.byte 2, 0x04, 0x01		/* SENSE DRIVE STATUS, drive 1 */
	.byte 2, 0x07, 0x00		/* RECALIBRATE drive 0 */
	.byte 1, 0x08
	.byte 3, 0x0F, 0x00, 0x05	/* SEEK drive 0 to 5 */
	.byte 1, 0x08
	.byte 1, 0x08
	.byte 1, 0xFF			/* invalid */
	.byte 1, 0x14			/* UNLOCK */
	.byte 1, 0x94			/* LOCK */
	.byte 4, 0x13, 0x00, 0x57, 0x00	/* CONFIGURE */
	.byte 1, 0x0E			/* DUMPREG */
	.byte 0xFF
s_pit:      .asciz "pit control:"
s_dma:      .asciz "dma: as found\n"
s_dma_rw:   .asciz "dma: after address/count/page writes\n"
s_dma_ff:   .asciz "dma: flip-flop left high\n"
s_dma_mask: .asciz "dma: single mask, clear mask, write mask, master clear; dma2 mask\n"
s_lpt:      .asciz "lpt: as found\n"
s_fdc:      .asciz "fdc: as found\n"
s_fdc_reset: .asciz "fdc: reset\n"
s_cmd:      .asciz "cmd "
s_irq:      .asciz " irq "
s_done:     .asciz "legacy: done\n"

	.bss
	.align 4
n6:	.long 0
n7:	.long 0
idt:	.skip 256*8
	.skip 4096
stack_top:
bss_end:
