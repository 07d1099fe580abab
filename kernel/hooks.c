/* Weak defaults of the vendor-API attach points (kpp/hooks.h): allow
 * everything, observe nothing. vendorapi/ links in the real ones. */
#include <kpp/hooks.h>
#include <kpp/abi.h>

#define WEAK __attribute__((weak))

WEAK status_t hook_process_notify(struct process *p, uint32_t pid, struct process_create_info *info)
{
	return KPP_STATUS_SUCCESS;
}

WEAK void hook_thread_notify(uint32_t pid, uint32_t tid, bool created) {}

WEAK uint32_t hook_handle_pre(int op, bool kernel_handle, struct object *target, uint32_t desired) { return desired; }

WEAK status_t hook_memory(int op, struct process *caller, struct process *target, uint64_t addr, uint64_t size,
			  uint32_t prot)
{
	return KPP_STATUS_SUCCESS;
}

WEAK status_t hook_image_load(const char *name, uint64_t base, uint64_t size, uint32_t pid, bool kernel)
{
	return KPP_STATUS_SUCCESS;
}
