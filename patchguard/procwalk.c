/* The process structures (region types 0x4 and 0x5), when the kernel has
 * them (kpp/process.h; its lists change only with interrupts disabled):
 *  - the active process list against the PID table: every process on the
 *    list sits in its PID-table slot with its PID, and every occupied slot's
 *    process is on the list (a DKOM-hidden process is in the table only);
 *  - the handle-table list: every table on it belongs to a process on the
 *    active list that points back at it, and each such process's table is
 *    on it.
 * The list heads and the table are linked weakly, so a kernel without
 * processes builds and simply has no such regions. */
#include <kpp/cpu.h>
#include <kpp/mm.h>
#include <kpp/sched.h>
#include <kpp/trap.h>
#include <kpp/types.h>
#include <kpp/usertest.h>
#include "pg.h"

#if __has_include(<kpp/process.h>)
#include <kpp/process.h>

#pragma weak process_list
#pragma weak pid_table
#pragma weak handle_table_list
#pragma weak object_types
#pragma weak protection_granted
#pragma weak system_process

#define WALK_LIMIT (KPP_PID_TABLE_SIZE + 1)

static void add(struct pg_region *out, uint32_t *n, uint64_t base, uint64_t size, uint32_t type, uint32_t check,
		uint64_t mask)
{
	struct pg_region *r = &out[(*n)++];
	r->base = base;
	r->size = size;
	r->type = type;
	r->check = check;
	r->mask = mask;
	r->expect = 0;
	r->shadow = PG_NO_SHADOW;
	r->suspect = 0;
}

void pg_enumerate_processes(struct pg_region *out, uint32_t *n, uint32_t max)
{
	if (!&process_list || !pid_table || !&handle_table_list || *n + 5 > max)
		return;
	/* The object types (0x8), and the protection the kernel granted (0x1F):
	 * the granted table is sealed (the kernel re-seals it at every process
	 * creation and free), and each live process's flag is compared with it. */
	if (object_types)
		add(out, n, (uint64_t)object_types, sizeof(struct object_type) * OBJ_TYPE_COUNT, KPP_PG_OBJECT_TYPE,
		    PG_CHECK_OBJTYPE, sizeof(struct object_type));
	if (protection_granted) {
		add(out, n, (uint64_t)protection_granted, sizeof(struct protection_grant) * KPP_PID_TABLE_SIZE,
		    KPP_PG_PROTECTED_PROCESS, PG_CHECK_SEALED, 0);
		add(out, n, (uint64_t)protection_granted, 0, KPP_PG_PROTECTED_PROCESS, PG_CHECK_PROTECTED,
		    (uint64_t)pid_table);
	}
	struct pg_region *r = &out[(*n)++];
	r->base = (uint64_t)&process_list;
	r->size = 0;
	r->type = KPP_PG_PROCESS_LIST;
	r->check = PG_CHECK_PROCLIST;
	r->mask = (uint64_t)pid_table;
	r->expect = 0;
	r->shadow = PG_NO_SHADOW;
	r->suspect = 0;
	r = &out[(*n)++];
	r->base = (uint64_t)&handle_table_list;
	r->size = 0;
	r->type = KPP_PG_HANDLE_TABLE_LIST;
	r->check = PG_CHECK_HANDLELIST;
	r->mask = (uint64_t)&process_list;
	r->expect = 0;
	r->shadow = PG_NO_SHADOW;
	r->suspect = 0;
}

static bool on_list(const struct list_link *head, const struct list_link *l)
{
	uint32_t n = 0;
	for (const struct list_link *k = head->next; k != head && n < WALK_LIMIT; k = k->next, n++)
		if (k == l)
			return true;
	return false;
}

bool pg_check_proclist(const struct pg_context *c, const struct pg_region *r, uint64_t *addr)
{
	const struct list_link *head = (const struct list_link *)r->base;
	const struct pid_entry *table = (const struct pid_entry *)r->mask;
	uint32_t listed = 0, present = 0;
	const struct list_link *prev = head;
	for (const struct list_link *l = head->next; l != head; prev = l, l = l->next) {
		const struct process *p = PROCESS_OF(l);
		if (!pg_mapped(l, sizeof *l) || !pg_mapped(p, sizeof *p) || ++listed > KPP_PID_TABLE_SIZE ||
		    l->prev != prev || p->pid_slot >= KPP_PID_TABLE_SIZE || table[p->pid_slot].process != p ||
		    table[p->pid_slot].pid != p->pid) {
			*addr = (uint64_t)&prev->next;
			return true;
		}
	}
	if (head->prev != prev) {
		*addr = (uint64_t)&head->prev;
		return true;
	}
	for (uint32_t i = 0; i < KPP_PID_TABLE_SIZE; i++) {
		const struct process *p = table[i].process;
		if (!p)
			continue;
		present++;
		if (!pg_mapped(p, sizeof *p) || !on_list(head, &p->link)) {
			*addr = (uint64_t)&table[i];
			return true;
		}
	}
	if (present != listed) {
		*addr = (uint64_t)table;
		return true;
	}
	return false;
}

bool pg_check_handlelist(const struct pg_context *c, const struct pg_region *r, uint64_t *addr)
{
	const struct list_link *head = (const struct list_link *)r->base;
	const struct list_link *procs = (const struct list_link *)r->mask;
	uint32_t listed = 0, owned = 0;
	const struct list_link *prev = head;
	for (const struct list_link *l = head->next; l != head; prev = l, l = l->next) {
		const struct handle_table *h = (const struct handle_table *)l;
		if (!pg_mapped(l, sizeof *l) || ++listed > KPP_PID_TABLE_SIZE || l->prev != prev ||
		    !pg_mapped(h->owner, sizeof *h->owner) || h->owner->handles != h ||
		    !on_list(procs, &h->owner->link)) {
			*addr = (uint64_t)&prev->next;
			return true;
		}
	}
	uint32_t n = 0;
	for (const struct list_link *l = procs->next; l != procs && n < WALK_LIMIT; l = l->next, n++) {
		const struct process *p = PROCESS_OF(l);
		if (!pg_mapped(p, sizeof *p))
			return false; /* the process-list check reports it */
		if (!p->handles)
			continue;
		owned++;
		if (!on_list(head, &p->handles->link)) {
			*addr = (uint64_t)&p->handles;
			return true;
		}
	}
	if (owned != listed) {
		*addr = (uint64_t)head;
		return true;
	}
	return false;
}

/* Every object type's method pointers, when set, lie in kernel text. */
bool pg_check_objtype(const struct pg_context *c, const struct pg_region *r, uint64_t *addr)
{
	for (uint64_t off = 0; off + r->mask <= r->size; off += r->mask)
		for (uint64_t k = 0; k < OBJ_TYPE_METHODS; k++) {
			uint64_t a = r->base + off + OBJ_TYPE_METHODS_OFFSET + 8 * k;
			uint64_t f = *(const uint64_t *)a;
			if (f && (f < c->text_lo || f >= c->text_hi)) {
				*addr = a;
				return true;
			}
		}
	return false;
}

/* Every live process carries exactly the protection granted to its slot. */
bool pg_check_protected(const struct pg_context *c, const struct pg_region *r, uint64_t *addr)
{
	const struct protection_grant *g = (const struct protection_grant *)r->base;
	const struct pid_entry *table = (const struct pid_entry *)r->mask;
	for (uint32_t i = 0; i < KPP_PID_TABLE_SIZE; i++) {
		const struct process *p = table[i].process;
		if (!p || !pg_mapped(p, sizeof *p))
			continue; /* the process-list check reports a bad slot */
		if (g[i].pid != p->pid || g[i].protection != p->protection) {
			*addr = (uint64_t)&p->protection;
			return true;
		}
	}
	return false;
}

/* Every live process's PML4 holds the kernel's kernel half (a process
 * whose copy points elsewhere sees a kernel of its own), and the kernel's
 * own tables map nothing in the user half but the ring-3 test's two pages
 * (kernel threads would otherwise run beside a program's memory: a
 * program hidden inside the system process). */
void pg_enumerate_address_spaces(struct pg_region *out, uint32_t *n, uint32_t max)
{
	if (!&process_list || *n == max)
		return;
	add(out, n, (uint64_t)phys_to_virt(kernel_cr3), 0, KPP_PG_PAGE_TABLES, PG_CHECK_ASPACES, (uint64_t)&process_list);
}

/* Views a hidden process cannot leave and keep running: every thread the
 * scheduler knows (all threads, the ready queue, the sleepers, the running
 * one) belongs to a process on the active list, no thread that runs ring-3
 * code belongs to the system process, the system process's address space
 * is the kernel's as armed (mask), and the address space loaded now is the
 * kernel's or a listed process's. A process hidden inside the system
 * process, with its address space made the system process's, would pass
 * every other view. */
void pg_enumerate_threads(struct pg_region *out, uint32_t *n, uint32_t max)
{
	if (!&process_list || *n == max)
		return;
	add(out, n, (uint64_t)&process_list, 0, KPP_PG_PROCESS_LIST, PG_CHECK_THREADS, kernel_cr3);
}

#define THREAD_WALK_LIMIT 1024

static bool thread_ok(const struct list_link *head, const struct thread *t)
{
	if (!pg_mapped(t, sizeof *t) || t->magic != OBJ_THREAD)
		return true; /* freed or not a thread: nothing to say about a process */
	const struct process *p = t->process;
	if (t->user && p == &system_process && t->state != THREAD_DEAD)
		return false; /* an exiting thread is handed to the system process just before it dies */
	return p && pg_mapped(p, sizeof *p) && on_list(head, &p->link);
}

/* Is t on the scheduler's list of every thread (from all)? Only the
 * kernel-half check on each link: the scheduler itself follows them. */
static bool on_all_list(const struct thread *all, const struct thread *t)
{
	uint32_t n = 0;
	for (const struct thread *k = all; k && n < THREAD_WALK_LIMIT; k = k->all_next, n++) {
		if (k == t)
			return true;
		if ((uint64_t)k >> 47 != 0x1FFFF || ((uint64_t)k & 7))
			return false;
	}
	return false;
}

/* The scheduler, about to switch to next (interrupts off): a thread runs
 * only while it is on the list of every thread, which the passes walk
 * (their stack scans, A92/A113). A thread taken off it while it waits on
 * a wait queue of its own (not the sleepers, which the passes also walk)
 * was seen only while ready or running, when a pass happened to look
 * (A116); here it is seen before it runs again. Not armed: nothing. */
void pg_thread_switch(const struct thread *next)
{
	if (pg_sealed_profile() == ~0ull && !pg_records_armed())
		return;
	struct thread *lists[3];
	sched_lists(&lists[0], &lists[1], &lists[2]);
	if (!on_all_list(lists[0], next))
		pg_fail(&next->all_next, (uint64_t)&next->all_next, KPP_PG_PROCESS_LIST);
}

bool pg_check_threads(const struct pg_context *c, const struct pg_region *r, uint64_t *addr)
{
	const struct list_link *head = (const struct list_link *)r->base;
	uint64_t f = irq_save();
	struct thread *lists[3];
	sched_lists(&lists[0], &lists[1], &lists[2]);
	bool bad = false;
	const struct thread *cur = current_thread();
	if (&system_process && (system_process.cr3 & PTE_ADDR) != r->mask) {
		*addr = (uint64_t)&system_process.cr3;
		bad = true;
	} else if (cur && !thread_ok(head, cur)) {
		*addr = (uint64_t)&cur->process;
		bad = true;
	}
	for (int k = 0; k < 3 && !bad; k++) {
		uint32_t walked = 0;
		for (const struct thread *t = lists[k]; t && walked < THREAD_WALK_LIMIT && !bad;
		     t = k == 0 ? t->all_next : t->run_next, walked++) {
			if (!pg_mapped(t, sizeof *t))
				break;
			if (!thread_ok(head, t)) {
				*addr = (uint64_t)&t->process;
				bad = true;
			} else if (k && !on_all_list(lists[0], t)) {
				/* ready or asleep, off the list of every thread (A116) */
				*addr = (uint64_t)&t->all_next;
				bad = true;
			}
		}
	}
	uint64_t cr3 = read_cr3() & PTE_ADDR;
	if (!bad && cr3 != r->mask) {
		bool found = false;
		uint32_t walked = 0;
		for (const struct list_link *l = head->next; l != head && walked < WALK_LIMIT && !found;
		     l = l->next, walked++)
			found = pg_mapped(PROCESS_OF(l), sizeof(struct process)) && PROCESS_OF(l)->cr3 == cr3;
		if (!found) {
			*addr = cr3;
			bad = true;
		}
	}
	irq_restore(f);
	return bad;
}

/* Kernel stacks come from the stack area, each 16 KiB above a guard page:
 * a stack top elsewhere (a driver's buffer) is where every system call
 * and interrupt from ring 3 of that thread would run. */
static bool stack_top_ok(uint64_t top)
{
	const uint64_t stride = PAGE_SIZE + KPP_KERNEL_STACK_SIZE;
	return top > KPP_STACK_AREA_BASE && top <= KPP_MMIO_AREA_BASE && (top - KPP_STACK_AREA_BASE) % stride == 0;
}

/* The RFLAGS a user thread's return to ring 3 restores: at the top of its
 * kernel stack, the third word down, in both frames that get there (an
 * interrupt or exception from ring 3: SS, RSP, RFLAGS, CS, RIP; a system
 * call: the program's RSP, RIP, then R11, its RFLAGS). Before its first
 * entry the thread's top word is 0 and the frame is neither. Ring 3
 * cannot raise its own I/O privilege level (POPF there leaves it); IOPL
 * above 0 in a saved frame is a driver handing the program every port. */
#define RFLAGS_IOPL 0x3000ull
static bool user_iopl(const struct thread *t, uint64_t *addr)
{
	const uint64_t *top = (const uint64_t *)t->stack_top;
	if (!t->user || !pg_mapped(top - 4, 4 * 8))
		return false;
	bool intr = top[-1] == (KPP_SEL_USER_DATA | 3) && top[-4] == (KPP_SEL_USER_CODE | 3);
	bool sys = top[-1] && top[-2] && top[-1] < KPP_USER_TOP && top[-2] < KPP_USER_TOP;
	if ((intr || sys) && (top[-3] & RFLAGS_IOPL)) {
		*addr = (uint64_t)&top[-3];
		return true;
	}
	return false;
}

/* The kernel's two returns to ring 3 (isr.S: IRET from a trap frame,
 * SYSRET at the end of a system call) come here when the RFLAGS they are
 * about to restore are nothing ring 3 can have made: an I/O privilege
 * level, a virtual-8086 or virtual-interrupt flag, or interrupts
 * disabled. saved is their slot in the frame. The passes find such a
 * frame only while its thread waits (A84); here it is seen on its way
 * out, before ring 3 runs an instruction with it (A85). The IRET also
 * comes here (sysret 2) when its frame is not at the running thread's
 * stack top: the processor took RSP0 from a TSS other than the kernel's
 * (A154), reported at the kernel's TSS's RSP0. Not armed
 * (pg=off, kd=1, by the own key's cell and the records' hash, either of
 * which cleared is a detection at the next NMI that compares the
 * records): the return goes on as it is, as nothing else is checked
 * then. */
void pg_user_return(const uint64_t *saved, int sysret)
{
	if (pg_sealed_profile() == ~0ull && !pg_records_armed())
		return;
	if (sysret == 2) { /* the IRET's frame is not at the thread's stack top: the TSS's RSP0 (A154) */
		size_t size;
		saved = (const uint64_t *)((const uint8_t *)tss_block(&size) + 4);
	}
	pg_fail(saved, (uint64_t)saved, KPP_PG_TASK_STATE);
}

bool pg_thread_stacks_bad(uint64_t *addr)
{
	uint64_t f = irq_save();
	struct thread *lists[4];
	sched_lists(&lists[0], &lists[1], &lists[2]);
	lists[3] = current_thread();
	bool bad = false;
	for (int k = 0; k < 4 && !bad; k++) {
		uint32_t walked = 0;
		for (const struct thread *t = lists[k]; t && walked < THREAD_WALK_LIMIT && !bad;
		     t = k == 0 ? t->all_next : k == 3 ? NULL : t->run_next, walked++) {
			if (!pg_mapped(t, sizeof *t))
				break;
			if (t->magic == OBJ_THREAD && t->state != THREAD_DEAD && !stack_top_ok(t->stack_top)) {
				*addr = (uint64_t)&t->stack_top;
				bad = true;
			} else if (t->magic == OBJ_THREAD && t->state != THREAD_DEAD) {
				bad = user_iopl(t, addr);
			}
		}
	}
	irq_restore(f);
	return bad;
}

#define KERNEL_HALF 256
#define PTE_HW (PTE_A | PTE_D)

static const uint64_t *table_at(uint64_t entry)
{
	const uint64_t *t = phys_to_virt(entry & PTE_ADDR);
	return pg_mapped(t, PAGE_SIZE) ? t : NULL;
}

/* A present mapping in the user half of the kernel's PML4 other than the
 * ring-3 test's pages (4 KiB each). */
static bool kernel_user_half_bad(const uint64_t *pml4, uint64_t *addr)
{
	for (uint64_t i = 0; i < KERNEL_HALF; i++) {
		if (!(pml4[i] & PTE_P))
			continue;
		const uint64_t *pdpt = table_at(pml4[i]);
		*addr = (uint64_t)&pml4[i];
		if (!pdpt)
			return true;
		for (uint64_t j = 0; j < 512; j++) {
			if (!(pdpt[j] & PTE_P))
				continue;
			const uint64_t *pd = table_at(pdpt[j]);
			*addr = (uint64_t)&pdpt[j];
			if ((pdpt[j] & PTE_PS) || !pd)
				return true;
			for (uint64_t k = 0; k < 512; k++) {
				if (!(pd[k] & PTE_P))
					continue;
				const uint64_t *pt = table_at(pd[k]);
				*addr = (uint64_t)&pd[k];
				if ((pd[k] & PTE_PS) || !pt)
					return true;
				for (uint64_t l = 0; l < 512; l++) {
					uint64_t va = i << 39 | j << 30 | k << 21 | l << 12;
					if ((pt[l] & PTE_P) && va != USERTEST_CODE_VA && va != USERTEST_STACK_VA) {
						*addr = (uint64_t)&pt[l];
						return true;
					}
				}
			}
		}
	}
	return false;
}

/* At arming: kernel-half PML4 entry slot cleared in every listed
 * process's copy (the kernel's own is cleared by the caller). */
void pg_aspaces_drop(int slot)
{
	if (!&process_list)
		return;
	uint32_t walked = 0;
	for (const struct list_link *l = process_list.next; l != &process_list && walked < WALK_LIMIT;
	     l = l->next, walked++) {
		const struct process *p = PROCESS_OF(l);
		if (p->cr3 && p->cr3 != kernel_cr3)
			((uint64_t *)phys_to_virt(p->cr3))[slot] = 0;
	}
}

bool pg_check_aspaces(const struct pg_context *c, const struct pg_region *r, uint64_t *addr)
{
	const uint64_t *kernel = (const uint64_t *)r->base;
	const struct list_link *head = (const struct list_link *)r->mask;
	if (kernel_user_half_bad(kernel, addr))
		return true;
	uint32_t walked = 0;
	for (const struct list_link *l = head->next; l != head && walked < WALK_LIMIT; l = l->next, walked++) {
		const struct process *p = PROCESS_OF(l);
		if (!pg_mapped(p, sizeof *p))
			return false; /* the process-list check reports it */
		if (!p->cr3 || phys_to_virt(p->cr3) == kernel)
			continue;
		const uint64_t *pml4 = phys_to_virt(p->cr3);
		for (int i = KERNEL_HALF; i < 512; i++)
			if ((pml4[i] & ~PTE_HW) != (kernel[i] & ~PTE_HW)) {
				*addr = (uint64_t)&pml4[i];
				return true;
			}
	}
	return false;
}

#else

/* The kernel's two returns to ring 3 (isr.S: IRET from a trap frame,
 * SYSRET at the end of a system call) come here when the RFLAGS they are
 * about to restore are nothing ring 3 can have made: an I/O privilege
 * level, a virtual-8086 or virtual-interrupt flag, or interrupts
 * disabled. saved is their slot in the frame. The passes find such a
 * frame only while its thread waits (A84); here it is seen on its way
 * out, before ring 3 runs an instruction with it (A85). The IRET also
 * comes here (sysret 2) when its frame is not at the running thread's
 * stack top: the processor took RSP0 from a TSS other than the kernel's
 * (A154), reported at the kernel's TSS's RSP0. Not armed
 * (pg=off, kd=1, by the own key's cell and the records' hash, either of
 * which cleared is a detection at the next NMI that compares the
 * records): the return goes on as it is, as nothing else is checked
 * then. */
void pg_user_return(const uint64_t *saved, int sysret)
{
	if (pg_sealed_profile() == ~0ull && !pg_records_armed())
		return;
	if (sysret == 2) { /* the IRET's frame is not at the thread's stack top: the TSS's RSP0 (A154) */
		size_t size;
		saved = (const uint64_t *)((const uint8_t *)tss_block(&size) + 4);
	}
	pg_fail(saved, (uint64_t)saved, KPP_PG_TASK_STATE);
}

bool pg_thread_stacks_bad(uint64_t *addr) { return false; }
void pg_enumerate_threads(struct pg_region *out, uint32_t *n, uint32_t max) {}
bool pg_check_threads(const struct pg_context *c, const struct pg_region *r, uint64_t *addr) { return false; }
void pg_enumerate_address_spaces(struct pg_region *out, uint32_t *n, uint32_t max) {}
void pg_aspaces_drop(int slot) {}
bool pg_check_aspaces(const struct pg_context *c, const struct pg_region *r, uint64_t *addr) { return false; }

void pg_enumerate_processes(struct pg_region *out, uint32_t *n, uint32_t max) {}
bool pg_check_proclist(const struct pg_context *c, const struct pg_region *r, uint64_t *addr) { return false; }
bool pg_check_handlelist(const struct pg_context *c, const struct pg_region *r, uint64_t *addr) { return false; }
bool pg_check_objtype(const struct pg_context *c, const struct pg_region *r, uint64_t *addr) { return false; }
bool pg_check_protected(const struct pg_context *c, const struct pg_region *r, uint64_t *addr) { return false; }

#endif
