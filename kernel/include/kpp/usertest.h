/* The ring-3 round-trip test (usertest.c, userentry.S). */
#ifndef KPP_USERTEST_H
#define KPP_USERTEST_H

#include <kpp/types.h>

struct trap_frame;

void usertest_run(const char *variant); /* NULL, "spin", "fault" or "load" */
bool usertest_active(void);
void usertest_exit(uint64_t status) NORETURN;
void usertest_fault(const struct trap_frame *tf) NORETURN;

#endif
