/*
 * vendor_sample: a security-vendor driver built only on the documented
 * callback APIs (kpp/vendorapi.h, docs/vendorapi.md), signed with the
 * vendor-sample key. Arguments (defaults in brackets):
 *
 *   protect=A,B   programs it protects [svc]: other processes' handles to
 *                 them lose terminate and VM write; writes and mappings
 *                 into them from other processes are refused
 *   block=A,B     programs that may not start [badptr]
 *   drivers=A,B   driver images that may not load [attack_a1]
 *   rights=MASK   the KPP_PROCESS_* rights stripped from handles to protected
 *                 programs [0x21: terminate, VM write]; the memory filter
 *                 still refuses cross-process writes when VM write is left
 *
 * It also refuses every RWX allocation and every change to writable +
 * executable memory, and logs every image load. Everything it refuses is
 * reported by the kernel (console line and KPP_EV_API_DENIAL).
 */
#include <kpp/driver.h>
#include <kpp/vendorapi.h>

#define ALTITUDE 320000
#define LIST_MAX 96
#define STRIPPED (KPP_PROCESS_TERMINATE | KPP_PROCESS_VM_WRITE)

static uint32_t stripped = STRIPPED;

static char protect[LIST_MAX] = "svc";
static char block[LIST_MAX] = "badptr";
static char drivers[LIST_MAX] = "attack_a1";
static void *handle_cookie, *memory_cookie, *gate_cookie;
static bool process_registered, image_registered;

/* Is name one of the comma-separated words of list? */
static bool listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;
	while (*p) {
		const char *q = p;
		while (*q && *q != ',')
			q++;
		if ((size_t)(q - p) == n && !strncmp(p, name, n))
			return true;
		p = *q ? q + 1 : q;
	}
	return false;
}

static void parse_args(const char *args)
{
	const char *p = args ? args : "";
	while (*p) {
		while (*p == ' ')
			p++;
		const char *end = p;
		while (*end && *end != ' ')
			end++;
		char *dst = NULL;
		size_t skip = 0;
		if (!strncmp(p, "protect=", 8))
			dst = protect, skip = 8;
		else if (!strncmp(p, "block=", 6))
			dst = block, skip = 6;
		else if (!strncmp(p, "drivers=", 8))
			dst = drivers, skip = 8;
		if (!strncmp(p, "rights=", 7)) {
			char num[24];
			size_t n = (size_t)(end - p) - 7;
			if (n >= sizeof num)
				n = sizeof num - 1;
			memcpy(num, p + 7, n);
			num[n] = 0;
			uint64_t v;
			if (parse_u64(num, &v))
				stripped = (uint32_t)v;
		}
		if (dst) {
			size_t n = (size_t)(end - p) - skip;
			if (n >= LIST_MAX)
				n = LIST_MAX - 1;
			memcpy(dst, p + skip, n);
			dst[n] = 0;
		}
		p = end;
	}
}

static void on_image(const char *path, const struct image_info *info)
{
	printk("vendor_sample: image %s loaded at 0x%lx (%s, pid %u, %s)\n", path, info->base,
	       info->kernel ? "driver" : "program", info->pid, info->is_signed ? "signed" : "unsigned");
}

static status_t on_gate(void *ctx, const char *path, const struct image_info *info)
{
	if (info->kernel && listed(drivers, path))
		return KPP_STATUS_DRIVER_BLOCKED;
	return KPP_STATUS_SUCCESS;
}

static void on_process(struct process *p, uint32_t pid, struct process_create_info *info)
{
	if (info && listed(block, info->image))
		info->creation_status = KPP_STATUS_ACCESS_DENIED;
}

static void on_handle(void *ctx, struct handle_pre_info *info)
{
	if (info->caller_pid != info->target_pid && listed(protect, info->target_name))
		info->desired_access &= ~stripped;
}

static status_t on_memory(void *ctx, const struct memory_request *r)
{
	switch (r->operation) {
	case KPP_MEM_OP_ALLOC_EXEC:
	case KPP_MEM_OP_PROTECT_EXEC:
		if ((r->protection & KPP_PROT_WRITE) && (r->protection & KPP_PROT_EXEC))
			return KPP_STATUS_ACCESS_DENIED;
		return KPP_STATUS_SUCCESS;
	case KPP_MEM_OP_WRITE_OTHER:
	case KPP_MEM_OP_MAP_OTHER:
		if (r->caller_pid != r->target_pid && listed(protect, r->target_name))
			return KPP_STATUS_ACCESS_DENIED;
		return KPP_STATUS_SUCCESS;
	}
	return KPP_STATUS_SUCCESS;
}

static const struct handle_filter_operation handle_ops[] = {
	{KPP_OBJ_TYPE_PROCESS, KPP_HANDLE_OP_CREATE | KPP_HANDLE_OP_DUPLICATE, on_handle, NULL},
};

static void unregister_all(void)
{
	if (handle_cookie)
		handle_filter_unregister(handle_cookie);
	if (memory_cookie)
		memory_filter_unregister(memory_cookie);
	if (gate_cookie)
		image_gate_unregister(gate_cookie);
	if (process_registered)
		process_notify_unregister(on_process);
	if (image_registered)
		image_notify_unregister(on_image);
	handle_cookie = memory_cookie = gate_cookie = NULL;
	process_registered = image_registered = false;
}

static void sample_unload(struct driver_object *drv)
{
	unregister_all();
	printk("vendor_sample: unregistered\n");
}

static status_t check(const char *what, status_t st)
{
	if (st != KPP_STATUS_SUCCESS)
		printk("vendor_sample: %s: status 0x%08x\n", what, st);
	return st;
}

status_t driver_entry(struct driver_object *drv)
{
	parse_args(drv->args);
	struct handle_filter_registration reg = {ALTITUDE, 1, handle_ops, NULL};
	status_t st;
	if ((st = check("image notify", image_notify_register(on_image))) == KPP_STATUS_SUCCESS)
		image_registered = true;
	if (st == KPP_STATUS_SUCCESS)
		st = check("image gate", image_gate_register(on_gate, ALTITUDE, NULL, &gate_cookie));
	if (st == KPP_STATUS_SUCCESS && (st = check("process notify", process_notify_register(on_process))) == KPP_STATUS_SUCCESS)
		process_registered = true;
	if (st == KPP_STATUS_SUCCESS)
		st = check("handle filter", handle_filter_register(&reg, &handle_cookie));
	if (st == KPP_STATUS_SUCCESS)
		st = check("memory filter",
			   memory_filter_register(KPP_MEM_OP_ALLOC_EXEC | KPP_MEM_OP_PROTECT_EXEC | KPP_MEM_OP_WRITE_OTHER |
							  KPP_MEM_OP_MAP_OTHER,
						  on_memory, ALTITUDE, NULL, &memory_cookie));
	if (st != KPP_STATUS_SUCCESS) {
		unregister_all();
		return st;
	}
	drv->unload = sample_unload;
	printk("vendor_sample: protecting %s (rights 0x%x stripped); blocking programs %s and drivers %s\n", protect,
	       stripped, block, drivers);
	return KPP_STATUS_SUCCESS;
}
