/*
 * The vendor APIs drivers call (kpp/vendorapi.h) and the kernel's attach
 * points (kpp/hooks.h) that run the registered callbacks.
 */
#include <kpp/export.h>
#include <kpp/hooks.h>
#include <kpp/printk.h>
#include <kpp/process.h>
#include <kpp/sched.h>
#include <kpp/string.h>
#include <kpp/vendorapi.h>
#include "va.h"

#define EXPORT(sym)                                                                                        \
	static const char __export_name_##sym[] = #sym;                                                    \
	static const struct kexport __export_##sym __attribute__((used, section(".kexports." #sym),         \
								  aligned(16))) = {__export_name_##sym, \
										   (uint64_t)&sym}

/* --- registration --- */

/* The calling driver: registrations belong to it, and only it may remove
 * them (another driver cannot unregister a vendor's callbacks). */
#define CALLER ((uint64_t)__builtin_return_address(0))

static status_t notify_register(int which, uint64_t fn, uint64_t caller)
{
	struct va_entry e = {.fn = fn};
	return va_add(which, &e, 1, NULL, caller);
}

status_t process_notify_register(process_notify_fn fn)
{
	return notify_register(VA_PROCESS_NOTIFY, (uint64_t)fn, CALLER);
}
status_t process_notify_unregister(process_notify_fn fn) { return va_remove(VA_PROCESS_NOTIFY, 0, (uint64_t)fn, CALLER); }
status_t thread_notify_register(thread_notify_fn fn) { return notify_register(VA_THREAD_NOTIFY, (uint64_t)fn, CALLER); }
status_t thread_notify_unregister(thread_notify_fn fn) { return va_remove(VA_THREAD_NOTIFY, 0, (uint64_t)fn, CALLER); }
status_t image_notify_register(image_notify_fn fn) { return notify_register(VA_IMAGE_NOTIFY, (uint64_t)fn, CALLER); }
status_t image_notify_unregister(image_notify_fn fn) { return va_remove(VA_IMAGE_NOTIFY, 0, (uint64_t)fn, CALLER); }

#define HANDLE_OPS_ALL (KPP_HANDLE_OP_CREATE | KPP_HANDLE_OP_DUPLICATE)

status_t handle_filter_register(const struct handle_filter_registration *reg, void **cookie)
{
	if (!reg || !cookie || !reg->ops || reg->count == 0 || reg->count > KPP_VENDOR_MAX_ENTRIES)
		return KPP_STATUS_INVALID_PARAMETER;
	struct va_entry es[KPP_VENDOR_MAX_ENTRIES];
	for (uint32_t i = 0; i < reg->count; i++) {
		const struct handle_filter_operation *op = &reg->ops[i];
		if ((op->object_type != KPP_OBJ_TYPE_PROCESS && op->object_type != KPP_OBJ_TYPE_THREAD) ||
		    !op->operations || (op->operations & ~HANDLE_OPS_ALL) || (!op->pre && !op->post))
			return KPP_STATUS_INVALID_PARAMETER;
		/* Field by field: an aggregate store would compile to REP STOS,
		 * which the kernel's instruction set (images/insn_test.go) excludes. */
		es[i].fn = (uint64_t)op->pre;
		es[i].fn2 = (uint64_t)op->post;
		es[i].context = (uint64_t)reg->context;
		es[i].cookie = 0;
		es[i].altitude = reg->altitude;
		es[i].ops = VA_HANDLE_OPS(op->object_type, op->operations);
		es[i].owner = 0;
	}
	return va_add(VA_HANDLE_FILTER, es, reg->count, cookie, CALLER);
}

status_t handle_filter_unregister(void *cookie)
{
	return cookie ? va_remove(VA_HANDLE_FILTER, (uint64_t)cookie, 0, CALLER) : KPP_STATUS_INVALID_PARAMETER;
}

#define MEM_OPS_ALL (KPP_MEM_OP_ALLOC_EXEC | KPP_MEM_OP_PROTECT_EXEC | KPP_MEM_OP_WRITE_OTHER | KPP_MEM_OP_MAP_OTHER)

status_t memory_filter_register(uint32_t op_mask, memory_filter_fn fn, uint32_t altitude, void *context,
				void **cookie)
{
	if (!fn || !cookie || !op_mask || (op_mask & ~MEM_OPS_ALL))
		return KPP_STATUS_INVALID_PARAMETER;
	struct va_entry e = {.fn = (uint64_t)fn, .context = (uint64_t)context, .altitude = altitude, .ops = op_mask};
	return va_add(VA_MEMORY_FILTER, &e, 1, cookie, CALLER);
}

status_t memory_filter_unregister(void *cookie)
{
	return cookie ? va_remove(VA_MEMORY_FILTER, (uint64_t)cookie, 0, CALLER) : KPP_STATUS_INVALID_PARAMETER;
}

status_t image_gate_register(image_gate_fn fn, uint32_t altitude, void *context, void **cookie)
{
	if (!fn || !cookie)
		return KPP_STATUS_INVALID_PARAMETER;
	struct va_entry e = {.fn = (uint64_t)fn, .context = (uint64_t)context, .altitude = altitude};
	return va_add(VA_IMAGE_GATE, &e, 1, cookie, CALLER);
}

status_t image_gate_unregister(void *cookie)
{
	return cookie ? va_remove(VA_IMAGE_GATE, (uint64_t)cookie, 0, CALLER) : KPP_STATUS_INVALID_PARAMETER;
}

EXPORT(handle_filter_register);
EXPORT(handle_filter_unregister);
EXPORT(image_gate_register);
EXPORT(image_gate_unregister);
EXPORT(image_notify_register);
EXPORT(image_notify_unregister);
EXPORT(memory_filter_register);
EXPORT(memory_filter_unregister);
EXPORT(process_notify_register);
EXPORT(process_notify_unregister);
EXPORT(thread_notify_register);
EXPORT(thread_notify_unregister);

/* --- dispatch (kpp/hooks.h) --- */

status_t hook_process_notify(struct process *p, uint32_t pid, struct process_create_info *info)
{
	struct va_list *l = &va_lists[VA_PROCESS_NOTIFY];
	va_seal_all();
	if (!l->n)
		return KPP_STATUS_SUCCESS;
	int slot = va_enter(l);
	status_t st = KPP_STATUS_SUCCESS;
	for (uint32_t i = 0; i < l->n; i++) {
		const struct va_entry *e = &l->e[i];
		((process_notify_fn)e->fn)(p, pid, info);
		if (info && !NT_SUCCESS(info->creation_status)) {
			st = info->creation_status;
			char what[120];
			snprintf(what, sizeof what, "vetoed the creation of %s (pid %u, parent %u), status 0x%08x",
				 info->image, pid, info->parent_pid, st);
			va_deny(KPP_API_PROCESS_NOTIFY, KPP_POLICY_PROCESS_VETO, info->parent_pid, st, va_owner_name(e->fn),
				what);
			break;
		}
	}
	va_leave(l, slot);
	return st;
}

void hook_thread_notify(uint32_t pid, uint32_t tid, bool created)
{
	struct va_list *l = &va_lists[VA_THREAD_NOTIFY];
	va_seal_all();
	if (!l->n)
		return;
	int slot = va_enter(l);
	for (uint32_t i = 0; i < l->n; i++)
		((thread_notify_fn)l->e[i].fn)(pid, tid, created);
	va_leave(l, slot);
}

static struct process *object_process(struct object *o, uint32_t *type)
{
	if (o->type == OBJ_PROCESS) {
		*type = KPP_OBJ_TYPE_PROCESS;
		return (struct process *)o;
	}
	if (o->type == OBJ_THREAD) {
		*type = KPP_OBJ_TYPE_THREAD;
		return ((struct thread *)o)->process;
	}
	*type = 0;
	return NULL;
}

uint32_t hook_handle_pre(int op, bool kernel_handle, struct object *target, uint32_t desired)
{
	struct va_list *l = &va_lists[VA_HANDLE_FILTER];
	va_seal_all();
	if (kernel_handle || !l->n || !target)
		return desired;
	uint32_t type;
	struct process *tp = object_process(target, &type);
	struct process *self = current_process();
	uint32_t opbit = op == HANDLE_OP_DUPLICATE ? KPP_HANDLE_OP_DUPLICATE : KPP_HANDLE_OP_CREATE;
	struct handle_pre_info info;
	info.operation = opbit;
	info.object_type = type;
	info.kernel_handle = false;
	info.object = target;
	info.target_pid = tp ? tp->pid : 0;
	info.target_name = tp ? tp->name : "";
	info.caller_pid = self->pid;
	info.caller_name = self->name;
	info.original_access = desired;
	info.desired_access = desired;
	int slot = va_enter(l);
	uint32_t stripped = 0;
	uint64_t stripper = 0;
	for (uint32_t i = 0; i < l->n; i++) {
		const struct va_entry *e = &l->e[i];
		if (VA_HANDLE_TYPE(e->ops) != type || !(e->ops & opbit) || !e->fn)
			continue;
		uint32_t before = info.desired_access;
		((handle_pre_fn)e->fn)((void *)e->context, &info);
		info.desired_access &= before; /* only clearing bits */
		info.object_type = type;
		info.operation = opbit;
		if (info.desired_access != before) {
			stripped |= before & ~info.desired_access;
			if (!stripper)
				stripper = e->fn;
		}
	}
	struct handle_post_info post = {opbit, type, target, info.target_pid, info.caller_pid, info.desired_access};
	for (uint32_t i = l->n; i-- > 0;) {
		const struct va_entry *e = &l->e[i];
		if (VA_HANDLE_TYPE(e->ops) == type && (e->ops & opbit) && e->fn2)
			((handle_post_fn)e->fn2)((void *)e->context, &post);
	}
	va_leave(l, slot);
	if (stripped) {
		char what[160];
		snprintf(what, sizeof what, "stripped access 0x%x from %s (pid %u)'s handle to %s (pid %u)", stripped,
			 self->name, self->pid, info.target_name, info.target_pid);
		va_deny(KPP_API_HANDLE_FILTER, KPP_POLICY_STRIP_RIGHTS, info.target_pid, stripped, va_owner_name(stripper),
			what);
	}
	return info.desired_access;
}

static const char *mem_op_name(uint32_t opbit)
{
	switch (opbit) {
	case KPP_MEM_OP_ALLOC_EXEC: return "an executable allocation";
	case KPP_MEM_OP_PROTECT_EXEC: return "a change to executable";
	case KPP_MEM_OP_WRITE_OTHER: return "a cross-process write";
	case KPP_MEM_OP_MAP_OTHER: return "a cross-process mapping";
	}
	return "a memory operation";
}

status_t hook_memory(int op, struct process *caller, struct process *target, uint64_t addr, uint64_t size, uint32_t prot)
{
	struct va_list *l = &va_lists[VA_MEMORY_FILTER];
	va_seal_all();
	if (!l->n || op < MEM_OP_ALLOC_EXEC || op > MEM_OP_MAP_OTHER)
		return KPP_STATUS_SUCCESS;
	uint32_t opbit = 1u << (op - 1);
	struct memory_request req = {opbit, prot, caller->pid, target->pid, caller->name, target->name, addr, size};
	int slot = va_enter(l);
	status_t st = KPP_STATUS_SUCCESS;
	uint64_t who = 0;
	for (uint32_t i = 0; i < l->n && st == KPP_STATUS_SUCCESS; i++) {
		const struct va_entry *e = &l->e[i];
		if (!(e->ops & opbit))
			continue;
		st = ((memory_filter_fn)e->fn)((void *)e->context, &req);
		who = e->fn;
	}
	va_leave(l, slot);
	if (!NT_SUCCESS(st)) {
		char what[160];
		snprintf(what, sizeof what, "refused %s by %s (pid %u) in %s (pid %u) at 0x%lx, status 0x%08x",
			 mem_op_name(opbit), caller->name, caller->pid, target->name, target->pid, addr, st);
		va_deny(KPP_API_MEMORY_FILTER, KPP_POLICY_MEMORY, target->pid, opbit, va_owner_name(who), what);
	}
	return st;
}

status_t hook_image_load(const char *name, uint64_t base, uint64_t size, uint32_t pid, bool kernel)
{
	va_seal_all();
	if (kernel)
		va_record_driver(base, size);
	struct image_info info = {base, size, pid, kernel, kernel && va_image_signed(base)};
	struct va_list *l = &va_lists[VA_IMAGE_GATE];
	status_t st = KPP_STATUS_SUCCESS;
	if (l->n) {
		int slot = va_enter(l);
		uint64_t who = 0;
		for (uint32_t i = 0; i < l->n && st == KPP_STATUS_SUCCESS; i++) {
			who = l->e[i].fn;
			st = ((image_gate_fn)who)((void *)l->e[i].context, name, &info);
		}
		va_leave(l, slot);
		if (!NT_SUCCESS(st)) {
			char what[120];
			snprintf(what, sizeof what, "blocked the %s image %s, status 0x%08x", kernel ? "driver" : "program",
				 name, st);
			va_deny(KPP_API_IMAGE_GATE, KPP_POLICY_IMAGE_BLOCKED, pid, st, va_owner_name(who), what);
			return st;
		}
	}
	l = &va_lists[VA_IMAGE_NOTIFY];
	if (l->n) {
		int slot = va_enter(l);
		for (uint32_t i = 0; i < l->n; i++)
			((image_notify_fn)l->e[i].fn)(name, &info);
		va_leave(l, slot);
	}
	return KPP_STATUS_SUCCESS;
}
