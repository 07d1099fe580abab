/* Event records for the host: built in a buffer inside the kernel image (so
 * its physical address is known and below 4 GiB) and announced by writing
 * that address to KPP_EVENT_PORT. */
#include <kpp/abi.h>
#include <kpp/cpu.h>
#include <kpp/event.h>
#include <kpp/kernel.h>
#include <kpp/lock.h>
#include <kpp/string.h>

struct event_record {
	uint32_t magic, type, length, nargs;
	uint64_t args[KPP_EVENT_MAX_ARGS];
	char text[KPP_EVENT_MAX_LENGTH - KPP_EVENT_HEADER_SIZE - 8 * KPP_EVENT_MAX_ARGS];
};

static struct event_record record __attribute__((aligned(16)));
static spinlock_t event_lock = SPINLOCK_INIT;

void event_post(uint32_t type, const uint64_t *args, uint32_t nargs, const char *text)
{
	if (nargs > KPP_EVENT_MAX_ARGS)
		nargs = KPP_EVENT_MAX_ARGS;
	uint64_t f = spin_lock_irqsave(&event_lock);
	record.magic = KPP_EVENT_MAGIC;
	record.type = type;
	record.nargs = nargs;
	for (uint32_t i = 0; i < nargs; i++)
		record.args[i] = args[i];
	char *t = (char *)&record.args[nargs];
	size_t room = (size_t)((char *)&record + sizeof record - t);
	size_t len = 0;
	if (text) {
		len = strnlen(text, room - 1);
		memcpy(t, text, len);
		t[len++] = 0;
	}
	record.length = (uint32_t)(KPP_EVENT_HEADER_SIZE + 8 * nargs + len);
	outl(KPP_EVENT_PORT, (uint32_t)KERNEL_PHYS(&record));
	spin_unlock_irqrestore(&event_lock, f);
}

void event_post0(uint32_t type, const char *text) { event_post(type, NULL, 0, text); }

void event_break_lock(void) { __atomic_store_n(&event_lock.locked, 0, __ATOMIC_RELEASE); }
