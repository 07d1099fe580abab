/* Shared by nmi.c and nmi_entry.S: the NMI's work rule (windows) and where
 * the heartbeat lies in struct pg_state (checked by nmi.c). */
#ifndef PG_NMI_ENTRY_H
#define PG_NMI_ENTRY_H
#define PG_DRAW_TICK 0x9E3779B9       /* the tick times this, XOR the PM reading and the key, ... */
#define PG_DRAW_SCATTER 0x9E3779B1    /* ... times this, XOR RDRAND ... */
#define PG_NMI_WORK_LIMIT 0x08000000  /* ... below this: the NMI works (1 in 32) */
#define PG_NMI_BEAT_OFFSET 0x238      /* offsetof(struct pg_state, nmi_beat) */
#define PG_PM_PORT 0x608              /* the ACPI PM timer (QEMU's PC, kppemu) */
#define PG_PM_MASK 0xFFFFFF           /* its 24 bits */
#endif
