/* attack_a99_control_bits (A99): the control-register bits PatchGuard did
 * not compare. It compared CR0's PE, PG and WP and CR4's PAE, PGE, SMEP,
 * SMAP and UMIP; the others also decide what ring 3 may do or how the
 * processor runs: `pce` sets CR4.PCE (ring 3 may read the performance
 * counters with RDPMC, a timing side channel the kernel never granted),
 * `tsd` sets CR4.TSD (RDTSC faults in ring 3), `osfxsr` clears CR4.OSFXSR
 * (every SSE instruction of a program faults), `am` sets CR0.AM (ring 3's
 * alignment checks on), `cd` sets CR0.CD (caching off: the machine slows to
 * a crawl on hardware). Expected (before the fix): no bug check. */
#include "attack.h"

#define CR0_AM (1ull << 18)
#define CR0_CD (1ull << 30)
#define CR4_TSD (1ull << 2)
#define CR4_PCE (1ull << 8)

status_t driver_entry(struct driver_object *drv)
{
	const char *mode = drv->args;
	uint64_t cr0 = a_read_cr0(), cr4;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	if (!strcmp(mode, "pce"))
		cr4 |= CR4_PCE;
	else if (!strcmp(mode, "tsd"))
		cr4 |= CR4_TSD;
	else if (!strcmp(mode, "osfxsr"))
		cr4 &= ~CR4_OSFXSR;
	else if (!strcmp(mode, "am"))
		cr0 |= CR0_AM;
	else if (!strcmp(mode, "cd"))
		cr0 |= CR0_CD;
	else {
		a_restore(pf);
		printk("attack_a99: unknown mode\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4) : "memory");
	a_write_cr0(cr0);
	printk("attack_a99: control register bit changed (%s)\n", mode);
	a_patched("attack_a99");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
