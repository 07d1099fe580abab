/*
 * The user-mode runtime of kpp programs: system-call wrappers, string
 * functions and a small printf. Programs are freestanding: no libc, and
 * the compiler emits no floating point or SSE (SSE in assembly is fine:
 * the kernel keeps each thread's state), built by images.mk. Status
 * codes, access rights and protections come from the kernel's generated
 * ABI header.
 */
#ifndef KPP_USER_H
#define KPP_USER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdarg.h>
#include <kpp/abi.h>
#include <kpp/uapi.h>
/* Strings and memory, and the formatter: the kernel's own (kernel/lib). */
#include <kpp/string.h>
#include <kpp/format.h>

typedef uint32_t status_t;
typedef uint64_t handle_t;

#define NT_SUCCESS(s) ((uint32_t)(s) < 0x80000000u)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PAGE_SIZE 4096ul

long __syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6);
#define SYS(n, a1, a2, a3, a4, a5) __syscall((n), (long)(a1), (long)(a2), (long)(a3), (long)(a4), (long)(a5), 0)

/* System calls (kernel/abi Sys*). Status-returning calls give KPP_STATUS_*. */
void exit(int status) __attribute__((noreturn));
void exit_thread(uint32_t status) __attribute__((noreturn));
static inline long sys_write(const void *buf, size_t len) { return SYS(KPP_SYS_WRITE, buf, len, 0, 0, 0); }
static inline long sys_read(void *buf, size_t len) { return SYS(KPP_SYS_READ, buf, len, 0, 0, 0); }
static inline status_t spawn(const char *prog, const char *args, uint32_t *pid) { return SYS(KPP_SYS_SPAWN, prog, args, pid, 0, 0); }
static inline status_t wait_pid(uint32_t pid, uint32_t *status) { return SYS(KPP_SYS_WAIT, pid, status, 0, 0, 0); }
static inline uint32_t getpid(void) { return (uint32_t)SYS(KPP_SYS_GET_PID, 0, 0, 0, 0, 0); }
static inline status_t sleep_ms(uint64_t ms) { return SYS(KPP_SYS_SLEEP, ms, 0, 0, 0, 0); }
static inline void yield(void) { SYS(KPP_SYS_YIELD, 0, 0, 0, 0, 0); }
static inline status_t open_process(uint32_t pid, uint32_t access, handle_t *h) { return SYS(KPP_SYS_OPEN_PROCESS, pid, access, h, 0, 0); }
static inline status_t duplicate_handle(handle_t h, handle_t target, uint32_t access, handle_t *out) { return SYS(KPP_SYS_DUPLICATE_HANDLE, h, target, access, out, 0); }
static inline status_t close_handle(handle_t h) { return SYS(KPP_SYS_CLOSE, h, 0, 0, 0, 0); }
static inline status_t terminate_process(handle_t h, uint32_t status) { return SYS(KPP_SYS_TERMINATE_PROCESS, h, status, 0, 0, 0); }
static inline status_t read_process_memory(handle_t h, uint64_t addr, void *buf, size_t len) { return SYS(KPP_SYS_READ_PROCESS_MEMORY, h, addr, buf, len, 0); }
static inline status_t write_process_memory(handle_t h, uint64_t addr, const void *buf, size_t len) { return SYS(KPP_SYS_WRITE_PROCESS_MEMORY, h, addr, buf, len, 0); }
static inline status_t vm_alloc(uint64_t *addr, size_t size, uint32_t prot, handle_t process) { return SYS(KPP_SYS_VM_ALLOC, addr, size, prot, process, 0); }
static inline status_t vm_protect(uint64_t addr, size_t size, uint32_t prot, handle_t process) { return SYS(KPP_SYS_VM_PROTECT, addr, size, prot, process, 0); }
static inline status_t vm_free(uint64_t addr, size_t size, handle_t process) { return SYS(KPP_SYS_VM_FREE, addr, size, process, 0, 0); }
static inline status_t load_driver(const char *name, const char *args) { return SYS(KPP_SYS_LOAD_DRIVER, name, args, 0, 0, 0); }
static inline status_t unload_driver(const char *name) { return SYS(KPP_SYS_UNLOAD_DRIVER, name, 0, 0, 0, 0); }
static inline status_t process_list(struct kpp_process_info *buf, uint32_t max, uint32_t *count) { return SYS(KPP_SYS_PROCESS_LIST, buf, max, count, 0, 0); }
static inline status_t create_thread(handle_t process, void (*entry)(void *), void *arg, void *stack_top, uint32_t *tid) { return SYS(KPP_SYS_CREATE_THREAD, process, entry, arg, stack_top, tid); }
static inline status_t query_process(handle_t h, struct kpp_process_info *info) { return SYS(KPP_SYS_QUERY_PROCESS, h, info, 0, 0, 0); }
static inline status_t suspend_process(handle_t h) { return SYS(KPP_SYS_SUSPEND_PROCESS, h, 0, 0, 0, 0); }
static inline status_t resume_process(handle_t h) { return SYS(KPP_SYS_RESUME_PROCESS, h, 0, 0, 0, 0); }
static inline status_t set_process_name(handle_t h, const char *name) { return SYS(KPP_SYS_SET_PROCESS_NAME, h, name, 0, 0, 0); }

/* Output: one write system call per printf (keep a line in one call). */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A short name for a status code ("access denied"), or "" when unknown. */
const char *status_name(status_t st);
/* Parse an access mask: names joined by '+' (terminate, thread, vmop, read,
 * write, dup, set, query, suspend, all) or a number. */
bool parse_access(const char *s, uint32_t *access);

#endif
