/* pg.selftest=seal: exercises the sealing path the vendor APIs will use. A
 * small callback array is sealed, changed through pg_seal_update (no
 * detection may follow), then written directly (a 0x109 of type 0x18 must
 * follow). */
#include <kpp/patchguard.h>
#include <kpp/printk.h>
#include <kpp/time.h>
#include "pg.h"

struct callback {
	void (*fn)(void);
	uint64_t context;
};

static struct callback callbacks[4];

static void first(void) {}
static void second(void) {}

void pg_selftest_seal(void)
{
	callbacks[0].fn = first;
	static const struct pg_callback_layout layout = {sizeof callbacks[0], 0, 0};
	if (!pg_seal_register_callbacks(callbacks, sizeof callbacks, KPP_PG_NOTIFICATION_CALLOUT, &layout)) {
		printk("pg: self-test: sealing failed\n");
		return;
	}
	callbacks[1].fn = second;
	pg_seal_update(callbacks);
	printk("pg: self-test: sealed callback array changed through the API\n");
	/* Let a few passes see the legitimate state first. */
	sleep_busy_ns(pg.delay_max_ns * 8);
	callbacks[2].fn = second;
	printk("pg: self-test: sealed callback array written directly\n");
}
