/* SYSCALL/SYSRET set-up, the system service table and user-memory access.
 * write, load_driver and unload_driver live here; the services on
 * processes, threads, handles and memory in procsys.c. */
#include <kpp/abi.h>
#include <kpp/cpu.h>
#include <kpp/mm.h>
#include <kpp/module.h>
#include <kpp/printk.h>
#include <kpp/syscall.h>
#include <kpp/usertest.h>

#define USER_TOP 0x0000800000000000ull
#define STAR_KERNEL_SHIFT 32
#define STAR_USER_SHIFT 48
#define USER_STAR_BASE (KPP_SEL_USER32_CODE | 3) /* SYSRET: CS = base+16, SS = base+8 */

struct percpu percpu;

bool user_range_ok(uint64_t addr, uint64_t len) { return addr < USER_TOP && len <= USER_TOP - addr; }

size_t copy_user(void *dst, const void *src, size_t n);

status_t copy_from_user(void *dst, uint64_t usrc, size_t n)
{
	if (!user_range_ok(usrc, n))
		return KPP_STATUS_INVALID_PARAMETER;
	if (cpu_features.smap)
		__asm__ volatile("stac" ::: "memory");
	size_t left = copy_user(dst, (const void *)usrc, n);
	if (cpu_features.smap)
		__asm__ volatile("clac" ::: "memory");
	return left ? KPP_STATUS_ACCESS_VIOLATION : KPP_STATUS_SUCCESS;
}

status_t copy_to_user(uint64_t udst, const void *src, size_t n)
{
	if (!user_range_ok(udst, n))
		return KPP_STATUS_INVALID_PARAMETER;
	if (cpu_features.smap)
		__asm__ volatile("stac" ::: "memory");
	size_t left = copy_user((void *)udst, src, n);
	if (cpu_features.smap)
		__asm__ volatile("clac" ::: "memory");
	return left ? KPP_STATUS_ACCESS_VIOLATION : KPP_STATUS_SUCCESS;
}

status_t string_from_user(char *dst, uint64_t usrc, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		status_t st = copy_from_user(&dst[i], usrc + i, 1);
		if (st != KPP_STATUS_SUCCESS)
			return st;
		if (!dst[i])
			return KPP_STATUS_SUCCESS;
	}
	dst[size - 1] = 0;
	return KPP_STATUS_INVALID_PARAMETER;
}

static uint64_t sys_write(uint64_t buf, uint64_t len, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	if (len > 4096 || !user_range_ok(buf, len))
		return KPP_STATUS_INVALID_PARAMETER;
	char tmp[256];
	for (uint64_t off = 0; off < len;) {
		uint64_t n = len - off < sizeof tmp ? len - off : sizeof tmp;
		status_t st = copy_from_user(tmp, buf + off, n);
		if (st != KPP_STATUS_SUCCESS)
			return st;
		console_write(tmp, n);
		off += n;
	}
	return len;
}

static uint64_t sys_load_driver(uint64_t uname, uint64_t uargs, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	char name[MODULE_NAME_MAX], args[MODULE_ARGS_MAX] = "";
	status_t st = string_from_user(name, uname, sizeof name);
	if (st == KPP_STATUS_SUCCESS && uargs)
		st = string_from_user(args, uargs, sizeof args);
	if (st != KPP_STATUS_SUCCESS)
		return st;
	return module_load_by_name(name, args);
}

static uint64_t sys_unload_driver(uint64_t uname, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	char name[MODULE_NAME_MAX];
	status_t st = string_from_user(name, uname, sizeof name);
	if (st != KPP_STATUS_SUCCESS)
		return st;
	return module_unload(name);
}

#define SERVICE(name) uint64_t name(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
SERVICE(sys_exit);
SERVICE(sys_read);
SERVICE(sys_spawn);
SERVICE(sys_wait);
SERVICE(sys_getpid);
SERVICE(sys_sleep);
SERVICE(sys_yield);
SERVICE(sys_open_process);
SERVICE(sys_duplicate_handle);
SERVICE(sys_close);
SERVICE(sys_terminate_process);
SERVICE(sys_read_process_memory);
SERVICE(sys_write_process_memory);
SERVICE(sys_vm_alloc);
SERVICE(sys_vm_protect);
SERVICE(sys_vm_free);
SERVICE(sys_process_list);
SERVICE(sys_create_thread);
SERVICE(sys_exit_thread);
SERVICE(sys_query_process);
SERVICE(sys_suspend_process);
SERVICE(sys_resume_process);
SERVICE(sys_set_process_name);

/* The usertest program's exit (no process: it runs in the shell's thread). */
static uint64_t sys_exit_or_usertest(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	if (usertest_active())
		usertest_exit(a1);
	return sys_exit(a1, a2, a3, a4, a5, a6);
}

const service_fn service_table[KPP_SYS_COUNT] __attribute__((section(".service_table"))) = {
	[KPP_SYS_EXIT] = sys_exit_or_usertest,
	[KPP_SYS_WRITE] = sys_write,
	[KPP_SYS_READ] = sys_read,
	[KPP_SYS_SPAWN] = sys_spawn,
	[KPP_SYS_WAIT] = sys_wait,
	[KPP_SYS_GET_PID] = sys_getpid,
	[KPP_SYS_SLEEP] = sys_sleep,
	[KPP_SYS_YIELD] = sys_yield,
	[KPP_SYS_OPEN_PROCESS] = sys_open_process,
	[KPP_SYS_DUPLICATE_HANDLE] = sys_duplicate_handle,
	[KPP_SYS_CLOSE] = sys_close,
	[KPP_SYS_TERMINATE_PROCESS] = sys_terminate_process,
	[KPP_SYS_READ_PROCESS_MEMORY] = sys_read_process_memory,
	[KPP_SYS_WRITE_PROCESS_MEMORY] = sys_write_process_memory,
	[KPP_SYS_VM_ALLOC] = sys_vm_alloc,
	[KPP_SYS_VM_PROTECT] = sys_vm_protect,
	[KPP_SYS_VM_FREE] = sys_vm_free,
	[KPP_SYS_LOAD_DRIVER] = sys_load_driver,
	[KPP_SYS_UNLOAD_DRIVER] = sys_unload_driver,
	[KPP_SYS_PROCESS_LIST] = sys_process_list,
	[KPP_SYS_CREATE_THREAD] = sys_create_thread,
	[KPP_SYS_EXIT_THREAD] = sys_exit_thread,
	[KPP_SYS_QUERY_PROCESS] = sys_query_process,
	[KPP_SYS_SUSPEND_PROCESS] = sys_suspend_process,
	[KPP_SYS_RESUME_PROCESS] = sys_resume_process,
	[KPP_SYS_SET_PROCESS_NAME] = sys_set_process_name,
};
const uint64_t service_count = KPP_SYS_COUNT;

void syscall_init(void)
{
	percpu.self = &percpu;
	percpu.kernel_rsp = kstack_alloc();
	wrmsr(MSR_GS_BASE, (uint64_t)&percpu);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	wrmsr(MSR_STAR, ((uint64_t)USER_STAR_BASE << STAR_USER_SHIFT) |
				((uint64_t)KPP_SEL_KERNEL_CODE << STAR_KERNEL_SHIFT));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_CSTAR, 0);
	wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}
