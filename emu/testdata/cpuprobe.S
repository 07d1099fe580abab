/*
 * The CPU identification probe: a Multiboot v1 image (64-bit code in an ELF32
 * file) that prints on COM1 what test kernels read to learn the processor's
 * topology and model-specific registers: CPUID leaf 1's logical-processor
 * count, HTT and APIC ID, the extended topology leaf 0xB, leaf 0x80000008's
 * core count, MSR_CORE_THREAD_COUNT, and what RDMSR and WRMSR do with MSRs the
 * CPU model does not implement (QEMU's TCG: they read 0 and ignore writes, for
 * any index), and CPUID.1:EDX.APIC clearing when software disables the local
 * APIC. It runs on any number of processors (the BSP alone prints) and
 * exits through isa-debug-exit with value 0 (exit status 1).
 */

	.include "probe64.inc"

	.text
	.code64
main:
	/* Leaf 1: EBX (CLFLUSH size, logical processors, APIC ID), EDX.HTT, and the
	 * x2APIC and TSC-deadline bits (neither is advertised by default). */
	leaq msg_leaf1(%rip), %rsi
	call puts
	movl $1, %eax
	cpuid
	movl %ecx, %r12d
	movl %edx, %r13d
	movl %ebx, %edi
	andl $0xFFFFFF00, %edi
	call puthex32
	movl %r13d, %edi
	andl $1<<28, %edi
	call sp_hex
	movl %r12d, %edi
	andl $(1<<21)|(1<<24), %edi
	call sp_hex
	call newline
	/* The extended topology leaf: SMT level, core level, the first invalid level. */
	PCPUID 0xB, 0
	PCPUID 0xB, 1
	PCPUID 0xB, 2
	PCPUID 0xB, 3
	PCPUID 0xB, 0x100
	/* Leaf 0x80000008 ECX: APIC ID core bits and cores less one. */
	leaq msg_ext8(%rip), %rsi
	call puts
	movl $0x80000008, %eax
	cpuid
	movl %ecx, %edi
	call puthex32
	call newline
	PMSR 0x35

	/* MSRs this CPU model does not implement, across the index space. */
	leaq unknown(%rip), %r14
1:	movl (%r14), %ecx
	cmpl $0xFFFFFFFF, %ecx
	je 2f
	call show_msr
	addq $4, %r14
	jmp 1b
2:	PMSR 0xFFFFFFFF
	PWRMSR 0x12345, 0x1, 0x5
	PMSR 0x12345
	PWRMSR 0x17, 0, 0
	PMSR 0x17
	PWRMSR 0x48, 0, 1
	PMSR 0x48
	PWRMSR 0x49, 0, 1
	PWRMSR 0x10B, 0, 1
	PWRMSR 0x1D9, 0, 1
	PMSR 0x1D9
	PWRMSR 0x186, 0, 0x430076
	PMSR 0x186
	PWRMSR 0xC1, 0, 0x1234
	PMSR 0xC1
	PWRMSR 0xC0011029, 0x8, 0x2
	PMSR 0xC0011029
	PWRMSR 0x4B564D00, 0, 1
	PWRMSR 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF
	/* CPUID.1:EDX.APIC follows IA32_APIC_BASE.EN. */
	call show_apic_bit
	PWRMSR 0x1B, 0, 0xFEE00100
	call show_apic_bit
	jmp bye

/* show_apic_bit: "cpuid.1 edx&apic B". */
show_apic_bit:
	leaq msg_apic(%rip), %rsi
	call puts
	movl $1, %eax
	cpuid
	movl %edx, %edi
	andl $1<<9, %edi
	call puthex32
	jmp newline

	.section .rodata
msg_apic:	.asciz "cpuid.1 edx&apic "
msg_hello:	.asciz "cpu probe: long mode\r\n"
msg_leaf1:	.asciz "cpuid.1 ebx&~ff edx&htt ecx&(x2apic|tsc-deadline) "
msg_ext8:	.asciz "cpuid.80000008 ecx "
	.balign 4
/* IA32_P5_MC_ADDR/TYPE, PLATFORM_ID, SMM_MONITOR_CTL, SPEC_CTRL, PRED_CMD, PMC0, PLATFORM_INFO,
 * MPERF, APERF, ARCH_CAPABILITIES, FLUSH_CMD, TSX_CTRL, MISC_FEATURES_ENABLES, PERFEVTSEL0,
 * DEBUGCTL, LBR, PERF_CAPABILITIES, PERF_GLOBAL_CTRL, VMX_BASIC, PKG_ENERGY_STATUS,
 * TSC_DEADLINE, the x2APIC range, BNDCFGS, XSS, arbitrary indices, the KVM and Hyper-V
 * ranges, TSC_RATIO, AMD's HWCR, DE_CFG, VM_CR, VM_HSAVE_PA, TSEG_MASK. */
unknown:	.long 0x0, 0x1, 0x17, 0x9B, 0x48, 0x49, 0xC1, 0xCE, 0xE7, 0xE8, 0x10A, 0x10B, 0x122, 0x140
	.long 0x186, 0x1D9, 0x1DB, 0x345, 0x38F, 0x480, 0x611, 0x6E0, 0x800, 0x802, 0x803, 0x808
	.long 0x80F, 0x830, 0x83F, 0x8FF, 0xD90, 0xDA0, 0x1234, 0x12345678, 0x40000000, 0x4B564D00
	.long 0xC0000104, 0xC0010015, 0xC0011029, 0xC0010114, 0xC0010117, 0xC0010112, 0xFFFFFFFF
