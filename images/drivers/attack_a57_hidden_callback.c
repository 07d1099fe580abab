/* attack_a57_hidden_callback (A57): hide a driver whose code runs only from
 * a vendor callback. Registers a handle filter with no pre-callback and a
 * post-callback of its own (a signed driver may), then removes its module
 * record from the module list and the module table as attack_a45 does. It
 * arms no timer: the post-callback, the second routine of a handle-filter
 * entry, runs whenever a process handle is opened. Expected: 0x109 type
 * 0x18 (a callback that lies in no listed module's text). */
#include "attack.h"
#include <kpp/module.h>
#include <kpp/vendorapi.h>

static uint64_t seen;

static void post(void *ctx, const struct handle_post_info *info)
{
	if (++seen == 1)
		printk("attack_a57: hidden post-callback ran for a handle to pid %u\n", info->target_pid);
}

static const struct handle_filter_operation ops[1] = {
	{KPP_OBJ_TYPE_PROCESS, KPP_HANDLE_OP_CREATE | KPP_HANDLE_OP_DUPLICATE, NULL, post},
};

status_t driver_entry(struct driver_object *drv)
{
	struct handle_filter_registration reg = {372100, 1, ops, NULL};
	void *cookie;
	status_t st = handle_filter_register(&reg, &cookie);
	if (st != KPP_STATUS_SUCCESS) {
		printk("attack_a57: handle filter: status 0x%08x\n", st);
		return st;
	}
	struct module *m = a_module_of(drv);
	uint64_t *slot = a_module_slot(m);
	if (!slot) {
		printk("attack_a57: the module table slot not found\n");
		return KPP_STATUS_UNSUCCESSFUL;
	}
	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	a_hide_module(m, slot);
	printk("attack_a57: module record removed from the module list and table, a handle post-callback left\n");
	a_patched("attack_a57");
	a_restore(pf);
	return KPP_STATUS_SUCCESS;
}
