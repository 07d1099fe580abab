/* attack_a42_vendor_count (A42): switch a vendor's filters off by count.
 * Leaves the sealed callback array alone and sets the entry count of the
 * handle-filter list to zero: the dispatcher then calls no filter, and a
 * protected service can be opened with every right again. The list's
 * descriptor is found through its name string ("handle filter" in
 * read-only data, then the pointer to it in kernel data; the layout from
 * vendorapi/va.h). Expected: 0x109 type 0x18 (the descriptor is sealed
 * with the array). */
#include "attack_pg.h"
#include "../../vendorapi/va.h"

static const char want[] = "handle filter";

status_t driver_entry(struct driver_object *drv)
{
	uint64_t name = a_find(A_RODATA, want, sizeof want);
	uint64_t *q = NULL;
	uint64_t base = a_kernel_base(), end = a_kernel_end(base);
	for (uint64_t p = base; name && p < end && !q; p += A_PAGE) {
		if (a_page_class(p) != A_DATA)
			continue;
		for (uint64_t *w = (uint64_t *)p; (uint64_t)w < p + A_PAGE; w++)
			if (*w == name) {
				q = w;
				break;
			}
	}
	if (!q) {
		printk("attack_a42: handle-filter list not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	struct va_list *l = (struct va_list *)q;
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	uint32_t was = l->n;
	l->n = 0;
	printk("attack_a42: handle-filter count set to 0\n");
	printk("~ attack_a42: it was %u\n", was);
	a_patched("attack_a42");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
