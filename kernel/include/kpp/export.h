/* The kernel export table (export.c): name -> address, sorted by name. */
#ifndef KPP_EXPORT_H
#define KPP_EXPORT_H

#include <kpp/types.h>

struct kexport {
	const char *name;
	uint64_t addr;
};

const struct kexport *export_lookup(const char *name);
size_t export_count(void);
const struct kexport *export_table(void);

#endif
