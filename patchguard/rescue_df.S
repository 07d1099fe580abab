/* The double-fault entry PatchGuard installs (patchguard/rescue.c). It runs
 * through a mapping of its own: this page and the block after it (the
 * sealed page-table entries, struct pg_rescue_data) are mapped again under
 * a kernel-half PML4 entry nothing else uses, with the page-table pages it
 * repairs and a stack (IST1) beside them. A flipped entry above the kernel
 * image leaves no kernel code to run once its cached translations are
 * gone: the next exception's handler cannot be fetched, the page faults
 * that follow use up the stack, and the double fault lands here. Every
 * sealed entry is compared (accessed and dirty bits aside); the first that
 * differs is noted and all are put back, the kernel's page tables are
 * loaded with every translation flushed, and pg_rescued reports the entry
 * (0x109, type 0x111). With nothing to put back, the kernel's own
 * double-fault entry runs, as it would have without this one. */
#define DATA 4096              /* the data block follows this page */
#define D_NORMAL 0
#define D_REPORT 8
#define D_CR3 16
#define D_RUNS 24
#define D_RUN 32
#define R_ALIAS 0
#define R_REAL 8
#define R_COUNT 16
#define R_VALUES 24
#define RUN_SIZE 32
#define HW_BITS 0x60           /* accessed, dirty: set by the CPU */
#define CR4_PGE 0x80

	.section .text.pg_rescue, "ax"
	.balign 4096
	.global pg_rescue_start
pg_rescue_start:
	.global pg_rescue_df
	.type pg_rescue_df, @function
pg_rescue_df:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	leaq pg_rescue_start+DATA(%rip), %rsi
	xorl %r8d, %r8d                 /* the first entry that differed (as PatchGuard addresses it) */
	movq D_RUNS(%rsi), %r9
	leaq D_RUN(%rsi), %r10
1:	testq %r9, %r9
	jz 5f
	movq R_ALIAS(%r10), %rdi
	movq R_VALUES(%r10), %rdx
	xorl %ecx, %ecx
2:	cmpq R_COUNT(%r10), %rcx
	jae 4f
	movq (%rdi,%rcx,8), %rax
	movq (%rdx,%rcx,8), %rbx
	movq %rax, %r11
	xorq %rbx, %r11
	andq $~HW_BITS, %r11
	jz 3f
	testq %r8, %r8
	jnz 6f
	movq R_REAL(%r10), %r8
	leaq (%r8,%rcx,8), %r8
6:	andq $~HW_BITS, %rbx
	andq $HW_BITS, %rax
	orq %rax, %rbx
	movq %rbx, (%rdi,%rcx,8)
3:	incq %rcx
	jmp 2b
4:	addq $RUN_SIZE, %r10
	decq %r9
	jmp 1b
5:	testq %r8, %r8
	jz 7f
	/* Put back: the kernel's tables, no stale translation, then the report. */
	movq D_CR3(%rsi), %rax
	movq %rax, %cr3
	movq %cr4, %rax
	movq %rax, %rcx
	andq $~CR4_PGE, %rcx
	movq %rcx, %cr4
	movq %rax, %cr4
	movq D_REPORT(%rsi), %rax
	movq %r8, %rdi
	andq $-16, %rsp
	xorl %ebp, %ebp
	callq *%rax
	ud2
7:	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	jmpq *pg_rescue_start+DATA+D_NORMAL(%rip)
	.size pg_rescue_df, . - pg_rescue_df
	.global pg_rescue_end
pg_rescue_end:
