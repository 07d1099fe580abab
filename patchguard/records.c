/* The triggers' own records, sealed. Each trigger keeps state of its own
 * apart from struct pg_state: that it was started, its limits and rates as
 * armed (the NMI's idle limit, the instruction-fetch probe's rate, the
 * tick hook's longest allowed delay), and the running counts it compares
 * (the last pass counts it saw, the NMI's idle and stall counts, the
 * pages the probe's round has visited, the PIT watchdog's stall and pace
 * counts). All of it is plain data an attacker who has read the built
 * image can find and set.
 *
 * So it is sealed: a keyed hash (SipHash-1-3) under the *own key*, a
 * per-boot secret that lives in no plain variable: one word, encrypted
 * with its own stream key, at a random place in the random bytes around a
 * context in its pool block (a cell, reached like a slot reaches its
 * context; it also holds the profile as armed and its tag under the own
 * key, and where the shadow keeps the stop path's copy, A94). The constant records of
 * every trigger and the schedule's plain copies are hashed once at
 * arming and compared whenever a context opens, and by the NMI, which
 * nothing but the hardware starts (its I/O APIC route is programmed last,
 * so every NMI that comes finds PatchGuard armed): on every NMI in the
 * test profile, on one in 4 (drawn from fresh entropy) in fast and one in
 * 512 (drawn from the TSC) in windows, by the profile the cell holds; an
 * NMI that goes by windows on a machine whose plain profile is another is
 * a detection (A91). The running counts of
 * the tick hook, the PIT watchdog and the NMI are hashed again after
 * every change and verified before each use (not in the windows profile,
 * whose budget is a hundred times smaller). Setting any of them without
 * the own key, and so without re-sealing, is a detection (0x101). */
#include <kpp/cpu.h>
#include "pg.h"

#define CELL_ROT PG_CELL_ROT

static uint64_t records_tag;
uint64_t pg_cell_enc, pg_cell_key;
#define cell_enc pg_cell_enc
#define cell_key pg_cell_key

static uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

/* Word 0 of the cell: the own key. Word 1 (the profile as armed, XORed
 * with the cell's key alone: read on every NMI) is pg_sealed_profile. */
static uint64_t cell_word(unsigned i)
{
	volatile uint64_t *cell = (volatile uint64_t *)(cell_enc ^ rotl(cell_key, CELL_ROT));
	/* A cell pointer set by someone else gives a key that hashes nothing
	 * as sealed: a detection, not a fault. */
	if (((uint64_t)cell >> 47) != 0x1FFFF || ((uint64_t)cell & 7))
		return ~0ull;
	return cell[i] ^ pg_mix64(cell_key + (i + 1) * PG_GOLDEN);
}

uint64_t pg_own_key(void) { return cell_word(0); }

/* Whether the checks that the windows profile's budget leaves out run:
 * by the profile sealed in the cell, not the plain one. */
bool pg_sealed_checks(void) { return pg_sealed_profile() != KPP_PG_PROFILE_WINDOWS; }

uint64_t pg_tag(const void *p, size_t len)
{
	uint64_t own = pg_own_key();
	const uint64_t key[2] = {own, own ^ 0x7265636F72647321ull}; /* "records!" */
	return pg_siphash(key, p, len);
}

/* The profile's tag under the own key: word 6 of the cell. The profile
 * word (1) is read on every NMI and kept under the cell's plain key only
 * (one XOR), so what it says is believed only with this tag, which takes
 * the own key to forge (A91). One mix, not SipHash: the NMI computes it
 * in the windows profile, whose budget counts every instruction. */
#define PROFILE_SALT 0x70726F66696C6521ull /* "profile!" */
static uint64_t profile_tag(uint64_t profile) { return pg_mix64(pg_own_key() ^ PROFILE_SALT ^ profile); }

bool pg_cell_profile_ok(void) { return cell_word(6) == profile_tag(pg_sealed_profile()); }

/* The constant records: every trigger's, and the schedule's and the
 * hardware's as armed. */
uint32_t pg_records(uint64_t *w)
{
	uint32_t n = 0;
	n += pg_tick_records(w + n);
	n += pg_nmi_records(w + n);
	n += pg_watchdog_records(w + n);
	n += pg_trigger_records(w + n);
	n += pg_rescue_records(w + n);
	w[n++] = (uint64_t)pg.profile | (uint64_t)pg.ncontexts << 8 | (uint64_t)pg.armed << 16 |
		 (uint64_t)pg.live << 17 | (uint64_t)pg.wd_armed << 18 | (uint64_t)pg.nmi_armed << 19 |
		 (uint64_t)pg.wd_on_nmi << 20 | (uint64_t)pg.rdrand << 21 | (uint64_t)pg.nlapic << 24 | (uint64_t)pg.random_per_tick << 32;
	w[n++] = pg.stride_mask;
	w[n++] = pg.max_delay_ticks;
	w[n++] = pg.grace_ticks;
	w[n++] = pg.delay_min_ns;
	w[n++] = pg.delay_max_ns;
	w[n++] = (uint64_t)pg.piggy_min | (uint64_t)pg.piggy_max << 32;
	w[n++] = (uint64_t)pg.wd_stalls_max | (uint64_t)pg.pit_count << 32;
	w[n++] = (uint64_t)pg.wd_spacing | (uint64_t)pg.nmi_idle_max << 32;
	w[n++] = (uint64_t)pg.timer;
	w[n++] = (uint64_t)pg.dpc;
	w[n++] = (uint64_t)pg.extra_dpc;
	w[n++] = (uint64_t)pg.lapic_mmio;
	w[n++] = (uint64_t)pg.ioapic;
	w[n++] = (uint64_t)pg.ioapic_lo | (uint64_t)pg.ioapic_hi << 32;
	w[n++] = (uint64_t)pg.hk_timer;
	w[n++] = (uint64_t)pg.hk_dpc;
	w[n++] = (uint64_t)pg.hk_routine;
	w[n++] = (uint64_t)pg.hk_count | (uint64_t)pg.hk_count_armed << 48;
	w[n++] = (uint64_t)pg.tick_handler;
	w[n++] = (uint64_t)pg.wd_handler;
	w[n++] = (uint64_t)pg.pic_table;
	w[n++] = (uint64_t)pg.vec_table;
	for (uint32_t i = 0; i < PG_LAPIC_REGS; i++) {
		w[n++] = (uint64_t)pg.lapic[i].reg | (uint64_t)pg.lapic[i].mask << 32;
		w[n++] = pg.lapic[i].expect;
	}
	return n;
}

/* At arming, after every trigger started: the own key's cell in the
 * random bytes of block [lo, hi) outside the context at [c, c + size),
 * and the records' hash. */
void pg_records_arm(uint8_t *lo, uint8_t *hi, const void *c, uint64_t size)
{
	uint64_t before = ((uint64_t)c - (uint64_t)lo) / 8, after = ((uint64_t)hi - ((uint64_t)c + size)) / 8;
	uint64_t *cell = before >= after ? (uint64_t *)ALIGN_UP((uint64_t)lo, 8) + pg_uniform(&pg.rng, 0, before - PG_CELL_WORDS)
					 : (uint64_t *)ALIGN_UP((uint64_t)c + size, 8) + pg_uniform(&pg.rng, 0, after - PG_CELL_WORDS);
	cell_key = pg_next(&pg.rng);
	cell[0] = pg_next(&pg.rng) ^ pg_mix64(cell_key + PG_GOLDEN);
	cell[1] = (uint64_t)pg.profile ^ cell_key;
	cell_enc = (uint64_t)cell ^ rotl(cell_key, CELL_ROT);
	cell[6] = profile_tag((uint64_t)pg.profile) ^ pg_mix64(cell_key + 7 * PG_GOLDEN);
	uint64_t w[PG_RECORDS];
	uint32_t n = pg_records(w);
	records_tag = pg_tag(w, n * 8);
}

/* Words 2-5 of the cell: where the shadow (the encrypted copy of every
 * hashed region taken at arming, pool memory) keeps the stop path's text
 * and its constant text, and the shadow's key: the copy a detection with
 * no usable context repairs the stop path from (A94). */
void pg_records_stop_copy(uint64_t shadow, uint64_t key, uint64_t code_off, uint64_t data_off)
{
	uint64_t *cell = (uint64_t *)(cell_enc ^ rotl(cell_key, CELL_ROT));
	uint64_t w[4] = {shadow, key, code_off, data_off};
	for (unsigned i = 0; i < 4; i++)
		cell[2 + i] = w[i] ^ pg_mix64(cell_key + (3 + i) * PG_GOLDEN);
}

bool pg_records_armed(void) { return records_tag != 0; }

/* The records against their hash: 0x101 when one changed. */
void pg_records_check(void)
{
	uint64_t w[PG_RECORDS];
	uint32_t n = pg_records(w);
	if (pg_tag(w, n * 8) != records_tag)
		pg_fail(&records_tag, (uint64_t)&records_tag, KPP_PG_CHECKER_CONTEXT);
}
