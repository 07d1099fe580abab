/* kill [-a ACCESS] PID [STATUS]: open the process (default access:
 * terminate), terminate it and wait for it to exit. With an access mask
 * that lacks terminate the kernel refuses with access denied. */
#include "kpp.h"

int main(int argc, char **argv)
{
	uint32_t access = KPP_PROCESS_TERMINATE;
	int i = 1;
	if (argc > 2 && !strcmp(argv[1], "-a")) {
		if (!parse_access(argv[2], &access)) {
			printf("kill: bad access \"%s\"\n", argv[2]);
			return 1;
		}
		i = 3;
	}
	uint64_t pid, status = 1;
	if (i >= argc || !parse_u64(argv[i], &pid) || (i + 1 < argc && !parse_u64(argv[i + 1], &status))) {
		printf("usage: kill [-a ACCESS] PID [STATUS]\n");
		return 1;
	}
	handle_t h;
	status_t st = open_process((uint32_t)pid, access, &h);
	printf("kill: open pid %u with access 0x%x: status 0x%x %s\n", (uint32_t)pid, access, st, status_name(st));
	if (st)
		return 2;
	st = terminate_process(h, (uint32_t)status);
	printf("kill: terminate pid %u: status 0x%x %s\n", (uint32_t)pid, st, status_name(st));
	close_handle(h);
	if (st)
		return 3;
	uint32_t code;
	st = wait_pid((uint32_t)pid, &code);
	if (st == KPP_STATUS_SUCCESS)
		printf("kill: pid %u exited, status 0x%x\n", (uint32_t)pid, code);
	return 0;
}
