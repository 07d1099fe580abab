// Package emu is the kppemu machine: it wires the CPU, the MMU and the
// devices of package emu/dev into a PC, keeps the virtual clock (one
// executed instruction is one nanosecond of guest time; HLT skips to the
// next device deadline), loads Multiboot v1 images the way
// qemu-system-x86_64 -kernel does (Multiboot Specification 0.6.96), runs
// the CPU in slices bounded by device deadlines, publishes the guest's
// event-port records to subscribers and saves and restores the whole
// machine state.
//
// # Using a machine
//
//	m, err := emu.New(emu.Config{MemBytes: 128 << 20, Seed: 1, Serial: os.Stdout})
//	info, err := m.Boot(emu.BootImage{Path: "kernel.elf", Kernel: k, Append: "autorun=poweroff",
//		Modules: []emu.BootModule{{Cmdline: "initrd.tar", Data: archive}}})
//	cancel := m.Subscribe(func(e emu.Event) { ... })   // or ch, cancel := m.Events(64)
//	stop := m.RunFor(uint64(10 * time.Second))           // or m.Run(until), m.Step()
//	switch stop.Reason { case emu.StopDebugExit: os.Exit(stop.Status) ... }
//
// Everything runs on the caller's goroutine; only RequestStop may be
// called from another one. Run returns a Stop saying why: the time limit,
// isa-debug-exit (with QEMU's status), a triple fault, HLT with interrupts
// off that no routed NMI can end, idleness with nothing left to wake the guest, a stop request, a
// breakpoint or watchpoint, or an internal error (never a panic).
//
// The host sees guest memory through ReadPhys/WritePhys and, through the
// CPU's current page tables, ReadVirt/WriteVirt/VirtToPhys; every write
// drops decoded code on the pages it touches. Snapshot/Restore save and
// load the whole state (CPU with its clock, paging state, RAM, every
// device, whose deadlines are the event queue); StateHash hashes it for
// determinism tests. Hooks let a front end feed input between run slices
// and pace or wait while the guest idles.
//
// # The platform
//
// QEMU's pc machine as far as the guest can tell: COM1 16550A at 0x3F8
// (IRQ 4), the 8259A pair (0x20, 0xA0, ELCR 0x4D0), the 8254 (0x40, port B
// 0x61), CMOS/RTC (0x70), isa-debug-exit (0xF4, 4 bytes), fw_cfg (0x510),
// the PCI bus (configuration mechanism #1 at 0xCF8, reset control at
// 0xCF9; i440FX, PIIX3 with IDE, PIIX4 PM and VGA functions as SeaBIOS
// leaves them, the PM registers where PIIX4's PMBA puts them, and a PCI
// window from the top of RAM to 0xFEC00000 where memory BARs decode and
// unclaimed bus memory reads 0), the guest event port
// (kernel/abi.EventPort) and the local APIC at 0xFEE00000. Interrupts go
// devices -> PIC -> LAPIC LINT0 (ExtINT) -> CPU INTR; the CPU's INTA is the
// LAPIC's Ack; IA32_APIC_BASE is the LAPIC's MSR and CR8 mirrors TPR[7:4]
// both ways. Unassigned ports read all-ones and ignore writes. RAM starts
// at physical address 0 (page 0 is ordinary RAM) and is at most 3 GiB.
package emu
