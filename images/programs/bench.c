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
 *   str     REP STOSB/MOVSB/MOVSQ over 64 KiB, then strlen and strcmp byte loops
 *   vm      vm_alloc 64 pages, write each, vm_free, 16 times (page-table
 *           writes and TLB invalidation in the kernel)
 *
 * Floating-point and vector work is in benchfp (compiled with SSE).
 */
#include "bench.h"
#include <kpp/sha256.h>

/* fill: 8-byte little-endian words of the xorshift sequence from seed. */
static void fill(uint64_t *p, size_t words, uint64_t seed)
{
	uint64_t x = seed;
	for (size_t i = 0; i < words; i++)
		p[i] = xorshift(&x);
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

static void sha_init(void) { fill(data, ARRAY_SIZE(data), SEED); }

static void sha_round(char *out, size_t n)
{
	uint32_t h[8];
	for (int i = 0; i < 8; i++)
		h[i] = sha256_iv[i];
	const uint8_t *p = (const uint8_t *)data;
	for (size_t off = 0; off < DATA_BYTES; off += 64)
		sha256_block(h, p + off);
	/* The length is a multiple of 64: one padding block. */
	uint8_t pad[64];
	for (int i = 0; i < 64; i++)
		pad[i] = 0;
	pad[0] = 0x80;
	uint64_t bits = (uint64_t)DATA_BYTES * 8;
	for (int i = 0; i < 8; i++)
		pad[63 - i] = (uint8_t)(bits >> (8 * i));
	sha256_block(h, pad);
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

/* --- str --- */

#define STR_BYTES (64 * 1024)
static uint8_t str_src[STR_BYTES], str_dst[STR_BYTES];

static void str_init(void)
{
	fill((uint64_t *)str_src, STR_BYTES / 8, SEED);
	/* NUL-terminated strings of 64 bytes on average. */
	for (size_t i = 0; i < STR_BYTES; i++)
		if (!(str_src[i] & 63))
			str_src[i] = 0;
	str_src[STR_BYTES - 1] = 0;
}

static void str_round(char *out, size_t n)
{
	memset(str_dst, 0x41, STR_BYTES);                  /* rep stosb */
	memcpy(str_dst + 3, str_src + 1, STR_BYTES - 8);    /* rep movsb, misaligned */
	void *d = str_dst + STR_BYTES / 2, *s = str_src;
	size_t words = STR_BYTES / 16;
	__asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(words) : : "memory");
	str_dst[STR_BYTES - 1] = 0;
	BARRIER();
	/* Every string of the destination: its length, and its order against
	 * the source at the same place less 2 (equal in the first half). */
	uint64_t total = 0, strings = 0;
	int64_t order = 0;
	for (size_t q = 3; q < STR_BYTES - 1;) {
		size_t l = strlen((const char *)str_dst + q);
		int c = strcmp((const char *)str_dst + q, (const char *)str_src + q - 2);
		order += c < 0 ? -1 : c > 0;
		total += l;
		strings++;
		q += l + 1;
	}
	snprintf(out, n, "0x%016lx %lu strings %lu bytes order %ld", fold((const uint64_t *)str_dst, STR_BYTES / 8),
		 strings, total, order);
}

/* --- vm --- */

#define VM_PAGES 64
#define VM_LOOPS 16
#define VM_BASE 0x10000000ull

static void vm_init(void) {}

static void vm_round(char *out, size_t n)
{
	uint64_t sum = 0;
	unsigned failed = 0;
	for (int l = 0; l < VM_LOOPS; l++) {
		uint64_t a = VM_BASE;
		if (vm_alloc(&a, VM_PAGES * PAGE_SIZE, KPP_PROT_READ | KPP_PROT_WRITE, 0) != KPP_STATUS_SUCCESS) {
			failed++;
			continue;
		}
		for (int i = 0; i < VM_PAGES; i++) {
			volatile uint64_t *p = (volatile uint64_t *)(a + (uint64_t)i * PAGE_SIZE + 8 * (i & 7));
			sum += *p; /* a fresh page reads zero */
			*p = (uint64_t)i + 1;
			sum += *p;
		}
		if (vm_free(a, VM_PAGES * PAGE_SIZE, 0) != KPP_STATUS_SUCCESS)
			failed++;
	}
	snprintf(out, n, "%u pages sum %lu%s", VM_LOOPS * VM_PAGES, sum, failed ? " (a vm call failed)" : "");
}

/* --- main --- */

static const struct workload workloads[] = {
	{"crc32", crc_init, crc_round},
	{"sha256", sha_init, sha_round},
	{"sieve", sieve_init, sieve_round},
	{"memcpy", copy_init, copy_round},
	{"qsort", sort_init, sort_round},
	{"syscall", sys_init, sys_round},
	{"str", str_init, str_round},
	{"vm", vm_init, vm_round},
};

int main(int argc, char **argv)
{
	return bench_main(argc, argv, workloads, ARRAY_SIZE(workloads),
			  "usage: bench crc32|sha256|sieve|memcpy|qsort|syscall|str|vm [ROUNDS]");
}
