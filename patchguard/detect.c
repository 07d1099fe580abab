/* The detection path: name the region on the console, keep the bug-check
 * arguments in static storage, wipe the registers and the stack below this
 * frame (detect.S), and stop through the context's private copy of the
 * stop routine, so hooking the exported bugcheck() or the debug-routine
 * pointers changes nothing. */
#include <kpp/bugcheck.h>
#include <kpp/cpu.h>
#include <kpp/mm.h>
#include <kpp/module.h>
#include <kpp/printk.h>
#include <kpp/time.h>
#include "pg.h"

#define WIPE_BYTES 2048

static uint64_t stop_args[5];

NORETURN void pg_detect(struct pg_context *c, const void *record, uint64_t addr, uint32_t type)
{
	cli();
	/* A context that failed its own verification has no trustworthy
	 * pointers: fall back to the routine this code was linked against. */
	pg_stop_fn stop = c ? c->stop : bugcheck_frame;
	stop_args[0] = KPP_BUG_CRITICAL_STRUCTURE_CORRUPTION;
	stop_args[1] = (uint64_t)c + KPP_PG_CONTEXT_KEY;
	stop_args[2] = (uint64_t)record + KPP_PG_RECORD_KEY;
	stop_args[3] = addr;
	stop_args[4] = type;

	char where[64];
	if (addr_describe(addr, where, sizeof where))
		printk("\n*** PatchGuard: %s (region type 0x%x) at %s\n", pg_type_name(type), type, where);
	else
		printk("\n*** PatchGuard: %s (region type 0x%x) at 0x%lx\n", pg_type_name(type), type, addr);

	uint64_t ns = clock_ns();
	printk("~ pg: detected at %lu.%06lu s guest time, after %lu timer and %lu piggy-back passes\n",
	       ns / 1000000000ul, ns % 1000000000ul / 1000, pg.passes[0], pg.passes[1]);

	uint64_t sp = (uint64_t)__builtin_frame_address(0);
	uint64_t lo = sp - WIPE_BYTES;
	if (!(vm_pte(lo) & PTE_P))
		lo = sp & ~(uint64_t)(PAGE_SIZE - 1);
	pg_crash(stop, stop_args, lo & ~7ull);
}
