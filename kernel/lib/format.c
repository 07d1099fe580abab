/* printf-style formatting for the kernel and the ring-3 runtime: one
 * formatter that writes through a sink callback, and vsnprintf on top of
 * it. Each side puts the result on its own console (printk, printf). */
#include <kpp/format.h>
#include <kpp/string.h>

struct sink {
	format_put_fn *put;
	void *ctx;
	size_t len;
};

static void put(struct sink *s, char c)
{
	s->put(s->ctx, c);
	s->len++;
}

static void put_num(struct sink *s, uint64_t v, unsigned base, bool upper, bool neg, int width, bool zero, bool left)
{
	char tmp[24];
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;
	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	int len = n + (neg ? 1 : 0);
	if (!left && !zero)
		for (; width > len; width--)
			put(s, ' ');
	if (neg)
		put(s, '-');
	if (!left && zero)
		for (; width > len; width--)
			put(s, '0');
	while (n)
		put(s, tmp[--n]);
	if (left)
		for (; width > len; width--)
			put(s, ' ');
}

size_t vformat(format_put_fn *putc, void *ctx, const char *fmt, va_list ap)
{
	struct sink o = {putc, ctx, 0};
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		bool zero = false, left = false;
		int width = 0, lng = 0;
		for (;; fmt++) {
			if (*fmt == '0')
				zero = true;
			else if (*fmt == '-')
				left = true;
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			int len = (int)strlen(s);
			if (!left)
				for (; width > len; width--)
					put(&o, ' ');
			while (*s)
				put(&o, *s++);
			if (left)
				for (; width > len; width--)
					put(&o, ' ');
			break;
		}
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			put_num(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, false, v < 0, width, zero, left);
			break;
		}
		case 'u':
			put_num(&o, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, false, false, width, zero, left);
			break;
		case 'x':
		case 'X':
			put_num(&o, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, *fmt == 'X', false, width, zero,
				left);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (uint64_t)va_arg(ap, void *), 16, false, false, 16, true, false);
			break;
		case '%':
			put(&o, '%');
			break;
		case 0:
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
		}
	}
	return o.len;
}

struct buf {
	char *p;
	size_t size, len;
};

/* Keeps the first size-1 characters; the rest are only counted. */
static void buf_put(void *ctx, char c)
{
	struct buf *b = ctx;
	if (b->len + 1 < b->size)
		b->p[b->len] = c;
	b->len++;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf b = {buf, size, 0};
	vformat(buf_put, &b, fmt, ap);
	if (size)
		buf[b.len < size ? b.len : size - 1] = 0;
	return (int)b.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
