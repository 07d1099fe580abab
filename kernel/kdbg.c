/* Debugger data: where a host debugger finds the kernel's module and
 * process lists and the fields it shows of them, without debug information
 * in the image (the layout is KPP_KDBG_* in kpp/abi.h). Read-only data that
 * nothing in the guest reads. */
#include <kpp/abi.h>
#include <kpp/module.h>
#include <kpp/process.h>

#define OFF(type, field) ((uint64_t)__builtin_offsetof(struct type, field))

const uint64_t kdbg_data[KPP_KDBG_WORDS] = {
	[KPP_KDBG_MAGIC_IDX] = KPP_KDBG_MAGIC,
	[KPP_KDBG_MODULE_LIST] = (uint64_t)&module_list,
	[KPP_KDBG_MODULE_NEXT_OFF] = OFF(module, next),
	[KPP_KDBG_MODULE_NAME_OFF] = OFF(module, name),
	[KPP_KDBG_MODULE_NAME_MAX] = MODULE_NAME_MAX,
	[KPP_KDBG_MODULE_BASE_OFF] = OFF(module, base),
	[KPP_KDBG_MODULE_PAGES_OFF] = OFF(module, pages),
	[KPP_KDBG_MODULE_ARGS_OFF] = OFF(module, args),
	[KPP_KDBG_MODULE_ARGS_MAX] = MODULE_ARGS_MAX,
	[KPP_KDBG_PROCESS_LIST] = (uint64_t)&process_list,
	[KPP_KDBG_PROCESS_LINK_OFF] = OFF(process, link),
	[KPP_KDBG_PROCESS_PID_OFF] = OFF(process, pid),
	[KPP_KDBG_PROCESS_PARENT_OFF] = OFF(process, parent),
	[KPP_KDBG_PROCESS_STATE_OFF] = OFF(process, state),
	[KPP_KDBG_PROCESS_FLAGS_OFF] = OFF(process, flags),
	[KPP_KDBG_PROCESS_CR3_OFF] = OFF(process, cr3),
	[KPP_KDBG_PROCESS_THREADS_OFF] = OFF(process, nthreads),
	[KPP_KDBG_PROCESS_NAME_OFF] = OFF(process, name),
	[KPP_KDBG_PROCESS_PROT_OFF] = OFF(process, protection),
	[KPP_KDBG_PROCESS_EXIT_OFF] = OFF(process, exit_status),
};
