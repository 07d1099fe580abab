/* attack_a156_memtype (A156): changes the processor's memory types.
 * Variants (driver arguments):
 *  - (none): IA32_PAT's entry 0, the type of every page whose page-table
 *    entry has PAT, PCD and PWT clear (all of the kernel's), from
 *    write-back to uncacheable;
 *  - mtrr: clears IA32_MTRR_DEF_TYPE's enable bit: the ranges off, every
 *    access uncacheable.
 * Neither changes a byte any check reads. Expected: 0x109 type 0x7
 * (critical MSR). */
#include "attack.h"

#define MSR_PAT 0x277
#define MSR_MTRR_DEF_TYPE 0x2FF
#define MTRR_ENABLE (1ull << 11)
#define PAT_ENTRY0 0xFFull

status_t driver_entry(struct driver_object *drv)
{
	bool mtrr = !strcmp(drv->args, "mtrr");
	uint32_t msr = mtrr ? MSR_MTRR_DEF_TYPE : MSR_PAT;
	uint64_t pf = a_cli(); /* no pass between the change and its report */
	uint64_t was = a_rdmsr(msr);
	a_wrmsr(msr, mtrr ? was & ~MTRR_ENABLE : was & ~PAT_ENTRY0);
	printk("attack_a156: %s 0x%lx -> 0x%lx\n", mtrr ? "IA32_MTRR_DEF_TYPE" : "IA32_PAT", was, a_rdmsr(msr));
	a_patched("attack_a156");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
