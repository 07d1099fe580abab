/* SipHash-1-3 (Aumasson & Bernstein's SipHash with one compression round
 * per word and three finalization rounds, the variant hash tables use)
 * keyed with a per-context 128-bit key, a splitmix64 generator for the
 * schedule, and the XOR stream that keeps the contexts encrypted at rest.
 * The hash only has to keep a patch from being shaped to keep a region's
 * value without the key; one round per word makes a pass about 40%
 * cheaper than SipHash-2-4. */
#include <kpp/string.h>
#include "pg.h"

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define GOLDEN 0x9E3779B97F4A7C15ull
#define SUM_MUL 0xD6E8FEB86659FD93ull /* odd */

#define SIPROUND                                                                                           \
	do {                                                                                               \
		v0 += v1;                                                                                  \
		v1 = ROTL(v1, 13);                                                                         \
		v1 ^= v0;                                                                                  \
		v0 = ROTL(v0, 32);                                                                         \
		v2 += v3;                                                                                  \
		v3 = ROTL(v3, 16);                                                                         \
		v3 ^= v2;                                                                                  \
		v0 += v3;                                                                                  \
		v3 = ROTL(v3, 21);                                                                         \
		v3 ^= v0;                                                                                  \
		v2 += v1;                                                                                  \
		v1 = ROTL(v1, 17);                                                                         \
		v1 ^= v2;                                                                                  \
		v2 = ROTL(v2, 32);                                                                         \
	} while (0)

uint64_t pg_siphash(const uint64_t key[2], const void *data, size_t len)
{
	uint64_t v0 = key[0] ^ 0x736F6D6570736575ull, v1 = key[1] ^ 0x646F72616E646F6Dull;
	uint64_t v2 = key[0] ^ 0x6C7967656E657261ull, v3 = key[1] ^ 0x7465646279746573ull;
	const uint8_t *p = data;
	size_t words = len / 8;
	for (size_t i = 0; i < words; i++, p += 8) {
		uint64_t m;
		__builtin_memcpy(&m, p, 8); /* inlined: a call per word was 4 instructions more */
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	uint64_t b = (uint64_t)len << 56;
	for (size_t i = 0; i < (len & 7); i++)
		b |= (uint64_t)p[i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xFF;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t pg_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

uint64_t pg_next(uint64_t *state)
{
	*state += GOLDEN;
	return pg_mix64(*state);
}

uint64_t pg_uniform(uint64_t *state, uint64_t lo, uint64_t hi)
{
	if (hi <= lo)
		return lo;
	return lo + pg_next(state) % (hi - lo + 1);
}

/* pg_crypt on words [from, words) of buf, with a checksum of their plaintext
 * keyed by the same keystream: the contexts' integrity check, in the loop
 * that decrypts (plain = true: the words become plaintext) or encrypts
 * them. Every word goes through a bijection of the running value (XOR,
 * multiplication by an odd constant, addition of its keystream word), so
 * a change of any word, made without the keystream, changes the result.
 * It guards against blind overwrites only, like any check whose key lies
 * in memory the attacker can read (docs/patchguard.md, limits). */
uint64_t pg_crypt_sum(void *buf, size_t words, size_t from, uint64_t key, bool plain)
{
	uint64_t *w = buf, h = key ^ 0x636F6E7465787473ull; /* "contexts" */
	if (plain)
		for (size_t i = from; i < words; i++) {
			uint64_t ks = pg_mix64(key + (i + 1) * GOLDEN), p = w[i] ^ ks;
			w[i] = p;
			h = (h ^ p) * SUM_MUL + ks;
		}
	else
		for (size_t i = from; i < words; i++) {
			uint64_t ks = pg_mix64(key + (i + 1) * GOLDEN), p = w[i];
			w[i] = p ^ ks;
			h = (h ^ p) * SUM_MUL + ks;
		}
	return pg_mix64(h);
}

/* XOR with a keystream: word i gets mix(key + i * GOLDEN). Its own inverse. */
void pg_crypt(void *buf, size_t len, uint64_t key)
{
	uint64_t *w = buf;
	for (size_t i = 0; i < len / 8; i++)
		w[i] ^= pg_mix64(key + (i + 1) * GOLDEN);
}
