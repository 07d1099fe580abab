/* attack_a10 (A10): redirect a vendor callback in a notify array by direct
 * write. It registers an observe-only image-load notify routine (open to
 * any driver), finds the kernel's array holding it the way a rootkit finds
 * an unexported notify array (a pointer scan of the kernel's writable
 * data), and overwrites the entry with another routine of its own instead
 * of going through the API. Copies of the routine's address elsewhere (the
 * loader keeps the driver's text address in its scratch state) are told
 * apart by registering a second routine: in the array it sits in the next
 * entry, ENTRY_SIZE bytes on. The array is sealed by PatchGuard: expected
 * 0x109 type 0x18 (kernel notification callout). */
#include "attack.h"
#include <kpp/vendorapi.h>

#define ENTRY_SIZE 48 /* the registry's entry: routine first (found by reversing) */

static void decoy(const char *path, const struct image_info *info) {}
static void decoy2(const char *path, const struct image_info *info) {}
static void redirected(const char *path, const struct image_info *info) {}

status_t driver_entry(struct driver_object *drv)
{
	status_t st = image_notify_register(decoy);
	if (st == KPP_STATUS_SUCCESS)
		st = image_notify_register(decoy2);
	printk("attack_a10: image notify registered through the API: status 0x%08x\n", st);
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
		printk("attack_a10: notify array not found\n");
		image_notify_unregister(decoy);
		image_notify_unregister(decoy2);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t pf = a_cli();
	*(volatile uint64_t *)slot = (uint64_t)&redirected;
	printk("attack_a10: notify array entry redirected by direct write\n");
	a_patched("attack_a10");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
