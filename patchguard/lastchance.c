/* The last-chance check. A corruption can bring the machine down before a
 * pass sees it (a flipped GDT or IDT byte faults on the next interrupt, a
 * patched instruction faults when it runs). The kernel's stop path calls
 * pg_last_chance first: if PatchGuard is armed, every region whose check
 * is exact at any moment is verified once more, and a mismatch turns the
 * stop into 0x109 with the region's type, naming the corruption rather
 * than its symptom. The cross-walks of lists are left out: a crash may
 * interrupt a legitimate update half-way. */
#include <kpp/cpu.h>
#include <kpp/patchguard.h>
#include "pg.h"

void pg_last_chance(uint32_t code)
{
	static bool ran;
	if (!pg.armed || code == KPP_BUG_CRITICAL_STRUCTURE_CORRUPTION)
		return;
	pg_report_faulted(); /* the report of a detection faulted: stop as detected */
	if (ran)
		return;
	ran = true;
	/* The page tables first, through a mapping of their own: the direct
	 * map everything below reads through may be what broke. */
	pg_rescue_check();
	/* Stopping from inside a pass: that context is open already. A busy
	 * flag or an open pointer no slot leads to (set by someone else)
	 * counts for nothing. */
	struct pg_context *c = pg_open_now();
	if (!c)
		c = pg_open(0);
	pg_check_exact(c, false);
}

/* The text the checks run on, the page tables (put back when they fail, so
 * the report has code to run), then everything else. interrupted: called
 * from an NMI, which may fall between a legitimate change of a sealed
 * array, protection grant or driver-text table and its re-seal, or inside
 * a driver's load or unload; those are left out. */
/* The GS bases, which SWAPGS exchanges on the way in from ring 3 and out:
 * an NMI may find them swapped. */
static bool pg_swapped_msr(const struct pg_region *r)
{
	return r->check == PG_CHECK_MSR && (r->base == MSR_GS_BASE || r->base == MSR_KERNEL_GS_BASE);
}

void pg_check_exact(struct pg_context *c, bool interrupted)
{
	for (int phase = 1; phase <= 3; phase++) {
		for (uint32_t i = 0; i < c->nregions; i++) {
			struct pg_region *r = &c->r[i];
			uint64_t addr;
			int early = pg_early(r);
			if ((early ? early : 3) != phase)
				continue;
			if (pg_walk(r))
				continue;
			if (interrupted && (r->check == PG_CHECK_SEALED || r->check == PG_CHECK_MODTEXT ||
					    r->check == PG_CHECK_PROTECTED || r->check == PG_CHECK_DRVOBJ || pg_swapped_msr(r)))
				continue;
			if (pg_check_region(c, r, &addr)) {
				pg_ptes_repair(c, r);
				pg_detect(c, r, addr, r->type);
			}
		}
	}
}
