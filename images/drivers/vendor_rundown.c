/* vendor_rundown: rundown protection of unregistration. Its thread notify
 * routine, on a user thread's exit, stays inside the callback for 200 ms of
 * guest time; an unload meanwhile (from the shell's thread) must wait until
 * the callback has left before the routine is removed and the image freed. */
#include <kpp/driver.h>
#include <kpp/vendorapi.h>

#define STAY_NS 200000000ull

static volatile bool inside;

static void on_thread(uint32_t pid, uint32_t tid, bool created)
{
	if (!pid || created)
		return;
	inside = true;
	printk("vendor_rundown: callback for pid %u entered\n", pid);
	uint64_t end = clock_ns() + STAY_NS;
	while (clock_ns() < end)
		__asm__ volatile("pause");
	printk("vendor_rundown: callback for pid %u left\n", pid);
	inside = false;
}

static void rundown_unload(struct driver_object *drv)
{
	printk("vendor_rundown: unloading while %s the callback\n", inside ? "a thread is inside" : "no thread is in");
	status_t st = thread_notify_unregister(on_thread);
	printk("vendor_rundown: unregistered: status 0x%08x, callback %s\n", st, inside ? "still running" : "finished");
}

status_t driver_entry(struct driver_object *drv)
{
	status_t st = thread_notify_register(on_thread);
	if (st == KPP_STATUS_SUCCESS)
		drv->unload = rundown_unload;
	return st;
}
