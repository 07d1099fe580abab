/* spin [ITERATIONS] [TAG]: CPU-bound work in ten rounds with progress on
 * timing lines (two spins interleave differently on every machine); the
 * checksum is deterministic and also the exit status (low 16 bits). */
#include "kpp.h"

#define DEFAULT_ITERATIONS 20000000ull
#define ROUNDS 10

int main(int argc, char **argv)
{
	uint64_t n = DEFAULT_ITERATIONS;
	if (argc > 1 && !parse_u64(argv[1], &n)) {
		printf("spin: bad count \"%s\"\n", argv[1]);
		return 1;
	}
	const char *tag = argc > 2 ? argv[2] : "";
	uint32_t pid = getpid();
	uint64_t x = 0x9E3779B97F4A7C15ull ^ n;
	for (int r = 1; r <= ROUNDS; r++) {
		for (uint64_t i = 0; i < n / ROUNDS; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		printf("~ spin %u%s%s: round %d/%d\n", pid, tag[0] ? " " : "", tag, r, ROUNDS);
	}
	uint32_t sum = (uint32_t)(x ^ (x >> 32));
	printf("~ spin %u: checksum 0x%x\n", pid, sum);
	return (int)(sum & 0xFFFF);
}
