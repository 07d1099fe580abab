package dev

// The I/O APIC (82093AA datasheet; QEMU's hw/intc/ioapic.c, version 0x20)
// at MMIO 0xFEC00000: IOREGSEL at offset 0x00 selects a register, IOWIN at
// 0x10 reads or writes it, and the EOI register at 0x40 (version 0x20)
// takes a vector whose level-triggered entries' remote IRR is cleared.
//
// Registers: 0x00 ID (bits 27:24), 0x01 version (0x00170020: 24 entries),
// 0x02 arbitration ID, 0x10-0x3F the 24 redirection entries, two dwords
// each (low: vector, delivery mode, destination mode, delivery status,
// polarity, remote IRR, trigger mode, mask; high: destination in bits
// 31:24). Every entry starts masked.
//
// Inputs are the machine's interrupt lines: ISA IRQ n enters at pin n,
// except IRQ 0 (the PIT), which enters at pin 2, as QEMU wires it and as
// the ACPI MADT's interrupt source override says. An edge-triggered entry
// delivers on a rising edge; a level-triggered one delivers while its input
// is high and its remote IRR is clear, sets remote IRR, and delivers again
// after the EOI if the input is still high. Polarity is recorded but
// inputs are taken as active when high (devices drive asserted levels).
const (
	IOAPICBase     = 0xFEC00000
	IOAPICSize     = 0x1000
	IOAPICRegSel   = 0x00
	IOAPICWin      = 0x10
	IOAPICEOI      = 0x40
	IOAPICPins     = 24
	IOAPICVersion  = 0x00170020
	ioapicRegID    = 0x00
	ioapicRegVer   = 0x01
	ioapicRegArb   = 0x02
	ioapicRegRedir = 0x10

	ioapicMasked    = 1 << 16
	ioapicLevel     = 1 << 15
	ioapicRemoteIRR = 1 << 14
	ioapicLogical   = 1 << 11
	ioapicRO        = ioapicRemoteIRR | 1<<12 // remote IRR and delivery status are read-only
)

// IOAPICState is the I/O APIC's snapshot state.
type IOAPICState struct {
	Sel    uint32
	ID     uint32
	Redir  [IOAPICPins]uint64
	Levels uint32 // input levels, pin i at bit i
}

// IOAPIC is the machine's I/O APIC; its messages go out on an APICBus.
type IOAPIC struct {
	State IOAPICState
	bus   *APICBus
}

// NewIOAPIC returns the I/O APIC after reset, connected to bus (and bus to
// it, for EOIs).
func NewIOAPIC(bus *APICBus) *IOAPIC {
	io := &IOAPIC{bus: bus}
	for i := range io.State.Redir {
		io.State.Redir[i] = ioapicMasked
	}
	if bus != nil {
		bus.IOAPIC = io
	}
	return io
}

// ISAPin returns the input pin of ISA IRQ n.
func ISAPin(n int) int {
	if n == 0 {
		return 2
	}
	return n
}

// SetIRQ drives input pin (0-23) to level.
func (io *IOAPIC) SetIRQ(pin int, level bool) {
	if pin < 0 || pin >= IOAPICPins {
		return
	}
	bit := uint32(1) << pin
	old := io.State.Levels&bit != 0
	if level {
		io.State.Levels |= bit
	} else {
		io.State.Levels &^= bit
	}
	e := io.State.Redir[pin]
	if e&ioapicLevel != 0 {
		if level {
			io.service(pin)
		}
		return
	}
	if level && !old {
		io.service(pin)
	}
}

// service delivers pin's interrupt when its entry allows it.
func (io *IOAPIC) service(pin int) {
	e := &io.State.Redir[pin]
	if *e&ioapicMasked != 0 {
		return
	}
	level := *e&ioapicLevel != 0
	if level {
		if *e&ioapicRemoteIRR != 0 {
			return
		}
		*e |= ioapicRemoteIRR
	}
	if io.bus != nil {
		io.bus.Message(uint8(*e>>56), *e&ioapicLogical != 0, uint32(*e)&lapicDelivMask, uint8(*e), level)
	}
}

// RoutesNMITo reports whether an unmasked redirection entry delivers its
// pin as an NMI to local APIC a: a device on that pin can still wake a's
// processor when it halts with interrupts disabled.
func (io *IOAPIC) RoutesNMITo(a *LAPIC) bool {
	if !a.hwEnabled() {
		return false
	}
	for _, e := range io.State.Redir {
		if e&ioapicMasked == 0 && uint32(e)&lapicDelivMask == LAPICDelivNMI &&
			a.matches(uint32(e>>56), e&ioapicLogical != 0, false) {
			return true
		}
	}
	return false
}

// EOI clears remote IRR of the level-triggered entries with vector vec and
// redelivers those whose input is still high.
func (io *IOAPIC) EOI(vec uint8) {
	for pin := range io.State.Redir {
		e := &io.State.Redir[pin]
		if uint8(*e) != vec || *e&ioapicLevel == 0 || *e&ioapicRemoteIRR == 0 {
			continue
		}
		*e &^= ioapicRemoteIRR
		if io.State.Levels&(1<<pin) != 0 {
			io.service(pin)
		}
	}
}

func (io *IOAPIC) readReg(r uint32) uint32 {
	switch {
	case r == ioapicRegID:
		return io.State.ID
	case r == ioapicRegVer:
		return IOAPICVersion
	case r == ioapicRegArb:
		return io.State.ID
	case r >= ioapicRegRedir && r < ioapicRegRedir+2*IOAPICPins:
		e := io.State.Redir[(r-ioapicRegRedir)/2]
		if r&1 != 0 {
			return uint32(e >> 32)
		}
		return uint32(e)
	}
	return 0xFFFFFFFF
}

func (io *IOAPIC) writeReg(r, v uint32) {
	switch {
	case r == ioapicRegID:
		io.State.ID = v & 0x0F000000
	case r >= ioapicRegRedir && r < ioapicRegRedir+2*IOAPICPins:
		pin := int(r-ioapicRegRedir) / 2
		e := &io.State.Redir[pin]
		if r&1 != 0 {
			*e = *e&0xFFFFFFFF | uint64(v&0xFF000000)<<32
			return
		}
		*e = *e&^0xFFFFFFFF | *e&ioapicRO | uint64(v&^ioapicRO)
		if *e&ioapicLevel == 0 {
			*e &^= ioapicRemoteIRR
		}
		if *e&ioapicLevel != 0 && io.State.Levels&(1<<pin) != 0 {
			io.service(pin)
		}
	}
}

// ReadMMIO implements MMIODevice: 32-bit reads of IOREGSEL and IOWIN
// (narrower reads see the low bytes of the register).
func (io *IOAPIC) ReadMMIO(off uint64, data []byte) {
	var v uint32
	switch off &^ 3 {
	case IOAPICRegSel:
		v = io.State.Sel
	case IOAPICWin:
		v = io.readReg(io.State.Sel & 0xFF)
	}
	putLE(data, uint64(v>>(8*(off&3))))
}

// WriteMMIO implements MMIODevice.
func (io *IOAPIC) WriteMMIO(off uint64, data []byte) {
	v := uint32(getLE(data))
	switch off {
	case IOAPICRegSel:
		io.State.Sel = v & 0xFF
	case IOAPICWin:
		if len(data) == 4 {
			io.writeReg(io.State.Sel&0xFF, v)
		}
	case IOAPICEOI:
		io.EOI(uint8(v))
	}
}

// SaveState implements Snapshotter.
func (io *IOAPIC) SaveState() ([]byte, error) { return saveGob("ioapic", &io.State) }

// LoadState implements Snapshotter.
func (io *IOAPIC) LoadState(b []byte) error { return loadGob("ioapic", b, &io.State) }
