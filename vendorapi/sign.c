/*
 * Driver signatures (docs/vendorapi.md "Signing"; layout in kernel/abi): an ELF
 * section KPP_SIG_SECTION_NAME of KPP_SIG_SIZE bytes holding a magic, a key
 * name and an HMAC-SHA-256 over the whole file with the MAC bytes zeroed,
 * keyed with that vendor key from keys.c. `kppemu sign` writes it.
 */
#include <kpp/multiboot.h>
#include <kpp/printk.h>
#include <kpp/string.h>
#include <kpp/vendorapi_loader.h>
#include "va.h"

/* SHA-256 (FIPS 180-4). */
struct sha256 {
	uint32_t h[8];
	uint8_t buf[64];
	uint64_t len;
};

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block(struct sha256 *s, const uint8_t *p)
{
	uint32_t w[64];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
		uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	s->h[0] += a;
	s->h[1] += b;
	s->h[2] += c;
	s->h[3] += d;
	s->h[4] += e;
	s->h[5] += f;
	s->h[6] += g;
	s->h[7] += h;
}

static void sha256_init(struct sha256 *s)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(s->h, iv, sizeof iv);
	s->len = 0;
}

static void sha256_update(struct sha256 *s, const void *data, size_t n)
{
	const uint8_t *p = data;
	while (n) {
		size_t have = s->len % 64;
		size_t take = 64 - have < n ? 64 - have : n;
		memcpy(s->buf + have, p, take);
		s->len += take;
		p += take;
		n -= take;
		if (s->len % 64 == 0)
			sha256_block(s, s->buf);
	}
}

static void sha256_final(struct sha256 *s, uint8_t out[32])
{
	uint64_t bits = s->len * 8;
	uint8_t pad = 0x80, zero = 0;
	sha256_update(s, &pad, 1);
	while (s->len % 64 != 56)
		sha256_update(s, &zero, 1);
	uint8_t be[8];
	for (int i = 0; i < 8; i++)
		be[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_update(s, be, 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(s->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)s->h[i];
	}
}

/* HMAC-SHA-256 over img with [hole, hole+32) read as zeros. */
static void image_hmac(const uint8_t key[32], const uint8_t *img, size_t size, size_t hole, uint8_t out[32])
{
	uint8_t pad[64], inner[32], zeros[32] = {0};
	struct sha256 s;
	memset(pad, 0x36, sizeof pad);
	for (int i = 0; i < 32; i++)
		pad[i] ^= key[i];
	sha256_init(&s);
	sha256_update(&s, pad, 64);
	sha256_update(&s, img, hole);
	sha256_update(&s, zeros, 32);
	sha256_update(&s, img + hole + 32, size - hole - 32);
	sha256_final(&s, inner);
	memset(pad, 0x5c, sizeof pad);
	for (int i = 0; i < 32; i++)
		pad[i] ^= key[i];
	sha256_init(&s);
	sha256_update(&s, pad, 64);
	sha256_update(&s, inner, 32);
	sha256_final(&s, out);
}

struct elf_hdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf_shdr {
	uint32_t name, type;
	uint64_t flags, addr, offset, size;
	uint32_t link, info;
	uint64_t addralign, entsize;
};

/* Find the signature section; the loader has already checked the section
 * headers lie inside the image. Returns its file offset or 0. */
static size_t find_signature(const uint8_t *img, size_t size, uint64_t *len)
{
	const struct elf_hdr *eh = (const struct elf_hdr *)img;
	const struct elf_shdr *sh = (const struct elf_shdr *)(img + eh->shoff);
	const struct elf_shdr *names = &sh[eh->shstrndx];
	if (names->offset > size || names->size > size - names->offset)
		return 0;
	const char *strtab = (const char *)img + names->offset;
	size_t want = sizeof KPP_SIG_SECTION_NAME;
	for (unsigned i = 1; i < eh->shnum; i++) {
		if (sh[i].name >= names->size || names->size - sh[i].name < want)
			continue;
		if (memcmp(strtab + sh[i].name, KPP_SIG_SECTION_NAME, want))
			continue;
		if (sh[i].offset > size || sh[i].size > size - sh[i].offset || sh[i].offset == 0)
			return 0;
		*len = sh[i].size;
		return sh[i].offset;
	}
	return 0;
}

static bool testsigning(void)
{
	const char *p = boot_info.cmdline;
	size_t n = strlen("testsigning");
	while (*p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, "autorun=", 8))
			return false;
		if (!strncmp(p, "testsigning", n) && (p[n] == ' ' || p[n] == 0 || !strncmp(p + n, "=1", 2)))
			return true;
		while (*p && *p != ' ')
			p++;
	}
	return false;
}

/* Why the image is not validly signed, or NULL when it is. */
static const char *check(const uint8_t *img, size_t size, char *detail, size_t n)
{
	uint64_t len = 0;
	size_t off = find_signature(img, size, &len);
	if (!off)
		return "no signature";
	if (len != KPP_SIG_SIZE || memcmp(img + off, KPP_SIG_MAGIC, 8))
		return "malformed signature";
	char name[KPP_SIG_KEY_NAME_MAX + 1];
	memcpy(name, img + off + 8, KPP_SIG_KEY_NAME_MAX);
	name[KPP_SIG_KEY_NAME_MAX] = 0;
	for (unsigned k = 0; k < va_nkeys; k++) {
		if (strcmp(va_keys[k].name, name))
			continue;
		uint8_t mac[32];
		image_hmac(va_keys[k].secret, img, size, off + KPP_SIG_MAC_OFFSET, mac);
		uint8_t diff = 0;
		for (int i = 0; i < 32; i++)
			diff |= mac[i] ^ img[off + KPP_SIG_MAC_OFFSET + i];
		if (diff) {
			snprintf(detail, n, "key %s", name);
			return "signature mismatch";
		}
		return NULL;
	}
	snprintf(detail, n, "key %s", name);
	return "unknown signing key";
}

status_t vendorapi_verify_image(const char *name, const void *image, size_t size, char *detail, size_t n)
{
	detail[0] = 0;
	const char *why = check(image, size, detail, n);
	va_set_pending_signed(why == NULL);
	if (!why)
		return KPP_STATUS_SUCCESS;
	if (testsigning()) {
		printk("load: %s is not validly signed (%s); loading it unsigned (testsigning)\n", name, why);
		return KPP_STATUS_SUCCESS;
	}
	char key[48];
	strlcpy(key, detail, sizeof key);
	if (key[0])
		snprintf(detail, n, "%s, %s", why, key);
	else
		snprintf(detail, n, "%s", why);
	return KPP_STATUS_INVALID_IMAGE_HASH;
}
