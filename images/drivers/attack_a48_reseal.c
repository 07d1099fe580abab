/* attack_a48_reseal (A48): re-seal its own write with PatchGuard's sealing
 * call. Writes an image-notify entry directly (as attack_a10), then calls
 * the kernel's pg_seal_update on the array, whose address it knows from
 * the built image (it is not exported: the scenario writes it into
 * seal_update_at, as an attacker would take it from the image's symbols),
 * from a timer of its own. Expected: 0x109 type 0x101 (the sealing calls
 * refuse callers outside kernel text). */
#include "attack.h"
#include <kpp/vendorapi.h>

#define ENTRY_SIZE 48

typedef bool (*seal_fn)(const void *base);
volatile uint64_t seal_update_at; /* set by the scenario: the address of pg_seal_update */

static struct ktimer wait_timer;
static struct dpc wait_dpc;
static uint64_t *slot;

static void decoy(const char *path, const struct image_info *info) {}
static void decoy2(const char *path, const struct image_info *info) {}
static void redirected(const char *path, const struct image_info *info) {}

static void attack(struct dpc *d, void *ctx)
{
	if (!seal_update_at)
		return;
	seal_fn seal = (seal_fn)seal_update_at;
	seal_update_at = 0;
	timer_cancel(&wait_timer);
	uint64_t pf = a_cli();
	*(volatile uint64_t *)slot = (uint64_t)&redirected;
	printk("attack_a48: notify entry redirected, re-sealing through pg_seal_update\n");
	a_patched("attack_a48");
	/* The array starts ENTRY_SIZE * k bytes before the entry, 64-aligned. */
	for (uint64_t k = 0; k < 64; k++)
		if ((((uint64_t)slot - ENTRY_SIZE * k) & 63) == 0 && seal((const void *)((uint64_t)slot - ENTRY_SIZE * k)))
			break;
	a_restore(pf);
	printk("attack_a48: re-sealed\n");
}

status_t driver_entry(struct driver_object *drv)
{
	status_t st = image_notify_register(decoy);
	if (st == KPP_STATUS_SUCCESS)
		st = image_notify_register(decoy2);
	if (st != KPP_STATUS_SUCCESS)
		return st;
	uint64_t want = (uint64_t)&decoy, base = a_kernel_base(), end = a_kernel_end(base);
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
		printk("attack_a48: notify array not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	dpc_init(&wait_dpc, attack, NULL);
	timer_init(&wait_timer, &wait_dpc);
	timer_set(&wait_timer, 10000000ull, 10000000ull);
	printk("attack_a48: waiting for the address of pg_seal_update\n");
	return KPP_STATUS_SUCCESS;
}
