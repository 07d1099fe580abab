/* attack_a73_hidden_thread (A73): a hidden driver's code kept running on a
 * kernel thread. The kernel does not export thread creation, but an
 * attacker who has read the built image knows where thread_create and
 * thread_sleep_ns lie relative to the exported printk: the scenario writes
 * the three addresses from the image's symbols into the driver (as
 * attack_a48 gets pg_seal_update), and the driver adds the distance from
 * printk's address in the image to the one it links against (the
 * kernel's random base). From a timer of its own, it then starts a kernel
 * thread of the system process that sleeps 10 ms at a time and counts,
 * cancels the timer, and removes its module record from the module list
 * and the module table (as attack_a45): no timer, DPC, callback or
 * dispatch entry of the hidden driver is left, only a thread whose every
 * field the scheduler and PatchGuard read is a kernel thread's.
 * Expected: 0x109 type 0x19 (loaded module list). */
#include "attack.h"

struct process;

typedef struct thread *(*thread_create_fn)(struct process *p, const char *name, void (*fn)(void *), void *arg);
typedef status_t (*sleep_fn)(uint64_t ns);

/* Set by the scenario from the built image's symbols. */
volatile uint64_t printk_at, thread_sleep_at, thread_create_at;

static struct ktimer wait_timer;
static struct dpc wait_dpc;
static struct module *self;
static sleep_fn sleep_ns;
static volatile uint64_t rounds;

static void hidden(void *arg)
{
	for (;;) {
		sleep_ns(10000000ull);
		if (++rounds % 20 == 0)
			printk("~ attack_a73: hidden thread, round %lu\n", rounds);
	}
}

static void attack(struct dpc *d, void *ctx)
{
	if (!thread_create_at || !thread_sleep_at || !printk_at)
		return;
	uint64_t slide = (uint64_t)&printk - printk_at;
	thread_create_fn create = (thread_create_fn)(thread_create_at + slide);
	sleep_ns = (sleep_fn)(thread_sleep_at + slide);
	thread_create_at = 0;
	timer_cancel(&wait_timer);
	if (!a_in_kernel_text((uint64_t)create) || !a_in_kernel_text((uint64_t)sleep_ns)) {
		printk("attack_a73: thread_create or thread_sleep_ns not in kernel text\n");
		return;
	}
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	if (!create(NULL, "kworker", hidden, NULL)) {
		a_restore(pf);
		printk("attack_a73: thread_create failed\n");
		return;
	}
	a_hide_module(self, a_module_slot(self));
	printk("attack_a73: a kernel thread runs the driver's code; the driver hidden from the module list and table\n");
	a_patched("attack_a73");
	a_restore(pf);
}

status_t driver_entry(struct driver_object *drv)
{
	self = a_module_of(drv);
	dpc_init(&wait_dpc, attack, NULL);
	timer_init(&wait_timer, &wait_dpc);
	timer_set(&wait_timer, 1000000ull, 1000000ull);
	printk("attack_a73: waiting for the addresses of thread_create and thread_sleep_ns\n");
	return KPP_STATUS_SUCCESS;
}
