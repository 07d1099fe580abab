/* printk: formatted output on the serial console (the formatter is
 * kernel/lib/format.c). */
#include <kpp/printk.h>
#include <kpp/lock.h>
#include <kpp/string.h>

static spinlock_t console_lock = SPINLOCK_INIT;

void printk_break_lock(void) { __atomic_store_n(&console_lock.locked, 0, __ATOMIC_RELEASE); }

void vprintk(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	if (n >= (int)sizeof buf)
		n = sizeof buf - 1;
	uint64_t f = spin_lock_irqsave(&console_lock);
	serial_write(buf, (size_t)n);
	spin_unlock_irqrestore(&console_lock, f);
}

void console_write(const char *s, size_t n)
{
	uint64_t f = spin_lock_irqsave(&console_lock);
	serial_write(s, n);
	spin_unlock_irqrestore(&console_lock, f);
}

void printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}
