/* PatchGuard: options, arming, the announcement for the host, the shell's
 * status and the sealing API. See docs/patchguard.md and kpp/patchguard.h. */
#include <kpp/bugcheck.h>
#include <kpp/cpu.h>
#include <kpp/event.h>
#include <kpp/intr.h>
#include <kpp/kernel.h>
#include <kpp/mm.h>
#include <kpp/module.h>
#include <kpp/multiboot.h>
#include <kpp/patchguard.h>
#include <kpp/printk.h>
#include <kpp/string.h>
#include <kpp/time.h>
#include "pg.h"

#define MAX_REGIONS PG_MAX_REGIONS
#define SEAL_ROOM 16 /* records kept free for pg_seal_register */
#define SECOND_CONTEXT_PER_MILLE 600
#define SLACK_BYTES 512 /* room for a random offset inside a context's block */
#define CPUID1_ECX_RDRAND (1u << 30)
#define MS 1000000ul
/* Unremarkable pool tags. */
#define TAG_CONTEXT0 POOL_TAG('I', 'o', 'N', 'm')
#define TAG_CONTEXT1 POOL_TAG('O', 'b', 'S', 'q')
#define TAG_SHADOW POOL_TAG('M', 'm', 'S', 't')
#define TAG_TIMER POOL_TAG('K', 'e', 'T', 'm')

struct pg_state pg;

/* grace: ticks a due pass may wait in the DPC queue; random: a random pass
 * with probability 1/random per full tick-hook check (stride: the hook's
 * full checks run on one tick in stride; mean interval random * stride
 * ticks); extra:
 * a region already checked in the current round joins a pass with
 * probability 1/extra; stalls: watchdog interrupts without a tick; pit:
 * PIT channel 0's count (the watchdog's and the NMI's period: 65536 is
 * 18.2 Hz); spacing: the TSC of 16 ticks over this is half a PIT period;
 * nmi_idle: NMIs without a finished pass before the NMI watchdog reports
 * one missed (twice the profile's worst-case latency); wd_on_nmi: the
 * watchdog's checks run from every 32nd NMI instead of a maskable
 * interrupt of their own (the windows profile: one interrupt per PIT period
 * instead of two). */
static const struct {
	const char *name;
	uint64_t first_min, first_max, period_min, period_max;
	uint32_t piggy_min, piggy_max;
	uint64_t grace;
	uint32_t random, extra, stalls, stride;
	uint32_t pit, spacing, nmi_idle;
	bool wd_on_nmi;
} profiles[] = {
	[KPP_PG_PROFILE_FAST] = {"fast", 2000 * MS, 4000 * MS, 1000 * MS, 3000 * MS, 1, 3, 50, 100, 4, 4, 1,
				 65536, 6, 583},
	[KPP_PG_PROFILE_WINDOWS] = {"windows", 120000 * MS, 130000 * MS, 120000 * MS, 130000 * MS, 240, 260, 200,
				    1600, 32, 4, 32, 65536, 6, 19660, true},
	/* Four times the PIT rate (72.8 Hz): the NMI watchdog answers a hang
	 * with interrupts masked within the tests' bounds; eight stalls are
	 * the two of the other profiles' PIT period. */
	[KPP_PG_PROFILE_TEST] = {"test", 10 * MS, 20 * MS, 5 * MS, 15 * MS, 1, 1, 5, 2, 2, 8, 1, 16384, 24, 22},
};

struct pg_trigger_objects {
	struct ktimer timer;
	struct dpc dpc, extra;
};

static struct pg_region enumerated[MAX_REGIONS];
static bool seeded;

/* Per-boot entropy: RDRAND when CPUID advertises it, else TSC mixing. */
static uint64_t hw_random(void)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (c & CPUID1_ECX_RDRAND)
		for (int i = 0; i < 10; i++) {
			uint64_t v;
			uint8_t ok;
			__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
			if (ok)
				return v;
		}
	uint64_t z = 0;
	for (int i = 0; i < 8; i++)
		z = pg_mix64(z ^ rdtsc());
	return z;
}

static void parse_options(void)
{
	char v[32];
	pg.profile = KPP_PG_PROFILE_FAST;
	if (cmdline_get("pg", v, sizeof v) && !strcmp(v, "off"))
		pg.off = true;
	if (cmdline_get("kd", v, sizeof v) && strcmp(v, "0"))
		pg.kd = true;
	if (cmdline_get("pg.arm", v, sizeof v) && !strcmp(v, "late"))
		pg.late = true;
	if (cmdline_get("pg.telemetry", v, sizeof v) && !strcmp(v, "1"))
		pg.telemetry = true;
	if (cmdline_get("pg.profile", v, sizeof v)) {
		for (size_t i = 0; i < ARRAY_SIZE(profiles); i++)
			if (!strcmp(v, profiles[i].name))
				pg.profile = (int)i;
	}
	uint64_t seed;
	if (cmdline_get("pg.seed", v, sizeof v) && parse_u64(v, &seed)) {
		pg.seed = seed;
		seeded = true;
	}
}

static bool has_shadow(const struct pg_region *r)
{
	switch (r->check) {
	case PG_CHECK_HASH:
	case PG_CHECK_POINTERS:
	case PG_CHECK_SERVICE:
	case PG_CHECK_IDT:
	case PG_CHECK_GDT:
	case PG_CHECK_OBJTYPE:
	case PG_CHECK_PTES: return true;
	}
	return false;
}

static void fill_context(struct pg_context *c, uint32_t id, uint32_t n, uint32_t capacity, uint8_t *shadow,
			 uint64_t shadow_size, uint64_t shadow_key)
{
	c->magic = PG_CONTEXT_MAGIC;
	c->key[0] = pg_next(&pg.rng);
	c->key[1] = pg_next(&pg.rng);
	c->rng = pg_next(&pg.rng);
	c->shadow = shadow;
	c->shadow_size = shadow_size;
	c->shadow_key = shadow_key;
	c->id = id;
	c->trigger = id == 0 ? KPP_PG_TRIGGER_TIMER : KPP_PG_TRIGGER_PIGGY;
	c->nregions = n;
	c->capacity = capacity;
	c->extra_den = profiles[pg.profile].extra;
	c->profile = (uint32_t)pg.profile;
	c->ncontexts = pg.ncontexts;
	c->random_per_tick = pg.random_per_tick;
	c->delay_min_ns = pg.delay_min_ns;
	c->delay_max_ns = pg.delay_max_ns;
	c->grace_ticks = pg.grace_ticks;
	c->stride_mask = pg.stride_mask;
	c->extra_dpc = pg.extra_dpc;
	c->hk_timer = pg.hk_timer;
	c->hk_dpc = pg.hk_dpc;
	c->hk_routine = pg.hk_routine;
	c->hk_count = pg.hk_count;
	c->hk_count_armed = pg.hk_count_armed;
	c->tick_handler = pg.tick_handler;
	c->wd_handler = pg.wd_handler;
	c->pic_table = pg.pic_table;
	c->vec_table = pg.vec_table;
	c->nlapic = pg.nlapic;
	memcpy(c->lapic, pg.lapic, sizeof c->lapic);
	c->ioapic = pg.ioapic;
	c->ioapic_lo = pg.ioapic_lo;
	c->ioapic_hi = pg.ioapic_hi;
	c->nmi_idle_max = pg.nmi_idle_max;
	c->pit_count = pg.pit_count;
	c->stop = pg_stop;
	c->stop_lo = (uint64_t)__pg_stop_start;
	c->stop_hi = (uint64_t)__pg_stop_end;
	c->stop_data_lo = (uint64_t)__pg_stop_data_start;
	c->stop_data_hi = (uint64_t)__pg_stop_data_end;
	if (c->stop_hi - c->stop_lo <= PG_STOP_CODE_MAX && c->stop_data_hi - c->stop_data_lo <= PG_STOP_DATA_MAX) {
		memcpy(c->stop_code, __pg_stop_start, c->stop_hi - c->stop_lo);
		memcpy(c->stop_data, __pg_stop_data_start, c->stop_data_hi - c->stop_data_lo);
	} else {
		c->stop_lo = c->stop_hi = 0;
	}
	c->timer_set = timer_set;
	c->lapic_read = lapic_read;
	c->lapic_mmio = pg.lapic_mmio;
	c->timer_routine = pg_timer_dpc;
	c->timer = pg.timer;
	c->dpc = pg.dpc;
	c->modlist_head = &module_list;
	c->modtable = module_table;
	c->text_lo = (uint64_t)__text_start;
	c->text_hi = (uint64_t)__text_end;
	struct {
		uint16_t limit;
		uint64_t base;
	} PACKED d;
	__asm__ volatile("sidt %0" : "=m"(d));
	c->idt_base = d.base;
	c->idt_limit = d.limit;
	c->rescue_entry = pg_rescue_entry;
	__asm__ volatile("sgdt %0" : "=m"(d));
	c->gdt_base = d.base;
	c->gdt_limit = d.limit;
	__asm__ volatile("str %0" : "=r"(c->tr));
	for (uint32_t i = 0; i < n; i++) {
		c->r[i] = enumerated[i];
		if (c->r[i].check == PG_CHECK_MODTEXT)
			pg_modtext_arm(c, &c->r[i]);
		pg_seal_region(c, &c->r[i]);
	}
}

/* The shadow offset of the bytes [lo, hi) when the shadow holds them in
 * one piece, else PG_NO_SHADOW. */
static uint64_t shadow_of(uint32_t n, uint64_t lo, uint64_t hi)
{
	uint64_t first = PG_NO_SHADOW, last = PG_NO_SHADOW;
	for (uint32_t i = 0; i < n && hi > lo; i++) {
		const struct pg_region *r = &enumerated[i];
		if (r->shadow == PG_NO_SHADOW)
			continue;
		if (lo >= r->base && lo - r->base < r->size)
			first = r->shadow + (lo - r->base);
		if (hi - 1 >= r->base && hi - 1 - r->base < r->size)
			last = r->shadow + (hi - 1 - r->base);
	}
	return first != PG_NO_SHADOW && last != PG_NO_SHADOW && last - first == hi - 1 - lo ? first : PG_NO_SHADOW;
}

static void announce(void)
{
	uint64_t args[5] = {pg.seed, pg.nregions, pg.ncontexts, (uint64_t)pg.profile, pg.first_delay_ns};
	event_post(KPP_EV_PG_ARMED, args, 5, profiles[pg.profile].name);
	for (uint32_t i = 0; i < pg.nregions; i++) {
		const struct pg_region *r = &enumerated[i];
		uint64_t a[5] = {r->base, r->size, r->type, pg_region_kind(r), i};
		event_post(KPP_EV_PG_REGION, a, 5, pg_type_name(r->type));
	}
}

/* SipHash-1-3 of message 00..0e under key 00..0f (the reference
 * algorithm's test input; 0xA129CA6149BE45E5 with SipHash-2-4), so a
 * miscompiled or misemulated hash never arms a checker that would fire. */
#define SIPHASH_VECTOR 0xD320D86D2A519956ull

static bool siphash_ok(void)
{
	uint64_t key[2] = {0x0706050403020100ull, 0x0F0E0D0C0B0A0908ull};
	uint8_t msg[15];
	for (unsigned i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)i;
	return pg_siphash(key, msg, sizeof msg) == SIPHASH_VECTOR;
}

static void arm(void)
{
	if (!siphash_ok()) {
		printk("pg: not armed: SipHash self-test failed\n");
		return;
	}
	uint32_t a, b, cx, d;
	cpuid(1, 0, &a, &b, &cx, &d);
	pg.rdrand = cx & CPUID1_ECX_RDRAND;
	if (!seeded)
		pg.seed = hw_random();
	pg.rng = pg.seed;
	const typeof(profiles[0]) *p = &profiles[pg.profile];
	pg.delay_min_ns = p->period_min;
	pg.delay_max_ns = p->period_max;
	pg.piggy_min = p->piggy_min;
	pg.piggy_max = p->piggy_max;
	pg.grace_ticks = p->grace;
	pg.random_per_tick = p->random;
	pg.wd_stalls_max = p->stalls;
	pg.pit_count = p->pit;
	pg.wd_spacing = p->spacing;
	pg.nmi_idle_max = p->nmi_idle;
	pg.wd_on_nmi = p->wd_on_nmi;
	pg.stride_mask = p->stride - 1;
	pg.max_delay_ticks = (p->first_max > p->period_max ? p->first_max : p->period_max) / NSEC_PER_TICK + 1;
	pg.first_delay_ns = pg_uniform(&pg.rng, p->first_min, p->first_max);
	pg.ncontexts = pg_uniform(&pg.rng, 0, 999) < SECOND_CONTEXT_PER_MILLE ? 2 : 1;

	/* The trigger objects and hook points first: the tables they enter
	 * (housekeeping, the PIC's handlers) are sealed below. */
	struct pg_trigger_objects *objs = pool_alloc(sizeof(struct pg_trigger_objects), TAG_TIMER);
	if (!objs) {
		printk("pg: not armed: out of memory\n");
		return;
	}
	pg.timer = &objs->timer;
	pg.dpc = &objs->dpc;
	pg.extra_dpc = &objs->extra;
	pg_triggers_init();
	pg_nmi_init();
	pg_watchdog_init();

	uint32_t n = pg_enumerate(enumerated, MAX_REGIONS - SEAL_ROOM);
	uint32_t capacity = n + SEAL_ROOM;
	uint64_t shadow_size = 0;
	for (uint32_t i = 0; i < n; i++)
		if (has_shadow(&enumerated[i])) {
			enumerated[i].shadow = shadow_size;
			shadow_size += ALIGN_UP(enumerated[i].size, 8);
		}
	pg.nregions = n;

	/* Both context blocks always exist (the second is random bytes when
	 * unused), so pool usage does not tell how many there are; each
	 * context sits at a random offset inside its block, the rest of which
	 * is random bytes too. Block sizes are fixed so the pool statistics
	 * stay the same from boot to boot. */
	uint64_t size = sizeof(struct pg_context) + capacity * sizeof(struct pg_region);
	uint64_t block = size + SLACK_BYTES;
	bool swap = pg_next(&pg.rng) & 1;
	uint8_t *blk[2];
	struct pg_context *ctx[2];
	/* Tags in a fixed order (the pool statistics list them in order of
	 * first use); which block holds which context is random. */
	blk[swap] = pool_alloc(block, TAG_CONTEXT0);
	blk[!swap] = pool_alloc(block, TAG_CONTEXT1);
	uint8_t *shadow = pool_alloc(shadow_size, TAG_SHADOW);
	if (!blk[0] || !blk[1] || !shadow) {
		printk("pg: not armed: out of memory\n");
		return;
	}
	for (int i = 0; i < 2; i++) {
		pg_crypt(blk[i], block, pg_next(&pg.rng));
		ctx[i] = (struct pg_context *)(blk[i] + 16 * pg_uniform(&pg.rng, 0, SLACK_BYTES / 16));
	}

	uint64_t shadow_key = pg_next(&pg.rng);
	for (uint32_t i = 0; i < n; i++)
		if (enumerated[i].shadow != PG_NO_SHADOW)
			memcpy(shadow + enumerated[i].shadow, (const void *)enumerated[i].base, enumerated[i].size);
	pg_crypt(shadow, shadow_size, shadow_key);

	for (uint32_t i = 0; i < 2; i++) {
		pg.slot[i].size = size;
		if (i < pg.ncontexts) {
			memset(ctx[i], 0, size);
			fill_context(ctx[i], i, n, capacity, shadow, shadow_size, shadow_key);
		} else {
			pg.slot[i].key = pg_next(&pg.rng);
			pg.slot[i].enc = (uint64_t)ctx[i] ^ pg_next(&pg.rng);
		}
	}
	pg.armed = true;
	pg.armed_at_tick = ticks();
	announce();
	printk("pg: armed, %u regions, profile %s\n", n, p->name);
	printk("~ pg: %u context(s), seed 0x%lx, first pass in %lu ms\n", pg.ncontexts, pg.seed,
	       pg.first_delay_ns / MS);
	uint64_t f = irq_save();
	pg_triggers_start(ctx[0]);
	for (uint32_t i = 0; i < pg.ncontexts; i++)
		pg_close((int)i, ctx[i]);
	pg_watchdog_start();
	pg_nmi_start();
	pg_tick_start();
	pg.live = true;
	/* The triggers' own records sealed under the own key, whose cell is
	 * in the random bytes of a context's block; then the NMI's route. */
	pg_records_arm(blk[0], blk[0] + block, ctx[0], size);
	pg_records_stop_copy((uint64_t)shadow, shadow_key,
			     shadow_of(n, (uint64_t)__pg_stop_start, (uint64_t)__pg_stop_end),
			     shadow_of(n, (uint64_t)__pg_stop_data_start, (uint64_t)__pg_stop_data_end));
	pg_tick_seal();
	pg_watchdog_seal();
	pg_nmi_route();
	irq_restore(f);
}

void pg_boot(void)
{
	parse_options();
	if (pg.off) {
		printk("pg: disabled (pg=off)\n");
		return;
	}
	if (pg.kd) {
		printk("pg: not armed: kernel debugger attached at boot (kd=1)\n");
		return;
	}
	if (pg.late) {
		printk("pg: arming after the boot drivers (pg.arm=late)\n");
		return;
	}
	arm();
}

void pg_boot_late(void)
{
	if (pg.late && !pg.off && !pg.kd && !pg.armed)
		arm();
	char v[16];
	if (pg.armed && cmdline_get("pg.selftest", v, sizeof v) && !strcmp(v, "seal"))
		pg_selftest_seal();
}

bool pg_armed(void) { return pg.armed; }

void pg_print_status(void)
{
	if (!pg.armed) {
		printk("pg: not armed%s\n", pg.off ? " (pg=off)" : pg.kd ? " (kd=1)" : pg.late ? " (pg.arm=late)" : "");
		return;
	}
	printk("pg: armed, %u regions, profile %s\n", pg.nregions, profiles[pg.profile].name);
	printk("~ pg: %u context(s), passes: timer %lu, piggy-back %lu; last timer pass at tick %lu; %lu watchdog "
	       "interrupts\n",
	       pg.ncontexts, pg.passes[0], pg.passes[1], pg.timer_beat, pg_watchdog_irqs);
}

/* Apply fn to every live context, with the DPCs held off. */
static bool for_contexts(bool (*fn)(struct pg_context *c, const void *base, size_t size, uint32_t type),
			 const void *base, size_t size, uint32_t type)
{
	if (!pg.armed)
		return false;
	bool ok = true;
	uint64_t f = irq_save();
	for (uint32_t i = 0; i < pg.ncontexts; i++) {
		struct pg_context *c = pg_open((int)i);
		ok &= fn(c, base, size, type);
		pg_close((int)i, c);
	}
	irq_restore(f);
	return ok;
}

static uint64_t seal_stride; /* PG_SEAL_LAYOUT of the callbacks being enrolled */

static bool seal_add(struct pg_context *c, const void *base, size_t size, uint32_t type)
{
	if (c->nregions == c->capacity)
		return false;
	struct pg_region *r = &c->r[c->nregions++];
	memset(r, 0, sizeof *r);
	r->base = (uint64_t)base;
	r->size = size;
	r->type = type;
	r->check = PG_CHECK_SEALED;
	r->mask = seal_stride;
	r->shadow = PG_NO_SHADOW;
	pg_seal_region(c, r);
	return true;
}

static bool seal_update(struct pg_context *c, const void *base, size_t size, uint32_t type)
{
	for (uint32_t i = 0; i < c->nregions; i++)
		if (c->r[i].check == PG_CHECK_SEALED && c->r[i].base == (uint64_t)base) {
			pg_seal_region(c, &c->r[i]);
			return true;
		}
	return false;
}

/* The sealing calls are the kernel's own: a caller outside kernel text (a
 * driver that found them and calls them to re-seal its own write) is a
 * detection. Callers inside kernel text are the residual, same-privilege
 * limit (docs/patchguard.md). */
void pg_seal_caller(uint64_t ret)
{
	if (pg.armed && (ret < (uint64_t)__text_start || ret >= (uint64_t)__text_end))
		pg_fail(&pg, ret, KPP_PG_CHECKER_CONTEXT);
}

static bool seal_verify(struct pg_context *c, const void *base, size_t size, uint32_t type);

bool pg_seal_register_callbacks(const void *base, size_t size, uint32_t type, const struct pg_callback_layout *layout)
{
	pg_seal_caller((uint64_t)__builtin_return_address(0));
	seal_stride = 0;
	if (layout) {
		if (layout->stride < 8 || layout->stride > 0xFFFF || layout->second + 8 > layout->stride ||
		    layout->owner + 8 > layout->stride)
			return false;
		seal_stride = PG_SEAL_LAYOUT(layout->stride, layout->second, layout->owner);
	}
	/* A base already enrolled is not enrolled again: its bytes must still
	 * match its seal (a second region over a directly written array would
	 * seal the write in). */
	bool known = for_contexts(seal_verify, base, 0, 0);
	bool ok = !known && for_contexts(seal_add, base, size, type);
	seal_stride = 0;
	if (!ok)
		return known;
	uint64_t a[5] = {(uint64_t)base, size, type, KPP_PG_KIND_SEALED, pg.nregions++};
	event_post(KPP_EV_PG_REGION, a, 5, pg_type_name(type));
	return true;
}

bool pg_seal_register(const void *base, size_t size, uint32_t type)
{
	pg_seal_caller((uint64_t)__builtin_return_address(0));
	return pg_seal_register_callbacks(base, size, type, NULL);
}

bool pg_seal_update(const void *base)
{
	pg_seal_caller((uint64_t)__builtin_return_address(0));
	return for_contexts(seal_update, base, 0, 0);
}

/* The region must still match its seal: a direct write since the last
 * legitimate change is a detection here, before a new seal could take it
 * in. */
static bool seal_verify(struct pg_context *c, const void *base, size_t size, uint32_t type)
{
	for (uint32_t i = 0; i < c->nregions; i++) {
		struct pg_region *r = &c->r[i];
		uint64_t addr;
		if (r->check == PG_CHECK_SEALED && r->base == (uint64_t)base) {
			if (pg_check_region(c, r, &addr))
				pg_detect(c, r, addr, r->type);
			return true;
		}
	}
	return false;
}

bool pg_seal_verify(const void *base)
{
	pg_seal_caller((uint64_t)__builtin_return_address(0));
	return for_contexts(seal_verify, base, 0, 0);
}
