/*
 * The vendor callback lists (docs/vendorapi.md): registration rules, ordering,
 * rundown protection, sealing through PatchGuard and denial reports.
 *
 * Each list is a fixed array of KPP_VENDOR_MAX_ENTRIES struct va_entry,
 * kept compact (entries 0..n-1 in use, the rest zero). Filters are sorted
 * by descending altitude. PatchGuard requires every callback of an entry
 * to lie in the text of the listed driver that owns it;
 * the whole array is sealed (type 0x18) and re-sealed after every change
 * made here, so only a direct write mismatches.
 *
 * Rundown: dispatchers enter a list as readers; a change waits until no
 * reader is left (new readers wait while a change is pending). A thread
 * that is a reader of a list may not change it (the call returns
 * KPP_STATUS_INVALID_DEVICE_STATE instead of deadlocking).
 */
#include <kpp/event.h>
#include <kpp/kernel.h>
#include <kpp/lock.h>
#include <kpp/module.h>
#include <kpp/patchguard.h>
#include <kpp/printk.h>
#include <kpp/sched.h>
#include <kpp/string.h>
#include <kpp/vendorapi.h>
#include <kpp/vendorapi_loader.h>
#include "va.h"

static struct va_entry process_notify_tab[KPP_VENDOR_MAX_ENTRIES] __attribute__((aligned(64)));
static struct va_entry thread_notify_tab[KPP_VENDOR_MAX_ENTRIES] __attribute__((aligned(64)));
static struct va_entry handle_filter_tab[KPP_VENDOR_MAX_ENTRIES] __attribute__((aligned(64)));
static struct va_entry memory_filter_tab[KPP_VENDOR_MAX_ENTRIES] __attribute__((aligned(64)));
static struct va_entry image_notify_tab[KPP_VENDOR_MAX_ENTRIES] __attribute__((aligned(64)));
static struct va_entry image_gate_tab[KPP_VENDOR_MAX_ENTRIES] __attribute__((aligned(64)));

struct va_list va_lists[VA_NLISTS] = {
	[VA_PROCESS_NOTIFY] = {"process notify", KPP_API_PROCESS_NOTIFY, true, false, process_notify_tab},
	[VA_THREAD_NOTIFY] = {"thread notify", KPP_API_THREAD_NOTIFY, false, false, thread_notify_tab},
	[VA_HANDLE_FILTER] = {"handle filter", KPP_API_HANDLE_FILTER, true, true, handle_filter_tab},
	[VA_MEMORY_FILTER] = {"memory filter", KPP_API_MEMORY_FILTER, true, true, memory_filter_tab},
	[VA_IMAGE_NOTIFY] = {"image notify", KPP_API_IMAGE_NOTIFY, false, false, image_notify_tab},
	[VA_IMAGE_GATE] = {"image gate", KPP_API_IMAGE_GATE, true, true, image_gate_tab},
};

static spinlock_t va_lock = SPINLOCK_INIT;
static uint64_t next_cookie = 1;
static bool all_sealed;

/* Signed driver images, by base (recorded at hook_image_load), and the
 * verdict of the last vendorapi_verify_image: what the signed-only APIs
 * trust. Sealed (type 0x18) and changed only here, each change verifying
 * the previous seal and re-sealing with interrupts off (a pass between
 * the two would see the change unsealed), so a driver loaded under
 * testsigning that writes itself in is a detection, not a signature
 * (A88); looking an image up verifies the seal first. */
#define VA_MAX_IMAGES 64
static struct {
	struct {
		uint64_t base, size;
	} image[VA_MAX_IMAGES];
	uint64_t pending;
} signed_images __attribute__((aligned(64)));

static uint64_t signed_begin(void)
{
	uint64_t f = irq_save();
	pg_seal_verify(&signed_images);
	return f;
}

static void signed_end(uint64_t f)
{
	if (!pg_seal_update(&signed_images))
		va_seal_all();
	irq_restore(f);
}

void va_seal_all(void)
{
	if (all_sealed || !pg_armed())
		return;
	all_sealed = true;
	for (int i = 0; i < VA_NLISTS; i++) {
		struct va_list *l = &va_lists[i];
		static const struct pg_callback_layout layout = {sizeof(struct va_entry), __builtin_offsetof(struct va_entry, fn2),
								 __builtin_offsetof(struct va_entry, owner)};
		l->sealed = pg_seal_register_callbacks(l->e, sizeof(struct va_entry) * KPP_VENDOR_MAX_ENTRIES,
						       KPP_PG_NOTIFICATION_CALLOUT, &layout) &&
			    pg_seal_register(l, VA_LIST_SEALED, KPP_PG_NOTIFICATION_CALLOUT);
		if (!l->sealed)
			printk("vendorapi: could not seal the %s list\n", l->name);
	}
	if (!pg_seal_register(&signed_images, sizeof signed_images, KPP_PG_NOTIFICATION_CALLOUT))
		printk("vendorapi: could not seal the signed images\n");
}

/* By what PatchGuard has enrolled, not by the list's own flags (plain
 * data): a list it knows is re-sealed, any other is enrolled. */
static void reseal(struct va_list *l)
{
	bool known = pg_seal_update(l->e);
	if (!(pg_seal_update(l) && known))
		va_seal_all();
}

/* --- images --- */

void va_set_pending_signed(bool s)
{
	uint64_t f = signed_begin();
	signed_images.pending = s;
	signed_end(f);
}

static struct module *module_of(uint64_t addr)
{
	for (struct module *m = module_list; m; m = m->next)
		if (addr >= m->base && addr < m->base + m->pages * PAGE_SIZE)
			return m;
	return NULL;
}

static bool in_text(uint64_t addr, struct module **owner)
{
	*owner = NULL;
	if (addr >= (uint64_t)__text_start && addr < (uint64_t)__text_end)
		return true;
	struct module *m = module_of(addr);
	if (m && addr >= m->text && addr < m->text + m->text_size) {
		*owner = m;
		return true;
	}
	return false;
}

bool va_image_signed(uint64_t base)
{
	pg_seal_verify(&signed_images);
	for (int i = 0; i < VA_MAX_IMAGES; i++)
		if (signed_images.image[i].size && signed_images.image[i].base == base)
			return true;
	return false;
}

static void forget_locked(uint64_t base, uint64_t size)
{
	for (int i = 0; i < VA_MAX_IMAGES; i++)
		if (signed_images.image[i].size && signed_images.image[i].base < base + size &&
		    base < signed_images.image[i].base + signed_images.image[i].size)
			signed_images.image[i].size = 0;
}

static void forget_image(uint64_t base, uint64_t size)
{
	uint64_t f = signed_begin();
	forget_locked(base, size);
	signed_end(f);
}

void va_record_driver(uint64_t base, uint64_t size)
{
	uint64_t f = signed_begin();
	forget_locked(base, size);
	bool pending = signed_images.pending;
	signed_images.pending = false;
	for (int i = 0; pending && i < VA_MAX_IMAGES; i++)
		if (!signed_images.image[i].size) {
			signed_images.image[i].base = base;
			signed_images.image[i].size = size;
			break;
		}
	signed_end(f);
}

const char *va_owner_name(uint64_t addr)
{
	struct module *m = module_of(addr);
	if (m)
		return m->name;
	if (addr >= (uint64_t)__kernel_start && addr < (uint64_t)__kernel_end)
		return "kernel";
	return "unknown";
}

/* --- reports --- */

void va_deny(uint32_t api, uint32_t policy, uint64_t s1, uint64_t s2, const char *owner, const char *what)
{
	char text[200];
	snprintf(text, sizeof text, "%s: %s", owner, what);
	printk("vendorapi: %s\n", text);
	uint64_t args[4] = {api, policy, s1, s2};
	event_post(KPP_EV_API_DENIAL, args, 4, text);
}

/* --- rundown --- */

static bool is_reader(const struct va_list *l, const struct thread *t)
{
	for (int i = 0; i < VA_MAX_READERS; i++)
		if (l->reader[i] == t)
			return true;
	return false;
}

int va_enter(struct va_list *l)
{
	struct thread *t = current_thread();
	uint64_t f = spin_lock_irqsave(&va_lock);
	while (l->writing && !is_reader(l, t)) {
		spin_unlock_irqrestore(&va_lock, f);
		schedule();
		f = spin_lock_irqsave(&va_lock);
	}
	int slot = -1;
	for (int i = 0; i < VA_MAX_READERS; i++)
		if (!l->reader[i]) {
			l->reader[i] = t;
			slot = i;
			break;
		}
	l->readers++;
	spin_unlock_irqrestore(&va_lock, f);
	return slot;
}

void va_leave(struct va_list *l, int slot)
{
	uint64_t f = spin_lock_irqsave(&va_lock);
	if (slot >= 0)
		l->reader[slot] = NULL;
	l->readers--;
	spin_unlock_irqrestore(&va_lock, f);
}

/* On success the lock stays held, interrupts off, until end_write: the
 * change and its re-seal are one step for PatchGuard, whose passes run
 * from DPCs and would otherwise find a changed array not yet re-sealed. */
static status_t begin_write(struct va_list *l, uint64_t *flags)
{
	struct thread *t = current_thread();
	uint64_t f = spin_lock_irqsave(&va_lock);
	if (is_reader(l, t)) {
		spin_unlock_irqrestore(&va_lock, f);
		return KPP_STATUS_INVALID_DEVICE_STATE;
	}
	while (l->writing) {
		spin_unlock_irqrestore(&va_lock, f);
		schedule();
		f = spin_lock_irqsave(&va_lock);
	}
	l->writing = true;
	while (l->readers) {
		spin_unlock_irqrestore(&va_lock, f);
		schedule();
		f = spin_lock_irqsave(&va_lock);
	}
	/* What is there now must be what the last change sealed (whatever
	 * the list's "sealed" flag says: a list not enrolled is a no-op). */
	pg_seal_verify(l->e);
	pg_seal_verify(l);
	*flags = f;
	return KPP_STATUS_SUCCESS;
}

static void end_write(struct va_list *l, uint64_t f)
{
	reseal(l);
	l->writing = false;
	spin_unlock_irqrestore(&va_lock, f);
}

/* --- registration --- */

/* Every callback of the new entries must be code of the calling driver
 * (PatchGuard holds every entry to its owner's text); lists that can deny
 * need that driver signed. */
static status_t check_callbacks(struct va_list *l, const struct va_entry *es, uint32_t count, uint64_t caller,
				const char **owner)
{
	*owner = "unknown";
	struct module *cm = module_of(caller);
	for (uint32_t i = 0; i < count; i++) {
		uint64_t fns[2] = {es[i].fn, es[i].fn2};
		if (!fns[0] && !fns[1])
			return KPP_STATUS_INVALID_PARAMETER;
		for (int k = 0; k < 2; k++) {
			if (!fns[k])
				continue;
			struct module *m;
			bool code = in_text(fns[k], &m);
			*owner = va_owner_name(fns[k]);
			if (l->needs_signed && (!m || !va_image_signed(m->base)))
				return KPP_STATUS_ACCESS_DENIED;
			if (!code || !m || m != cm)
				return l->needs_signed ? KPP_STATUS_ACCESS_DENIED : KPP_STATUS_INVALID_PARAMETER;
		}
	}
	return KPP_STATUS_SUCCESS;
}

status_t va_add(int which, struct va_entry *es, uint32_t count, void **cookie, uint64_t caller)
{
	struct va_list *l = &va_lists[which];
	va_seal_all();
	if (count == 0 || count > KPP_VENDOR_MAX_ENTRIES)
		return KPP_STATUS_INVALID_PARAMETER;
	const char *owner;
	status_t st = check_callbacks(l, es, count, caller, &owner);
	if (st == KPP_STATUS_ACCESS_DENIED) {
		char what[120];
		snprintf(what, sizeof what, "%s registration refused: callback 0x%lx is not in the calling signed driver, status 0x%08x",
			 l->name, es[0].fn ? es[0].fn : es[0].fn2, st);
		va_deny(l->api, KPP_POLICY_REGISTRATION, st, es[0].fn ? es[0].fn : es[0].fn2, owner, what);
	}
	if (st != KPP_STATUS_SUCCESS)
		return st;
	uint64_t f;
	if ((st = begin_write(l, &f)) != KPP_STATUS_SUCCESS)
		return st;
	uint64_t id = next_cookie++;
	for (uint32_t i = 0; i < count && st == KPP_STATUS_SUCCESS; i++)
		for (uint32_t k = 0; k < l->n; k++) {
			const struct va_entry *o = &l->e[k];
			if (l->filter && o->altitude == es[i].altitude) {
				st = KPP_STATUS_FLT_INSTANCE_ALTITUDE_COLLISION;
				break;
			}
			if (!l->filter && o->fn == es[i].fn) {
				st = KPP_STATUS_INVALID_PARAMETER;
				break;
			}
		}
	if (st == KPP_STATUS_SUCCESS && l->n + count > KPP_VENDOR_MAX_ENTRIES)
		st = KPP_STATUS_INVALID_PARAMETER;
	if (st == KPP_STATUS_SUCCESS) {
		for (uint32_t i = 0; i < count; i++) {
			struct va_entry e = es[i];
			e.cookie = id;
			e.owner = module_of(caller) ? module_of(caller)->base : 0;
			uint32_t at = l->n;
			if (l->filter)
				for (at = 0; at < l->n && l->e[at].altitude >= e.altitude; at++)
					;
			memmove(&l->e[at + 1], &l->e[at], (l->n - at) * sizeof e);
			l->e[at] = e;
			l->n++;
		}
		if (cookie)
			*cookie = (void *)id;
	}
	end_write(l, f);
	return st;
}

/* Remove the entries with cookie id (id != 0) or callback fn. Only the
 * driver that registered them (or the kernel) may. */
status_t va_remove(int which, uint64_t id, uint64_t fn, uint64_t caller)
{
	struct va_list *l = &va_lists[which];
	struct module *cm = caller == VA_KERNEL ? NULL : module_of(caller);
	for (uint32_t k = 0; cm && k < l->n; k++) {
		const struct va_entry *e = &l->e[k];
		if (((id && e->cookie == id) || (!id && e->fn == fn)) && e->owner != cm->base) {
			char what[120];
			snprintf(what, sizeof what, "may not unregister a %s registration of %s, status 0x%08x", l->name,
				 e->owner ? va_owner_name(e->owner) : "the kernel", KPP_STATUS_ACCESS_DENIED);
			va_deny(l->api, KPP_POLICY_REGISTRATION, KPP_STATUS_ACCESS_DENIED, e->fn ? e->fn : e->fn2, cm->name,
				what);
			return KPP_STATUS_ACCESS_DENIED;
		}
	}
	uint64_t f;
	status_t st = begin_write(l, &f);
	if (st != KPP_STATUS_SUCCESS)
		return st;
	uint32_t kept = 0, removed = 0;
	for (uint32_t k = 0; k < l->n; k++) {
		if ((id && l->e[k].cookie == id) || (!id && l->e[k].fn == fn)) {
			removed++;
			continue;
		}
		l->e[kept++] = l->e[k];
	}
	memset(&l->e[kept], 0, (l->n - kept) * sizeof l->e[0]);
	l->n = kept;
	end_write(l, f);
	return removed ? KPP_STATUS_SUCCESS : KPP_STATUS_INVALID_PARAMETER;
}

/* --- the loader's side --- */

static bool belongs(const struct va_entry *e, uint64_t base, uint64_t size)
{
	return e->owner == base || (e->fn >= base && e->fn < base + size) || (e->fn2 >= base && e->fn2 < base + size);
}

static uint32_t count_in(uint64_t base, uint64_t size)
{
	uint32_t n = 0;
	for (int i = 0; i < VA_NLISTS; i++)
		for (uint32_t k = 0; k < va_lists[i].n; k++)
			if (belongs(&va_lists[i].e[k], base, size))
				n++;
	return n;
}

bool vendorapi_module_may_unload(const char *name, uint64_t base, uint64_t size)
{
	uint32_t n = count_in(base, size);
	if (n)
		printk("vendorapi: %s still has %u registration(s); not unloaded\n", name, n);
	return n == 0;
}

void vendorapi_module_gone(uint64_t base, uint64_t size)
{
	forget_image(base, size);
	if (!count_in(base, size))
		return;
	for (int i = 0; i < VA_NLISTS; i++) {
		struct va_list *l = &va_lists[i];
		for (uint32_t k = 0; k < l->n;) {
			const struct va_entry *e = &l->e[k];
			if (belongs(e, base, size)) {
				printk("vendorapi: dropped a %s registration of a driver that did not load\n", l->name);
				if (va_remove(i, e->cookie, 0, VA_KERNEL) != KPP_STATUS_SUCCESS)
					k++;
			} else {
				k++;
			}
		}
	}
}
