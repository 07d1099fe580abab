/* attack_a83_descriptors (A83): descriptor-table and TSS edits in place.
 * Descriptor-table and TSS edits other than a gate or a loaded copy:
 * `gdt_dpl` makes the 64-bit user code segment DPL 0 in place; `tss_limit`
 * extends the TSS descriptor's limit by 8 KiB and loads TR again (busy bit
 * cleared), so the I/O-permission map at the end of the TSS becomes the
 * kernel data that follows it, whose zero bits open ports to ring 3;
 * `ist_swap` exchanges the first two IST pointers; `vec_entry` fills an
 * empty slot of the kernel's per-vector handler table (vector 0x80) with a
 * `ret` in kernel text. Expected: 0x109 type 0x3, 0x112 or 0x9. */
#include "attack_pg.h"

#define SEL_USER_CODE 0x28
#define SEL_TSS 0x30
#define DESC_DPL (3ull << 45)
#define TSS_BUSY (2ull << 40)
#define TSS_IST1 36

/* The vector handler table: 256 pointers, only the local-APIC timer's and
 * error vectors' set (in kernel text), the rest null. */
static uint64_t *find_vectors(void)
{
	uint64_t base = a_kernel_base(), end = a_kernel_end(base);
	for (uint64_t p = base; p < end; p += A_PAGE) {
		if (a_page_class(p) != A_DATA)
			continue;
		for (uint64_t *q = (uint64_t *)p; (uint64_t)q < p + A_PAGE && (uint64_t)(q + 256) <= end; q++) {
			if (!q[KPP_VEC_APIC_TIMER] || !q[KPP_VEC_APIC_ERROR])
				continue;
			int set = 0;
			for (int i = 0; i < 256; i++)
				set += q[i] != 0;
			if (set == 2 && a_in_kernel_text(q[KPP_VEC_APIC_TIMER]) && a_in_kernel_text(q[KPP_VEC_APIC_ERROR]))
				return q;
		}
	}
	return NULL;
}

static const char *patch(const char *mode)
{
	uint64_t *g = a_gdt();
	if (!strcmp(mode, "gdt_dpl")) {
		uint64_t d = g[SEL_USER_CODE / 8] & ~DESC_DPL;
		a_write_protected(&g[SEL_USER_CODE / 8], &d, 8);
		return "the 64-bit user code segment made DPL 0";
	}
	if (!strcmp(mode, "tss_limit")) {
		uint64_t d = g[SEL_TSS / 8];
		uint64_t limit = ((d & 0xFFFF) | (((d >> 48) & 0xF) << 16)) + 0x2000;
		d = (d & ~0xFFFFull & ~(0xFull << 48) & ~TSS_BUSY) | (limit & 0xFFFF) | (((limit >> 16) & 0xF) << 48);
		a_write_protected(&g[SEL_TSS / 8], &d, 8);
		__asm__ volatile("ltr %w0" ::"r"((uint16_t)SEL_TSS));
		return "the TSS limit extended by 8 KiB over kernel data and TR loaded again";
	}
	if (!strcmp(mode, "ist_swap")) {
		uint8_t *tss = a_find_tss();
		uint64_t a, b;
		memcpy(&a, tss + TSS_IST1, 8);
		memcpy(&b, tss + TSS_IST1 + 8, 8);
		if (!a || !b)
			return NULL;
		memcpy(tss + TSS_IST1, &b, 8);
		memcpy(tss + TSS_IST1 + 8, &a, 8);
		return "IST1 and IST2 exchanged";
	}
	if (!strcmp(mode, "vec_entry")) {
		uint64_t *v = find_vectors();
		static const uint8_t ret = 0xC3;
		uint64_t r = a_find(A_TEXT, &ret, 1);
		if (!v || !r)
			return NULL;
		v[0x80] = r;
		return "vector 0x80's empty handler slot filled with a ret in kernel text";
	}
	return NULL;
}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	const char *what = patch(drv->args);
	if (!what) {
		a_restore(pf);
		printk("attack_a83: unknown mode, or its table not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	printk("attack_a83: %s\n", what);
	a_patched("attack_a83");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
