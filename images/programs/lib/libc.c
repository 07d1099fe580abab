/* The runtime's C part: exit, strings, formatted output. */
#include "kpp.h"

void exit(int status)
{
	SYS(KPP_SYS_EXIT, (uint32_t)status, 0, 0, 0, 0);
	for (;;)
		;
}

void exit_thread(uint32_t status)
{
	SYS(KPP_SYS_EXIT_THREAD, status, 0, 0, 0, 0);
	for (;;)
		;
}

void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	if (p < q)
		while (n--)
			*p++ = *q++;
	else
		while (n--)
			p[n] = q[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;
	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (; *s; s++)
		if (*s == (char)c)
			return (char *)s;
	return c ? NULL : (char *)s;
}

size_t strlcpy(char *d, const char *s, size_t n)
{
	size_t len = strlen(s);
	if (n) {
		size_t k = len < n - 1 ? len : n - 1;
		memcpy(d, s, k);
		d[k] = 0;
	}
	return len;
}

bool parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_num(struct out *o, uint64_t v, unsigned base, bool neg, int width, bool zero, bool left)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	int len = n + (neg ? 1 : 0);
	if (!left && !zero)
		for (; width > len; width--)
			put(o, ' ');
	if (neg)
		put(o, '-');
	if (!left && zero)
		for (; width > len; width--)
			put(o, '0');
	while (n)
		put(o, tmp[--n]);
	if (left)
		for (; width > len; width--)
			put(o, ' ');
}

/* %s %c %d %i %u %x %p %%, with l/ll/z, width, 0 and -. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = {buf, size, 0};
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		bool left = false, zero = false;
		int width = 0, lng = 0;
		if (*fmt == '-')
			left = true, fmt++;
		if (*fmt == '0')
			zero = true, fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z')
			lng++, fmt++;
		switch (*fmt) {
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
			for (; width > len; width--)
				put(&o, ' ');
			break;
		}
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			put_num(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width, zero, left);
			break;
		}
		case 'u':
			put_num(&o, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, false, width, zero, left);
			break;
		case 'x':
			put_num(&o, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, false, width, zero, left);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (uint64_t)va_arg(ap, void *), 16, false, width, zero, left);
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			put(&o, '%');
			if (*fmt)
				put(&o, *fmt);
			else
				fmt--;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof buf)
		n = sizeof buf - 1;
	sys_write(buf, (size_t)n);
	return n;
}

const char *status_name(status_t st)
{
	switch (st) {
	case KPP_STATUS_SUCCESS: return "success";
	case KPP_STATUS_ACCESS_VIOLATION: return "access violation";
	case KPP_STATUS_INVALID_PARAMETER: return "invalid parameter";
	case KPP_STATUS_ACCESS_DENIED: return "access denied";
	case KPP_STATUS_INVALID_HANDLE: return "invalid handle";
	case KPP_STATUS_INVALID_CID: return "no such process";
	case KPP_STATUS_INVALID_SYSTEM_SERVICE: return "invalid system service";
	case KPP_STATUS_CONFLICTING_ADDRESSES: return "conflicting addresses";
	case KPP_STATUS_OBJECT_NAME_NOT_FOUND: return "not found";
	case KPP_STATUS_PROCESS_IS_TERMINATING: return "process is terminating";
	case KPP_STATUS_NO_MEMORY: return "no memory";
	case KPP_STATUS_BUFFER_TOO_SMALL: return "buffer too small";
	default: return "";
	}
}

static const struct {
	const char *name;
	uint32_t bits;
} access_names[] = {
	{"terminate", KPP_PROCESS_TERMINATE}, {"thread", KPP_PROCESS_CREATE_THREAD},
	{"vmop", KPP_PROCESS_VM_OPERATION},   {"read", KPP_PROCESS_VM_READ},
	{"write", KPP_PROCESS_VM_WRITE},      {"dup", KPP_PROCESS_DUP_HANDLE},
	{"set", KPP_PROCESS_SET_INFORMATION}, {"query", KPP_PROCESS_QUERY_INFORMATION},
	{"suspend", KPP_PROCESS_SUSPEND_RESUME}, {"all", KPP_PROCESS_ALL_ACCESS},
};

bool parse_access(const char *s, uint32_t *access)
{
	uint64_t v;
	if (parse_u64(s, &v)) {
		*access = (uint32_t)v;
		return true;
	}
	uint32_t a = 0;
	while (*s) {
		const char *e = strchr(s, '+');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		bool found = false;
		for (size_t i = 0; i < ARRAY_SIZE(access_names); i++)
			if (strlen(access_names[i].name) == n && !strncmp(access_names[i].name, s, n)) {
				a |= access_names[i].bits;
				found = true;
			}
		if (!found)
			return false;
		s += n;
		if (*s == '+')
			s++;
	}
	*access = a;
	return true;
}
