/* Points where the vendor callback APIs (docs/vendorapi.md) attach. The kernel
 * calls these at the named moments; hooks.c holds weak defaults that allow
 * everything and observe nothing, and vendorapi/ provides the real ones.
 * All run at IRQL_PASSIVE in the context of the thread doing the
 * operation. */
#ifndef KPP_HOOKS_H
#define KPP_HOOKS_H

#include <kpp/types.h>

struct process;
struct object;

struct process_create_info {
	uint32_t parent_pid, creator_pid, creator_tid;
	const char *image;        /* program name in the archive */
	const char *cmdline;      /* its arguments */
	status_t creation_status; /* a callback sets an error to veto */
};

/* Before the new process's first instruction (its image is mapped, its
 * first thread not yet started). A non-success status vetoes the creation
 * (spawn fails with it). info == NULL: the process is exiting. */
status_t hook_process_notify(struct process *p, uint32_t pid, struct process_create_info *info);
void hook_thread_notify(uint32_t pid, uint32_t tid, bool created);

enum { HANDLE_OP_OPEN = 1, HANDLE_OP_DUPLICATE = 2 };
/* A process handle is about to be created with desired access; returns the
 * access to grant (callbacks may only clear bits; the kernel masks the
 * result with desired). Kernel handles are not filtered. */
uint32_t hook_handle_pre(int op, bool kernel_handle, struct object *target, uint32_t desired);

enum {
	MEM_OP_ALLOC_EXEC = 1,   /* vm_alloc with KPP_PROT_EXEC */
	MEM_OP_PROTECT_EXEC = 2, /* vm_protect to executable */
	MEM_OP_WRITE_OTHER = 3,  /* write_process_memory into another process */
	MEM_OP_MAP_OTHER = 4,    /* vm_alloc/protect in another process */
};
status_t hook_memory(int op, struct process *caller, struct process *target, uint64_t addr, uint64_t size, uint32_t prot);

/* After an image is mapped and before its entry runs: pid 0 and kernel for
 * drivers. A non-success status refuses the image. */
status_t hook_image_load(const char *name, uint64_t base, uint64_t size, uint32_t pid, bool kernel);

#endif
