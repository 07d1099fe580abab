/* PatchGuard internals: regions, contexts, hashing and the trigger paths.
 * Only patchguard/ includes this header. */
#ifndef PG_H
#define PG_H

#include <kpp/abi.h>
#include <kpp/time.h>
#include <kpp/trap.h>
#include <kpp/types.h>

/* How a region is checked (the announcement's kind is derived from it). */
enum pg_check {
	PG_CHECK_HASH,     /* keyed hash of the bytes */
	PG_CHECK_POINTERS, /* keyed hash, and every non-null qword points into kernel text */
	PG_CHECK_SERVICE,  /* keyed hash, and every entry points into kernel text */
	PG_CHECK_IDT,      /* IDTR, every gate validated, keyed hash */
	PG_CHECK_GDT,      /* GDTR, TR, LDTR == 0, keyed hash */
	PG_CHECK_MSR,      /* masked compare of an MSR */
	PG_CHECK_CR,       /* masked compare of CR0 or CR4 */
	PG_CHECK_LAPIC,    /* masked compare of a local-APIC register */
	PG_CHECK_MODLIST,  /* loaded-module list vs. the module lookup table */
	PG_CHECK_DRVOBJ,   /* every driver object's dispatch entries */
	PG_CHECK_SEALED,   /* keyed hash updated through pg_seal_update */
	PG_CHECK_PROCLIST, /* active process list vs. the PID table (base: list head, mask: table) */
	PG_CHECK_HANDLELIST, /* handle-table list vs. the processes' tables (base: list head) */
	PG_CHECK_OBJTYPE,  /* keyed hash, and every object type's methods point into kernel text (mask: stride) */
	PG_CHECK_PROTECTED, /* every live process's protection vs. the granted table (base: it, mask: PID table) */
	PG_CHECK_PTES,     /* page-table entries: keyed hash without A/D; mask: VA of the first entry (its meaning checked) */
	PG_CHECK_RSP0,     /* TSS.RSP0 == the current thread's kernel stack top */
	PG_CHECK_ASPACES,  /* every process's PML4 kernel half == the kernel's (base: the kernel's PML4) */
	PG_CHECK_THREADS,  /* every scheduler thread's process is listed (base: the process list head) */
	PG_CHECK_HIDDEN_CODE, /* every timer's and queued DPC's routine lies in kernel or listed-module text */
	PG_CHECK_MODTEXT,  /* every loaded driver's text pages vs. their hashes at load (base: the context's table, modtext.c) */
	PG_CHECK_ONES,     /* every byte all ones (the TSS's I/O-permission map, by construction) */
};

/* A sealed callback array's layout in its region's mask: the entry
 * stride, the offset of a second routine and of the owner's base (0:
 * none; struct pg_callback_layout); a mask of 0 is a plain sealed region. */
#define PG_SEAL_LAYOUT(stride, second, owner) ((uint64_t)(stride) | (uint64_t)(second) << 16 | (uint64_t)(owner) << 32)
#define PG_SEAL_STRIDE(mask) ((mask) & 0xFFFF)
#define PG_SEAL_SECOND(mask) (((mask) >> 16) & 0xFFFF)
#define PG_SEAL_OWNER(mask) (((mask) >> 32) & 0xFFFF)

#define PG_NO_SHADOW (~0ull)
#define PG_IOAPIC_FRAME 0xFEC00000ull /* the I/O APIC's registers (the PC's, QEMU's and kppemu's) */
#define PG_IOAPIC_NMI_REG 0x14 /* the I/O APIC register of pin 2's NMI entry (reported as the address) */
#define PG_WATCH_NMIS 32 /* windows: the watchdog's checks ride on one NMI in this many (nmi.c) */
#define PG_LAPIC_REGS 10 /* the local-APIC registers the watchdog compares (watchdog.c) */

struct pg_region {
	uint64_t base;   /* address; MSR index; CR number; LAPIC register offset */
	uint64_t size;   /* bytes (memory kinds) */
	uint32_t type;   /* KPP_PG_*: parameter 4 of 0x109 */
	uint32_t check;  /* enum pg_check */
	uint64_t expect; /* keyed hash or expected masked value */
	uint64_t mask;   /* masked compares */
	uint64_t shadow; /* offset of the byte copy in the shadow, or PG_NO_SHADOW */
	uint64_t suspect; /* cross-walk kinds: tick of an unconfirmed mismatch + 1 */
};

typedef void (*pg_stop_fn)(uint32_t code, uint64_t p1, uint64_t p2, uint64_t p3, uint64_t p4,
			   const struct trap_frame *tf);
typedef void (*pg_timer_set_fn)(struct ktimer *t, uint64_t delay_ns, uint64_t period_ns);
typedef uint32_t (*pg_lapic_read_fn)(uint32_t reg);

#define PG_CONTEXT_MAGIC 0x7478436B63684B50ull
#define PG_ROUND 4          /* every region is checked at least once per PG_ROUND passes of a context */
#define PG_MAX_REGIONS 128  /* the covered[] bitmap */
#define PG_STOP_CODE_MAX 3072 /* room for the stop path's text in a context */
#define PG_STOP_DATA_MAX 1536 /* and for the constant text it prints */

/* A context: decrypted only while a pass runs. */
struct pg_context {
	uint64_t magic;
	uint64_t selfhash;  /* keyed checksum of everything after this field (pg_crypt_sum) */
	uint64_t key[2];    /* region hash key */
	uint64_t rng;       /* schedule and selection */
	uint64_t shadow_key;
	uint8_t *shadow;
	uint64_t shadow_size;
	uint32_t id, trigger, nregions, capacity, round_pass, extra_den;
	uint64_t passes;
	uint64_t covered[2]; /* regions checked in this round of PG_ROUND passes */
	/* The schedule and the trigger state, as armed: the plain copies in
	 * struct pg_state must match them whenever a context opens. */
	uint32_t profile, ncontexts, random_per_tick, pad0;
	uint64_t delay_min_ns, delay_max_ns, grace_ticks, stride_mask;
	struct dpc *extra_dpc;
	/* What the tick hook, the watchdogs and the NMI compare the machine
	 * with, as armed: the housekeeping timer the piggy-back rides on, the
	 * handler tables and entries, the local APIC's expected registers, the
	 * I/O APIC's NMI entry (A69). */
	const struct ktimer *hk_timer;
	struct dpc *hk_dpc;
	dpc_fn hk_routine;
	const unsigned *hk_count;
	unsigned hk_count_armed, nlapic;
	irq_handler_t tick_handler, wd_handler;
	const irq_handler_t *pic_table, *vec_table;
	struct { uint32_t reg, mask, expect; } lapic[PG_LAPIC_REGS];
	volatile uint32_t *ioapic;
	uint32_t ioapic_lo, ioapic_hi, nmi_idle_max, pit_count;
	/* The stop path's text as armed (.text.pg_stop) and the constant text
	 * it prints (.pg_stop_rodata), put back before use. */
	uint64_t stop_lo, stop_hi, stop_data_lo, stop_data_hi;
	uint8_t stop_code[PG_STOP_CODE_MAX];
	uint8_t stop_data[PG_STOP_DATA_MAX];
	/* Private copies of everything the checker relies on. */
	pg_stop_fn stop;
	pg_timer_set_fn timer_set;
	pg_lapic_read_fn lapic_read;
	volatile uint32_t *lapic_mmio;
	dpc_fn timer_routine;
	struct ktimer *timer;
	struct dpc *dpc;
	void *modlist_head;  /* &module_list */
	void *modtable;      /* module_table */
	uint64_t text_lo, text_hi;
	uint64_t idt_base, gdt_base;
	uint64_t rescue_entry; /* the double-fault gate's target (rescue.c), 0 when not installed */
	uint16_t idt_limit, gdt_limit, tr, pad2;
	struct pg_region r[];
};

/* Static state (patchguard.c). */
struct pg_slot {
	uint64_t enc;  /* context address XOR a rotation of key */
	uint64_t key;  /* stream key of the encrypted context; changes every pass */
	uint64_t size;
};

struct pg_state {
	bool armed, telemetry, late, off, kd;
	volatile bool live;              /* the triggers run (set last at arming) */
	bool rdrand;
	volatile bool busy;              /* a context is open */
	volatile uint64_t busy_since;    /* tick it was opened */
	struct pg_context *open;         /* that context */
	int profile;
	uint64_t seed;
	uint32_t nregions, ncontexts;
	struct pg_slot slot[2];          /* slot[1] is a decoy when ncontexts == 1 */
	struct ktimer *timer;
	struct dpc *dpc;
	uint64_t delay_min_ns, delay_max_ns;
	uint32_t piggy_min, piggy_max, piggy_countdown;
	volatile uint64_t timer_beat;     /* tick of the last timer pass */
	volatile uint64_t timer_deadline; /* tick by which the next must have run */
	volatile uint64_t piggy_beat;     /* tick of the last piggy-back run */
	uint64_t passes[2];
	uint64_t armed_at_tick;
	uint64_t first_delay_ns;
	uint64_t rng;
	/* The tick hook (tick.c) and the random passes. */
	struct dpc *extra_dpc;
	uint32_t random_per_tick;         /* a random pass with probability 1/random_per_tick per tick */
	uint32_t wd_stalls_max;
	uint64_t grace_ticks;             /* lateness allowed to a queued pass */
	uint64_t max_delay_ticks;         /* the longest the timer may be armed for */
	volatile uint64_t tick_seen;      /* the tick count pg_tick saw last */
	uint64_t idle_since;              /* timer neither armed, queued nor running since */
	uint64_t tsc_mark, tick_mark, tsc_ref;
	uint32_t window_calls, tsc_slow;
	uint64_t stir;                    /* entropy fallback */
	/* The watchdog and the time sources as armed. */
	volatile uint64_t wd_beat;        /* tick of the last watchdog interrupt */
	bool wd_armed;
	bool wd_on_nmi;                   /* the watchdog's checks ride on the NMI (IRQ 0 stays masked) */
	irq_handler_t tick_handler;       /* vector_handlers[KPP_VEC_APIC_TIMER] */
	irq_handler_t wd_handler;         /* pic_handlers[0] */
	const irq_handler_t *pic_table, *vec_table;
	const struct ktimer *hk_timer;    /* the housekeeping timer the piggy-back rides on */
	struct dpc *hk_dpc;
	dpc_fn hk_routine;
	const unsigned *hk_count;
	unsigned hk_count_armed;
	struct { uint32_t reg, mask, expect; } lapic[PG_LAPIC_REGS];
	volatile uint32_t *lapic_mmio;   /* the local APIC's registers, as mapped at arming */
	uint32_t nlapic;
	uint64_t passes_random;
	uint64_t stride_mask;             /* the tick hook's full checks run when (tick & stride_mask) == 0 */
	uint64_t hook_cost;               /* TSC spent in the tick hook and the watchdog since the last telemetry */
	uint32_t pit_count;               /* PIT channel 0's count (the watchdog's and the NMI's period) */
	uint32_t wd_spacing;              /* tsc_ref / wd_spacing: half a PIT period */
	volatile uint32_t tick_tsc;       /* low half of the TSC when the tick hook last ran */
	/* The NMI watchdog (nmi.c). */
	bool nmi_armed;
	volatile uint32_t hold;           /* PatchGuard is changing what its checks read (a context, CR4) */
	volatile bool stopping;           /* PatchGuard's stop path has begun */
	volatile uint64_t nmi_beat;       /* tick of the last NMI */
	uint32_t nmi_idle_max;            /* NMIs without a finished pass that make one missed */
	volatile uint32_t *ioapic;        /* the I/O APIC's registers, as mapped at arming */
	uint32_t ioapic_lo, ioapic_hi;    /* the NMI's redirection entry as programmed */
};
extern struct pg_state pg;

/* siphash.c */
uint64_t pg_siphash(const uint64_t key[2], const void *data, size_t len);
uint64_t pg_mix64(uint64_t x);
uint64_t pg_next(uint64_t *state);
#define PG_GOLDEN 0x9E3779B97F4A7C15ull /* the XOR stream's word step (siphash.c) */
uint64_t pg_uniform(uint64_t *state, uint64_t lo, uint64_t hi); /* inclusive */
void pg_crypt(void *buf, size_t len, uint64_t key);
/* The TSC's low half: what the hooks spend is far below 2^32 counts, and
 * the high half would cost them two instructions more per read. */
static inline uint32_t pg_rdtsc32(void)
{
	uint32_t lo;
	__asm__ volatile("rdtsc" : "=a"(lo)::"edx");
	return lo;
}
uint64_t pg_crypt_sum(void *buf, size_t words, size_t from, uint64_t key, bool plain);

/* regions.c */
uint32_t pg_enumerate(struct pg_region *out, uint32_t max);
uint64_t pg_region_kind(const struct pg_region *r);

/* check.c */
void pg_seal_region(struct pg_context *c, struct pg_region *r);
/* Returns true and the corrupted address when the region fails. */
bool pg_check_region(struct pg_context *c, struct pg_region *r, uint64_t *addr);
int pg_early(const struct pg_region *r); /* 1: the checks' own code, 2: page tables, 0: neither */
/* A cross-walk of lists (modules, processes, handles, address spaces,
 * threads, stacks, hidden code): not exact at every instruction boundary. */
static inline bool pg_walk(const struct pg_region *r)
{
	return r->check == PG_CHECK_MODLIST || r->check == PG_CHECK_PROCLIST || r->check == PG_CHECK_HANDLELIST ||
	       r->check == PG_CHECK_ASPACES || r->check == PG_CHECK_RSP0 || r->check == PG_CHECK_THREADS ||
	       r->check == PG_CHECK_HIDDEN_CODE;
}
void pg_check_self(struct pg_context *c); /* the regions of kind 1, reported when they fail */
bool pg_bytes_sealed(const struct pg_context *c, uint64_t addr, uint64_t len);
uint64_t pg_shadow_word(const struct pg_context *c, uint64_t off); /* the plain qword at shadow offset off */

/* procwalk.c: the process structures when the kernel has them. */
void pg_enumerate_processes(struct pg_region *out, uint32_t *n, uint32_t max);
bool pg_check_proclist(const struct pg_context *c, const struct pg_region *r, uint64_t *addr);
bool pg_check_handlelist(const struct pg_context *c, const struct pg_region *r, uint64_t *addr);
bool pg_check_objtype(const struct pg_context *c, const struct pg_region *r, uint64_t *addr);
bool pg_check_protected(const struct pg_context *c, const struct pg_region *r, uint64_t *addr);
bool pg_mapped(const void *p, size_t size);

/* pagetables.c */
void pg_enumerate_translation(struct pg_region *out, uint32_t *n, uint32_t max);
uint64_t pg_pte_hash(const struct pg_context *c, const struct pg_region *r);
bool pg_check_ptes(const struct pg_context *c, const struct pg_region *r, uint64_t *addr);
void pg_ptes_repair(const struct pg_context *c, const struct pg_region *r);
bool pg_check_rsp0(const struct pg_region *r, uint64_t *addr);
void pg_flush_tlb(void);
/* rescue.c */
void pg_rescue_enroll(struct pg_region *out, uint32_t first, uint32_t *n, uint32_t max);
NORETURN void pg_rescued(uint64_t addr);
void pg_rescue_check(void); /* compare, put back and report the rescued entries */
extern uint64_t pg_rescue_entry;
void pg_touch_tables(void);                /* the IDT, GDT and TSS header back in the TLB */
bool pg_rescue_code(uint64_t va);           /* the rescue mapping's code page */
void pg_aspaces_drop(int slot);             /* a kernel-half PML4 entry cleared in every address space */
volatile uint64_t *pg_window_open(uint64_t frame, uint64_t flags, uint64_t r, uint64_t avoid); /* a verified window onto a frame */
void pg_window_close(void);
extern uint64_t pg_window_sets[4]; /* TLB sets the window keeps out of */
uint32_t pg_rescue_tables(const uint64_t **frames); /* the protected entries' page-table pages */
uint32_t pg_rescue_records(uint64_t *w);    /* its constant records (3 words) */
/* procwalk.c */
void pg_enumerate_address_spaces(struct pg_region *out, uint32_t *n, uint32_t max);
bool pg_check_aspaces(const struct pg_context *c, const struct pg_region *r, uint64_t *addr);
void pg_enumerate_threads(struct pg_region *out, uint32_t *n, uint32_t max);
bool pg_check_threads(const struct pg_context *c, const struct pg_region *r, uint64_t *addr);
/* A thread the scheduler knows whose kernel stack top is not one the kernel
 * allocates (true, *addr = where the top is kept). */
bool pg_thread_stacks_bad(uint64_t *addr);

/* context.c */
struct pg_context *pg_open(int i);   /* decrypt and verify; detection on failure */
struct pg_context *pg_open_now(void); /* the open context, when a slot leads to it; else NULL */
void pg_close(int i, struct pg_context *c);
uint64_t pg_slot_passes(int i); /* context i's own pass count, ~0 when the slot leads to no context */
uint64_t pg_passes_now(int i, const struct pg_context *open); /* the same, in the context open (pg_open_now) if it is i */
uint32_t pg_pass(struct pg_context *c, uint32_t trigger); /* returns the regions checked */
void pg_telemetry(uint32_t id, uint32_t checked, uint64_t tsc0, uint32_t trigger);

/* stop.c: the stop path (section .text.pg_stop, between these symbols). */
const char *pg_type_name(uint32_t type);
extern const char __pg_stop_start[], __pg_stop_end[], __pg_stop_data_start[], __pg_stop_data_end[];
NORETURN void pg_report(struct pg_context *c, const void *record, uint64_t addr, uint32_t type);
NORETURN void pg_crash(pg_stop_fn stop, const uint64_t *args, uint64_t wipe_lo);
void pg_report_faulted(void); /* a fault inside the report: stop as stored; returns when no report is under way */
NORETURN void pg_stop(uint32_t code, uint64_t p1, uint64_t p2, uint64_t p3, uint64_t p4,
		      const struct trap_frame *tf);

/* Put bytes [lo, hi) back from copy when they differ (write-protected
 * text or read-only data: CR0.WP off meanwhile). */
static inline void pg_bytes_repair(uint64_t lo, uint64_t hi, const uint8_t *copy)
{
	volatile uint8_t *live = (volatile uint8_t *)lo;
	uint64_t n = hi - lo, i = 0;
	while (i < n && live[i] == copy[i])
		i++;
	if (i == n)
		return;
	uint64_t cr0;
	pg.hold++;
	__asm__ volatile("cli; mov %%cr0, %0" : "=r"(cr0)::"memory");
	__asm__ volatile("mov %0, %%cr0" ::"r"(cr0 & ~(1ull << 16)) : "memory");
	for (i = 0; i < n; i++)
		live[i] = copy[i];
	__asm__ volatile("mov %0, %%cr0" ::"r"(cr0) : "memory");
	pg.hold--;
}

/* Put the stop path's bytes and its constant text back from the
 * context's copy when they differ (inlined into every detection site, so
 * patching one routine cannot switch it off). */
static inline void pg_stop_repair(const struct pg_context *c)
{
	if (!c || !c->stop_lo || c->stop_hi - c->stop_lo > PG_STOP_CODE_MAX ||
	    c->stop_data_hi - c->stop_data_lo > PG_STOP_DATA_MAX)
		return;
	pg_bytes_repair(c->stop_lo, c->stop_hi, c->stop_code);
	pg_bytes_repair(c->stop_data_lo, c->stop_data_hi, c->stop_data);
}

/* DR7: the breakpoint enables (L0-G3) and general detect, none of which
 * the kernel sets (A115: a driver's breakpoint on the stop path or on a
 * region the passes read changes no byte and no other register). Compared
 * as a control register (region base 7), by the tick hook's full checks
 * first of all, and put back to its reset value before any report. */
#define PG_DR7_OWNED 0x20FFull
#define PG_DR7_RESET 0x400ull
static inline uint64_t pg_read_dr7(void)
{
	uint64_t v;
	__asm__ volatile("mov %%dr7, %0" : "=r"(v));
	return v;
}
static inline void pg_dr7_off(void) { __asm__ volatile("mov %0, %%dr7" ::"r"(PG_DR7_RESET) : "memory"); }

/* NMIs blocked before anything else of a detection (A146): the stop path
 * blocks them before its first line (A140), but a detection first opens
 * a context (pg_fail) and puts the stop path back from its copy, some
 * thousands of instructions during which an NMI gate of a driver's that
 * recognised that code by the interrupted address halted the machine
 * before the report. Here, inline at every detection site (no routine to
 * patch, no handler elsewhere): an IDT of three gates whose NMI gate is a
 * label of this block, the local APIC (through its mapping as armed, a
 * constant record, when the page tables map it) sends this processor an NMI, and the
 * NMI's landing goes back to the block's stack without IRET, so the
 * processor keeps NMIs blocked until the machine stops; then the kernel's
 * IDTR again. When NMIs are blocked already (a detection inside the NMI)
 * the NMI stays pending and the wait gives up. Interrupts masked. */
extern uint64_t pg_early_idt[6];
static inline __attribute__((always_inline)) void pg_block_nmis(volatile uint32_t *apic)
{
	if (!apic || !pg_mapped((const void *)apic, 0x400))
		return;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) kernel_idt, own = {sizeof pg_early_idt - 1, (uint64_t)pg_early_idt};
	__asm__ volatile("cli\n"
			 "movl 0x20(%[apic]), %%edx\n" /* this APIC's ID, into ICR high */
			 "andl $0xFF000000, %%edx\n"
			 "movl %%edx, 0x310(%[apic])\n"
			 "leaq 3f(%%rip), %%rax\n"
			 "movq $0, 0(%[idt])\n"
			 "movq $0, 8(%[idt])\n"
			 "movq $0, 16(%[idt])\n"
			 "movq $0, 24(%[idt])\n"
			 "movw %%ax, 32(%[idt])\n"
			 "movw %%cs, %%dx\n"
			 "movw %%dx, 34(%[idt])\n"
			 "movw $0x8E00, 36(%[idt])\n" /* present, DPL 0, 64-bit interrupt gate, IST 0 */
			 "shrq $16, %%rax\n"
			 "movw %%ax, 38(%[idt])\n"
			 "shrq $16, %%rax\n"
			 "movq %%rax, 40(%[idt])\n"
			 "sidt %[kidt]\n"
			 "lidt %[own]\n"
			 "movl $0x4400, 0x300(%[apic])\n" /* NMI, assert, edge, physical */
			 "movl $4096, %%ecx\n"
			 "1:\tpause\n"
			 "decl %%ecx\n"
			 "jnz 1b\n"
			 "jmp 4f\n"
			 "3:\tmovq 24(%%rsp), %%rsp\n" /* the NMI: its frame's stack pointer, no IRET */
			 "4:\tlidt %[kidt]\n"
			 : [kidt] "+m"(kernel_idt)
			 : [own] "m"(own), [idt] "r"(pg_early_idt), [apic] "r"(apic)
			 : "rax", "rcx", "rdx", "cc", "memory");
}

/* A detection: no breakpoint left on the way, NMIs blocked, repair the
 * stop path, then report and stop. */
#define pg_detect(c, record, addr, type)                                                                   \
	do {                                                                                               \
		pg_dr7_off();                                                                              \
		pg_block_nmis(pg.lapic_mmio);                                                              \
		pg_stop_repair(c);                                                                         \
		pg_report((c), (record), (addr), (type));                                                  \
	} while (0)

/* trigger.c */
void pg_triggers_init(void);           /* objects and hooks, before the regions are sealed */
void pg_triggers_start(struct pg_context *c0); /* interrupts off */
void pg_timer_dpc(struct dpc *d, void *arg);
void pg_random_dpc(struct dpc *d, void *arg);

/* tick.c */
uint64_t pg_entropy(void);             /* fresh: RDRAND, else TSC mixing */
void pg_tss_check(void);               /* the TSS TR cached is the kernel's, from the NMI (tssprobe.c) */
void pg_tick_start(void);              /* interrupts off */
NORETURN void pg_fail(const volatile void *record, uint64_t addr, uint32_t type); /* detection outside a pass */

/* nmi.c */
void pg_nmi_init(void);   /* before the regions are sealed */
void pg_nmi_start(void);  /* interrupts off */
bool pg_ioapic_ok(void);  /* the NMI's redirection entry as armed; interrupts off */
const void *pg_probe_table(size_t *size); /* the instruction-fetch probe's sites (a region) */
extern uint64_t pg_pit_nmis; /* NMIs of the PIT (not asked for a probe) */
extern uint64_t pg_nmi_pm;   /* the ACPI PM time in 64 bits, as of the last NMI (nmi_entry.S) */
extern uint64_t pg_nmi_worked; /* the tick of the last NMI that did its work (windows: 1 in 32, drawn) */
bool pg_stalled_edges(uint64_t edges, uint64_t ticks); /* a window a stopped host gave (tick.c) */
uint64_t pg_nmi_progress(void); /* the NMI's sealed count, ~0 when its state does not verify */
void pg_probe_request(void);     /* an NMI to this processor that probes one text page (tick hook) */
void pg_check_exact(struct pg_context *c, bool interrupted); /* every region exact at any moment */

/* records.c: the triggers' own records, sealed under the own key */
#define PG_RECORDS 72
#define PG_CELL_ROT 23
#define PG_CELL_WORDS 7 /* the own key, the profile, the stop path's copy in the shadow (4), the profile's tag */
uint64_t pg_own_key(void);
bool pg_sealed_checks(void);                /* not the windows profile, by the profile sealed at arming */
/* The profile sealed at arming, from the own key's cell (records.c);
 * ~0 when the cell is gone. */
extern uint64_t pg_cell_enc, pg_cell_key;
static inline uint64_t pg_sealed_profile(void)
{
	uint64_t k = pg_cell_key, a = pg_cell_enc ^ ((k << PG_CELL_ROT) | (k >> (64 - PG_CELL_ROT)));
	if ((a >> 47) != 0x1FFFF || (a & 7))
		return ~0ull;
	return ((const volatile uint64_t *)a)[1] ^ k;
}
uint64_t pg_tag(const void *p, size_t len); /* keyed hash under the own key */
uint32_t pg_records(uint64_t *w);           /* the constant records, at most PG_RECORDS words */
void pg_records_arm(uint8_t *lo, uint8_t *hi, const void *c, uint64_t size);
void pg_records_check(void);                /* 0x101 when a constant record changed */
void pg_records_stop_copy(uint64_t shadow, uint64_t key, uint64_t code_off, uint64_t data_off);
bool pg_cell_profile_ok(void);              /* the cell's profile matches its tag under the own key */
bool pg_records_armed(void);
uint32_t pg_tick_records(uint64_t *w);
uint32_t pg_nmi_records(uint64_t *w);
uint32_t pg_watchdog_records(uint64_t *w);
uint32_t pg_trigger_records(uint64_t *w);
void pg_tick_seal(void);                    /* the tick hook's running counts, hashed again */
void pg_watchdog_seal(void);                /* the PIT watchdog's stall and pace counts, hashed again */
void pg_nmi_route(void);                    /* the NMI's I/O APIC route, last at arming */

/* modtext.c: loaded drivers' text pages, sealed by the loader's path */
void pg_modtext_enroll(struct pg_region *out, uint32_t *n, uint32_t max);
void pg_modtext_arm(const struct pg_context *c, struct pg_region *r);
uint64_t pg_modtext_seal(const struct pg_context *c, const struct pg_region *r);
bool pg_check_modtext(const struct pg_context *c, const struct pg_region *r, uint64_t *addr);
void pg_seal_caller(uint64_t ret); /* a sealing call from outside kernel text is a detection */

/* selftest.c */
void pg_selftest_seal(void);

/* watchdog.c */
void pg_watchdog_init(void);   /* before the regions are sealed */
void pg_watchdog_start(void);  /* interrupts off */
bool pg_lapic_ok(uint64_t *reg); /* the tick source's registers as armed */
void pg_watchdog_nmi(uint64_t now, bool pit); /* the watchdog's checks, from the NMI (wd_on_nmi; pit: not asked) */
extern uint64_t pg_watchdog_irqs;
uint64_t pg_watchdog_progress(void); /* the watchdog's sealed count, ~0 when its state does not verify */

#endif
