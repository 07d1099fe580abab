/*
 * Multiboot v1 entry. The loader (QEMU -kernel, kppemu) enters _start32 in
 * 32-bit protected mode with paging off, EAX = 0x2BADB002 and EBX = the
 * physical address of the Multiboot information. We zero .bss, map the first
 * GiB at its own address and the first 4 MiB (the image) at its link address
 * KERNEL_VIRT_BASE + physical, with 2 MiB pages, enable PAE, EFER.LME and
 * paging and far-jump to 64-bit code. There kaslr_setup (kaslr.c) may move
 * the image to a random base: it maps the image there too and adds the
 * slide to every absolute self-reference, this code's among them, so the
 * jump that follows enters the new base on the new boot stack, where
 * kaslr_report tells the host before kmain starts.
 * kmain replaces these page tables with the real ones.
 */
#include <kpp/abi.h>

#define KVA KPP_KERNEL_VIRT_BASE
#define PHYS(x) ((x) - KVA)

#define MB_MAGIC 0x1BADB002
#define MB_FLAG_ALIGN 0x00000001   /* modules page-aligned */
#define MB_FLAG_MEMINFO 0x00000002 /* memory map wanted */
#define MB_FLAG_AOUT 0x00010000    /* load addresses in the header */
#define MB_FLAGS (MB_FLAG_ALIGN | MB_FLAG_MEMINFO | MB_FLAG_AOUT)

#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80

#define CR0_PE 0x00000001
#define CR0_PG 0x80000000
#define CR4_PAE 0x20
#define MSR_EFER 0xC0000080
#define EFER_LME 0x100

	.cfi_sections .debug_frame

	.section .multiboot, "a"
	.align 4
multiboot_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long PHYS(multiboot_header)
	.long PHYS(__kernel_start)
	.long PHYS(__data_end)
	.long PHYS(__bss_end)
	.long PHYS(_start32)

	.section .boot.text, "ax"
	.code32
	.global _start32
_start32:
	cli
	cld
	movl %eax, PHYS(boot_mb_magic)
	movl %ebx, PHYS(boot_mb_info)

	/* Zero .bss (the loader may leave it dirty). */
	movl $PHYS(__bss_start), %edi
	movl $PHYS(__bss_end), %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb

	movl $PHYS(boot_stack_top), %esp

	/* boot_pd: 512 x 2 MiB pages covering physical 0..1 GiB. */
	movl $PHYS(boot_pd), %edi
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_W | PTE_PS), %eax
	movl %eax, (%edi,%ecx,8)
	movl $0, 4(%edi,%ecx,8)
	incl %ecx
	cmpl $512, %ecx
	jne 1b

	/* boot_pd_high: the image at its link address (physical 0..4 MiB). */
	movl $(PTE_P | PTE_W | PTE_PS), PHYS(boot_pd_high)
	movl $(0x200000 | PTE_P | PTE_W | PTE_PS), PHYS(boot_pd_high) + 8

	movl $(PHYS(boot_pd) + PTE_P + PTE_W), %eax
	movl %eax, PHYS(boot_pdpt_low)
	movl $(PHYS(boot_pd_high) + PTE_P + PTE_W), %eax
	movl %eax, PHYS(boot_pdpt_high) + 510 * 8
	movl $(PHYS(boot_pdpt_low) + PTE_P + PTE_W), %eax
	movl %eax, PHYS(boot_pml4)
	movl $(PHYS(boot_pdpt_high) + PTE_P + PTE_W), %eax
	movl %eax, PHYS(boot_pml4) + 511 * 8

	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $PHYS(boot_pml4), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PE | CR0_PG), %eax
	movl %eax, %cr0

	lgdt PHYS(boot_gdt_ptr)
	ljmp $KPP_SEL_KERNEL_CODE, $PHYS(long_entry)

	.code64
long_entry:
	movw $KPP_SEL_KERNEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorl %eax, %eax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $high_entry, %rax
	jmpq *%rax

high_entry:
	/* The outermost frame, for a debugger's backtrace (call-frame
	 * information in .debug_frame, not loaded). */
	.cfi_startproc simple
	.cfi_def_cfa %rsp, 0
	.cfi_undefined %rip
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	movl boot_mb_info(%rip), %edi
	call kaslr_setup
	/* Both immediates below now carry the slide (none without kaslr). */
	movabsq $slid_entry, %rax
	jmpq *%rax
slid_entry:
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	call kaslr_report
	movl boot_mb_magic(%rip), %edi
	movl boot_mb_info(%rip), %esi
	call kmain
2:	cli
	hlt
	jmp 2b
	.cfi_endproc

	.section .rodata
	.align 16
boot_gdt:
	.quad 0
	.quad 0x00AF9A000000FFFF /* 0x08: 64-bit ring-0 code */
	.quad 0x00CF92000000FFFF /* 0x10: ring-0 data */
boot_gdt_ptr:
	.word boot_gdt_ptr - boot_gdt - 1
	.long PHYS(boot_gdt)

	.section .data
	.align 8
	.global boot_mb_magic, boot_mb_info
boot_mb_magic:
	.long 0
boot_mb_info:
	.long 0

	.section .bss
	.align 4096
	.global boot_pml4, boot_pd_high
boot_pml4:
	.skip 4096
boot_pdpt_low:
	.skip 4096
boot_pdpt_high:
	.skip 4096
boot_pd:
	.skip 4096
boot_pd_high:
	.skip 4096
	.global boot_stack_top
boot_stack:
	.skip 16384
boot_stack_top:
