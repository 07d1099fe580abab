/* Kernel address-space layout randomization: unless the command line says
 * `kaslr=0` or `nokaslr`, the image runs at KPP_KERNEL_VIRT_BASE + slide +
 * physical instead of its link address, the slide a multiple of 4 KiB drawn
 * per boot.
 *
 * kaslr_setup runs once, from boot.S, at the link address on the boot page
 * tables, before anything else of the kernel. It maps the image a second
 * time at the new base (4 KiB pages in boot_pt), then adds the slide to
 * every absolute self-reference of the image: the table between
 * __kreloc_start and __kreloc_end, which the build derives from the link's
 * relocation records (images/internal/mkkreloc). While it patches, both
 * views of the image are mapped, so its own code, which it patches too,
 * works whichever address an instruction carries. boot.S then jumps to
 * the new base, where kaslr_report tells the host before kmain runs;
 * vm_init maps only the new base.
 *
 * Entropy: the machine's seed when the firmware offers one (fw_cfg file
 * opt/kppemu/seed: kppemu always, QEMU when given one), so the same seed
 * gives the same base on either machine; else RDRAND; else the TSC. */
#include <kpp/abi.h>
#include <kpp/cpu.h>
#include <kpp/event.h>
#include <kpp/kernel.h>
#include <kpp/mm.h>
#include <kpp/multiboot.h>

#define CPUID1_ECX_RDRAND (1u << 30)
#define LARGE_PAGE 0x200000ull
/* boot.S's map of the image at its link address ends here (physical). */
#define LINK_VIEW_END 0x400000ull
/* The image must end below the kernel stacks. */
#define SLIDE_LIMIT (KPP_STACK_AREA_BASE - KPP_KERNEL_VIRT_BASE)
#define KRELOC_64 0x80000000u
#define BOOT_PTS 3 /* an image below 4 MiB spans at most three 2 MiB pages */

#define FW_CFG_SELECTOR 0x510
#define FW_CFG_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_FILE_DIR 0x0019
#define FW_CFG_SEED_FILE "opt/kppemu/seed"

extern uint64_t boot_pd_high[512];
extern const uint32_t __kreloc_start[], __kreloc_end[];
static uint64_t boot_pt[BOOT_PTS][512] __attribute__((aligned(4096)));

/* The image's offset from its link address (0: not moved). */
uint64_t kernel_slide;

static void fw_cfg_select(uint16_t key) { __asm__ volatile("outw %0, %1" ::"a"(key), "Nd"((uint16_t)FW_CFG_SELECTOR)); }

static uint32_t fw_cfg_be32(void)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v = v << 8 | inb(FW_CFG_DATA);
	return v;
}

/* The 8-byte seed file of the firmware configuration device, if any. */
static bool fw_cfg_seed(uint64_t *seed)
{
	fw_cfg_select(FW_CFG_SIGNATURE);
	if (inb(FW_CFG_DATA) != 'Q' || inb(FW_CFG_DATA) != 'E' || inb(FW_CFG_DATA) != 'M' || inb(FW_CFG_DATA) != 'U')
		return false;
	fw_cfg_select(FW_CFG_FILE_DIR);
	uint32_t n = fw_cfg_be32();
	for (uint32_t i = 0; i < n && i < 4096; i++) {
		uint32_t size = fw_cfg_be32();
		uint16_t key = (uint16_t)(inb(FW_CFG_DATA) << 8);
		key |= inb(FW_CFG_DATA);
		inb(FW_CFG_DATA);
		inb(FW_CFG_DATA);
		char name[56];
		for (int j = 0; j < 56; j++)
			name[j] = (char)inb(FW_CFG_DATA);
		const char *want = FW_CFG_SEED_FILE;
		int j = 0;
		while (want[j] && name[j] == want[j])
			j++;
		if (want[j] || name[j] || size < 8)
			continue;
		fw_cfg_select(key);
		uint64_t v = 0;
		for (int b = 0; b < 8; b++)
			v |= (uint64_t)inb(FW_CFG_DATA) << (8 * b);
		*seed = v;
		return true;
	}
	return false;
}

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static uint64_t boot_entropy(void)
{
	uint64_t seed;
	if (fw_cfg_seed(&seed))
		return mix64(seed ^ 0x6b61736c72000000ull); /* "kaslr" */
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (c & CPUID1_ECX_RDRAND)
		for (int i = 0; i < 10; i++) {
			uint64_t v;
			uint8_t ok;
			__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
			if (ok)
				return v;
		}
	uint64_t z = 0;
	for (int i = 0; i < 8; i++)
		z = mix64(z ^ rdtsc());
	return z;
}

static bool word_is(const char *w, uint64_t n, const char *want)
{
	uint64_t i = 0;
	while (i < n && want[i] && w[i] == want[i])
		i++;
	return i == n && !want[i];
}

/* Whether the image moves: yes, unless the Multiboot command line opts out
 * with the word `kaslr=0` or `nokaslr` (of those and `kaslr=1`, the last
 * counts). Read through the identity map of the boot tables. */
static bool kaslr_wanted(uint32_t info_phys)
{
	const struct mb_info *mbi = (const struct mb_info *)(uint64_t)info_phys;
	if (!info_phys || !(mbi->flags & MB_INFO_CMDLINE) || !mbi->cmdline)
		return true;
	const char *s = (const char *)(uint64_t)mbi->cmdline;
	bool on = true;
	while (*s) {
		while (*s == ' ')
			s++;
		const char *w = s;
		while (*s && *s != ' ')
			s++;
		uint64_t n = (uint64_t)(s - w);
		if (word_is(w, n, "kaslr=1"))
			on = true;
		else if (word_is(w, n, "kaslr=0") || word_is(w, n, "nokaslr"))
			on = false;
	}
	return on;
}

/* Large pages an image of size bytes at offset o of one touches. */
static uint64_t large_pages(uint64_t o, uint64_t size) { return (o + size - 1) / LARGE_PAGE + 1; }

/* A slide that puts the image (size bytes from KPP_KERNEL_LOAD_ADDR) at
 * a 4 KiB boundary above boot.S's link view and below the stack area,
 * over as many 2 MiB pages as at its link address: the page tables the
 * kernel builds, and the regions PatchGuard enrols for them, are then the
 * same for every slide, and with them every console line. */
static uint64_t choose_slide(uint64_t size)
{
	uint64_t want = large_pages(KPP_KERNEL_LOAD_ADDR % LARGE_PAGE, size);
	uint64_t o_lo = LARGE_PAGE, o_hi = 0; /* offsets in a 2 MiB page that keep the count */
	for (uint64_t o = 0; o < LARGE_PAGE; o += PAGE_SIZE)
		if (large_pages(o, size) == want) {
			o_lo = o < o_lo ? o : o_lo;
			o_hi = o;
		}
	uint64_t g_lo = LINK_VIEW_END / LARGE_PAGE, g_hi = (SLIDE_LIMIT - o_hi - size) / LARGE_PAGE;
	uint64_t per = (o_hi - o_lo) / PAGE_SIZE + 1, slots = (g_hi - g_lo + 1) * per;
	uint64_t r = boot_entropy() % slots;
	uint64_t at = (g_lo + r / per) * LARGE_PAGE + o_lo + (r % per) * PAGE_SIZE; /* from KPP_KERNEL_VIRT_BASE */
	return at - KPP_KERNEL_LOAD_ADDR;
}

/* Map the image at link address + slide with 4 KiB pages. */
static void map_slid(uint64_t slide, uint64_t first, uint64_t end)
{
	uint64_t base_pd = (KPP_KERNEL_LOAD_ADDR + slide) >> 21;
	for (uint64_t pa = first; pa < end; pa += PAGE_SIZE) {
		uint64_t off = slide + pa; /* from KPP_KERNEL_VIRT_BASE */
		uint64_t pd = off >> 21;
		uint64_t *pt = boot_pt[pd - base_pd];
		pt[(off >> 12) & 511] = pa | PTE_P | PTE_W;
		boot_pd_high[pd] = KERNEL_PHYS(pt) | PTE_P | PTE_W;
	}
	write_cr3(read_cr3());
}

void kaslr_setup(uint32_t info_phys)
{
	if (!kaslr_wanted(info_phys))
		return;
	/* Link addresses: nothing has moved yet. */
	uint64_t start = (uint64_t)__kernel_start, end = ALIGN_UP((uint64_t)__kernel_end, PAGE_SIZE);
	uint64_t first = KPP_KERNEL_LOAD_ADDR, last = first + (end - start);
	uint64_t slide = choose_slide(last - first);
	map_slid(slide, first, last);
	/* The loop patches immediates of its own code: an address the compiler
	 * would compute again from one could come out in either view. Both
	 * views reach the same bytes, so only a comparison of two addresses
	 * could go wrong; the asm statements keep the loop's count and bases
	 * as computed here, once. */
	const uint32_t *tab = __kreloc_start;
	uint64_t n = (uint64_t)(__kreloc_end - __kreloc_start);
	__asm__ volatile("" : "+r"(tab), "+r"(n), "+r"(start));
	for (uint64_t i = 0; i < n; i++) {
		uint32_t ent = tab[i];
		uint8_t *site = (uint8_t *)start + (ent & ~KRELOC_64);
		if (ent & KRELOC_64) {
			uint64_t v;
			__builtin_memcpy(&v, site, 8);
			v += slide;
			__builtin_memcpy(site, &v, 8);
		} else {
			uint32_t v;
			__builtin_memcpy(&v, site, 4);
			v += (uint32_t)slide;
			__builtin_memcpy(site, &v, 4);
		}
	}
	kernel_slide = slide;
}

/* At the final base, before kmain: the first event, so that the host names
 * addresses, and moves breakpoints set by symbol, before any code of the
 * kernel runs there. */
void kaslr_report(void)
{
	uint64_t base[2] = {(uint64_t)__kernel_start, kernel_slide};
	event_post(KPP_EV_KERNEL_BASE, base, 2, NULL);
}
