/*
 * The IDE probe: an a.out-kludge Multiboot image at 1 MiB that drives the
 * PIIX3's legacy IDE ports as the firmware leaves them before a -kernel
 * boot (an empty primary channel; an ATAPI CD-ROM without a medium as the
 * secondary master) and prints, after every step, each task-file register
 * and the alternate status of the channel, and how many IRQ 14/15
 * interrupts arrived since the last step:
 *   - the registers as found, then with master and slave selected, after
 *     writes of the count/LBA registers;
 *   - IDENTIFY DEVICE, IDENTIFY PACKET DEVICE, EXECUTE DEVICE DIAGNOSTIC,
 *     SET FEATURES, CHECK POWER MODE, NOP, READ SECTORS and DEVICE RESET on every drive
 *     position, with the data words of IDENTIFY PACKET DEVICE;
 *   - ATAPI packets to the CD-ROM: TEST UNIT READY, REQUEST SENSE, INQUIRY,
 *     READ CAPACITY, an unknown opcode, with the data they return;
 *   - the interrupt with nIEN set in the device control register;
 *   - a software reset (SRST) of each channel.
 * Exit status 0x21 (value 0x10) when done.
 */
	.set LOAD, 0x100000
	.set MB_FLAGS, 0x00010003
	.set PRI, 0x1F0
	.set PRI_CTL, 0x3F6
	.set SEC, 0x170
	.set SEC_CTL, 0x376
	.set VEC14, 0x76	/* IRQ 14 through the 8259 as the firmware left it */
	.set VEC15, 0x77

	.include "probe.inc"

entry:
	movl $stack_top, %esp
	call irq_init

	movl $s_initial, %esi
	call puts
	movl $PRI, %ebx
	movl $PRI_CTL, %edi
	call dump
	movl $SEC, %ebx
	movl $SEC_CTL, %edi
	call dump

	movl $PRI, %ebx
	movl $PRI_CTL, %edi
	call channel
	movl $SEC, %ebx
	movl $SEC_CTL, %edi
	call channel
	call atapi
	call nien
	movl $PRI, %ebx
	movl $PRI_CTL, %edi
	call srst
	movl $SEC, %ebx
	movl $SEC_CTL, %edi
	call srst

	movl $s_done, %esi
	call puts
	movl $0x10, %eax
	call finish

/* ---- interrupts: count IRQ 14 and 15, everything else masked ---- */
irq_init:
	movl $irq14, %eax
	movl $VEC14*8, %ecx
	call gate
	movl $irq15, %eax
	movl $VEC15*8, %ecx
	call gate
	lidt idtr
	movb $0xFB, %al		/* master: only the cascade */
	outb %al, $0x21
	movb $0x3F, %al		/* slave: IRQ 14 and 15 */
	outb %al, $0xA1
	sti
	ret
	PROBE_IRQ_HELPERS
irq14:
	incl n14
	jmp eoi
irq15:
	incl n15
eoi:
	pushl %eax
	movb $0x20, %al
	outb %al, $0xA0
	outb %al, $0x20
	popl %eax
	iret


/* dump prints the channel at %ebx (control block %edi): the device/head
 * register, error, count, LBA low/mid/high, alternate status, status (the
 * status read last: it lowers the interrupt), then the interrupts counted. */
dump:
	pushl %edx
	pushl %esi
	call settle
	movl %ebx, %eax
	call hex16
	movb $':', %al
	call putc
	leal 6(%ebx), %edx
	call reg
	leal 1(%ebx), %edx
	call reg
	leal 2(%ebx), %edx
	call reg
	leal 3(%ebx), %edx
	call reg
	leal 4(%ebx), %edx
	call reg
	leal 5(%ebx), %edx
	call reg
	movl %edi, %edx
	call reg
	leal 7(%ebx), %edx
	call reg
	movl $s_irq, %esi
	call puts
	call settle
	cli
	movl n14, %eax
	call hex8
	movl n15, %eax
	call hex8
	movl $0, n14
	movl $0, n15
	sti
	call newline
	popl %esi
	popl %edx
	ret
reg:
	call space
	inb %dx, %al
	movzbl %al, %eax
	jmp hex8

/* out writes %al to register %edx of the channel at %ebx. */
wreg:
	pushl %edx
	addl %ebx, %edx
	outb %al, %dx
	popl %edx
	ret

/* label prints the string at %esi. */
label:
	jmp puts

/* ---- per channel ---- */
channel:
	movl $s_master, %esi
	call puts
	movb $0xA0, %al
	movl $6, %edx
	call wreg
	call dump
	movl $s_slave, %esi
	call puts
	movb $0xB0, %al
	movl $6, %edx
	call wreg
	call dump
	movl $s_write, %esi
	call puts
	movb $0x55, %al
	movl $2, %edx
	call wreg
	movb $0xAA, %al
	movl $3, %edx
	call wreg
	movb $0x12, %al
	movl $4, %edx
	call wreg
	movb $0x34, %al
	movl $5, %edx
	call wreg
	movb $0xEF, %al		/* device/head: LBA bit, head 15 */
	movl $6, %edx
	call wreg
	call dump
	movb $0xA0, %al
	movl $6, %edx
	call wreg
	call dump

	/* Every command on the master, then on the slave. */
	movb $0xA0, %cl
	call commands
	movb $0xB0, %cl
	call commands
	ret

/* commands issues each command of cmdlist to the drive %cl selects. */
commands:
	movl $cmdlist, %esi
1:	movzbl (%esi), %eax
	cmpb $0xFF, %al
	je 3f
	pushl %esi
	pushl %eax
	movl $s_cmd, %esi
	call puts
	movb %cl, %al
	call hex8
	call space
	popl %eax
	pushl %eax
	call hex8
	call newline
	movb %cl, %al
	movl $6, %edx
	call wreg
	movb $0x03, %al		/* SET FEATURES: set transfer mode (PIO 3) */
	movl $1, %edx
	call wreg
	movb $0x0B, %al
	movl $2, %edx
	call wreg
	popl %eax
	movl $7, %edx
	call wreg
	call dump
	call drain
	popl %esi
	incl %esi
	jmp 1b
3:	ret

/* drain reads the data words while the selected drive asserts DRQ (at most
 * 256 of them, printed eight to a line), then dumps the registers. */
drain:
	pushl %ecx
	leal 7(%ebx), %edx
	inb %dx, %al
	testb $0x08, %al
	jz 2f
	xorl %ecx, %ecx
1:	leal 7(%ebx), %edx
	inb %dx, %al
	testb $0x08, %al
	jz 3f
	cmpl $256, %ecx
	jae 3f
	movl %ebx, %edx
	inw %dx, %ax
	movzwl %ax, %eax
	call hex16
	incl %ecx
	testl $7, %ecx
	jz 4f
	call space
	jmp 1b
4:	call newline
	jmp 1b
3:	testl $7, %ecx
	jz 5f
	call newline
5:	call dump
2:	popl %ecx
	ret

/* ---- ATAPI packets to the secondary master ---- */
atapi:
	movl $SEC, %ebx
	movl $SEC_CTL, %edi
	movl $packets, %esi
1:	cmpb $0xEE, (%esi)
	je 9f
	pushl %esi
	movl $s_packet, %esi
	call puts
	popl %esi
	movzbl (%esi), %eax
	call hex8
	call newline
	movb $0xA0, %al
	movl $6, %edx
	call wreg
	xorl %eax, %eax
	movl $1, %edx		/* features: PIO */
	call wreg
	movb $0x00, %al		/* byte count limit 0x0200 */
	movl $4, %edx
	call wreg
	movb $0x02, %al
	movl $5, %edx
	call wreg
	movb $0xA0, %al		/* PACKET */
	movl $7, %edx
	call wreg
	call dump
	movl $6, %ecx
	movl %ebx, %edx
2:	lodsw
	outw %ax, %dx
	loop 2b
	call dump
	call drain
	jmp 1b
9:	ret

/* ---- nIEN: no interrupt while it is set ---- */
nien:
	movl $SEC, %ebx
	movl $SEC_CTL, %edi
	movl $s_nien, %esi
	call puts
	movb $0x02, %al
	movl %edi, %edx
	outb %al, %dx
	movb $0xA0, %al
	movl $6, %edx
	call wreg
	movb $0xA1, %al
	movl $7, %edx
	call wreg
	call dump
	call drain
	movb $0x00, %al
	movl %edi, %edx
	outb %al, %dx
	call dump
	movb $0xEC, %al
	movl $7, %edx
	call wreg
	call dump
	ret

/* srst resets the channel's drives with interrupts off (nIEN). QEMU ends
 * the reset some host time after SRST is set, and again after it is
 * cleared (a loaded host can leave BSY set for many guest instructions),
 * so the probe waits for BSY to clear both times, and then some, before
 * looking. */
srst:
	movl $s_srst, %esi
	call puts
	movb $0x06, %al
	movl %edi, %edx
	outb %al, %dx
	movl $1000000, %ecx
1:	inb %dx, %al
	testb $0x80, %al
	loopnz 1b
	movl $20000, %ecx
2:	inb %dx, %al
	loop 2b
	movb $0x02, %al
	outb %al, %dx
	movl $10000000, %ecx
3:	inb %dx, %al
	testb $0x80, %al
	loopnz 3b
	movl $20000, %ecx
4:	inb %dx, %al
	loop 4b
	movb $0xA0, %al
	movl $6, %edx
	call wreg
	call dump
	movb $0xB0, %al
	movl $6, %edx
	call wreg
	call dump
	ret

	PROBE_ROUTINES

idtr:	.word 256*8-1
	.long idt
/* Not FLUSH CACHE: QEMU completes it on the CD-ROM some time later. */
cmdlist: .byte 0xEC, 0xA1, 0x90, 0xEF, 0xE5, 0x00, 0x20, 0x08, 0xFF
packets:
	.byte 0x00,0,0,0,0,0,0,0,0,0,0,0	/* TEST UNIT READY */
	.byte 0x03,0,0,0,18,0,0,0,0,0,0,0	/* REQUEST SENSE */
	.byte 0x12,0,0,0,36,0,0,0,0,0,0,0	/* INQUIRY */
	.byte 0x25,0,0,0,0,0,0,0,0,0,0,0	/* READ CAPACITY */
	.byte 0x03,0,0,0,18,0,0,0,0,0,0,0	/* REQUEST SENSE */
	.byte 0xFF,0,0,0,0,0,0,0,0,0,0,0	/* no such command */
	.byte 0x03,0,0,0,18,0,0,0,0,0,0,0	/* REQUEST SENSE */
	.byte 0x28,0,0,0,0,0,0,1,0,0,0,0	/* READ (10) */
	.byte 0x1B,0,0,0,2,0,0,0,0,0,0,0	/* START STOP UNIT (eject) */
	.byte 0x00,0,0,0,0,0,0,0,0,0,0,0	/* TEST UNIT READY */
	.byte 0xEE
s_initial: .asciz "ide: as found\n"
s_master: .asciz "select master\n"
s_slave:  .asciz "select slave\n"
s_write:  .asciz "write count/lba, device 0xef, then master\n"
s_srst:   .asciz "srst with nien: master, slave\n"
s_cmd:    .asciz "command "
s_packet: .asciz "packet "
s_nien:   .asciz "nien\n"
s_irq:    .asciz " irq "
s_done:   .asciz "ide: done\n"

	.bss
	.align 4
n14:	.long 0
n15:	.long 0
idt:	.skip 256*8
	.skip 4096
stack_top:
bss_end:
