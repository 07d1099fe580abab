/* Contexts at rest and in a pass. A context lives encrypted in pool memory
 * (XOR stream under a key that changes every pass); opening it decrypts it
 * in place and verifies its magic and its keyed checksum (computed in the
 * same loop), so a context an attacker found and overwrote is itself a
 * detection (0x101). */
#include <kpp/bugcheck.h>
#include <kpp/cpu.h>
#include <kpp/event.h>
#include <kpp/time.h>
#include "pg.h"

#define BULK_MIN 256 /* bytes: smaller hashed regions are not bulk */

#define SLOT_ROT 17

static uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

/* The words the checksum covers: everything after the selfhash field. */
#define SUM_FROM (offsetof(struct pg_context, key) / 8)

/* The plain copies of the schedule and trigger state against the ones the
 * context was armed with: a stretched delay, a second context switched off,
 * a trigger object swapped or what a hook compares with rewritten is seen
 * by the next pass of any path. */
static bool lapic_same(const struct pg_context *c)
{
	for (uint32_t i = 0; i < PG_LAPIC_REGS; i++)
		if (pg.lapic[i].reg != c->lapic[i].reg || pg.lapic[i].mask != c->lapic[i].mask ||
		    pg.lapic[i].expect != c->lapic[i].expect)
			return false;
	return true;
}

static void verify_state(struct pg_context *c)
{
	if (!pg.armed || !pg.live || pg.profile != (int)c->profile || pg.ncontexts != c->ncontexts ||
	    pg.timer != c->timer || pg.dpc != c->dpc || pg.extra_dpc != c->extra_dpc ||
	    pg.delay_min_ns != c->delay_min_ns || pg.delay_max_ns != c->delay_max_ns ||
	    pg.grace_ticks != c->grace_ticks || pg.random_per_tick != c->random_per_tick ||
	    pg.stride_mask != c->stride_mask || pg.lapic_mmio != c->lapic_mmio ||
	    pg.passes[c->id] != c->passes || pg.hk_timer != c->hk_timer || pg.hk_dpc != c->hk_dpc ||
	    pg.hk_routine != c->hk_routine || pg.hk_count != c->hk_count || pg.hk_count_armed != c->hk_count_armed ||
	    pg.tick_handler != c->tick_handler || pg.wd_handler != c->wd_handler || pg.pic_table != c->pic_table ||
	    pg.vec_table != c->vec_table || pg.nlapic != c->nlapic || !lapic_same(c) ||
	    pg.ioapic != c->ioapic || pg.ioapic_lo != c->ioapic_lo || pg.ioapic_hi != c->ioapic_hi ||
	    pg.nmi_idle_max != c->nmi_idle_max || pg.pit_count != c->pit_count)
		pg_detect(c, &pg, (uint64_t)&pg, KPP_PG_CHECKER_CONTEXT);
	pg_records_check();
}

/* A detection with no usable context (its slot leads nowhere, or to
 * bytes that fail the context's verification) has no context's copy of
 * the stop path to repair it from: the linked one would be used as it is
 * (A94: pg_report's entry made cli; hlt, context 0's slot pointed
 * nowhere, and the machine halted dead). The stop path's bytes and its
 * constant text are put back first from every other copy there is: each
 * slot's context that decrypts to the magic (read in place through its
 * keystream, without opening it), then the shadow (the encrypted copy of
 * every hashed region taken at arming), which the own key's cell
 * locates. Inlined here, in the code that found the context unusable:
 * no routine an attacker could patch first stands between. */
static inline uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Plain word w of an image kept under the XOR stream of key (plain:
 * not encrypted). */
static inline uint64_t image_word(const volatile uint64_t *img, uint64_t key, bool plain, uint64_t w)
{
	return img[w] ^ (plain ? 0 : mix(key + (w + 1) * PG_GOLDEN));
}

static inline uint8_t image_byte(const volatile uint64_t *img, uint64_t key, bool plain, uint64_t off)
{
	return (uint8_t)(image_word(img, key, plain, off / 8) >> (8 * (off & 7)));
}

/* Put [lo, hi) back from the image's bytes at off when they differ. */
static inline void repair_from(const volatile uint64_t *img, uint64_t key, bool plain, uint64_t off, uint64_t lo,
			       uint64_t hi)
{
	volatile uint8_t *live = (volatile uint8_t *)lo;
	uint64_t n = hi - lo, i = 0;
	while (i < n && live[i] == image_byte(img, key, plain, off + i))
		i++;
	if (i == n)
		return;
	uint64_t cr0;
	pg.hold++;
	__asm__ volatile("cli; mov %%cr0, %0" : "=r"(cr0)::"memory");
	__asm__ volatile("mov %0, %%cr0" ::"r"(cr0 & ~(1ull << 16)) : "memory");
	for (; i < n; i++)
		live[i] = image_byte(img, key, plain, off + i);
	__asm__ volatile("mov %0, %%cr0" ::"r"(cr0) : "memory");
	pg.hold--;
}

static inline void stop_repair_any(void)
{
	uint64_t lo = (uint64_t)__pg_stop_start, hi = (uint64_t)__pg_stop_end;
	uint64_t dlo = (uint64_t)__pg_stop_data_start, dhi = (uint64_t)__pg_stop_data_end;
	if (hi - lo > PG_STOP_CODE_MAX || dhi - dlo > PG_STOP_DATA_MAX)
		return;
	for (uint32_t i = 0; i < 2; i++) {
		const volatile struct pg_slot *s = &pg.slot[i];
		uint64_t key = s->key;
		const volatile uint64_t *c = (const volatile uint64_t *)(s->enc ^ rotl(key, SLOT_ROT));
		if (((uint64_t)c >> 47) != 0x1FFFF || ((uint64_t)c & 7) || s->size < sizeof(struct pg_context) ||
		    !pg_mapped((const void *)c, sizeof(struct pg_context)))
			continue;
		bool plain = c[0] == PG_CONTEXT_MAGIC; /* open: decrypted in place */
		if (!plain && image_word(c, key, false, 0) != PG_CONTEXT_MAGIC)
			continue;
		repair_from(c, key, plain, offsetof(struct pg_context, stop_code), lo, hi);
		repair_from(c, key, plain, offsetof(struct pg_context, stop_data), dlo, dhi);
	}
	uint64_t ck = pg_cell_key;
	const volatile uint64_t *cell = (const volatile uint64_t *)(pg_cell_enc ^ rotl(ck, PG_CELL_ROT));
	if (((uint64_t)cell >> 47) != 0x1FFFF || ((uint64_t)cell & 7) || !pg_mapped((const void *)cell, PG_CELL_WORDS * 8))
		return;
	uint64_t shadow = image_word(cell, ck, false, 2), skey = image_word(cell, ck, false, 3);
	uint64_t code_off = image_word(cell, ck, false, 4), data_off = image_word(cell, ck, false, 5);
	const volatile uint64_t *sh = (const volatile uint64_t *)shadow;
	if ((shadow >> 47) != 0x1FFFF || (shadow & 7))
		return;
	if (code_off != PG_NO_SHADOW && pg_mapped((const void *)(shadow + code_off), hi - lo))
		repair_from(sh, skey, false, code_off, lo, hi);
	if (data_off != PG_NO_SHADOW && pg_mapped((const void *)(shadow + data_off), dhi - dlo))
		repair_from(sh, skey, false, data_off, dlo, dhi);
}

/* The context is unusable: repair the stop path from another copy, then
 * report with none. */
#define open_failed(record, addr)                                                                          \
	do {                                                                                               \
		pg_block_nmis(pg.lapic_mmio);                                                              \
		stop_repair_any();                                                                         \
		pg_report(NULL, (record), (addr), KPP_PG_CHECKER_CONTEXT);                                 \
	} while (0)

struct pg_context *pg_open(int i)
{
	/* Interrupts masked while the context is in flight (its slot and
	 * bytes half done): no tick ever finds "hold" set by a pass, so the
	 * tick hook may open a context of its own (A141). */
	uint64_t f = irq_save();
	pg.hold++; /* the NMI watchdog waits */
	struct pg_slot *s = &pg.slot[i];
	struct pg_context *c = (struct pg_context *)(s->enc ^ rotl(s->key, SLOT_ROT));
	/* A slot an attacker rewrote must not make the checker fault. */
	if (((uint64_t)c >> 47) != 0x1FFFF || !pg_mapped(c, s->size))
		open_failed(s, (uint64_t)s);
	pg_crypt(c, SUM_FROM * 8, s->key);
	uint64_t sum = pg_crypt_sum(c, s->size / 8, SUM_FROM, s->key, true);
	if (c->magic != PG_CONTEXT_MAGIC || c->selfhash != sum ||
	    c->nregions > c->capacity || sizeof *c + c->capacity * sizeof(struct pg_region) != s->size)
		open_failed(s, (uint64_t)c);
	/* Open, then busy: a busy flag always has a decrypted context behind
	 * it (the tick hook checks that). */
	pg.open = c;
	pg.busy_since = ticks();
	pg.busy = true;
	pg.hold--;
	irq_restore(f);
	if (pg.live || pg_records_armed())
		verify_state(c);
	return c;
}

void pg_close(int i, struct pg_context *c)
{
	struct pg_slot *s = &pg.slot[i];
	uint64_t key = pg_next(&c->rng);
	uint64_t f = irq_save();
	pg.hold++;
	pg.busy = false;
	c->selfhash = pg_crypt_sum(c, s->size / 8, SUM_FROM, key, false);
	pg_crypt(c, SUM_FROM * 8, key);
	s->key = key;
	s->enc = (uint64_t)c ^ rotl(key, SLOT_ROT);
	pg.open = NULL;
	pg.hold--;
	irq_restore(f);
}

/* The context the interrupted code has open: pg.open when "busy" is set
 * and a slot leads to it, else NULL. "open" and "busy" are plain data: a
 * pointer set from elsewhere would choose the context whose checks run
 * and whose private stop routine a detection calls. */
struct pg_context *pg_open_now(void)
{
	struct pg_context *c = pg.open;
	if (!pg.busy || !c)
		return NULL;
	for (uint32_t i = 0; i < 2 && i < pg.ncontexts; i++) {
		const volatile struct pg_slot *s = &pg.slot[i];
		if ((uint64_t)c == (s->enc ^ rotl(s->key, SLOT_ROT)) && pg_mapped(c, sizeof *c) &&
		    c->magic == PG_CONTEXT_MAGIC)
			return c;
	}
	return NULL;
}

/* The pass count inside context i, read through its slot without opening
 * it (two words of keystream): the count only a pass increments, under the
 * stream key only a close sets. ~0 when the slot leads to no context (its
 * magic). Not while a context is being opened or closed (pg.hold). */
uint64_t pg_slot_passes(int i)
{
	volatile struct pg_slot *s = &pg.slot[i];
	const uint64_t w = offsetof(struct pg_context, passes) / 8;
	/* An NMI that borrows a context (nmi.c: the interrupted code had
	 * interrupts masked for three tick periods by the TSC, which a host
	 * that stops the machine inside the tick hook also gives) closes it
	 * under a new key: between the loads of the slot, or between them
	 * and the loads of the context (0x101 on QEMU without -icount, no
	 * attack). Read again then; the tick hook and the NMI run on one
	 * processor, so it settles at once. */
	for (int tries = 0;; tries++) {
		uint64_t key = s->key, enc = s->enc, n = ~0ull;
		const uint64_t *c = (const uint64_t *)(enc ^ rotl(key, SLOT_ROT));
		if (((uint64_t)c >> 47) == 0x1FFFF && pg_mapped(c, s->size) &&
		    (c[0] ^ pg_mix64(key + PG_GOLDEN)) == PG_CONTEXT_MAGIC)
			n = c[w] ^ pg_mix64(key + (w + 1) * PG_GOLDEN);
		if ((key == s->key && enc == s->enc) || tries == 3)
			return n;
	}
}

/* Context i's pass count also while a pass runs: read in the open context
 * when the slot leads to the one the interrupted code has open
 * (pg_open_now), else through the slot; ~0 as pg_slot_passes. On a host
 * that gives the machine less time than the profile's passes take (QEMU
 * without -icount, loaded), passes run back to back, and a count read only
 * while none ran was not seen to move for long (0x101, no attack). Not
 * while a context is being opened or closed (pg.hold). */
uint64_t pg_passes_now(int i, const struct pg_context *open)
{
	const volatile struct pg_slot *s = &pg.slot[i];
	if (open && (uint64_t)open == (s->enc ^ rotl(s->key, SLOT_ROT)))
		return open->passes;
	return pg_slot_passes(i);
}

/* Before any mismatch is reported: the code that found it (a flip in the
 * hash makes every region it hashes mismatch, one in the dispatch on the
 * check kind sends a sound region down the wrong check), reported as the
 * change of code it is when that is what changed. */
void pg_check_self(struct pg_context *c)
{
	for (uint32_t i = 0; i < c->nregions; i++) {
		uint64_t addr;
		if (pg_early(&c->r[i]) == 1 && pg_check_region(c, &c->r[i], &addr))
			pg_detect(c, &c->r[i], addr, c->r[i].type);
	}
}

static bool covered(const struct pg_context *c, uint32_t i) { return c->covered[i / 64] >> (i % 64) & 1; }

/* The regions that cost a pass the most: the text and read-only data
 * chunks (and drivers' text), some 4 KiB hashed each, and the cross-walks
 * of lists. */
static bool bulk(const struct pg_region *r)
{
	return ((r->type == KPP_PG_FUNCTION || r->type == KPP_PG_GENERIC_DATA) && r->size > BULK_MIN) || pg_walk(r) ||
	       r->check == PG_CHECK_MODTEXT;
}

/* Which regions a pass checks is drawn when it starts, from fresh entropy
 * (not from anything stored): every region not yet checked in this round
 * of PG_ROUND passes is taken with probability quota/left, so that the
 * round's last pass takes whatever is left (each region at least once per
 * round), and every other region with probability 1/extra_den. */
uint32_t pg_pass(struct pg_context *c, uint32_t trigger)
{
	uint32_t n = c->nregions, checked = 0, left = 0;
	/* windows: a random pass, whose tick no driver can foresee, takes
	 * every region but the bulk ones: the tables, the registers, the
	 * small data. Its passes come minutes apart, and each took a given
	 * region with the odds of its draw (most rounds' sure passes are the
	 * timer's, which a driver sees coming): one that stepped out of every
	 * announced pass was found after a median of 13 minutes, past the
	 * profile's bound (A145). */
	bool small_all = trigger == KPP_PG_TRIGGER_RANDOM && c->extra_den >= 32;
	uint64_t sel = pg_entropy() ^ pg_next(&c->rng);
	/* The page tables first, on every pass and while the TLB still holds
	 * the translations in use: an entry that broke a mapping the kernel
	 * (and this pass) runs on is put back and reported here, where the
	 * flush below would leave no code to report it with. */
	for (uint32_t i = 0; i < n; i++) {
		struct pg_region *r = &c->r[i];
		uint64_t addr;
		if (pg_early(r) != 2)
			continue;
		c->covered[i / 64] |= 1ull << (i % 64);
		checked++;
		if (pg_check_region(c, r, &addr)) {
			pg_check_self(c);
			pg_ptes_repair(c, r);
			pg_detect(c, r, addr, r->type);
		}
	}
	pg_flush_tlb(); /* no translation cached before now is used below */
	for (uint32_t i = 0; i < n; i++)
		left += !covered(c, i);
	uint32_t passes_left = PG_ROUND - c->round_pass;
	uint32_t quota = (left + passes_left - 1) / passes_left;
	for (uint32_t i = 0; i < n; i++) {
		bool take;
		if (pg_early(&c->r[i]) == 2)
			continue;
		if (!covered(c, i)) {
			take = pg_uniform(&sel, 0, left - 1) < quota;
			left--;
			quota -= take;
		} else {
			take = pg_next(&sel) % c->extra_den == 0;
		}
		/* Where other regions are taken rarely (1/32: windows, whose
		 * passes come minutes apart), hidden code on every pass: a round
		 * of four passes of each context ran past the profile's bound
		 * (A150: 5 of 20 seeds within 9 minutes). */
		take |= c->extra_den >= 32 && c->r[i].check == PG_CHECK_HIDDEN_CODE;
		take |= small_all && !bulk(&c->r[i]);
		if (!take)
			continue;
		c->covered[i / 64] |= 1ull << (i % 64);
		uint64_t addr;
		checked++;
		if (pg_check_region(c, &c->r[i], &addr)) {
			/* A flip in the checking code itself can make a sound
			 * region look changed: that code is reported first. */
			pg_check_self(c);
			pg_detect(c, &c->r[i], addr, c->r[i].type);
		}
	}
	pg_touch_tables();
	if (++c->round_pass == PG_ROUND) {
		c->round_pass = 0;
		c->covered[0] = c->covered[1] = 0;
	}
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
	/* The instructions include those the tick hook and the watchdog spent
	 * since the last report, so the share is PatchGuard's whole cost. */
	uint64_t args[6] = {id, checked, clock_ns(), rdtsc() - tsc0 + pg.hook_cost, pg.passes[id], trigger};
	pg.hook_cost = 0;
	event_post(KPP_EV_PG_PASS, args, 6, NULL);
}
