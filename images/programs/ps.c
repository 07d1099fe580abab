/* ps: the process list through the process_list system call. */
#include "kpp.h"

int main(void)
{
	struct kpp_process_info recs[KPP_PID_TABLE_SIZE];
	uint32_t n;
	status_t st = process_list(recs, ARRAY_SIZE(recs), &n);
	if (st) {
		printf("ps: status 0x%x\n", st);
		return 1;
	}
	printf("  pid parent threads name\n");
	for (uint32_t i = 0; i < n; i++)
		printf("%5u %6u %7u %s%s\n", recs[i].pid, recs[i].parent, recs[i].threads, recs[i].name,
		       recs[i].state == KPP_PROC_STATE_EXITED ? " (exited)" : "");
	return 0;
}
