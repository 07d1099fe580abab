/* The detection and stop path, from the first console line to the exit,
 * in one section of text (.text.pg_stop: pg_detect, pg_crash, pg_stop).
 * Every context keeps a copy of that section's bytes; every detection site
 * first puts them back (pg_stop_repair, inlined into the caller), so a
 * patched stop path is repaired before it is used, not trusted.
 *
 * pg_detect takes no lock (an attacker holding one, or code interrupted
 * while holding one, cannot freeze it): it names the region on the UART
 * itself, formatted by the kernel's snprintf, only when the entry of every
 * routine that report needs still hashes as sealed
 * (else it skips the report rather than run patched code), stores the
 * arguments in static storage, and pg_crash (crash.S) wipes the stack below
 * the frame and the registers before calling the context's private copy of
 * the stop routine. That routine, pg_stop, prints the stop screen on the
 * UART itself, posts the bug-check event from its own record and exits
 * through isa-debug-exit: no kernel data an attacker can set (a "bug check
 * in progress" flag, a lock, a function pointer) stands between a
 * detection and the stop screen. */
#include <kpp/bugcheck.h>
#include <kpp/cpu.h>
#include <kpp/event.h>
#include <kpp/format.h>
#include <kpp/intr.h>
#include <kpp/kernel.h>
#include <kpp/mm.h>
#include <kpp/module.h>
#include <kpp/printk.h>
#include <kpp/time.h>
#include "pg.h"

#define STOP_TEXT __attribute__((section(".text.pg_stop"), noinline))
#define WIPE_BYTES 2048
#define UART KPP_COM1_PORT
#define UART_LSR 5
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define EVENT_TEXT 64
#define REPORT_LINE 192

static uint64_t stop_args[5];
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

STOP_TEXT static void put(char c)
{
	while (!(inb(UART + UART_LSR) & LSR_THRE))
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

STOP_TEXT static void hex(uint64_t v, int digits)
{
	for (int i = digits - 1; i >= 0; i--)
		put("0123456789abcdef"[(v >> (4 * i)) & 0xF]);
}

/* The stop screen, the event and the exit, with nothing but the ports. */
STOP_TEXT NORETURN void pg_stop(uint32_t code, uint64_t p1, uint64_t p2, uint64_t p3, uint64_t p4,
				 const struct trap_frame *tf)
{
	static const char name[] = "CRITICAL_STRUCTURE_CORRUPTION";
	cli();
	uart_reset();
	uint64_t p[5] = {code, p1, p2, p3, p4};
	puts_raw("\n*** STOP: 0x");
	hex(code, 8);
	puts_raw(" (");
	for (int i = 1; i < 5; i++) {
		puts_raw("0x");
		hex(p[i], 16);
		puts_raw(i < 4 ? "," : ")\n");
	}
	puts_raw("*** ");
	puts_raw(name);
	puts_raw("\n");
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
	puts_raw("*** system halted\n");
	while ((inb(UART + UART_LSR) & (LSR_THRE | LSR_TEMT)) != (LSR_THRE | LSR_TEMT))
		;
	outl(KPP_DEBUG_EXIT_PORT, KPP_EXIT_BUG_CHECK);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* The kernel routines the console report calls: their entries (where a
 * hook goes) must still be the bytes sealed at arming, or the report is
 * skipped rather than run through a hook. */
#define ENTRY_BYTES 32

static bool report_text_ok(struct pg_context *c)
{
	const uint64_t fns[] = {(uint64_t)snprintf, (uint64_t)vsnprintf, (uint64_t)addr_describe, (uint64_t)clock_ns,
				(uint64_t)lapic_tick_progress_ns, (uint64_t)lapic_read, (uint64_t)pg_type_name};
	if (!c)
		return true;
	for (unsigned k = 0; k < ARRAY_SIZE(fns); k++)
		if (!pg_bytes_sealed(c, fns[k], ENTRY_BYTES))
			return false;
	return true;
}

STOP_TEXT NORETURN void pg_report(struct pg_context *c, const void *record, uint64_t addr, uint32_t type)
{
	cli();
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

	/* Formatted here and written to the UART directly: the console lock
	 * may be held by the interrupted code (or never released again, when
	 * that is what the corruption did), and printk is not needed. */
	uart_reset();
	if (report_text_ok(c)) {
		char where[64], line[REPORT_LINE];
		if (addr_describe(addr, where, sizeof where))
			snprintf(line, sizeof line, "\n*** PatchGuard: %s (region type 0x%x) at %s\n", pg_type_name(type),
				 type, where);
		else
			snprintf(line, sizeof line, "\n*** PatchGuard: %s (region type 0x%x) at 0x%lx\n", pg_type_name(type),
				 type, addr);
		puts_raw(line);
		uint64_t ns = clock_ns();
		snprintf(line, sizeof line,
			 "~ pg: detected at %lu.%06lu s guest time, after %lu timer and %lu piggy-back passes\n",
			 ns / 1000000000ul, ns % 1000000000ul / 1000, pg.passes[0], pg.passes[1]);
		puts_raw(line);
	}

	uint64_t sp = (uint64_t)__builtin_frame_address(0);
	uint64_t lo = sp - WIPE_BYTES;
	if (!(vm_pte(lo) & PTE_P))
		lo = sp & ~(uint64_t)(PAGE_SIZE - 1);
	pg_crash(stop, stop_args, lo & ~7ull);
}

/* The report faulted (a corruption inside the formatter it shares with
 * the kernel) and the kernel's stop path asked the last-chance check:
 * stop with the arguments the detection stored, without the report. */
STOP_TEXT void pg_report_faulted(void)
{
	if (!pg.stopping || !stop_with || stop_args[0] != KPP_BUG_CRITICAL_STRUCTURE_CORRUPTION)
		return;
	uint64_t sp = (uint64_t)__builtin_frame_address(0);
	uint64_t lo = sp - WIPE_BYTES;
	if (!(vm_pte(lo) & PTE_P))
		lo = sp & ~(uint64_t)(PAGE_SIZE - 1);
	pg_crash(stop_with, stop_args, lo & ~7ull);
}

/* Outside a pass (the tick hook, the watchdog): the open context, or
 * context 0 opened for the occasion, so the stop path is repaired and the
 * private stop routine used all the same. */
NORETURN void pg_fail(const volatile void *record, uint64_t addr, uint32_t type)
{
	cli();
	struct pg_context *c = pg.busy && pg.open && pg_mapped(pg.open, sizeof *pg.open) &&
					       pg.open->magic == PG_CONTEXT_MAGIC
				       ? pg.open
				       : pg_open(0);
	pg_detect(c, (const void *)record, addr, type);
}
