/*
 * Interrupt and exception entry. isr_stubs holds 256 stubs of 16 bytes each
 * (vector v at isr_stubs + 16*v). Each pushes a zero error code when the CPU
 * does not push one, then its vector, and jumps to isr_common, which saves
 * the general registers into a struct trap_frame (kpp/trap.h) and calls
 * trap_dispatch(frame). SWAPGS runs when the trap came from ring 3. The
 * NMI's (vector 2) jumps to PatchGuard's NMI entry, which returns at once
 * from the NMIs that have nothing to do and sends the others here as the
 * stub would (patchguard/nmi_entry.S).
 *
 * Call-frame information (in .debug_frame, which is not loaded: the code
 * bytes do not depend on it) lets a debugger unwind through an interrupt:
 * the CFA is the address just above the hardware frame (RIP, CS, RFLAGS,
 * RSP, SS), every saved register is described where it lies, and the
 * frames are signal frames, so the interrupted RIP is taken as it is (not
 * as a return address) and the interrupted code may be on another stack.
 */
#include <kpp/abi.h>

	.cfi_sections .debug_frame

/* RFLAGS a return to ring 3 must have as shown: IF set; IOPL, VM, VIF and
 * VIP clear. Ring 3 sets none of them (NT, AC, ID, DF and TF are the
 * program's own, RF the processor's), so a frame that carries them was
 * written by a driver (A85): pg_user_return reports it. */
#define RFLAGS_IF 0x200
#define USER_RFLAGS_NEVER (0x3000 | 0x20000 | 0x80000 | 0x100000)
/* The trap frame (kpp/trap.h): RFLAGS of the hardware frame, and the
 * registers a call may change. */
#define TF_R11 32
#define TF_R10 40
#define TF_R9 48
#define TF_R8 56
#define TF_RDI 72
#define TF_RSI 80
#define TF_RDX 88
#define TF_RCX 96
#define TF_RAX 112
#define TF_REGS 120
#define TF_RFLAGS 152
/* The per-CPU block (GS): the running thread's kernel stack top, and the
 * program's RSP during SYSCALL's entry. */
#define PERCPU_KERNEL_RSP 8
#define PERCPU_USER_RSP 16

/* DWARF register numbers of RFLAGS, CS and SS (x86-64 psABI). */
#define DW_RFLAGS 49
#define DW_CS 51
#define DW_SS 52

/* The rules for the hardware frame, the CFA being just above it. */
	.macro cfi_hw_frame
	.cfi_offset %rip, -40
	.cfi_offset DW_CS, -32
	.cfi_offset DW_RFLAGS, -24
	.cfi_offset %rsp, -16
	.cfi_offset DW_SS, -8
	.endm

	.macro push_cfi reg
	pushq \reg
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset \reg, 0
	.endm

	.macro pop_cfi reg
	popq \reg
	.cfi_adjust_cfa_offset -8
	.cfi_restore \reg
	.endm

	.section .text
	.align 16
	.global isr_stubs
isr_stubs:
	.cfi_startproc simple
	.cfi_signal_frame
	.cfi_def_cfa %rsp, 40
	cfi_hw_frame
	.set vec, 0
	.rept 256
	.align 16
	.if vec == 2
	.cfi_def_cfa_offset 40
	jmp pg_nmi_entry /* PatchGuard's NMI: most return there (patchguard/nmi_entry.S) */
	.elseif (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.cfi_def_cfa_offset 48 /* the CPU pushed an error code */
	.else
	.cfi_def_cfa_offset 40
	pushq $0
	.cfi_adjust_cfa_offset 8
	.endif
	.if vec != 2
	pushq $vec
	.cfi_adjust_cfa_offset 8
	jmp isr_common
	.endif
	.set vec, vec + 1
	.endr
	.cfi_endproc

	.align 16
	.global isr_common
isr_common:
	/* Here: vector and error code, then the hardware frame. */
	.cfi_startproc simple
	.cfi_signal_frame
	.cfi_def_cfa %rsp, 56
	cfi_hw_frame
	/* A trap inside a STAC window (copy_user) must not run its handler
	 * with SMAP off; IRETQ restores the interrupted AC. */
	testb $1, smap_enabled(%rip)
	jz 0f
	clac
0:	testb $3, 24(%rsp)
	jz 1f
	swapgs
1:	push_cfi %rax
	push_cfi %rbx
	push_cfi %rcx
	push_cfi %rdx
	push_cfi %rsi
	push_cfi %rdi
	push_cfi %rbp
	push_cfi %r8
	push_cfi %r9
	push_cfi %r10
	push_cfi %r11
	push_cfi %r12
	push_cfi %r13
	push_cfi %r14
	push_cfi %r15
	movq %rsp, %rdi
	cld
	call trap_dispatch
	pop_cfi %r15
	pop_cfi %r14
	pop_cfi %r13
	pop_cfi %r12
	pop_cfi %r11
	pop_cfi %r10
	pop_cfi %r9
	pop_cfi %r8
	pop_cfi %rbp
	pop_cfi %rdi
	pop_cfi %rsi
	pop_cfi %rdx
	pop_cfi %rcx
	pop_cfi %rbx
	pop_cfi %rax
	.cfi_remember_state
	testb $3, 24(%rsp)
	jz 2f
	testl $USER_RFLAGS_NEVER, 32(%rsp)
	jnz 4f
	testl $RFLAGS_IF, 32(%rsp)
	jz 4f
	/* The frame must end at the running thread's stack top, where the
	 * processor put it from the TSS's RSP0 (sched.c writes both at every
	 * switch): one elsewhere came through a TSS other than the kernel's,
	 * a copy TR was loaded from (A154). An NMI's is on its own stack
	 * (IST2, which the NMI checks itself: A153). */
	addq $(16 + 40), %rsp
	.cfi_adjust_cfa_offset -56
	cmpq %gs:PERCPU_KERNEL_RSP, %rsp
	leaq -(16 + 40)(%rsp), %rsp
	.cfi_adjust_cfa_offset 56
	jne 5f
3:	swapgs
2:	addq $16, %rsp
	.cfi_adjust_cfa_offset -16
	iretq
5:	.cfi_restore_state
	.cfi_remember_state
	cmpq $2, (%rsp) /* the vector */
	je 3b
	movl $2, %esi
	jmp 6f
4:	/* The registers are still below RSP (interrupts are off; the NMI
	 * has a stack of its own). */
	.cfi_restore_state
	xorl %esi, %esi
6:	subq $TF_REGS, %rsp
	.cfi_adjust_cfa_offset TF_REGS
	leaq TF_RFLAGS(%rsp), %rdi
	call pg_user_return /* returns only when PatchGuard is not armed */
	movq TF_R11(%rsp), %r11
	movq TF_R10(%rsp), %r10
	movq TF_R9(%rsp), %r9
	movq TF_R8(%rsp), %r8
	movq TF_RDI(%rsp), %rdi
	movq TF_RSI(%rsp), %rsi
	movq TF_RDX(%rsp), %rdx
	movq TF_RCX(%rsp), %rcx
	movq TF_RAX(%rsp), %rax
	addq $TF_REGS, %rsp
	.cfi_adjust_cfa_offset -TF_REGS
	jmp 3b
	.cfi_endproc

/* void call_on_stack(uint64_t stack_top, void (*fn)(void *), void *arg): never returns. */
	.global call_on_stack
call_on_stack:
	.cfi_startproc
	movq %rdi, %rsp
	/* The caller's stack is abandoned: the outermost frame. */
	.cfi_undefined %rip
	xorl %ebp, %ebp
	movq %rdx, %rdi
	call *%rsi
	ud2
	.cfi_endproc

/* void gdt_reload(const void *gdtr): load the GDT and reload every segment. */
	.global gdt_reload
gdt_reload:
	.cfi_startproc
	lgdt (%rdi)
	movw $KPP_SEL_KERNEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorl %eax, %eax
	movw %ax, %fs
	movw %ax, %gs
	popq %rax
	.cfi_adjust_cfa_offset -8
	.cfi_register %rip, %rax
	pushq $KPP_SEL_KERNEL_CODE
	.cfi_adjust_cfa_offset 8
	pushq %rax
	.cfi_adjust_cfa_offset 8
	.cfi_offset %rip, -16
	lretq
	.cfi_endproc

/*
 * SYSCALL entry: RCX = user RIP, R11 = user RFLAGS, RAX = service number.
 * Interrupts are off (FMASK) until the per-CPU kernel stack is loaded, then
 * on while the service runs (with the user's arguments; R10 stands in for
 * RCX), and off again for SYSRETQ. An out-of-range number returns KPP_STATUS_INVALID_SYSTEM_SERVICE.
 */
	.global syscall_entry
	.align 16
syscall_entry:
	/* The caller is the program: its RSP is the CFA, its RIP in RCX
	 * and its RFLAGS in R11, then on the kernel stack. */
	.cfi_startproc simple
	.cfi_def_cfa %rsp, 0
	.cfi_register %rip, %rcx
	.cfi_register DW_RFLAGS, %r11
	swapgs
	movq %rsp, %gs:PERCPU_USER_RSP
	movq %gs:PERCPU_KERNEL_RSP, %rsp
	/* For one instruction the program's RSP is only in the per-CPU area. */
	.cfi_undefined %rip
	pushq %gs:PERCPU_USER_RSP
	.cfi_def_cfa %rsp, 8
	.cfi_offset %rsp, -8
	.cfi_register %rip, %rcx
	pushq %rcx
	.cfi_adjust_cfa_offset 8
	.cfi_offset %rip, -16
	pushq %r11
	.cfi_adjust_cfa_offset 8
	.cfi_offset DW_RFLAGS, -24
	pushq %rbp
	.cfi_adjust_cfa_offset 8
	.cfi_offset %rbp, -32
	sti
	movq %r10, %rcx
	cmpq service_count(%rip), %rax
	jae 1f
	leaq service_table(%rip), %r11
	callq *(%r11,%rax,8)
	jmp 2f
1:	movl $KPP_STATUS_INVALID_SYSTEM_SERVICE, %eax
2:	/* A thread being terminated or suspended stops here, before ring 3. */
	pushq %rax
	.cfi_adjust_cfa_offset 8
	pushq %rax
	.cfi_adjust_cfa_offset 8
	call process_return_to_user
	popq %rax
	.cfi_adjust_cfa_offset -8
	popq %rax
	.cfi_adjust_cfa_offset -8
	cli
	popq %rbp
	.cfi_adjust_cfa_offset -8
	.cfi_same_value %rbp
	popq %r11
	.cfi_adjust_cfa_offset -8
	.cfi_register DW_RFLAGS, %r11
	popq %rcx
	.cfi_adjust_cfa_offset -8
	.cfi_register %rip, %rcx
	/* What SYSRET restores: RFLAGS as isr_common checks them, in one
	 * test: less IF, bit 9 is clear exactly when IF was set (else the
	 * borrow sets it) and the bits above it are as they were. R10 is the
	 * service's scratch. */
	leal -RFLAGS_IF(%r11), %r10d
	testl $(RFLAGS_IF | USER_RFLAGS_NEVER), %r10d
	jnz 4f
	.cfi_remember_state
	/* TR loaded again from the kernel's TSS descriptor (marked available
	 * first): the program runs with the kernel's TSS, whatever TR was
	 * loaded from meanwhile (A155; gdt.c). */
3:	andb $0xFD, gdt+KPP_SEL_TSS+5(%rip)
	ltr tss_selector(%rip)
	popq %rsp
	.cfi_def_cfa %rsp, 0
	.cfi_same_value %rsp
	swapgs
	sysretq
4:	/* The frame is still below RSP: RBP, R11, RCX, the program's RSP. */
	.cfi_restore_state
	subq $24, %rsp
	.cfi_adjust_cfa_offset 24
	leaq 8(%rsp), %rdi
	movl $1, %esi
	call pg_user_return /* returns only when PatchGuard is not armed */
	movq 8(%rsp), %r11
	movq 16(%rsp), %rcx
	addq $24, %rsp
	.cfi_adjust_cfa_offset -24
	jmp 3b
	.cfi_endproc
