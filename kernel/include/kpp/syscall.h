/* SYSCALL entry and the system service table (syscall.c, isr.S).
 *
 * User mode calls with the service number in RAX (KPP_SYS_*) and arguments
 * in RDI, RSI, RDX, R10, R8, R9; the result comes back in RAX. The entry
 * stub swaps GS to the per-CPU block, switches to its kernel stack and calls
 * service_table[RAX]. The table lies in read-only data between
 * __service_table_start and __service_table_end (PatchGuard region 0xA). */
#ifndef KPP_SYSCALL_H
#define KPP_SYSCALL_H

#include <kpp/types.h>

typedef uint64_t (*service_fn)(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6);

/* Per-CPU block at GS base (kernel) / KERNEL_GS_BASE (user). Offsets are used by isr.S. */
struct percpu {
	struct percpu *self;   /* 0 */
	uint64_t kernel_rsp;   /* 8: stack for SYSCALL entry */
	uint64_t user_rsp;     /* 16: saved at SYSCALL entry */
	uint64_t current;      /* 24: current thread */
};

extern struct percpu percpu;
extern const service_fn service_table[];
extern const uint64_t service_count;

void syscall_init(void);
void syscall_entry(void);

/* User memory: the range must lie in the user half
 * (KPP_STATUS_INVALID_PARAMETER otherwise); a fault while copying gives
 * KPP_STATUS_ACCESS_VIOLATION, never a bug check. */
bool user_range_ok(uint64_t addr, uint64_t len);
status_t copy_from_user(void *dst, uint64_t usrc, size_t n);
status_t copy_to_user(uint64_t udst, const void *src, size_t n);
/* A NUL-terminated string of at most size bytes (terminator included). */
status_t string_from_user(char *dst, uint64_t usrc, size_t size);

#endif
