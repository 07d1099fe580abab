/* sh: a small user-mode shell on the console. Each line is a program and
 * its arguments, started with spawn and waited for; a trailing "&" leaves
 * it running in the background. Built-ins: exit [STATUS], wait PID, pid.
 * (The kernel shell has the same jobs with ps, run, start, wait, kill.) */
#include "kpp.h"

#define LINE_MAX 200
#define PROMPT "$ "

static size_t read_line(char *line, size_t size)
{
	size_t n = 0;
	for (;;) {
		char c;
		long got = sys_read(&c, 1);
		if (got != 1)
			return (size_t)-1;
		if (c == '\r' || c == '\n') {
			sys_write("\n", 1);
			line[n] = 0;
			return n;
		}
		if ((c == 0x7F || c == '\b') && n) {
			n--;
			sys_write("\b \b", 3);
		} else if (c >= ' ' && c < 0x7F && n + 1 < size) {
			line[n++] = c;
			sys_write(&c, 1);
		}
	}
}

int main(int argc, char **argv)
{
	char line[LINE_MAX];
	for (;;) {
		sys_write(PROMPT, sizeof PROMPT - 1);
		if (read_line(line, sizeof line) == (size_t)-1)
			return 1;
		char *p = line;
		while (*p == ' ')
			p++;
		if (!*p)
			continue;
		char *args = strchr(p, ' ');
		if (args) {
			*args++ = 0;
			while (*args == ' ')
				args++;
		} else {
			args = p + strlen(p);
		}
		size_t alen = strlen(args);
		while (alen && args[alen - 1] == ' ')
			args[--alen] = 0;
		bool background = false;
		if (alen && args[alen - 1] == '&') {
			background = true;
			args[--alen] = 0;
			while (alen && args[alen - 1] == ' ')
				args[--alen] = 0;
		} else if (!strcmp(p + strlen(p) - 1, "&")) {
			p[strlen(p) - 1] = 0;
			background = true;
		}
		uint64_t v = 0;
		if (!strcmp(p, "exit")) {
			parse_u64(args, &v);
			return (int)v;
		}
		if (!strcmp(p, "pid")) {
			printf("sh: pid %u\n", getpid());
			continue;
		}
		if (!strcmp(p, "wait")) {
			uint32_t status;
			status_t st = parse_u64(args, &v) ? wait_pid((uint32_t)v, &status) : KPP_STATUS_INVALID_PARAMETER;
			if (st)
				printf("sh: wait: status 0x%x %s\n", st, status_name(st));
			else
				printf("sh: pid %u exited, status 0x%x\n", (uint32_t)v, status);
			continue;
		}
		uint32_t pid, status;
		status_t st = spawn(p, args, &pid);
		if (st) {
			printf("sh: %s: status 0x%x %s\n", p, st, status_name(st));
			continue;
		}
		if (background) {
			printf("sh: %s is pid %u\n", p, pid);
			continue;
		}
		st = wait_pid(pid, &status);
		if (status)
			printf("sh: %s (pid %u) exited, status 0x%x\n", p, pid, status);
	}
}
