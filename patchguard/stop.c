/* The detection and stop path, from the first console line to the exit,
 * in one section of text (.text.pg_stop: pg_report, pg_crash, pg_stop,
 * their formatter and UART writer; the constant text they print is in
 * .pg_stop_rodata, at the start of read-only data). Every context keeps a
 * copy of both; every detection site first puts them back
 * (pg_stop_repair, inlined into the caller), so a patched stop path is
 * repaired before it is used, not trusted.
 *
 * Nothing on the path is the kernel's: pg_report takes no lock (an
 * attacker holding one, or code interrupted while holding one, cannot
 * freeze it) and calls no kernel routine. It names the region on the UART
 * itself with its own formatter (the region's name, the address as
 * kernel+offset or a module's name+offset, read from the module table
 * through mapped records only, and the time from the tick count and the
 * local-APIC timer's progress through PatchGuard's own mapping), stores the arguments in static storage, and pg_crash (crash.S)
 * wipes the stack below the frame and the registers before calling the
 * context's private copy of the stop routine. That routine, pg_stop,
 * prints the stop screen on the UART itself, posts the bug-check event
 * from its own record and exits through isa-debug-exit: no kernel code or
 * data an attacker can set (a "bug check in progress" flag, a lock, a
 * function pointer, the console's or the formatter's code) stands between
 * a detection and the stop screen. */
#include <kpp/bugcheck.h>
#include <kpp/cpu.h>
#include <kpp/event.h>
#include <kpp/intr.h>
#include <kpp/kernel.h>
#include <kpp/mm.h>
#include <kpp/module.h>
#include <kpp/time.h>
#include "pg.h"

#define STOP_TEXT __attribute__((section(".text.pg_stop"), noinline))
#define STOP_DATA __attribute__((section(".pg_stop_rodata")))
#define WIPE_BYTES 2048
#define UART KPP_COM1_PORT
#define UART_LSR 5
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define EVENT_TEXT 64

static uint64_t stop_args[5];
uint64_t pg_early_idt[6] __attribute__((aligned(16))); /* pg_block_nmis' IDT (pg.h) */
static pg_stop_fn stop_with; /* set, with stop_args, before the report */

static struct {
	uint32_t magic, type, length, nargs;
	uint64_t args[5];
	char text[EVENT_TEXT];
} stop_record __attribute__((aligned(16)));

/* COM1 as the kernel set it up (kernel/serial.c): 115200 baud, 8N1, FIFO
 * off, DTR, RTS and OUT2, no interrupts. Set again before the report and
 * the stop screen: a driver that opened the divisor latch or switched on
 * loopback would otherwise have them written nowhere (A60). */
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1 0x03
#define UART_MCR_DTR_RTS_OUT2 0x0B

STOP_TEXT static void uart_reset(void)
{
	outb(UART + UART_IER, 0);
	outb(UART + UART_LCR, UART_LCR_DLAB);
	outb(UART + 0, 1); /* divisor: 115200 baud */
	outb(UART + 1, 0);
	outb(UART + UART_LCR, UART_LCR_8N1);
	outb(UART + UART_FCR, 0);
	outb(UART + UART_MCR, UART_MCR_DTR_RTS_OUT2);
}

/* At most this many status reads per character: a UART that never says
 * ready does not hold the stop for ever (no machine we run on has one). */
#define UART_SPIN (1u << 20)

STOP_TEXT static void put(char c)
{
	for (uint32_t n = 0; n < UART_SPIN && !(inb(UART + UART_LSR) & LSR_THRE); n++)
		;
	outb(UART, (uint8_t)c);
}

STOP_TEXT static void puts_raw(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			put('\r');
		put(*s);
	}
}

/* The formatter: what the report needs of printf's conversions (%x and
 * %lx: lowercase hex without leading zeros; %lu; %06lu), written straight
 * to the UART. */
static const char hexdigits[] STOP_DATA = "0123456789abcdef";

STOP_TEXT static void hex(uint64_t v, int digits)
{
	for (int i = digits - 1; i >= 0; i--)
		put(hexdigits[(v >> (4 * i)) & 0xF]);
}

STOP_TEXT static void put_hex(uint64_t v)
{
	int digits = 1;
	while (digits < 16 && v >> (4 * digits))
		digits++;
	hex(v, digits);
}

STOP_TEXT static void put_dec(uint64_t v, int width)
{
	char d[20];
	int n = 0;
	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < 20);
	while (n < width && n < 20)
		d[n++] = '0';
	while (n)
		put(d[--n]);
}

/* The region types' names, in order, each ending in a zero byte; the last
 * is the name of any other type. */
static const uint32_t type_codes[] STOP_DATA = {
	KPP_PG_GENERIC_DATA, KPP_PG_FUNCTION, KPP_PGIDT, KPP_PGGDT, KPP_PG_PROCESS_LIST,
	KPP_PG_HANDLE_TABLE_LIST, KPP_PG_DEBUG_ROUTINE, KPP_PG_CRITICAL_MSR, KPP_PG_OBJECT_TYPE,
	KPP_PG_SERVICE_TABLE, KPP_PG_IMPORT_TABLE, KPP_PG_CONTROL_REGISTER, KPP_PG_LOCAL_APIC,
	KPP_PG_NOTIFICATION_CALLOUT, KPP_PG_LOADED_MODULE_LIST, KPP_PG_DRIVER_OBJECT,
	KPP_PG_PROTECTED_PROCESS, KPP_PG_CHECKER_CONTEXT, KPP_PG_INTERRUPT_DISPATCH, KPP_PG_PAGE_TABLES,
	KPP_PG_TASK_STATE,
};
static const char type_names[] STOP_DATA = "generic data region\0"
					   "function modification\0"
					   "processor IDT\0"
					   "processor GDT\0"
					   "process list corruption\0"
					   "handle table list corruption\0"
					   "debug routine\0"
					   "critical MSR modification\0"
					   "object type\0"
					   "system service function\0"
					   "import table\0"
					   "processor control register\0"
					   "local APIC modification\0"
					   "kernel notification callout\0"
					   "loaded module list\0"
					   "driver object corruption\0"
					   "protected process\0"
					   "checker context corruption or missed heartbeat\0"
					   "processor interrupt dispatch table\0"
					   "page table entries\0"
					   "task state segment\0"
					   "unknown region";

STOP_TEXT const char *pg_type_name(uint32_t type)
{
	const char *s = type_names;
	for (unsigned i = 0; i < ARRAY_SIZE(type_codes) && type_codes[i] != type; i++)
		while (*s++)
			;
	return s;
}

/* Whether va is mapped, by the page tables in CR3 through the direct map
 * (the kernel half is the same in every address space). */
STOP_TEXT static bool mapped(uint64_t va)
{
	if ((uint64_t)((int64_t)(va << 16) >> 16) != va)
		return false;
	uint64_t e;
	__asm__ volatile("mov %%cr3, %0" : "=r"(e));
	for (int level = 3; level >= 0; level--) {
		const volatile uint64_t *t = (const volatile uint64_t *)(KPP_DIRECT_MAP_BASE + (e & PTE_ADDR));
		e = t[(va >> (12 + 9 * level)) & 511];
		if (!(e & PTE_P))
			return false;
		if ((level == 1 || level == 2) && (e & PTE_PS))
			return true;
	}
	return true;
}

/* Where addr lies: kernel+offset, a loaded module's name+offset (the
 * module table, through mapped records only; the table is bounded, a list
 * could be a cycle: A54), or the address itself. */
STOP_TEXT static void put_where(const struct pg_context *c, uint64_t addr)
{
	static const char kernel[] STOP_DATA = "kernel+0x", plus[] STOP_DATA = "+0x", zx[] STOP_DATA = "0x";
	if (addr >= (uint64_t)__kernel_start && addr < (uint64_t)__kernel_end) {
		puts_raw(kernel);
		put_hex(addr - (uint64_t)__kernel_start);
		return;
	}
	struct module *const *table = c ? (struct module *const *)c->modtable : module_table;
	for (unsigned i = 0; i < MODULE_TABLE_SIZE; i++) {
		if (!mapped((uint64_t)&table[i]))
			break;
		const struct module *m = table[i];
		if (!m || !mapped((uint64_t)m) || !mapped((uint64_t)(m + 1) - 1))
			continue;
		if (addr >= m->base && addr - m->base < m->pages * PAGE_SIZE) {
			for (unsigned k = 0; k < MODULE_NAME_MAX && m->name[k]; k++)
				put(m->name[k]);
			puts_raw(plus);
			put_hex(addr - m->base);
			return;
		}
	}
	puts_raw(zx);
	put_hex(addr);
}

#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390

/* Guest time as the kernel's clock counts it: the tick count (read, not
 * asked of a routine) and the local-APIC timer's progress within the
 * tick, read through the mapping taken at arming. */
STOP_TEXT static uint64_t stop_clock_ns(const struct pg_context *c)
{
	volatile uint32_t *apic = c ? c->lapic_mmio : pg.lapic_mmio;
	uint64_t ns = (mapped((uint64_t)tick_counter) ? *tick_counter : pg.tick_seen) * NSEC_PER_TICK;
	if (apic && mapped((uint64_t)apic)) {
		uint32_t init = apic[LAPIC_TIMER_INIT / 4], cur = apic[LAPIC_TIMER_CUR / 4];
		if (cur > init)
			cur = init;
		if (init)
			ns += (uint64_t)(init - cur) * NSEC_PER_TICK / init;
	}
	return ns;
}

/* NMIs blocked for the rest of the stop path (A140). Interrupts are
 * masked here, but no instruction masks an NMI: one whose IDT gate, or
 * whose code behind the gate (the kernel's entry, trap_dispatch, the NMI
 * watchdog), a driver has redirected would otherwise run in the middle
 * of the stop screen and never return to it. The processor blocks NMIs
 * from the delivery of one until the next IRET: so an IDT of the stop
 * path's own (built here, its NMI gate pg_stop_nmi in this section) is
 * loaded, the local APIC sends this processor an NMI, and pg_stop_nmi
 * returns to the wait without IRET; the kernel's IDTR is then loaded
 * again (a fault later on the path still reaches the kernel's stop path
 * and the last-chance check). When NMIs are blocked already (a detection
 * inside the NMI), the NMI stays pending and the wait gives up. The stop
 * routine, after the report, finds the flag set by the report's block and
 * skips it; the report clears it first (A144). */
#define LAPIC_ID 0x20
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define ICR_NMI 0x4400u /* delivery mode NMI, assert, edge, physical, no shorthand */
#define NMI_WAIT 4096u

volatile uint8_t pg_stop_nmi_taken;
void pg_stop_nmi(void);

static struct {
	uint16_t off_lo, sel;
	uint8_t ist, attr;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed)) stop_idt[3] __attribute__((aligned(16)));

STOP_TEXT static void stop_block_nmi(volatile uint32_t *apic)
{
	if (pg_stop_nmi_taken || !apic || !mapped((uint64_t)apic))
		return;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) kernel_idt, own = {sizeof stop_idt - 1, (uint64_t)stop_idt};
	uint64_t h = (uint64_t)pg_stop_nmi;
	uint16_t cs;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	for (int i = 0; i < 2; i++) {
		stop_idt[i].off_lo = stop_idt[i].sel = stop_idt[i].off_mid = 0;
		stop_idt[i].ist = stop_idt[i].attr = 0;
		stop_idt[i].off_hi = stop_idt[i].zero = 0;
	}
	stop_idt[2].off_lo = (uint16_t)h;
	stop_idt[2].sel = cs;
	stop_idt[2].ist = 0;
	stop_idt[2].attr = 0x8E; /* present, DPL 0, 64-bit interrupt gate */
	stop_idt[2].off_mid = (uint16_t)(h >> 16);
	stop_idt[2].off_hi = (uint32_t)(h >> 32);
	stop_idt[2].zero = 0;
	__asm__ volatile("sidt %0" : "=m"(kernel_idt));
	__asm__ volatile("lidt %0" ::"m"(own) : "memory");
	apic[LAPIC_ICR_HI / 4] = apic[LAPIC_ID / 4] & 0xFF000000u;
	uint32_t n = NMI_WAIT;
	/* The ICR write and the wait in one block: the NMI comes back into
	 * it, where r11 is free. */
	__asm__ volatile("movl %[nmi], (%[icr])\n"
			 "1:\tcmpb $0, pg_stop_nmi_taken(%%rip)\n"
			 "\tjne 2f\n"
			 "\tpause\n"
			 "\tdecl %[n]\n"
			 "\tjnz 1b\n"
			 "2:"
			 : [n] "+r"(n)
			 : [nmi] "r"(ICR_NMI), [icr] "r"(apic + LAPIC_ICR_LO / 4)
			 : "r11", "cc", "memory");
	__asm__ volatile("lidt %0" ::"m"(kernel_idt) : "memory");
}

/* The stop screen, the event and the exit, with nothing but the ports. */
STOP_TEXT NORETURN void pg_stop(uint32_t code, uint64_t p1, uint64_t p2, uint64_t p3, uint64_t p4,
				 const struct trap_frame *tf)
{
	static const char name[] STOP_DATA = "CRITICAL_STRUCTURE_CORRUPTION";
	static const char stop[] STOP_DATA = "\n*** STOP: 0x", open[] STOP_DATA = " (", zx[] STOP_DATA = "0x",
			  comma[] STOP_DATA = ",", close[] STOP_DATA = ")\n", stars[] STOP_DATA = "*** ",
			  nl[] STOP_DATA = "\n", halted[] STOP_DATA = "*** system halted\n";
	cli();
	stop_block_nmi(pg.lapic_mmio);
	uart_reset();
	uint64_t p[5] = {code, p1, p2, p3, p4};
	puts_raw(stop);
	hex(code, 8);
	puts_raw(open);
	for (int i = 1; i < 5; i++) {
		puts_raw(zx);
		hex(p[i], 16);
		puts_raw(i < 4 ? comma : close);
	}
	puts_raw(stars);
	puts_raw(name);
	puts_raw(nl);
	stop_record.magic = KPP_EVENT_MAGIC;
	stop_record.type = KPP_EV_BUG_CHECK;
	stop_record.nargs = 5;
	for (int i = 0; i < 5; i++)
		stop_record.args[i] = p[i];
	uint32_t len = 0;
	while (name[len] && len + 1 < EVENT_TEXT) {
		stop_record.text[len] = name[len];
		len++;
	}
	stop_record.text[len++] = 0;
	stop_record.length = KPP_EVENT_HEADER_SIZE + 8 * 5 + len;
	outl(KPP_EVENT_PORT, (uint32_t)KERNEL_PHYS(&stop_record));
	/* Where a host that stops at the event sees the machine: an
	 * instruction that names no address, the same in every build. */
	__asm__ volatile("nop" ::: "memory");
	puts_raw(halted);
	for (uint32_t n = 0; n < UART_SPIN && (inb(UART + UART_LSR) & (LSR_THRE | LSR_TEMT)) != (LSR_THRE | LSR_TEMT);
	     n++)
		;
	outl(KPP_DEBUG_EXIT_PORT, KPP_EXIT_BUG_CHECK);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* The lowest address of the stack to wipe below a frame at sp. */
STOP_TEXT static uint64_t wipe_from(uint64_t sp)
{
	uint64_t lo = sp - WIPE_BYTES;
	if (!mapped(lo))
		lo = sp & ~(uint64_t)(PAGE_SIZE - 1);
	return lo & ~7ull;
}

STOP_TEXT NORETURN void pg_report(struct pg_context *c, const void *record, uint64_t addr, uint32_t type)
{
	static const char head[] STOP_DATA = "\n*** PatchGuard: ", typed[] STOP_DATA = " (region type 0x",
			  at[] STOP_DATA = ") at ", nl[] STOP_DATA = "\n", when[] STOP_DATA = "~ pg: detected at ",
			  dot[] STOP_DATA = ".", after[] STOP_DATA = " s guest time, after ",
			  timer[] STOP_DATA = " timer and ", piggy[] STOP_DATA = " piggy-back passes\n";
	cli();
	/* Only this report's own block sets the flag: set beforehand (plain
	 * data, A144), it made the block look done and NMIs stayed open. */
	pg_stop_nmi_taken = 0;
	stop_block_nmi(c ? c->lapic_mmio : pg.lapic_mmio);
	pg.stopping = true; /* the NMI watchdog stands aside */
	/* A context that failed its own verification has no trustworthy
	 * pointers: fall back to the routine linked here. */
	pg_stop_fn stop = c ? c->stop : pg_stop;
	stop_args[0] = KPP_BUG_CRITICAL_STRUCTURE_CORRUPTION;
	stop_args[1] = (uint64_t)c + KPP_PG_CONTEXT_KEY;
	stop_args[2] = (uint64_t)record + KPP_PG_RECORD_KEY;
	stop_args[3] = addr;
	stop_args[4] = type;
	stop_with = stop;

	/* Written to the UART directly: the console lock may be held by the
	 * interrupted code (or never released again, when that is what the
	 * corruption did), and neither printk nor the kernel's formatter is
	 * needed. */
	uart_reset();
	puts_raw(head);
	puts_raw(pg_type_name(type));
	puts_raw(typed);
	put_hex(type);
	puts_raw(at);
	put_where(c, addr);
	puts_raw(nl);
	uint64_t ns = stop_clock_ns(c);
	puts_raw(when);
	put_dec(ns / 1000000000ul, 1);
	puts_raw(dot);
	put_dec(ns % 1000000000ul / 1000, 6);
	puts_raw(after);
	put_dec(pg.passes[0], 1);
	puts_raw(timer);
	put_dec(pg.passes[1], 1);
	puts_raw(piggy);

	pg_crash(stop, stop_args, wipe_from((uint64_t)__builtin_frame_address(0)));
}

/* The report faulted and the kernel's stop path asked the last-chance
 * check: stop with the arguments the detection stored, without the
 * report. */
STOP_TEXT void pg_report_faulted(void)
{
	if (!pg.stopping || !stop_with || stop_args[0] != KPP_BUG_CRITICAL_STRUCTURE_CORRUPTION)
		return;
	pg_crash(stop_with, stop_args, wipe_from((uint64_t)__builtin_frame_address(0)));
}

/* Outside a pass (the tick hook, the watchdog): the open context, or
 * context 0 opened for the occasion, so the stop path is repaired and the
 * private stop routine used all the same. */
NORETURN void pg_fail(const volatile void *record, uint64_t addr, uint32_t type)
{
	cli();
	pg_dr7_off();
	pg_block_nmis(pg.lapic_mmio); /* before the context is opened (A146) */
	struct pg_context *c = pg_open_now();
	if (!c)
		c = pg_open(0);
	pg_detect(c, (const void *)record, addr, type);
}
