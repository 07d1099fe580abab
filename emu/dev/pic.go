package dev

// 8259A port offsets relative to each chip's base (0x20 master, 0xA0
// slave) and the ELCR pair at 0x4D0.
const (
	PICCommand = 0 // ICW1, OCW2, OCW3 (write); IRR/ISR/poll (read)
	PICData    = 1 // ICW2-4, OCW1 = IMR
	PICSize    = 2
	ELCRSize   = 2
)

// Command bits.
const (
	PICICW1      = 0x10 // bit 4 set: ICW1
	PICICW1IC4   = 0x01 // ICW4 needed
	PICICW1SNGL  = 0x02 // single (no cascade)
	PICICW1LTIM  = 0x08 // level-triggered (ignored: ELCR decides, as on PCs)
	PICOCW3      = 0x08 // bit 3 set (bit 4 clear): OCW3
	PICOCW3RIS   = 0x01 // read ISR (else IRR) when RR
	PICOCW3RR    = 0x02 // read register command
	PICOCW3Poll  = 0x04
	PICOCW3SMM   = 0x20 // special mask mode value
	PICOCW3ESMM  = 0x40 // special mask mode: enable the change
	PICICW4AEOI  = 0x02 // automatic EOI
	PICICW4SFNM  = 0x10 // special fully nested mode
	picCascadeIR = 2
)

// OCW2 commands (bits 7:5).
const (
	PICOCW2RotateAEOIClear = 0 << 5
	PICOCW2NonSpecificEOI  = 1 << 5
	PICOCW2NoOp            = 2 << 5
	PICOCW2SpecificEOI     = 3 << 5
	PICOCW2RotateAEOISet   = 4 << 5
	PICOCW2RotateEOI       = 5 << 5
	PICOCW2SetPriority     = 6 << 5
	PICOCW2RotateSpecific  = 7 << 5
)

// PICChipState is one 8259A.
type PICChipState struct {
	IRR, ISR, IMR uint8
	LastIRR       uint8 // input line levels (edge detection)
	ELCR          uint8 // level-triggered inputs
	Base          uint8 // ICW2 vector base (bits 7:3)
	PriorityAdd   uint8 // IR with the lowest priority + 1 (rotation)
	InitState     uint8 // 0 ready, 1-3 expecting ICW2-4
	Init4, Single bool
	AutoEOI       bool
	RotateOnAEOI  bool
	ReadISR       bool
	Poll          bool
	SpecialMask   bool
	SpecialNested bool
	ICW3          uint8
}

// PICState is the pair's snapshot state.
type PICState struct {
	Chips [2]PICChipState // 0 master, 1 slave
	INTR  bool            // last level of the INTR output
}

// PIC is the PC's cascaded 8259A pair: master at 0x20 (IRQ 0-7), slave at
// 0xA0 (IRQ 8-15) on the master's IR2. Inputs are edge-triggered unless the
// ELCR (0x4D0/0x4D1) makes them level-triggered; an edge is latched in IRR
// until INTA (as QEMU's i8259 does). Ack is the INTA cycle: with no request
// left it returns the IRQ7 (or IRQ15) vector without setting ISR
// (spurious interrupt). Priority rotation, special mask, special fully
// nested, auto-EOI and poll mode are implemented.
type PIC struct {
	State PICState
	intr  func(level bool)
}

// NewPIC returns the pair after power-on (both chips uninitialised, vector
// bases 0, nothing masked). intr receives the master's INTR output.
func NewPIC(intr func(level bool)) *PIC {
	p := &PIC{intr: intr}
	return p
}

// What SeaBIOS leaves in the PICs on QEMU 7.2 (observed): vector bases
// 0x08 and 0x70 and masks 0xB8 (master: IRQ 0, 1, 2 and 6 open) and 0x8E
// (slave: IRQ 8, 12, 13 and 14 open); ELCR 0x0C00 (IRQ 10 and 11 level).
const (
	SeaBIOSPICMasterBase = 0x08
	SeaBIOSPICSlaveBase  = 0x70
	SeaBIOSPICMask       = 0x8EB8
	SeaBIOSELCR          = 0x0C00
)

// Program initialises both chips as firmware does before handing over
// (ICW1-4: cascade on IR2, 8086 mode, vector bases masterBase and
// slaveBase) and sets the masks (low byte master, high byte slave).
// SeaBIOS uses bases 0x08 and 0x70; a machine that boots kernels directly
// may call this so that a guest which never reprograms the PIC sees what
// it would after a BIOS. Power-on state is unprogrammed (bases 0).
func (p *PIC) Program(masterBase, slaveBase uint8, mask uint16) {
	for c, base := range [2]uint8{masterBase, slaveBase} {
		s := &p.State.Chips[c]
		s.reset()
		s.Base = base & 0xF8
		s.ICW3 = [2]uint8{1 << picCascadeIR, picCascadeIR}[c]
		s.IMR = uint8(mask >> (8 * c))
	}
	p.update()
}

// SetINTR replaces the INTR output callback.
func (p *PIC) SetINTR(intr func(level bool)) { p.intr = intr }

// Master returns the master chip's ports (attach at 0x20, size 2).
func (p *PIC) Master() PortDevice { return picPorts{p, 0} }

// Slave returns the slave chip's ports (attach at 0xA0, size 2).
func (p *PIC) Slave() PortDevice { return picPorts{p, 1} }

// ELCR returns the edge/level control registers (attach at 0x4D0, size 2).
func (p *PIC) ELCR() PortDevice { return elcrPorts{p} }

// IRQ returns input line n (0-15) as an IRQLine.
func (p *PIC) IRQ(n int) IRQLine { return IRQFunc(func(l bool) { p.SetIRQ(n, l) }) }

// INTR returns the current level of the INTR output.
func (p *PIC) INTR() bool { return p.State.INTR }

// SetIRQ drives input line n (0-15; IRQ2 is the cascade and is ignored).
func (p *PIC) SetIRQ(n int, level bool) {
	if n < 0 || n > 15 || n == picCascadeIR {
		return
	}
	p.setChipIRQ(n>>3, uint(n&7), level)
	p.update()
}

func (p *PIC) setChipIRQ(c int, ir uint, level bool) {
	s := &p.State.Chips[c]
	mask := uint8(1) << ir
	if s.ELCR&mask != 0 {
		if level {
			s.IRR |= mask
			s.LastIRR |= mask
		} else {
			s.IRR &^= mask
			s.LastIRR &^= mask
		}
		return
	}
	if level {
		if s.LastIRR&mask == 0 {
			s.IRR |= mask
		}
		s.LastIRR |= mask
	} else {
		s.LastIRR &^= mask
	}
}

// priority returns the priority (0 highest) of the highest bit set in
// mask, counting from PriorityAdd, or 8 when mask is empty.
func (s *PICChipState) priority(mask uint8) uint8 {
	if mask == 0 {
		return 8
	}
	var pr uint8
	for mask&(1<<((pr+s.PriorityAdd)&7)) == 0 {
		pr++
	}
	return pr
}

// pending returns the IR to deliver, or -1.
func (s *PICChipState) pending(master bool) int {
	pr := s.priority(s.IRR &^ s.IMR)
	if pr == 8 {
		return -1
	}
	isr := s.ISR
	if s.SpecialMask {
		isr &^= s.IMR
	}
	if master && s.SpecialNested {
		isr &^= 1 << picCascadeIR
	}
	if pr < s.priority(isr) {
		return int((pr + s.PriorityAdd) & 7)
	}
	return -1
}

// update propagates the slave's output to the master's IR2 and the
// master's to INTR.
func (p *PIC) update() {
	p.setChipIRQ(0, picCascadeIR, p.State.Chips[1].pending(false) >= 0)
	level := p.State.Chips[0].pending(true) >= 0
	if level != p.State.INTR {
		p.State.INTR = level
		if p.intr != nil {
			p.intr(level)
		}
	}
}

// intack moves ir from IRR to ISR (unless auto-EOI).
func (s *PICChipState) intack(ir int) {
	mask := uint8(1) << uint(ir)
	if s.AutoEOI {
		if s.RotateOnAEOI {
			s.PriorityAdd = uint8(ir+1) & 7
		}
	} else {
		s.ISR |= mask
	}
	if s.ELCR&mask == 0 {
		s.IRR &^= mask
	}
}

// Ack is the INTA cycle: it returns the vector of the highest-priority
// request and marks it in service. With no request (it vanished, or was
// masked, between INTR and INTA) it returns the master's IRQ7 vector
// (or the slave's IRQ15 vector when the master's IR2 was requesting)
// without setting that ISR bit.
func (p *PIC) Ack() uint8 {
	m, sl := &p.State.Chips[0], &p.State.Chips[1]
	var vec uint8
	ir := m.pending(true)
	switch {
	case ir < 0:
		vec = m.Base + 7
	case ir == picCascadeIR:
		ir2 := sl.pending(false)
		if ir2 >= 0 {
			sl.intack(ir2)
			vec = sl.Base + uint8(ir2)
		} else {
			vec = sl.Base + 7
		}
		m.intack(ir)
	default:
		m.intack(ir)
		vec = m.Base + uint8(ir)
	}
	p.update()
	return vec
}

// reset is ICW1's initialisation.
func (s *PICChipState) reset() {
	*s = PICChipState{IRR: s.IRR & s.ELCR, ELCR: s.ELCR}
}

func (p *PIC) readChip(c int, off uint16) uint8 {
	s := &p.State.Chips[c]
	if off&1 == PICData {
		return s.IMR
	}
	if s.Poll {
		s.Poll = false
		return p.poll(c)
	}
	if s.ReadISR {
		return s.ISR
	}
	return s.IRR
}

// poll is the poll command: 0x80|IR when a request is pending (which is
// then acknowledged), else 0.
func (p *PIC) poll(c int) uint8 {
	s := &p.State.Chips[c]
	ir := s.pending(c == 0)
	if ir < 0 {
		return 0
	}
	s.intack(ir) // a master IR2 leaves the slave's request for its own poll
	p.update()
	return 0x80 | uint8(ir)
}

func (p *PIC) writeChip(c int, off uint16, v uint8) {
	s := &p.State.Chips[c]
	if off&1 == PICCommand {
		switch {
		case v&PICICW1 != 0:
			s.reset()
			s.InitState = 1
			s.Init4 = v&PICICW1IC4 != 0
			s.Single = v&PICICW1SNGL != 0
		case v&PICOCW3 != 0:
			if v&PICOCW3Poll != 0 {
				s.Poll = true
			}
			if v&PICOCW3RR != 0 {
				s.ReadISR = v&PICOCW3RIS != 0
			}
			if v&PICOCW3ESMM != 0 {
				s.SpecialMask = v&PICOCW3SMM != 0
			}
		default:
			p.ocw2(s, v)
		}
		p.update()
		return
	}
	switch s.InitState {
	case 0:
		s.IMR = v
	case 1:
		s.Base = v & 0xF8
		switch {
		case !s.Single:
			s.InitState = 2
		case s.Init4:
			s.InitState = 3
		default:
			s.InitState = 0
		}
	case 2:
		s.ICW3 = v
		if s.Init4 {
			s.InitState = 3
		} else {
			s.InitState = 0
		}
	case 3:
		s.SpecialNested = v&PICICW4SFNM != 0
		s.AutoEOI = v&PICICW4AEOI != 0
		s.InitState = 0
	}
	p.update()
}

func (p *PIC) ocw2(s *PICChipState, v uint8) {
	ir := v & 7
	switch v & 0xE0 {
	case PICOCW2RotateAEOIClear:
		s.RotateOnAEOI = false
	case PICOCW2RotateAEOISet:
		s.RotateOnAEOI = true
	case PICOCW2NonSpecificEOI, PICOCW2RotateEOI:
		pr := s.priority(s.ISR)
		if pr != 8 {
			top := (pr + s.PriorityAdd) & 7
			s.ISR &^= 1 << top
			if v&0xE0 == PICOCW2RotateEOI {
				s.PriorityAdd = (top + 1) & 7
			}
		}
	case PICOCW2SpecificEOI:
		s.ISR &^= 1 << ir
	case PICOCW2SetPriority:
		s.PriorityAdd = (ir + 1) & 7
	case PICOCW2RotateSpecific:
		s.ISR &^= 1 << ir
		s.PriorityAdd = (ir + 1) & 7
	}
}

// picPorts is one chip's port range.
type picPorts struct {
	p *PIC
	c int
}

// ReadPort implements PortDevice.
func (pp picPorts) ReadPort(off uint16, data []byte) {
	fill(data, 0)
	if len(data) > 0 {
		data[0] = pp.p.readChip(pp.c, off)
	}
}

// WritePort implements PortDevice.
func (pp picPorts) WritePort(off uint16, data []byte) {
	if len(data) > 0 {
		pp.p.writeChip(pp.c, off, data[0])
	}
}

// elcrPorts is the ELCR pair (0x4D0 master, 0x4D1 slave). IRQ 0, 1, 2, 8
// and 13 are always edge-triggered.
type elcrPorts struct{ p *PIC }

var elcrMask = [2]uint8{0xF8, 0xDE}

// ReadPort implements PortDevice.
func (e elcrPorts) ReadPort(off uint16, data []byte) {
	for i := range data {
		c := int(off) + i
		if c < 2 {
			data[i] = e.p.State.Chips[c].ELCR
		} else {
			data[i] = 0xFF
		}
	}
}

// WritePort implements PortDevice.
func (e elcrPorts) WritePort(off uint16, data []byte) {
	for i := range data {
		c := int(off) + i
		if c < 2 {
			e.p.State.Chips[c].ELCR = data[i] & elcrMask[c]
		}
	}
	e.p.update()
}

// SaveState implements Snapshotter.
func (p *PIC) SaveState() ([]byte, error) { return saveGob("pic", &p.State) }

// LoadState implements Snapshotter. INTR is not driven: the local APIC's
// snapshot holds its LINT0 level (and driving it into an APIC not yet
// restored could fire an edge there).
func (p *PIC) LoadState(b []byte) error {
	var s PICState
	if err := loadGob("pic", b, &s); err != nil {
		return err
	}
	p.State = s
	return nil
}
