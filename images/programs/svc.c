/* svc [BEATS]: a long-running service. It allocates a mailbox page at a
 * fixed address (KPP's inject test writes there) and prints a heartbeat
 * every 20 ms, on timing lines only (it runs beside the shell and other
 * programs); BEATS = 0 (default) runs until killed. */
#include "kpp.h"

#define MAILBOX 0x20000000ull
#define BEAT_MS 20
#define REPORT_EVERY 10

int main(int argc, char **argv)
{
	uint64_t beats = 0;
	if (argc > 1)
		parse_u64(argv[1], &beats);
	uint64_t mb = MAILBOX;
	status_t st = vm_alloc(&mb, PAGE_SIZE, KPP_PROT_READ | KPP_PROT_WRITE, 0);
	if (st) {
		printf("~ svc: mailbox: status 0x%x\n", st);
		return 1;
	}
	volatile char *mail = (volatile char *)mb;
	strlcpy((char *)mail, "empty", 64);
	char last[64];
	strlcpy(last, "empty", sizeof last);
	printf("~ svc %u: running, mailbox at 0x%lx\n", getpid(), mb);
	for (uint64_t beat = 1; !beats || beat <= beats; beat++) {
		sleep_ms(BEAT_MS);
		if (strncmp(last, (const char *)mail, sizeof last - 1)) {
			memcpy(last, (const void *)mail, sizeof last - 1);
			last[sizeof last - 1] = 0;
			printf("~ svc %u: mailbox now \"%s\"\n", getpid(), last);
		}
		if (beat % REPORT_EVERY == 0)
			printf("~ svc %u: heartbeat %u\n", getpid(), (unsigned)beat);
	}
	return 0;
}
