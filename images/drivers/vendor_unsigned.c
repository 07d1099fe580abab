/* vendor_unsigned: an unsigned driver (it loads only with testsigning)
 * that tries the vendor APIs. The filters need a signed image: access
 * denied; the observe-only notifications are open to it. */
#include <kpp/driver.h>
#include <kpp/vendorapi.h>

static void on_pre(void *ctx, struct handle_pre_info *info) { info->desired_access = 0; }
static void on_thread(uint32_t pid, uint32_t tid, bool created) {}
static status_t on_gate(void *ctx, const char *path, const struct image_info *info) { return KPP_STATUS_SUCCESS; }

static const struct handle_filter_operation ops[] = {{KPP_OBJ_TYPE_PROCESS, KPP_HANDLE_OP_CREATE, on_pre, NULL}};

static void unsigned_unload(struct driver_object *drv) { thread_notify_unregister(on_thread); }

status_t driver_entry(struct driver_object *drv)
{
	void *cookie = NULL;
	struct handle_filter_registration reg = {1000, 1, ops, NULL};
	printk("vendor_unsigned: handle filter: status 0x%08x\n", handle_filter_register(&reg, &cookie));
	printk("vendor_unsigned: image gate: status 0x%08x\n", image_gate_register(on_gate, 1000, NULL, &cookie));
	printk("vendor_unsigned: thread notify: status 0x%08x\n", thread_notify_register(on_thread));
	drv->unload = unsigned_unload;
	return KPP_STATUS_SUCCESS;
}
