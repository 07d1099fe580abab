/* attack_a25 (A25): hook the process object type (as a rootkit does with
 * PsProcessType's procedures to watch or veto process teardown): the
 * driver takes the descriptor from the kernel's export process_object_type
 * and points its delete method (or, with argument "close", its close
 * method) at its own routine, which counts the call and chains to the
 * original. Expected: 0x109, type 0x8 (object type). On a kernel without
 * object types it refuses to load. */
#include "attack.h"

#if __has_include(<kpp/process.h>)
#include <kpp/process.h>

static void (*orig_delete)(struct object *o);
static void (*orig_close)(struct process *owner, struct object *o);
static uint64_t calls;

static void my_delete(struct object *o)
{
	calls++;
	if (orig_delete)
		orig_delete(o);
}

static void my_close(struct process *owner, struct object *o)
{
	calls++;
	if (orig_close)
		orig_close(owner, o);
}

status_t driver_entry(struct driver_object *drv)
{
	struct object_type *t = process_object_type;
	if (!a_ptr_ok((uint64_t)t, sizeof *t) || t->tag != OBJ_PROCESS) {
		printk("attack_a25: no process object type\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	bool close = !strcmp(drv->args, "close");
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	if (close) {
		orig_close = t->close;
		t->close = my_close;
	} else {
		orig_delete = t->delete;
		t->delete = my_delete;
	}
	printk("attack_a25: %s object type's %s method hooked\n", t->name, close ? "close" : "delete");
	a_patched("attack_a25");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}

#else

status_t driver_entry(struct driver_object *drv)
{
	printk("attack_a25: this kernel has no object types\n");
	return KPP_STATUS_NOT_SUPPORTED;
}

#endif
