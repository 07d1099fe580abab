/* Events for the host on the event port (kernel/abi: record layout). QEMU
 * ignores them; kppemu decodes them. */
#ifndef KPP_EVENT_H
#define KPP_EVENT_H

#include <kpp/types.h>

/* Post one record: nargs u64 arguments and an optional text. */
void event_post(uint32_t type, const uint64_t *args, uint32_t nargs, const char *text);
void event_post0(uint32_t type, const char *text);
/* For the bug-check path only: release the record lock (see printk_break_lock). */
void event_break_lock(void);

#endif
