/* Console output on COM1. Lines end "\r\n" on the wire. A line that starts
 * with KPP_TIMING_LINE_PREFIX ("~ ") may differ between machines. */
#ifndef KPP_PRINTK_H
#define KPP_PRINTK_H

#include <kpp/types.h>
#include <kpp/format.h>

/* Print to the serial console (the formats of kpp/format.h). */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vprintk(const char *fmt, va_list ap);
/* Raw bytes under the console lock (a user write stays in one piece). */
void console_write(const char *s, size_t n);
/* Console input for threads: wait for a byte (-1 when an interruptible
 * wait ends because the thread is being terminated); console_read returns
 * what is buffered, at least one byte (0: terminated). */
int console_getc_wait(bool interruptible);
size_t console_read(char *buf, size_t n);
/* For the bug-check path only (interrupts off, one CPU): release the
 * console lock a faulting holder can no longer release. */
void printk_break_lock(void);

/* serial.c: the 16550 on COM1. */
void serial_init(void);
void serial_enable_rx_irq(void);
void serial_putc(char c);          /* raw byte, polled */
void serial_write(const char *s, size_t n); /* "\n" becomes "\r\n" */
void serial_flush(void);           /* wait for the transmitter to empty */
int serial_getc(void);             /* next received byte or -1 */
void serial_irq(void);             /* IRQ 4 handler body */

#endif
