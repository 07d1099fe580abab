/* attack_a64_stack (A64): move a user thread's kernel stack into the driver.
 * A thread's kernel stack top is what every switch to it loads into
 * TSS.RSP0 (the stack an interrupt from ring 3 runs on) and into the
 * per-CPU block's SYSCALL stack pointer. The driver finds the process with
 * the PID given as argument (by a walk of the active process list from the
 * current thread, as attack_a44) and points its first thread's stack top at
 * a 16 KiB buffer of its own data: from the next switch to that thread on,
 * every system call and interrupt it takes runs on the driver's memory,
 * while TSS.RSP0 and the SYSCALL stack pointer still equal the running
 * thread's stack top. Expected: 0x109 type 0x112 (task state segment). */
#include "attack_proc.h"
#include <kpp/process.h>

#define STACK_BYTES 16384

static uint8_t stack[STACK_BYTES] __attribute__((aligned(4096)));
static struct thread *victim;

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pid = 1;
	if (drv->args[0] && !parse_u64(drv->args, &pid))
		return KPP_STATUS_INVALID_PARAMETER;
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
		printk("attack_a64: process %lu or its thread not found\n", pid);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	victim = p->threads;
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	victim->stack_top = (uint64_t)stack + STACK_BYTES;
	printk("attack_a64: process %lu's thread takes its system calls and interrupts on the driver's stack\n", pid);
	a_patched("attack_a64");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
