/* User address spaces: the ELF64 executable loader (static non-PIE at its
 * link address, PIE at KPP_USER_PIE_BASE with R_X86_64_RELATIVE
 * relocations applied), the initial stack with argv, vm_alloc/protect/free
 * and cross-process copies. The kernel writes a process's memory through
 * the direct map, never through the user mapping, so the page rights are
 * final from the start. Every header, segment and relocation is checked
 * against the file and the user half before use. */
#include <kpp/cpu.h>
#include <kpp/mm.h>
#include <kpp/printk.h>
#include <kpp/process.h>
#include <kpp/string.h>
#include <kpp/syscall.h>

typedef struct {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
} Elf64_Ehdr;

typedef struct {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
} Elf64_Phdr;

typedef struct {
	int64_t tag;
	uint64_t val;
} Elf64_Dyn;

typedef struct {
	uint64_t offset, info;
	int64_t addend;
} Elf64_Rela;

#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PF_X 1
#define PF_W 2
#define DT_NULL 0
#define DT_RELA 7
#define DT_RELASZ 8
#define DT_RELAENT 9
#define R_X86_64_RELATIVE 8
#define MAX_PHDRS 16
#define MAX_IMAGE (4ull << 20)
#define MAX_RELAS 4096

static uint32_t pte_prot(uint64_t pte)
{
	return KPP_PROT_READ | ((pte & PTE_W) ? KPP_PROT_WRITE : 0) | ((pte & PTE_NX) ? 0 : KPP_PROT_EXEC);
}

static unsigned vm_rights(uint32_t prot)
{
	return VM_USER | ((prot & KPP_PROT_WRITE) ? VM_WRITE : 0) | ((prot & KPP_PROT_EXEC) ? VM_EXEC : 0);
}

static bool range_in_user(uint64_t start, uint64_t size)
{
	return start >= KPP_USER_BASE && size <= KPP_USER_TOP && start <= KPP_USER_TOP - size;
}

static struct vm_area *area_find(struct process *p, uint64_t addr)
{
	for (int i = 0; i < PROCESS_MAX_AREAS; i++)
		if (p->areas[i].kind != VMA_FREE && addr >= p->areas[i].start && addr < p->areas[i].end)
			return &p->areas[i];
	return NULL;
}

static bool area_overlaps(struct process *p, uint64_t start, uint64_t end)
{
	for (int i = 0; i < PROCESS_MAX_AREAS; i++)
		if (p->areas[i].kind != VMA_FREE && start < p->areas[i].end && p->areas[i].start < end)
			return true;
	return false;
}

static struct vm_area *area_add(struct process *p, uint64_t start, uint64_t end, uint32_t prot, uint32_t kind)
{
	for (int i = 0; i < PROCESS_MAX_AREAS; i++)
		if (p->areas[i].kind == VMA_FREE) {
			p->areas[i] = (struct vm_area){start, end, prot, kind};
			return &p->areas[i];
		}
	return NULL;
}

/* Map one zeroed page (or widen the rights of one already mapped: two
 * segments may share a page). */
static status_t map_page(struct process *p, uint64_t va, uint32_t prot)
{
	uint64_t pte = vm_pte_in(p->cr3, va);
	if (pte) {
		if (!vm_protect_in(p->cr3, va, vm_rights(prot | pte_prot(pte))))
			return KPP_STATUS_NO_MEMORY;
		return KPP_STATUS_SUCCESS;
	}
	uint64_t pa = frame_alloc();
	if (!pa)
		return KPP_STATUS_NO_MEMORY;
	if (!vm_map_in(p->cr3, va, pa, vm_rights(prot))) {
		frame_free(pa);
		return KPP_STATUS_NO_MEMORY;
	}
	p->pages++;
	return KPP_STATUS_SUCCESS;
}

/* Copy to/from p's pages through the direct map. check_write: the page
 * must be writable to the user (cross-process writes); the loader passes
 * false. */
static status_t copy_process(struct process *p, uint64_t va, void *buf, size_t n, bool out, bool check_write)
{
	if (!user_range_ok(va, n))
		return KPP_STATUS_ACCESS_VIOLATION;
	while (n) {
		size_t chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		if (chunk > n)
			chunk = n;
		uint64_t f = irq_save();
		uint64_t pte = p->memory_freed ? 0 : vm_pte_in(p->cr3, va);
		if (!(pte & PTE_P) || !(pte & PTE_U) || (out && check_write && !(pte & PTE_W))) {
			irq_restore(f);
			return KPP_STATUS_ACCESS_VIOLATION;
		}
		void *k = (char *)phys_to_virt(pte & PTE_ADDR) + (va & (PAGE_SIZE - 1));
		if (out)
			memcpy(k, buf, chunk);
		else
			memcpy(buf, k, chunk);
		irq_restore(f);
		va += chunk;
		buf = (char *)buf + chunk;
		n -= chunk;
	}
	return KPP_STATUS_SUCCESS;
}

status_t process_copy_in(struct process *p, void *dst, uint64_t src, size_t n)
{
	return copy_process(p, src, dst, n, false, false);
}

status_t process_copy_out(struct process *p, uint64_t dst, const void *src, size_t n)
{
	return copy_process(p, dst, (void *)src, n, true, true);
}

static status_t load_segments(struct process *p, const uint8_t *img, size_t size, const Elf64_Phdr *ph,
			      unsigned phnum, uint64_t bias)
{
	uint64_t lo = ~0ull, hi = 0;
	for (unsigned i = 0; i < phnum; i++) {
		const Elf64_Phdr *s = &ph[i];
		if (s->type != PT_LOAD || s->memsz == 0)
			continue;
		if (s->filesz > s->memsz || s->offset > size || s->filesz > size - s->offset || s->memsz > MAX_IMAGE)
			return KPP_STATUS_INVALID_IMAGE_FORMAT;
		uint64_t start = bias + s->vaddr;
		if (start < bias || !range_in_user(start, s->memsz) || start + s->memsz > KPP_USER_ALLOC_BASE)
			return KPP_STATUS_INVALID_IMAGE_FORMAT;
		uint64_t pstart = ALIGN_DOWN(start, PAGE_SIZE), pend = ALIGN_UP(start + s->memsz, PAGE_SIZE);
		uint32_t prot = KPP_PROT_READ | ((s->flags & PF_W) ? KPP_PROT_WRITE : 0) |
				((s->flags & PF_X) ? KPP_PROT_EXEC : 0);
		for (uint64_t va = pstart; va < pend; va += PAGE_SIZE) {
			status_t st = map_page(p, va, prot);
			if (st != KPP_STATUS_SUCCESS)
				return st;
		}
		status_t st = copy_process(p, start, (void *)(img + s->offset), s->filesz, true, false);
		if (st != KPP_STATUS_SUCCESS)
			return st;
		if (pstart < lo)
			lo = pstart;
		if (pend > hi)
			hi = pend;
	}
	if (hi <= lo || hi - lo > MAX_IMAGE || area_overlaps(p, lo, hi))
		return KPP_STATUS_INVALID_IMAGE_FORMAT;
	area_add(p, lo, hi, KPP_PROT_READ, VMA_IMAGE);
	p->image_base = lo;
	p->image_size = hi - lo;
	return KPP_STATUS_SUCCESS;
}

/* PIE: apply the R_X86_64_RELATIVE relocations named by PT_DYNAMIC. */
static status_t relocate(struct process *p, const Elf64_Phdr *ph, unsigned phnum, uint64_t bias)
{
	const Elf64_Phdr *dyn = NULL;
	for (unsigned i = 0; i < phnum; i++)
		if (ph[i].type == PT_DYNAMIC)
			dyn = &ph[i];
	if (!dyn)
		return KPP_STATUS_SUCCESS;
	uint64_t rela = 0, relasz = 0, relaent = sizeof(Elf64_Rela);
	for (uint64_t off = 0; off + sizeof(Elf64_Dyn) <= dyn->memsz; off += sizeof(Elf64_Dyn)) {
		Elf64_Dyn d;
		if (process_copy_in(p, &d, bias + dyn->vaddr + off, sizeof d) != KPP_STATUS_SUCCESS)
			return KPP_STATUS_INVALID_IMAGE_FORMAT;
		if (d.tag == DT_NULL)
			break;
		if (d.tag == DT_RELA)
			rela = d.val;
		else if (d.tag == DT_RELASZ)
			relasz = d.val;
		else if (d.tag == DT_RELAENT)
			relaent = d.val;
	}
	if (relaent != sizeof(Elf64_Rela) || relasz / sizeof(Elf64_Rela) > MAX_RELAS)
		return KPP_STATUS_INVALID_IMAGE_FORMAT;
	for (uint64_t off = 0; off + sizeof(Elf64_Rela) <= relasz; off += sizeof(Elf64_Rela)) {
		Elf64_Rela r;
		if (process_copy_in(p, &r, bias + rela + off, sizeof r) != KPP_STATUS_SUCCESS)
			return KPP_STATUS_INVALID_IMAGE_FORMAT;
		if ((uint32_t)r.info != R_X86_64_RELATIVE)
			return KPP_STATUS_INVALID_IMAGE_FORMAT;
		uint64_t v = bias + (uint64_t)r.addend;
		uint64_t at = bias + r.offset;
		if (at < p->image_base || at + 8 > p->image_base + p->image_size ||
		    copy_process(p, at, &v, sizeof v, true, false) != KPP_STATUS_SUCCESS)
			return KPP_STATUS_INVALID_IMAGE_FORMAT;
	}
	return KPP_STATUS_SUCCESS;
}

/* The stack (with an unmapped guard page below) and argv at its top. */
static status_t setup_stack(struct process *p, const char *args)
{
	uint64_t top = KPP_USER_STACK_TOP, base = top - KPP_USER_STACK_SIZE;
	if (!area_add(p, base - PAGE_SIZE, base, 0, VMA_GUARD) ||
	    !area_add(p, base, top, KPP_PROT_READ | KPP_PROT_WRITE, VMA_STACK))
		return KPP_STATUS_NO_MEMORY;
	for (uint64_t va = base; va < top; va += PAGE_SIZE) {
		status_t st = map_page(p, va, KPP_PROT_READ | KPP_PROT_WRITE);
		if (st != KPP_STATUS_SUCCESS)
			return st;
	}
	/* Split the arguments in a kernel copy, then place strings and the
	 * argv array at the top of the stack. */
	char buf[KPP_USER_ARGS_MAX];
	strlcpy(buf, args, sizeof buf);
	size_t len = strlen(buf) + 1;
	uint64_t strings = ALIGN_DOWN(top - len, 16);
	uint64_t argv[KPP_USER_MAX_ARGS + 1];
	uint64_t argc = 0;
	for (size_t i = 0; i < len - 1;) {
		while (buf[i] == ' ')
			buf[i++] = 0;
		if (!buf[i])
			break;
		if (argc == KPP_USER_MAX_ARGS)
			return KPP_STATUS_INVALID_PARAMETER;
		argv[argc++] = strings + i;
		while (buf[i] && buf[i] != ' ')
			i++;
	}
	argv[argc] = 0;
	uint64_t vec = ALIGN_DOWN(strings - (argc + 1) * 8, 16);
	status_t st = copy_process(p, strings, buf, len, true, false);
	if (st == KPP_STATUS_SUCCESS)
		st = copy_process(p, vec, argv, (argc + 1) * 8, true, false);
	p->user_rsp = vec - 8; /* as after a call: RSP+8 is 16-byte aligned */
	p->user_argc = argc;
	p->user_argv = vec;
	return st;
}

status_t exec_load(struct process *p, const void *image, size_t size, const char *args)
{
	const uint8_t *img = image;
	const Elf64_Ehdr *eh = image;
	if (size < sizeof *eh || memcmp(eh->ident, "\177ELF", 4) || eh->ident[4] != 2 || eh->ident[5] != 1 ||
	    eh->machine != EM_X86_64 || (eh->type != ET_EXEC && eh->type != ET_DYN) ||
	    eh->phentsize != sizeof(Elf64_Phdr) || eh->phnum == 0 || eh->phnum > MAX_PHDRS ||
	    eh->phoff > size || (uint64_t)eh->phnum * sizeof(Elf64_Phdr) > size - eh->phoff)
		return KPP_STATUS_INVALID_IMAGE_FORMAT;
	Elf64_Phdr ph[MAX_PHDRS];
	memcpy(ph, img + eh->phoff, eh->phnum * sizeof(Elf64_Phdr));
	uint64_t bias = 0;
	if (eh->type == ET_DYN) {
		bias = KPP_USER_PIE_BASE;
		p->flags |= PROC_FLAG_PIE;
	}
	status_t st = load_segments(p, img, size, ph, eh->phnum, bias);
	if (st == KPP_STATUS_SUCCESS && bias)
		st = relocate(p, ph, eh->phnum, bias);
	if (st != KPP_STATUS_SUCCESS)
		return st;
	p->entry = bias + eh->entry;
	if (p->entry < p->image_base || p->entry >= p->image_base + p->image_size)
		return KPP_STATUS_INVALID_IMAGE_FORMAT;
	return setup_stack(p, args);
}

status_t process_vm_alloc(struct process *p, uint64_t *addr, uint64_t size, uint32_t prot, uint32_t kind)
{
	if (size == 0 || size > KPP_USER_MAX_ALLOC || (prot & ~(KPP_PROT_READ | KPP_PROT_WRITE | KPP_PROT_EXEC)) ||
	    !prot)
		return KPP_STATUS_INVALID_PARAMETER;
	size = ALIGN_UP(size, PAGE_SIZE);
	uint64_t start = *addr;
	if (start & (PAGE_SIZE - 1))
		return KPP_STATUS_INVALID_PARAMETER;
	if (start) {
		/* Nothing is ever mapped at or above the stack's guard page: no
		 * SYSCALL can sit at the top of the canonical half, so SYSRET
		 * never returns to a non-canonical RIP (a #GP in ring 0 with the
		 * user's RSP on some CPUs). */
		if (!range_in_user(start, size) || start + size > KPP_USER_STACK_TOP - KPP_USER_STACK_SIZE - PAGE_SIZE)
			return KPP_STATUS_INVALID_PARAMETER;
		if (area_overlaps(p, start, start + size))
			return KPP_STATUS_CONFLICTING_ADDRESSES;
	} else {
		start = p->alloc_next;
		while (area_overlaps(p, start, start + size))
			start += size;
	}
	if (!area_add(p, start, start + size, prot, kind))
		return KPP_STATUS_INSUFFICIENT_RESOURCES;
	for (uint64_t va = start; va < start + size; va += PAGE_SIZE) {
		status_t st = map_page(p, va, prot);
		if (st != KPP_STATUS_SUCCESS) {
			process_vm_free(p, start, size);
			return st;
		}
	}
	if (!*addr)
		p->alloc_next = start + size + PAGE_SIZE; /* a gap between allocations */
	*addr = start;
	return KPP_STATUS_SUCCESS;
}

status_t process_vm_protect(struct process *p, uint64_t addr, uint64_t size, uint32_t prot)
{
	if (size == 0 || (addr & (PAGE_SIZE - 1)) || (prot & ~(KPP_PROT_READ | KPP_PROT_WRITE | KPP_PROT_EXEC)) ||
	    !prot || !range_in_user(addr, size))
		return KPP_STATUS_INVALID_PARAMETER;
	size = ALIGN_UP(size, PAGE_SIZE);
	struct vm_area *a = area_find(p, addr);
	if (!a || a->kind == VMA_GUARD || addr + size > a->end)
		return KPP_STATUS_INVALID_PARAMETER;
	for (uint64_t va = addr; va < addr + size; va += PAGE_SIZE)
		if (!vm_protect_in(p->cr3, va, vm_rights(prot)))
			return KPP_STATUS_ACCESS_VIOLATION;
	if (addr == a->start && addr + size == a->end)
		a->prot = prot;
	return KPP_STATUS_SUCCESS;
}

status_t process_vm_free(struct process *p, uint64_t addr, uint64_t size)
{
	struct vm_area *a = area_find(p, addr);
	if (!a || a->kind != VMA_ALLOC || a->start != addr || (size && ALIGN_UP(size, PAGE_SIZE) != a->end - a->start))
		return KPP_STATUS_INVALID_PARAMETER;
	for (uint64_t va = a->start; va < a->end; va += PAGE_SIZE) {
		uint64_t pa = vm_unmap_in(p->cr3, va);
		if (pa) {
			frame_free(pa);
			p->pages--;
		}
	}
	a->kind = VMA_FREE;
	return KPP_STATUS_SUCCESS;
}

#define USER_PML4_ENTRIES 256

/* Free every user page and page table (entries 0-255 of the PML4). The
 * caller no longer runs in p's address space. */
void process_free_user_memory(struct process *p)
{
	uint64_t f = irq_save();
	if (p->memory_freed || !p->cr3) {
		irq_restore(f);
		return;
	}
	p->memory_freed = true;
	irq_restore(f);
	uint64_t *pml4 = phys_to_virt(p->cr3);
	for (int i = 0; i < USER_PML4_ENTRIES; i++) {
		if (!(pml4[i] & PTE_P))
			continue;
		uint64_t *pdpt = phys_to_virt(pml4[i] & PTE_ADDR);
		for (int j = 0; j < 512; j++) {
			if (!(pdpt[j] & PTE_P))
				continue;
			uint64_t *pd = phys_to_virt(pdpt[j] & PTE_ADDR);
			for (int k = 0; k < 512; k++) {
				if (!(pd[k] & PTE_P))
					continue;
				uint64_t *pt = phys_to_virt(pd[k] & PTE_ADDR);
				for (int l = 0; l < 512; l++)
					if (pt[l] & PTE_P)
						frame_free(pt[l] & PTE_ADDR);
				frame_free(pd[k] & PTE_ADDR);
			}
			frame_free(pdpt[j] & PTE_ADDR);
		}
		frame_free(pml4[i] & PTE_ADDR);
		pml4[i] = 0;
	}
	p->pages = 0;
	memset(p->areas, 0, sizeof p->areas);
}
