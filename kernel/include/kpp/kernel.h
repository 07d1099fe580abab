/* Kernel-wide symbols from the linker script and the kernel's entry points. */
#ifndef KPP_KERNEL_H
#define KPP_KERNEL_H

#include <kpp/types.h>
#include <kpp/abi.h>

extern char __kernel_start[], __kernel_end[];
extern char __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[], __bss_start[], __bss_end[];

#define KERNEL_PHYS(va) ((uint64_t)(va) - KPP_KERNEL_VIRT_BASE)

void kmain(uint32_t magic, uint32_t info_phys);

#endif
