/* spawn PROGRAM [ARGS]: start a program and wait for it (a PIE). */
#include "kpp.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		printf("usage: spawn PROGRAM [ARGS]\n");
		return 1;
	}
	char args[KPP_USER_ARGS_MAX] = "";
	size_t n = 0;
	for (int i = 2; i < argc; i++)
		n += snprintf(args + n, n < sizeof args ? sizeof args - n : 0, "%s%s", i > 2 ? " " : "", argv[i]);
	uint32_t pid, status;
	status_t st = spawn(argv[1], args, &pid);
	if (st) {
		printf("spawn: %s: status 0x%x %s\n", argv[1], st, status_name(st));
		return 2;
	}
	st = wait_pid(pid, &status);
	printf("spawn: %s (pid %u) exited, status 0x%x\n", argv[1], pid, status);
	return st ? 3 : 0;
}
