/* loaddrv NAME [ARGS] | loaddrv -u NAME: ask the kernel to load (unload) a
 * driver from the module archive. */
#include "kpp.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		printf("usage: loaddrv NAME [ARGS] | loaddrv -u NAME\n");
		return 1;
	}
	status_t st;
	if (!strcmp(argv[1], "-u") && argc > 2) {
		st = unload_driver(argv[2]);
		printf("loaddrv: unload %s: status 0x%x %s\n", argv[2], st, status_name(st));
		return st ? 2 : 0;
	}
	char args[KPP_USER_ARGS_MAX] = "";
	size_t n = 0;
	for (int i = 2; i < argc; i++)
		n += snprintf(args + n, n < sizeof args ? sizeof args - n : 0, "%s%s", i > 2 ? " " : "", argv[i]);
	st = load_driver(argv[1], args);
	printf("loaddrv: load %s: status 0x%x %s\n", argv[1], st, status_name(st));
	return st ? 2 : 0;
}
