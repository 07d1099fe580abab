/* The ring-3 round-trip test (usertest.c, userentry.S). */
#ifndef KPP_USERTEST_H
#define KPP_USERTEST_H

#include <kpp/types.h>

struct trap_frame;

/* The test's two user pages, mapped in the kernel's own address space
 * while it runs (the only user-half mappings the kernel's tables hold). */
#define USERTEST_CODE_VA 0x400000ull
#define USERTEST_STACK_VA 0x800000ull

void usertest_run(const char *variant); /* NULL, "spin", "fault" or "load" */
bool usertest_active(void);
void usertest_exit(uint64_t status) NORETURN;
void usertest_fault(const struct trap_frame *tf) NORETURN;

#endif
