/*
 * The SMP speed probe: every processor runs the same register-only loop
 * (WORK iterations of a few ALU instructions and a branch) and the BSP
 * exits when all are done. The machine's aggregate MIPS is the sum of the
 * processors' retired instructions over the host time of the run; with one
 * processor it is the plain interpreter's speed on the same loop. The BSP
 * starts the others as the SMP probe does (fw_cfg count, INIT, SIPI to the
 * real-mode trampoline at 0x11000). Exit status 0x21.
 */
	.set LOAD, 0x10000
	.set MB_FLAGS, 0x00010003
	.set LAPIC, 0xFEE00000
	.set WORK, 2000000

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
	movl $stacks + 4096, %esp
	lgdt gdtr
	ljmp $0x08, $1f
1:	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw $0x05, %ax			/* fw_cfg: the CPU count */
	movw $0x510, %dx
	outw %ax, %dx
	movw $0x511, %dx
	inb %dx, %al
	movb %al, %cl
	inb %dx, %al
	movb %al, %ch
	movzwl %cx, %eax
	movl %eax, ncpus
	cmpl $1, %eax
	je 3f
	movl $0, LAPIC + 0x310
	movl $0x000C4500, LAPIC + 0x300	/* INIT to all but self */
	movl $0x000C4611, LAPIC + 0x300	/* SIPI, vector 0x11 */
3:	call work
4:	pause
	movl ncpus, %eax
	cmpl %eax, done
	jne 4b
	movl $s_done, %esi
	call puts
	movl $0x10, %eax
	call finish

/* work: WORK iterations of an ALU loop, then done++. */
work:
	movl $WORK, %ecx
	xorl %eax, %eax
	movl $0x12345678, %edx
1:	addl %ecx, %eax
	xorl %edx, %eax
	roll $3, %eax
	subl $7, %edx
	decl %ecx
	jnz 1b
	lock incl done
	ret

ap_main:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl LAPIC + 0x20, %eax
	shrl $24, %eax
	incl %eax
	shll $12, %eax
	leal stacks+4096(%eax), %esp
	call work
1:	cli
	hlt
	jmp 1b

	.include "probe.inc"

s_done:	.asciz "smpwork: done\n"
	.balign 8
gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF
	.quad 0x00CF92000000FFFF
gdt_end:
gdtr:
	.word gdt_end - gdt - 1
	.long gdt

	.org 0x1000
tramp:
	.code16
	cli
	movw %cs, %ax
	movw %ax, %ds
	lgdtl gdtr_copy - tramp
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $0x08, $ap_main
	.balign 8
gdtr_copy:
	.word gdt_end - gdt - 1
	.long gdt
	.code32

	.balign 4
ncpus:	.long 0
done:	.long 0

	.bss
	.balign 4096
stacks:	.skip 4096*17
bss_end:
