/* The TSS probe's vector (tssprobe.c, tss_probe.S): the last gate of the
 * probe's own IDT, above the fault vectors it catches. */
#ifndef PG_TSSPROBE_H
#define PG_TSSPROBE_H
#define PG_TSS_PROBE_VEC 15
#endif
