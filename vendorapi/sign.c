/*
 * Driver signatures (docs/vendorapi.md "Signing"; layout in kernel/abi): an ELF
 * section KPP_SIG_SECTION_NAME of KPP_SIG_SIZE bytes holding a magic, a key
 * name and an HMAC-SHA-256 over the whole file with the MAC bytes zeroed,
 * keyed with that vendor key from keys.c. `kppemu sign` writes it.
 */
#include <kpp/multiboot.h>
#include <kpp/printk.h>
#include <kpp/sha256.h>
#include <kpp/string.h>
#include <kpp/vendorapi_loader.h>
#include "va.h"

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
