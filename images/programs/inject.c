/* inject [-a ACCESS] PID [TEXT]: open the process (default access: VM
 * write + VM read), write TEXT into its mailbox page (svc's, at a fixed
 * address), read it back, and check that a duplicate of the handle cannot
 * gain the terminate right. */
#include "kpp.h"

#define MAILBOX 0x20000000ull

int main(int argc, char **argv)
{
	uint32_t access = KPP_PROCESS_VM_WRITE | KPP_PROCESS_VM_READ;
	int i = 1;
	if (argc > 2 && !strcmp(argv[1], "-a")) {
		if (!parse_access(argv[2], &access)) {
			printf("inject: bad access \"%s\"\n", argv[2]);
			return 1;
		}
		i = 3;
	}
	uint64_t pid;
	if (i >= argc || !parse_u64(argv[i], &pid)) {
		printf("usage: inject [-a ACCESS] PID [TEXT]\n");
		return 1;
	}
	const char *text = i + 1 < argc ? argv[i + 1] : "injected";
	handle_t h;
	status_t st = open_process((uint32_t)pid, access, &h);
	printf("inject: open pid %u with access 0x%x: status 0x%x %s\n", (uint32_t)pid, access, st, status_name(st));
	if (st)
		return 2;
	st = write_process_memory(h, MAILBOX, text, strlen(text) + 1);
	printf("inject: write \"%s\" at 0x%lx: status 0x%x %s\n", text, (uint64_t)MAILBOX, st, status_name(st));
	char back[64];
	memset(back, 0, sizeof back);
	status_t rst = read_process_memory(h, MAILBOX, back, sizeof back - 1);
	if (rst == KPP_STATUS_SUCCESS)
		printf("inject: read back \"%s\"\n", back);
	else
		printf("inject: read back: status 0x%x %s\n", rst, status_name(rst));
	handle_t dup;
	status_t dst = duplicate_handle(h, 0, access | KPP_PROCESS_TERMINATE, &dup);
	printf("inject: duplicate adding terminate: status 0x%x %s\n", dst, status_name(dst));
	if (dst == KPP_STATUS_SUCCESS)
		close_handle(dup);
	close_handle(h);
	return st ? 3 : 0;
}
