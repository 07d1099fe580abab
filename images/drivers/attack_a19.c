/* attack_a19 (A19): the timing race. Patches a service table entry (as
 * attack_a1), keeps it for MS milliseconds (argument 1, default 5), then
 * restores it; repeated ROUNDS times (argument 2, default 1) with the same
 * pause in between. Whether the checker sees it is a matter of chance: the
 * scenario measures the detection probability against the patch duration. */
#include "attack.h"

static uint64_t hooked_getpid(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	return 4242;
}

status_t driver_entry(struct driver_object *drv)
{
	uint64_t ms = 5, rounds = 1;
	char a[2][24] = {"", ""};
	const char *s = drv->args;
	for (int i = 0; i < 2 && *s; i++) {
		size_t n = 0;
		while (*s == ' ')
			s++;
		while (*s && *s != ' ' && n + 1 < sizeof a[i])
			a[i][n++] = *s++;
		a[i][n] = 0;
	}
	if (a[0][0] && !parse_u64(a[0], &ms))
		return KPP_STATUS_INVALID_PARAMETER;
	if (a[1][0] && !parse_u64(a[1], &rounds))
		return KPP_STATUS_INVALID_PARAMETER;
	uint64_t *table = a_find_service_table();
	if (!table)
		return KPP_STATUS_UNSUCCESSFUL;
	uint64_t orig = table[KPP_SYS_GET_PID], hook = (uint64_t)&hooked_getpid;
	for (uint64_t r = 0; r < rounds; r++) {
		uint64_t pf = a_cli(); /* no pass between the patch and its report */
		a_write_protected(&table[KPP_SYS_GET_PID], &hook, sizeof hook);
		if (r == 0)
			a_patched("attack_a19");
		a_restore(pf);
		a_sleep_ms(ms);
		a_write_protected(&table[KPP_SYS_GET_PID], &orig, sizeof orig);
		if (r + 1 < rounds)
			a_sleep_ms(ms);
	}
	printk("attack_a19: service table entry patched %lu time(s) for %lu ms each, restored\n", rounds, ms);
	return KPP_STATUS_SUCCESS;
}
