/* The runtime's C part: exit, printf, status and access names. The string
 * routines and the formatter are the kernel's (kernel/lib), built into
 * every program too. */
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
