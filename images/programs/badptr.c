/* badptr: hand the kernel bad pointers and handles through every kind of
 * system call; each must fail with its status, never crash the kernel. */
#include "kpp.h"

#define KERNEL_PTR KPP_KERNEL_VIRT_BASE
#define UNMAPPED 0x10000ull       /* user half, never mapped */
#define BAD_HANDLE 0x1234

static int failures;

static void expect(const char *what, long got, status_t want)
{
	bool ok = (status_t)got == want;
	printf("badptr: %-34s 0x%x %s%s\n", what, (status_t)got, status_name((status_t)got), ok ? "" : "  <-- WRONG");
	if (!ok)
		failures++;
}

int main(void)
{
	uint32_t pid, status, count;
	handle_t h;
	uint64_t addr;
	char buf[16];
	expect("write(kernel buffer)", sys_write((void *)KERNEL_PTR, 16), KPP_STATUS_INVALID_PARAMETER);
	expect("write(unmapped buffer)", sys_write((void *)UNMAPPED, 16), KPP_STATUS_ACCESS_VIOLATION);
	expect("write(NULL)", sys_write(NULL, 4), KPP_STATUS_ACCESS_VIOLATION);
	expect("read(kernel buffer)", sys_read((void *)KERNEL_PTR, 4), KPP_STATUS_INVALID_PARAMETER);
	expect("spawn(kernel name)", spawn((const char *)KERNEL_PTR, "", &pid), KPP_STATUS_INVALID_PARAMETER);
	expect("spawn(unmapped name)", spawn((const char *)UNMAPPED, "", &pid), KPP_STATUS_ACCESS_VIOLATION);
	expect("spawn(hello, kernel pid pointer)", spawn("hello", "", (uint32_t *)KERNEL_PTR), KPP_STATUS_INVALID_PARAMETER);
	expect("spawn(missing program)", spawn("nosuch", "", &pid), KPP_STATUS_OBJECT_NAME_NOT_FOUND);
	expect("wait(0, kernel status pointer)", wait_pid(0, (uint32_t *)KERNEL_PTR), KPP_STATUS_INVALID_PARAMETER);
	expect("wait(no such pid)", wait_pid(999, &status), KPP_STATUS_INVALID_CID);
	expect("open_process(0, kernel handle ptr)", open_process(0, KPP_PROCESS_QUERY_INFORMATION, (handle_t *)KERNEL_PTR), KPP_STATUS_INVALID_PARAMETER);
	expect("open_process(0, unmapped handle ptr)", open_process(0, KPP_PROCESS_QUERY_INFORMATION, (handle_t *)UNMAPPED), KPP_STATUS_ACCESS_VIOLATION);
	expect("open_process(0, bad access bits)", open_process(0, 0x80000000u, &h), KPP_STATUS_INVALID_PARAMETER);
	expect("open_process(no such pid)", open_process(999, KPP_PROCESS_TERMINATE, &h), KPP_STATUS_INVALID_CID);
	expect("terminate(bad handle)", terminate_process(BAD_HANDLE, 1), KPP_STATUS_INVALID_HANDLE);
	expect("close(bad handle)", close_handle(BAD_HANDLE), KPP_STATUS_INVALID_HANDLE);
	expect("read_process_memory(self, kernel)", read_process_memory(KPP_CURRENT_PROCESS, KERNEL_PTR, buf, sizeof buf), KPP_STATUS_ACCESS_VIOLATION);
	expect("read_process_memory(into kernel)", read_process_memory(KPP_CURRENT_PROCESS, (uint64_t)buf, (void *)KERNEL_PTR, 8), KPP_STATUS_INVALID_PARAMETER);
	expect("write_process_memory(self, text)", write_process_memory(KPP_CURRENT_PROCESS, (uint64_t)main, buf, 4), KPP_STATUS_ACCESS_VIOLATION);
	expect("vm_alloc(kernel address pointer)", vm_alloc((uint64_t *)KERNEL_PTR, PAGE_SIZE, KPP_PROT_READ, 0), KPP_STATUS_INVALID_PARAMETER);
	addr = KERNEL_PTR;
	expect("vm_alloc(at a kernel address)", vm_alloc(&addr, PAGE_SIZE, KPP_PROT_READ, 0), KPP_STATUS_INVALID_PARAMETER);
	addr = KPP_USER_IMAGE_BASE;
	expect("vm_alloc(over the image)", vm_alloc(&addr, PAGE_SIZE, KPP_PROT_READ, 0), KPP_STATUS_CONFLICTING_ADDRESSES);
	expect("vm_protect(kernel text)", vm_protect(KERNEL_PTR + 0x100000, PAGE_SIZE, KPP_PROT_READ | KPP_PROT_WRITE, 0), KPP_STATUS_INVALID_PARAMETER);
	expect("vm_free(the stack)", vm_free(KPP_USER_STACK_TOP - KPP_USER_STACK_SIZE, 0, 0), KPP_STATUS_INVALID_PARAMETER);
	expect("process_list(kernel buffer)", process_list((struct kpp_process_info *)KERNEL_PTR, 4, &count), KPP_STATUS_INVALID_PARAMETER);
	expect("load_driver(kernel name)", load_driver((const char *)KERNEL_PTR, NULL), KPP_STATUS_INVALID_PARAMETER);
	expect("unknown service 0x999", __syscall(0x999, 0, 0, 0, 0, 0, 0), KPP_STATUS_INVALID_SYSTEM_SERVICE);
	printf("badptr: %s (%d wrong)\n", failures ? "FAIL" : "ok", failures);
	return failures;
}
