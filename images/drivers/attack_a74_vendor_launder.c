/* attack_a74_vendor_launder (A74): launder a vendor list's descriptor.
 * A direct change of a vendor list that the dispatchers would follow,
 * laundered by one legitimate registration made at once with interrupts
 * off (no pass in between). The image-notify
 * list's descriptor is found through its name string (as attack_a42).
 * Variants (the driver's argument):
 *   swap    the array pointer moved to the driver's own copy of the array,
 *           with one more entry of the driver's (the count bumped): the
 *           legitimate registration then writes into the copy, and its
 *           re-seal covers the descriptor as changed;
 *   count   an entry written past the count in the sealed array and the
 *           count bumped to take it in;
 *   sealed  the descriptor's "sealed" flag (the byte after the sealed
 *           ones) cleared with an entry written in place, so the update
 *           path neither verifies nor re-seals (the kernel's "every list
 *           sealed" flag, found by its symbol, is cleared by the host).
 * Expected: 0x109 type 0x18 at the registration (the update path checks
 * the previous seal first) or at the next pass. */
#include "attack_pg.h"
#include <kpp/vendorapi.h>
#include "../../vendorapi/va.h"

static const char want[] = "image notify";

static void decoy(const char *path, const struct image_info *info) {}
static void decoy2(const char *path, const struct image_info *info) {}
static void redirected(const char *path, const struct image_info *info)
{
	printk("~ attack_a74: notified of %s\n", path);
}

static struct va_entry copy[KPP_VENDOR_MAX_ENTRIES] __attribute__((aligned(64)));

static struct va_list *find_list(void)
{
	uint64_t name = a_find(A_RODATA, want, sizeof want);
	uint64_t base = a_kernel_base(), end = a_kernel_end(base);
	for (uint64_t p = base; name && p < end; p += A_PAGE) {
		if (a_page_class(p) != A_DATA)
			continue;
		for (uint64_t *w = (uint64_t *)p; (uint64_t)w < p + A_PAGE; w++)
			if (*w == name)
				return (struct va_list *)w;
	}
	return NULL;
}

static bool is(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

status_t driver_entry(struct driver_object *drv)
{
	const char *how = drv->args && drv->args[0] ? drv->args : "swap";
	status_t st = image_notify_register(decoy);
	if (st != KPP_STATUS_SUCCESS)
		return st;
	struct va_list *l = find_list();
	if (!l || !a_ptr_ok((uint64_t)l->e, sizeof *l->e) || l->n == 0 || l->n >= KPP_VENDOR_MAX_ENTRIES) {
		printk("attack_a74: image-notify list not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	struct va_entry mine = l->e[l->n - 1]; /* decoy's entry: owner, cookie */
	mine.fn = (uint64_t)&redirected;
	mine.cookie ^= 0x7400;
	uint64_t pf = a_cli(); /* no pass between the change and the laundering */
	if (is(how, "swap")) {
		for (uint32_t i = 0; i < l->n; i++)
			copy[i] = l->e[i];
		copy[l->n] = mine;
		l->e = copy;
		l->n++;
	} else if (is(how, "count")) {
		l->e[l->n] = mine;
		l->n++;
	} else {
		l->sealed = false;
		l->e[l->n - 1].fn = (uint64_t)&redirected;
	}
	printk("attack_a74: image-notify list changed (%s), re-sealing through the API\n", how);
	a_patched("attack_a74");
	st = image_notify_register(decoy2);
	a_restore(pf);
	printk("attack_a74: registration returned 0x%08x\n", st);
	return KPP_STATUS_SUCCESS;
}
