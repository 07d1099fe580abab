/* Threads and the scheduler (sched.c, switch.S).
 *
 * One CPU. A thread is a kernel stack plus a saved stack pointer; user
 * threads are kernel threads that IRETQ to ring 3 and come back through
 * traps and SYSCALL on the same stack (TSS.RSP0 and the per-CPU SYSCALL
 * stack follow the running thread). Scheduling is round robin: the tick
 * takes the CPU from a thread whose slice (SCHED_SLICE_TICKS) has run out,
 * at interrupt exit when the interrupted code ran at IRQL_PASSIVE; the idle
 * thread HLTs when nothing is ready. Blocking primitives: sleep, wait
 * queues, mutexes. Interrupts disabled is the scheduler's lock. */
#ifndef KPP_SCHED_H
#define KPP_SCHED_H

#include <kpp/types.h>
#include <kpp/abi.h>

#define SCHED_SLICE_TICKS 1
#define THREAD_NAME_MAX 16

enum thread_state {
	THREAD_READY = 1,
	THREAD_RUNNING,
	THREAD_BLOCKED, /* on a wait queue or sleeping */
	THREAD_DEAD,    /* exited; its stack is released after the switch away */
};

struct process;
struct wait_queue;

struct thread {
	uint32_t magic;            /* THREAD_MAGIC */
	int32_t refs;              /* object references (see obj_ref in process.h) */
	uint32_t tid;
	enum thread_state state;
	struct process *process;   /* owning process (the system process for kernel threads) */
	struct thread *run_next;   /* ready queue / wait queue link */
	struct thread *proc_next;  /* the process's thread list */
	struct thread *all_next;   /* every thread (diagnostics) */
	uint64_t rsp;              /* saved by switch_context */
	uint64_t stack_top;        /* the thread's kernel stack (TSS.RSP0 and the SYSCALL stack) */
	uint64_t slice;            /* ticks left in the slice */
	uint64_t wake_tick;        /* sleeping: tick to wake at (0 = not sleeping) */
	struct wait_queue *waiting_on;
	bool interruptible;        /* the current wait ends on termination */
	status_t wait_status;      /* why the last wait ended */
	bool terminate;            /* end at the next return to ring 3 / interruptible wait */
	bool user;                 /* runs ring-3 code */
	uint32_t exit_status;
	void *fpu;                 /* user threads: FXSAVE area (512 bytes, 16-aligned), switched with the thread */
	void (*fn)(void *);
	void *arg;
	char name[THREAD_NAME_MAX];
};

struct wait_queue {
	struct thread *head, *tail;
};
#define WAIT_QUEUE_INIT {NULL, NULL}

/* A sleeping lock for PASSIVE code (the driver loader). */
struct mutex {
	struct thread *owner;
	struct wait_queue waiters;
};
#define MUTEX_INIT {NULL, WAIT_QUEUE_INIT}

void sched_init(void);                 /* the running boot context becomes the first thread */
struct thread *current_thread(void);
/* A kernel thread of process p (NULL: the system process), ready to run fn(arg). */
struct thread *thread_create(struct process *p, const char *name, void (*fn)(void *), void *arg);
void thread_exit(uint32_t status) NORETURN;
/* Give the current thread its own SSE/x87 state (before it enters ring 3). */
bool thread_fpu_init(void);
void schedule(void);                   /* give up the CPU (the caller stays ready) */
void sched_tick(void);                 /* from the tick interrupt */
void sched_preempt_point(void);        /* at interrupt exit to PASSIVE: switch if the slice ran out */
bool sched_running(void);
/* Sleep at PASSIVE. Returns KPP_STATUS_SUCCESS, or KPP_STATUS_PROCESS_IS_TERMINATING
 * when the thread is being terminated (interruptible waits only). */
status_t thread_sleep_ns(uint64_t ns);
/* Block on q until wait_wake*; interruptible waits end early on termination. */
status_t wait_block(struct wait_queue *q, bool interruptible);
void wait_wake_one(struct wait_queue *q);
void wait_wake_all(struct wait_queue *q);
/* Make a blocked thread runnable (termination). */
void thread_interrupt(struct thread *t);
void mutex_lock(struct mutex *m);
void mutex_unlock(struct mutex *m);
uint64_t sched_switches(void);
/* For PatchGuard (interrupts off): the heads of every thread (through
 * all_next), the ready queue and the sleepers (through run_next). */
void sched_lists(struct thread **all, struct thread **ready, struct thread **sleeping);

/* switch.S */
void switch_context(uint64_t *save_rsp, uint64_t new_rsp);
void thread_start(void);               /* first return address of a new thread */
void user_iret(uint64_t rip, uint64_t rsp, uint64_t arg0, uint64_t arg1) NORETURN;

#endif
