/* The export table: the kernel symbols drivers link against, sorted by name
 * (the linker script sorts the .kexports.NAME sections), in read-only data
 * between __exports_start and __exports_end. */
#include <kpp/bugcheck.h>
#include <kpp/driver.h>
#include <kpp/event.h>
#include <kpp/export.h>
#include <kpp/mm.h>
#include <kpp/printk.h>
#include <kpp/string.h>
#include <kpp/module.h>
#include <kpp/process.h>
#include <kpp/time.h>

#define EXPORT(sym)                                                                                        \
	static const char __export_name_##sym[] = #sym;                                                    \
	static const struct kexport __export_##sym __attribute__((used, section(".kexports." #sym),         \
								  aligned(16))) = {__export_name_##sym, \
										   (uint64_t)&sym}

EXPORT(bugcheck);
EXPORT(clock_ns);
EXPORT(debug_routines);
EXPORT(dpc_init);
EXPORT(dpc_queue);
EXPORT(event_post);
EXPORT(memcmp);
EXPORT(memcpy);
EXPORT(memmove);
EXPORT(memset);
EXPORT(module_find);
EXPORT(parse_u64);
EXPORT(pool_alloc);
EXPORT(pool_free);
EXPORT(printk);
EXPORT(process_object_type);
EXPORT(snprintf);
EXPORT(strcmp);
EXPORT(strlcpy);
EXPORT(strlen);
EXPORT(strncmp);
EXPORT(ticks);
EXPORT(timer_cancel);
EXPORT(timer_init);
EXPORT(timer_set);
EXPORT(vm_pte);

extern const struct kexport __exports_start[], __exports_end[];

const struct kexport *export_lookup(const char *name)
{
	const struct kexport *lo = __exports_start, *hi = __exports_end;
	while (lo < hi) {
		const struct kexport *mid = lo + (hi - lo) / 2;
		int c = strcmp(name, mid->name);
		if (c == 0)
			return mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

size_t export_count(void) { return (size_t)(__exports_end - __exports_start); }
const struct kexport *export_table(void) { return __exports_start; }
