/*
 * The vendor callback APIs (vendorapi/, specification docs/vendorapi.md): what a
 * security-vendor driver uses instead of patching the kernel. Every routine
 * here is in the kernel's export table.
 *
 * Common rules.
 *  - Process notify (it can veto a creation), handle filters, memory
 *    filters and image gates need every callback pointer to lie in the text
 *    of a loaded, signed driver (`kppemu sign`); otherwise
 *    KPP_STATUS_ACCESS_DENIED. Thread and image-load notify are open to any
 *    driver.
 *  - KPP_VENDOR_MAX_ENTRIES (64) entries per list. A duplicate routine or a
 *    full list: KPP_STATUS_INVALID_PARAMETER. Two filters (handle filter,
 *    memory filter, image gate) at one altitude:
 *    KPP_STATUS_FLT_INSTANCE_ALTITUDE_COLLISION.
 *  - Filters run in descending altitude; handle post-callbacks in the
 *    reverse order. Notify routines run in registration order.
 *  - Unregistration waits for callbacks of that list in flight; calling
 *    any register/unregister routine of a list from inside one of that
 *    list's callbacks returns KPP_STATUS_INVALID_DEVICE_STATE instead of
 *    deadlocking. A driver with registrations cannot be unloaded.
 *  - Every list is sealed by PatchGuard (region type 0x18): a direct write
 *    to it bug-checks 0x109.
 *  - Every denial (stripped rights, a vetoed process, a blocked image, a
 *    refused memory operation, a refused registration) prints a console
 *    line "vendorapi: ..." and posts KPP_EV_API_DENIAL (api, policy,
 *    subjects; text: the owning driver's name).
 * All callbacks run at IRQL_PASSIVE in the thread doing the operation.
 */
#ifndef KPP_VENDORAPI_H
#define KPP_VENDORAPI_H

#include <kpp/types.h>
#include <kpp/abi.h>
#include <kpp/hooks.h>

/* 1. Process and thread control. */

/* info != NULL: creation, before the process's first instruction; set
 * info->creation_status to an error to veto (spawn fails with it).
 * info == NULL: the process is exiting. */
typedef void (*process_notify_fn)(struct process *process, uint32_t pid, struct process_create_info *info);
status_t process_notify_register(process_notify_fn fn);
status_t process_notify_unregister(process_notify_fn fn);

typedef void (*thread_notify_fn)(uint32_t pid, uint32_t tid, bool created);
status_t thread_notify_register(thread_notify_fn fn);
status_t thread_notify_unregister(thread_notify_fn fn);

/* 2. Handle filters (self-protection). */

struct handle_pre_info {
	uint32_t operation;       /* KPP_HANDLE_OP_CREATE or KPP_HANDLE_OP_DUPLICATE */
	uint32_t object_type;     /* KPP_OBJ_TYPE_PROCESS or KPP_OBJ_TYPE_THREAD */
	bool kernel_handle;       /* always false: kernel handles are not filtered */
	void *object;             /* the target object */
	uint32_t target_pid;      /* the process the object is (or belongs to) */
	const char *target_name;  /* its program name */
	uint32_t caller_pid;      /* the process asking */
	const char *caller_name;
	uint32_t original_access; /* KPP_PROCESS_* rights asked for */
	uint32_t desired_access;  /* mutable: clear bits to strip rights */
};

struct handle_post_info {
	uint32_t operation, object_type;
	void *object;
	uint32_t target_pid, caller_pid;
	uint32_t granted_access;  /* what the handle will carry */
};

typedef void (*handle_pre_fn)(void *context, struct handle_pre_info *info);
typedef void (*handle_post_fn)(void *context, const struct handle_post_info *info);

struct handle_filter_operation {
	uint32_t object_type; /* KPP_OBJ_TYPE_* */
	uint32_t operations;  /* KPP_HANDLE_OP_* mask */
	handle_pre_fn pre;    /* at least one of pre, post */
	handle_post_fn post;
};

struct handle_filter_registration {
	uint32_t altitude;
	uint32_t count; /* entries of ops */
	const struct handle_filter_operation *ops;
	void *context;
};

status_t handle_filter_register(const struct handle_filter_registration *reg, void **cookie);
status_t handle_filter_unregister(void *cookie);

/* 3. Memory filters (beyond Windows: they may refuse). */

struct memory_request {
	uint32_t operation;  /* one KPP_MEM_OP_* bit */
	uint32_t protection; /* KPP_PROT_* asked for (0 for writes) */
	uint32_t caller_pid, target_pid;
	const char *caller_name, *target_name;
	uint64_t address, size;
};

/* Returns KPP_STATUS_SUCCESS or the error that becomes the system call's result. */
typedef status_t (*memory_filter_fn)(void *context, const struct memory_request *req);
status_t memory_filter_register(uint32_t op_mask, memory_filter_fn fn, uint32_t altitude, void *context,
				void **cookie);
status_t memory_filter_unregister(void *cookie);

/* 4. Image loading. */

struct image_info {
	uint64_t base, size;
	uint32_t pid;   /* 0 for drivers */
	bool kernel;    /* a driver */
	bool is_signed; /* drivers: a valid signature; programs: false */
};

/* After the image is mapped, before its entry point runs. */
typedef void (*image_notify_fn)(const char *path, const struct image_info *info);
status_t image_notify_register(image_notify_fn fn);
status_t image_notify_unregister(image_notify_fn fn);

/* Returns KPP_STATUS_SUCCESS or an error to veto: a vetoed driver never
 * runs its entry point, a vetoed program is not created. */
typedef status_t (*image_gate_fn)(void *context, const char *path, const struct image_info *info);
status_t image_gate_register(image_gate_fn fn, uint32_t altitude, void *context, void **cookie);
status_t image_gate_unregister(void *cookie);

#endif
