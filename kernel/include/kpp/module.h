/* Loaded modules (loader.c): the ELF64 relocatable driver loader, the
 * loaded-module list and its lookup table, and the sources of driver
 * images (archive.c): Multiboot modules and the initial module archive. */
#ifndef KPP_MODULE_H
#define KPP_MODULE_H

#include <kpp/types.h>
#include <kpp/driver.h>

#define MODULE_NAME_MAX 32
#define MODULE_ARGS_MAX 128
#define MODULE_TABLE_SIZE 64

struct module {
	struct module *next, *prev;  /* loaded-module list, in load order */
	char name[MODULE_NAME_MAX];
	char args[MODULE_ARGS_MAX];
	uint64_t base;               /* first page of the image */
	size_t pages;                /* mapped pages (text, rodata, data) */
	uint64_t text, text_size, rodata, rodata_size, data, data_size;
	uint32_t slot;               /* index in module_table */
	struct driver_object drv;
};

extern struct module *module_list;
extern struct module *module_table[MODULE_TABLE_SIZE];

/* Load a driver image (bytes of an ELF64 relocatable object). Prints
 * "load: NAME loaded at BASE (SIZE bytes)" or "load: NAME refused: REASON"
 * and posts the matching event. */
status_t module_load(const char *name, const void *image, size_t size, const char *args);
/* check_only: run every check, place and relocate the image, then release
 * it without calling driver_entry ("check: NAME ok" or the refusal). */
status_t module_load_ex(const char *name, const void *image, size_t size, const char *args, bool check_only);
/* Load by name from the boot modules or the initial module archive. */
status_t module_load_by_name(const char *name, const char *args);
status_t module_unload(const char *name);
struct module *module_lookup(const char *name);
const struct driver_object *module_find(const char *name);
void module_print_list(void);
/* Load every Multiboot module that is an ELF object (boot drivers). */
void module_load_boot_drivers(void);

/* Describe addr as "name+0xoff" (kernel or a loaded module); false if it
 * lies in neither. */
bool addr_describe(uint64_t addr, char *buf, size_t size);

/* Image sources (archive.c). */
bool image_find(const char *name, const void **data, size_t *size);
/* A ring-3 program: an archive member named exactly NAME (no ".ko"). */
bool program_find(const char *name, const void **data, size_t *size);
void program_print(void);
void archive_print(void);
/* Call fn for every archive member, in archive order. */
void archive_foreach(void (*fn)(const char *name, const void *data, size_t size, void *ctx), void *ctx);

#endif
