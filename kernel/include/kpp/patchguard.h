/* PatchGuard (patchguard/): kernel patch protection running in the guest.
 *
 * pg_boot() runs late in kernel initialisation, after the descriptor
 * tables, SYSCALL MSRs, the tick and the export/service tables exist and
 * before any boot-module driver loads; it arms the checker unless the
 * command line says pg=off, kd=1 (a kernel debugger was attached at boot)
 * or pg.arm=late, in which case pg_boot_late() (after the boot drivers)
 * arms it. Options: pg.profile=fast|windows|test, pg.seed=N (fixes the
 * per-boot key and schedule), pg.telemetry=1 (KPP_EV_PG_PASS events).
 * A detected modification bug-checks with 0x109 CRITICAL_STRUCTURE_CORRUPTION
 * (kernel/abi: parameter encoding and region types). */
#ifndef KPP_PATCHGUARD_H
#define KPP_PATCHGUARD_H

#include <kpp/types.h>

void pg_boot(void);
void pg_boot_late(void);
/* The shell's `pg` command: state on a fixed line, counters on timing lines. */
void pg_print_status(void);
bool pg_armed(void);

/* Called by the stop path (bugcheck_frame) before any other bug check: a
 * protected region found corrupted turns it into 0x109 (the corruption is
 * the cause; the fault its symptom). Returns when nothing is found. */
void pg_last_chance(uint32_t code);

/* The tick hook: time_tick calls it on every tick (interrupts off) with the
 * new tick count. It watches the checker's own trigger state and the time
 * sources, and draws the random passes. */
void pg_tick(uint64_t now);

/* The NMI handler (trap_dispatch, vector 2, on its own IST stack): the
 * watchdog that runs while interrupts are masked (patchguard/nmi.c). */
struct trap_frame;
void pg_nmi(const struct trap_frame *tf);
/* A #DB taken in kernel mode (trap.c): a breakpoint the kernel never set,
 * reported before the kernel's debug-trap routine runs (A115). */
void pg_debug_trap(void);

/* The kernel's returns to ring 3 (isr.S; sysret: the system call's) call
 * this when the RFLAGS they would restore (at saved) carry what ring 3
 * cannot set: 0x109 type 0x112 when PatchGuard is armed, else it returns
 * and the return goes on. */
void pg_user_return(const uint64_t *saved, int sysret);
/* The scheduler, about to switch to next (interrupts off): next must be on
 * the list of every thread (A116). */
struct thread;
void pg_thread_switch(const struct thread *next);

/* Sealing: a mutable array (e.g. a vendor callback array, type 0x18) is
 * enrolled with pg_seal_register and, after every legitimate change made
 * through its API, re-sealed with pg_seal_update; only a direct write then
 * mismatches. pg_seal_register_callbacks also checks the routines of every
 * stride-byte entry (layout below): with an owner field, every routine of
 * an entry in use must lie in the text of the listed module whose base the
 * owner field holds (kernel text does not count: the kernel registers no
 * callbacks there); without one, in the kernel's text or a listed
 * module's. All return false when the checker is not armed or has no room
 * (16 sealed regions). */
struct pg_callback_layout {
	size_t stride; /* bytes per entry; the first qword is a routine */
	size_t second; /* offset of a second routine (0: none) */
	size_t owner;  /* offset of the owning module's base (0: none) */
};
bool pg_seal_register(const void *base, size_t size, uint32_t type);
bool pg_seal_register_callbacks(const void *base, size_t size, uint32_t type, const struct pg_callback_layout *layout);
bool pg_seal_update(const void *base);
/* Before changing a sealed region: it must still match its seal (else
 * 0x109 with the region's type), so a direct write cannot be laundered by
 * the next legitimate change and its pg_seal_update. */
bool pg_seal_verify(const void *base);

/* The loader's path: the text pages [lo, hi) of a driver it has relocated
 * and made read-only are hashed (add; false when PatchGuard's table of
 * driver text pages is full) or, before the pages are released, taken out
 * (patchguard/modtext.c). True when the checker is not armed. */
bool pg_module_text(uint64_t lo, uint64_t hi, bool add);

#endif
