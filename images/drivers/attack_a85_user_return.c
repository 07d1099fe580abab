/* attack_a85_user_return (A85): IOPL 3 written just before a program wakes.
 * A84 sets it while the program sleeps, and the passes that look at the
 * threads find it while it waits; a patch made one tick before the
 * program's return to ring 3 is consumed before any pass can look. The
 * driver finds the process with the PID given (a walk of the active
 * process list, as attack_a84) and, from a timer of its own on every
 * tick, waits until its first thread's sleep ends at the next tick; then
 * it edits the RFLAGS the return restores (the system call's saved R11 at
 * the top of the thread's kernel stack; a preempted program's IRET frame
 * has them in the same slot). With `now` it edits them at once (a
 * program that is ready, not asleep). What it writes: IOPL 3 (default),
 * `if` clears the interrupt flag (ring 3 running with interrupts masked),
 * `vip` sets the virtual-interrupt-pending flag. Expected: 0x109 type
 * 0x112 at that return. */
#include "attack_proc.h"
#include <kpp/process.h>
#include <kpp/string.h>

#define RFLAGS_IOPL (3ull << 12)
#define RFLAGS_VIP (1ull << 20)

static struct ktimer watcher;
static struct dpc watcher_dpc;
static struct thread *target;
static uint64_t pid;
static const char *what = "iopl";
static bool done;

static void patch(void)
{
	uint64_t pf = a_cli();
	uint64_t *frame = (uint64_t *)target->stack_top;
	if (!strcmp(what, "if"))
		frame[-3] &= ~RFLAGS_IF;
	else if (!strcmp(what, "vip"))
		frame[-3] |= RFLAGS_VIP;
	else
		frame[-3] |= RFLAGS_IOPL;
	done = true;
	printk("attack_a85: process %lu's saved RFLAGS changed (%s) before its return to ring 3\n", pid, what);
	a_patched("attack_a85");
	a_restore(pf);
}

static void step(struct dpc *d, void *ctx)
{
	(void)d;
	(void)ctx;
	if (done)
		return;
	/* Asleep, and its sleep ends at the next tick (or has just ended). */
	if (target->wake_tick ? target->wake_tick <= ticks() + 1 : target->state == THREAD_READY) {
		patch();
		timer_cancel(&watcher);
	}
}

/* The next word of s (cut at a space), and where the one after starts. */
static char *word(char *s, char **next)
{
	while (*s == ' ')
		s++;
	char *e = s;
	while (*e && *e != ' ')
		e++;
	*next = *e ? e + 1 : e;
	*e = 0;
	return s;
}

status_t driver_entry(struct driver_object *drv)
{
	static char args[64];
	strlcpy(args, drv->args, sizeof args);
	char *rest, *w = word(args, &rest);
	if (!w[0] || !parse_u64(w, &pid))
		return KPP_STATUS_INVALID_PARAMETER;
	bool now = false;
	for (w = word(rest, &rest); w[0]; w = word(rest, &rest)) {
		if (!strcmp(w, "now"))
			now = true;
		else if (!strcmp(w, "iopl") || !strcmp(w, "if") || !strcmp(w, "vip"))
			what = w;
		else
			return KPP_STATUS_INVALID_PARAMETER;
	}
	struct thread *t = gs_current_thread();
	struct list_link *start = &t->process->link, *l = start;
	struct process *p = NULL;
	int n = 0;
	do {
		if (is_process(l) && PROCESS_OF(l)->pid == pid)
			p = PROCESS_OF(l);
		l = l->next;
	} while (l != start && !p && ++n < 4096);
	if (!p || !p->threads) {
		printk("attack_a85: process %lu or its thread not found\n", pid);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	target = p->threads;
	if (now) {
		patch();
		return KPP_STATUS_SUCCESS;
	}
	printk("attack_a85: waiting for process %lu's wake-up\n", pid);
	dpc_init(&watcher_dpc, step, NULL);
	timer_init(&watcher, &watcher_dpc);
	timer_set(&watcher, 10000000ull, 10000000ull);
	return KPP_STATUS_SUCCESS;
}
