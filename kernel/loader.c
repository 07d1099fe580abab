/*
 * The driver loader. A driver image is an ELF64 x86-64 relocatable object
 * (gcc -c -mcmodel=kernel). The loader checks every header, section,
 * symbol and relocation against the image's bounds before using it, lays
 * the allocated sections out in three page-aligned groups (text, rodata,
 * data+bss) inside the driver area, applies the RELA relocations gcc emits
 * for the kernel code model, resolves undefined symbols against the export
 * table, sets the final page rights (text RX, rodata R, data RW+NX), records
 * the module in the loaded-module list and lookup table, and calls
 * driver_entry. Any defect refuses the image with a status and a reason;
 * nothing is left mapped.
 */
#include <kpp/bugcheck.h>
#include <kpp/event.h>
#include <kpp/export.h>
#include <kpp/kernel.h>
#include <kpp/mm.h>
#include <kpp/module.h>
#include <kpp/patchguard.h>
#include <kpp/printk.h>
#include <kpp/string.h>
#include <kpp/trap.h>
#include <kpp/time.h>
#include <kpp/hooks.h>
#include <kpp/sched.h>
#include <kpp/vendorapi_loader.h>

typedef struct {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
} Elf64_Ehdr;

typedef struct {
	uint32_t name, type;
	uint64_t flags, addr, offset, size;
	uint32_t link, info;
	uint64_t addralign, entsize;
} Elf64_Shdr;

typedef struct {
	uint32_t name;
	uint8_t info, other;
	uint16_t shndx;
	uint64_t value, size;
} Elf64_Sym;

typedef struct {
	uint64_t offset, info;
	int64_t addend;
} Elf64_Rela;

#define ET_REL 1
#define EM_X86_64 62
#define SHT_PROGBITS 1
#define SHT_SYMTAB 2
#define SHT_RELA 4
#define SHT_NOBITS 8
#define SHT_REL 9
#define SHF_WRITE 0x1
#define SHF_ALLOC 0x2
#define SHF_EXECINSTR 0x4
#define SHN_UNDEF 0
#define SHN_LORESERVE 0xFF00
#define SHN_ABS 0xFFF1
#define SHN_COMMON 0xFFF2
#define STB_WEAK 2
#define R_X86_64_NONE 0
#define R_X86_64_64 1
#define R_X86_64_PC32 2
#define R_X86_64_PLT32 4
#define R_X86_64_32 10
#define R_X86_64_32S 11
#define R_X86_64_PC64 24
#define MAX_SECTIONS 256
#define MODULE_TAG POOL_TAG('M', 'o', 'd', ' ')

struct module *module_list;
struct module *module_table[MODULE_TABLE_SIZE];

enum { GROUP_TEXT, GROUP_RODATA, GROUP_DATA, NGROUPS };

struct load_ctx {
	const uint8_t *img;
	size_t size;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	uint64_t sect_addr[MAX_SECTIONS]; /* load address of each allocated section, 0 otherwise */
	uint64_t group_off[NGROUPS], group_size[NGROUPS], group_base[NGROUPS];
	const Elf64_Sym *syms;
	size_t nsyms;
	const char *strtab;
	size_t strsize;
	uint32_t reason;
	char detail[96];
};

static const char *reason_text(uint32_t r)
{
	switch (r) {
	case KPP_REFUSE_BAD_HEADER: return "bad ELF header";
	case KPP_REFUSE_SECTION_RANGE: return "section out of range";
	case KPP_REFUSE_RELOC_RANGE: return "relocation out of range";
	case KPP_REFUSE_RELOC_TYPE: return "unknown relocation type";
	case KPP_REFUSE_UNRESOLVED: return "unresolved import";
	case KPP_REFUSE_OVERSIZE: return "image too large";
	case KPP_REFUSE_NO_ENTRY: return "no driver_entry";
	case KPP_REFUSE_ENTRY_FAILED: return "driver_entry failed";
	case KPP_REFUSE_DUPLICATE: return "already loaded";
	case KPP_REFUSE_NOT_FOUND: return "not found";
	case KPP_REFUSE_NO_MEMORY: return "out of memory";
	case KPP_REFUSE_SYMBOL_RANGE: return "bad symbol table";
	case KPP_REFUSE_SIGNATURE: return "bad signature";
	case KPP_REFUSE_BLOCKED: return "blocked by an image gate";
	}
	return "refused";
}

static status_t reason_status(uint32_t r)
{
	switch (r) {
	case KPP_REFUSE_OVERSIZE: return KPP_STATUS_SECTION_TOO_BIG;
	case KPP_REFUSE_UNRESOLVED: return KPP_STATUS_PROCEDURE_NOT_FOUND;
	case KPP_REFUSE_NO_ENTRY: return KPP_STATUS_PROCEDURE_NOT_FOUND;
	case KPP_REFUSE_ENTRY_FAILED: return KPP_STATUS_UNSUCCESSFUL;
	case KPP_REFUSE_DUPLICATE: return KPP_STATUS_IMAGE_ALREADY_LOADED;
	case KPP_REFUSE_NOT_FOUND: return KPP_STATUS_OBJECT_NAME_NOT_FOUND;
	case KPP_REFUSE_NO_MEMORY: return KPP_STATUS_NO_MEMORY;
	case KPP_REFUSE_SIGNATURE: return KPP_STATUS_INVALID_IMAGE_HASH;
	case KPP_REFUSE_BLOCKED: return KPP_STATUS_DRIVER_BLOCKED;
	}
	return KPP_STATUS_INVALID_IMAGE_FORMAT;
}

static bool fail(struct load_ctx *c, uint32_t reason, const char *fmt, ...)
{
	c->reason = reason;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof c->detail, fmt, ap);
	va_end(ap);
	return false;
}

static bool in_image(const struct load_ctx *c, uint64_t off, uint64_t len)
{
	return off <= c->size && len <= c->size - off;
}

static bool check_headers(struct load_ctx *c)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)c->img;
	if (c->size > KPP_DRIVER_MAX_IMAGE_SIZE)
		return fail(c, KPP_REFUSE_OVERSIZE, "file of %lu bytes", (uint64_t)c->size);
	if (c->size < sizeof *eh || memcmp(eh->ident, "\177ELF", 4))
		return fail(c, KPP_REFUSE_BAD_HEADER, "not an ELF file");
	if (eh->ident[4] != 2 || eh->ident[5] != 1)
		return fail(c, KPP_REFUSE_BAD_HEADER, "not ELF64 little-endian");
	if (eh->type != ET_REL || eh->machine != EM_X86_64)
		return fail(c, KPP_REFUSE_BAD_HEADER, "not an x86-64 relocatable object");
	if (eh->shentsize != sizeof(Elf64_Shdr) || eh->shnum == 0 || eh->shnum > MAX_SECTIONS)
		return fail(c, KPP_REFUSE_BAD_HEADER, "bad section header size or count");
	if (!in_image(c, eh->shoff, (uint64_t)eh->shnum * sizeof(Elf64_Shdr)) || (eh->shoff & 7))
		return fail(c, KPP_REFUSE_SECTION_RANGE, "section header table at 0x%lx", eh->shoff);
	if (eh->shstrndx >= eh->shnum)
		return fail(c, KPP_REFUSE_BAD_HEADER, "bad section name table index");
	c->eh = eh;
	c->sh = (const Elf64_Shdr *)(c->img + eh->shoff);
	for (unsigned i = 1; i < eh->shnum; i++) {
		const Elf64_Shdr *s = &c->sh[i];
		if (s->type != SHT_NOBITS && !in_image(c, s->offset, s->size))
			return fail(c, KPP_REFUSE_SECTION_RANGE, "section %u at 0x%lx+0x%lx", i, s->offset, s->size);
		if (s->addralign > PAGE_SIZE || (s->addralign & (s->addralign - 1)))
			return fail(c, KPP_REFUSE_SECTION_RANGE, "section %u alignment 0x%lx", i, s->addralign);
		if (s->type == SHT_REL)
			return fail(c, KPP_REFUSE_RELOC_TYPE, "REL section %u (x86-64 uses RELA)", i);
	}
	return true;
}

static int group_of(const Elf64_Shdr *s)
{
	if (s->flags & SHF_EXECINSTR)
		return GROUP_TEXT;
	if (s->flags & SHF_WRITE)
		return GROUP_DATA;
	return GROUP_RODATA;
}

static bool layout(struct load_ctx *c)
{
	for (unsigned i = 1; i < c->eh->shnum; i++) {
		const Elf64_Shdr *s = &c->sh[i];
		if (!(s->flags & SHF_ALLOC) || s->size == 0)
			continue;
		if (s->size > KPP_DRIVER_MAX_IMAGE_SIZE)
			return fail(c, KPP_REFUSE_OVERSIZE, "section %u of %lu bytes", i, s->size);
		int g = group_of(s);
		uint64_t align = s->addralign ? s->addralign : 1;
		c->group_size[g] = ALIGN_UP(c->group_size[g], align);
		c->sect_addr[i] = c->group_size[g]; /* offset for now */
		c->group_size[g] += s->size;
	}
	uint64_t total = 0;
	for (int g = 0; g < NGROUPS; g++) {
		c->group_off[g] = total;
		total += ALIGN_UP(c->group_size[g], PAGE_SIZE);
	}
	if (total > KPP_DRIVER_MAX_IMAGE_SIZE)
		return fail(c, KPP_REFUSE_OVERSIZE, "%lu bytes loaded", total);
	return true;
}

static bool find_symtab(struct load_ctx *c)
{
	for (unsigned i = 1; i < c->eh->shnum; i++) {
		const Elf64_Shdr *s = &c->sh[i];
		if (s->type != SHT_SYMTAB)
			continue;
		if (s->entsize != sizeof(Elf64_Sym) || s->link >= c->eh->shnum || c->sh[s->link].type == SHT_NOBITS)
			return fail(c, KPP_REFUSE_SYMBOL_RANGE, "symbol table %u", i);
		c->syms = (const Elf64_Sym *)(c->img + s->offset);
		c->nsyms = s->size / sizeof(Elf64_Sym);
		c->strtab = (const char *)(c->img + c->sh[s->link].offset);
		c->strsize = c->sh[s->link].size;
		return true;
	}
	return fail(c, KPP_REFUSE_SYMBOL_RANGE, "no symbol table");
}

static const char *sym_name(const struct load_ctx *c, const Elf64_Sym *s)
{
	if (s->name >= c->strsize || strnlen(c->strtab + s->name, c->strsize - s->name) == c->strsize - s->name)
		return NULL;
	return c->strtab + s->name;
}

/* Resolve symbol i to its address. */
static bool sym_value(struct load_ctx *c, uint64_t i, uint64_t *out)
{
	if (i >= c->nsyms)
		return fail(c, KPP_REFUSE_RELOC_RANGE, "symbol index %lu", i);
	const Elf64_Sym *s = &c->syms[i];
	if (s->shndx == SHN_UNDEF) {
		const char *name = sym_name(c, s);
		if (!name)
			return fail(c, KPP_REFUSE_SYMBOL_RANGE, "symbol %lu name", i);
		if (!*name) {
			*out = 0;
			return true;
		}
		const struct kexport *e = export_lookup(name);
		if (e) {
			*out = e->addr;
			return true;
		}
		if ((s->info >> 4) == STB_WEAK) {
			*out = 0;
			return true;
		}
		return fail(c, KPP_REFUSE_UNRESOLVED, "%s", name);
	}
	if (s->shndx == SHN_ABS) {
		*out = s->value;
		return true;
	}
	if (s->shndx == SHN_COMMON)
		return fail(c, KPP_REFUSE_SYMBOL_RANGE, "common symbol (build with -fno-common)");
	if (s->shndx >= c->eh->shnum || s->shndx >= SHN_LORESERVE)
		return fail(c, KPP_REFUSE_SYMBOL_RANGE, "symbol %lu in section %u", i, s->shndx);
	const Elf64_Shdr *sec = &c->sh[s->shndx];
	if (!(sec->flags & SHF_ALLOC)) {
		*out = 0;
		return true;
	}
	if (s->value > sec->size)
		return fail(c, KPP_REFUSE_SYMBOL_RANGE, "symbol %lu outside its section", i);
	*out = c->sect_addr[s->shndx] + s->value;
	return true;
}

static bool relocate(struct load_ctx *c)
{
	for (unsigned i = 1; i < c->eh->shnum; i++) {
		const Elf64_Shdr *rs = &c->sh[i];
		if (rs->type != SHT_RELA)
			continue;
		if (rs->info >= c->eh->shnum || rs->info == 0)
			return fail(c, KPP_REFUSE_RELOC_RANGE, "relocation section %u target", i);
		const Elf64_Shdr *ts = &c->sh[rs->info];
		if (!(ts->flags & SHF_ALLOC))
			continue;
		if (rs->entsize != sizeof(Elf64_Rela))
			return fail(c, KPP_REFUSE_RELOC_RANGE, "relocation entry size %lu", rs->entsize);
		const Elf64_Rela *r = (const Elf64_Rela *)(c->img + rs->offset);
		size_t n = rs->size / sizeof(Elf64_Rela);
		for (size_t k = 0; k < n; k++) {
			uint32_t type = (uint32_t)r[k].info;
			uint64_t symi = r[k].info >> 32;
			unsigned width;
			switch (type) {
			case R_X86_64_NONE: continue;
			case R_X86_64_64:
			case R_X86_64_PC64: width = 8; break;
			case R_X86_64_PC32:
			case R_X86_64_PLT32:
			case R_X86_64_32:
			case R_X86_64_32S: width = 4; break;
			default: return fail(c, KPP_REFUSE_RELOC_TYPE, "type %u", type);
			}
			if (r[k].offset > ts->size || width > ts->size - r[k].offset)
				return fail(c, KPP_REFUSE_RELOC_RANGE, "offset 0x%lx in section %u", r[k].offset,
					    rs->info);
			uint64_t S;
			if (!sym_value(c, symi, &S))
				return false;
			uint64_t P = c->sect_addr[rs->info] + r[k].offset;
			uint64_t v = S + (uint64_t)r[k].addend;
			void *where = (void *)P;
			switch (type) {
			case R_X86_64_64: *(uint64_t *)where = v; break;
			case R_X86_64_PC64: *(uint64_t *)where = v - P; break;
			case R_X86_64_PC32:
			case R_X86_64_PLT32: {
				int64_t d = (int64_t)(v - P);
				if (d != (int32_t)d)
					return fail(c, KPP_REFUSE_RELOC_RANGE, "PC32 overflow at 0x%lx", r[k].offset);
				*(uint32_t *)where = (uint32_t)d;
				break;
			}
			case R_X86_64_32:
				if (v != (uint32_t)v)
					return fail(c, KPP_REFUSE_RELOC_RANGE, "32 overflow at 0x%lx", r[k].offset);
				*(uint32_t *)where = (uint32_t)v;
				break;
			case R_X86_64_32S:
				if ((int64_t)v != (int32_t)v)
					return fail(c, KPP_REFUSE_RELOC_RANGE, "32S overflow at 0x%lx", r[k].offset);
				*(uint32_t *)where = (uint32_t)v;
				break;
			}
		}
	}
	return true;
}

static bool find_entry(struct load_ctx *c, uint64_t *entry)
{
	for (size_t i = 1; i < c->nsyms; i++) {
		const char *n = sym_name(c, &c->syms[i]);
		if (n && !strcmp(n, "driver_entry") && c->syms[i].shndx != SHN_UNDEF) {
			if (!sym_value(c, i, entry))
				return false;
			if (*entry < c->group_base[GROUP_TEXT] ||
			    *entry >= c->group_base[GROUP_TEXT] + c->group_size[GROUP_TEXT])
				return fail(c, KPP_REFUSE_NO_ENTRY, "driver_entry not in text");
			return true;
		}
	}
	return fail(c, KPP_REFUSE_NO_ENTRY, "no symbol driver_entry");
}

static void release(uint64_t base, size_t pages)
{
	if (base)
		vm_release_driver(base, pages);
}

/* The rights of a module's text pages, [text, end). */
static void text_rights(uint64_t text, uint64_t end, unsigned rights)
{
	for (uint64_t va = text; va < end; va += PAGE_SIZE)
		vm_protect(va, rights);
}

static void refuse(const char *name, struct load_ctx *c)
{
	status_t st = reason_status(c->reason);
	char text[160];
	if (c->detail[0])
		snprintf(text, sizeof text, "%s: %s (%s)", name, reason_text(c->reason), c->detail);
	else
		snprintf(text, sizeof text, "%s: %s", name, reason_text(c->reason));
	printk("load: %s refused: %s%s%s%s, status 0x%08x\n", name, reason_text(c->reason),
	       c->detail[0] ? " (" : "", c->detail, c->detail[0] ? ")" : "", st);
	uint64_t args[2] = {st, c->reason};
	event_post(KPP_EV_MODULE_REFUSED, args, 2, text);
}

static uint32_t free_slot(void)
{
	for (uint32_t i = 0; i < MODULE_TABLE_SIZE; i++)
		if (!module_table[i])
			return i;
	return MODULE_TABLE_SIZE;
}

status_t module_load(const char *name, const void *image, size_t size, const char *args)
{
	return module_load_ex(name, image, size, args, false);
}

/* Loads and unloads run one at a time (the shell and load_driver callers
 * are threads now): loader_lock serialises them. */
static struct mutex loader_lock = MUTEX_INIT;

static status_t load_locked(const char *name, const void *image, size_t size, const char *args, bool check_only);

status_t module_load_ex(const char *name, const void *image, size_t size, const char *args, bool check_only)
{
	mutex_lock(&loader_lock);
	status_t st = load_locked(name, image, size, args, check_only);
	mutex_unlock(&loader_lock);
	return st;
}

static status_t load_locked(const char *name, const void *image, size_t size, const char *args, bool check_only)
{
	static struct load_ctx ctx; /* big; loads run one at a time (loader_lock) */
	struct load_ctx *c = &ctx;
	memset(c, 0, sizeof *c);
	c->img = image;
	c->size = size;

	if (!check_only && module_lookup(name)) {
		c->reason = KPP_REFUSE_DUPLICATE;
		refuse(name, c);
		return reason_status(c->reason);
	}
	uint32_t slot = free_slot();
	struct module *m = NULL;
	uint64_t base = 0;
	size_t pages = 0;
	if (!check_headers(c) || !layout(c) || !find_symtab(c))
		goto refused;
	if (slot == MODULE_TABLE_SIZE) {
		fail(c, KPP_REFUSE_NO_MEMORY, "module table full");
		goto refused;
	}

	pages = (c->group_off[NGROUPS - 1] + ALIGN_UP(c->group_size[NGROUPS - 1], PAGE_SIZE)) / PAGE_SIZE;
	if (pages == 0) {
		fail(c, KPP_REFUSE_SECTION_RANGE, "no allocated sections");
		goto refused;
	}
	base = vm_reserve_driver(pages);
	if (!base) {
		fail(c, KPP_REFUSE_NO_MEMORY, "driver area full");
		goto refused;
	}
	for (size_t i = 0; i < pages; i++) {
		uint64_t pa = frame_alloc();
		if (!pa || !vm_map(base + i * PAGE_SIZE, pa, VM_READ | VM_WRITE)) {
			if (pa)
				frame_free(pa);
			fail(c, KPP_REFUSE_NO_MEMORY, "no frames");
			goto refused;
		}
	}
	for (int g = 0; g < NGROUPS; g++)
		c->group_base[g] = base + c->group_off[g];
	for (unsigned i = 1; i < c->eh->shnum; i++) {
		const Elf64_Shdr *s = &c->sh[i];
		if (!(s->flags & SHF_ALLOC) || s->size == 0)
			continue;
		c->sect_addr[i] += c->group_base[group_of(s)];
		if (s->type != SHT_NOBITS)
			memcpy((void *)c->sect_addr[i], c->img + s->offset, s->size);
	}
	uint64_t entry;
	if (!relocate(c) || !find_entry(c, &entry))
		goto refused;
	if (!NT_SUCCESS(vendorapi_verify_image(name, c->img, c->size, c->detail, sizeof c->detail))) {
		c->reason = KPP_REFUSE_SIGNATURE;
		goto refused;
	}

	if (check_only) {
		printk("check: %s ok (%lu bytes)\n", name, (uint64_t)(pages * PAGE_SIZE));
		release(base, pages);
		return KPP_STATUS_SUCCESS;
	}

	/* Final rights: W^X; the text read-only, and executable only once
	 * the module is listed (below). */
	for (uint64_t va = c->group_base[GROUP_TEXT]; va < c->group_base[GROUP_DATA]; va += PAGE_SIZE)
		vm_protect(va, VM_READ);

	/* The text pages, whole (the slack past the section's end too), and
	 * the read-only data pages after them, as relocated: PatchGuard
	 * hashes them from now on (A93, A101). */
	uint64_t text_lo = c->group_base[GROUP_TEXT], text_hi = c->group_base[GROUP_DATA];
	m = pool_alloc(sizeof *m, MODULE_TAG);
	if (!m) {
		fail(c, KPP_REFUSE_NO_MEMORY, "module record");
		goto refused;
	}
	if (!pg_module_text(text_lo, text_hi, true)) {
		pg_module_text(text_lo, text_hi, false);
		pool_free(m);
		m = NULL;
		fail(c, KPP_REFUSE_NO_MEMORY, "PatchGuard's table of driver text full");
		goto refused;
	}
	strlcpy(m->name, name, sizeof m->name);
	strlcpy(m->args, args ? args : "", sizeof m->args);
	m->base = base;
	m->pages = pages;
	m->text = c->group_base[GROUP_TEXT];
	m->text_size = c->group_size[GROUP_TEXT];
	m->rodata = c->group_base[GROUP_RODATA];
	m->rodata_size = c->group_size[GROUP_RODATA];
	m->data = c->group_base[GROUP_DATA];
	m->data_size = c->group_size[GROUP_DATA];
	m->slot = slot;
	m->drv.name = m->name;
	m->drv.args = m->args;
	m->drv.base = base;
	m->drv.size = pages * PAGE_SIZE;

	/* Linked before the entry runs, so a fault inside it names the module. */
	m->prev = NULL;
	m->next = NULL;
	struct module **tail = &module_list;
	while (*tail) {
		m->prev = *tail;
		tail = &(*tail)->next;
	}
	*tail = m;
	module_table[slot] = m;
	/* Executable only while listed: PatchGuard takes a word on a kernel
	 * stack that leads into executable driver memory no listed module
	 * holds for hidden code (A113), and this thread holds pointers into
	 * the image. */
	text_rights(m->text, m->rodata, VM_READ | VM_EXEC);

	status_t st = hook_image_load(name, base, pages * PAGE_SIZE, 0, true);
	bool blocked = !NT_SUCCESS(st);
	if (!blocked) {
		/* The host learns the image before its entry runs (symbols for
		 * a bug check or a breakpoint during driver_entry); an entry
		 * that fails is followed by module-refused. */
		uint64_t ev[2] = {base, pages * PAGE_SIZE};
		event_post(KPP_EV_MODULE_LOADED, ev, 2, name);
		st = ((driver_entry_fn)entry)(&m->drv);
	}
	if (!NT_SUCCESS(st)) {
		/* Its registrations go first: PatchGuard holds each to a listed
		 * owner. */
		vendorapi_module_gone(base, pages * PAGE_SIZE);
		text_rights(m->text, m->rodata, VM_READ);
		if (m->prev)
			m->prev->next = m->next;
		else
			module_list = m->next;
		if (m->next)
			m->next->prev = m->prev;
		module_table[slot] = NULL;
		pool_free(m);
		m = NULL;
		pg_module_text(text_lo, text_hi, false);
		fail(c, blocked ? KPP_REFUSE_BLOCKED : KPP_REFUSE_ENTRY_FAILED, "status 0x%08x", st);
		goto refused;
	}
	printk("load: %s loaded at 0x%lx (%lu bytes)\n", name, base, (uint64_t)(pages * PAGE_SIZE));
	return KPP_STATUS_SUCCESS;

refused:
	release(base, pages);
	refuse(name, c);
	return reason_status(c->reason);
}

status_t module_load_by_name(const char *name, const char *args)
{
	const void *data;
	size_t size;
	if (!image_find(name, &data, &size)) {
		static struct load_ctx c;
		mutex_lock(&loader_lock);
		memset(&c, 0, sizeof c);
		c.reason = KPP_REFUSE_NOT_FOUND;
		refuse(name, &c);
		mutex_unlock(&loader_lock);
		return reason_status(c.reason);
	}
	return module_load(name, data, size, args);
}

struct module *module_lookup(const char *name)
{
	for (uint32_t i = 0; i < MODULE_TABLE_SIZE; i++)
		if (module_table[i] && !strcmp(module_table[i]->name, name))
			return module_table[i];
	return NULL;
}

const struct driver_object *module_find(const char *name)
{
	struct module *m = module_lookup(name);
	return m ? &m->drv : NULL;
}

static status_t unload_locked(const char *name);

status_t module_unload(const char *name)
{
	mutex_lock(&loader_lock);
	status_t st = unload_locked(name);
	mutex_unlock(&loader_lock);
	return st;
}

static status_t unload_locked(const char *name)
{
	struct module *m = module_lookup(name);
	if (!m) {
		printk("unload: %s is not loaded\n", name);
		return KPP_STATUS_OBJECT_NAME_NOT_FOUND;
	}
	if (m->drv.unload)
		m->drv.unload(&m->drv);
	if (!vendorapi_module_may_unload(name, m->base, m->pages * PAGE_SIZE))
		return KPP_STATUS_INVALID_DEVICE_STATE;
	/* A driver that leaves a timer armed would have its DPC run in unmapped
	 * memory later: cancel what points into the image, and say so. */
	unsigned left = timers_cancel_range(m->base, m->base + m->pages * PAGE_SIZE);
	if (left)
		printk("unload: %s left %u timer(s) or DPC(s) armed; cancelled\n", name, left);
	text_rights(m->text, m->rodata, VM_READ); /* no longer executable before it is unlisted */
	if (m->prev)
		m->prev->next = m->next;
	else
		module_list = m->next;
	if (m->next)
		m->next->prev = m->prev;
	module_table[m->slot] = NULL;
	uint64_t base = m->base;
	vendorapi_module_gone(m->base, m->pages * PAGE_SIZE);
	pg_module_text(m->text, m->data, false);
	vm_release_driver(m->base, m->pages);
	printk("unload: %s unloaded\n", name);
	event_post(KPP_EV_MODULE_UNLOADED, &base, 1, name);
	pool_free(m);
	return KPP_STATUS_SUCCESS;
}

void module_print_list(void)
{
	if (!module_list) {
		printk("no modules loaded\n");
		return;
	}
	printk("%-20s %-18s %8s  %s\n", "module", "base", "size", "args");
	for (struct module *m = module_list; m; m = m->next)
		printk("%-20s 0x%016lx %8lu%s%s\n", m->name, m->base, (uint64_t)(m->pages * PAGE_SIZE),
		       m->args[0] ? "  " : "", m->args);
}

bool addr_describe(uint64_t addr, char *buf, size_t size)
{
	if (addr >= (uint64_t)__kernel_start && addr < (uint64_t)__kernel_end) {
		snprintf(buf, size, "kernel+0x%lx", addr - (uint64_t)__kernel_start);
		return true;
	}
	/* Bounded, and through mapped records only: PatchGuard's report names
	 * an address with this, also when the list is what was corrupted. */
	unsigned walked = 0;
	for (struct module *m = module_list; m && walked < MODULE_TABLE_SIZE; m = m->next, walked++) {
		if (!(vm_pte((uint64_t)m) & PTE_P) || !(vm_pte((uint64_t)(m + 1) - 1) & PTE_P))
			break;
		if (addr >= m->base && addr < m->base + m->pages * PAGE_SIZE) {
			snprintf(buf, size, "%s+0x%lx", m->name, addr - m->base);
			return true;
		}
	}
	return false;
}
