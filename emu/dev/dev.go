// Package dev holds the machine's devices: 16550A UART, 8259A PIC pair,
// 8254 PIT, local APIC (xAPIC), isa-debug-exit, CMOS/RTC, fw_cfg and the
// guest event port. Devices never import the CPU: they see port or MMIO
// offsets within their own range, an IRQ line and the virtual clock.
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
