package dev

// The parallel port LPT1 of QEMU's pc machine (0x378, IRQ 7) with nothing
// attached, in its standard (non-EPP) mode: data, status and control
// registers, the status handshake a write of STROBE starts, and the
// interrupt armed by INTEN; values as QEMU 7.2 shows them (read by
// emu/testdata/legacyprobe.S, which also sees SeaBIOS's 0xAA presence test
// in the data register).

// Ports and bits of the parallel port.
const (
	LPT1Base    = 0x378
	LPT1Size    = 3
	LPT1IRQ     = 7
	lptData     = 0
	lptStatus   = 1
	lptControl  = 2
	lptStsBusy  = 0x80 // the register bit is ~BUSY
	lptStsAck   = 0x40
	lptStsOnl   = 0x10
	lptStsErr   = 0x08
	lptStsTmout = 0x01
	lptCtlStrob = 0x01
	lptCtlInit  = 0x04
	lptCtlSel   = 0x08
	lptCtlIntEn = 0x10
	lptCtlDir   = 0x20
)

// LPTState is the port's registers.
type LPTState struct {
	DataW, DataR    uint8
	Status, Control uint8
	IRQPending      bool
}

// LPT is the parallel port.
type LPT struct {
	State LPTState
	irq   IRQLine
}

// NewLPT returns the port as SeaBIOS leaves it.
func NewLPT(irq IRQLine) *LPT {
	return &LPT{irq: irq, State: LPTState{
		DataW: 0xAA, DataR: 0xFF,
		Status:  lptStsBusy | lptStsAck | lptStsOnl | lptStsErr | lptStsTmout,
		Control: 0xC0 | lptCtlSel | lptCtlInit,
	}}
}

// ReadPort implements PortDevice.
func (l *LPT) ReadPort(off uint16, data []byte) {
	for i := range data {
		data[i] = l.read(off + uint16(i))
	}
}

func (l *LPT) read(off uint16) uint8 {
	s := &l.State
	switch off {
	case lptData:
		if s.Control&lptCtlDir != 0 {
			return s.DataR
		}
		return s.DataW
	case lptStatus:
		v := s.Status
		s.IRQPending = false
		// Nothing is attached: after a strobe the printer acknowledges on
		// the next reads, then reads busy again.
		if s.Status&lptStsBusy == 0 && s.Control&lptCtlStrob == 0 {
			if s.Status&lptStsAck != 0 {
				s.Status &^= lptStsAck
			} else {
				s.Status |= lptStsAck | lptStsBusy
			}
		}
		l.update()
		return v
	case lptControl:
		return s.Control
	}
	return 0xFF
}

// WritePort implements PortDevice.
func (l *LPT) WritePort(off uint16, data []byte) {
	for i, v := range data {
		l.write(off+uint16(i), v)
	}
}

func (l *LPT) write(off uint16, v uint8) {
	s := &l.State
	switch off {
	case lptData:
		s.DataW = v
		l.update()
	case lptControl:
		v |= 0xC0
		switch {
		case v&lptCtlInit == 0:
			s.Status = lptStsBusy | lptStsAck | lptStsOnl | lptStsErr
		case v&lptCtlSel != 0:
			if v&lptCtlStrob != 0 {
				s.Status &^= lptStsBusy
			} else if s.Control&lptCtlIntEn != 0 {
				s.IRQPending = true
			}
		}
		l.update()
		s.Control = v
	}
}

func (l *LPT) update() { l.irq.SetIRQ(l.State.IRQPending) }

// SaveState implements Snapshotter.
func (l *LPT) SaveState() ([]byte, error) { return saveGob("lpt", &l.State) }

// LoadState implements Snapshotter; the interrupt line follows the restored
// state.
func (l *LPT) LoadState(b []byte) error {
	if err := loadGob("lpt", b, &l.State); err != nil {
		return err
	}
	l.update()
	return nil
}
