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

	.include "smp.inc"

	.include "probe.inc"

entry:
	SMP_ENTRY
	FWCFG_NCPUS
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
	AP_ENTRY
	call work
1:	cli
	hlt
	jmp 1b

	PROBE_ROUTINES

s_done:	.asciz "smpwork: done\n"
	SMP_TRAMPOLINE

	.balign 4
ncpus:	.long 0
done:	.long 0

	.bss
	.balign 4096
stacks:	.skip 4096*17
bss_end:
