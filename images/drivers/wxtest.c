/* wxtest: checks W^X. With argument "text" it writes to kernel text (the
 * first byte of printk), with "data" it calls into its own writable data,
 * with "rodata" it writes its own read-only data, with "null" it reads
 * address 0. Each must page-fault and bug-check with 0x50
 * (PAGE_FAULT_IN_NONPAGED_AREA): parameter 1 the address, parameter 2 the
 * access (KPP_PF_ACCESS_*), parameter 3 the faulting instruction. With
 * "stack" it overflows its stack into the guard page (bug check 0x7F,
 * parameter 1 = 8, double fault). With "lockfault" it faults inside a
 * kernel routine that holds a lock (0x50 at address 0x10). Without
 * an argument it only reports the page rights it sees. */
#include <kpp/driver.h>

static unsigned char code_in_data[16] = {0xC3}; /* ret */
static const unsigned char ro_bytes[16] = {1};

/* Recurse until the stack runs into its guard page: the #PF cannot push its
 * frame, so the CPU raises #DF on its IST stack (bug check 0x7F, p1 = 8). */
static unsigned recurse(volatile unsigned char *prev, unsigned depth)
{
	volatile unsigned char frame[256];
	frame[0] = prev ? prev[0] + 1 : 0;
	if (depth == 0)
		return frame[0];
	return recurse(frame, depth - 1) + frame[1];
}

#define PTE_W (1ull << 1)
#define PTE_NX (1ull << 63)

static const char *rights(uint64_t pte)
{
	if (!pte)
		return "unmapped";
	if (pte & PTE_W)
		return (pte & PTE_NX) ? "RW-" : "RWX";
	return (pte & PTE_NX) ? "R--" : "R-X";
}

status_t driver_entry(struct driver_object *drv)
{
	const char *a = drv->args;
	if (!strcmp(a, "text")) {
		printk("wxtest: writing kernel text\n");
		*(volatile unsigned char *)(uint64_t)&printk = 0xCC;
	} else if (!strcmp(a, "data")) {
		printk("wxtest: executing data\n");
		((void (*)(void))(uint64_t)code_in_data)();
	} else if (!strcmp(a, "rodata")) {
		printk("wxtest: writing read-only data\n");
		*(volatile unsigned char *)ro_bytes = 2;
	} else if (!strcmp(a, "stack")) {
		printk("wxtest: overflowing the stack\n");
		recurse(NULL, ~0u);
	} else if (!strcmp(a, "lockfault")) {
		/* Faults inside event_post while it holds its lock: the stop
		 * screen and its event must still come out. */
		printk("wxtest: bad pointer to event_post\n");
		event_post(KPP_EV_LOG, NULL, 0, (const char *)0x10);
	} else if (!strcmp(a, "null")) {
		printk("wxtest: reading address 0\n");
		(void)*(volatile unsigned char *)0;
	} else {
		printk("wxtest: kernel text %s, own text %s, data %s, rodata %s\n", rights(vm_pte((uint64_t)&printk)),
		       rights(vm_pte((uint64_t)&driver_entry)), rights(vm_pte((uint64_t)code_in_data)),
		       rights(vm_pte((uint64_t)ro_bytes)));
		return KPP_STATUS_SUCCESS;
	}
	printk("wxtest: FAIL: the access did not fault\n");
	return KPP_STATUS_UNSUCCESSFUL;
}
