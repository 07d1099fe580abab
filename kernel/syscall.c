/* SYSCALL/SYSRET set-up and the system service table. The services beyond
 * write and getpid come with the processes issue; until then they return
 * KPP_STATUS_NOT_IMPLEMENTED. */
#include <kpp/abi.h>
#include <kpp/cpu.h>
#include <kpp/mm.h>
#include <kpp/printk.h>
#include <kpp/syscall.h>
#include <kpp/usertest.h>

#define USER_TOP 0x0000800000000000ull
#define STAR_KERNEL_SHIFT 32
#define STAR_USER_SHIFT 48
#define USER_STAR_BASE (KPP_SEL_USER32_CODE | 3) /* SYSRET: CS = base+16, SS = base+8 */

struct percpu percpu;

bool user_range_ok(uint64_t addr, uint64_t len) { return addr < USER_TOP && len <= USER_TOP - addr; }

static uint64_t sys_not_implemented(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	return KPP_STATUS_NOT_IMPLEMENTED;
}

static uint64_t sys_write(uint64_t buf, uint64_t len, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	if (len > 4096 || !user_range_ok(buf, len))
		return KPP_STATUS_INVALID_PARAMETER;
	char tmp[256];
	for (uint64_t off = 0; off < len;) {
		uint64_t n = len - off < sizeof tmp ? len - off : sizeof tmp;
		if (cpu_features.smap)
			__asm__ volatile("stac" ::: "memory");
		for (uint64_t i = 0; i < n; i++)
			tmp[i] = ((const volatile char *)buf)[off + i];
		if (cpu_features.smap)
			__asm__ volatile("clac" ::: "memory");
		serial_write(tmp, n);
		off += n;
	}
	return len;
}

static uint64_t sys_exit(uint64_t status, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	if (usertest_active())
		usertest_exit(status);
	return KPP_STATUS_NOT_IMPLEMENTED;
}

static uint64_t sys_getpid(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	return 0;
}

#define NI sys_not_implemented
const service_fn service_table[KPP_SYS_COUNT] __attribute__((section(".service_table"))) = {
	[KPP_SYS_EXIT] = sys_exit,
	[KPP_SYS_WRITE] = sys_write,
	[KPP_SYS_READ] = NI,
	[KPP_SYS_SPAWN] = NI,
	[KPP_SYS_WAIT] = NI,
	[KPP_SYS_GET_PID] = sys_getpid,
	[KPP_SYS_SLEEP] = NI,
	[KPP_SYS_YIELD] = NI,
	[KPP_SYS_OPEN_PROCESS] = NI,
	[KPP_SYS_DUPLICATE_HANDLE] = NI,
	[KPP_SYS_CLOSE] = NI,
	[KPP_SYS_TERMINATE_PROCESS] = NI,
	[KPP_SYS_READ_PROCESS_MEMORY] = NI,
	[KPP_SYS_WRITE_PROCESS_MEMORY] = NI,
	[KPP_SYS_VM_ALLOC] = NI,
	[KPP_SYS_VM_PROTECT] = NI,
	[KPP_SYS_VM_FREE] = NI,
	[KPP_SYS_LOAD_DRIVER] = NI,
	[KPP_SYS_UNLOAD_DRIVER] = NI,
	[KPP_SYS_PROCESS_LIST] = NI,
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
