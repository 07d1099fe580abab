/* Spinlocks that mask interrupts while held (single CPU: the lock word still
 * catches re-entry bugs). */
#ifndef KPP_LOCK_H
#define KPP_LOCK_H

#include <kpp/cpu.h>

typedef struct {
	volatile uint32_t locked;
} spinlock_t;

#define SPINLOCK_INIT {0}

static inline uint64_t spin_lock_irqsave(spinlock_t *l)
{
	uint64_t f = irq_save();
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	return f;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, uint64_t f)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	irq_restore(f);
}

#endif
