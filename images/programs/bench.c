/* bench WORKLOAD [ROUNDS]: a fixed amount of CPU work for `kppemu bench`.
 * Each round runs the workload once on the same input; the checksum line
 * ("bench WORKLOAD: ...", unmarked) is that of one round, so it is the
 * same for any ROUNDS and on every machine; the host recomputes it
 * (emu/bench). A timing line gives the rounds; a round that disagrees with
 * the first prints a line and makes the exit status 1.
 *
 *   crc32   table-driven CRC-32 (IEEE) of 64 KiB
 *   sha256  SHA-256 of 64 KiB
 *   sieve   primes below 2^20 (a byte per number)
 *   memcpy  memset then memcpy loops over 256 KiB (8-byte accesses)
 *   qsort   quicksort of 32768 32-bit numbers (branchy, recursive)
 *   syscall 10000 getpid system calls (SYSCALL/SYSRET and the kernel's entry path)
 */
#include "kpp.h"

#define SEED 0x9E3779B97F4A7C15ull

/* A compiler barrier: the work of every round is done, in order. */
#define BARRIER() __asm__ volatile("" ::: "memory")

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* fill: 8-byte little-endian words of the xorshift sequence from seed. */
static void fill(uint64_t *p, size_t words, uint64_t seed)
{
	uint64_t x = seed;
	for (size_t i = 0; i < words; i++)
		p[i] = xorshift(&x);
}

/* fold: an FNV-1a-style hash of 8-byte words. */
static uint64_t fold(const uint64_t *p, size_t words)
{
	uint64_t h = 0xCBF29CE484222325ull;
	for (size_t i = 0; i < words; i++)
		h = (h ^ p[i]) * 0x100000001B3ull;
	return h;
}

#define DATA_BYTES (64 * 1024)
static uint64_t data[DATA_BYTES / 8];

/* --- crc32 --- */

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
	fill(data, ARRAY_SIZE(data), SEED);
}

static void crc_round(char *out, size_t n)
{
	const uint8_t *p = (const uint8_t *)data;
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < DATA_BYTES; i++)
		c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
	snprintf(out, n, "0x%08x", c ^ 0xFFFFFFFFu);
}

/* --- sha256 --- */

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror32(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void sha_block(uint32_t h[8], const uint8_t *b)
{
	uint32_t w[64];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 | (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	uint32_t a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = hh + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) + ((e & f) ^ (~e & g)) + sha_k[i] + w[i];
		uint32_t t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & bb) ^ (a & c) ^ (bb & c));
		hh = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = bb;
		bb = a;
		a = t1 + t2;
	}
	h[0] += a, h[1] += bb, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

static void sha_init(void) { fill(data, ARRAY_SIZE(data), SEED); }

static void sha_round(char *out, size_t n)
{
	uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	const uint8_t *p = (const uint8_t *)data;
	for (size_t off = 0; off < DATA_BYTES; off += 64)
		sha_block(h, p + off);
	/* The length is a multiple of 64: one padding block. */
	uint8_t pad[64];
	for (int i = 0; i < 64; i++)
		pad[i] = 0;
	pad[0] = 0x80;
	uint64_t bits = (uint64_t)DATA_BYTES * 8;
	for (int i = 0; i < 8; i++)
		pad[63 - i] = (uint8_t)(bits >> (8 * i));
	sha_block(h, pad);
	snprintf(out, n, "%08x%08x%08x%08x%08x%08x%08x%08x", h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]);
}

/* --- sieve --- */

#define SIEVE_N (1u << 20)
static uint8_t composite[SIEVE_N];

static void sieve_init(void) {}

static void sieve_round(char *out, size_t n)
{
	for (uint32_t i = 0; i < SIEVE_N; i++)
		composite[i] = 0;
	uint32_t count = 0;
	for (uint32_t i = 2; i < SIEVE_N; i++) {
		if (composite[i])
			continue;
		count++;
		for (uint64_t j = (uint64_t)i * i; j < SIEVE_N; j += i)
			composite[j] = 1;
	}
	snprintf(out, n, "%u primes", count);
}

/* --- memcpy --- */

#define COPY_WORDS (256 * 1024 / 8)
static uint64_t copy_src[COPY_WORDS], copy_dst[COPY_WORDS];

static void copy_init(void) { fill(copy_src, COPY_WORDS, SEED); }

static void copy_round(char *out, size_t n)
{
	/* memset the whole destination, then memcpy over its first 3/4. */
	for (size_t i = 0; i < COPY_WORDS; i++)
		copy_dst[i] = 0x5A5A5A5A5A5A5A5Aull;
	BARRIER();
	for (size_t i = 0; i < COPY_WORDS * 3 / 4; i++)
		copy_dst[i] = copy_src[i];
	BARRIER();
	snprintf(out, n, "0x%016lx", fold(copy_dst, COPY_WORDS));
}

/* --- qsort --- */

#define SORT_N 32768
static uint32_t sort_in[SORT_N], sort_work[SORT_N];

static void sort_init(void)
{
	uint64_t x = SEED;
	for (size_t i = 0; i < SORT_N; i++)
		sort_in[i] = (uint32_t)(xorshift(&x) >> 32);
}

static void insertion(uint32_t *a, long n)
{
	for (long i = 1; i < n; i++) {
		uint32_t v = a[i];
		long j = i - 1;
		for (; j >= 0 && a[j] > v; j--)
			a[j + 1] = a[j];
		a[j + 1] = v;
	}
}

/* Quicksort, median of three, recursing into the smaller part. */
static void quick(uint32_t *a, long n)
{
	while (n > 16) {
		uint32_t x = a[0], y = a[n / 2], z = a[n - 1];
		uint32_t p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
		long i = 0, j = n - 1;
		for (;;) {
			while (a[i] < p)
				i++;
			while (a[j] > p)
				j--;
			if (i >= j)
				break;
			uint32_t t = a[i];
			a[i] = a[j];
			a[j] = t;
			i++;
			j--;
		}
		/* [0, j] <= p <= [j+1, n) */
		long left = j + 1;
		if (left < n - left) {
			quick(a, left);
			a += left;
			n -= left;
		} else {
			quick(a + left, n - left);
			n = left;
		}
	}
	insertion(a, n);
}

static void sort_round(char *out, size_t n)
{
	for (size_t i = 0; i < SORT_N; i++)
		sort_work[i] = sort_in[i];
	BARRIER();
	quick(sort_work, SORT_N);
	uint32_t bad = 0;
	for (size_t i = 1; i < SORT_N; i++)
		bad += sort_work[i - 1] > sort_work[i];
	snprintf(out, n, "0x%016lx%s", fold((const uint64_t *)sort_work, SORT_N / 2), bad ? " unsorted" : "");
}

/* --- syscall --- */

#define SYSCALLS 10000

static void sys_init(void) {}

static void sys_round(char *out, size_t n)
{
	uint32_t first = getpid(), changed = 0;
	for (int i = 1; i < SYSCALLS; i++)
		changed += getpid() != first;
	snprintf(out, n, "%u getpid calls%s", SYSCALLS, changed ? " (the pid changed)" : "");
}

/* --- main --- */

struct workload {
	const char *name;
	void (*init)(void);
	void (*round)(char *out, size_t n);
};

static const struct workload workloads[] = {
	{"crc32", crc_init, crc_round},
	{"sha256", sha_init, sha_round},
	{"sieve", sieve_init, sieve_round},
	{"memcpy", copy_init, copy_round},
	{"qsort", sort_init, sort_round},
	{"syscall", sys_init, sys_round},
};

int main(int argc, char **argv)
{
	const struct workload *w = NULL;
	for (size_t i = 0; argc > 1 && i < ARRAY_SIZE(workloads); i++)
		if (!strcmp(argv[1], workloads[i].name))
			w = &workloads[i];
	uint64_t rounds = 1;
	if (!w || (argc > 2 && (!parse_u64(argv[2], &rounds) || rounds == 0))) {
		printf("usage: bench crc32|sha256|sieve|memcpy|qsort|syscall [ROUNDS]\n");
		return 2;
	}
	static char first[80], cur[80];
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
