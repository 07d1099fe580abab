/* pctl [-a ACCESS] OP PID [ARG]: one handle operation on a process, to
 * show the access check of each right.
 *   query             query_process (query)
 *   name NAME         set_process_name (set)
 *   suspend / resume  suspend_process / resume_process (suspend)
 *   dup               duplicate a handle to itself into PID's table (dup)
 *   pause MS          suspend, sleep MS, resume (suspend)
 * The default ACCESS is the one the operation needs. */
#include "kpp.h"

static const struct {
	const char *op;
	uint32_t need;
} ops[] = {
	{"query", KPP_PROCESS_QUERY_INFORMATION}, {"name", KPP_PROCESS_SET_INFORMATION},
	{"suspend", KPP_PROCESS_SUSPEND_RESUME},  {"resume", KPP_PROCESS_SUSPEND_RESUME},
	{"dup", KPP_PROCESS_DUP_HANDLE},          {"pause", KPP_PROCESS_SUSPEND_RESUME},
};

static void report(const char *what, status_t st) { printf("pctl: %s: status 0x%x %s\n", what, st, status_name(st)); }

int main(int argc, char **argv)
{
	int i = 1;
	uint32_t access = 0;
	bool given = false;
	if (argc > 2 && !strcmp(argv[1], "-a")) {
		if (!parse_access(argv[2], &access)) {
			printf("pctl: bad access \"%s\"\n", argv[2]);
			return 1;
		}
		given = true;
		i = 3;
	}
	uint64_t pid;
	if (i + 1 >= argc || !parse_u64(argv[i + 1], &pid)) {
		printf("usage: pctl [-a ACCESS] query|name|suspend|resume|dup|pause PID [ARG]\n");
		return 1;
	}
	const char *op = argv[i];
	const char *arg = i + 2 < argc ? argv[i + 2] : "";
	size_t k;
	for (k = 0; k < ARRAY_SIZE(ops) && strcmp(ops[k].op, op); k++)
		;
	if (k == ARRAY_SIZE(ops)) {
		printf("pctl: unknown operation \"%s\"\n", op);
		return 1;
	}
	if (!given)
		access = ops[k].need;
	handle_t h;
	status_t st = open_process((uint32_t)pid, access, &h);
	if (st) {
		report("open", st);
		return 2;
	}
	if (!strcmp(op, "query")) {
		struct kpp_process_info info;
		st = query_process(h, &info);
		report("query", st);
		if (!st)
			printf("pctl: pid %u \"%s\" parent %u threads %u handles %u pages %u\n", info.pid, info.name,
			       info.parent, info.threads, info.handles, (unsigned)info.pages);
	} else if (!strcmp(op, "name")) {
		st = set_process_name(h, arg);
		report("set name", st);
	} else if (!strcmp(op, "suspend")) {
		report("suspend", st = suspend_process(h));
	} else if (!strcmp(op, "resume")) {
		report("resume", st = resume_process(h));
	} else if (!strcmp(op, "dup")) {
		handle_t remote;
		st = duplicate_handle(KPP_CURRENT_PROCESS, h, KPP_PROCESS_QUERY_INFORMATION, &remote);
		report("duplicate into it", st);
		if (!st)
			printf("pctl: pid %u now holds handle 0x%x to pid %u\n", (uint32_t)pid, (unsigned)remote, getpid());
	} else if (!strcmp(op, "pause")) {
		uint64_t ms = 100;
		parse_u64(arg, &ms);
		report("suspend", st = suspend_process(h));
		if (!st) {
			sleep_ms(ms);
			report("resume", st = resume_process(h));
		}
	}
	close_handle(h);
	return st ? 3 : 0;
}
