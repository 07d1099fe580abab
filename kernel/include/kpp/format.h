/* printf-style formatting (kernel/lib/format.c), shared by the kernel and
 * the ring-3 runtime. Conversions: %s %c %d %i %u %x %X %p %%, with the
 * length modifiers l, ll and z, a width (digits or *), and the flags 0
 * and -. %p prints 0x and sixteen hex digits. */
#ifndef KPP_FORMAT_H
#define KPP_FORMAT_H

#include <stddef.h>
#include <stdarg.h>

/* Where formatted output goes, one character at a time. */
typedef void format_put_fn(void *ctx, char c);

/* Format into put(ctx, c); returns the number of characters produced. */
size_t vformat(format_put_fn *put, void *ctx, const char *fmt, va_list ap);

/* Format into buf (always NUL-terminated when size > 0); returns the
 * length the whole output would have, as C's vsnprintf does. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
