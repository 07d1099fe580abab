/* Tagged kernel pool. Small blocks come from 64 KiB arenas of contiguous
 * frames (reached through the direct map: RW, NX) with an address-ordered
 * first-fit free list that coalesces neighbours; large blocks get their own
 * frames. Every block carries a header with a magic value, its tag and its
 * size; a bad free bug-checks with BAD_POOL_CALLER. */
#include <kpp/bugcheck.h>
#include <kpp/lock.h>
#include <kpp/mm.h>
#include <kpp/printk.h>
#include <kpp/string.h>

#define ARENA_PAGES 16
#define ARENA_SIZE (ARENA_PAGES * PAGE_SIZE)
#define LARGE_LIMIT (ARENA_SIZE / 2)
#define MAGIC_USED 0x4C4F4F50u /* "POOL" */
#define MAGIC_FREE 0x45455246u /* "FREE" */
#define MAGIC_LARGE 0x45475241u /* "ARGE" */
#define MAX_TAGS 64

struct block {
	uint32_t magic, tag;
	uint64_t size;      /* bytes after the header */
	struct block *next; /* free list (free blocks only) */
	uint64_t requested; /* what the caller asked for, rounded to 16: what the statistics count */
};

struct tag_stat {
	uint32_t tag;
	uint32_t count;
	uint64_t bytes;
};

static struct block *free_list;
static spinlock_t pool_lock = SPINLOCK_INIT;
static struct tag_stat tags[MAX_TAGS];
static size_t in_use;

static void account(uint32_t tag, int64_t bytes, int count)
{
	for (int i = 0; i < MAX_TAGS; i++) {
		if (tags[i].tag == tag || tags[i].tag == 0) {
			tags[i].tag = tag;
			tags[i].count += count;
			tags[i].bytes += bytes;
			return;
		}
	}
}

static void insert_free(struct block *b)
{
	b->magic = MAGIC_FREE;
	struct block **pp = &free_list;
	while (*pp && *pp < b)
		pp = &(*pp)->next;
	b->next = *pp;
	*pp = b;
	/* Coalesce with the following block, then with the preceding one. */
	if (b->next && (char *)(b + 1) + b->size == (char *)b->next) {
		b->size += sizeof(struct block) + b->next->size;
		b->next = b->next->next;
	}
	if (pp != &free_list) {
		struct block *prev = (struct block *)((char *)pp - offsetof(struct block, next));
		if ((char *)(prev + 1) + prev->size == (char *)b) {
			prev->size += sizeof(struct block) + b->size;
			prev->next = b->next;
		}
	}
}

static bool grow(void)
{
	uint64_t pa = frame_alloc_contig(ARENA_PAGES);
	if (!pa)
		return false;
	struct block *b = phys_to_virt(pa);
	b->size = ARENA_SIZE - sizeof(struct block);
	insert_free(b);
	return true;
}

void *pool_alloc(size_t size, uint32_t tag)
{
	if (size == 0)
		size = 1;
	size = ALIGN_UP(size, 16);
	if (size > LARGE_LIMIT) {
		size_t pages = ALIGN_UP(size + sizeof(struct block), PAGE_SIZE) / PAGE_SIZE;
		uint64_t pa = frame_alloc_contig(pages);
		if (!pa)
			return NULL;
		struct block *b = phys_to_virt(pa);
		b->magic = MAGIC_LARGE;
		b->tag = tag;
		b->size = size;
		b->requested = size;
		uint64_t f = spin_lock_irqsave(&pool_lock);
		account(tag, (int64_t)size, 1);
		in_use += size;
		spin_unlock_irqrestore(&pool_lock, f);
		return b + 1;
	}
	uint64_t f = spin_lock_irqsave(&pool_lock);
	for (int attempt = 0; attempt < 2; attempt++) {
		for (struct block **pp = &free_list; *pp; pp = &(*pp)->next) {
			struct block *b = *pp;
			if (b->size < size)
				continue;
			if (b->size >= size + sizeof(struct block) + 16) {
				struct block *rest = (struct block *)((char *)(b + 1) + size);
				rest->magic = MAGIC_FREE;
				rest->size = b->size - size - sizeof(struct block);
				rest->next = b->next;
				b->size = size;
				*pp = rest;
			} else {
				*pp = b->next;
			}
			b->magic = MAGIC_USED;
			b->tag = tag;
			b->next = NULL;
			b->requested = size;
			/* Count the request, not the block: whether a split left slack
			 * depends on the free list's history (PatchGuard places its
			 * blocks at random), and the statistics must not. */
			account(tag, (int64_t)size, 1);
			in_use += size;
			spin_unlock_irqrestore(&pool_lock, f);
			memset(b + 1, 0, b->size);
			return b + 1;
		}
		if (!grow())
			break;
	}
	spin_unlock_irqrestore(&pool_lock, f);
	return NULL;
}

void pool_free(void *p)
{
	if (!p)
		return;
	struct block *b = (struct block *)p - 1;
	uint64_t f = spin_lock_irqsave(&pool_lock);
	if (b->magic == MAGIC_LARGE) {
		account(b->tag, -(int64_t)b->size, -1);
		in_use -= b->size;
		size_t pages = ALIGN_UP(b->size + sizeof(struct block), PAGE_SIZE) / PAGE_SIZE;
		b->magic = 0;
		spin_unlock_irqrestore(&pool_lock, f);
		frame_free_contig(virt_to_phys(b), pages);
		return;
	}
	if (b->magic != MAGIC_USED) {
		spin_unlock_irqrestore(&pool_lock, f);
		bugcheck(KPP_BUG_BAD_POOL_CALLER, 7, (uint64_t)b->magic, (uint64_t)p, 0);
	}
	account(b->tag, -(int64_t)b->requested, -1);
	in_use -= b->requested;
	insert_free(b);
	spin_unlock_irqrestore(&pool_lock, f);
}

size_t pool_bytes_in_use(void) { return in_use; }

void pool_print_stats(void)
{
	printk("pool: %lu bytes in use\n", (uint64_t)in_use);
	for (int i = 0; i < MAX_TAGS && tags[i].tag; i++) {
		if (!tags[i].count)
			continue;
		char t[5];
		memcpy(t, &tags[i].tag, 4);
		t[4] = 0;
		for (int k = 0; k < 4; k++)
			if (t[k] < ' ' || t[k] > '~')
				t[k] = '?';
		printk("  tag %s: %u block(s), %lu bytes\n", t, tags[i].count, tags[i].bytes);
	}
}
