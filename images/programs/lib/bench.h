/* The harness of the benchmark programs (bench, benchfp): a table of
 * workloads, each an init and a round that writes its checksum line, and
 * the main loop that runs ROUNDS rounds of the one named on the command
 * line, checks every round against the first and prints the timing and
 * checksum lines `kppemu bench` reads.
 */
#ifndef BENCH_H
#define BENCH_H

#include "kpp.h"

#define SEED 0x9E3779B97F4A7C15ull

/* A compiler barrier: the work of every round is done, in order. */
#define BARRIER() __asm__ volatile("" ::: "memory")

static inline uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* fold: an FNV-1a-style hash of 8-byte words. */
static inline uint64_t fold(const uint64_t *p, size_t words)
{
	uint64_t h = 0xCBF29CE484222325ull;
	for (size_t i = 0; i < words; i++)
		h = (h ^ p[i]) * 0x100000001B3ull;
	return h;
}

struct workload {
	const char *name;
	void (*init)(void);
	void (*round)(char *out, size_t n);
};

/* bench_main runs argv[1] of workloads[0..n) for argv[2] rounds (default
 * 1); usage is printed for a name not in the table or a bad count. */
static inline int bench_main(int argc, char **argv, const struct workload *workloads, size_t n,
			     const char *usage)
{
	const struct workload *w = NULL;
	for (size_t i = 0; argc > 1 && i < n; i++)
		if (!strcmp(argv[1], workloads[i].name))
			w = &workloads[i];
	uint64_t rounds = 1;
	if (!w || (argc > 2 && (!parse_u64(argv[2], &rounds) || rounds == 0))) {
		printf("%s\n", usage);
		return 2;
	}
	static char first[96], cur[96];
	w->init();
	int status = 0;
	for (uint64_t r = 0; r < rounds; r++) {
		BARRIER();
		w->round(r ? cur : first, sizeof cur);
		if (r && strcmp(cur, first)) {
			printf("bench %s: round %lu gave %s\n", w->name, r + 1, cur);
			status = 1;
		}
	}
	printf("~ bench %s: %lu rounds\n", w->name, rounds);
	printf("bench %s: %s\n", w->name, first);
	return status;
}

#endif
