/* Contexts at rest and in a pass. A context lives encrypted in pool memory
 * (XOR stream under a key that changes every pass); opening it decrypts it
 * in place and verifies its magic and its keyed self-hash, so a context an
 * attacker found and overwrote is itself a detection (0x101). */
#include <kpp/bugcheck.h>
#include <kpp/cpu.h>
#include <kpp/event.h>
#include <kpp/time.h>
#include "pg.h"

#define SLOT_ROT 17

static uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

static uint64_t selfhash(const struct pg_context *c, uint64_t size)
{
	const uint8_t *from = (const uint8_t *)&c->key;
	return pg_siphash(c->key, from, size - (uint64_t)(from - (const uint8_t *)c));
}

struct pg_context *pg_open(int i)
{
	struct pg_slot *s = &pg.slot[i];
	pg.busy = true;
	struct pg_context *c = (struct pg_context *)(s->enc ^ rotl(s->key, SLOT_ROT));
	/* A slot an attacker rewrote must not make the checker fault. */
	if (((uint64_t)c >> 47) != 0x1FFFF || !pg_mapped(c, s->size))
		pg_detect(NULL, s, (uint64_t)s, KPP_PG_CHECKER_CONTEXT);
	pg_crypt(c, s->size, s->key);
	if (c->magic != PG_CONTEXT_MAGIC || c->selfhash != selfhash(c, s->size) ||
	    c->nregions > c->capacity || sizeof *c + c->capacity * sizeof(struct pg_region) != s->size)
		pg_detect(NULL, s, (uint64_t)c, KPP_PG_CHECKER_CONTEXT);
	pg.open = c;
	return c;
}

void pg_close(int i, struct pg_context *c)
{
	struct pg_slot *s = &pg.slot[i];
	uint64_t key = pg_next(&c->rng);
	c->selfhash = selfhash(c, s->size);
	pg_crypt(c, s->size, key);
	s->key = key;
	s->enc = (uint64_t)c ^ rotl(key, SLOT_ROT);
	pg.open = NULL;
	pg.busy = false;
}

/* A random ~25% of the regions plus the next quarter under the cursor, so
 * every region is checked at least once every four passes. */
uint32_t pg_pass(struct pg_context *c, uint32_t trigger)
{
	uint32_t n = c->nregions, quarter = (n + 3) / 4, checked = 0;
	uint32_t from = c->cursor, to = c->cursor + quarter;
	for (uint32_t i = 0; i < n; i++) {
		/* Is i under the cursor window [from, to) taken modulo n? */
		bool cursor = (i >= from && i < to) || (to > n && i < to - n);
		if (!cursor && (pg_next(&c->rng) & 3))
			continue;
		uint64_t addr;
		checked++;
		if (pg_check_region(c, &c->r[i], &addr))
			pg_detect(c, &c->r[i], addr, c->r[i].type);
	}
	c->cursor = n ? to % n : 0;
	c->passes++;
	pg.passes[c->id]++;
	return checked;
}

/* Telemetry of a pass, posted after the context is closed again; tsc0 is
 * the TSC before it was opened (on kppemu the delta counts instructions). */
void pg_telemetry(uint32_t id, uint32_t checked, uint64_t tsc0, uint32_t trigger)
{
	if (!pg.telemetry)
		return;
	uint64_t args[6] = {id, checked, clock_ns(), rdtsc() - tsc0, pg.passes[id], trigger};
	event_post(KPP_EV_PG_PASS, args, 6, NULL);
}
