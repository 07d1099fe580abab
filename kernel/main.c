/* kmain: bring the machine up in order, then hand over to the shell. */
#include <kpp/abi.h>
#include <kpp/bugcheck.h>
#include <kpp/cpu.h>
#include <kpp/event.h>
#include <kpp/kernel.h>
#include <kpp/module.h>
#include <kpp/multiboot.h>
#include <kpp/patchguard.h>
#include <kpp/printk.h>
#include <kpp/string.h>
#include <kpp/trap.h>
#include <kpp/mm.h>
#include <kpp/intr.h>
#include <kpp/time.h>
#include <kpp/shell.h>
#include <kpp/syscall.h>
#include <kpp/process.h>
#include <kpp/sched.h>

struct boot_info boot_info;

/* Before the kernel page tables exist, physical memory below 1 GiB is
 * reachable at its own address (boot.S's identity map). */
static const void *early_phys(uint64_t pa) { return (const void *)pa; }

static void copy_cmdline(char *dst, size_t size, uint64_t pa, bool drop_path)
{
	const char *s = early_phys(pa);
	if (drop_path) {
		while (*s && *s != ' ')
			s++;
		while (*s == ' ')
			s++;
	}
	strlcpy(dst, s, size);
}

static void copy_multiboot(uint32_t info_phys)
{
	const struct mb_info *mbi = early_phys(info_phys);
	if (mbi->flags & MB_INFO_MEM) {
		boot_info.mem_lower_kib = mbi->mem_lower;
		boot_info.mem_upper_kib = mbi->mem_upper;
	}
	if (mbi->flags & MB_INFO_CMDLINE)
		copy_cmdline(boot_info.cmdline, sizeof boot_info.cmdline, mbi->cmdline, true);
	if (mbi->flags & MB_INFO_MODS) {
		const struct mb_module *m = early_phys(mbi->mods_addr);
		for (uint32_t i = 0; i < mbi->mods_count && i < BOOT_MAX_MODULES; i++) {
			struct boot_module *b = &boot_info.mods[boot_info.nmods++];
			b->start = m[i].start;
			b->end = m[i].end;
			if (m[i].cmdline)
				copy_cmdline(b->cmdline, sizeof b->cmdline, m[i].cmdline, false);
		}
	}
	if (mbi->flags & MB_INFO_MMAP) {
		uint64_t p = mbi->mmap_addr, end = p + mbi->mmap_length;
		while (p < end && boot_info.nmmap < BOOT_MAX_MMAP) {
			const struct mb_mmap_entry *e = early_phys(p);
			boot_info.mmap[boot_info.nmmap].addr = e->addr;
			boot_info.mmap[boot_info.nmmap].len = e->len;
			boot_info.mmap[boot_info.nmmap].type = e->type;
			boot_info.nmmap++;
			p += e->size + 4;
		}
	}
}

const char *cmdline_get(const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);
	const char *s = boot_info.cmdline;
	while (*s) {
		while (*s == ' ')
			s++;
		if (!strncmp(s, key, klen) && s[klen] == '=') {
			const char *v = s + klen + 1;
			size_t n = 0;
			if (!strcmp(key, "autorun"))
				n = strlen(v);
			else
				while (v[n] && v[n] != ' ')
					n++;
			if (n >= size)
				n = size - 1;
			memcpy(buf, v, n);
			buf[n] = 0;
			return buf;
		}
		while (*s && *s != ' ')
			s++;
	}
	return NULL;
}

static void kmain_stage2(void *unused);

void kmain(uint32_t magic, uint32_t info_phys)
{
	serial_init();
	printk("\nkpp kernel %u.%u.%u\n", KPP_KERNEL_VERSION >> 16, (KPP_KERNEL_VERSION >> 8) & 0xFF,
	       KPP_KERNEL_VERSION & 0xFF);
	if (magic != MULTIBOOT_LOADER_MAGIC) {
		printk("boot: not started by a Multiboot loader (eax=0x%x)\n", magic);
		machine_exit(KPP_EXIT_TEST_FAILED);
	}
	copy_multiboot(info_phys);
	cpu_probe();
	gdt_init();
	idt_init();
	frame_init();
	vm_init();
	/* Leave the boot stack for one with a guard page below it. */
	uint64_t stack = kstack_alloc();
	if (!stack)
		PANIC("no boot stack");
	call_on_stack(stack, kmain_stage2, NULL);
}

static void print_memory(void)
{
	for (uint32_t i = 0; i < boot_info.nmmap; i++)
		printk("~ mem: [0x%09lx-0x%09lx) type %u\n", boot_info.mmap[i].addr,
		       boot_info.mmap[i].addr + boot_info.mmap[i].len, boot_info.mmap[i].type);
	printk("mem: %lu KiB usable, %lu KiB free\n", frames_total() * 4, frames_free() * 4);
}

static void kmain_stage2(void *unused)
{
	/* Interrupts from ring 3 arrive on their own stack, never on this one. */
	tss_set_rsp0(kstack_alloc());
	tss_set_ist(IST_DF, kstack_alloc());
	tss_set_ist(IST_NMI, kstack_alloc());
	tss_set_ist(IST_MC, kstack_alloc());
	printk("~ cpu: %s nx=%d smep=%d smap=%d pge=%d rdrand=%d apic=%d\n", cpu_features.vendor,
	       cpu_features.nx, cpu_features.smep, cpu_features.smap, cpu_features.pge, cpu_features.rdrand,
	       cpu_features.apic);
	printk("boot: command line \"%s\"\n", boot_info.cmdline);
	print_memory();

	pic_init();
	lapic_init();
	irq_register(KPP_COM1_IRQ, serial_irq);
	serial_enable_rx_irq();
	sti();
	syscall_init();
	process_init();
	sched_init(); /* before the tick: sched_tick needs the current thread */
	time_init();

	uint64_t args[2] = {KPP_KERNEL_VERSION, frames_total() * 4};
	event_post(KPP_EV_BOOT_COMPLETE, args, 2, "kpp kernel");
	printk("boot: complete\n");
	pg_boot();
	module_load_boot_drivers();
	pg_boot_late();
	static char autorun[BOOT_CMDLINE_MAX];
	shell_run(cmdline_get("autorun", autorun, sizeof autorun));
}
