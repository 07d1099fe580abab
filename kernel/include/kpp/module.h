/* Loaded modules (drivers): the list, lookup by name and by address
 * (loader.c). */
#ifndef KPP_MODULE_H
#define KPP_MODULE_H

#include <kpp/types.h>

#define MODULE_NAME_MAX 32

/* Describe addr as "name+0xoff" (kernel or a loaded module); false if it
 * lies in neither. */
bool addr_describe(uint64_t addr, char *buf, size_t size);

#endif
