/* attack_a8 (A8): hide a process by unlinking it from the active process
 * list (DKOM), leaving it in the PID table. The driver starts from the
 * current thread (the per-CPU block at GS), takes its process, and walks
 * the circular list from there to the process with the PID given as the
 * argument (default: the current process); the list head is recognised as
 * the one link that is not inside a pool object (the walk skips it, and any
 * other link outside pool memory, such as a statically allocated process). Expected: 0x109, type 0x4
 * (process list) or 0x5. On a kernel without processes it refuses to load. */
#include "attack_proc.h"

#if __has_include(<kpp/process.h>)
#include <kpp/process.h>

status_t driver_entry(struct driver_object *drv)
{
	struct thread *t = gs_current_thread();
	if (!a_ptr_ok((uint64_t)t, sizeof *t) || !a_ptr_ok((uint64_t)t->process, sizeof *t->process)) {
		printk("attack_a8: no current process\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t pid = t->process->pid;
	if (drv->args[0] && !parse_u64(drv->args, &pid))
		return KPP_STATUS_INVALID_PARAMETER;
	struct list_link *start = &t->process->link, *l = start;
	struct process *victim = t->process->pid == pid ? t->process : NULL;
	int n = 0;
	do {
		if (is_process(l) && PROCESS_OF(l)->pid == pid)
			victim = PROCESS_OF(l);
		l = l->next;
	} while (l != start && !victim && ++n < 4096);
	if (!victim) {
		printk("attack_a8: no process %lu\n", pid);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	victim->link.prev->next = victim->link.next;
	victim->link.next->prev = victim->link.prev;
	victim->link.next = victim->link.prev = &victim->link;
	printk("attack_a8: process %lu unlinked from the active process list\n", pid);
	a_patched("attack_a8");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}

#else

status_t driver_entry(struct driver_object *drv)
{
	printk("attack_a8: this kernel has no processes\n");
	return KPP_STATUS_NOT_SUPPORTED;
}

#endif
