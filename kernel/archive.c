/* Where driver and program images come from: Multiboot modules (an ELF
 * object is named after its file name without directory and ".ko") and the
 * initial module archive, a ustar archive passed as a Multiboot module
 * whose members are drivers named NAME.ko and ring-3 programs named NAME
 * (no extension). */
#include <kpp/mm.h>
#include <kpp/module.h>
#include <kpp/multiboot.h>
#include <kpp/printk.h>
#include <kpp/string.h>

#define TAR_BLOCK 512
#define TAR_NAME 0
#define TAR_SIZE 124
#define TAR_TYPE 156
#define TAR_MAGIC 257
#define TAR_PREFIX 345

static bool is_ustar(const uint8_t *p, size_t size)
{
	return size >= TAR_BLOCK && !memcmp(p + TAR_MAGIC, "ustar", 5);
}

static uint64_t octal(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n && p[i] >= '0' && p[i] <= '7'; i++)
		v = v * 8 + (p[i] - '0');
	return v;
}

/* Module name of a path: basename without ".ko". */
static void base_name(const char *path, size_t len, char *out, size_t size)
{
	const char *b = path;
	for (size_t i = 0; i < len && path[i]; i++)
		if (path[i] == '/')
			b = path + i + 1;
	size_t n = strnlen(b, len - (size_t)(b - path));
	if (n >= 3 && !memcmp(b + n - 3, ".ko", 3))
		n -= 3;
	if (n >= size)
		n = size - 1;
	memcpy(out, b, n);
	out[n] = 0;
}

/* A driver member: its path ends in ".ko". */
static bool is_driver_member(const uint8_t *h)
{
	size_t n = strnlen((const char *)h + TAR_NAME, 100);
	return n >= 3 && !memcmp(h + TAR_NAME + n - 3, ".ko", 3);
}

static bool tar_find(const uint8_t *p, size_t size, const char *name, const void **data, size_t *dsize)
{
	for (size_t off = 0; off + TAR_BLOCK <= size;) {
		const uint8_t *h = p + off;
		if (!h[0])
			break;
		uint64_t len = octal(h + TAR_SIZE, 12);
		char n[MODULE_NAME_MAX];
		base_name((const char *)h + TAR_NAME, 100, n, sizeof n);
		if ((h[TAR_TYPE] == '0' || h[TAR_TYPE] == 0) && is_driver_member(h) && !strcmp(n, name) &&
		    off + TAR_BLOCK + len <= size) {
			*data = h + TAR_BLOCK;
			*dsize = len;
			return true;
		}
		off += TAR_BLOCK + ALIGN_UP(len, TAR_BLOCK);
	}
	return false;
}

bool image_find(const char *name, const void **data, size_t *size)
{
	for (uint32_t i = 0; i < boot_info.nmods; i++) {
		const struct boot_module *m = &boot_info.mods[i];
		const uint8_t *p = phys_to_virt(m->start);
		size_t len = m->end - m->start;
		if (is_ustar(p, len))
			continue;
		char n[MODULE_NAME_MAX];
		size_t plen = 0;
		while (m->cmdline[plen] && m->cmdline[plen] != ' ')
			plen++;
		base_name(m->cmdline, plen, n, sizeof n);
		if (!strcmp(n, name)) {
			*data = p;
			*size = len;
			return true;
		}
	}
	for (uint32_t i = 0; i < boot_info.nmods; i++) {
		const struct boot_module *m = &boot_info.mods[i];
		const uint8_t *p = phys_to_virt(m->start);
		size_t len = m->end - m->start;
		if (is_ustar(p, len) && tar_find(p, len, name, data, size))
			return true;
	}
	return false;
}

static void members(void (*fn)(const char *name, const void *data, size_t size, void *ctx), void *ctx,
		    bool programs)
{
	for (uint32_t i = 0; i < boot_info.nmods; i++) {
		const struct boot_module *m = &boot_info.mods[i];
		const uint8_t *p = phys_to_virt(m->start);
		size_t size = m->end - m->start;
		if (!is_ustar(p, size))
			continue;
		for (size_t off = 0; off + TAR_BLOCK <= size;) {
			const uint8_t *h = p + off;
			if (!h[0])
				break;
			uint64_t len = octal(h + TAR_SIZE, 12);
			if (off + TAR_BLOCK + len > size)
				break;
			char n[MODULE_NAME_MAX];
			base_name((const char *)h + TAR_NAME, 100, n, sizeof n);
			if (is_driver_member(h) == !programs)
				fn(n, h + TAR_BLOCK, len, ctx);
			off += TAR_BLOCK + ALIGN_UP(len, TAR_BLOCK);
		}
	}
}

void archive_foreach(void (*fn)(const char *name, const void *data, size_t size, void *ctx), void *ctx)
{
	members(fn, ctx, false);
}

struct program_query {
	const char *name;
	const void *data;
	size_t size;
	bool found;
};

static void match_program(const char *name, const void *data, size_t size, void *ctx)
{
	struct program_query *q = ctx;
	if (!q->found && !strcmp(name, q->name)) {
		q->data = data;
		q->size = size;
		q->found = true;
	}
}

bool program_find(const char *name, const void **data, size_t *size)
{
	struct program_query q = {name, NULL, 0, false};
	members(match_program, &q, true);
	*data = q.data;
	*size = q.size;
	return q.found;
}

static void print_program(const char *name, const void *data, size_t size, void *ctx)
{
	printk("  %-20s %8lu bytes\n", name, (uint64_t)size);
}

void program_print(void) { members(print_program, NULL, true); }

static void print_member(const char *name, const void *data, size_t size, void *ctx)
{
	printk("  %-20s %8lu bytes (archive)\n", name, (uint64_t)size);
}

void archive_print(void) { archive_foreach(print_member, NULL); }

void module_load_boot_drivers(void)
{
	for (uint32_t i = 0; i < boot_info.nmods; i++) {
		const struct boot_module *m = &boot_info.mods[i];
		const uint8_t *p = phys_to_virt(m->start);
		size_t len = m->end - m->start;
		if (is_ustar(p, len)) {
			printk("boot: module archive, %lu bytes\n", (uint64_t)len);
			continue;
		}
		size_t plen = 0;
		while (m->cmdline[plen] && m->cmdline[plen] != ' ')
			plen++;
		char n[MODULE_NAME_MAX];
		base_name(m->cmdline, plen, n, sizeof n);
		const char *args = m->cmdline + plen;
		while (*args == ' ')
			args++;
		module_load(n, p, len, args);
	}
}
