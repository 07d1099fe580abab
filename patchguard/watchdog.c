/* The third trigger path: a watchdog on PIT channel 0 (IRQ 0, about 18 Hz),
 * independent of the local-APIC tick that drives the other two. When the
 * tick has not advanced for WATCHDOG_STALLS watchdog interrupts (timer
 * interrupt masked or re-vectored), nothing else of PatchGuard can run any
 * more: the watchdog checks the local-APIC regions (type 0x17) and, if they
 * look intact, reports the missed heartbeat (0x101). */
#include <kpp/cpu.h>
#include <kpp/intr.h>
#include <kpp/trap.h>
#include "pg.h"

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_CMD_CH0_MODE2 0x34 /* channel 0, lobyte/hibyte, rate generator */
#define PIT_COUNT_MAX 0        /* 65536: 1193182 Hz / 65536 = 18.2 Hz */
#define WATCHDOG_STALLS 40     /* about 2.2 s without a tick */

static uint64_t last_tick;
static uint32_t stalls;
uint64_t pg_watchdog_irqs;

static void watchdog_irq(void)
{
	uint64_t now = ticks();
	pg_watchdog_irqs++;
	if (now != last_tick) {
		last_tick = now;
		stalls = 0;
		return;
	}
	if (++stalls < WATCHDOG_STALLS || pg.busy)
		return;
	int w = pg.ncontexts > 1 ? 1 : 0;
	struct pg_context *c = pg_open(w);
	for (uint32_t i = 0; i < c->nregions; i++) {
		uint64_t addr;
		if (c->r[i].check == PG_CHECK_LAPIC && pg_check_region(c, &c->r[i], &addr))
			pg_detect(c, &c->r[i], addr, c->r[i].type);
	}
	pg_detect(c, &last_tick, (uint64_t)&last_tick, KPP_PG_CHECKER_CONTEXT);
}

void pg_watchdog_arm(void)
{
	if (!lapic_present)
		return; /* the PIT is the tick itself */
	last_tick = ticks();
	outb(PIT_CMD, PIT_CMD_CH0_MODE2);
	outb(PIT_CH0, PIT_COUNT_MAX & 0xFF);
	outb(PIT_CH0, PIT_COUNT_MAX >> 8);
	irq_register(0, watchdog_irq);
}
