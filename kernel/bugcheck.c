/* Bug check: stop screen on the serial console, event for the host, exit. */
#include <kpp/abi.h>
#include <kpp/bugcheck.h>
#include <kpp/cpu.h>
#include <kpp/event.h>
#include <kpp/module.h>
#include <kpp/patchguard.h>
#include <kpp/printk.h>
#include <kpp/trap.h>

#define EXC_BREAKPOINT 0x80000003u
#define EXC_SINGLE_STEP 0x80000004u

static const struct {
	uint32_t code;
	const char *name;
} bug_names[] = {
	{KPP_BUG_MANUALLY_INITIATED, "MANUALLY_INITIATED_CRASH"},
	{KPP_BUG_UNEXPECTED_KERNEL_MODE_TRAP, "UNEXPECTED_KERNEL_MODE_TRAP"},
	{KPP_BUG_KMODE_EXCEPTION_NOT_HANDLED, "KMODE_EXCEPTION_NOT_HANDLED"},
	{KPP_BUG_PAGE_FAULT_IN_NONPAGED_AREA, "PAGE_FAULT_IN_NONPAGED_AREA"},
	{KPP_BUG_IRQL_NOT_LESS_OR_EQUAL, "IRQL_NOT_LESS_OR_EQUAL"},
	{KPP_BUG_CRITICAL_STRUCTURE_CORRUPTION, "CRITICAL_STRUCTURE_CORRUPTION"},
	{KPP_BUG_DOUBLE_FAULT, "DOUBLE_FAULT"},
};

const char *bugcheck_name(uint32_t code)
{
	for (size_t i = 0; i < ARRAY_SIZE(bug_names); i++)
		if (bug_names[i].code == code)
			return bug_names[i].name;
	return "UNKNOWN_BUGCHECK";
}

NORETURN void machine_exit(uint32_t code)
{
	serial_flush();
	outl(KPP_DEBUG_EXIT_PORT, code);
	/* Still running: a machine without isa-debug-exit (Bochs) stops here. */
	for (const char *s = "Shutdown"; *s; s++)
		outb(KPP_BOCHS_SHUTDOWN_PORT, (uint8_t)*s);
	for (;;) {
		cli();
		hlt();
	}
}

static volatile int in_bugcheck;
static uint64_t caller;

NORETURN void bugcheck_frame(uint32_t code, uint64_t p1, uint64_t p2, uint64_t p3, uint64_t p4,
			     const struct trap_frame *tf)
{
	cli();
	if (!in_bugcheck)
		pg_last_chance(code); /* may stop with 0x109 instead */
	if (in_bugcheck++) {
		/* A fault while stopping: say so once, then stop for good. */
		if (in_bugcheck == 2)
			printk("\n*** nested bug check 0x%08x\n", code);
		machine_exit(KPP_EXIT_BUG_CHECK);
	}
	current_irql = IRQL_HIGH;
	/* The fault may have hit a holder of these locks: nobody else runs now. */
	printk_break_lock();
	event_break_lock();
	printk("\n*** STOP: 0x%08x (0x%016lx,0x%016lx,0x%016lx,0x%016lx)\n", code, p1, p2, p3, p4);
	printk("*** %s\n", bugcheck_name(code));

	/* Name the faulting code: the trap RIP, or p3 for page faults raised
	 * without a frame. */
	uint64_t at = tf ? tf->rip : 0;
	char where[64];
	if (at && addr_describe(at, where, sizeof where))
		printk("*** at %s\n", where);
	else if (!tf && caller && addr_describe(caller, where, sizeof where))
		printk("*** called from %s\n", where);
	if (tf)
		trap_print_frame(tf);
	uint64_t args[5] = {code, p1, p2, p3, p4};
	event_post(KPP_EV_BUG_CHECK, args, 5, bugcheck_name(code));
	printk("*** system halted\n");
	machine_exit(KPP_EXIT_BUG_CHECK);
}

static void default_debug_trap(struct trap_frame *tf)
{
	bugcheck_frame(KPP_BUG_KMODE_EXCEPTION_NOT_HANDLED,
		       tf->vector == VEC_BP ? EXC_BREAKPOINT : EXC_SINGLE_STEP, tf->rip, 0, 0, tf);
}

struct debug_routines debug_routines = {
	.stop = bugcheck_frame,
	.trap = default_debug_trap,
};

NORETURN void bugcheck(uint32_t code, uint64_t p1, uint64_t p2, uint64_t p3, uint64_t p4)
{
	caller = (uint64_t)__builtin_return_address(0);
	debug_routines.stop(code, p1, p2, p3, p4, NULL);
	/* A hooked stop routine that returns does not get to resume the caller. */
	bugcheck_frame(code, p1, p2, p3, p4, NULL);
}
