/* readln [PROMPT]: read one line from the console (the read system call)
 * and print it back with its length. */
#include "kpp.h"

#define LINE_MAX 128

int main(int argc, char **argv)
{
	char line[LINE_MAX];
	size_t n = 0;
	if (argc > 1)
		printf("%s\n", argv[1]);
	while (n < sizeof line - 1) {
		char buf[16];
		long got = sys_read(buf, sizeof buf);
		if (got <= 0 || (uint32_t)got >= 0x80000000u) {
			printf("readln: read: status 0x%x\n", (uint32_t)got);
			return 1;
		}
		bool end = false;
		for (long i = 0; i < got && n < sizeof line - 1; i++) {
			if (buf[i] == '\r' || buf[i] == '\n') {
				end = true;
				break;
			}
			line[n++] = buf[i];
		}
		if (end)
			break;
	}
	line[n] = 0;
	printf("readln: \"%s\" (%u bytes)\n", line, (unsigned)n);
	return 0;
}
