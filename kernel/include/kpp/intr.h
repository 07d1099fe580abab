/* Interrupt controllers: the 8259 pair (remapped, all lines masked except
 * the ones with handlers; ExtINT through LAPIC LINT0) and the local APIC
 * (timer tick, spurious and error vectors). apic.c. */
#ifndef KPP_INTR_H
#define KPP_INTR_H

#include <kpp/types.h>

void pic_init(void);
void pic_unmask(int irq);
void pic_mask(int irq);
void pic_eoi(int irq);
bool pic_spurious(int irq); /* IRQ 7/15 with its ISR bit clear */

void lapic_init(void);       /* map, enable, LINT0 ExtINT, LINT1 NMI */
void lapic_eoi(void);
void lapic_timer_start(void); /* calibrate against the PIT, then periodic at KPP_TICK_HZ */
uint32_t lapic_read(uint32_t reg);
volatile uint32_t *lapic_regs(void); /* the register page's mapping (NULL: no local APIC) */
/* Nanoseconds since the last tick, from the timer's current count (0 without an APIC timer). */
uint64_t lapic_tick_progress_ns(void);
/* The periodic timer's initial count (0 without an APIC timer). */
uint32_t lapic_timer_initial_count(void);
extern bool lapic_present;
/* PIT channel 0 periodic at hz on IRQ 0 with fn as its handler, beside the
 * local APIC tick (hz 0 stops it); false without a local APIC (the PIT is
 * the tick then) or for a rate the PIT cannot make. */
bool pit_periodic(uint32_t hz, void (*fn)(void));

#endif
