/* init PROGRAM [ARGS] [+ PROGRAM [ARGS]]...: start every program of the
 * list at once, then wait for each in list order and report its status
 * (the order of the report does not depend on scheduling). */
#include "kpp.h"

#define MAX_PROGRAMS 8

int main(int argc, char **argv)
{
	uint32_t pids[MAX_PROGRAMS];
	const char *names[MAX_PROGRAMS];
	int n = 0;
	for (int i = 1; i < argc && n < MAX_PROGRAMS;) {
		char args[KPP_USER_ARGS_MAX] = "";
		size_t len = 0;
		int j = i + 1;
		for (; j < argc && strcmp(argv[j], "+"); j++)
			len += snprintf(args + len, len < sizeof args ? sizeof args - len : 0, "%s%s", j > i + 1 ? " " : "",
					argv[j]);
		status_t st = spawn(argv[i], args, &pids[n]);
		if (st)
			printf("init: %s: status 0x%x %s\n", argv[i], st, status_name(st));
		else
			names[n++] = argv[i];
		i = j + 1;
	}
	printf("init: started %d program(s)\n", n);
	int failed = 0;
	for (int k = 0; k < n; k++) {
		uint32_t status;
		status_t st = wait_pid(pids[k], &status);
		if (st) {
			printf("init: wait %s: status 0x%x\n", names[k], st);
			failed++;
			continue;
		}
		printf("init: %s (pid %u) exited, status 0x%x\n", names[k], pids[k], status);
	}
	return failed;
}
