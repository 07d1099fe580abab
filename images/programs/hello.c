/* hello: greets with its pid and arguments (built as a PIE: main's address
 * shows the load bias). */
#include "kpp.h"

int main(int argc, char **argv)
{
	printf("hello: pid %u, main at 0x%lx, %d argument(s)\n", getpid(), (uint64_t)(uintptr_t)main, argc - 1);
	for (int i = 1; i < argc; i++)
		printf("hello: argv[%d] = \"%s\"\n", i, argv[i]);
	return 0;
}
