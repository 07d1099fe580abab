/* `usertest [spin|fault|load]`: runs a small ring-3 program through IRETQ, SYSCALL and
 * SYSRET to check the user/kernel boundary (system service table, user
 * pointer checks, SWAPGS, the RSP0 stack). A fault in ring 3 ends the
 * program with a console line instead of a bug check. */
#include <kpp/abi.h>
#include <kpp/mm.h>
#include <kpp/printk.h>
#include <kpp/string.h>
#include <kpp/trap.h>
#include <kpp/usertest.h>
#include <kpp/sched.h>

#define USER_FAULTED 0xFFFFFFFFull

extern const char user_code_start[], user_code_end[];
extern const uint64_t user_code_fault_offset, user_code_spin_offset, user_code_load_offset;
uint64_t user_enter(uint64_t rip, uint64_t rsp, uint64_t *saved_rsp);
void user_return(uint64_t saved_rsp, uint64_t value) NORETURN;

static uint64_t saved_rsp;
static bool active;
static struct thread *owner; /* the shell thread running the test */

bool usertest_active(void) { return active && current_thread() == owner; }

void usertest_exit(uint64_t status) { user_return(saved_rsp, status & 0xFFFFFFFF); }

void usertest_fault(const struct trap_frame *tf)
{
	printk("usertest: ring-3 fault, vector %lu, error 0x%lx, rip 0x%lx\n", tf->vector, tf->error, tf->rip);
	user_return(saved_rsp, USER_FAULTED);
}

void usertest_run(const char *variant)
{
	uint64_t code = frame_alloc(), stack = frame_alloc();
	if (!code || !stack) {
		printk("usertest: out of memory\n");
		return;
	}
	memcpy(phys_to_virt(code), user_code_start, (size_t)(user_code_end - user_code_start));
	vm_map(USERTEST_CODE_VA, code, VM_READ | VM_EXEC | VM_USER);
	vm_map(USERTEST_STACK_VA, stack, VM_READ | VM_WRITE | VM_USER);
	owner = current_thread();
	active = true;
	uint64_t entry = USERTEST_CODE_VA;
	if (variant && !strcmp(variant, "fault"))
		entry += user_code_fault_offset;
	else if (variant && !strcmp(variant, "spin"))
		entry += user_code_spin_offset;
	else if (variant && !strcmp(variant, "load"))
		entry += user_code_load_offset;
	uint64_t st = user_enter(entry, USERTEST_STACK_VA + PAGE_SIZE, &saved_rsp);
	active = false;
	vm_unmap(USERTEST_CODE_VA);
	vm_unmap(USERTEST_STACK_VA);
	frame_free(code);
	frame_free(stack);
	if (st == USER_FAULTED)
		printk("usertest: program killed\n");
	else
		printk("usertest: exit status 0x%lx (%s)\n", st, st == 0 ? "ok" : "FAIL");
}
