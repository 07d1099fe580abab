/* Processes, the PID table, handle tables and the system calls on them
 * (process.c, exec.c, procsys.c).
 *
 * Objects. A process and a thread start with a struct object header (a type
 * tag and a reference count). obj_ref/obj_deref keep them alive; the last
 * deref frees them. A process holds references for: each of its live
 * threads, each handle to it, and its parent until the parent waits for it
 * (or exits).
 *
 * Structures PatchGuard cross-walks (region types 0x4 and 0x5): all three
 * change only with interrupts disabled, through this file's functions.
 *
 *  - The active process list: a circular doubly linked list through
 *    struct process.link with the sentinel process_list (never a process).
 *    A process is on it from creation until its object is freed, in
 *    creation order. Offsets: link at PROCESS_LINK_OFFSET; pid (u32) at
 *    PROCESS_PID_OFFSET; pid_slot (u32) at PROCESS_SLOT_OFFSET.
 *  - The PID table: pid_table[KPP_PID_TABLE_SIZE] of struct pid_entry
 *    {u32 pid, u32 reserved, struct process *process} (16 bytes). A slot
 *    is free when process is NULL; slot i holds process p exactly when p is
 *    on the list with p->pid_slot == i and p->pid == pid_table[i].pid.
 *    PIDs count up from 1 and are never reused (0 is the system process,
 *    which is in both structures too).
 *  - The handle-table list: circular, doubly linked through
 *    struct handle_table.link with the sentinel handle_table_list; exactly
 *    the handle tables of the processes on the active list that still have
 *    one (a process's table is removed and freed when it exits), each with
 *    owner pointing back at its process.
 */
#ifndef KPP_PROCESS_H
#define KPP_PROCESS_H

#include <kpp/types.h>
#include <kpp/abi.h>
#include <kpp/sched.h>
#include <kpp/uapi.h>

#define OBJ_PROCESS 0x636F7250u /* "Proc" */
#define OBJ_THREAD 0x64726854u  /* "Thrd" */

struct object {
	uint32_t type; /* OBJ_* */
	int32_t refs;
};

struct list_link {
	struct list_link *next, *prev;
};

struct process;

/* Object types: one descriptor per kind of object, in kernel data that
 * changes only at build time (PatchGuard region type 0x8: keyed hash, and
 * every method pointer must lie in kernel text). obj_deref calls delete on
 * the last reference; handle_close calls close (when set) before dropping
 * the handle's reference. object_type_of finds an object's descriptor from
 * its header's tag. */
struct object_type {
	const char *name;
	uint32_t tag;   /* OBJ_*: the header's type */
	uint32_t flags; /* OBJ_TYPE_* */
	void (*close)(struct process *owner, struct object *o);
	void (*delete)(struct object *o); /* NULL: freed elsewhere (threads: the scheduler) */
};
#define OBJ_TYPE_HANDLES 0x1 /* objects of this type can be opened by handle */
#define OBJ_TYPE_COUNT 2
#define OBJ_TYPE_METHODS_OFFSET 16 /* close, delete */
#define OBJ_TYPE_METHODS 2
_Static_assert(__builtin_offsetof(struct object_type, close) == OBJ_TYPE_METHODS_OFFSET, "object_type methods");
extern struct object_type object_types[OBJ_TYPE_COUNT]; /* [0] process, [1] thread */
extern struct object_type *const process_object_type;   /* exported, like PsProcessType */
const struct object_type *object_type_of(const struct object *o);

/* Handle values are (index + 1) * 4, as on NT; 0 is never a handle. */
struct handle_entry {
	struct object *object; /* NULL: free slot */
	uint32_t access;       /* granted KPP_PROCESS_* rights */
	uint32_t reserved;
};

struct handle_table {
	struct list_link link; /* handle_table_list */
	struct process *owner;
	uint32_t count;        /* entries in use */
	uint32_t reserved;
	struct handle_entry entries[KPP_HANDLE_TABLE_SIZE];
};

/* A range of user address space a process owns (image segments, stack, vm_alloc). */
struct vm_area {
	uint64_t start, end; /* page aligned; end exclusive */
	uint32_t prot;       /* KPP_PROT_* */
	uint32_t kind;       /* VMA_* */
};
enum { VMA_FREE = 0, VMA_IMAGE, VMA_STACK, VMA_GUARD, VMA_ALLOC };
#define PROCESS_MAX_AREAS 32

#define PROC_FLAG_SYSTEM 0x1     /* the system process (kernel threads) */
#define PROC_FLAG_PIE 0x2        /* loaded at KPP_USER_PIE_BASE */

/* Protection, granted at creation only: a process started protected by the
 * kernel itself (the shell's "start -p" / "run -p"; user-mode spawn never
 * grants it). A handle to a protected process opened or duplicated by an
 * unprotected one never carries PROCESS_PROTECTED_DENIED. The kernel keeps
 * what it granted in protection_granted[pid_slot] (updated with the PID
 * table, with interrupts off, and re-sealed through pg_seal_update);
 * PatchGuard (region type 0x1F) hashes that table and compares every live
 * process's protection field with it. */
#define PROC_PROTECTED 0x1
#define PROCESS_PROTECTED_DENIED \
	(KPP_PROCESS_TERMINATE | KPP_PROCESS_CREATE_THREAD | KPP_PROCESS_VM_OPERATION | KPP_PROCESS_VM_WRITE | \
	 KPP_PROCESS_DUP_HANDLE | KPP_PROCESS_SET_INFORMATION | KPP_PROCESS_SUSPEND_RESUME)

struct protection_grant {
	uint32_t pid;
	uint32_t protection; /* PROC_PROTECTED or 0 */
};

struct process {
	struct object obj;           /* OBJ_PROCESS */
	struct list_link link;       /* active process list */
	uint32_t pid;
	uint32_t pid_slot;           /* index in pid_table */
	uint32_t parent;             /* parent pid */
	uint32_t state;              /* KPP_PROC_STATE_* */
	uint32_t flags;              /* PROC_FLAG_* */
	uint32_t exit_status;
	uint64_t cr3;                /* PML4 (physical); kernel_cr3 for the system process */
	struct handle_table *handles;
	struct thread *threads;      /* live threads, through proc_next */
	uint32_t nthreads;
	uint32_t suspend_count;
	bool terminating;
	bool parent_ref;             /* holds a reference for its parent's wait */
	struct wait_queue exit_wait; /* wait() callers */
	struct wait_queue resume_wait;
	struct vm_area areas[PROCESS_MAX_AREAS];
	uint64_t alloc_next;         /* next vm_alloc address without a hint */
	uint64_t pages;              /* user pages mapped */
	uint64_t image_base, image_size, entry;
	uint64_t user_rsp, user_argc, user_argv; /* the first thread's start */
	bool memory_freed;           /* the user half is gone (exit) */
	char name[KPP_PROCESS_NAME_MAX];
	char cmdline[KPP_USER_ARGS_MAX];
	uint32_t protection;         /* PROC_PROTECTED: granted at creation (see above) */
};

struct pid_entry {
	uint32_t pid;
	uint32_t reserved;
	struct process *process;
};

#define PROCESS_LINK_OFFSET 8
#define PROCESS_PID_OFFSET 24
#define PROCESS_SLOT_OFFSET 28
_Static_assert(__builtin_offsetof(struct process, link) == PROCESS_LINK_OFFSET, "process.link");
_Static_assert(__builtin_offsetof(struct process, pid) == PROCESS_PID_OFFSET, "process.pid");
_Static_assert(__builtin_offsetof(struct process, pid_slot) == PROCESS_SLOT_OFFSET, "process.pid_slot");
_Static_assert(sizeof(struct pid_entry) == 16, "pid_entry");

extern struct list_link process_list;
extern struct pid_entry pid_table[KPP_PID_TABLE_SIZE];
extern struct list_link handle_table_list;
extern struct process system_process;
extern struct protection_grant protection_granted[KPP_PID_TABLE_SIZE];

#define PROCESS_OF(l) ((struct process *)((char *)(l) - PROCESS_LINK_OFFSET))

void process_init(void);        /* the system process; after sched_init */
void obj_ref(struct object *o);
void obj_deref(struct object *o);
/* Look up a live process by pid with a reference (NULL when none). */
struct process *process_get(uint32_t pid);
/* Create a process from the program NAME in the initial module archive with
 * the argument string args (words separated by spaces; argv[0] is NAME).
 * parent: the creating process. On success *pid is set and the process's
 * first thread is ready. */
status_t process_spawn(const char *name, const char *args, struct process *parent, uint32_t *pid);
/* The same, kernel callers only: protection (PROC_PROTECTED or 0) granted to the new process. */
status_t process_spawn_protected(const char *name, const char *args, struct process *parent, uint32_t protection,
				 uint32_t *pid);
/* May a handle to target opened from current carry the rights in access? Returns the rights it may. */
uint32_t process_protection_filter(const struct process *current, const struct object *target, uint32_t access);
/* End every thread of p with status (the caller's own thread too, last). */
status_t process_terminate(struct process *p, uint32_t status);
/* Wait until the process with pid exits; its status in *status. Releases
 * the parent's reference when the caller is its parent. */
status_t process_wait(uint32_t pid, uint32_t *status);
/* A ring-3 exception in the current thread: print the console line and
 * end the process with the exception's status. */
void process_user_fault(uint64_t vector, uint64_t error, uint64_t rip, uint64_t addr) NORETURN;
/* At every return to ring 3: end or suspend the thread if asked to. */
void process_return_to_user(void);
void process_print_list(void);  /* the shell's ps */
struct process *current_process(void);
/* Fill a KPP_PROCESS_INFO_SIZE record. */
void process_info(const struct process *p, void *rec);
const char *process_state_name(uint32_t state);

/* Handles (current process unless stated). */
status_t handle_insert(struct process *owner, struct object *o, uint32_t access, uint64_t *handle);
/* Resolve a process handle needing all of the rights in want, with a reference. */
status_t handle_get_process(uint64_t handle, uint32_t want, struct process **out);
status_t handle_close(struct process *owner, uint64_t handle);
/* Any handle of the current process (KPP_CURRENT_PROCESS: itself, all access), with a reference. */
status_t handle_lookup(uint64_t handle, struct object **obj, uint32_t *access);
/* A user thread in p starting at entry with rsp, RDI = a0, RSI = a1. */
status_t process_start_thread(struct process *p, uint64_t entry, uint64_t rsp, uint64_t a0, uint64_t a1, uint32_t *tid);
status_t process_suspend(struct process *p, bool resume);
/* The shell's kill: terminate and wait until the process has exited. */
status_t process_kill_and_wait(struct process *p, uint32_t status);

/* Address spaces (exec.c). */
status_t exec_load(struct process *p, const void *image, size_t size, const char *args);
/* Map zeroed pages for [start, start+size) with prot; records a vm_area. */
status_t process_vm_alloc(struct process *p, uint64_t *addr, uint64_t size, uint32_t prot, uint32_t kind);
status_t process_vm_protect(struct process *p, uint64_t addr, uint64_t size, uint32_t prot);
status_t process_vm_free(struct process *p, uint64_t addr, uint64_t size);
/* Copy between the kernel and another process's memory through its page
 * tables (user pages only; writes need a writable page). */
status_t process_copy_in(struct process *p, void *dst, uint64_t src, size_t n);
status_t process_copy_out(struct process *p, uint64_t dst, const void *src, size_t n);
void process_free_user_memory(struct process *p);

#endif
