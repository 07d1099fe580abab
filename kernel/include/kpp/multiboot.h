/* Multiboot v1 information, as the loader hands it over (physical addresses). */
#ifndef KPP_MULTIBOOT_H
#define KPP_MULTIBOOT_H

#include <kpp/types.h>

#define MULTIBOOT_LOADER_MAGIC 0x2BADB002
#define MB_INFO_MEM (1u << 0)
#define MB_INFO_CMDLINE (1u << 2)
#define MB_INFO_MODS (1u << 3)
#define MB_INFO_MMAP (1u << 6)

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
} PACKED;

struct mb_module {
	uint32_t start, end, cmdline, reserved;
} PACKED;

struct mb_mmap_entry {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} PACKED;

#define MB_MMAP_AVAILABLE 1

/* What kmain copies out of the Multiboot information before it touches memory. */
#define BOOT_MAX_MODULES 32
#define BOOT_MAX_MMAP 64
#define BOOT_CMDLINE_MAX 1024

struct boot_module {
	uint64_t start, end; /* physical */
	char cmdline[128];   /* "path args" as the loader passed it */
};

struct boot_info {
	char cmdline[BOOT_CMDLINE_MAX]; /* arguments only: the kernel path is dropped */
	uint32_t nmods;
	struct boot_module mods[BOOT_MAX_MODULES];
	uint32_t nmmap;
	struct { uint64_t addr, len; uint32_t type; } mmap[BOOT_MAX_MMAP];
	uint64_t mem_lower_kib, mem_upper_kib;
};

extern struct boot_info boot_info;

/* Value of "key=" on the command line (copied into buf), or NULL. The
 * autorun= key takes the rest of the command line. */
const char *cmdline_get(const char *key, char *buf, size_t size);

#endif
