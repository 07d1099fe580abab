/* Physical frame allocator: one bit per 4 KiB frame below 4 GiB, built from
 * the Multiboot memory map; frames under 1 MiB, the kernel image and the
 * boot modules stay reserved. Allocation takes the lowest free frame, so the
 * layout is the same on every machine with the same memory map. */
#include <kpp/kernel.h>
#include <kpp/mm.h>
#include <kpp/cpu.h>
#include <kpp/multiboot.h>
#include <kpp/string.h>

#define MAX_FRAMES (0x100000000ull / PAGE_SIZE)
#define LOW_RESERVED 0x100000ull

static uint64_t bitmap[MAX_FRAMES / 64]; /* 1 = used */
static uint64_t nframes, nfree, total;
static uint64_t hint;

static inline bool used(uint64_t f) { return bitmap[f / 64] & (1ull << (f % 64)); }
static inline void set_used(uint64_t f) { bitmap[f / 64] |= 1ull << (f % 64); }
static inline void set_free(uint64_t f) { bitmap[f / 64] &= ~(1ull << (f % 64)); }

static void reserve(uint64_t start, uint64_t end)
{
	for (uint64_t f = start / PAGE_SIZE; f < ALIGN_UP(end, PAGE_SIZE) / PAGE_SIZE && f < nframes; f++)
		if (!used(f)) {
			set_used(f);
			nfree--;
		}
}

void frame_init(void)
{
	memset(bitmap, 0xFF, sizeof bitmap);
	for (uint32_t i = 0; i < boot_info.nmmap; i++) {
		if (boot_info.mmap[i].type != MB_MMAP_AVAILABLE)
			continue;
		uint64_t s = ALIGN_UP(boot_info.mmap[i].addr, PAGE_SIZE);
		uint64_t e = ALIGN_DOWN(boot_info.mmap[i].addr + boot_info.mmap[i].len, PAGE_SIZE);
		if (e > MAX_FRAMES * PAGE_SIZE)
			e = MAX_FRAMES * PAGE_SIZE;
		for (uint64_t a = s; a < e; a += PAGE_SIZE) {
			set_free(a / PAGE_SIZE);
			nfree++;
			total++;
			if (a / PAGE_SIZE + 1 > nframes)
				nframes = a / PAGE_SIZE + 1;
		}
	}
	reserve(0, LOW_RESERVED);
	reserve(KERNEL_PHYS(__kernel_start), KERNEL_PHYS(__kernel_end));
	for (uint32_t i = 0; i < boot_info.nmods; i++)
		reserve(boot_info.mods[i].start, boot_info.mods[i].end);
}

/* Threads allocate frames too: the bitmap changes with interrupts off. */
uint64_t frame_alloc_contig(size_t n)
{
	uint64_t run = 0;
	uint64_t flags = irq_save();
	for (uint64_t f = hint; f < nframes; f++) {
		if (used(f)) {
			run = 0;
			continue;
		}
		if (++run == n) {
			uint64_t first = f + 1 - n;
			for (uint64_t g = first; g <= f; g++)
				set_used(g);
			nfree -= n;
			if (n == 1 || first == hint)
				hint = f + 1;
			irq_restore(flags);
			uint64_t pa = first * PAGE_SIZE;
			memset(phys_to_virt(pa), 0, n * PAGE_SIZE);
			return pa;
		}
	}
	irq_restore(flags);
	return 0;
}

uint64_t frame_alloc(void) { return frame_alloc_contig(1); }

void frame_free_contig(uint64_t pa, size_t n)
{
	uint64_t flags = irq_save();
	for (size_t i = 0; i < n; i++) {
		uint64_t f = pa / PAGE_SIZE + i;
		if (f < nframes && used(f)) {
			set_free(f);
			nfree++;
			if (f < hint)
				hint = f;
		}
	}
	irq_restore(flags);
}

void frame_free(uint64_t pa) { frame_free_contig(pa, 1); }
uint64_t frames_total(void) { return total; }
uint64_t frames_free(void) { return nfree; }
