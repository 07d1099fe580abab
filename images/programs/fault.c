/* fault [read|write|exec|kernel|ud|div|gp|stack|port]: do something ring 3 may
 * not do; the kernel kills only this process with a console line. */
#include "kpp.h"

static volatile uint64_t sink;
static volatile int depth_limit = 1 << 30; /* never reached: the guard page is */

static int recurse(int n)
{
	volatile char pad[512];
	if (n > depth_limit)
		return 0;
	pad[0] = (char)n;
	return recurse(n + 1) + pad[0];
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "read";
	printf("fault: %s\n", what);
	if (!strcmp(what, "read"))
		sink = *(volatile uint64_t *)0;
	else if (!strcmp(what, "write"))
		*(volatile uint64_t *)(uintptr_t)main = 0; /* read-only text */
	else if (!strcmp(what, "exec"))
		((void (*)(void))(uintptr_t)&sink)();      /* NX data */
	else if (!strcmp(what, "kernel"))
		sink = *(volatile uint64_t *)KPP_KERNEL_VIRT_BASE;
	else if (!strcmp(what, "ud"))
		__asm__ volatile("ud2");
	else if (!strcmp(what, "div")) {
		uint32_t q, zero = 0;
		__asm__ volatile("divl %2" : "=a"(q) : "a"(1), "r"(zero), "d"(0));
		sink = q;
	} else if (!strcmp(what, "gp"))
		__asm__ volatile("cli");
	else if (!strcmp(what, "stack"))
		sink = (uint64_t)recurse(0);
	else if (!strcmp(what, "port")) {
		/* Port I/O: no bit of the TSS's I/O map, IOPL 0. Asleep first,
		 * so a driver has time to edit what the return restores. */
		sleep_ms(3000);
		uint8_t v;
		__asm__ volatile("inb $0x61, %0" : "=a"(v));
		sink = v;
	}
	printf("fault: survived\n");
	return 1;
}
