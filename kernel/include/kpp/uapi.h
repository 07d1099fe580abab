/* Records user programs and the kernel exchange through system calls
 * (sizes and field order fixed by kernel/abi: ProcessInfo). Included by the
 * kernel and by the user runtime in images/programs. */
#ifndef KPP_UAPI_H
#define KPP_UAPI_H

#include <kpp/abi.h>

#ifndef __ASSEMBLER__
#include <stdint.h>

/* process_list / query_process (KPP_PROCESS_INFO_SIZE bytes). */
struct kpp_process_info {
	uint32_t pid, parent, state, threads, handles, exit_status;
	uint64_t flags, pages;
	char name[KPP_PROCESS_NAME_MAX];
	uint64_t reserved;
};
_Static_assert(sizeof(struct kpp_process_info) == KPP_PROCESS_INFO_SIZE, "kpp_process_info");
#endif

#endif
