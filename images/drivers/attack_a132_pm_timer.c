/* attack_a132_pm_timer (A132): the ACPI PM timer moved or switched off.
 * PatchGuard's clock that no instruction sets is the ACPI PM timer at port
 * 0x608, which the PIIX4 power-management function (PCI 00:01.3) decodes
 * at its PMBA (config register 0x40) while PMREGMISC (0x80) bit 0 is set.
 * Modes (the driver's arguments): `move` writes 0x7000 into PMBA (the
 * timer now counts at 0x7008, port 0x608 decodes nothing and reads all
 * ones); `off` clears PMREGMISC's I/O enable; `hold` moves it as `move`
 * and then stretches the tick as A130 `hold` (a tick every 9 periods, the
 * TSC held back), so the watchdog's pace check and stall count have no PM
 * time. Expected: 0x109 type 0x17 (the PIT's phase against the PM timer,
 * or the PM timer itself). */
#include "attack_pg.h"

#define PCI_ADDR 0xCF8
#define PCI_DATA 0xCFC
#define PIIX4_PM (0x80000000u | 1u << 11 | 3u << 8) /* bus 0, device 1, function 3 */
#define PMBA 0x40
#define PMREGMISC 0x80
#define NEW_PMBA 0x7000

static inline uint32_t in32(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static uint32_t cfg_read(uint32_t reg)
{
	outl(PCI_ADDR, PIIX4_PM | reg);
	return in32(PCI_DATA);
}

static void cfg_write(uint32_t reg, uint32_t v)
{
	outl(PCI_ADDR, PIIX4_PM | reg);
	outl(PCI_DATA, v);
}

static struct ktimer slower;
static struct dpc slower_dpc;
static struct a_tick_hold hold;

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	const char *what = NULL;
	if (cfg_read(0) != 0x71138086u) {
		a_restore(pf);
		printk("attack_a132: no PIIX4 power-management function at 00:01.3\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	if (!strcmp(drv->args, "move") || !strcmp(drv->args, "hold")) {
		cfg_write(PMBA, NEW_PMBA | 1);
		what = "the PM timer's I/O base moved to 0x7000";
	} else if (!strcmp(drv->args, "off")) {
		cfg_write(PMREGMISC, cfg_read(PMREGMISC) & ~1u);
		what = "the PM registers' I/O decode switched off";
	}
	if (what && !strcmp(drv->args, "hold")) {
		if (!a_tick_hold_init(&hold)) {
			what = NULL;
		} else {
			dpc_init(&slower_dpc, a_tick_hold, &hold);
			timer_init(&slower, &slower_dpc);
			timer_set(&slower, NSEC_PER_TICK, NSEC_PER_TICK);
			what = "the PM timer moved to 0x7000, tick stretched by 9, TSC held back";
		}
	}
	if (!what) {
		a_restore(pf);
		printk("attack_a132: unknown mode, or the local APIC not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint32_t pm = in32(0x608);
	printk("attack_a132: %s (port 0x608 reads 0x%x)\n", what, pm);
	a_patched("attack_a132");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
