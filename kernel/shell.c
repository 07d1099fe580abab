/*
 * The serial shell. Commands: help, uptime, mem, lsmod, load, unload, pg,
 * bugcheck, timers, echo, sleep, sysloop, irqloop, ps, run, start, wait, kill, programs,
 * halt/poweroff. Line editing: backspace,
 * Ctrl-U (kill line), Ctrl-C (cancel line), Ctrl-L (redraw); CR, LF or CRLF
 * end a line. Commands from autorun= run first, each echoed after the
 * prompt, so a transcript reads the same whether typed or scripted.
 */
#include <kpp/abi.h>
#include <kpp/kernel.h>
#include <kpp/bugcheck.h>
#include <kpp/cpu.h>
#include <kpp/event.h>
#include <kpp/export.h>
#include <kpp/intr.h>
#include <kpp/mm.h>
#include <kpp/module.h>
#include <kpp/patchguard.h>
#include <kpp/printk.h>
#include <kpp/shell.h>
#include <kpp/string.h>
#include <kpp/time.h>
#include <kpp/usertest.h>
#include <kpp/process.h>
#include <kpp/sched.h>

#define LINE_MAX 256
#define MAX_ARGS 32
#define HISTORY 8
#define ESC 0x1B

static char history[HISTORY][LINE_MAX];
static unsigned history_len; /* lines ever entered */

struct command {
	const char *name, *usage, *help;
	int min_args;
	void (*fn)(int argc, char **argv);
};

static const struct command commands[];

static void cmd_help(int argc, char **argv);

static void cmd_uptime(int argc, char **argv)
{
	uint64_t ns = clock_ns();
	printk("~ uptime: %lu.%03lu s (%lu ticks, %lu housekeeping runs)\n", ns / NSEC_PER_SEC,
	       (ns % NSEC_PER_SEC) / 1000000, ticks(), housekeeping_runs);
}

static void cmd_mem(int argc, char **argv)
{
	printk("mem: %lu KiB usable, %lu KiB free\n", frames_total() * 4, frames_free() * 4);
	pool_print_stats();
}

static void cmd_lsmod(int argc, char **argv)
{
	module_print_list();
	if (argc > 1 && !strcmp(argv[1], "-a")) {
		printk("available:\n");
		archive_print();
	}
}

/* Join argv[from..] with spaces into buf. */
static void join(char *buf, size_t size, int argc, char **argv, int from)
{
	buf[0] = 0;
	size_t n = 0;
	for (int i = from; i < argc; i++) {
		n += snprintf(buf + n, n < size ? size - n : 0, "%s%s", i > from ? " " : "", argv[i]);
		if (n >= size)
			break;
	}
}

static void cmd_load(int argc, char **argv)
{
	char args[MODULE_ARGS_MAX];
	join(args, sizeof args, argc, argv, 2);
	module_load_by_name(argv[1], args);
}

static void cmd_unload(int argc, char **argv) { module_unload(argv[1]); }

struct check_ctx {
	const char *prefix;
	unsigned ok, refused;
};

static void check_member(const char *name, const void *data, size_t size, void *ctx)
{
	struct check_ctx *c = ctx;
	if (strncmp(name, c->prefix, strlen(c->prefix)))
		return;
	if (module_load_ex(name, data, size, "", true) == KPP_STATUS_SUCCESS)
		c->ok++;
	else
		c->refused++;
}

static void cmd_check(int argc, char **argv)
{
	struct check_ctx c = {argc > 1 ? argv[1] : "", 0, 0};
	archive_foreach(check_member, &c);
	printk("check: %u ok, %u refused\n", c.ok, c.refused);
}

static void cmd_call(int argc, char **argv)
{
	struct module *m = module_lookup(argv[1]);
	uint64_t n;
	if (!m) {
		printk("call: %s is not loaded\n", argv[1]);
		return;
	}
	if (!parse_u64(argv[2], &n) || n >= DRIVER_DISPATCH_MAX || !m->drv.dispatch[n]) {
		printk("call: %s has no dispatch routine %s\n", argv[1], argv[2]);
		return;
	}
	char args[MODULE_ARGS_MAX];
	join(args, sizeof args, argc, argv, 3);
	status_t st = m->drv.dispatch[n](&m->drv, args);
	printk("call: %s[%lu] returned 0x%08x\n", argv[1], n, st);
}

static void cmd_pg(int argc, char **argv) { pg_print_status(); }

static void cmd_bugcheck(int argc, char **argv)
{
	uint64_t v[5] = {KPP_BUG_MANUALLY_INITIATED, 0, 0, 0, 0};
	for (int i = 1; i < argc && i <= 5; i++)
		if (!parse_u64(argv[i], &v[i - 1])) {
			printk("bugcheck: bad number \"%s\"\n", argv[i]);
			return;
		}
	bugcheck((uint32_t)v[0], v[1], v[2], v[3], v[4]);
}

static void cmd_timers(int argc, char **argv)
{
	uint64_t f = irq_save();
	int n = 0;
	for (struct ktimer *t = timer_queue; t; t = t->next)
		n++;
	irq_restore(f);
	printk("timers: %d armed\n", n);
}

static void cmd_exports(int argc, char **argv)
{
	/* Offsets from the image's start: the same wherever kaslr put it. */
	const struct kexport *e = export_table();
	for (size_t i = 0; i < export_count(); i++)
		printk("  %-20s kernel+0x%lx\n", e[i].name, e[i].addr - (uint64_t)__kernel_start);
}

static void cmd_echo(int argc, char **argv)
{
	char buf[LINE_MAX];
	join(buf, sizeof buf, argc, argv, 1);
	printk("%s\n", buf);
}

static void cmd_sleep(int argc, char **argv)
{
	uint64_t ms;
	if (!parse_u64(argv[1], &ms)) {
		printk("sleep: bad number \"%s\"\n", argv[1]);
		return;
	}
	thread_sleep_ns(ms * 1000000);
}

/* sysloop N: N rounds of system instructions for `kppemu bench`: CPUID,
 * MOV from and back to CR8, RDTSC, IN from an unassigned port and INVLPG.
 * The checksum line depends only on what the instructions return that is
 * the same on every machine (CR8, the port's all-ones). */
static void cmd_sysloop(int argc, char **argv)
{
	static volatile uint8_t probe; /* the page INVLPG drops */
	uint64_t n, sum = 0;
	if (!parse_u64(argv[1], &n)) {
		printk("sysloop: bad number \"%s\"\n", argv[1]);
		return;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint32_t a = 0, b, c = 0, d, lo, hi;
		uint64_t cr8;
		__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		__asm__ volatile("mov %%cr8, %0" : "=r"(cr8));
		__asm__ volatile("mov %0, %%cr8" ::"r"(cr8));
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		__asm__ volatile("invlpg (%0)" ::"r"(&probe) : "memory");
		sum += cr8 + inb(KPP_UNASSIGNED_PORT);
	}
	printk("~ sysloop: %lu rounds\n", n);
	printk("bench sysloop: 0x%lx per round\n", n ? sum / n : 0);
}

/* irqloop N: N rounds of integer work, each ending in a critical section
 * that saves and restores the interrupt flag around shared state as kernel
 * code does, while PIT channel 0 interrupts at KPP_BENCH_IRQ_HZ beside the
 * local APIC tick (a benchmark of interrupt delivery under load). Every
 * round does the same work (from a seed read through a volatile, so the
 * compiler cannot hoist it), so the checksum depends neither on the number
 * of rounds nor on the interrupts, whose number follows each machine's
 * clock and is a timing line. */
static volatile uint64_t irqloop_ticks;
static volatile uint64_t irqloop_seed = 0x9E3779B97F4A7C15ull;

static void irqloop_tick(void) { irqloop_ticks++; }

static void cmd_irqloop(int argc, char **argv)
{
	static volatile uint64_t last, differ;
	uint64_t n;
	if (!parse_u64(argv[1], &n)) {
		printk("irqloop: bad number \"%s\"\n", argv[1]);
		return;
	}
	irqloop_ticks = 0;
	last = differ = 0;
	if (!pit_periodic(KPP_BENCH_IRQ_HZ, irqloop_tick)) {
		printk("irqloop: no local APIC timer (the PIT is the tick)\n");
		return;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t x = irqloop_seed, r = 0;
		for (int j = 0; j < 32; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			r += x;
		}
		uint64_t f = irq_save();
		if (i && r != last)
			differ++;
		last = r;
		irq_restore(f);
	}
	pit_periodic(0, NULL);
	printk("~ irqloop: %lu rounds, %lu interrupts\n", n, irqloop_ticks);
	if (differ)
		printk("bench irqloop: %lu rounds differ\n", differ);
	else
		printk("bench irqloop: 0x%016lx per round\n", last);
}

static bool parse_pid(const char *cmd, const char *s, uint32_t *pid)
{
	uint64_t v;
	if (!parse_u64(s, &v) || v > 0xFFFFFFFFu) {
		printk("%s: bad pid \"%s\"\n", cmd, s);
		return false;
	}
	*pid = (uint32_t)v;
	return true;
}

static void cmd_ps(int argc, char **argv) { process_print_list(); }

/* Start argv[1] with the rest as its arguments; the shell (the system
 * process) is its parent. */
static const char *start(const char *cmd, int argc, char **argv, uint32_t *pid)
{
	char args[KPP_USER_ARGS_MAX];
	uint32_t protection = 0;
	if (argc > 2 && !strcmp(argv[1], "-p")) { /* -p: a protected process */
		protection = PROC_PROTECTED;
		argc--;
		argv++;
	}
	join(args, sizeof args, argc, argv, 2);
	status_t st = process_spawn_protected(argv[1], args, &system_process, protection, pid);
	if (st != KPP_STATUS_SUCCESS) {
		printk("%s: %s: status 0x%08x\n", cmd, argv[1], st);
		return NULL;
	}
	return argv[1];
}

static void report_wait(const char *cmd, const char *name, uint32_t pid)
{
	uint32_t status;
	status_t st = process_wait(pid, &status);
	if (st == KPP_STATUS_SUCCESS)
		printk("%s: %s (pid %u) exited, status 0x%x\n", cmd, name, pid, status);
	else
		printk("%s: pid %u: status 0x%08x\n", cmd, pid, st);
}

static void cmd_run(int argc, char **argv)
{
	uint32_t pid;
	const char *name = start("run", argc, argv, &pid);
	if (name)
		report_wait("run", name, pid);
}

static void cmd_start(int argc, char **argv)
{
	uint32_t pid;
	const char *name = start("start", argc, argv, &pid);
	if (name)
		printk("start: %s is pid %u%s\n", name, pid, argc > 2 && !strcmp(argv[1], "-p") ? " (protected)" : "");
}

static void cmd_wait(int argc, char **argv)
{
	uint32_t pid;
	if (!parse_pid("wait", argv[1], &pid))
		return;
	struct process *p = process_get(pid);
	char name[KPP_PROCESS_NAME_MAX] = "?";
	if (p) {
		strlcpy(name, p->name, sizeof name);
		obj_deref(&p->obj);
	}
	report_wait("wait", name, pid);
}

static void cmd_kill(int argc, char **argv)
{
	uint32_t pid;
	if (!parse_pid("kill", argv[1], &pid))
		return;
	struct process *p = process_get(pid);
	if (!p) {
		printk("kill: no process %u\n", pid);
		return;
	}
	status_t st = process_kill_and_wait(p, KPP_STATUS_PROCESS_KILLED);
	if (st == KPP_STATUS_SUCCESS)
		printk("kill: pid %u (%s) terminated\n", pid, p->name);
	else
		printk("kill: pid %u (%s): status 0x%08x\n", pid, p->name, st);
	obj_deref(&p->obj);
}

static void cmd_programs(int argc, char **argv) { program_print(); }

static void cmd_usertest(int argc, char **argv) { usertest_run(argc > 1 ? argv[1] : NULL); }

static void cmd_poweroff(int argc, char **argv)
{
	uint64_t code = KPP_EXIT_POWER_OFF;
	if (argc > 1 && !parse_u64(argv[1], &code)) {
		printk("poweroff: bad number \"%s\"\n", argv[1]);
		return;
	}
	printk("power off\n");
	machine_exit((uint32_t)code);
}

static const struct command commands[] = {
	{"help", "", "list commands", 0, cmd_help},
	{"uptime", "", "time since boot (a timing line)", 0, cmd_uptime},
	{"mem", "", "frames and pool usage by tag", 0, cmd_mem},
	{"lsmod", "[-a]", "loaded modules (-a: also the archive)", 0, cmd_lsmod},
	{"load", "NAME [ARGS]", "load a driver from the boot modules or archive", 1, cmd_load},
	{"unload", "NAME", "unload a driver", 1, cmd_unload},
	{"check", "[PREFIX]", "check archive drivers without running them", 0, cmd_check},
	{"call", "NAME N [ARGS]", "call a driver's dispatch routine N", 2, cmd_call},
	{"pg", "", "PatchGuard status", 0, cmd_pg},
	{"bugcheck", "[CODE [P1..P4]]", "stop the system (test path)", 0, cmd_bugcheck},
	{"timers", "", "armed kernel timers", 0, cmd_timers},
	{"exports", "", "the kernel's export table", 0, cmd_exports},
	{"echo", "TEXT", "print TEXT", 0, cmd_echo},
	{"sleep", "MS", "wait MS milliseconds", 1, cmd_sleep},
	{"sysloop", "N", "N rounds of system instructions (a benchmark)", 1, cmd_sysloop},
	{"irqloop", "N", "N rounds of work under a 10 kHz timer interrupt (a benchmark)", 1, cmd_irqloop},
	{"usertest", "[spin|fault|load]", "run a ring-3 program through SYSCALL", 0, cmd_usertest},
	{"ps", "", "processes", 0, cmd_ps},
	{"run", "[-p] PROGRAM [ARGS]", "run a program and wait for it (-p: protected)", 1, cmd_run},
	{"start", "[-p] PROGRAM [ARGS]", "start a program in the background (-p: protected)", 1, cmd_start},
	{"wait", "PID", "wait for a process to exit", 1, cmd_wait},
	{"kill", "PID", "terminate a process", 1, cmd_kill},
	{"programs", "", "programs in the module archive", 0, cmd_programs},
	{"halt", "[STATUS]", "power off through isa-debug-exit", 0, cmd_poweroff},
	{"poweroff", "[STATUS]", "power off through isa-debug-exit", 0, cmd_poweroff},
};


static void cmd_help(int argc, char **argv)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		printk("  %-9s %-18s %s\n", commands[i].name, commands[i].usage, commands[i].help);
}

bool shell_exec(char *line)
{
	char *argv[MAX_ARGS + 1];
	int argc = 0;
	for (char *p = line; *p;) {
		while (*p == ' ' || *p == '\t')
			*p++ = 0;
		if (!*p)
			break;
		if (argc == MAX_ARGS) {
			printk("too many arguments\n");
			return true;
		}
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	if (argc == 0)
		return true;
	argv[argc] = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[0], commands[i].name))
			continue;
		if (argc - 1 < commands[i].min_args) {
			printk("usage: %s %s\n", commands[i].name, commands[i].usage);
			return true;
		}
		commands[i].fn(argc, argv);
		return true;
	}
	printk("%s: unknown command (try help)\n", argv[0]);
	return false;
}

static int getc_wait(void) { return console_getc_wait(false); }

static void erase(size_t *n)
{
	while (*n) {
		(*n)--;
		printk("\b \b");
	}
}

/* Replace the edited line with history entry back (1 = the last line). */
static void recall(char *buf, size_t size, size_t *n, unsigned back)
{
	erase(n);
	if (back == 0 || back > history_len || back > HISTORY) {
		buf[0] = 0;
		return;
	}
	strlcpy(buf, history[(history_len - back) % HISTORY], size);
	*n = strlen(buf);
	printk("%s", buf);
}

/* Read one line with editing; the prompt is already printed. */
static void read_line(char *buf, size_t size)
{
	size_t n = 0;
	unsigned back = 0;
	static bool last_cr;
	for (;;) {
		int c = getc_wait();
		if (c == ESC) {
			/* CSI sequences: ESC [ params final; arrows are ESC [ A/B. */
			if (getc_wait() != '[')
				continue;
			do
				c = getc_wait();
			while (c >= '0' && c <= '?');
			if (c == 'A' && back < history_len && back < HISTORY)
				recall(buf, size, &n, ++back);
			else if (c == 'B' && back > 0)
				recall(buf, size, &n, --back);
			continue;
		}
		if (c == '\n' && last_cr) {
			last_cr = false;
			continue;
		}
		last_cr = c == '\r';
		switch (c) {
		case '\r':
		case '\n':
			buf[n] = 0;
			printk("\n");
			if (n) {
				strlcpy(history[history_len % HISTORY], buf, LINE_MAX);
				history_len++;
			}
			return;
		case 0x7F:
		case '\b':
			if (n) {
				n--;
				printk("\b \b");
			}
			break;
		case 0x15: /* Ctrl-U */
			erase(&n);
			break;
		case 0x03: /* Ctrl-C */
			printk("^C\n%s", KPP_SHELL_PROMPT);
			n = 0;
			break;
		case 0x0C: /* Ctrl-L */
			buf[n] = 0;
			printk("\n%s%s", KPP_SHELL_PROMPT, buf);
			break;
		default:
			if (c >= ' ' && c < 0x7F && n + 1 < size) {
				buf[n++] = (char)c;
				printk("%c", c);
			}
		}
	}
}

void shell_run(const char *autorun)
{
	static char line[LINE_MAX];
	if (autorun) {
		const char *p = autorun;
		while (*p) {
			size_t n = 0;
			while (p[n] && p[n] != ';')
				n++;
			if (n >= sizeof line)
				n = sizeof line - 1;
			memcpy(line, p, n);
			line[n] = 0;
			p += n;
			if (*p == ';')
				p++;
			printk("%s%s\n", KPP_SHELL_PROMPT, line);
			shell_exec(line);
		}
	}
	event_post0(KPP_EV_SHELL_READY, NULL);
	for (;;) {
		printk("%s", KPP_SHELL_PROMPT);
		read_line(line, sizeof line);
		shell_exec(line);
	}
}
