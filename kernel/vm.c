/* Kernel page tables. vm_init replaces boot.S's 1 GiB identity/high map
 * with: the kernel image in 4 KiB pages (text RX, rodata R+NX, data/bss
 * RW+NX), all RAM in the direct map (RW+NX, 2 MiB pages), and nothing at
 * low addresses (null pointers fault). Stacks, device registers and driver
 * images get their own areas, described in kernel/abi. */
#include <kpp/bugcheck.h>
#include <kpp/cpu.h>
#include <kpp/kernel.h>
#include <kpp/mm.h>
#include <kpp/multiboot.h>
#include <kpp/printk.h>
#include <kpp/string.h>

#define LARGE_PAGE (2ull << 20)
#define FRAME_LIMIT (1ull << 32) /* frame.c manages RAM below 4 GiB */
#define KERNEL_PML4_FIRST 256 /* entries 256..511: the kernel half, shared by every address space */
#define IDX(va, level) (((va) >> (12 + 9 * (level))) & 511)

uint64_t kernel_cr3;
uint8_t smap_enabled; /* read by isr.S: CLAC on every trap entry */
static uint64_t phys_window; /* boot.S's identity map until vm_init switches */
static uint64_t pte_nx, pte_g;
static uint64_t stack_next = KPP_STACK_AREA_BASE;
static uint64_t mmio_next = KPP_MMIO_AREA_BASE;
static uint64_t driver_next = KPP_DRIVER_AREA_BASE;
static uint64_t ram_top;

void *phys_to_virt(uint64_t pa) { return (void *)(pa + phys_window); }

uint64_t virt_to_phys(const void *p)
{
	uint64_t va = (uint64_t)p;
	if (va >= KPP_DIRECT_MAP_BASE && va < KPP_DIRECT_MAP_BASE + ram_top)
		return va - KPP_DIRECT_MAP_BASE;
	if (va >= (uint64_t)__kernel_start && va < (uint64_t)__kernel_end)
		return KERNEL_PHYS(va);
	uint64_t pte = vm_pte(va);
	return pte ? (pte & PTE_ADDR) | (va & (PAGE_SIZE - 1)) : 0;
}

static uint64_t rights_to_pte(unsigned rights)
{
	uint64_t pte = PTE_P | pte_g;
	if (rights & VM_WRITE)
		pte |= PTE_W;
	if (!(rights & VM_EXEC))
		pte |= pte_nx;
	if (rights & VM_UNCACHED)
		pte |= PTE_PCD | PTE_PWT;
	if (rights & VM_USER) {
		pte |= PTE_U;
		pte &= ~PTE_G;
	}
	return pte;
}

/* Walk to the page table (level 0) entry of va, creating tables on the way. */
static uint64_t *walk(uint64_t cr3, uint64_t va, bool create)
{
	uint64_t *table = phys_to_virt(cr3 & PTE_ADDR);
	for (int level = 3; level > 0; level--) {
		uint64_t *e = &table[IDX(va, level)];
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
			uint64_t pa = frame_alloc();
			if (!pa)
				return NULL;
			*e = pa | PTE_P | PTE_W | ((va < KPP_KERNEL_VIRT_BASE && va < (1ull << 47)) ? PTE_U : 0);
		}
		if (*e & PTE_PS)
			return level == 1 ? e : NULL;
		table = phys_to_virt(*e & PTE_ADDR);
	}
	return &table[IDX(va, 0)];
}

/* Invalidate va if the address space is the one loaded. */
static void flush(uint64_t cr3, uint64_t va)
{
	if ((read_cr3() & PTE_ADDR) == (cr3 & PTE_ADDR))
		invlpg(va);
}

/* Page tables change with interrupts off: threads of one process (and the
 * kernel's own stack and driver mappings) may race otherwise. */
bool vm_map_in(uint64_t cr3, uint64_t va, uint64_t pa, unsigned rights)
{
	uint64_t f = irq_save();
	uint64_t *e = walk(cr3, va, true);
	if (e) {
		*e = (pa & PTE_ADDR) | rights_to_pte(rights);
		flush(cr3, va);
	}
	irq_restore(f);
	return e != NULL;
}

uint64_t vm_unmap_in(uint64_t cr3, uint64_t va)
{
	uint64_t f = irq_save();
	uint64_t *e = walk(cr3, va, false);
	uint64_t pa = 0;
	if (e && (*e & PTE_P)) {
		pa = *e & PTE_ADDR;
		*e = 0;
		flush(cr3, va);
	}
	irq_restore(f);
	return pa;
}

bool vm_protect_in(uint64_t cr3, uint64_t va, unsigned rights)
{
	uint64_t f = irq_save();
	uint64_t *e = walk(cr3, va, false);
	bool ok = e && (*e & PTE_P);
	if (ok) {
		*e = (*e & PTE_ADDR) | rights_to_pte(rights);
		flush(cr3, va);
	}
	irq_restore(f);
	return ok;
}

uint64_t vm_pte_in(uint64_t cr3, uint64_t va)
{
	uint64_t *e = walk(cr3, va, false);
	return e && (*e & PTE_P) ? *e : 0;
}

bool vm_map(uint64_t va, uint64_t pa, unsigned rights) { return vm_map_in(kernel_cr3, va, pa, rights); }
uint64_t vm_unmap(uint64_t va) { return vm_unmap_in(kernel_cr3, va); }
bool vm_protect(uint64_t va, unsigned rights) { return vm_protect_in(kernel_cr3, va, rights); }
uint64_t vm_pte(uint64_t va) { return vm_pte_in(kernel_cr3, va); }

uint64_t vm_new_address_space(void)
{
	uint64_t cr3 = frame_alloc();
	if (!cr3)
		return 0;
	uint64_t *dst = phys_to_virt(cr3);
	const uint64_t *src = phys_to_virt(kernel_cr3);
	for (int i = KERNEL_PML4_FIRST; i < 512; i++)
		dst[i] = src[i];
	return cr3;
}

static void map_range(uint64_t va, uint64_t va_end, unsigned rights)
{
	for (; va < va_end; va += PAGE_SIZE)
		if (!vm_map(va, KERNEL_PHYS(va), rights))
			PANIC("map_range");
}

void vm_init(void)
{
	if (cpu_features.nx) {
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
		pte_nx = PTE_NX;
	}
	if (cpu_features.pge)
		pte_g = PTE_G;

	for (uint32_t i = 0; i < boot_info.nmmap; i++) {
		uint64_t end = boot_info.mmap[i].addr + boot_info.mmap[i].len;
		if (boot_info.mmap[i].type == MB_MMAP_AVAILABLE && end > ram_top)
			ram_top = end;
	}
	ram_top = ALIGN_UP(ram_top, LARGE_PAGE);
	if (ram_top > FRAME_LIMIT)
		ram_top = FRAME_LIMIT; /* the frame allocator stops there too */

	/* The new tables are written through the boot map (the first GiB):
	 * frames come lowest first, so these all lie there. */
	kernel_cr3 = frame_alloc();
	/* Create every kernel-half PML4 entry now, so address spaces made later
	 * by copying them see all future kernel mappings. */
	uint64_t *pml4 = phys_to_virt(kernel_cr3);
	for (int i = KERNEL_PML4_FIRST; i < 512; i++)
		pml4[i] = frame_alloc() | PTE_P | PTE_W;
	/* Direct map: 2 MiB pages, RW, NX. */
	for (uint64_t pa = 0; pa < ram_top; pa += LARGE_PAGE) {
		uint64_t va = KPP_DIRECT_MAP_BASE + pa;
		uint64_t *table = phys_to_virt(kernel_cr3);
		for (int level = 3; level > 1; level--) {
			uint64_t *e = &table[IDX(va, level)];
			if (!(*e & PTE_P))
				*e = frame_alloc() | PTE_P | PTE_W;
			table = phys_to_virt(*e & PTE_ADDR);
		}
		table[IDX(va, 1)] = pa | PTE_P | PTE_W | PTE_PS | pte_g | pte_nx;
	}
	map_range((uint64_t)__text_start, (uint64_t)__text_end, VM_READ | VM_EXEC);
	map_range((uint64_t)__rodata_start, (uint64_t)__rodata_end, VM_READ);
	map_range((uint64_t)__data_start, (uint64_t)__kernel_end, VM_READ | VM_WRITE);

	write_cr0(read_cr0() | CR0_WP);
	write_cr3(kernel_cr3);
	phys_window = KPP_DIRECT_MAP_BASE;
	uint64_t cr4 = read_cr4();
	if (cpu_features.pge)
		cr4 |= CR4_PGE;
	if (cpu_features.smep)
		cr4 |= CR4_SMEP;
	if (cpu_features.smap) {
		cr4 |= CR4_SMAP;
		smap_enabled = 1;
	}
	if (cpu_features.umip)
		cr4 |= CR4_UMIP;
	if (cpu_features.fxsr)
		cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT; /* sched.c keeps each user thread's SSE/x87 state */
	write_cr4(cr4);
}

uint64_t kstack_alloc(void)
{
	uint64_t f = irq_save();
	uint64_t base = stack_next + PAGE_SIZE; /* guard page left unmapped */
	stack_next = base + KPP_KERNEL_STACK_SIZE;
	irq_restore(f);
	for (uint64_t va = base; va < base + KPP_KERNEL_STACK_SIZE; va += PAGE_SIZE) {
		uint64_t pa = frame_alloc();
		if (!pa || !vm_map(va, pa, VM_READ | VM_WRITE))
			return 0;
	}
	return base + KPP_KERNEL_STACK_SIZE;
}

uint64_t vm_map_mmio(uint64_t pa, size_t size)
{
	uint64_t va = mmio_next + (pa & (PAGE_SIZE - 1));
	for (uint64_t off = 0; off < ALIGN_UP(size + (pa & (PAGE_SIZE - 1)), PAGE_SIZE); off += PAGE_SIZE)
		if (!vm_map(mmio_next + off, ALIGN_DOWN(pa, PAGE_SIZE) + off, VM_READ | VM_WRITE | VM_UNCACHED))
			return 0;
	mmio_next += ALIGN_UP(size + (pa & (PAGE_SIZE - 1)), PAGE_SIZE) + PAGE_SIZE;
	return va;
}

uint64_t vm_reserve_driver(size_t npages)
{
	uint64_t size = (npages + 1) * PAGE_SIZE;
	if (driver_next + size > KPP_DRIVER_AREA_BASE + KPP_DRIVER_AREA_SIZE)
		return 0;
	uint64_t va = driver_next;
	driver_next += size;
	return va;
}

void vm_release_driver(uint64_t va, size_t npages)
{
	for (size_t i = 0; i < npages; i++) {
		uint64_t pa = vm_unmap(va + i * PAGE_SIZE);
		if (pa)
			frame_free(pa);
	}
}
