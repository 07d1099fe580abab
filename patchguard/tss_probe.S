/* pg_tss_probe(idtr): an INT through an IDT of PatchGuard's own (tssprobe.c)
 * whose probe gate takes IST4, with NMIs blocked (the NMI's work) and
 * interrupts masked. The processor switches to the stack IST4 names in the
 * TSS it reads, the one TR cached when it was loaded, and the probe gate's
 * handler returns the end of the frame it was given (its RSP + 40); a fault
 * while the frame was pushed (no stack there) reaches the fault gates,
 * whose handler returns 0. Neither returns with IRET, which would unblock
 * NMIs: both load the probe's stack pointer back and jump to the end of
 * the probe, which loads the kernel's IDTR again. Clobbers RAX only. */
#include "tssprobe.h"

	.text
	.global pg_tss_probe
	.type pg_tss_probe, @function
pg_tss_probe:
	.cfi_startproc
	pushfq
	.cfi_adjust_cfa_offset 8
	subq $16, %rsp
	.cfi_adjust_cfa_offset 16
	sidt (%rsp)
	movq %rsp, pg_tss_probe_sp(%rip)
	lidt (%rdi)
	int $PG_TSS_PROBE_VEC
	ud2 /* not reached: the handlers come back below */
pg_tss_probe_back:
	lidt (%rsp)
	addq $16, %rsp
	.cfi_adjust_cfa_offset -16
	popfq
	.cfi_adjust_cfa_offset -8
	ret
	.cfi_endproc
	.size pg_tss_probe, . - pg_tss_probe

	.global pg_tss_probe_hit
	.type pg_tss_probe_hit, @function
pg_tss_probe_hit:
	leaq 40(%rsp), %rax
	movq pg_tss_probe_sp(%rip), %rsp
	jmp pg_tss_probe_back
	.size pg_tss_probe_hit, . - pg_tss_probe_hit

	.global pg_tss_probe_fault
	.type pg_tss_probe_fault, @function
pg_tss_probe_fault:
	xorl %eax, %eax
	movq pg_tss_probe_sp(%rip), %rsp
	jmp pg_tss_probe_back
	.size pg_tss_probe_fault, . - pg_tss_probe_fault

	.bss
	.align 8
pg_tss_probe_sp:
	.quad 0
