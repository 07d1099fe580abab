/* threads [N]: start N user threads (create_thread) that each add to a
 * shared counter, wait for them, and print the total. */
#include "kpp.h"

#define MAX_THREADS 4
#define STACK_SIZE 4096
#define ADDS 100000

static volatile uint64_t counter[MAX_THREADS];
static volatile int done[MAX_THREADS];
static uint8_t stacks[MAX_THREADS][STACK_SIZE] __attribute__((aligned(16)));

static void worker(void *arg)
{
	uintptr_t i = (uintptr_t)arg;
	for (int k = 0; k < ADDS; k++)
		counter[i] += i + 1;
	done[i] = 1;
	exit_thread(0);
}

int main(int argc, char **argv)
{
	uint64_t n = 2;
	if (argc > 1 && (!parse_u64(argv[1], &n) || n == 0 || n > MAX_THREADS)) {
		printf("threads: 1 to %d threads\n", MAX_THREADS);
		return 1;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint32_t tid;
		status_t st = create_thread(KPP_CURRENT_PROCESS, worker, (void *)(uintptr_t)i, stacks[i] + STACK_SIZE, &tid);
		if (st) {
			printf("threads: create_thread: status 0x%x\n", st);
			return 2;
		}
	}
	for (uint64_t i = 0; i < n; i++)
		while (!done[i])
			sleep_ms(10);
	uint64_t total = 0;
	for (uint64_t i = 0; i < n; i++)
		total += counter[i];
	printf("threads: %u thread(s) done, total %u\n", (unsigned)n, (unsigned)total);
	return 0;
}
