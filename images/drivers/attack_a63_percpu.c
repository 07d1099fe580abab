/* attack_a63_percpu (A63): move the per-CPU area. The kernel reaches its
 * per-CPU block through the GS base (IA32_GS_BASE in the kernel, swapped
 * with IA32_KERNEL_GS_BASE by SWAPGS on every entry from and exit to ring
 * 3); the SYSCALL entry takes its kernel stack pointer from it and parks
 * the program's stack pointer there. The driver copies the block (four
 * words: kernel/include/kpp/syscall.h) into its own data, keeps the copy's
 * kernel stack pointer equal to the kernel's from a timer on every tick,
 * and writes the copy's address into IA32_GS_BASE: from then on every
 * system call's entry reads and writes the driver's memory, and a driver
 * that changes the copy's stack pointer chooses the stack every system
 * call runs on. With `kgs`, IA32_KERNEL_GS_BASE (the program's GS base
 * while the kernel runs) is pointed at the copy instead. Expected: 0x109
 * type 0x7 (critical MSR). */
#include "attack.h"

#define MSR_GS_BASE 0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102

struct a_percpu {
	struct a_percpu *self;
	uint64_t kernel_rsp, user_rsp, current;
};

static struct a_percpu copy __attribute__((aligned(64)));
static struct a_percpu *real;
static struct ktimer sync_timer;
static struct dpc sync_dpc;

static void sync(struct dpc *d, void *ctx)
{
	uint64_t f = a_cli();
	copy.kernel_rsp = real->kernel_rsp;
	copy.current = real->current;
	a_restore(f);
}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	real = (struct a_percpu *)a_rdmsr(MSR_GS_BASE);
	if (!a_ptr_ok((uint64_t)real, sizeof *real) || real->self != real) {
		printk("attack_a63: no per-CPU block at the GS base\n");
		a_restore(pf);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	copy = *real;
	copy.self = &copy;
	dpc_init(&sync_dpc, sync, NULL);
	timer_init(&sync_timer, &sync_dpc);
	timer_set(&sync_timer, NSEC_PER_TICK, NSEC_PER_TICK);
	if (!strcmp(drv->args, "kgs")) {
		a_wrmsr(MSR_KERNEL_GS_BASE, (uint64_t)&copy);
		printk("attack_a63: the program's GS base points at the driver's copy of the per-CPU block\n");
	} else {
		a_wrmsr(MSR_GS_BASE, (uint64_t)&copy);
		printk("attack_a63: the per-CPU block moved to the driver (GS base)\n");
	}
	a_patched("attack_a63");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
