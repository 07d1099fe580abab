/* Kernel-wide symbols from the linker script and the kernel's entry points. */
#ifndef KPP_KERNEL_H
#define KPP_KERNEL_H

#include <kpp/types.h>
#include <kpp/abi.h>

extern char __kernel_start[], __kernel_end[];
extern char __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[], __bss_start[], __bss_end[];

/* The physical address of a byte of the image: its offset from the image's
 * start (where kaslr.c put it, or its link address) plus the load address. */
#define KERNEL_PHYS(va) ((uint64_t)(va) - (uint64_t)__kernel_start + KPP_KERNEL_LOAD_ADDR)

/* The image's offset from its link address (kaslr.c; 0: not moved). */
extern uint64_t kernel_slide;
void kaslr_setup(uint32_t info_phys);
void kaslr_report(void);

void kmain(uint32_t magic, uint32_t info_phys);

#endif
