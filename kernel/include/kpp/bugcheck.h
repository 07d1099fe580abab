/* Bug check: the one way the kernel stops on an unrecoverable error. */
#ifndef KPP_BUGCHECK_H
#define KPP_BUGCHECK_H

#include <kpp/types.h>
#include <kpp/abi.h>

struct trap_frame;

/* Mask interrupts, print the stop screen (code, name, parameters, faulting
 * module+offset when p_addr is known), post KPP_EV_BUG_CHECK, exit through
 * isa-debug-exit with KPP_EXIT_BUG_CHECK, and halt. */
void bugcheck(uint32_t code, uint64_t p1, uint64_t p2, uint64_t p3, uint64_t p4) NORETURN;
void bugcheck_frame(uint32_t code, uint64_t p1, uint64_t p2, uint64_t p3, uint64_t p4,
		    const struct trap_frame *tf) NORETURN;
const char *bugcheck_name(uint32_t code);

/* The debug routine pointers (PatchGuard region type 0x6): the exported
 * bugcheck() reaches the stop screen through .stop, and kernel-mode #DB/#BP
 * go to .trap (a kernel debugger would hook it; by default it bug-checks
 * with 0x1E). A checker that must crash even when these are hooked keeps
 * its own pointer to bugcheck_frame. */
struct debug_routines {
	void (*stop)(uint32_t code, uint64_t p1, uint64_t p2, uint64_t p3, uint64_t p4,
		     const struct trap_frame *tf);
	void (*trap)(struct trap_frame *tf);
};
extern struct debug_routines debug_routines;

/* Stop the machine through isa-debug-exit (after flushing the UART). */
void machine_exit(uint32_t code) NORETURN;

#define PANIC(msg) bugcheck(KPP_BUG_MANUALLY_INITIATED, 0xDEAD, __LINE__, 0, 0)

#endif
