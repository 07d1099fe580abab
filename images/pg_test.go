package images

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kppemu/kppemu/images/qemu"
	"github.com/kppemu/kppemu/kernel/abi"
)

// pgBoundTest is the worst-case detection latency of pg.profile=test in
// guest time: four passes at most 15 ms apart (rounded up to 10 ms ticks),
// plus slack for the first pass and the tick granularity.
const pgBoundTest = 0.150

var (
	patchedRe  = regexp.MustCompile(`^~ attack_\w+: patched at (\d+\.\d+) s guest time`)
	detectedRe = regexp.MustCompile(`^~ pg: detected at (\d+\.\d+) s guest time`)
	passesRe   = regexp.MustCompile(`^~ pg: \d context\(s\), passes: timer (\d+), piggy-back (\d+)`)
)

// pgLatency returns the guest seconds between the attack's patch and the
// detection, from their timing lines; ok is false when the driver's "patched
// at" line never got out because a pass stopped the machine between the
// patch and the print (QEMU runs in real time, so that happens now and then).
func pgLatency(t *testing.T, serial string) (lat float64, ok bool) {
	t.Helper()
	var patched, detected float64 = -1, -1
	for _, l := range qemu.Lines(serial) {
		if m := patchedRe.FindStringSubmatch(l); m != nil {
			patched, _ = strconv.ParseFloat(m[1], 64)
		}
		if m := detectedRe.FindStringSubmatch(l); m != nil {
			detected, _ = strconv.ParseFloat(m[1], 64)
		}
	}
	if detected < 0 {
		t.Fatalf("no detection time in the transcript:\n%s", serial)
	}
	if patched < 0 {
		return 0, false
	}
	return detected - patched, true
}

// stopLine is the end of the STOP line of a 0x109 of region type typ.
func stopLine(typ uint64) string {
	return fmt.Sprintf(",0x%016x)", typ)
}

// pgTypeNames are the stop-screen names of the region types the attacks hit.
var pgTypeNames = map[uint64]string{
	abi.PGGenericData: "generic data region", abi.PGFunction: "function modification", abi.PGIDT: "processor IDT",
	abi.PGGDT: "processor GDT", abi.PGDebugRoutine: "debug routine", abi.PGCriticalMSR: "critical MSR modification",
	abi.PGServiceTable: "system service function", abi.PGImportTable: "import table",
	abi.PGControlRegister: "processor control register", abi.PGLocalAPIC: "local APIC modification",
	abi.PGProcessList: "process list corruption", abi.PGHandleTableList: "handle table list corruption",
	abi.PGLoadedModuleList: "loaded module list", abi.PGNotificationCallout: "kernel notification callout", abi.PGDriverObject: "driver object corruption",
	abi.PGCheckerContext: "checker context corruption or missed heartbeat", abi.PGInterruptDispatch: "processor interrupt dispatch table",
	abi.PGPageTables: "page table entries", abi.PGTaskState: "task state segment",
}

// TestQEMUPatchGuardAttacks loads each attack driver on QEMU with the test
// profile and expects bug check 0x109 with one of the attack's region types,
// within the profile's latency bound.
func TestQEMUPatchGuardAttacks(t *testing.T) {
	cases := []struct {
		attack  string
		types   []uint64
		cmdline string // after pg.profile=test; default: load the driver, wait
		bound   float64
		says    string // the driver's line prefix (default: attack + ": ")
	}{
		{attack: "attack_a1", types: []uint64{abi.PGServiceTable}},
		{attack: "attack_a2", types: []uint64{abi.PGFunction}},
		{attack: "attack_a3", types: []uint64{abi.PGGenericData}},
		{attack: "attack_a4", types: []uint64{abi.PGIDT}},
		{attack: "attack_a5", types: []uint64{abi.PGGDT}},
		{attack: "attack_a6", types: []uint64{abi.PGCriticalMSR}},
		{attack: "attack_a7", types: []uint64{abi.PGControlRegister}},
		{attack: "attack_a8", types: []uint64{abi.PGProcessList, abi.PGHandleTableList}},
		{attack: "attack_a9", types: []uint64{abi.PGLoadedModuleList}, cmdline: "autorun=load hello;load attack_a9;sleep 3000;poweroff"},
		{attack: "attack_a10", types: []uint64{abi.PGNotificationCallout}},
		{attack: "attack_a11", types: []uint64{abi.PGDriverObject}, cmdline: "autorun=load hello;load attack_a11;sleep 3000;poweroff"},
		{attack: "attack_a12", types: []uint64{abi.PGImportTable}},
		{attack: "attack_a13", types: []uint64{abi.PGDebugRoutine}},
		{attack: "attack_a14", types: []uint64{abi.PGServiceTable, abi.PGFunction}},
		{attack: "attack_a15", types: []uint64{abi.PGCheckerContext}},
		// The guest clock stops with the tick, so A16's latency is not measured.
		{attack: "attack_a16", types: []uint64{abi.PGLocalAPIC, abi.PGCheckerContext}, bound: -1},
		{attack: "attack_a17", types: []uint64{abi.PGFunction, abi.PGCheckerContext}},
		{attack: "attack_a18", types: []uint64{abi.PGCheckerContext}},
		// PatchGuard's own state and schedule, its time sources and the
		// dispatch tables behind the IDT.
		{attack: "attack_a27_rearm", types: []uint64{abi.PGCheckerContext}, says: "attack_a27: "},
		{attack: "attack_a29_dpc_routine", types: []uint64{abi.PGCheckerContext}, says: "attack_a29: "},
		{attack: "attack_a30_housekeeping", types: []uint64{abi.PGCheckerContext}, says: "attack_a30: "},
		{attack: "attack_a31_pic_mask", types: []uint64{abi.PGLocalAPIC, abi.PGCheckerContext}, says: "attack_a31: "},
		{attack: "attack_a32_apic_count", types: []uint64{abi.PGLocalAPIC}, says: "attack_a32: "},
		{attack: "attack_a35_pit", types: []uint64{abi.PGLocalAPIC, abi.PGCheckerContext}, says: "attack_a35: "},
		{attack: "attack_a36_irq_table", types: []uint64{abi.PGInterruptDispatch, abi.PGCheckerContext}, says: "attack_a36: "},
		// Every trigger starved through state the checks used to trust
		// (flags, the DPCs' queued flags, a timer rolled ahead): seen by the
		// passes counted inside the contexts. Their latency is measured in
		// the scenarios (a50-a52); QEMU's guest clock follows the host.
		{attack: "attack_a50_freeze", types: []uint64{abi.PGCheckerContext, abi.PGServiceTable}, says: "attack_a50: "},
		{attack: "attack_a51_dpc_queued", types: []uint64{abi.PGCheckerContext, abi.PGServiceTable}, says: "attack_a51: ", bound: -1},
		{attack: "attack_a52_rolling", types: []uint64{abi.PGCheckerContext, abi.PGServiceTable}, says: "attack_a52: ", bound: -1},
		{attack: "attack_a53_hide_gadget", types: []uint64{abi.PGLoadedModuleList}, says: "attack_a53: ",
			cmdline: "autorun=load hello;load attack_a53_hide_gadget;sleep 3000;poweroff"},
		// The report walks the module list to name an address: a cycle
		// there must not swallow the stop.
		{attack: "attack_a54_report_loop", types: []uint64{abi.PGLoadedModuleList}, says: "attack_a54: "},
		// Interrupts masked for ever after the patch: only the NMI watchdog
		// (PIT channel 0 through the I/O APIC as NMI) runs. The guest clock
		// stops with the tick, so the latency is not measured.
		{attack: "attack_a49_cli_spin", types: []uint64{abi.PGFunction}, says: "attack_a49: ", bound: -1},
		{attack: "attack_a49_cli_spin halt", types: []uint64{abi.PGFunction}, says: "attack_a49: ", bound: -1},
		{attack: "attack_a49_cli_spin lock", types: []uint64{abi.PGFunction}, says: "attack_a49: console lock held", bound: -1},
		{attack: "attack_a49_cli_spin mask", types: []uint64{abi.PGLocalAPIC, abi.PGCheckerContext}, says: "attack_a49: "},
		// As A49, with PatchGuard's "stop path begun" flag set first.
		{attack: "attack_a55_stopping_spin", types: []uint64{abi.PGFunction}, says: "attack_a55: ", bound: -1},
		// Code kept running through a callback of a hidden driver, and a
		// driver object pointed at instructions borrowed from kernel text.
		// (A57 finds the module table slot by a scan for the pointer to
		// its record; where the scan meets a stale copy first, the table
		// keeps the record and the cross-walk sees it first.)
		{attack: "attack_a57_hidden_callback", types: []uint64{abi.PGNotificationCallout, abi.PGLoadedModuleList}, says: "attack_a57: "},
		{attack: "attack_a58_dispatch_gadget", types: []uint64{abi.PGDriverObject}, says: "attack_a58: ",
			cmdline: "autorun=load hello;load attack_a58_dispatch_gadget;sleep 3000;poweroff"},
		// COM1 switched off (divisor latch open; loopback) before the
		// detection: the report and the stop screen must still come out.
		{attack: "attack_a60_uart", types: []uint64{abi.PGServiceTable}, says: "attack_a60: "},
		{attack: "attack_a60_uart loop", types: []uint64{abi.PGServiceTable}, says: "attack_a60: "},
		// The tick held back (its count restarted before it runs out)
		// with the TSC held back too: the watchdog's stall count is
		// spaced by the ACPI PM timer. The guest clock is the held tick.
		{attack: "attack_a62_dilate tsc", types: []uint64{abi.PGCheckerContext, abi.PGLocalAPIC}, says: "attack_a62: ", bound: -1},
		// The per-CPU block's GS bases are critical MSRs.
		{attack: "attack_a63_percpu", types: []uint64{abi.PGCriticalMSR}, says: "attack_a63: "},
		{attack: "attack_a63_percpu kgs", types: []uint64{abi.PGCriticalMSR}, says: "attack_a63: "},
		// A user thread's kernel stack moved into a driver (the TSS's RSP0,
		// or the thread's stack pointer outside every kernel stack, A96,
		// whichever check comes first: on QEMU that depends on host timing);
		// a process hidden inside the system process (its address space
		// made the system process's).
		{attack: "attack_a64_stack", types: []uint64{abi.PGTaskState, abi.PGLoadedModuleList}, says: "attack_a64: ",
			cmdline: "autorun=start svc;sleep 20;load attack_a64_stack 1;sleep 3000;poweroff"},
		{attack: "attack_a65_adopt", types: []uint64{abi.PGProcessList}, says: "attack_a65: ",
			cmdline: "autorun=start svc;sleep 20;load attack_a65_adopt 1;sleep 3000;poweroff"},
		// The kernel formatter's sink hooked past every routine entry to
		// swallow or rename the report: the report uses no kernel routine.
		{attack: "attack_a66_report_hook", types: []uint64{abi.PGServiceTable, abi.PGFunction}, says: "attack_a66: "},
		{attack: "attack_a66_report_hook garble", types: []uint64{abi.PGServiceTable, abi.PGFunction}, says: "attack_a66: "},
		// PatchGuard's plain state the hooks trusted: the tick hook's
		// stride; what the tick hook compares the housekeeping DPC with.
		{attack: "attack_a68_stride", types: []uint64{abi.PGFunction, abi.PGCheckerContext}, says: "attack_a68: "},
		{attack: "attack_a69_piggy", types: []uint64{abi.PGCheckerContext}, says: "attack_a69: "},
		// A vendor list's array pointer moved to a driver's copy, laundered
		// at once by one legitimate registration: the update path checks
		// the previous seal first.
		{attack: "attack_a74_vendor_launder", types: []uint64{abi.PGNotificationCallout}, says: "attack_a74: "},
		{attack: "attack_a74_vendor_launder sealed", types: []uint64{abi.PGNotificationCallout}, says: "attack_a74: "},
		// PatchGuard's "stop path begun" flag set with interrupts enabled
		// (the probe stood aside), then A59's TLB split.
		{attack: "attack_a75_stand_aside", types: []uint64{abi.PGCheckerContext, abi.PGPageTables}, says: "attack_a59: ",
			cmdline: "autorun=start svc;sleep 20;load attack_a75_stand_aside;sleep 3000;poweroff"},
		// PatchGuard's open-context pointer set to a driver's context
		// (its own stop routine), then A49's spin: the NMI's detection
		// must still stop through PatchGuard's own routine.
		{attack: "attack_a77_fake_context", types: []uint64{abi.PGFunction, abi.PGCheckerContext}, says: "attack_a77: ", bound: -1},
		// The interrupt controllers' register pages mapped to RAM that
		// reads as the registers did; PIT channel 0's reload doubled.
		{attack: "attack_a80_mmio_pte", types: []uint64{abi.PGPageTables}, says: "attack_a80: "},
		{attack: "attack_a80_mmio_pte lapic", types: []uint64{abi.PGPageTables}, says: "attack_a80: "},
		{attack: "attack_a81_pit_reload", types: []uint64{abi.PGLocalAPIC}, says: "attack_a81: "},
		// IOPL 3 in the RFLAGS a sleeping program's return to ring 3
		// restores (it sleeps 3 s before it reads a port).
		{attack: "attack_a84_iopl", types: []uint64{abi.PGTaskState}, says: "attack_a84: ",
			cmdline: "autorun=start fault port;sleep 20;load attack_a84_iopl 1;sleep 3000;poweroff"},
		// The same written one tick before the program wakes (no pass can
		// look before its SYSRET), and VIP in a preempted program's IRET
		// frame: the kernel's returns to ring 3 check what they restore.
		{attack: "attack_a85_user_return", types: []uint64{abi.PGTaskState}, says: "attack_a85: ",
			cmdline: "autorun=start fault port;sleep 20;load attack_a85_user_return 1;sleep 5000;poweroff"},
		// The local APIC's other local interrupt entries (LINT1, the
		// performance counters) rewritten.
		{attack: "attack_a87_lvt", types: []uint64{abi.PGLocalAPIC}, says: "attack_a87: "},
		{attack: "attack_a87_lvt perf", types: []uint64{abi.PGLocalAPIC}, says: "attack_a87: "},
		// An unsigned driver (testsigning) writes itself into the vendor
		// API's signed images, then registers a signed-only filter.
		{attack: "attack_a88_unsigned", types: []uint64{abi.PGNotificationCallout}, says: "attack_a88: ",
			cmdline: "testsigning autorun=load hello;load attack_a88_unsigned;sleep 3000;poweroff"},
		{attack: "attack_a85_user_return vip now", types: []uint64{abi.PGTaskState}, says: "attack_a85: ",
			cmdline: "autorun=start spin 1000000000;sleep 40;load attack_a85_user_return 1 vip now;sleep 3000;poweroff"},
		// Both watchdogs silenced (IRQ 0 moved to another vector at the
		// PIC, the NMI's entry masked) with their plain heartbeats forged:
		// the tick hook requires their sealed counts to move (with the split,
		// the probe the tick hook asks for may find it first: 0x111).
		{attack: "attack_a95_silence", types: []uint64{abi.PGCheckerContext, abi.PGPageTables}, says: "attack_a95: "},
		{attack: "attack_a95_silence nosplit", types: []uint64{abi.PGCheckerContext}, says: "attack_a95: "},
		// The service table's page split for reads, set up again on every
		// tick: the NMI the tick hook asks for compares a data page read
		// through its address and through its PTE's frame.
		{attack: "attack_a98_data_split", types: []uint64{abi.PGPageTables}, says: "attack_a98: "},
		// The same with the direct map's view of the frame split too, the
		// probe's writes split to the copy that executes, and a page-table
		// change behind the direct map's view of the page tables: the
		// compares and the probe go through a window the checker maps and
		// verifies at that moment.
		{attack: "attack_a110_dm_split", types: []uint64{abi.PGPageTables}, says: "attack_a110: "},
		{attack: "attack_a111_probe_write", types: []uint64{abi.PGPageTables}, says: "attack_a111: "},
		{attack: "attack_a112_shadow_view", types: []uint64{abi.PGPageTables}, says: "attack_a112: "},
		// A process's kernel half of its own (the service table's page a
		// copy for it alone), the direct map showing its PML4 as it was.
		{attack: "attack_a114_process_half", types: []uint64{abi.PGPageTables}, says: "attack_a114: ",
			cmdline: "autorun=start svc;sleep 20;load attack_a114_process_half 1;sleep 3000;poweroff"},
		// The kernel's flags about the processor's protections (trap
		// entry's CLAC, the threads' FPU state) and a listed driver's
		// read-only data: hashed regions since A100 and A101.
		{attack: "attack_a100_cpu_flags smap", types: []uint64{abi.PGGenericData}, says: "attack_a100: "},
		{attack: "attack_a100_cpu_flags fxsr", types: []uint64{abi.PGGenericData}, says: "attack_a100: "},
		{attack: "attack_a101_driver_rodata", types: []uint64{abi.PGFunction}, says: "attack_a101: ",
			cmdline: "autorun=load vendor_sample;load attack_a101_driver_rodata;sleep 3000;poweroff"},
		// The NMI's gate halts once the stop path has begun, NMIs every
		// 8.4 us: the stop path blocks NMIs (a self-NMI through an IDT of
		// its own, no IRET) before its screen.
		{attack: "attack_a140_nmi_stop", types: []uint64{abi.PGIDT, abi.PGLocalAPIC, abi.PGCheckerContext},
			says: "attack_a140: "},
		// As A140, with the stop path's "NMI taken" flag set beforehand
		// (found through its handler's code): the report clears it before
		// its block.
		{attack: "attack_a144_nmi_taken", types: []uint64{abi.PGIDT, abi.PGLocalAPIC, abi.PGCheckerContext},
			says: "attack_a144: ", cmdline: "autorun=load attack_a144_nmi_taken;load attack_a140_nmi_stop;sleep 3000;poweroff"},
		// Breakpoints in DR0/DR1 on the kernel's stop and debug-trap
		// routines, and a read/write breakpoint on the service table:
		// DR7 is compared, first thing in the tick hook's full checks.
		{attack: "attack_a115_debug_regs", types: []uint64{abi.PGControlRegister}, says: "attack_a115: "},
		{attack: "attack_a115_debug_regs watch", types: []uint64{abi.PGControlRegister}, says: "attack_a115: "},
		// A DPC on every tick that waits for the next tick and takes its
		// hook out whenever one of PatchGuard's DPCs is queued: a random
		// pass drawn over a DPC is checked inside the tick.
		{attack: "attack_a141_straddle", types: []uint64{abi.PGServiceTable}, says: "attack_a141: "},
		// The housekeeping timer the piggy-back rides on re-armed an hour
		// out, its period kept.
		{attack: "attack_a143_hk_timer later", types: []uint64{abi.PGCheckerContext}, says: "attack_a143: "},
		// A driver's code copied into pool and run by a kernel thread
		// through a 1 GiB page of its own beside the direct map (A150), or
		// a supervisor page in svc's user half (A151), the driver then
		// unloaded: every executable page of the kernel half, and every
		// entry of a process's user half, is walked. The addresses of
		// the unexported thread calls come from the built image.
		{attack: "attack_a150_alias", types: []uint64{abi.PGLoadedModuleList}, says: "attack_a150: ",
			cmdline: "autorun=load attack_a150_alias " + a150Addrs() + ";sleep 30;unload attack_a150_alias;sleep 3000;poweroff"},
		{attack: "attack_a150_alias user", types: []uint64{abi.PGLoadedModuleList}, says: "attack_a150: ",
			cmdline: "autorun=start svc;sleep 20;load attack_a150_alias user 1 " + a150Addrs() +
				";sleep 30;unload attack_a150_alias;sleep 3000;poweroff"},
		// IA32_APIC_BASE moved to a RAM page (QEMU 7.2 keeps the register
		// window where it was): the kernel's mapping no longer names it.
		{attack: "attack_a131_apic_base move", types: []uint64{abi.PGPageTables}, says: "attack_a131: "},
		// The PM timer's I/O base moved at the PIIX4 function.
		{attack: "attack_a132_pm_timer move", types: []uint64{abi.PGLocalAPIC}, says: "attack_a132: "},
		// IA32_APIC_BASE and the kernel's mapping of the APIC moved to a
		// RAM copy, the EOI written to the real registers through a
		// mapping of the driver's own: the base as armed is a record
		// (on QEMU a page-table check may see the moved PTE first).
		{attack: "attack_a135_apic_eoi", types: []uint64{abi.PGCriticalMSR, abi.PGPageTables}, says: "attack_a135: "},
		// TR loaded from a copy of the TSS in pool, the GDT's descriptor
		// put back as it was: the copy's IST2 (A153) puts the NMI's frame
		// off the stack armed, which the NMI sees; its RSP0 (A154, spin
		// running) puts a ring-3 interrupt's frame off the thread's stack
		// top, which the return to ring 3 sees; a copy whose stacks are
		// the kernel's and whose I/O map opens every port (A155) puts a
		// frame of the NMI's probe (IST4, written into the kernel's TSS
		// just before) off its stack.
		// The memory types (IA32_PAT, IA32_MTRR_DEF_TYPE): critical MSRs.
		{attack: "attack_a156_memtype", types: []uint64{abi.PGCriticalMSR}, says: "attack_a156: "},
		{attack: "attack_a156_memtype mtrr", types: []uint64{abi.PGCriticalMSR}, says: "attack_a156: "},
		{attack: "attack_a153_tss_copy", types: []uint64{abi.PGTaskState}, says: "attack_a153: "},
		{attack: "attack_a153_tss_copy rsp0", types: []uint64{abi.PGTaskState}, says: "attack_a153: ",
			cmdline: "autorun=start spin 4000000000;sleep 20;load attack_a153_tss_copy rsp0;sleep 3000;poweroff"},
		{attack: "attack_a153_tss_copy ports", types: []uint64{abi.PGTaskState}, says: "attack_a153: ",
			cmdline: "autorun=start fault port;sleep 20;load attack_a153_tss_copy ports;sleep 3000;poweroff"},
	}
	for _, c := range cases {
		t.Run(c.attack, func(t *testing.T) {
			t.Parallel()
			cmd := c.cmdline
			if cmd == "" {
				cmd = "autorun=load " + c.attack + ";sleep 3000;poweroff"
			}
			res := bootQEMU(t, "pg.profile=test "+cmd, "initrd")
			says := c.says
			if says == "" {
				says = c.attack + ": "
			}
			expectInOrder(t, res.Serial, []string{"pg: armed, ", says, "*** PatchGuard: ",
				"*** STOP: 0x00000109 (", "*** CRITICAL_STRUCTURE_CORRUPTION", "*** system halted"})
			matched := false
			for _, typ := range c.types {
				head := fmt.Sprintf("*** PatchGuard: %s (region type 0x%x)", pgTypeNames[typ], typ)
				if strings.Contains(res.Serial, head) && strings.Contains(res.Serial, stopLine(typ)) {
					matched = true
				}
			}
			if !matched {
				t.Errorf("no 0x109 with region type in %#x; serial:\n%s", c.types, res.Serial)
			}
			if res.ExitCode != exitBugCheck {
				t.Errorf("exit status %d, want %d", res.ExitCode, exitBugCheck)
			}
			bound := c.bound
			if bound == 0 {
				bound = pgBoundTest
			}
			if bound < 0 {
				return
			}
			lat, ok := pgLatency(t, res.Serial)
			if !ok {
				t.Logf("%s: detected before the driver printed its patch time; latency not measured", c.attack)
				return
			}
			t.Logf("%s: detected %.1f ms (guest) after the patch", c.attack, lat*1000)
			if lat < 0 || lat > bound {
				t.Errorf("detection latency %.3f s outside [0, %.3f] s", lat, bound)
			}
		})
	}
}

// TestQEMUPatchGuardKASLR: with the kernel at a random base (kaslr=1),
// drivers still link against the export table and find what they attack,
// and PatchGuard still stops each patch with its region type.
func TestQEMUPatchGuardKASLR(t *testing.T) {
	for _, c := range []struct {
		attack string
		typ    uint64
	}{
		{"attack_a1", abi.PGServiceTable},
		{"attack_a2", abi.PGFunction},
		{"attack_a38_pte_writable", abi.PGPageTables},
	} {
		t.Run(c.attack, func(t *testing.T) {
			t.Parallel()
			res := bootQEMU(t, "kaslr=1 pg.profile=test autorun=load "+c.attack+";sleep 3000;poweroff", "initrd")
			head := fmt.Sprintf("*** PatchGuard: %s (region type 0x%x)", pgTypeNames[c.typ], c.typ)
			expectInOrder(t, res.Serial, []string{"pg: armed, ", head, "*** STOP: 0x00000109 (", "*** system halted"})
			if !strings.Contains(res.Serial, stopLine(c.typ)) || res.ExitCode != exitBugCheck {
				t.Errorf("exit status %d; serial:\n%s", res.ExitCode, res.Serial)
			}
		})
	}
}

// TestQEMUPatchGuardByDesign covers the attacks a same-privilege checker
// cannot see by design: an unenrolled writable pointer (A20), a patch made
// before a late arming (A21), a patch with the checker never armed (A22).
func TestQEMUPatchGuardByDesign(t *testing.T) {
	cases := []struct {
		name, cmdline string
		modules       []string
		want          []string
	}{
		{name: "a20", cmdline: "pg.profile=test autorun=load ticktest 200;load attack_a20;sleep 4000;pg;poweroff", modules: []string{"initrd"},
			want: []string{"pg: armed, ", "attack_a20: another driver's DPC routine hooked (chained)", "kpp> pg", "pg: armed, "}},
		{name: "a21", cmdline: "pg.profile=test pg.arm=late autorun=sleep 3000;pg;poweroff", modules: []string{"attack_a21"},
			want: []string{"pg: arming after the boot drivers (pg.arm=late)", "attack_a21: module_find hooked before PatchGuard armed",
				"pg: armed, ", "kpp> pg", "pg: armed, "}},
		{name: "a22", cmdline: "pg.profile=test kd=1 autorun=load attack_a22;sleep 3000;pg;poweroff", modules: []string{"initrd"},
			want: []string{"pg: not armed: kernel debugger attached at boot (kd=1)", "attack_a22: service table entry 5 redirected",
				"kpp> pg", "pg: not armed (kd=1)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := bootQEMU(t, c.cmdline, c.modules...)
			expectInOrder(t, res.Serial, append(c.want, "power off"))
			if strings.Contains(res.Serial, "*** STOP") || res.ExitCode != exitPowerOff {
				t.Errorf("exit status %d; serial:\n%s", res.ExitCode, res.Serial)
			}
		})
	}
}

// TestQEMUPatchGuardClean runs drivers and timers for five guest seconds in
// the test profile (hundreds of passes on both paths) and expects no bug
// check.
func TestQEMUPatchGuardClean(t *testing.T) {
	res := bootQEMU(t, "pg.profile=test pg.telemetry=1 autorun=load hello;load ticktest 100;sleep 2500;unload hello;"+
		"usertest;sleep 2500;pg;poweroff", "initrd")
	expectInOrder(t, res.Serial, []string{"pg: armed, ", "kpp> pg", "pg: armed, ", "power off"})
	if strings.Contains(res.Serial, "*** STOP") || res.ExitCode != exitPowerOff {
		t.Fatalf("exit status %d; serial:\n%s", res.ExitCode, res.Serial)
	}
	for _, l := range qemu.Lines(res.Serial) {
		if m := passesRe.FindStringSubmatch(l); m != nil {
			timer, _ := strconv.Atoi(m[1])
			piggy, _ := strconv.Atoi(m[2])
			t.Logf("passes: timer %d, piggy-back %d", timer, piggy)
			if timer < 200 {
				t.Errorf("only %d timer passes in 5 s of the test profile", timer)
			}
			return
		}
	}
	t.Errorf("no pass counts in:\n%s", res.Serial)
}

// TestQEMUPatchGuardOptions: pg=off leaves the checker unarmed; the sealing
// self-test accepts a change made through the API and catches a direct
// write (type 0x18); pg.seed fixes the schedule, so two boots print the
// same transcript, stop screen included.
func TestQEMUPatchGuardOptions(t *testing.T) {
	t.Run("off", func(t *testing.T) {
		t.Parallel()
		res := bootQEMU(t, "pg=off autorun=pg;poweroff")
		expectInOrder(t, res.Serial, []string{"pg: disabled (pg=off)", "kpp> pg", "pg: not armed (pg=off)", "power off"})
	})
	t.Run("seal", func(t *testing.T) {
		t.Parallel()
		res := bootQEMU(t, "pg.profile=test pg.selftest=seal autorun=sleep 3000;poweroff")
		expectInOrder(t, res.Serial, []string{"pg: self-test: sealed callback array changed through the API",
			"pg: self-test: sealed callback array written directly", "*** PatchGuard: kernel notification callout (region type 0x18)",
			stopLine(abi.PGNotificationCallout)})
	})
	t.Run("seed", func(t *testing.T) {
		t.Parallel()
		cmd := "pg.profile=test pg.seed=7 autorun=load attack_a1;sleep 3000;poweroff"
		// pg.seed fixes the key, the contexts' places and so the stop screen's
		// encoded parameters. QEMU runs in real time, so whether the shell's
		// "load: ... loaded" line gets out before the first pass stops the
		// machine varies from boot to boot: compare the stop screens.
		stop := func(lines []string) []string {
			var out []string
			for _, l := range lines {
				if strings.HasPrefix(l, "***") || strings.HasPrefix(l, "pg: armed") {
					out = append(out, l)
				}
			}
			return out
		}
		a := stop(qemu.Transcript(bootQEMU(t, cmd, "initrd").Serial))
		b := stop(qemu.Transcript(bootQEMU(t, cmd, "initrd").Serial))
		if !slices.ContainsFunc(a, func(l string) bool { return strings.HasPrefix(l, "*** STOP: 0x00000109") }) {
			t.Fatalf("no 0x109 stop screen:\n%s", strings.Join(a, "\n"))
		}
		if strings.Join(a, "\n") != strings.Join(b, "\n") {
			t.Errorf("stop screens differ:\n%s\n---\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
		}
	})
}

// a150Addrs: printk's, thread_sleep_ns's and thread_create's addresses in
// the built image, the arguments attack_a150_alias takes them from when no
// host writes them into it.
func a150Addrs() string {
	return kernelSymbol("printk") + " " + kernelSymbol("thread_sleep_ns") + " " + kernelSymbol("thread_create")
}
