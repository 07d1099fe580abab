/*
 * The driver interface: what a loadable driver (an ELF64 relocatable object
 * built with -mcmodel=kernel, see images/drivers/) may use. Every function
 * here is in the kernel's export table; a driver that calls anything else
 * is refused at load time ("unresolved import NAME").
 *
 * A driver defines
 *     status_t driver_entry(struct driver_object *drv);
 * which runs at IRQL_PASSIVE when the driver is loaded. Returning a status
 * other than KPP_STATUS_SUCCESS refuses the load. drv->unload, when set, is
 * called by `unload NAME` before the driver's memory is released; a driver
 * must cancel its timers there.
 */
#ifndef KPP_DRIVER_H
#define KPP_DRIVER_H

#include <kpp/types.h>
#include <kpp/abi.h>
#include <kpp/lock.h>
#include <kpp/time.h>

#define DRIVER_DISPATCH_MAX 8

struct driver_object {
	const char *name;   /* module name (file name without .ko) */
	const char *args;   /* arguments from `load NAME ARGS` or the module line */
	uint64_t base, size; /* where the image lies */
	void (*unload)(struct driver_object *drv);
	status_t (*dispatch[DRIVER_DISPATCH_MAX])(struct driver_object *drv, void *arg);
	void *context;      /* the driver's own */
};

typedef status_t (*driver_entry_fn)(struct driver_object *drv);

/* Console. */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Memory. */
void *pool_alloc(size_t size, uint32_t tag);
void pool_free(void *p);
#ifndef POOL_TAG
#define POOL_TAG(a, b, c, d) ((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) | ((uint32_t)(d) << 24))
#endif
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
void *memmove(void *d, const void *s, size_t n);
size_t strlcpy(char *d, const char *s, size_t n);
/* Parse a decimal or 0x-hex number; false on junk. */
bool parse_u64(const char *s, uint64_t *out);
uint64_t vm_pte(uint64_t va);

/* Status. */
void bugcheck(uint32_t code, uint64_t p1, uint64_t p2, uint64_t p3, uint64_t p4) __attribute__((noreturn));
void event_post(uint32_t type, const uint64_t *args, uint32_t nargs, const char *text);

/* Time (kpp/time.h): ticks(), clock_ns(), timer_init/timer_set/timer_cancel,
 * dpc_init/dpc_queue. Locks (kpp/lock.h): spin_lock_irqsave/unlock. */

/* Modules. */
const struct driver_object *module_find(const char *name);

#endif
