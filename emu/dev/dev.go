// Package dev holds the machine's devices: 16550A UART, 8259A PIC pair,
// 8254 PIT, i8042 keyboard controller, the legacy IDE channels (an empty
// primary, a CD-ROM without a medium on the secondary), the floppy controller
// without a disk, LPT1, the 8237 DMA pair, local APIC (xAPIC), isa-debug-exit, CMOS/RTC, fw_cfg, the
// guest event port, the PCI bus of QEMU's pc machine and pci-testdev. Devices never
// import the CPU: they see port or MMIO offsets within their own range
// (rust-vmm style: off is relative to the attach base, len(data) is the
// access width), an IRQ line and the virtual clock.
//
// # Wiring (what package emu does)
//
//	ports (base, size)            constructor
//	0x3F8, 8   COM1               uart := dev.NewUART(clk, pic.IRQ(4), out)
//	0x20, 2    PIC master         pic := dev.NewPIC(apic.SetLINT0)   -> pic.Master()
//	0xA0, 2    PIC slave                                             -> pic.Slave()
//	0x4D0, 2   ELCR                                                  -> pic.ELCR()
//	0x40, 4    PIT                pit := dev.NewPIT(clk, pic.IRQ(0))
//	0x61, 1    port B (speaker)                                      -> pit.PortB()
//	0x60, 0x64 i8042 (PS/2)       kbd := dev.NewI8042(pic.IRQ(1))    -> kbd.Data(), kbd.Command(); kbd.SetReset(fn)
//	0x92, 1    port A (A20)                                          -> kbd.Port92()
//	0x3C0, 16  VGA registers      vga := dev.NewVGA()                -> vga.CRTC() at 0x3D4, 2; vga.Status() at 0x3DA, 1
//	0x70, 2    CMOS/RTC           cmos := dev.NewCMOS(clk, ramBytes, dev.DefaultRTCBase); cmos.SetIRQ(pic.IRQ(8))
//	0x1F0, 8   IDE primary        ide0 := dev.NewIDEPrimary(pic.IRQ(14))    -> ide0.Control() at 0x3F6, 1
//	0x170, 8   IDE secondary      ide1 := dev.NewIDESecondary(pic.IRQ(15))  -> ide1.Control() at 0x376, 1
//	0x3F1, 5   floppy controller  fdc := dev.NewFDC(pic.IRQ(6))             -> fdc.DIR() at 0x3F7, 1
//	0x378, 3   LPT1               lpt := dev.NewLPT(pic.IRQ(7))
//	0x00, 16   DMA 0-3            dma := dev.NewDMA()                       -> dma.DMA1(); dma.DMA2() at 0xC0, 32; dma.Pages() at 0x80, 16
//	0xF4, 4    isa-debug-exit     dev.NewDebugExit(func(status int) { ... })
//	0x510, 2   fw_cfg             fw := dev.NewFwCfg(ramBytes, 1); fw.AddFile("opt/kppemu/seed", b)
//	0xCF8, 8   PCI config         pci := dev.NewPCIBus(ports, reset, ramBytes, dev.PCIWindowEnd-ramBytes)
//	                              pci.Add(f) for f in dev.PCMachineFunctions(acpiPM, extra...)
//	MMIO ramBytes..0xFEC00000    PCI window                         -> pci.Window()
//	abi.EventPort, 4  event port  dev.NewEventPort(clk, mem, sink, logger)
//	MMIO 0xFEE00000, 0x1000       apic := dev.NewLAPIC(clk, cpu.SetINTR, cpu.NMI)
//
// The interrupt path is CPU <- LAPIC <- PIC <- devices. The PIC's INTR output
// feeds the local APIC's LINT0 input (apic.SetLINT0), and apic.SetPIC(pic)
// gives the APIC the PIC's INTA for ExtINT delivery; the CPU's
// IntrController is the APIC (apic.Ack) and the CPU's INTR input is driven
// by the APIC's intr callback. When IA32_APIC_BASE.EN is clear (or LVT
// LINT0 is ExtINT and unmasked, the reset state) the PIC's interrupts pass
// through. IA32_APIC_BASE is apic.ReadMSR/WriteMSR; CR8 maps onto
// apic.CR8/SetCR8.
//
// Devices power up as the hardware does. QEMU runs SeaBIOS before a
// -kernel image, so a machine that boots kernels directly and wants the
// state a guest sees there calls pic.Program(SeaBIOSPICMasterBase,
// SeaBIOSPICSlaveBase, SeaBIOSPICMask) (and ELCR SeaBIOSELCR),
// pit.SetupLikeBIOS() (channel 0 at 18.2 Hz) and apic.SetupLikeBIOS()
// (SVR enabled, LINT0 ExtINT, LINT1 NMI); those values were read on QEMU
// 7.2 by a probe kernel.
//
// Timed devices (PIT, LAPIC, UART for its character timeout, CMOS for RTC
// interrupts) report their
// next deadline in guest ns; the run loop calls Advance(now) when it reaches
// it. Every device implements Snapshotter. LoadState restores state only
// and calls no callback, except that the LAPIC re-drives the CPU's INTR
// with the restored level; each interrupt controller's snapshot holds its
// input levels, so devices can be restored in any order.
//
// Determinism: no device reads the host clock, starts a goroutine or
// iterates a map; all time comes from the Clock.
package dev

// PortDevice is a device on the port-I/O bus. off is the offset within the
// device's range; len(data) is the access width (1, 2 or 4).
type PortDevice interface {
	ReadPort(off uint16, data []byte)
	WritePort(off uint16, data []byte)
}

// MMIODevice is a device on the MMIO bus. off is the offset within the
// device's range; len(data) is the access width.
type MMIODevice interface {
	ReadMMIO(off uint64, data []byte)
	WriteMMIO(off uint64, data []byte)
}

// Clock is the machine's virtual clock: guest nanoseconds (one executed
// instruction is one nanosecond; HLT skips to the next deadline).
type Clock interface {
	Now() uint64
}

// Timed is a device with its own deadlines. The run loop asks every Timed
// device for its next deadline, runs the CPU up to the earliest one and then
// calls Advance. Deadlines are derived from device state, so a snapshot of
// the devices is a snapshot of the event queue.
type Timed interface {
	// NextDeadline returns the guest time of the device's next event, or
	// ok=false when it has none.
	NextDeadline() (t uint64, ok bool)
	// Advance brings the device up to now, firing any events due.
	Advance(now uint64)
}

// IRQLine is an interrupt request input of an interrupt controller.
type IRQLine interface {
	SetIRQ(level bool)
}

// IRQFunc adapts a function to IRQLine.
type IRQFunc func(level bool)

// SetIRQ calls f(level).
func (f IRQFunc) SetIRQ(level bool) { f(level) }

// NoIRQ is an IRQLine connected to nothing.
var NoIRQ IRQLine = IRQFunc(func(bool) {})

// ClockFunc adapts a function to Clock.
type ClockFunc func() uint64

// Now returns f().
func (f ClockFunc) Now() uint64 { return f() }

// Snapshotter is a device whose whole state can be saved and restored
// (encoding/gob of the device's exported State struct). Callbacks, writers
// and other wiring are not state: they survive LoadState unchanged.
type Snapshotter interface {
	SaveState() ([]byte, error)
	LoadState([]byte) error
}

// PhysReader reads guest-physical memory (the machine's MMU: unbacked
// bytes read as 0xFF).
type PhysReader interface {
	ReadPhys(pa uint64, buf []byte)
}

// Acker is an interrupt controller's INTA cycle: it returns the vector of
// the interrupt being delivered.
type Acker interface {
	Ack() uint8
}

// getLE reads len(data) bytes little-endian.
func getLE(data []byte) uint64 {
	var v uint64
	for i := len(data) - 1; i >= 0; i-- {
		v = v<<8 | uint64(data[i])
	}
	return v
}

// putLE writes v little-endian into data (truncated to len(data)).
func putLE(data []byte, v uint64) {
	for i := range data {
		data[i] = byte(v)
		v >>= 8
	}
}

// fill sets every byte of data to b.
func fill(data []byte, b byte) {
	for i := range data {
		data[i] = b
	}
}
