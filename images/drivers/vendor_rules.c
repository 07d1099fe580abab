/* vendor_rules: exercises the registration rules of the vendor APIs
 * (docs/vendorapi.md, "Rules") and prints one line per rule. Its gates
 * print what they see in altitude order; the lower one vetoes the program
 * "fault"; its process and thread notify routines print user processes and
 * threads. Argument "leak":
 * keep a registration at unload (the unload is then refused). */
#include <kpp/driver.h>
#include <kpp/vendorapi.h>

static void *gate_hi, *gate_lo;
static bool leak;

static void on_image(const char *path, const struct image_info *info) {}
static void on_thread(uint32_t pid, uint32_t tid, bool created)
{
	if (pid)
		printk("vendor_rules: thread %u of pid %u %s\n", tid, pid, created ? "created" : "exited");
}

static void on_process(struct process *p, uint32_t pid, struct process_create_info *info)
{
	if (info)
		printk("vendor_rules: process %s (pid %u) created by pid %u, parent %u, arguments \"%s\"\n", info->image,
		       pid, info->creator_pid, info->parent_pid, info->cmdline);
	else
		printk("vendor_rules: process pid %u exiting\n", pid);
}

static status_t gate_200(void *ctx, const char *path, const struct image_info *info)
{
	printk("vendor_rules: gate at altitude 200 sees %s\n", path);
	return KPP_STATUS_SUCCESS;
}

static status_t gate_100(void *ctx, const char *path, const struct image_info *info)
{
	printk("vendor_rules: gate at altitude 100 sees %s\n", path);
	if (!info->kernel && !strcmp(path, "fault"))
		return KPP_STATUS_ACCESS_DENIED;
	return KPP_STATUS_SUCCESS;
}

static status_t any_memory(void *ctx, const struct memory_request *r) { return KPP_STATUS_SUCCESS; }

static void on_image_unregisters(const char *path, const struct image_info *info)
{
	printk("vendor_rules: unregister from inside the callback: status 0x%08x\n",
	       image_notify_unregister(on_image_unregisters));
}

static void rules_unload(struct driver_object *drv)
{
	image_gate_unregister(gate_hi);
	image_gate_unregister(gate_lo);
	image_notify_unregister(on_image_unregisters);
	process_notify_unregister(on_process);
	if (!leak)
		thread_notify_unregister(on_thread);
}

#define SHOW(what, expr) printk("vendor_rules: %s: status 0x%08x\n", what, (expr))

status_t driver_entry(struct driver_object *drv)
{
	leak = drv->args && !strcmp(drv->args, "leak");
	SHOW("image notify", image_notify_register(on_image));
	SHOW("image notify again (duplicate)", image_notify_register(on_image));
	SHOW("image notify unregister", image_notify_unregister(on_image));
	SHOW("image notify unregister again", image_notify_unregister(on_image));

	void *cookies[KPP_VENDOR_MAX_ENTRIES + 1];
	status_t last = KPP_STATUS_SUCCESS;
	int n = 0;
	for (; n < KPP_VENDOR_MAX_ENTRIES; n++)
		if ((last = memory_filter_register(KPP_MEM_OP_ALLOC_EXEC, any_memory, 1000 + n, NULL, &cookies[n])) !=
		    KPP_STATUS_SUCCESS)
			break;
	printk("vendor_rules: %d memory filters registered, last status 0x%08x\n", n, last);
	SHOW("memory filter 65 (list full)",
	     memory_filter_register(KPP_MEM_OP_ALLOC_EXEC, any_memory, 5000, NULL, &cookies[KPP_VENDOR_MAX_ENTRIES]));
	for (int i = 0; i < n; i++)
		memory_filter_unregister(cookies[i]);

	SHOW("image gate at 100", image_gate_register(gate_100, 100, NULL, &gate_lo));
	SHOW("image gate at 200", image_gate_register(gate_200, 200, NULL, &gate_hi));
	void *c;
	SHOW("image gate at 200 again (altitude collision)", image_gate_register(gate_100, 200, NULL, &c));
	SHOW("thread notify", thread_notify_register(on_thread));
	SHOW("process notify", process_notify_register(on_process));
	SHOW("image notify (unregisters itself)", image_notify_register(on_image_unregisters));
	drv->unload = rules_unload;
	return KPP_STATUS_SUCCESS;
}
