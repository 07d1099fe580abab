/* Helpers of the attack drivers that walk and edit the kernel's process
 * list from a driver: the current thread (per-CPU data at GS), which list
 * links are processes (the list head lives in kernel image data, the
 * processes in the direct map) and unlinking a link. */
#ifndef ATTACK_PROC_H
#define ATTACK_PROC_H

#include "attack.h"
#include <kpp/process.h>

#define PERCPU_CURRENT 24

static inline struct thread *gs_current_thread(void)
{
	struct thread *t;
	__asm__ volatile("movq %%gs:%c1, %0" : "=r"(t) : "i"(PERCPU_CURRENT));
	return t;
}

static inline bool is_process(const struct list_link *l)
{
	return (uint64_t)l >= KPP_DIRECT_MAP_BASE && (uint64_t)l < KPP_KERNEL_VIRT_BASE;
}

static inline void unlink(struct list_link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->next = l->prev = l;
}

#endif
