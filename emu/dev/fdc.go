package dev

// The floppy disk controller of QEMU's pc machine (an 82078-compatible FDC
// at 0x3F0, IRQ 6, DMA channel 2) with no disk in either drive: the status
// registers, the DOR with its reset, and the command phases of the
// commands a driver issues before it touches a medium (SENSE INTERRUPT
// STATUS with the four reset statuses, SPECIFY, SENSE DRIVE STATUS,
// RECALIBRATE, SEEK, VERSION, CONFIGURE, LOCK, DUMPREG, PERPENDICULAR MODE,
// PART ID); values as QEMU 7.2 shows them (read by
// emu/testdata/legacyprobe.S). Data transfer commands are not accepted:
// they read as invalid commands.

// Ports and bits of the floppy controller. 0x3F6 belongs to the IDE
// primary channel; 0x3F0 (status register A) is not decoded on QEMU's
// ISA FDC.
const (
	FDCBase       = 0x3F1
	FDCSize       = 5 // 0x3F1-0x3F5
	FDCDIRPort    = 0x3F7
	FDCIRQ        = 6
	fdcSRB        = 0 // offsets from FDCBase
	fdcDOR        = 1
	fdcTDR        = 2
	fdcMSR        = 3 // read; DSR on write
	fdcFIFO       = 4
	fdcDORReset   = 0x04 // nRESET
	fdcDORDMA     = 0x08
	fdcMSRRQM     = 0x80
	fdcMSRDIO     = 0x40
	fdcMSRBusy    = 0x10
	fdcST0Invalid = 0x80
	fdcST0Seek    = 0x20
	fdcST0RdyChg  = 0xC0
	fdcResetSense = 4
	fdcVersion    = 0x90
)

// fdcParams is the number of parameter bytes of each accepted command
// (indexed by the command byte; -1: not accepted).
var fdcParams = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	t[0x03], t[0x04], t[0x07], t[0x08], t[0x0F] = 2, 1, 1, 0, 2
	t[0x10], t[0x12], t[0x13], t[0x14], t[0x94] = 0, 1, 3, 0, 0
	t[0x0E], t[0x18] = 0, 0
	return
}()

// FDCState is the controller's state.
type FDCState struct {
	DOR, TDR, DSR   uint8
	Cmd             []byte // the command being collected
	Want            int    // its length with parameters
	Result          []byte // the result bytes not yet read
	ST0             uint8
	Track           [4]uint8
	Head            [4]uint8
	ResetSense      int
	IntPending      bool
	Timer0, Timer1  uint8
	Lock            bool
	Config, Precomp uint8
	Perpendicular   uint8
}

// FDC is the floppy controller.
type FDC struct {
	State FDCState
	irq   IRQLine
}

// NewFDC returns the controller as SeaBIOS leaves it: out of reset, DMA
// enabled, no interrupt pending.
func NewFDC(irq IRQLine) *FDC {
	return &FDC{irq: irq, State: FDCState{DOR: fdcDORReset | fdcDORDMA, Config: 0x60}}
}

// DIR returns the digital input register port (0x3F7): the disk-change
// line is set, there being no medium.
func (f *FDC) DIR() PortDevice { return fdcDIR{} }

type fdcDIR struct{}

func (fdcDIR) ReadPort(off uint16, data []byte) { fill(data, 0x80) }
func (fdcDIR) WritePort(uint16, []byte)         {} // CCR: the data rate, unobservable

func (f *FDC) msr() uint8 {
	s := &f.State
	switch {
	case len(s.Result) > 0:
		return fdcMSRRQM | fdcMSRDIO | fdcMSRBusy
	case len(s.Cmd) > 0:
		return fdcMSRRQM | fdcMSRBusy
	}
	return fdcMSRRQM
}

// ReadPort implements PortDevice.
func (f *FDC) ReadPort(off uint16, data []byte) {
	for i := range data {
		data[i] = f.read(off + uint16(i))
	}
}

func (f *FDC) read(off uint16) uint8 {
	s := &f.State
	switch off {
	case fdcSRB:
		return 0xC0
	case fdcDOR:
		return s.DOR
	case fdcTDR:
		return s.TDR
	case fdcMSR:
		// Reading the MSR wakes the controller: a DOR reset in progress
		// ends without the reset's interrupt (QEMU's model).
		s.DOR |= fdcDORReset
		return f.msr()
	case fdcFIFO:
		if len(s.Result) == 0 {
			return 0
		}
		v := s.Result[0]
		s.Result = s.Result[1:]
		if len(s.Result) == 0 {
			s.Result = nil
		}
		return v
	}
	return 0xFF
}

// WritePort implements PortDevice.
func (f *FDC) WritePort(off uint16, data []byte) {
	for i, v := range data {
		f.write(off+uint16(i), v)
	}
}

func (f *FDC) write(off uint16, v uint8) {
	s := &f.State
	switch off {
	case fdcDOR:
		if s.DOR&fdcDORReset == 0 && v&fdcDORReset != 0 {
			f.reset()
		}
		s.DOR = v
	case fdcTDR:
		if s.DOR&fdcDORReset != 0 {
			s.TDR = v & 3
		}
	case fdcMSR:
		s.DSR = v
	case fdcFIFO:
		if len(s.Result) > 0 {
			return
		}
		if len(s.Cmd) == 0 {
			n := fdcParams[v]
			if n < 0 {
				s.Result = []byte{fdcST0Invalid}
				return
			}
			s.Want = 1 + int(n)
		}
		s.Cmd = append(s.Cmd, v)
		if len(s.Cmd) >= s.Want {
			cmd := s.Cmd
			s.Cmd, s.Want = nil, 0
			f.execute(cmd)
		}
	}
}

// reset is the end of a DOR reset: the controller idles and owes four
// SENSE INTERRUPT STATUS results, with an interrupt.
func (f *FDC) reset() {
	s := &f.State
	s.Cmd, s.Want, s.Result = nil, 0, nil
	s.ST0 = fdcST0RdyChg
	s.ResetSense = fdcResetSense
	f.raise()
}

func (f *FDC) raise() {
	if !f.State.IntPending {
		f.State.IntPending = true
		f.irq.SetIRQ(true)
	}
}

func (f *FDC) lower() {
	if f.State.IntPending {
		f.State.IntPending = false
		f.irq.SetIRQ(false)
	}
}

func (f *FDC) execute(c []byte) {
	s := &f.State
	drive := func(b byte) int { return int(b & 3) }
	switch c[0] {
	case 0x08: // SENSE INTERRUPT STATUS
		switch {
		case s.ResetSense > 0:
			d := fdcResetSense - s.ResetSense
			s.Result = []byte{fdcST0RdyChg | uint8(d), s.Track[d]}
			s.ResetSense--
		case s.IntPending:
			d := int(s.ST0 & 3)
			s.Result = []byte{s.ST0, s.Track[d]}
		default:
			s.Result = []byte{fdcST0Invalid}
			return
		}
		f.lower()
	case 0x03: // SPECIFY
		s.Timer0 = c[1] >> 4 & 0xF
		s.Timer1 = c[2] >> 1
		if c[2]&1 != 0 {
			s.DOR &^= fdcDORDMA
		} else {
			s.DOR |= fdcDORDMA
		}
	case 0x04: // SENSE DRIVE STATUS
		d := drive(c[1])
		s.Head[d] = c[1] >> 2 & 1
		st3 := uint8(0x68) | uint8(d) | s.Head[d]<<2
		if s.Track[d] == 0 {
			st3 |= 0x10
		}
		s.Result = []byte{st3}
	case 0x07: // RECALIBRATE
		d := drive(c[1])
		s.Track[d] = 0
		s.ST0 = fdcST0Seek | uint8(d)
		f.raise()
	case 0x0F: // SEEK
		d := drive(c[1])
		s.Head[d] = c[1] >> 2 & 1
		s.Track[d] = c[2]
		s.ST0 = fdcST0Seek | uint8(d) | s.Head[d]<<2
		f.raise()
	case 0x10: // VERSION
		s.Result = []byte{fdcVersion}
	case 0x12: // PERPENDICULAR MODE
		s.Perpendicular = c[1]
	case 0x13: // CONFIGURE
		s.Config, s.Precomp = c[2], c[3]
	case 0x14, 0x94: // UNLOCK, LOCK
		s.Lock = c[0]&0x80 != 0
		var r uint8
		if s.Lock {
			r = 0x10
		}
		s.Result = []byte{r}
	case 0x0E: // DUMPREG
		var dma, lock uint8
		if s.DOR&fdcDORDMA != 0 {
			dma = 1
		}
		if s.Lock {
			lock = 0x80
		}
		s.Result = []byte{s.Track[0], s.Track[1], s.Track[2], s.Track[3], s.Timer0,
			s.Timer1<<1 | dma, 0xFF, lock | (s.Perpendicular&3)<<2, s.Config, s.Precomp}
	case 0x18: // PART ID
		s.Result = []byte{0x41}
	}
}

// SaveState implements Snapshotter.
func (f *FDC) SaveState() ([]byte, error) { return saveGob("fdc", &f.State) }

// LoadState implements Snapshotter.
func (f *FDC) LoadState(b []byte) error {
	if err := loadGob("fdc", b, &f.State); err != nil {
		return err
	}
	if f.State.Want < 0 || f.State.Want > 16 || len(f.State.Cmd) > 16 || len(f.State.Result) > 16 {
		return ideError("fdc: load state: command or result longer than any command's")
	}
	f.irq.SetIRQ(f.State.IntPending)
	return nil
}
