/* Process objects, the active process list, the PID table and handle
 * tables (layouts and invariants in kpp/process.h). Every change to the
 * list, the PID table or the handle-table list happens with interrupts
 * disabled, so a checker running in a DPC never sees them half done. */
#include <kpp/bugcheck.h>
#include <kpp/cpu.h>
#include <kpp/event.h>
#include <kpp/hooks.h>
#include <kpp/mm.h>
#include <kpp/module.h>
#include <kpp/patchguard.h>
#include <kpp/printk.h>
#include <kpp/process.h>
#include <kpp/string.h>
#include <kpp/syscall.h>
#include <kpp/trap.h>

#define PROCESS_TAG POOL_TAG('P', 'r', 'o', 'c')
#define HANDLE_TAG POOL_TAG('O', 'b', 'H', 't')
#define HANDLE_SHIFT 2
#define MAX_ORPHANS 16

struct list_link process_list = {&process_list, &process_list};
struct pid_entry pid_table[KPP_PID_TABLE_SIZE];
struct list_link handle_table_list = {&handle_table_list, &handle_table_list};
struct process system_process;
struct protection_grant protection_granted[KPP_PID_TABLE_SIZE];
static uint32_t next_pid = 1;

static void process_delete(struct object *o);

/* The object types (kpp/process.h). */
struct object_type object_types[OBJ_TYPE_COUNT] = {
	{"Process", OBJ_PROCESS, OBJ_TYPE_HANDLES, NULL, process_delete},
	{"Thread", OBJ_THREAD, 0, NULL, NULL},
};
struct object_type *const process_object_type = &object_types[0];

const struct object_type *object_type_of(const struct object *o)
{
	for (int i = 0; i < OBJ_TYPE_COUNT; i++)
		if (object_types[i].tag == o->type)
			return &object_types[i];
	return NULL;
}

/* Interrupts off. Record (and re-seal) what slot's process was granted. */
static void grant_set(uint32_t slot, uint32_t pid, uint32_t protection)
{
	pg_seal_verify(protection_granted);
	protection_granted[slot].pid = pid;
	protection_granted[slot].protection = protection;
	pg_seal_update(protection_granted); /* false until PatchGuard is armed */
}

uint32_t process_protection_filter(const struct process *current, const struct object *target, uint32_t access)
{
	if (target->type == OBJ_PROCESS && (((const struct process *)target)->protection & PROC_PROTECTED) &&
	    !(current->protection & PROC_PROTECTED) && current != &system_process)
		access &= ~(uint32_t)PROCESS_PROTECTED_DENIED;
	return access;
}

static void list_insert_tail(struct list_link *head, struct list_link *l)
{
	l->next = head;
	l->prev = head->prev;
	head->prev->next = l;
	head->prev = l;
}

static void list_remove(struct list_link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->next = l->prev = l;
}

struct process *current_process(void)
{
	struct thread *t = current_thread();
	return t && t->process ? t->process : &system_process;
}

/* Interrupts off. Enter p in the PID table and the active list. */
static bool publish(struct process *p)
{
	for (uint32_t i = 0; i < KPP_PID_TABLE_SIZE; i++)
		if (!pid_table[i].process) {
			pid_table[i].pid = p->pid;
			pid_table[i].process = p;
			p->pid_slot = i;
			list_insert_tail(&process_list, &p->link);
			grant_set(i, p->pid, p->protection);
			return true;
		}
	return false;
}

void process_init(void)
{
	struct process *p = &system_process;
	p->obj.type = OBJ_PROCESS;
	p->obj.refs = 1; /* never freed */
	p->pid = 0;
	p->state = KPP_PROC_STATE_RUNNING;
	p->flags = PROC_FLAG_SYSTEM;
	p->cr3 = kernel_cr3;
	strlcpy(p->name, "system", sizeof p->name);
	uint64_t f = irq_save();
	publish(p);
	irq_restore(f);
}

static void handle_table_free(struct process *p);

static void process_free(struct process *p)
{
	uint64_t f = irq_save();
	list_remove(&p->link);
	pid_table[p->pid_slot].process = NULL;
	pid_table[p->pid_slot].pid = 0;
	grant_set(p->pid_slot, 0, 0);
	irq_restore(f);
	handle_table_free(p); /* normally gone at exit already */
	if (p->cr3)
		frame_free(p->cr3);
	p->obj.type = 0;
	pool_free(p);
}

void obj_ref(struct object *o) { __atomic_add_fetch(&o->refs, 1, __ATOMIC_SEQ_CST); }

void obj_deref(struct object *o)
{
	int32_t n = __atomic_sub_fetch(&o->refs, 1, __ATOMIC_SEQ_CST);
	if (n > 0)
		return;
	if (n < 0)
		bugcheck(KPP_BUG_BAD_POOL_CALLER, 0x4F42, (uint64_t)o, o->type, (uint64_t)n);
	/* Threads have no delete: the scheduler releases them once dead (their
	 * stack is in use until then). */
	const struct object_type *t = object_type_of(o);
	if (t && t->delete)
		t->delete(o);
}

static void process_delete(struct object *o) { process_free((struct process *)o); }

struct process *process_get(uint32_t pid)
{
	uint64_t f = irq_save();
	struct process *p = NULL;
	for (uint32_t i = 0; i < KPP_PID_TABLE_SIZE; i++)
		if (pid_table[i].process && pid_table[i].pid == pid) {
			p = pid_table[i].process;
			obj_ref(&p->obj);
			break;
		}
	irq_restore(f);
	return p;
}

/* Handles. */

static status_t handle_table_create(struct process *p)
{
	struct handle_table *h = pool_alloc(sizeof *h, HANDLE_TAG);
	if (!h)
		return KPP_STATUS_NO_MEMORY;
	h->owner = p;
	uint64_t f = irq_save();
	p->handles = h;
	list_insert_tail(&handle_table_list, &h->link);
	irq_restore(f);
	return KPP_STATUS_SUCCESS;
}

/* Close every handle and free the table. */
static void handle_table_free(struct process *p)
{
	uint64_t f = irq_save();
	struct handle_table *h = p->handles;
	if (!h) {
		irq_restore(f);
		return;
	}
	list_remove(&h->link);
	p->handles = NULL;
	irq_restore(f);
	for (uint32_t i = 0; i < KPP_HANDLE_TABLE_SIZE; i++)
		if (h->entries[i].object) {
			struct object *o = h->entries[i].object;
			h->entries[i].object = NULL;
			obj_deref(o);
		}
	pool_free(h);
}

status_t handle_insert(struct process *owner, struct object *o, uint32_t access, uint64_t *handle)
{
	uint64_t f = irq_save();
	struct handle_table *h = owner->handles;
	if (!h) {
		irq_restore(f);
		return KPP_STATUS_PROCESS_IS_TERMINATING;
	}
	for (uint32_t i = 0; i < KPP_HANDLE_TABLE_SIZE; i++)
		if (!h->entries[i].object) {
			obj_ref(o);
			h->entries[i].object = o;
			h->entries[i].access = access;
			h->count++;
			irq_restore(f);
			*handle = (uint64_t)(i + 1) << HANDLE_SHIFT;
			return KPP_STATUS_SUCCESS;
		}
	irq_restore(f);
	return KPP_STATUS_INSUFFICIENT_RESOURCES;
}

/* Interrupts off. The entry of handle in the current process, or NULL. */
static struct handle_entry *handle_entry(uint64_t handle)
{
	struct handle_table *h = current_process()->handles;
	if (!h || (handle & ((1u << HANDLE_SHIFT) - 1)) || handle == 0)
		return NULL;
	uint64_t i = (handle >> HANDLE_SHIFT) - 1;
	if (i >= KPP_HANDLE_TABLE_SIZE || !h->entries[i].object)
		return NULL;
	return &h->entries[i];
}

status_t handle_lookup(uint64_t handle, struct object **obj, uint32_t *access)
{
	if (handle == KPP_CURRENT_PROCESS) {
		struct process *p = current_process();
		obj_ref(&p->obj);
		*obj = &p->obj;
		*access = KPP_PROCESS_ALL_ACCESS;
		return KPP_STATUS_SUCCESS;
	}
	uint64_t f = irq_save();
	struct handle_entry *e = handle_entry(handle);
	if (!e) {
		irq_restore(f);
		return KPP_STATUS_INVALID_HANDLE;
	}
	obj_ref(e->object);
	*obj = e->object;
	*access = e->access;
	irq_restore(f);
	return KPP_STATUS_SUCCESS;
}

status_t handle_get_process(uint64_t handle, uint32_t want, struct process **out)
{
	struct object *o;
	uint32_t access;
	status_t st = handle_lookup(handle, &o, &access);
	if (st != KPP_STATUS_SUCCESS)
		return st;
	if (o->type != OBJ_PROCESS) {
		obj_deref(o);
		return KPP_STATUS_INVALID_HANDLE;
	}
	if ((access & want) != want) {
		obj_deref(o);
		return KPP_STATUS_ACCESS_DENIED;
	}
	*out = (struct process *)o;
	return KPP_STATUS_SUCCESS;
}

status_t handle_close(struct process *owner, uint64_t handle)
{
	uint64_t f = irq_save();
	struct handle_table *h = owner->handles;
	uint64_t i = (handle >> HANDLE_SHIFT) - 1;
	if (!h || handle == 0 || (handle & ((1u << HANDLE_SHIFT) - 1)) || i >= KPP_HANDLE_TABLE_SIZE ||
	    !h->entries[i].object) {
		irq_restore(f);
		return KPP_STATUS_INVALID_HANDLE;
	}
	struct object *o = h->entries[i].object;
	h->entries[i].object = NULL;
	h->entries[i].access = 0;
	h->count--;
	irq_restore(f);
	const struct object_type *t = object_type_of(o);
	if (t && t->close)
		t->close(owner, o);
	obj_deref(o);
	return KPP_STATUS_SUCCESS;
}

/* Creation. */

struct user_start {
	uint64_t entry, rsp, argc, argv;
};

static void user_thread_main(void *arg)
{
	struct thread *t = current_thread();
	struct user_start s = *(struct user_start *)arg;
	pool_free(arg);
	t->user = true;
	if (!thread_fpu_init())
		thread_exit(KPP_STATUS_NO_MEMORY);
	process_return_to_user(); /* terminated or suspended before its first instruction */
	user_iret(s.entry, s.rsp, s.argc, s.argv);
}

status_t process_start_thread(struct process *p, uint64_t entry, uint64_t rsp, uint64_t a0, uint64_t a1,
			      uint32_t *tid)
{
	if (p->nthreads >= KPP_THREADS_PER_PROC)
		return KPP_STATUS_INSUFFICIENT_RESOURCES;
	struct user_start *s = pool_alloc(sizeof *s, PROCESS_TAG);
	if (!s)
		return KPP_STATUS_NO_MEMORY;
	s->entry = entry;
	s->rsp = rsp;
	s->argc = a0;
	s->argv = a1;
	struct thread *t = thread_create(p, p->name, user_thread_main, s);
	if (!t) {
		pool_free(s);
		return KPP_STATUS_NO_MEMORY;
	}
	if (tid)
		*tid = t->tid;
	return KPP_STATUS_SUCCESS;
}

status_t process_spawn(const char *name, const char *args, struct process *parent, uint32_t *pid)
{
	return process_spawn_protected(name, args, parent, 0, pid);
}

status_t process_spawn_protected(const char *name, const char *args, struct process *parent, uint32_t protection,
				 uint32_t *pid)
{
	const void *image;
	size_t size;
	if (!program_find(name, &image, &size))
		return KPP_STATUS_OBJECT_NAME_NOT_FOUND;
	struct process *p = pool_alloc(sizeof *p, PROCESS_TAG);
	if (!p)
		return KPP_STATUS_NO_MEMORY;
	p->obj.type = OBJ_PROCESS;
	p->obj.refs = 1; /* the creator's, until the end of this function */
	p->link.next = p->link.prev = &p->link;
	p->parent = parent->pid;
	p->state = KPP_PROC_STATE_RUNNING;
	p->alloc_next = KPP_USER_ALLOC_BASE;
	p->protection = protection & PROC_PROTECTED;
	strlcpy(p->name, name, sizeof p->name);
	snprintf(p->cmdline, sizeof p->cmdline, "%s%s%s", name, args && args[0] ? " " : "", args ? args : "");
	p->cr3 = vm_new_address_space();
	if (!p->cr3) {
		pool_free(p);
		return KPP_STATUS_NO_MEMORY;
	}
	uint64_t f = irq_save();
	p->pid = next_pid++;
	bool ok = publish(p);
	irq_restore(f);
	if (!ok) {
		frame_free(p->cr3);
		pool_free(p);
		return KPP_STATUS_INSUFFICIENT_RESOURCES;
	}
	status_t st = handle_table_create(p);
	if (st == KPP_STATUS_SUCCESS)
		st = exec_load(p, image, size, p->cmdline);
	if (st == KPP_STATUS_SUCCESS)
		st = hook_image_load(name, p->image_base, p->image_size, p->pid, false);
	struct thread *creator = current_thread();
	struct process_create_info info = {parent->pid, current_process()->pid, creator->tid, name, p->cmdline,
					   KPP_STATUS_SUCCESS};
	if (st == KPP_STATUS_SUCCESS)
		st = hook_process_notify(p, p->pid, &info);
	if (st == KPP_STATUS_SUCCESS && !NT_SUCCESS(info.creation_status))
		st = info.creation_status;
	if (st == KPP_STATUS_SUCCESS) {
		/* Posted before the first thread exists, so the host never sees
		 * a process exit before it was created. */
		uint64_t ev[2] = {p->pid, p->parent};
		event_post(KPP_EV_PROCESS_CREATED, ev, 2, p->name);
		st = process_start_thread(p, p->entry, p->user_rsp, p->user_argc, p->user_argv, NULL);
		if (st != KPP_STATUS_SUCCESS) {
			uint64_t ex[2] = {p->pid, st};
			event_post(KPP_EV_PROCESS_EXITED, ex, 2, p->name);
		}
	}
	if (st != KPP_STATUS_SUCCESS) {
		p->state = KPP_PROC_STATE_EXITED;
		process_free_user_memory(p);
		handle_table_free(p);
		obj_deref(&p->obj);
		return st;
	}
	p->parent_ref = true; /* the creator's reference becomes the parent's */
	*pid = p->pid;
	return KPP_STATUS_SUCCESS;
}

/* Exit and termination. */

/* Release the references p holds on its children for their parent's wait. */
static void release_children(struct process *p)
{
	struct process *orphans[MAX_ORPHANS];
	for (;;) {
		unsigned n = 0;
		uint64_t f = irq_save();
		for (struct list_link *l = process_list.next; l != &process_list && n < MAX_ORPHANS; l = l->next) {
			struct process *c = PROCESS_OF(l);
			if (c != p && c->parent == p->pid && c->parent_ref) {
				c->parent_ref = false;
				orphans[n++] = c;
			}
		}
		irq_restore(f);
		for (unsigned i = 0; i < n; i++)
			obj_deref(&orphans[i]->obj);
		if (n < MAX_ORPHANS)
			return;
	}
}

/* Called by thread_exit in the process's last thread; returns with
 * interrupts disabled. */
void process_last_thread_exit(struct process *p, uint32_t status)
{
	if (!p->terminating)
		p->exit_status = status;
	p->terminating = true;
	/* Leave the address space before taking it apart. */
	uint64_t f = irq_save();
	write_cr3(kernel_cr3);
	irq_restore(f);
	hook_process_notify(p, p->pid, NULL);
	process_free_user_memory(p);
	handle_table_free(p);
	release_children(p);
	printk("~ proc: pid %u (%s) exited, status 0x%x\n", p->pid, p->name, p->exit_status);
	uint64_t ev[2] = {p->pid, p->exit_status};
	event_post(KPP_EV_PROCESS_EXITED, ev, 2, p->name);
	/* Interrupts stay off until the exiting thread has dropped its
	 * reference and switched away (thread_exit): a waiter woken here must
	 * not run first and still find the process, in an order that would
	 * depend on where a timer tick falls. */
	cli();
	p->state = KPP_PROC_STATE_EXITED;
	wait_wake_all(&p->exit_wait);
}

status_t process_terminate(struct process *p, uint32_t status)
{
	if (p->flags & PROC_FLAG_SYSTEM)
		return KPP_STATUS_ACCESS_DENIED;
	uint64_t f = irq_save();
	if (p->terminating || p->state != KPP_PROC_STATE_RUNNING) {
		irq_restore(f);
		return KPP_STATUS_PROCESS_IS_TERMINATING;
	}
	p->terminating = true;
	p->exit_status = status;
	struct thread *self = current_thread();
	bool own = false;
	for (struct thread *t = p->threads; t; t = t->proc_next) {
		t->terminate = true;
		if (t == self)
			own = true;
		else
			thread_interrupt(t);
	}
	wait_wake_all(&p->resume_wait);
	irq_restore(f);
	if (own)
		thread_exit(status);
	return KPP_STATUS_SUCCESS;
}

/* Wait for p to finish exiting (no reaping). */
static status_t wait_exited(struct process *p)
{
	for (;;) {
		uint64_t f = irq_save();
		if (p->state == KPP_PROC_STATE_EXITED) {
			irq_restore(f);
			return KPP_STATUS_SUCCESS;
		}
		status_t st = wait_block(&p->exit_wait, true);
		irq_restore(f);
		if (st != KPP_STATUS_SUCCESS)
			return st;
	}
}

status_t process_wait(uint32_t pid, uint32_t *status)
{
	struct process *self = current_process();
	if (pid == self->pid)
		return KPP_STATUS_INVALID_PARAMETER;
	struct process *p = process_get(pid);
	if (!p)
		return KPP_STATUS_INVALID_CID;
	status_t st = wait_exited(p);
	if (st == KPP_STATUS_SUCCESS) {
		*status = p->exit_status;
		uint64_t f = irq_save();
		bool reap = p->parent == self->pid && p->parent_ref;
		if (reap)
			p->parent_ref = false;
		irq_restore(f);
		if (reap)
			obj_deref(&p->obj);
	}
	obj_deref(&p->obj);
	return st;
}

status_t process_kill_and_wait(struct process *p, uint32_t status)
{
	status_t st = process_terminate(p, status);
	if (st != KPP_STATUS_SUCCESS)
		return st;
	return wait_exited(p);
}

void process_return_to_user(void)
{
	struct thread *t = current_thread();
	struct process *p = t->process;
	for (;;) {
		if (t->terminate)
			thread_exit(p->exit_status);
		uint64_t f = irq_save();
		if (!p->suspend_count || t->terminate) {
			irq_restore(f);
			if (t->terminate)
				continue;
			return;
		}
		sti();
		wait_block(&p->resume_wait, true);
		irq_restore(f);
	}
}

status_t process_suspend(struct process *p, bool resume)
{
	if (p->flags & PROC_FLAG_SYSTEM || p == current_process())
		return KPP_STATUS_INVALID_PARAMETER;
	uint64_t f = irq_save();
	if (p->state != KPP_PROC_STATE_RUNNING || p->terminating) {
		irq_restore(f);
		return KPP_STATUS_PROCESS_IS_TERMINATING;
	}
	if (resume) {
		if (p->suspend_count && !--p->suspend_count)
			wait_wake_all(&p->resume_wait);
	} else {
		p->suspend_count++;
	}
	irq_restore(f);
	return KPP_STATUS_SUCCESS;
}

static const char *fault_name(uint64_t vector)
{
	switch (vector) {
	case VEC_DE: return "divide error";
	case VEC_DB: return "debug trap";
	case VEC_BP: return "breakpoint";
	case VEC_OF: return "overflow";
	case VEC_BR: return "bound range";
	case VEC_UD: return "invalid opcode";
	case VEC_NM: return "device not available";
	case VEC_GP: return "general protection";
	case VEC_SS: return "stack fault";
	case VEC_NP: return "segment not present";
	case VEC_PF: return "page fault";
	case VEC_MF: return "x87 error";
	case VEC_AC: return "alignment check";
	case VEC_XM: return "SIMD error";
	default: return "exception";
	}
}

static uint32_t fault_status(uint64_t vector)
{
	switch (vector) {
	case VEC_DE: return KPP_STATUS_INTEGER_DIVIDE_BY_ZERO;
	case VEC_UD: return KPP_STATUS_ILLEGAL_INSTRUCTION;
	default: return KPP_STATUS_ACCESS_VIOLATION;
	}
}

#define PF_ERR_PRESENT 0x1
#define PF_ERR_WRITE 0x2
#define PF_ERR_FETCH 0x10

void process_user_fault(uint64_t vector, uint64_t error, uint64_t rip, uint64_t addr)
{
	struct process *p = current_process();
	sti();
	if (vector == VEC_PF)
		printk("proc: pid %u (%s) killed: page fault (%s, %s) at 0x%lx, rip 0x%lx\n", p->pid, p->name,
		       (error & PF_ERR_FETCH) ? "execute" : (error & PF_ERR_WRITE) ? "write" : "read",
		       (error & PF_ERR_PRESENT) ? "protection" : "not present", addr, rip);
	else
		printk("proc: pid %u (%s) killed: %s (error 0x%lx) at rip 0x%lx\n", p->pid, p->name,
		       fault_name(vector), error, rip);
	if (process_terminate(p, fault_status(vector)) != KPP_STATUS_SUCCESS)
		thread_exit(p->exit_status); /* already being terminated */
	PANIC("fault: process survived");
}

const char *process_state_name(uint32_t state)
{
	return state == KPP_PROC_STATE_RUNNING ? "running" : state == KPP_PROC_STATE_EXITED ? "exited" : "?";
}

void process_info(const struct process *p, void *rec)
{
	struct kpp_process_info *r = rec;
	memset(r, 0, sizeof *r);
	r->pid = p->pid;
	r->parent = p->parent;
	r->state = p->state;
	r->threads = p->nthreads;
	r->handles = p->handles ? p->handles->count : 0;
	r->exit_status = p->exit_status;
	r->flags = p->flags;
	r->pages = p->pages;
	strlcpy(r->name, p->name, sizeof r->name);
}

void process_print_list(void)
{
	printk("  pid parent state    threads handles  pages name\n");
	for (uint32_t pid = 0;;) {
		/* Walk in pid order without holding the list across printk. */
		struct kpp_process_info r;
		bool found = false;
		uint32_t best = 0;
		uint64_t f = irq_save();
		for (struct list_link *l = process_list.next; l != &process_list; l = l->next) {
			struct process *p = PROCESS_OF(l);
			if (p->pid >= pid && (!found || p->pid < best)) {
				best = p->pid;
				found = true;
				process_info(p, &r);
			}
		}
		irq_restore(f);
		if (!found)
			return;
		printk("%5u %6u %-8s %7u %7u %6lu %s\n", r.pid, r.parent, process_state_name(r.state), r.threads,
		       r.handles, r.pages, r.name);
		pid = best + 1;
	}
}
