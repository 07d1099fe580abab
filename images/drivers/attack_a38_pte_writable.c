/* attack_a38_pte_writable (A38): make a page of kernel text writable. Sets
 * the W bit in the page-table entry of the page holding the exported
 * module_find (found by a walk from CR3 through the direct map) and
 * flushes it, so later patches need neither CR0.WP=0 nor the direct map;
 * not a byte of text changes. Expected: 0x109 type 0x111 (W^X is checked in
 * the PTEs themselves). */
#include "attack_pg.h"

status_t driver_entry(struct driver_object *drv)
{
	uint64_t va = (uint64_t)&module_find & ~(A_PAGE - 1);
	uint64_t *pte = a_pte_of(va, 0);
	if (!pte) {
		printk("attack_a38: no PTE for kernel text\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	*pte |= A_PTE_W;
	a_invlpg(va);
	printk("attack_a38: a kernel text page is writable in its PTE\n");
	a_patched("attack_a38");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
