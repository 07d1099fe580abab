/* ssechk [SEED]: keep a pattern in XMM0-XMM3 across many yields and
 * sleeps and check it each time: the kernel switches each user thread's
 * SSE/x87 state with the thread. Two of them at once (under init) would
 * see each other's values otherwise. Timing lines only; the exit status
 * says how many checks failed. (The runtime itself is built without SSE;
 * these instructions are written in assembly.) */
#include "kpp.h"

#define ROUNDS 200

static void set_xmm(uint64_t v)
{
	__asm__ volatile("movq %0, %%xmm0\n\t"
			 "movq %1, %%xmm1\n\t"
			 "movq %2, %%xmm2\n\t"
			 "movq %3, %%xmm3" ::"r"(v), "r"(v + 1), "r"(v + 2), "r"(v + 3));
}

static bool check_xmm(uint64_t v)
{
	uint64_t a, b, c, d;
	__asm__ volatile("movq %%xmm0, %0\n\t"
			 "movq %%xmm1, %1\n\t"
			 "movq %%xmm2, %2\n\t"
			 "movq %%xmm3, %3"
			 : "=r"(a), "=r"(b), "=r"(c), "=r"(d));
	return a == v && b == v + 1 && c == v + 2 && d == v + 3;
}

int main(int argc, char **argv)
{
	uint64_t seed = getpid();
	if (argc > 1)
		parse_u64(argv[1], &seed);
	int bad = 0;
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t v = (seed << 32) ^ ((uint64_t)r << 8);
		set_xmm(v);
		if (r % 4 == 0)
			sleep_ms(1);
		else
			yield();
		for (volatile int spin = 0; spin < 20000; spin++)
			;
		if (!check_xmm(v))
			bad++;
	}
	printf("~ ssechk %u: %d of %d checks failed\n", getpid(), bad, ROUNDS);
	return bad;
}
