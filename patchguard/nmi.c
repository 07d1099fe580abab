/* The NMI watchdog: the one trigger that still runs while the kernel has
 * interrupts masked. A corruption that makes the kernel spin with IF=0 (a
 * lock whose release was patched away, a driver that disables interrupts,
 * patches and never gives the CPU back) stops every tick, and with it the
 * timer, the piggy-back, the random passes, the tick hook and the PIT
 * watchdog: none of them is an NMI.
 *
 * PIT channel 0 (the watchdog's interrupt) also reaches the I/O APIC, ISA
 * IRQ 0 at input pin 2, as on QEMU's PC and the ACPI tables' interrupt
 * source override. PatchGuard programs that pin's redirection entry for
 * NMI delivery (edge, physical destination: the bootstrap processor), so
 * every PIT period the processor takes vector 2 through its IDT gate, on
 * the TSS's NMI stack (IST2), whatever RFLAGS.IF says. On each NMI:
 *  - the heartbeat: the tick of the NMI, which the tick hook requires to be
 *    at most 8 ticks old; the PIT watchdog compares the redirection entry
 *    itself on every interrupt (masking or re-routing the NMI is seen by
 *    the maskable triggers, and they by this one);
 *  - interrupts masked for long: the interrupted code had IF=0 and no tick
 *    has come since the previous NMI (a PIT period is longer than a tick)
 *    or for STALL_TICKS tick periods by the TSC. Then every region
 *    whose check is exact at any instruction boundary is checked, from
 *    here, and a mismatch is reported through PatchGuard's own stop path,
 *    which needs no lock the interrupted code may hold. While the stall
 *    lasts, the check is repeated every RECHECK_NMIS NMIs;
 *  - a split view of kernel text: every page of kernel text is probed
 *    through instruction fetch once per round (14 ms in the test profile,
 *    0.71 s in fast, 88 s in windows; below): a `ret` drawn at random from
 *    the page's (found at arming, followed by padding where the page has
 *    such) is overwritten through the page's own frame in the direct map
 *    with `mov eax, imm; ret` (probe.S) and called. A processor that executes another
 *    frame there (a PTE pointed at a copy, the instruction TLB filled, the
 *    PTE put back: A59) returns something else: 0x109 type 0x111. With
 *    NMIs blocked and interrupts masked nothing else runs while the bytes
 *    are changed;
 *  - no pass for too long: no pass of any trigger has finished for
 *    nmi_idle_max NMIs (twice the profile's worst-case latency), by each
 *    context's own pass count read through its slot (context.c), not by
 *    the plain counters: the same check, then 0x101 whatever it found
 *    (every trigger was stopped);
 *  - switched off: once started, the NMI keeps its own record of that and
 *    of the idle limit; PatchGuard's "live" or the NMI's "armed" flag found
 *    cleared on two NMIs running (the tick hook, the PIT watchdog and the
 *    piggy-back return at once when "live" is clear) is 0x101.
 * The interrupted code may be anywhere, PatchGuard included: a context
 * that is open is used as it is; while PatchGuard itself changes what the
 * checks read (a context being decrypted or encrypted, CR4.PGE toggled to
 * flush the TLB) the check waits for the next NMI (at most DEFER_MAX
 * times), and while PatchGuard's stop path writes its screen it stands
 * aside (at most STOP_MAX NMIs). The sealed arrays and the protection
 * grants are left out: the kernel changes them and re-seals them in two
 * steps that an NMI can fall between. The NMI costs a few dozen
 * instructions when nothing is due. In the windows profile it also runs
 * the PIT watchdog's checks, and does all of the above, on about one NMI in
 * 32 (drawn from RDRAND, the PM timer and a key: nmi_weight below;
 * watchdog.c), and the tick hook requires that work to have run within
 * 1,024 PIT periods (pg_nmi_worked). */
#include <kpp/cpu.h>
#include <kpp/intr.h>
#include <kpp/kernel.h>
#include <kpp/mm.h>
#include <kpp/patchguard.h>
#include <kpp/time.h>
#include <kpp/trap.h>
#include "pg.h"
#include "nmi_entry.h"

#define IOAPIC_SEL 0       /* IOREGSEL, in dwords */
#define IOAPIC_WIN 4       /* IOWIN (offset 0x10) */
#define IOAPIC_REG_VER 0x01
#define IOAPIC_MAX_ENTRY(ver) (((ver) >> 16) & 0xFF)
#define PIT_PIN 2                  /* ISA IRQ 0 */
#define NMI_REDIR PG_IOAPIC_NMI_REG /* its redirection entry: 0x10 + 2 * pin */
#define REDIR_NMI 0x400u           /* delivery mode NMI; physical, active high, edge, unmasked */
#define REDIR_LO_MASK 0x1AFFFu     /* all but delivery status and remote IRR (read-only) */
#define REDIR_HI_MASK 0xFF000000u  /* destination */
#define LAPIC_ID 0x020
#define TICK_WINDOW 16             /* tsc_ref is the TSC of this many ticks (tick.c) */
#define STALL_TICKS 3
#define RECHECK_NMIS 8
#define DEFER_MAX 8
#define STOP_MAX 4 /* a stop path writes its screen in far less than 4 PIT periods (A55) */
#define WATCH_NMIS PG_WATCH_NMIS /* with wd_on_nmi (windows): the watchdog's checks on one NMI in this many (1.76 s) */

static uint64_t nmi_tick, nmi_passes[2], nmi_count, nmi_stride;
static uint32_t nmi_idle, nmi_since_check, nmi_deferred, nmi_waited, nmi_idle_limit, nmi_off;
static bool nmi_due, nmi_on, nmi_dead, nmi_watch;
/* The running counts above and the probe's round, hashed under the own key
 * (records.c) at the end of every NMI and verified at the start of the
 * next (not in the windows profile, as sealed at arming); the constant
 * records are compared on every NMI in the test profile, on one in
 * RECORDS_FAST (drawn) in fast and one in 512 in windows (by the NMI's
 * draw, below: the windows profile's budget leaves no room for a call to
 * pg_entropy on every NMI). */
#define RECORDS_FAST 4
/* In windows (the profile in the own key's cell), one NMI in 512, by the
 * draw that decides its work (nmi_entry.S: RDRAND, the PM reading, the
 * tick and the NMI's key; a sixteenth of the NMIs that work). Not by the
 * NMI's count (A90): the windows profile leaves it unsealed, and it stops
 * with the NMI's "on" record, so a count set once to no multiple of 256
 * skipped the compare for good; nor by the TSC, which a driver writes
 * (A133). The profile in the cell is XORed with the cell's plain key
 * alone: an NMI that goes by windows where the plain profile (one of the
 * records) is another was given windows in place (A91). */
#define RECORDS_LIMIT (1u << 23)
/* A cell that says windows must say what was armed: the profile's tag
 * under the own key (the cell's word 6, records.c), which writing the
 * profile word under the cell's plain key does not give, is compared on
 * about one NMI in 32 while the cell says windows, picked by the tick
 * count scattered by a multiply (deterministic; the ticks an NMI reads,
 * 5 or 6 apart, give a hit at most about 5 s apart: A91's variant with the
 * plain profile set to windows too). */
#define TICK_SCATTER 0x9E3779B9u
#define PROFILE_TAG_LIMIT (1u << 27)
static uint64_t nmi_tag;
/* In windows (the watchdog's checks ride on the NMI), whose budget is a
 * hundred times smaller, the NMI's work runs on about one NMI in
 * WATCH_NMIS, drawn (nmi_entry.S; nmi_draw for an NMI asked for a probe)
 * from what no driver sets: RDRAND where the processor has it, XORed with
 * the PM timer's reading and the tick, scattered, under the NMI's key.
 * The TSC it was drawn from before is set by WRMSR: a driver that wrote
 * it around each PIT edge chose values that drew no work, and the
 * watchdog's checks (A130's among them) never ran (A133). The others
 * record the heartbeat, run a probe the tick hook asked for, and return
 * (nmi_entry.S: 30 instructions instead of about 80). nmi_weight:
 * the NMIs one that does its work stands for (WATCH_NMIS in windows, else
 * 1); it, the key and whether RDRAND is used are among the constant
 * records. The tick hook requires the work to have run within WORK_NMIS
 * PIT periods (pg_nmi_worked, tick.c): a draw that gives no work for that
 * long, (31/32)^1024 = 8e-15 an NMI, is one a driver steered. */
#define NMI_WORK_LIMIT PG_NMI_WORK_LIMIT /* the draw below this: 1 in 32 */
uint32_t pg_nmi_weight = 1; /* read by the NMI's entry (nmi_entry.S) */
#define nmi_weight pg_nmi_weight
uint32_t pg_nmi_key, pg_nmi_rdrand, pg_nmi_draw; /* the draw's key and source, the last draw (nmi_entry.S) */
uint64_t pg_nmi_worked; /* the tick of the last NMI that did its work (tick.c) */
_Static_assert(__builtin_offsetof(struct pg_state, nmi_beat) == PG_NMI_BEAT_OFFSET, "nmi_entry.h");
_Static_assert((uint64_t)NMI_WORK_LIMIT * WATCH_NMIS == 1ull << 32, "one NMI in WATCH_NMIS works");

static uint32_t ioapic_read(volatile uint32_t *io, uint32_t reg)
{
	io[IOAPIC_SEL] = reg;
	return io[IOAPIC_WIN];
}

static void ioapic_write(volatile uint32_t *io, uint32_t reg, uint32_t v)
{
	io[IOAPIC_SEL] = reg;
	io[IOAPIC_WIN] = v;
}

bool pg_ioapic_ok(void)
{
	volatile uint32_t *io = pg.ioapic;
	return (ioapic_read(io, NMI_REDIR) & REDIR_LO_MASK) == pg.ioapic_lo &&
	       (ioapic_read(io, NMI_REDIR + 1) & REDIR_HI_MASK) == pg.ioapic_hi;
}

uint32_t pg_probe_exec(uint8_t *alias, uint64_t va, uint32_t imm);
extern char pg_probe_start[], pg_probe_end[];

/* Every page of kernel text is probed once per round, each probe's page
 * drawn at that moment from fresh entropy among the pages the round has
 * not probed yet: a round is one NMI in the test profile (14 ms at its
 * PIT rate: every page), 13 in fast (0.71 s, 2 pages an NMI for a 25-page
 * text); in windows, whose budget is a hundred times smaller, one
 * page on every 64th NMI (3.5 s; 88 s a round). A probe costs the guest a
 * few hundred instructions; it writes six bytes of code, which an emulator
 * that drops only the decoded code those bytes held (kppemu does) pays
 * for in that code alone. A split kept up by setting it again after every
 * flush is found within two rounds. */
#define PROBE_ROUND_TEST 1
#define PROBE_ROUND_FAST 13
#define PROBE_STRIDE_WINDOWS 64
#define PROBE_PAGES 64 /* 256 KiB of text; the kernel's is about 100 */
#define PROBE_SITES 8 /* per page */

/* The sites: the `ret` bytes of each text page (up to PROBE_SITES, spread
 * over the page) with the eight bytes from each inside kernel text and
 * outside the probe's own code, found at arming; hashed as a region
 * (type 0x101, the pages in use), so emptying it is a detection. */
struct probe_page {
	uint16_t n;
	uint16_t off[PROBE_SITES];
};
#define PROBE_DATA 32 /* data pages compared (A98) */
static struct {
	uint64_t first, pages;
	uint64_t ndata, data[PROBE_DATA];
	struct probe_page page[PROBE_PAGES];
} probe;
/* The pages the round has probed: each word XORed with a pad drawn from
 * the own key and the round's number, so that memory does not tell which
 * pages the round has yet to visit. */
static uint64_t probe_done[PROBE_PAGES / 64], probe_left, probe_nmis, probe_mask, probe_per, probe_round;

static uint64_t probe_pad(uint64_t own, unsigned k) { return pg_mix64(own + (probe_round * 4 + k + 1) * PG_GOLDEN); }

/* The top of the NMI's stack as armed: the kernel's TSS's IST2 (one of the
 * constant records). The processor takes the NMI's stack from the TSS TR
 * cached when it was loaded, not from the GDT or the kernel's TSS: a
 * driver that loads TR from a copy of the TSS with an IST2 of its own and
 * writes the GDT's descriptor back as it was leaves every byte a checker
 * reads as armed, and the NMI runs on the driver's memory (A153). Where
 * the processor put the NMI's frame tells: the trap frame ends at the top
 * of the stack it switched to. */
static uint64_t nmi_stack;
#define TSS_IST2 0x2C

static uint64_t nmi_state_tag(void)
{
	const uint64_t w[] = {nmi_tick,
			      nmi_passes[0],
			      nmi_passes[1],
			      nmi_count,
			      nmi_idle | (uint64_t)nmi_since_check << 32,
			      nmi_deferred | (uint64_t)nmi_waited << 32,
			      nmi_off | (uint64_t)nmi_due << 32 | (uint64_t)nmi_dead << 40,
			      probe_done[0],
			      probe_left,
			      probe_nmis,
			      probe_round};
	return pg_tag(w, sizeof w);
}

/* The NMI's count, ~0 when its sealed state does not verify: for the tick
 * hook (interrupts off, but an NMI may come meanwhile: every NMI writes a
 * new tag at its end, so a tag that changed under the hash is read again).
 * The tick hook requires the count to move (A95: the plain heartbeat,
 * pg.nmi_beat, is data a driver writes from a timer of its own while the
 * NMI's entry is masked). */
uint64_t pg_nmi_progress(void)
{
	uint64_t t, n, s;
	do {
		t = *(volatile uint64_t *)&nmi_tag;
		__asm__ volatile("" ::: "memory");
		n = nmi_count;
		s = nmi_state_tag();
		__asm__ volatile("" ::: "memory");
	} while (*(volatile uint64_t *)&nmi_tag != t);
	return s == t ? n : ~0ull;
}

uint32_t pg_nmi_records(uint64_t *w)
{
	w[0] = nmi_idle_limit | (uint64_t)nmi_on << 32 | (uint64_t)nmi_watch << 33 | (uint64_t)(pg_nmi_rdrand != 0) << 34 |
	       (uint64_t)nmi_weight << 40;
	w[1] = probe_per;
	w[2] = probe_mask;
	w[3] = nmi_stride | (uint64_t)pg_nmi_key << 32;
	w[4] = probe.first;
	w[5] = probe.pages;
	w[6] = nmi_stack;
	return 7;
}

const void *pg_probe_table(size_t *size)
{
	*size = __builtin_offsetof(__typeof__(probe), page) + probe.pages * sizeof(struct probe_page);
	return &probe;
}

static bool has_c3(uint64_t w)
{
	uint64_t x = w ^ 0xC3C3C3C3C3C3C3C3ull;
	return ((x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull) != 0;
}

/* A `ret` the probe can use: followed by at least PROBE_PAD bytes of the
 * padding the compiler puts between functions (no-operation encodings up
 * to the next 16-byte boundary), so the six bytes it writes hold no other
 * code; all inside kernel text and this page, none in the probe's own. */
#define PROBE_PAD 5
static bool probe_site(uint64_t va, uint64_t page, uint64_t lo, uint64_t hi, bool padded)
{
	uint64_t end = padded ? (va + 16) & ~15ull : va + 1 + PROBE_PAD;
	uint64_t own_lo = (uint64_t)pg_probe_start, own_hi = (uint64_t)pg_probe_end;
	if (*(const uint8_t *)va != 0xC3 || end - va - 1 < PROBE_PAD || va < lo || end > hi || end > page + PAGE_SIZE ||
	    (end > own_lo && va < own_hi))
		return false;
	for (uint64_t p = va + 1; padded && p < end; p++)
		switch (*(const uint8_t *)p) {
		case 0x00: case 0x0F: case 0x1F: case 0x2E: case 0x40: case 0x44:
		case 0x66: case 0x80: case 0x84: case 0x90: case 0xCC: break;
		default: return false;
		}
	return true;
}

/* A page of the kernel image whose reads the data probe compares (A98). */
static void probe_data_add(uint64_t va)
{
	va &= ~(PAGE_SIZE - 1);
	for (uint64_t i = 0; i < probe.ndata; i++)
		if (probe.data[i] == va)
			return;
	if (probe.ndata < PROBE_DATA) {
		probe.data[probe.ndata++] = va;
		pg_window_sets[(va >> 12 & 255) / 64] |= 1ull << (va >> 12 & 63);
	}
}

/* The pages of the kernel's read-only data, its initialised data, and of
 * the tables and state PatchGuard protects or runs on in the rest. */
static void probe_data_init(void)
{
	for (uint64_t va = (uint64_t)__rodata_start; va < (uint64_t)__data_end; va += PAGE_SIZE)
		probe_data_add(va);
	size_t size, vs;
	const void *vec, *t = idt_table(&size);
	probe_data_add((uint64_t)t);
	probe_data_add((uint64_t)t + size - 1);
	t = gdt_table(&size);
	probe_data_add((uint64_t)t);
	t = tss_block(&size); /* with its I/O-permission map, three pages */
	for (uint64_t va = (uint64_t)t & ~(uint64_t)(PAGE_SIZE - 1); va < (uint64_t)t + size; va += PAGE_SIZE)
		probe_data_add(va);
	t = irq_handler_tables(&size, &vec, &vs);
	probe_data_add((uint64_t)t);
	probe_data_add((uint64_t)vec);
	probe_data_add((uint64_t)vec + vs - 1);
	probe_data_add((uint64_t)&pg);
	probe_data_add((uint64_t)&pg + sizeof pg - 1);
	probe_data_add((uint64_t)&probe);
	probe_data_add((uint64_t)&probe + sizeof probe - 1);
}

static void probe_init(void)
{
	probe_data_init();
	uint64_t lo = (uint64_t)__text_start, hi = (uint64_t)__text_end;
	probe.first = lo & ~(PAGE_SIZE - 1);
	probe.pages = (hi - probe.first + PAGE_SIZE - 1) / PAGE_SIZE;
	if (probe.pages > PROBE_PAGES)
		probe.pages = PROBE_PAGES;
	for (uint64_t p = 0; p < probe.pages; p++) {
		uint64_t page = probe.first + p * PAGE_SIZE;
		/* Padded `ret`s; in a page with none, any `ret`. */
		for (int padded = 1; padded >= 0 && !probe.page[p].n; padded--) {
			uint64_t found = 0;
			for (int pass = 0; pass < 2 && (!pass || found); pass++) {
				/* Every step-th site, so the ones kept cover the page. */
				uint64_t step = pass ? (found + PROBE_SITES - 1) / PROBE_SITES : 1, k = 0;
				for (uint64_t w = page; w < page + PAGE_SIZE; w += 8) {
					if (w + 8 <= lo || w >= hi || !has_c3(*(const uint64_t *)w))
						continue;
					for (uint64_t va = w; va < w + 8; va++) {
						if (!probe_site(va, page, lo, hi, padded))
							continue;
						if (!pass)
							found++;
						else if (k++ % step == 0 && probe.page[p].n < PROBE_SITES)
							probe.page[p].off[probe.page[p].n++] = (uint16_t)(va - page);
					}
				}
			}
		}
	}
}

static void probe_page(void);
static void probe_at(uint64_t p, uint64_t r);

/* The probes of one NMI (one in probe_mask + 1): probe_per pages. Out of
 * line, so the other NMIs pay for no register saves. */
static __attribute__((noinline)) void nmi_probe(void)
{
	for (uint64_t i = 0; i < probe_per; i++)
		probe_page();
}

/* Probe the instruction fetch of one kernel text page (probe.S). */
static void probe_page(void)
{
	if (pg.hold || pg.stopping || !probe.pages)
		return;
	uint64_t pages = probe.pages;
	uint64_t r = pg_entropy(), own = pg_own_key();
	/* The page: drawn now, from fresh entropy, among those not probed yet
	 * in this round; nothing stored tells which one comes next, nor (the
	 * pad) which ones the round has left. */
	if (probe_left == 0 || probe_left > pages) {
		probe_round++;
		for (unsigned k = 0; k < PROBE_PAGES / 64; k++)
			probe_done[k] = probe_pad(own, k);
		probe_left = pages;
	}
	uint64_t j = r % probe_left, p = 0, done = 0;
	for (; p < pages; p++) {
		if (!(p % 64))
			done = probe_done[p / 64] ^ probe_pad(own, p / 64); /* one pad a word, not a page */
		if (!(done >> (p % 64) & 1) && j-- == 0)
			break;
	}
	if (p == pages) { /* the round's record does not add up: a new round */
		probe_left = 0;
		return;
	}
	probe_done[p / 64] ^= 1ull << (p % 64);
	probe_left--;
	probe_at(p, pg_mix64(r));
}

/* Probe a site of page p drawn by r. */
static void probe_at(uint64_t p, uint64_t r)
{
	if (!probe.page[p].n)
		return;
	uint64_t va = probe.first + p * PAGE_SIZE + probe.page[p].off[r % probe.page[p].n];
	if (!(vm_pte(va) & PTE_P))
		return;
	/* Written through a window onto the image's frame (pg_window_open):
	 * through the direct map, the bytes went wherever its view of the
	 * frame was split to, the copy that executes included (A111); and
	 * INVLPG of a direct-map address, a 2 MiB page, may drop every
	 * translation (QEMU's TLB does), the split probed for too. In
	 * windows too (A111 there: about 40 instructions a guest second). */
	uint64_t frame = KERNEL_PHYS(va) & PTE_ADDR;
	volatile uint64_t *w = pg_window_open(frame, PTE_W, r << 23 | r >> 41, va);
	uint8_t *alias = w ? (uint8_t *)w + (va & (PAGE_SIZE - 1))
			   : (uint8_t *)(KPP_DIRECT_MAP_BASE + frame + (va & (PAGE_SIZE - 1)));
	uint32_t imm = (uint32_t)(r >> 32) | 1;
	uint32_t got = pg_probe_exec(alias, va, imm);
	if (w)
		pg_window_close();
	if (got != imm)
		pg_fail((const void *)va, va, KPP_PG_PAGE_TABLES);
}

/* Probes at moments no driver can tell (A97). The NMI comes on PIT channel
 * 0's edge, whose count any driver latches: a split dropped from the TLB
 * before each edge and set up again after it was never there when a probe
 * looked. So the tick hook also asks for a probe on ticks drawn from fresh
 * entropy (tick.c: 1 in 8 in fast, every one in test, 1 in 128 in
 * windows, where nmi_asked takes it), by an NMI the local APIC sends to this processor at once:
 * the split a driver set up after the previous tick is still in the TLB at
 * this one (nothing of the driver runs between the tick and its hook), and
 * the probe runs, as the others, with NMIs blocked. Each such NMI probes
 * three pages (one in windows) from a page drawn from all of them (not
 * from the round's rest: a page the round probed while the split was
 * dropped is not done with), and one page of data (probe_data), and
 * touches none of the NMI's counts. */
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define ICR_NMI 0x4400u /* delivery mode NMI, assert, edge, physical, no shorthand */
volatile uint32_t pg_probe_asked; /* read by the NMI's entry (nmi_entry.S) */
#define probe_asked pg_probe_asked

void pg_probe_request(void)
{
	if (!pg.lapic_mmio || !nmi_on || pg.hold || pg.stopping || !probe.pages)
		return;
	probe_asked = 1;
	volatile uint32_t *icr = (volatile uint32_t *)((uint64_t)pg.lapic_mmio + LAPIC_ICR_HI);
	*icr = pg.ioapic_hi; /* this processor's APIC ID */
	icr = (volatile uint32_t *)((uint64_t)pg.lapic_mmio + LAPIC_ICR_LO);
	*icr = ICR_NMI;
}

/* A page read through the address the kernel reads it by and through a
 * window onto the frame it must be (pg_window_open: an entry of the rescue
 * mapping written and verified at this moment): the kernel's data pages
 * (i < probe.ndata) at their addresses, against the image's frame; the
 * page-table pages of every protected entry through the direct map (the
 * view every page-table check reads), against their own frames. A TLB
 * that maps the page to a copy while the PTE names the original (A98: the
 * service table's page, the split set up again on every tick; every pass
 * flushes the TLB before it reads) shows the copy to the kernel and to the
 * first read; a direct map split for the same frame (A110) made a read
 * through the PTE's frame agree with it, and so would a direct map whose
 * view of the page tables is a copy that reads as armed. NMIs blocked and
 * interrupts masked: nothing writes the page between the two reads, but
 * the walks of these reads may set accessed and dirty bits in a page
 * table. */
static void probe_data(uint64_t i, uint64_t r, uint64_t from, uint64_t qwords)
{
	const uint64_t *tables;
	uint32_t ntables = pg_rescue_tables(&tables);
	uint64_t va, frame, mask = ~0ull;
	if (i < probe.ndata) {
		va = probe.data[i];
		frame = KERNEL_PHYS(va);
	} else if (i - probe.ndata < ntables) {
		frame = tables[i - probe.ndata];
		va = (uint64_t)phys_to_virt(frame);
		mask = ~(uint64_t)(PTE_A | PTE_D);
	} else {
		return;
	}
	const volatile uint64_t *a = (const volatile uint64_t *)va;
	const volatile uint64_t *b = pg_window_open(frame, 0, r, va);
	bool window = b != NULL;
	if (!window) { /* no rescue mapping: the direct map, its translation walked now */
		b = (const volatile uint64_t *)phys_to_virt(frame);
		invlpg((uint64_t)b);
	}
	for (uint64_t k = from; k < from + qwords; k++)
		if (a[k] != b[k] && ((a[k] ^ b[k]) & mask))
			pg_fail((const void *)va, va + k * 8, KPP_PG_PAGE_TABLES);
	if (window)
		pg_window_close();
}

/* windows: a slice of a page per asked NMI (A98, A110, A112, A114). A
 * page's compare is some 3,000 instructions, a budget of its own; the
 * pages' slices of SLICE_QWORDS qwords are compared in rounds instead,
 * each slice once a round, the next one drawn at the NMI from fresh
 * entropy among those the round has left (the first not done at or
 * after a random place), whose record is XORed with a pad drawn from the
 * own key at the round's start: memory does not tell which slice comes
 * next, so a split cannot be dropped just before the NMI that compares
 * it. The pad's key is kept with the record, so that no NMI but a
 * round's first reads the own key's cell (in the pool, at a random
 * place) before its compare: that read could take the TLB set of the
 * split page (A98). About 300 instructions an asked NMI (0.78 a second);
 * a round of 20 pages is 320 asked NMIs, about 7 minutes (the profile's
 * bound is about 9). */
#define SLICE_QWORDS 32
#define PAGE_SLICES (PAGE_SIZE / 8 / SLICE_QWORDS)
#define SLICE_WORDS ((PROBE_DATA + 16) * PAGE_SLICES / 64) /* 16: the rescue's page-table pages at most */
static uint64_t slice_done[SLICE_WORDS], slice_left, slice_round, slice_key;

static uint64_t slice_pad(uint64_t key, uint64_t k) { return pg_mix64(key + (k + 1) * PG_GOLDEN); }

/* The index of x's lowest set bit (x != 0), by a de Bruijn multiply: no
 * BSF or TZCNT, which the kernel's instruction set leaves out. */
static uint64_t lowest_bit(uint64_t x)
{
	static const uint8_t index[64] = {
		0,  1,  48, 2,  57, 49, 28, 3,  61, 58, 50, 42, 38, 29, 17, 4,  62, 55, 59, 36, 53, 51,
		43, 22, 45, 39, 33, 30, 24, 18, 12, 5,  63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21,
		44, 32, 23, 11, 46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9,  13, 8,  7,  6};
	return index[((x & -x) * 0x03F79D71B4CB0A89ull) >> 58];
}

static void probe_slice(uint64_t pages, uint64_t r)
{
	uint64_t n = pages * PAGE_SLICES, words = (n + 63) / 64;
	if (n > SLICE_WORDS * 64)
		return;
	if (slice_left == 0 || slice_left > n) {
		slice_round++;
		slice_key = pg_mix64(pg_own_key() ^ slice_round * PG_GOLDEN);
		for (uint64_t k = 0; k < words; k++)
			slice_done[k] = slice_pad(slice_key, k);
		slice_left = n;
	}
	const uint64_t own = slice_key;
	uint64_t s = r % n, w = s / 64;
	for (uint64_t step = 0; step <= words; step++, w = w + 1 == words ? 0 : w + 1) {
		uint64_t todo = ~(slice_done[w] ^ slice_pad(own, w));
		if (w == words - 1 && n % 64)
			todo &= (1ull << (n % 64)) - 1;
		if (step == 0)
			todo &= ~0ull << (s % 64);
		if (!todo)
			continue;
		uint64_t bit = lowest_bit(todo), x = w * 64 + bit;
		slice_done[w] ^= 1ull << bit;
		slice_left--;
		probe_data(x / PAGE_SLICES, pg_mix64(r ^ PG_GOLDEN), x % PAGE_SLICES * SLICE_QWORDS, SLICE_QWORDS);
		return;
	}
	slice_left = 0; /* the round's record does not add up: a new round */
}

#define ASKED_PAGES 3
static __attribute__((noinline)) void probe_any(void)
{
	if (pg.hold || pg.stopping)
		return;
	uint64_t r = pg_entropy();
	/* One data page drawn in fast (a slice of one in windows: a page's
	 * compare is some 3,000 instructions, probe_slice); every one in test
	 * (no budget there, and its bound is 150 ms). Before the instruction-fetch probe, whose
	 * walks and reads could take the TLB set of a split data page: a
	 * split dropped before it is compared is not seen. */
	const uint64_t *tables;
	uint64_t pages = probe.ndata + pg_rescue_tables(&tables);
	if (pg.profile == KPP_PG_PROFILE_TEST)
		for (uint64_t i = 0; i < pages; i++)
			probe_data(i, pg_mix64(r + i), 0, PAGE_SIZE / 8);
	else if (pages && nmi_weight == 1)
		probe_data(pg_mix64(r ^ PG_GOLDEN) % pages, pg_mix64(r + 1), 0, PAGE_SIZE / 8);
	else if (pages)
		probe_slice(pages, pg_mix64(r + 1));
	/* Text pages: ASKED_PAGES of them, evenly spaced from one drawn, in
	 * fast and test (one in windows, whose budget is the NMI's): one in
	 * 33 an asked NMI, one asked tick in 8 in fast, left A97's split of
	 * one page unseen for 16.75 s on one seed in 20 (a rate of 0.38 a
	 * second: e^-6 past the 16 s bound); three make it e^-18, for some
	 * 1,000 instructions more an asked NMI (12.5 a second). */
	uint64_t n = nmi_weight == 1 && probe.pages >= ASKED_PAGES ? ASKED_PAGES : 1;
	for (uint64_t i = 0, first = r % probe.pages; i < n; i++)
		probe_at((first + i * (probe.pages / n)) % probe.pages, pg_mix64(r + i * PG_GOLDEN));
}

/* The check an NMI runs: from the context open in the interrupted code, or
 * context 0 opened (and closed again) here. */
static void nmi_check(void)
{
	if (pg.stopping && ++nmi_waited < STOP_MAX)
		return;
	if (pg.hold && ++nmi_deferred < DEFER_MAX)
		return;
	nmi_deferred = 0;
	nmi_due = false;
	nmi_since_check = 0;
	struct pg_context *c = pg_open_now();
	bool mine = !c;
	if (mine) {
		pg_rescue_check();
		c = pg_open(0);
	}
	pg_check_exact(c, true);
	if (nmi_idle >= nmi_idle_limit || nmi_dead)
		pg_detect(c, (const void *)&pg.passes, (uint64_t)&pg.passes, KPP_PG_CHECKER_CONTEXT);
	if (mine)
		pg_close(0, c);
}

static void nmi_work(const struct trap_frame *tf, uint64_t now, uint32_t t0, bool pit);

static __attribute__((noinline)) void nmi_asked(const struct trap_frame *tf, uint64_t now, uint32_t t0,
						   uint32_t asked);

/* The NMIs that do no work (windows) return from the NMI's entry
 * (nmi_entry.S), which has recorded the heartbeat, the PM time and the
 * draw (pg_nmi_draw), and counted the edge. */
uint64_t pg_pit_nmis, pg_nmi_pm;

/* The entry's draw, for an NMI asked for a probe (after the probe: the
 * key's page read first could take the TLB set of a split it looks for). */
static uint32_t nmi_draw(uint64_t now)
{
	uint32_t d = (((uint32_t)now * PG_DRAW_TICK) ^ ((uint32_t)pg_nmi_pm & PG_PM_MASK) ^ pg_nmi_key) * PG_DRAW_SCATTER;
	if (pg_nmi_rdrand) {
		uint32_t r;
		__asm__ volatile("rdrand %0" : "=r"(r)::"cc");
		d ^= r;
	}
	return d;
}

void pg_nmi(const struct trap_frame *tf)
{
	if ((uint64_t)(tf + 1) != nmi_stack && nmi_stack) { /* 0: not started (a record) */
		size_t size;
		const uint8_t *tss = tss_block(&size);
		pg_fail(tss + TSS_IST2, (uint64_t)tss + TSS_IST2, KPP_PG_TASK_STATE);
	}
	uint64_t now = *tick_counter;
	pg.nmi_beat = now;
	uint32_t t0 = pg_rdtsc32();
	uint32_t asked = probe_asked;
	pg_pit_nmis += !asked;
	if (nmi_weight > 1 && !asked && pg_nmi_draw >= NMI_WORK_LIMIT)
		return;
	nmi_asked(tf, now, t0, asked);
}

/* windows: a probe the tick hook asked for (A97; a flag set from elsewhere
 * only makes every NMI probe), then the work on one NMI in WATCH_NMIS. */
static __attribute__((noinline)) void nmi_asked(const struct trap_frame *tf, uint64_t now, uint32_t t0,
						   uint32_t asked)
{
	if (nmi_weight > 1) {
		if (probe_asked) {
			probe_asked = 0;
			probe_any();
			pg_nmi_draw = nmi_draw(now);
		}
		if (pg_nmi_draw >= NMI_WORK_LIMIT)
			return;
	}
	nmi_work(tf, now, t0, !asked);
}

/* pit: an NMI of the PIT (counted in pg_pit_nmis), not one asked for a
 * probe: the watchdog holds that count to these (windows). */
static void nmi_work(const struct trap_frame *tf, uint64_t now, uint32_t t0, bool pit)
{
	pg_nmi_worked = now;
	/* No flag decides whether this runs: an NMI comes only once
	 * PatchGuard has routed it (pg_nmi_route, last at arming). The
	 * records first, so a cleared "on" or a changed limit is seen here. */
	/* A probe the tick hook asked for (its flag set from elsewhere makes
	 * the PIT's NMIs stop here: their count stands still, which the tick
	 * hook sees, A95), first: the split it looks for lives in the TLB,
	 * and every page read before it (the own key's cell, in the pool, is
	 * at a random place) may take the split page's set. The plain profile
	 * only orders it: the cell's is compared right after. */
	bool asked = probe_asked && pg.profile != KPP_PG_PROFILE_WINDOWS;
	if (asked) {
		probe_asked = 0;
		probe_any();
	}
	uint64_t profile = pg_sealed_profile();
	bool sealed = profile != KPP_PG_PROFILE_WINDOWS;
	if (!sealed && (pg.profile != KPP_PG_PROFILE_WINDOWS ||
			((uint32_t)now * TICK_SCATTER < PROFILE_TAG_LIMIT && !pg_cell_profile_ok())))
		pg_fail(&pg_cell_enc, (uint64_t)&pg_cell_enc, KPP_PG_CHECKER_CONTEXT);
	if (sealed && asked)
		return;
	if (sealed ? profile == KPP_PG_PROFILE_TEST || pg_entropy() % RECORDS_FAST == 0
		   : pg_nmi_draw < RECORDS_LIMIT)
		pg_records_check();
	if (sealed && nmi_state_tag() != nmi_tag)
		pg_fail(&nmi_tag, (uint64_t)&nmi_tag, KPP_PG_CHECKER_CONTEXT);
	/* The stop path masks interrupts before it says it has begun and
	 * never unmasks them: "stopping" over code that runs with interrupts
	 * enabled is a flag set from elsewhere, to make the probe and the
	 * watchdog stand aside. */
	if (pg.stopping && (tf->rflags & RFLAGS_IF))
		pg_fail(&pg.stopping, (uint64_t)&pg.stopping, KPP_PG_CHECKER_CONTEXT);
	if (!nmi_on)
		return;
	pg_tss_check(); /* the TSS TR cached is the kernel's (tssprobe.c, some 150 instructions) */
	if (!(++probe_nmis & probe_mask))
		nmi_probe();
	/* Started, so armed and live (pg_nmi_start runs just before "live" is
	 * set: one NMI may fall between). */
	nmi_off = pg.nmi_armed && pg.live ? 0 : nmi_off + 1;
	if (nmi_off >= 2)
		nmi_dead = nmi_due = true;
	/* The slots are read on one NMI in nmi_stride + 1 (a 64th of the idle
	 * limit at most: the windows profile's budget), and not while a context is being opened, used or
	 * closed (the NMI after it sees the count moved). */
	bool moved = false;
	const struct pg_context *open = pg.busy ? pg_open_now() : NULL;
	if (!(++nmi_count & nmi_stride) && !pg.hold && (!pg.busy || open))
		for (uint32_t i = 0; i < 2 && i < pg.ncontexts; i++) {
			uint64_t n = pg_passes_now((int)i, open);
			if (n != nmi_passes[i]) {
				nmi_passes[i] = n;
				moved = true;
			}
		}
	if (moved)
		nmi_idle = 0;
	else if ((nmi_idle += nmi_weight) >= nmi_idle_limit)
		nmi_due = true;
	bool frozen = now == nmi_tick;
	if (!frozen) {
		nmi_tick = now;
		nmi_since_check = RECHECK_NMIS; /* a new stall is checked at once */
	} else if (nmi_since_check < RECHECK_NMIS) {
		nmi_since_check++;
	}
	/* Interrupts masked, and no tick since the last NMI (a PIT period, more
	 * than a tick's), or for STALL_TICKS tick periods by the TSC (tsc_ref:
	 * the TSC of the fastest 16-tick window, 0 until one is measured). */
	if (!(tf->rflags & RFLAGS_IF) && nmi_since_check >= RECHECK_NMIS &&
	    (frozen || (pg.tsc_ref && (uint64_t)(uint32_t)(t0 - pg.tick_tsc) > pg.tsc_ref * STALL_TICKS / TICK_WINDOW)))
		nmi_due = true;
	if (nmi_due)
		nmi_check();
	/* The watchdog's checks (wd_on_nmi), not while PatchGuard changes
	 * what they read or its stop path runs: the next NMI does them. */
	if (nmi_watch) {
		pg.wd_beat = now;
		if (!pg.hold && !pg.stopping)
			pg_watchdog_nmi(now, pit);
	}
	if (sealed)
		nmi_tag = nmi_state_tag();
	pg.hook_cost += (uint32_t)(pg_rdtsc32() - t0);
}

/* Route PIT channel 0 to the bootstrap processor as NMI. Without a local
 * APIC (the PIT is the tick itself) or an I/O APIC there is no watchdog. */
void pg_nmi_init(void)
{
	probe_init();
	if (!lapic_present)
		return;
	volatile uint32_t *io = (volatile uint32_t *)vm_map_mmio(PG_IOAPIC_FRAME, PAGE_SIZE);
	if (!io)
		return;
	uint32_t ver = ioapic_read(io, IOAPIC_REG_VER);
	if (ver == 0xFFFFFFFFu || IOAPIC_MAX_ENTRY(ver) < PIT_PIN)
		return;
	pg.ioapic = io;
	pg.ioapic_hi = lapic_read(LAPIC_ID) & REDIR_HI_MASK;
	pg.ioapic_lo = REDIR_NMI;
}

/* The route itself, the last step of arming (interrupts off): no NMI
 * comes before every record it checks is in place and sealed. */
void pg_nmi_route(void)
{
	if (pg_sealed_checks())
		nmi_tag = nmi_state_tag();
	if (!pg.ioapic)
		return;
	ioapic_write(pg.ioapic, NMI_REDIR + 1, pg.ioapic_hi);
	ioapic_write(pg.ioapic, NMI_REDIR, pg.ioapic_lo);
}

void pg_nmi_start(void)
{
	uint32_t pm;
	__asm__ volatile("inl %1, %0" : "=a"(pm) : "Nd"((uint16_t)PG_PM_PORT));
	pg_nmi_pm = pm & PG_PM_MASK;
	nmi_tick = ticks();
	pg_nmi_worked = nmi_tick;
	pg_nmi_key = (uint32_t)pg_mix64(pg.rng ^ 0x6E6D692064726177ull); /* "nmi draw": the schedule's draws unchanged */
	pg_nmi_rdrand = pg.rdrand;
	size_t size;
	const uint8_t *tss = tss_block(&size);
	__builtin_memcpy(&nmi_stack, tss + TSS_IST2, sizeof nmi_stack);
	for (uint32_t i = 0; i < 2; i++)
		nmi_passes[i] = i < pg.ncontexts ? pg_slot_passes((int)i) : 0;
	nmi_idle = 0;
	nmi_idle_limit = pg.nmi_idle_max;
	/* A round: every page once over PROBE_ROUND_* NMIs; in windows one page
	 * on every PROBE_STRIDE_WINDOWS-th NMI. */
	uint64_t round = pg.profile == KPP_PG_PROFILE_FAST ? PROBE_ROUND_FAST : PROBE_ROUND_TEST;
	nmi_watch = pg.ioapic != NULL && pg.wd_on_nmi;
	nmi_weight = nmi_watch ? WATCH_NMIS : 1;
	probe_mask = pg.profile == KPP_PG_PROFILE_WINDOWS ? PROBE_STRIDE_WINDOWS / nmi_weight - 1 : 0;
	probe_per = pg.profile == KPP_PG_PROFILE_WINDOWS ? 1 : (probe.pages + round - 1) / round;
	probe_nmis = 0;
	nmi_stride = 0; /* a power of two minus one, up to a 64th of the idle limit (in NMIs that work) */
	while ((nmi_stride + 1) * 128 * nmi_weight <= nmi_idle_limit)
		nmi_stride = nmi_stride * 2 + 1;
	nmi_count = 0;
	nmi_off = 0;
	nmi_since_check = RECHECK_NMIS;
	pg.nmi_beat = nmi_tick;
	pg.nmi_armed = pg.ioapic != NULL;
	nmi_on = pg.nmi_armed;
	nmi_watch = nmi_on && pg.wd_on_nmi;
}
