/* Loaded drivers' text (A93) and read-only data (A101), sealed at load. Driver text is write-
 * protected like the kernel's, but nothing compared it: code written
 * (CR0.WP off) into the unused end of a listed driver's last text page
 * runs with every return address inside a listed module. Every text page
 * of every loaded driver (whole pages: the slack past the section's end
 * too) is hashed when the loader has relocated the image and made it
 * read-only, through the loader's path only (pg_module_text, kernel
 * callers only: the previous seal verified, the change and the new seal
 * with interrupts off), and compared in passes. Each context keeps its own
 * table of (page, keyed hash) under its own key; the region (one per
 * context, its base in the context) holds the keyed hash of that table,
 * so a page taken out of the table or a hash rewritten is a mismatch too. */
#include <kpp/cpu.h>
#include <kpp/kernel.h>
#include <kpp/module.h>
#include <kpp/patchguard.h>
#include "pg.h"

#define PAGE 4096ull
#define MODTEXT_PAGES 384 /* text and read-only data pages of all loaded drivers together */

struct pg_modtext {
	uint64_t n; /* entries in use, at the front */
	struct {
		uint64_t va, hash;
	} e[MODTEXT_PAGES];
};

static struct pg_modtext tables[2];

static uint64_t table_hash(const struct pg_context *c, const struct pg_modtext *t)
{
	uint64_t n = t->n <= MODTEXT_PAGES ? t->n : MODTEXT_PAGES;
	return pg_siphash(c->key, t, sizeof t->n + n * sizeof t->e[0]) ^ t->n;
}

/* The table as sealed: its hash, and every entry past those in use zero
 * (a region announces all of it: a bit flipped there was never seen, A23;
 * cheaper than hashing 6 KiB). */
static bool table_ok(const struct pg_context *c, const struct pg_region *r, const struct pg_modtext *t)
{
	if (t->n > MODTEXT_PAGES || table_hash(c, t) != r->expect)
		return false;
	uint64_t z = 0;
	for (uint64_t i = t->n; i < MODTEXT_PAGES; i++)
		z |= t->e[i].va | t->e[i].hash;
	return !z;
}

static uint64_t page_hash(const struct pg_context *c, uint64_t va)
{
	return pg_siphash(c->key, (const void *)va, PAGE) ^ va;
}

static bool add_pages(const struct pg_context *c, struct pg_modtext *t, uint64_t lo, uint64_t hi)
{
	for (uint64_t va = lo & ~(PAGE - 1); va < hi; va += PAGE) {
		if (t->n >= MODTEXT_PAGES)
			return false;
		t->e[t->n].va = va;
		t->e[t->n].hash = page_hash(c, va);
		t->n++;
	}
	return true;
}

static void remove_pages(struct pg_modtext *t, uint64_t lo, uint64_t hi)
{
	for (uint64_t i = 0; i < t->n && t->n <= MODTEXT_PAGES;) {
		if (t->e[i].va >= (lo & ~(PAGE - 1)) && t->e[i].va < hi) {
			t->e[i] = t->e[--t->n];
			t->e[t->n].va = t->e[t->n].hash = 0;
		} else
			i++;
	}
}

/* At arming: the region of context id, over the drivers already loaded
 * (pg.arm=late). Called before the region is sealed. */
void pg_modtext_arm(const struct pg_context *c, struct pg_region *r)
{
	struct pg_modtext *t = &tables[c->id & 1];
	__builtin_memset(t, 0, sizeof *t);
	r->base = (uint64_t)t;
	r->size = sizeof *t;
	for (const struct module *m = module_list; m; m = m->next)
		if (!add_pages(c, t, m->text, m->data))
			break;
}

uint64_t pg_modtext_seal(const struct pg_context *c, const struct pg_region *r)
{
	return table_hash(c, (const struct pg_modtext *)r->base);
}

bool pg_check_modtext(const struct pg_context *c, const struct pg_region *r, uint64_t *addr)
{
	const struct pg_modtext *t = (const struct pg_modtext *)r->base;
	*addr = r->base;
	if (!table_ok(c, r, t))
		return true;
	for (uint64_t i = 0; i < t->n; i++) {
		uint64_t va = t->e[i].va;
		*addr = va;
		if (!pg_mapped((const void *)va, PAGE) || page_hash(c, va) != t->e[i].hash)
			return true;
	}
	return false;
}

/* The loader's path (kernel/loader.c): the text pages [lo, hi) of a driver
 * just relocated and made read-only are sealed (add), or taken out before
 * the driver's pages are released (remove). False when the table is full. */
bool pg_module_text(uint64_t lo, uint64_t hi, bool add)
{
	pg_seal_caller((uint64_t)__builtin_return_address(0));
	if (!pg.armed)
		return true;
	bool ok = true;
	uint64_t f = irq_save();
	for (uint32_t i = 0; i < pg.ncontexts; i++) {
		struct pg_context *c = pg_open((int)i);
		for (uint32_t k = 0; k < c->nregions; k++) {
			struct pg_region *r = &c->r[k];
			if (r->check != PG_CHECK_MODTEXT)
				continue;
			struct pg_modtext *t = (struct pg_modtext *)r->base;
			if (!table_ok(c, r, t))
				pg_detect(c, r, r->base, r->type);
			remove_pages(t, lo, hi);
			if (add)
				ok &= add_pages(c, t, lo, hi);
			r->expect = table_hash(c, t);
		}
		pg_close((int)i, c);
	}
	irq_restore(f);
	return ok;
}

void pg_modtext_enroll(struct pg_region *out, uint32_t *n, uint32_t max)
{
	if (*n == max)
		return;
	struct pg_region *r = &out[(*n)++];
	r->base = (uint64_t)&tables[0];
	r->size = sizeof tables[0];
	r->type = KPP_PG_FUNCTION;
	r->check = PG_CHECK_MODTEXT;
	r->mask = 0;
	r->expect = 0;
	r->shadow = PG_NO_SHADOW;
	r->suspect = 0;
}
