/* attack_a43_launder (A43): launder a direct write through the API. Writes
 * an image-notify entry directly (as attack_a10), then at once makes one
 * legitimate registration, whose re-seal used to take the direct write
 * into the new expected hash. Expected: 0x109 type 0x18 at the
 * registration (the update path checks the previous seal first). */
#include "attack.h"
#include <kpp/vendorapi.h>

#define ENTRY_SIZE 48

static void decoy(const char *path, const struct image_info *info) {}
static void decoy2(const char *path, const struct image_info *info) {}
static void decoy3(const char *path, const struct image_info *info) {}
static void redirected(const char *path, const struct image_info *info) {}

status_t driver_entry(struct driver_object *drv)
{
	status_t st = image_notify_register(decoy);
	if (st == KPP_STATUS_SUCCESS)
		st = image_notify_register(decoy2);
	if (st != KPP_STATUS_SUCCESS)
		return st;
	uint64_t want = (uint64_t)&decoy, *slot = NULL;
	uint64_t base = a_kernel_base(), end = a_kernel_end(base);
	for (uint64_t p = base; p < end && !slot; p += A_PAGE) {
		if (a_page_class(p) != A_DATA)
			continue;
		for (uint64_t *q = (uint64_t *)p; q < (uint64_t *)(p + A_PAGE); q++)
			if (*q == want && (uint64_t)(q + ENTRY_SIZE / 8) < p + 2 * A_PAGE &&
			    a_mapped((uint64_t)(q + ENTRY_SIZE / 8)) && q[ENTRY_SIZE / 8] == (uint64_t)&decoy2) {
				slot = q;
				break;
			}
	}
	if (!slot) {
		printk("attack_a43: notify array not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t pf = a_cli(); /* no pass between the patch and the laundering */
	*(volatile uint64_t *)slot = (uint64_t)&redirected;
	printk("attack_a43: notify array entry redirected, re-sealing through the API\n");
	a_patched("attack_a43");
	st = image_notify_register(decoy3);
	a_restore(pf);
	printk("attack_a43: registration returned 0x%08x\n", st);
	return KPP_STATUS_SUCCESS;
}
