/* The NMI's entry (isr_stubs' vector 2 jumps here: the hardware frame
 * only, on the NMI's own stack). Every NMI, in every profile, first reads
 * the ACPI PM timer and adds the counts since the previous NMI's reading
 * to pg_nmi_pm, the PM time in 64 bits: a stopped host brings an NMI with
 * every stop, so the 24-bit timer (4.69 s a wrap) cannot wrap unseen
 * between two of them (tick.c's phase check goes by it); then it records
 * the heartbeat.
 *
 * In the windows profile about 31 NMIs in 32 do no work (nmi.c: pg_nmi):
 * they count the PIT's edge and return, here, before the common entry
 * saves every register and calls trap_dispatch (some 65 instructions an
 * NMI, about 1,100 per guest second at the PIT's 18.2 Hz: a tenth of the
 * profile's budget). The rule is pg_nmi's: work when the NMI was asked
 * for a probe (the tick hook; nmi.c draws for it after the probe) or
 * when the draw falls below NMI_WORK_LIMIT. The draw is from nothing a
 * driver sets: the PM reading and the tick, scattered, with the NMI's
 * key (drawn at arming, among the sealed records), times an odd
 * constant, and XORed with RDRAND where the processor has it (A133: the
 * TSC it was taken from before is set by WRMSR, and a driver that wrote
 * it around each PIT edge chose NMIs that drew no work). It is left in
 * pg_nmi_draw for the work (nmi.c: its records compare). Every other
 * profile goes on to the common entry at once. Only RAX and RDX are
 * used, no memory but PatchGuard's own and the tick count, and nothing
 * depends on GS or on the interrupted code's RFLAGS.AC. */
#include "nmi_entry.h"

	.text
	.global pg_nmi_entry
	.type pg_nmi_entry, @function
pg_nmi_entry:
	.cfi_startproc simple
	.cfi_signal_frame
	.cfi_def_cfa %rsp, 40
	.cfi_offset %rip, -40
	.cfi_offset %rsp, -16
	pushq %rax
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rax, 0
	pushq %rdx
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rdx, 0
	movl $PG_PM_PORT, %edx			/* the PM time, 64 bits: */
	inl %dx, %eax
	movl %eax, %edx				/* the reading, for the draw */
	subl pg_nmi_pm(%rip), %eax		/* the 24-bit counts since the last NMI's */
	andl $PG_PM_MASK, %eax
	addq %rax, pg_nmi_pm(%rip)
	movq tick_counter(%rip), %rax
	movq (%rax), %rax
	movq %rax, pg+PG_NMI_BEAT_OFFSET(%rip)	/* the heartbeat */
	cmpl $1, pg_nmi_weight(%rip)
	jbe 1f					/* not windows: the common entry */
	cmpl $0, pg_probe_asked(%rip)
	jne 1f					/* asked for a probe */
	imull $PG_DRAW_TICK, %eax, %eax		/* the draw: the tick, scattered, */
	xorl %eax, %edx				/* the PM reading, */
	xorl pg_nmi_key(%rip), %edx		/* the key, */
	imull $PG_DRAW_SCATTER, %edx, %edx
	cmpl $0, pg_nmi_rdrand(%rip)
	je 2f
	rdrand %eax				/* and fresh entropy */
	xorl %eax, %edx
2:	movl %edx, pg_nmi_draw(%rip)
	cmpl $PG_NMI_WORK_LIMIT, %edx
	jb 1f					/* one in 32: the work */
	incq pg_pit_nmis(%rip)
	popq %rdx
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rdx
	popq %rax
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rax
	iretq
1:	.cfi_adjust_cfa_offset 16
	.cfi_rel_offset %rax, 8
	.cfi_rel_offset %rdx, 0
	popq %rdx
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rdx
	popq %rax
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rax
	pushq $0				/* what the vector's stub pushes */
	.cfi_adjust_cfa_offset 8
	pushq $2
	.cfi_adjust_cfa_offset 8
	jmp isr_common
	.cfi_endproc
	.size pg_nmi_entry, . - pg_nmi_entry
