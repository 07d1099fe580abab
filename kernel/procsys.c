/* System services on processes, threads, handles and memory (the entries
 * of service_table that syscall.c does not implement itself). Every user
 * pointer goes through copy_from_user/copy_to_user/string_from_user; every
 * handle through handle_get_process with the right the call needs. */
#include <kpp/hooks.h>
#include <kpp/mm.h>
#include <kpp/module.h>
#include <kpp/printk.h>
#include <kpp/process.h>
#include <kpp/sched.h>
#include <kpp/string.h>
#include <kpp/syscall.h>

#define COPY_CHUNK 256
#define MS 1000000ull
#define MAX_SLEEP_MS 3600000ull
#define MAX_PROCESS_MEMORY_COPY 0x100000

#define SERVICE(name) uint64_t name(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)

static status_t put_u32(uint64_t uptr, uint32_t v) { return copy_to_user(uptr, &v, sizeof v); }
static status_t put_u64(uint64_t uptr, uint64_t v) { return copy_to_user(uptr, &v, sizeof v); }

/* exit(status) */
SERVICE(sys_exit)
{
	struct process *p = current_process();
	if (p->flags & PROC_FLAG_SYSTEM)
		return KPP_STATUS_INVALID_PARAMETER;
	if (process_terminate(p, (uint32_t)a1) != KPP_STATUS_SUCCESS)
		thread_exit(p->exit_status);
	return KPP_STATUS_UNSUCCESSFUL;
}

/* exit_thread(status) */
SERVICE(sys_exit_thread)
{
	if (current_process()->flags & PROC_FLAG_SYSTEM)
		return KPP_STATUS_INVALID_PARAMETER;
	thread_exit((uint32_t)a1);
}

/* read(buf, len) -> bytes: waits for at least one byte of console input. */
SERVICE(sys_read)
{
	uint64_t buf = a1, len = a2;
	if (len == 0 || len > COPY_CHUNK || !user_range_ok(buf, len))
		return KPP_STATUS_INVALID_PARAMETER;
	char tmp[COPY_CHUNK];
	size_t n = console_read(tmp, len);
	if (n == 0)
		return KPP_STATUS_PROCESS_IS_TERMINATING;
	status_t st = copy_to_user(buf, tmp, n);
	return st == KPP_STATUS_SUCCESS ? n : st;
}

/* spawn(name, args, *pid) */
SERVICE(sys_spawn)
{
	char name[KPP_PROCESS_NAME_MAX * 2], args[KPP_USER_ARGS_MAX];
	args[0] = 0; /* not an initializer: that zero-fills all of it */
	status_t st = string_from_user(name, a1, sizeof name);
	if (st == KPP_STATUS_SUCCESS && a2)
		st = string_from_user(args, a2, sizeof args);
	if (st == KPP_STATUS_SUCCESS && !user_range_ok(a3, sizeof(uint32_t)))
		st = KPP_STATUS_INVALID_PARAMETER;
	if (st != KPP_STATUS_SUCCESS)
		return st;
	uint32_t pid;
	st = process_spawn(name, args, current_process(), &pid);
	if (st != KPP_STATUS_SUCCESS)
		return st;
	return put_u32(a3, pid);
}

/* wait(pid, *status) */
SERVICE(sys_wait)
{
	if (a2 && !user_range_ok(a2, sizeof(uint32_t)))
		return KPP_STATUS_INVALID_PARAMETER;
	uint32_t status;
	status_t st = process_wait((uint32_t)a1, &status);
	if (st == KPP_STATUS_SUCCESS && a2)
		st = put_u32(a2, status);
	return st;
}

SERVICE(sys_getpid) { return current_process()->pid; }

/* sleep(ms) */
SERVICE(sys_sleep)
{
	if (a1 > MAX_SLEEP_MS)
		return KPP_STATUS_INVALID_PARAMETER;
	return thread_sleep_ns(a1 * MS);
}

SERVICE(sys_yield)
{
	schedule();
	return KPP_STATUS_SUCCESS;
}

/* open_process(pid, access, *handle) */
SERVICE(sys_open_process)
{
	uint32_t desired = (uint32_t)a2;
	if ((a2 & ~(uint64_t)KPP_PROCESS_ALL_ACCESS) || !desired || !user_range_ok(a3, sizeof(uint64_t)))
		return KPP_STATUS_INVALID_PARAMETER;
	struct process *p = process_get((uint32_t)a1);
	if (!p)
		return KPP_STATUS_INVALID_CID;
	uint32_t access = hook_handle_pre(HANDLE_OP_OPEN, false, &p->obj, desired) & desired;
	access = process_protection_filter(current_process(), &p->obj, access);
	uint64_t h;
	status_t st = handle_insert(current_process(), &p->obj, access, &h);
	obj_deref(&p->obj);
	if (st == KPP_STATUS_SUCCESS && (st = put_u64(a3, h)) != KPP_STATUS_SUCCESS)
		handle_close(current_process(), h);
	return st;
}

/* duplicate_handle(handle, target process handle (0: self), access, *new handle) */
SERVICE(sys_duplicate_handle)
{
	uint32_t desired = (uint32_t)a3;
	if ((a3 & ~(uint64_t)KPP_PROCESS_ALL_ACCESS) || !user_range_ok(a4, sizeof(uint64_t)))
		return KPP_STATUS_INVALID_PARAMETER;
	struct object *o;
	uint32_t have;
	status_t st = handle_lookup(a1, &o, &have);
	if (st != KPP_STATUS_SUCCESS)
		return st;
	if (desired & ~have) {
		obj_deref(o);
		return KPP_STATUS_ACCESS_DENIED; /* a duplicate never gains rights */
	}
	struct process *target;
	st = handle_get_process(a2 ? a2 : KPP_CURRENT_PROCESS, KPP_PROCESS_DUP_HANDLE, &target);
	if (st != KPP_STATUS_SUCCESS) {
		obj_deref(o);
		return st;
	}
	uint32_t access = hook_handle_pre(HANDLE_OP_DUPLICATE, false, o, desired) & desired;
	access = process_protection_filter(target, o, access);
	uint64_t h;
	st = handle_insert(target, o, access, &h);
	obj_deref(o);
	if (st == KPP_STATUS_SUCCESS && (st = put_u64(a4, h)) != KPP_STATUS_SUCCESS)
		handle_close(target, h);
	obj_deref(&target->obj);
	return st;
}

/* close(handle) */
SERVICE(sys_close) { return handle_close(current_process(), a1); }

/* terminate_process(handle, status) */
SERVICE(sys_terminate_process)
{
	struct process *p;
	status_t st = handle_get_process(a1, KPP_PROCESS_TERMINATE, &p);
	if (st != KPP_STATUS_SUCCESS)
		return st;
	if (p == current_process()) {
		obj_deref(&p->obj);
		return sys_exit(a2, 0, 0, 0, 0, 0);
	}
	st = process_terminate(p, (uint32_t)a2);
	obj_deref(&p->obj);
	return st;
}

/* read_process_memory / write_process_memory(handle, addr, buf, len) */
static uint64_t process_memory(uint64_t handle, uint64_t addr, uint64_t buf, uint64_t len, bool write)
{
	if (len > MAX_PROCESS_MEMORY_COPY || !user_range_ok(buf, len))
		return KPP_STATUS_INVALID_PARAMETER;
	struct process *p;
	status_t st = handle_get_process(handle, write ? KPP_PROCESS_VM_WRITE : KPP_PROCESS_VM_READ, &p);
	if (st != KPP_STATUS_SUCCESS)
		return st;
	struct process *self = current_process();
	if (write && p != self)
		st = hook_memory(MEM_OP_WRITE_OTHER, self, p, addr, len, 0);
	char tmp[COPY_CHUNK];
	for (uint64_t off = 0; st == KPP_STATUS_SUCCESS && off < len;) {
		size_t n = len - off < sizeof tmp ? len - off : sizeof tmp;
		if (write) {
			st = copy_from_user(tmp, buf + off, n);
			if (st == KPP_STATUS_SUCCESS)
				st = process_copy_out(p, addr + off, tmp, n);
		} else {
			st = process_copy_in(p, tmp, addr + off, n);
			if (st == KPP_STATUS_SUCCESS)
				st = copy_to_user(buf + off, tmp, n);
		}
		off += n;
	}
	obj_deref(&p->obj);
	return st;
}

SERVICE(sys_read_process_memory) { return process_memory(a1, a2, a3, a4, false); }
SERVICE(sys_write_process_memory) { return process_memory(a1, a2, a3, a4, true); }

/* The process a vm_* call works on: 0 or KPP_CURRENT_PROCESS is the caller;
 * another one needs KPP_PROCESS_VM_OPERATION. */
static status_t vm_target(uint64_t handle, struct process **p)
{
	return handle_get_process(handle ? handle : KPP_CURRENT_PROCESS, KPP_PROCESS_VM_OPERATION, p);
}

/* vm_alloc(*addr (in: hint or 0; out: base), size, prot, process handle) */
SERVICE(sys_vm_alloc)
{
	uint64_t addr;
	status_t st = copy_from_user(&addr, a1, sizeof addr);
	if (st != KPP_STATUS_SUCCESS)
		return st;
	struct process *p;
	if ((st = vm_target(a4, &p)) != KPP_STATUS_SUCCESS)
		return st;
	struct process *self = current_process();
	if (a3 & KPP_PROT_EXEC)
		st = hook_memory(MEM_OP_ALLOC_EXEC, self, p, addr, a2, (uint32_t)a3);
	if (st == KPP_STATUS_SUCCESS && p != self)
		st = hook_memory(MEM_OP_MAP_OTHER, self, p, addr, a2, (uint32_t)a3);
	if (st == KPP_STATUS_SUCCESS)
		st = process_vm_alloc(p, &addr, a2, (uint32_t)a3, VMA_ALLOC);
	if (st == KPP_STATUS_SUCCESS && (st = copy_to_user(a1, &addr, sizeof addr)) != KPP_STATUS_SUCCESS)
		process_vm_free(p, addr, 0);
	obj_deref(&p->obj);
	return st;
}

/* vm_protect(addr, size, prot, process handle) */
SERVICE(sys_vm_protect)
{
	struct process *p;
	status_t st = vm_target(a4, &p);
	if (st != KPP_STATUS_SUCCESS)
		return st;
	struct process *self = current_process();
	if (a3 & KPP_PROT_EXEC)
		st = hook_memory(MEM_OP_PROTECT_EXEC, self, p, a1, a2, (uint32_t)a3);
	if (st == KPP_STATUS_SUCCESS && p != self)
		st = hook_memory(MEM_OP_MAP_OTHER, self, p, a1, a2, (uint32_t)a3);
	if (st == KPP_STATUS_SUCCESS)
		st = process_vm_protect(p, a1, a2, (uint32_t)a3);
	obj_deref(&p->obj);
	return st;
}

/* vm_free(addr, size (0: the whole allocation), process handle) */
SERVICE(sys_vm_free)
{
	struct process *p;
	status_t st = vm_target(a3, &p);
	if (st != KPP_STATUS_SUCCESS)
		return st;
	st = process_vm_free(p, a1, a2);
	obj_deref(&p->obj);
	return st;
}

/* process_list(buf, max records, *count) */
SERVICE(sys_process_list)
{
	if (a2 > KPP_PID_TABLE_SIZE || !user_range_ok(a1, a2 * KPP_PROCESS_INFO_SIZE) ||
	    !user_range_ok(a3, sizeof(uint32_t)))
		return KPP_STATUS_INVALID_PARAMETER;
	struct kpp_process_info recs[8];
	uint32_t n = 0, total = 0;
	uint32_t from = 0;
	status_t st = KPP_STATUS_SUCCESS;
	/* In pid order, a few records at a time (the list may change between batches). */
	for (;;) {
		unsigned got = 0;
		uint64_t f = irq_save();
		for (uint32_t pid = from; got < ARRAY_SIZE(recs); pid++) {
			bool any = false;
			uint32_t best = ~0u;
			struct process *bp = NULL;
			for (struct list_link *l = process_list.next; l != &process_list; l = l->next) {
				struct process *p = PROCESS_OF(l);
				if (p->pid >= pid && p->pid < best) {
					best = p->pid;
					bp = p;
					any = true;
				}
			}
			if (!any)
				break;
			process_info(bp, &recs[got++]);
			pid = best;
			from = best + 1;
		}
		irq_restore(f);
		for (unsigned i = 0; i < got; i++, total++)
			if (n < a2 && st == KPP_STATUS_SUCCESS) {
				st = copy_to_user(a1 + (uint64_t)n * KPP_PROCESS_INFO_SIZE, &recs[i], sizeof recs[i]);
				n++;
			}
		if (got < ARRAY_SIZE(recs))
			break;
	}
	if (st == KPP_STATUS_SUCCESS)
		st = put_u32(a3, total);
	if (st == KPP_STATUS_SUCCESS && total > a2)
		st = KPP_STATUS_BUFFER_TOO_SMALL;
	return st;
}

/* create_thread(process handle, entry, arg, stack top, *tid) */
SERVICE(sys_create_thread)
{
	if ((a5 && !user_range_ok(a5, sizeof(uint32_t))) || !user_range_ok(a2, 1) || !user_range_ok(a4 - 16, 16))
		return KPP_STATUS_INVALID_PARAMETER;
	struct process *p;
	status_t st = handle_get_process(a1, KPP_PROCESS_CREATE_THREAD, &p);
	if (st != KPP_STATUS_SUCCESS)
		return st;
	uint32_t tid = 0;
	if (p->terminating || p->state != KPP_PROC_STATE_RUNNING)
		st = KPP_STATUS_PROCESS_IS_TERMINATING;
	else
		st = process_start_thread(p, a2, ALIGN_DOWN(a4, 16) - 8, a3, 0, &tid);
	obj_deref(&p->obj);
	if (st == KPP_STATUS_SUCCESS && a5)
		st = put_u32(a5, tid);
	return st;
}

/* query_process(handle, *record) */
SERVICE(sys_query_process)
{
	if (!user_range_ok(a2, KPP_PROCESS_INFO_SIZE))
		return KPP_STATUS_INVALID_PARAMETER;
	struct process *p;
	status_t st = handle_get_process(a1, KPP_PROCESS_QUERY_INFORMATION, &p);
	if (st != KPP_STATUS_SUCCESS)
		return st;
	struct kpp_process_info r;
	uint64_t f = irq_save();
	process_info(p, &r);
	irq_restore(f);
	obj_deref(&p->obj);
	return copy_to_user(a2, &r, sizeof r);
}

static uint64_t suspend_resume(uint64_t handle, bool resume)
{
	struct process *p;
	status_t st = handle_get_process(handle, KPP_PROCESS_SUSPEND_RESUME, &p);
	if (st != KPP_STATUS_SUCCESS)
		return st;
	st = process_suspend(p, resume);
	obj_deref(&p->obj);
	return st;
}

SERVICE(sys_suspend_process) { return suspend_resume(a1, false); }
SERVICE(sys_resume_process) { return suspend_resume(a1, true); }

/* set_process_name(handle, name) */
SERVICE(sys_set_process_name)
{
	char name[KPP_PROCESS_NAME_MAX];
	status_t st = string_from_user(name, a2, sizeof name);
	if (st != KPP_STATUS_SUCCESS)
		return st;
	struct process *p;
	if ((st = handle_get_process(a1, KPP_PROCESS_SET_INFORMATION, &p)) != KPP_STATUS_SUCCESS)
		return st;
	uint64_t f = irq_save();
	strlcpy(p->name, name, sizeof p->name);
	irq_restore(f);
	obj_deref(&p->obj);
	return KPP_STATUS_SUCCESS;
}
