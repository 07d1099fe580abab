package dev

// Compile-time checks that each device implements what the machine wires.
var (
	_ PortDevice  = (*UART)(nil)
	_ Timed       = (*UART)(nil)
	_ Snapshotter = (*UART)(nil)
	_ PortDevice  = picPorts{}
	_ PortDevice  = elcrPorts{}
	_ Acker       = (*PIC)(nil)
	_ Snapshotter = (*PIC)(nil)
	_ PortDevice  = (*PIT)(nil)
	_ PortDevice  = portB{}
	_ Timed       = (*PIT)(nil)
	_ Snapshotter = (*PIT)(nil)
	_ MMIODevice  = (*LAPIC)(nil)
	_ Timed       = (*LAPIC)(nil)
	_ Acker       = (*LAPIC)(nil)
	_ Snapshotter = (*LAPIC)(nil)
	_ PortDevice  = (*DebugExit)(nil)
	_ Snapshotter = (*DebugExit)(nil)
	_ PortDevice  = (*CMOS)(nil)
	_ Timed       = (*CMOS)(nil)
	_ Snapshotter = (*CMOS)(nil)
	_ PortDevice  = (*FwCfg)(nil)
	_ Snapshotter = (*FwCfg)(nil)
	_ PortDevice  = (*EventPort)(nil)
	_ Snapshotter = (*EventPort)(nil)
	_ PortDevice  = (*PCIBus)(nil)
	_ Snapshotter = (*PCIBus)(nil)
)
