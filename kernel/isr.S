/*
 * Interrupt and exception entry. isr_stubs holds 256 stubs of 16 bytes each
 * (vector v at isr_stubs + 16*v). Each pushes a zero error code when the CPU
 * does not push one, then its vector, and jumps to isr_common, which saves
 * the general registers into a struct trap_frame (kpp/trap.h) and calls
 * trap_dispatch(frame). SWAPGS runs when the trap came from ring 3.
 */
#include <kpp/abi.h>

	.section .text
	.align 16
	.global isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	.align 16
	.if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp isr_common
	.set vec, vec + 1
	.endr

	.align 16
isr_common:
	/* A trap inside a STAC window (copy_user) must not run its handler
	 * with SMAP off; IRETQ restores the interrupted AC. */
	testb $1, smap_enabled(%rip)
	jz 0f
	clac
0:	testb $3, 24(%rsp)
	jz 1f
	swapgs
1:	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	cld
	call trap_dispatch
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	testb $3, 24(%rsp)
	jz 2f
	swapgs
2:	addq $16, %rsp
	iretq

/* void call_on_stack(uint64_t stack_top, void (*fn)(void *), void *arg): never returns. */
	.global call_on_stack
call_on_stack:
	movq %rdi, %rsp
	xorl %ebp, %ebp
	movq %rdx, %rdi
	call *%rsi
	ud2

/* void gdt_reload(const void *gdtr): load the GDT and reload every segment. */
	.global gdt_reload
gdt_reload:
	lgdt (%rdi)
	movw $KPP_SEL_KERNEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorl %eax, %eax
	movw %ax, %fs
	movw %ax, %gs
	popq %rax
	pushq $KPP_SEL_KERNEL_CODE
	pushq %rax
	lretq

/*
 * SYSCALL entry: RCX = user RIP, R11 = user RFLAGS, RAX = service number.
 * Interrupts are off (FMASK) until the per-CPU kernel stack is loaded, then
 * on while the service runs (with the user's arguments; R10 stands in for
 * RCX), and off again for SYSRETQ. An out-of-range number returns KPP_STATUS_INVALID_SYSTEM_SERVICE.
 */
#define PERCPU_KERNEL_RSP 8
#define PERCPU_USER_RSP 16
	.global syscall_entry
	.align 16
syscall_entry:
	swapgs
	movq %rsp, %gs:PERCPU_USER_RSP
	movq %gs:PERCPU_KERNEL_RSP, %rsp
	pushq %gs:PERCPU_USER_RSP
	pushq %rcx
	pushq %r11
	pushq %rbp
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
	pushq %rax
	call process_return_to_user
	popq %rax
	popq %rax
	cli
	popq %rbp
	popq %r11
	popq %rcx
	popq %rsp
	swapgs
	sysretq
