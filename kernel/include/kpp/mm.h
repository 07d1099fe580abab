/* Memory: physical frames (frame.c), kernel page tables (vm.c) and the
 * tagged pool (pool.c). */
#ifndef KPP_MM_H
#define KPP_MM_H

#include <kpp/types.h>
#include <kpp/abi.h>

/* Page-table entry bits. */
#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000FFFFFFFFFF000ull

/* Mapping rights for vm_map: combine. */
#define VM_READ 0x0
#define VM_WRITE 0x1
#define VM_EXEC 0x2
#define VM_UNCACHED 0x4
#define VM_USER 0x8

/* Physical frames. */
void frame_init(void);
uint64_t frame_alloc(void);            /* one zeroed frame, 0 when none */
uint64_t frame_alloc_contig(size_t n); /* n contiguous zeroed frames, 0 when none */
void frame_free(uint64_t pa);
void frame_free_contig(uint64_t pa, size_t n);
uint64_t frames_total(void);
uint64_t frames_free(void);

/* Physical memory through the direct map (the boot map before vm_init). */
void *phys_to_virt(uint64_t pa);
uint64_t virt_to_phys(const void *va); /* direct map or kernel image only */

/* Kernel page tables. */
void vm_init(void);   /* build and load the kernel's tables, enable NX/WP/SMEP/SMAP/PGE */
bool vm_map(uint64_t va, uint64_t pa, unsigned rights);
uint64_t vm_unmap(uint64_t va);           /* returns the frame or 0 */
bool vm_protect(uint64_t va, unsigned rights);
uint64_t vm_pte(uint64_t va);             /* leaf entry (0 if unmapped) */
/* The same on another address space (a PML4's physical address). */
bool vm_map_in(uint64_t cr3, uint64_t va, uint64_t pa, unsigned rights);
uint64_t vm_unmap_in(uint64_t cr3, uint64_t va);
bool vm_protect_in(uint64_t cr3, uint64_t va, unsigned rights);
uint64_t vm_pte_in(uint64_t cr3, uint64_t va);
/* A new PML4 sharing the kernel half (entries 256-511 are created at boot
 * and never change, so sharing them shares every kernel mapping). */
uint64_t vm_new_address_space(void);
uint64_t vm_map_mmio(uint64_t pa, size_t size);
/* A kernel stack of KPP_KERNEL_STACK_SIZE with an unmapped guard page below;
 * returns the top. */
uint64_t kstack_alloc(void);
/* Reserve n pages of driver address space (inside 2 GiB of the kernel),
 * with a guard page after; returns the base or 0. */
uint64_t vm_reserve_driver(size_t npages);
void vm_release_driver(uint64_t va, size_t npages);
extern uint64_t kernel_cr3;
extern uint8_t smap_enabled; /* CR4.SMAP is on: trap entry clears RFLAGS.AC */

/* Pool: tagged allocations (tag: four characters, e.g. POOL_TAG('D','r','v',' ')). */
#define POOL_TAG(a, b, c, d) ((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) | ((uint32_t)(d) << 24))
void *pool_alloc(size_t size, uint32_t tag); /* zeroed, 16-byte aligned; NULL when out of memory */
void pool_free(void *p);
void pool_print_stats(void);
size_t pool_bytes_in_use(void);

#endif
