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
 *   bignum  600! in 64-bit limbs (MUL, ADC), its square by schoolbook
 *           multiplication, and the square's decimal digits by long
 *           division by 10^19 (DIV)
 *   utf8    16384 code points encoded to UTF-8 and decoded back, and a
 *           16-bit histogram of the bytes (byte and word loads and stores,
 *           MOVZX, shifts by CL)
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

/* --- bignum --- */

#define BIG_N 600
#define BIG_LIMBS 80 /* 600! has 4,677 bits: 74 limbs */

static uint64_t big_a[BIG_LIMBS], big_sq[2 * BIG_LIMBS];
static char big_dec[2 * BIG_LIMBS * 20 + 1];

static void big_init(void) {}

/* a[0..n) *= m; returns the new length. */
static size_t big_mul_small(uint64_t *a, size_t n, uint64_t m)
{
	uint64_t carry = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned __int128 p = (unsigned __int128)a[i] * m + carry;
		a[i] = (uint64_t)p;
		carry = (uint64_t)(p >> 64);
	}
	if (carry)
		a[n++] = carry;
	return n;
}

/* a[0..n) /= d (d != 0); returns the remainder. */
static uint64_t big_div_small(uint64_t *a, size_t n, uint64_t d)
{
	uint64_t r = 0;
	for (size_t i = n; i-- > 0;) {
		uint64_t q;
		__asm__("divq %[d]" : "=a"(q), "+d"(r) : "a"(a[i]), [d] "rm"(d));
		a[i] = q;
	}
	return r;
}

static void big_round(char *out, size_t n)
{
	size_t la = 1;
	big_a[0] = 1;
	for (uint64_t k = 2; k <= BIG_N; k++)
		la = big_mul_small(big_a, la, k);
	/* The square, by rows of partial products. */
	size_t ls = 2 * la;
	for (size_t i = 0; i < ls; i++)
		big_sq[i] = 0;
	for (size_t i = 0; i < la; i++) {
		uint64_t carry = 0;
		for (size_t j = 0; j < la; j++) {
			unsigned __int128 p = (unsigned __int128)big_a[i] * big_a[j] + big_sq[i + j] + carry;
			big_sq[i + j] = (uint64_t)p;
			carry = (uint64_t)(p >> 64);
		}
		big_sq[i + la] = carry;
	}
	while (ls > 1 && !big_sq[ls - 1])
		ls--;
	/* Decimal digits, 19 at a time from the least significant end. */
	size_t d = sizeof big_dec - 1;
	big_dec[d] = 0;
	while (ls > 1 || big_sq[0]) {
		uint64_t r = big_div_small(big_sq, ls, 10000000000000000000ull);
		while (ls > 1 && !big_sq[ls - 1])
			ls--;
		int last = ls == 1 && !big_sq[0];
		for (int k = 0; k < 19 && (!last || r); k++) {
			big_dec[--d] = (char)('0' + r % 10);
			r /= 10;
		}
	}
	uint64_t sum = 0;
	for (size_t i = d; big_dec[i]; i++)
		sum += (uint64_t)(big_dec[i] - '0');
	char head[17];
	for (int i = 0; i < 16; i++)
		head[i] = big_dec[d + (size_t)i];
	head[16] = 0;
	snprintf(out, n, "%lu digits sum %lu head %s", (uint64_t)(sizeof big_dec - 1 - d), sum, head);
}

/* --- utf8 --- */

#define UTF_CPS 16384

static uint32_t utf_cp[UTF_CPS], utf_back[UTF_CPS];
static uint8_t utf_buf[UTF_CPS * 4];
static uint16_t utf_hist[256];

static void utf_init(void)
{
	uint64_t x = SEED;
	for (size_t i = 0; i < UTF_CPS; i++) {
		uint64_t v = xorshift(&x);
		uint32_t c;
		switch (v & 3) {
		case 0:
			c = 0x20 + (uint32_t)(v >> 8) % 0x60;
			break;
		case 1:
			c = 0x80 + (uint32_t)(v >> 8) % 0x780;
			break;
		case 2:
			c = 0x800 + (uint32_t)(v >> 8) % 0xF000;
			if (c >= 0xD800 && c < 0xE000)
				c -= 0x800;
			break;
		default:
			c = 0x10000 + (uint32_t)(v >> 8) % 0x100000;
			break;
		}
		utf_cp[i] = c;
	}
}

static void utf_round(char *out, size_t n)
{
	/* Encode: the lead byte, then 6-bit groups shifted by a variable count. */
	size_t len = 0;
	for (size_t i = 0; i < UTF_CPS; i++) {
		uint32_t c = utf_cp[i];
		int more = c < 0x80 ? 0 : c < 0x800 ? 1 : c < 0x10000 ? 2 : 3;
		static const uint8_t lead[4] = {0x00, 0xC0, 0xE0, 0xF0};
		int sh = 6 * more;
		utf_buf[len++] = (uint8_t)(lead[more] | c >> sh);
		while (sh) {
			sh -= 6;
			utf_buf[len++] = (uint8_t)(0x80 | ((c >> sh) & 0x3F));
		}
	}
	BARRIER();
	/* Decode back, checking every continuation byte. */
	size_t cps = 0, bad = 0;
	for (size_t i = 0; i < len;) {
		uint8_t b = utf_buf[i++];
		uint32_t c;
		int more;
		if (b < 0x80) {
			c = b;
			more = 0;
		} else if (b < 0xE0) {
			c = b & 0x1F;
			more = 1;
		} else if (b < 0xF0) {
			c = b & 0x0F;
			more = 2;
		} else {
			c = b & 0x07;
			more = 3;
		}
		while (more--) {
			uint8_t t = utf_buf[i++];
			bad += (t & 0xC0) != 0x80;
			c = c << 6 | (t & 0x3F);
		}
		utf_back[cps++] = c;
	}
	/* A 16-bit histogram of the encoded bytes, and a hash of what came back. */
	for (int i = 0; i < 256; i++)
		utf_hist[i] = 0;
	for (size_t i = 0; i < len; i++)
		utf_hist[utf_buf[i]]++;
	uint32_t h = 0;
	for (size_t i = 0; i < cps; i++)
		h = h * 31 + utf_back[i];
	uint64_t hf = fold((const uint64_t *)utf_hist, sizeof utf_hist / 8);
	snprintf(out, n, "%lu bytes %lu cps %lu bad 0x%08x 0x%016lx", (uint64_t)len, (uint64_t)cps, (uint64_t)bad, h,
		 hf);
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
	{"bignum", big_init, big_round},
	{"utf8", utf_init, utf_round},
};

int main(int argc, char **argv)
{
	return bench_main(argc, argv, workloads, ARRAY_SIZE(workloads),
			  "usage: bench crc32|sha256|sieve|memcpy|qsort|syscall|str|vm|bignum|utf8 [ROUNDS]");
}
