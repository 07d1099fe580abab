/* Threads and the round-robin scheduler (kpp/sched.h).
 *
 * The ready queue is FIFO; a thread that gives up the CPU (or is preempted
 * at the end of its slice) goes to its tail. The idle thread is never
 * queued: schedule() picks it when the queue is empty. A switch loads the
 * next thread's address space (when it differs), its RSP0 and SYSCALL
 * stack. A dead thread cannot free the stack it runs on: the next thread
 * does that in finish_switch, and keeps the stack for reuse. */
#include <kpp/bugcheck.h>
#include <kpp/cpu.h>
#include <kpp/event.h>
#include <kpp/hooks.h>
#include <kpp/mm.h>
#include <kpp/patchguard.h>
#include <kpp/printk.h>
#include <kpp/process.h>
#include <kpp/sched.h>
#include <kpp/string.h>
#include <kpp/syscall.h>
#include <kpp/time.h>
#include <kpp/trap.h>

#define THREAD_TAG POOL_TAG('T', 'h', 'r', 'd')
#define STACK_CACHE_MAX 32
/* What switch_context pops for a new thread: RFLAGS, r15..r12, rbx, rbp. */
#define SWITCH_FRAME_WORDS 7

static struct thread boot_thread, idle_thread;
#define FPU_TAG POOL_TAG('F', 'x', 'S', 'v')
#define FXSAVE_SIZE 512
#define FX_FCW 0             /* offsets in the FXSAVE image */
#define FX_MXCSR 24
#define FCW_DEFAULT 0x037F   /* FNINIT's control word */
#define MXCSR_DEFAULT 0x1F80 /* all SIMD exceptions masked, round to nearest */

static struct thread *current;
static struct thread *ready_head, *ready_tail;
static struct thread *sleepers;      /* through run_next, unsorted */
static struct thread *dead;          /* switched away from for the last time */
static struct thread *all_threads;
static uint32_t next_tid;
static bool need_resched;
static bool running;
static uint64_t switches;
static uint64_t stack_cache[STACK_CACHE_MAX];
static unsigned stack_cached;

struct thread *current_thread(void) { return current; }

void sched_lists(struct thread **all, struct thread **ready, struct thread **sleeping)
{
	*all = all_threads;
	*ready = ready_head;
	*sleeping = sleepers;
}
bool sched_running(void) { return running; }
uint64_t sched_switches(void) { return switches; }

static void ready_push(struct thread *t)
{
	t->state = THREAD_READY;
	t->run_next = NULL;
	if (ready_tail)
		ready_tail->run_next = t;
	else
		ready_head = t;
	ready_tail = t;
	if (current == &idle_thread)
		need_resched = true;
}

static struct thread *ready_pop(void)
{
	struct thread *t = ready_head;
	if (t) {
		ready_head = t->run_next;
		if (!ready_head)
			ready_tail = NULL;
		t->run_next = NULL;
	}
	return t;
}

static void load_context(struct thread *t)
{
	tss_set_rsp0(t->stack_top);
	percpu.kernel_rsp = t->stack_top;
	percpu.current = (uint64_t)t;
	uint64_t cr3 = t->process ? t->process->cr3 : kernel_cr3;
	if ((read_cr3() & PTE_ADDR) != cr3)
		write_cr3(cr3);
}

static void unlink_all(struct thread *t)
{
	for (struct thread **pp = &all_threads; *pp; pp = &(*pp)->all_next)
		if (*pp == t) {
			*pp = t->all_next;
			return;
		}
}

/* Interrupts are off. Release threads that died before this switch. */
static void finish_switch(void)
{
	while (dead) {
		struct thread *t = dead;
		dead = t->run_next;
		unlink_all(t);
		pool_free(t->fpu);
		if (stack_cached < STACK_CACHE_MAX)
			stack_cache[stack_cached++] = t->stack_top;
		/* else: the stack area is never reused; the frames stay mapped */
		t->magic = 0;
		pool_free(t);
	}
}

void schedule(void)
{
	uint64_t f = irq_save();
	struct thread *prev = current;
	if (prev->state == THREAD_RUNNING && prev != &idle_thread)
		ready_push(prev);
	struct thread *next = ready_pop();
	if (!next)
		next = &idle_thread;
	need_resched = false;
	if (next != prev) {
		if (prev->state == THREAD_DEAD) {
			prev->run_next = dead;
			dead = prev;
		}
		next->state = THREAD_RUNNING;
		next->slice = SCHED_SLICE_TICKS;
		current = next;
		switches++;
		/* The kernel never touches SSE/x87 registers (general registers
		 * only), so what they hold here is the user state of prev. */
		if (prev->fpu)
			__asm__ volatile("fxsave64 %0" : "=m"(*(char(*)[FXSAVE_SIZE])prev->fpu));
		if (next->fpu)
			__asm__ volatile("fxrstor64 %0" ::"m"(*(const char(*)[FXSAVE_SIZE])next->fpu));
		pg_thread_switch(next); /* a thread runs only while on all_threads (A116) */
		load_context(next);
		switch_context(&prev->rsp, next->rsp);
		finish_switch();
	} else {
		prev->state = THREAD_RUNNING;
		prev->slice = SCHED_SLICE_TICKS;
	}
	irq_restore(f);
}

void sched_tick(void)
{
	if (!running)
		return;
	uint64_t now = ticks();
	for (struct thread **pp = &sleepers; *pp;) {
		struct thread *t = *pp;
		if (t->wake_tick <= now) {
			*pp = t->run_next;
			t->wake_tick = 0;
			t->wait_status = KPP_STATUS_SUCCESS;
			ready_push(t);
		} else {
			pp = &t->run_next;
		}
	}
	if (current->slice)
		current->slice--;
	if (!current->slice && ready_head)
		need_resched = true;
	if (current == &idle_thread && ready_head)
		need_resched = true;
}

void sched_preempt_point(void)
{
	if (running && need_resched)
		schedule();
}

/* Every new thread starts here (interrupts off, from switch_context). */
void thread_entry(void)
{
	finish_switch();
	sti();
	struct thread *t = current;
	t->fn(t->arg);
	thread_exit(0);
}

static uint64_t stack_get(void)
{
	uint64_t f = irq_save();
	uint64_t top = stack_cached ? stack_cache[--stack_cached] : 0;
	irq_restore(f);
	return top ? top : kstack_alloc();
}

struct thread *thread_create(struct process *p, const char *name, void (*fn)(void *), void *arg)
{
	if (!p)
		p = &system_process;
	struct thread *t = pool_alloc(sizeof *t, THREAD_TAG);
	if (!t)
		return NULL;
	uint64_t top = stack_get();
	if (!top) {
		pool_free(t);
		return NULL;
	}
	t->magic = OBJ_THREAD;
	t->refs = 1;
	t->stack_top = top;
	t->fn = fn;
	t->arg = arg;
	t->process = p;
	strlcpy(t->name, name, sizeof t->name);
	uint64_t *sp = (uint64_t *)top;
	*--sp = 0;                      /* alignment */
	*--sp = (uint64_t)thread_start; /* switch_context's return address */
	for (int i = 0; i < SWITCH_FRAME_WORDS - 1; i++)
		*--sp = 0;              /* rbp, rbx, r12-r15 */
	*--sp = 0x2;                    /* RFLAGS: interrupts off until thread_entry */
	t->rsp = (uint64_t)sp;

	uint64_t f = irq_save();
	t->tid = next_tid++;
	t->all_next = all_threads;
	all_threads = t;
	t->proc_next = p->threads;
	p->threads = t;
	p->nthreads++;
	obj_ref(&p->obj);
	irq_restore(f);
	/* Report the thread before it can run: otherwise a timer tick between
	 * making it ready and the notification lets its first output come
	 * before its creation line, in an order that depends on where the
	 * tick falls. */
	uint64_t ev[2] = {p->pid, t->tid};
	event_post(KPP_EV_THREAD_CREATED, ev, 2, t->name);
	hook_thread_notify(p->pid, t->tid, true);
	f = irq_save();
	ready_push(t);
	irq_restore(f);
	return t;
}

/* Process bookkeeping for the exiting thread; returns true when it was the
 * process's last thread. */
static bool detach_from_process(struct thread *t)
{
	struct process *p = t->process;
	uint64_t f = irq_save();
	for (struct thread **pp = &p->threads; *pp; pp = &(*pp)->proc_next)
		if (*pp == t) {
			*pp = t->proc_next;
			break;
		}
	bool last = --p->nthreads == 0;
	irq_restore(f);
	return last;
}

void process_last_thread_exit(struct process *p, uint32_t status);

void thread_exit(uint32_t status)
{
	struct thread *t = current;
	if (t == &boot_thread || t == &idle_thread)
		PANIC("boot or idle thread exits");
	sti();
	t->exit_status = status;
	struct process *p = t->process;
	uint64_t ev[2] = {p->pid, t->tid};
	event_post(KPP_EV_THREAD_EXITED, ev, 2, t->name);
	hook_thread_notify(p->pid, t->tid, false);
	if (detach_from_process(t))
		process_last_thread_exit(p, status); /* kernel address space, interrupts off */
	cli();
	/* Dropping the thread's reference may free the process and its PML4:
	 * leave its address space first. */
	if ((read_cr3() & PTE_ADDR) != kernel_cr3)
		write_cr3(kernel_cr3);
	t->process = &system_process;
	obj_deref(&p->obj);
	t->state = THREAD_DEAD;
	schedule();
	PANIC("dead thread scheduled");
	for (;;)
		;
}

bool thread_fpu_init(void)
{
	struct thread *t = current;
	if (!cpu_features.fxsr)
		return true;
	uint8_t *fx = pool_alloc(FXSAVE_SIZE, FPU_TAG); /* zeroed, 16-byte aligned */
	if (!fx)
		return false;
	*(uint16_t *)(fx + FX_FCW) = FCW_DEFAULT;
	*(uint32_t *)(fx + FX_MXCSR) = MXCSR_DEFAULT;
	/* Load the clean state now (the registers still hold the previous
	 * user thread's), with no switch in between. */
	uint64_t f = irq_save();
	t->fpu = fx;
	__asm__ volatile("fxrstor64 %0" ::"m"(*(const char(*)[FXSAVE_SIZE])fx));
	irq_restore(f);
	return true;
}

status_t thread_sleep_ns(uint64_t ns)
{
	struct thread *t = current;
	uint64_t n = (ns + NSEC_PER_TICK - 1) / NSEC_PER_TICK;
	uint64_t f = irq_save();
	if (t->terminate) {
		irq_restore(f);
		return KPP_STATUS_PROCESS_IS_TERMINATING;
	}
	t->wake_tick = ticks() + (n ? n : 1);
	t->state = THREAD_BLOCKED;
	t->run_next = sleepers;
	sleepers = t;
	schedule();
	status_t st = t->wait_status;
	irq_restore(f);
	return st;
}

status_t wait_block(struct wait_queue *q, bool interruptible)
{
	struct thread *t = current;
	uint64_t f = irq_save();
	if (interruptible && t->terminate) {
		irq_restore(f);
		return KPP_STATUS_PROCESS_IS_TERMINATING;
	}
	t->state = THREAD_BLOCKED;
	t->waiting_on = q;
	t->interruptible = interruptible;
	t->run_next = NULL;
	if (q->tail)
		q->tail->run_next = t;
	else
		q->head = t;
	q->tail = t;
	schedule();
	t->waiting_on = NULL;
	status_t st = t->wait_status;
	irq_restore(f);
	return st;
}

static void wait_remove(struct wait_queue *q, struct thread *t)
{
	struct thread *prev = NULL;
	for (struct thread *w = q->head; w; prev = w, w = w->run_next)
		if (w == t) {
			if (prev)
				prev->run_next = t->run_next;
			else
				q->head = t->run_next;
			if (q->tail == t)
				q->tail = prev;
			return;
		}
}

void wait_wake_one(struct wait_queue *q)
{
	uint64_t f = irq_save();
	struct thread *t = q->head;
	if (t) {
		q->head = t->run_next;
		if (!q->head)
			q->tail = NULL;
		t->wait_status = KPP_STATUS_SUCCESS;
		ready_push(t);
	}
	irq_restore(f);
}

void wait_wake_all(struct wait_queue *q)
{
	uint64_t f = irq_save();
	while (q->head)
		wait_wake_one(q);
	irq_restore(f);
}

void thread_interrupt(struct thread *t)
{
	uint64_t f = irq_save();
	if (t->state == THREAD_BLOCKED) {
		if (t->wake_tick) {
			for (struct thread **pp = &sleepers; *pp; pp = &(*pp)->run_next)
				if (*pp == t) {
					*pp = t->run_next;
					break;
				}
			t->wake_tick = 0;
			t->wait_status = KPP_STATUS_PROCESS_IS_TERMINATING;
			ready_push(t);
		} else if (t->waiting_on && t->interruptible) {
			wait_remove(t->waiting_on, t);
			t->wait_status = KPP_STATUS_PROCESS_IS_TERMINATING;
			ready_push(t);
		}
	}
	irq_restore(f);
}

void mutex_lock(struct mutex *m)
{
	uint64_t f = irq_save();
	while (m->owner)
		wait_block(&m->waiters, false);
	m->owner = current;
	irq_restore(f);
}

void mutex_unlock(struct mutex *m)
{
	uint64_t f = irq_save();
	m->owner = NULL;
	wait_wake_one(&m->waiters);
	irq_restore(f);
}

static void idle_loop(void)
{
	for (;;) {
		sti_hlt();
		cli();
		if (ready_head)
			schedule();
	}
}

void sched_init(void)
{
	/* The boot context (kmain, then the shell) becomes thread 0; its
	 * ring-3 stack (usertest) is the RSP0 stack main.c set up. */
	boot_thread.magic = OBJ_THREAD;
	boot_thread.refs = 1;
	boot_thread.tid = next_tid++;
	boot_thread.state = THREAD_RUNNING;
	boot_thread.process = &system_process;
	boot_thread.stack_top = percpu.kernel_rsp;
	boot_thread.slice = SCHED_SLICE_TICKS;
	strlcpy(boot_thread.name, "shell", sizeof boot_thread.name);
	current = &boot_thread;

	idle_thread.magic = OBJ_THREAD;
	idle_thread.refs = 1;
	idle_thread.tid = next_tid++;
	idle_thread.state = THREAD_READY;
	idle_thread.process = &system_process;
	idle_thread.stack_top = kstack_alloc();
	strlcpy(idle_thread.name, "idle", sizeof idle_thread.name);
	uint64_t *sp = (uint64_t *)idle_thread.stack_top;
	*--sp = 0;
	*--sp = (uint64_t)thread_start;
	for (int i = 0; i < SWITCH_FRAME_WORDS - 1; i++)
		*--sp = 0;
	*--sp = 0x2;
	idle_thread.rsp = (uint64_t)sp;
	idle_thread.fn = (void (*)(void *))idle_loop;
	boot_thread.all_next = &idle_thread;
	all_threads = &boot_thread;
	system_process.threads = &boot_thread;
	boot_thread.proc_next = &idle_thread;
	system_process.nthreads = 2;
	load_context(&boot_thread);
	running = true;
}
