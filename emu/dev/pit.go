package dev

import "math/bits"

// 8254 port offsets relative to 0x40, and port B (0x61).
const (
	PITChannel0 = 0
	PITChannel1 = 1
	PITChannel2 = 2
	PITControl  = 3
	PITSize     = 4
	PortBSize   = 1
)

// PITHz is the 8254's input clock: 1.193182 MHz.
const PITHz = 1193182

// Control word fields.
const (
	PITSelectShift = 6    // bits 7:6 channel, 3 = read-back
	PITAccessMask  = 0x30 // bits 5:4: 0 latch, 1 lobyte, 2 hibyte, 3 lo/hi
	PITModeMask    = 0x0E
	PITBCD         = 0x01
	PITAccessLatch = 0
	PITAccessLo    = 1
	PITAccessHi    = 2
	PITAccessLoHi  = 3
	PITReadBack    = 3
	// Read-back command bits (active low latch flags).
	PITRBNoCount  = 0x20
	PITRBNoStatus = 0x10
	// Status byte bits.
	PITStatusOut       = 0x80
	PITStatusNullCount = 0x40
)

// Port B bits.
const (
	PortBGate2   = 0x01 // channel 2 gate
	PortBSpeaker = 0x02 // speaker data enable
	PortBRefresh = 0x10 // toggles every ~15 us (read-only)
	PortBOut2    = 0x20 // channel 2 output (read-only)
	// portBRefreshNs is the half-period of the refresh toggle (QEMU's value).
	portBRefreshNs = 15085
)

// PITChannelState is one counter.
type PITChannelState struct {
	Mode          uint8
	Access        uint8 // PITAccess*
	BCD           bool
	Reload        uint32 // counter start value, 1..65536 (10000 in BCD)
	LoadTime      uint64 // guest ns when counting (re)started
	Counting      bool   // a count has been written (and, mode 1/5, triggered)
	Gate          bool
	Paused        bool   // mode 0/4 with gate low: counting suspended
	PausedAt      uint64 // elapsed ticks when paused
	ReadState     uint8  // next byte to read: 0 lo (lohi), 1 hi (lohi)
	WriteState    uint8  // next byte to write: 0 lo (lohi), 1 hi (lohi)
	WriteLatch    uint8  // low byte of a lo/hi write
	Latched       bool
	LatchValue    uint16
	LatchState    uint8 // lo/hi progress of the latched value
	StatusLatched bool
	Status        uint8
	NullCount     bool
	// Channel 0 IRQ scheduling: the elapsed tick of the next rising edge.
	Armed    bool
	NextEdge uint64
}

// PITState is the PIT's snapshot state.
type PITState struct {
	Ch      [3]PITChannelState
	Speaker bool // port B bit 1
}

// PIT is an 8254 programmable interval timer clocked at 1.193182 MHz from
// the virtual clock (exact integer math on guest ns). Channel 0's output
// rising edges pulse IRQ 0; channel 2's gate and output are on port B
// (0x61). Modes 0-5, lobyte/hibyte/lohi access, BCD, the counter latch and
// read-back commands are implemented; counts are computed from the clock
// when read. Channel 1 counts but is connected to nothing.
//
// OUT and the gate follow the 8254 data sheet, where QEMU's i8254 differs
// in ways no guest can rely on (its OUT polarity in modes 1, 2, 4 and 5 is
// inverted, and a low gate does not stop the count): here OUT is high in
// mode 2 except during the last count, low for one count in modes 4/5, and
// a low gate suspends counting in modes 0, 2, 3 and 4. IRQ 0 edges come at
// the same times as in QEMU (mode 4/5 one tick later).
type PIT struct {
	State PITState
	clk   Clock
	irq   IRQLine
}

// NewPIT returns the PIT after reset. irq is IRQ 0 of the PIC: each rising
// edge of channel 0's output is delivered as SetIRQ(true), SetIRQ(false).
func NewPIT(clk Clock, irq IRQLine) *PIT {
	if irq == nil {
		irq = NoIRQ
	}
	p := &PIT{clk: clk, irq: irq}
	for i := range p.State.Ch {
		p.State.Ch[i] = PITChannelState{Access: PITAccessLoHi, Reload: 0x10000, Gate: i != 2}
	}
	return p
}

// SetupLikeBIOS programs channel 0 as a PC BIOS leaves it: mode 2, lo/hi
// access, count 65536 (18.2 Hz), counting from now (SeaBIOS on QEMU reads
// back status 0x34 for channel 0).
func (p *PIT) SetupLikeBIOS() {
	p.writeControl(0x34)
	p.load(0, 0)
}

// PortB returns the port B device (attach at 0x61, size 1).
func (p *PIT) PortB() PortDevice { return portB{p} }

// pitTicks converts guest ns to PIT ticks: floor(ns * PITHz / 1e9).
func pitTicks(ns uint64) uint64 {
	hi, lo := bits.Mul64(ns, PITHz)
	q, _ := bits.Div64(hi, lo, 1_000_000_000)
	return q
}

// pitTime converts PIT ticks to the first guest ns at which they have
// elapsed: ceil(ticks * 1e9 / PITHz). Saturates instead of overflowing.
func pitTime(ticks uint64) uint64 {
	hi, lo := bits.Mul64(ticks, 1_000_000_000)
	if hi >= PITHz {
		return ^uint64(0)
	}
	q, r := bits.Div64(hi, lo, PITHz)
	if r != 0 {
		q++
	}
	return q
}

// elapsed returns the ticks counted since LoadTime.
func (c *PITChannelState) elapsed(now uint64) uint64 {
	if c.Paused {
		return c.PausedAt
	}
	if now < c.LoadTime {
		return 0
	}
	return pitTicks(now - c.LoadTime)
}

// modulus is the counter's wrap-around value.
func (c *PITChannelState) modulus() uint64 {
	if c.BCD {
		return 10000
	}
	return 0x10000
}

// count returns the counter value (binary) at now.
func (c *PITChannelState) count(now uint64) uint32 {
	if !c.Counting {
		return c.Reload % uint32(c.modulus())
	}
	e := c.elapsed(now)
	n := uint64(c.Reload)
	m := c.modulus()
	switch c.Mode {
	case 2:
		return uint32(n - e%n)
	case 3:
		cyc := e % n
		half := (n + 1) / 2
		if cyc >= half {
			cyc -= half
		}
		v := n - 2*cyc
		return uint32(v % m)
	default: // 0, 1, 4, 5: count down and wrap
		return uint32((n + m - e%m) % m)
	}
}

// out returns the output level at now.
func (c *PITChannelState) out(now uint64) bool {
	if !c.Counting {
		// Mode 0 drives low after the control word; the others high.
		return c.Mode != 0
	}
	e := c.elapsed(now)
	n := uint64(c.Reload)
	switch c.Mode {
	case 0, 1:
		return e >= n
	case 2:
		if !c.Gate {
			return true
		}
		return n == 1 || e%n != n-1
	case 3:
		if !c.Gate {
			return true
		}
		return e%n < (n+1)/2
	default: // 4, 5
		return e != n
	}
}

// nextEdge returns the elapsed tick of the first rising edge of the
// output after elapsed tick e, or false when there is none.
func (c *PITChannelState) nextEdge(e uint64) (uint64, bool) {
	n := uint64(c.Reload)
	switch c.Mode {
	case 0, 1:
		return n, e < n
	case 2, 3:
		return (e/n + 1) * n, true
	default: // 4, 5: low for one tick at n, high again at n+1
		return n + 1, e <= n
	}
}

// arm schedules channel 0's next IRQ edge after a (re)load or gate change.
func (p *PIT) arm(ci int, now uint64) {
	c := &p.State.Ch[ci]
	c.Armed = false
	if ci != 0 || !c.Counting || c.Paused || (!c.Gate && (c.Mode == 2 || c.Mode == 3)) {
		return
	}
	c.NextEdge, c.Armed = c.nextEdge(c.elapsed(now))
}

// NextDeadline implements Timed: channel 0's next output rising edge.
func (p *PIT) NextDeadline() (uint64, bool) {
	c := &p.State.Ch[0]
	if !c.Armed {
		return 0, false
	}
	d := pitTime(c.NextEdge)
	if d > ^uint64(0)-c.LoadTime {
		return ^uint64(0), true
	}
	return c.LoadTime + d, true
}

// Advance implements Timed: pulses IRQ 0 once if an edge is due (edges
// missed while the machine skipped time coalesce, as a latched IRR would).
func (p *PIT) Advance(now uint64) {
	t, ok := p.NextDeadline()
	if !ok || now < t {
		return
	}
	c := &p.State.Ch[0]
	p.irq.SetIRQ(true)
	p.irq.SetIRQ(false)
	c.NextEdge, c.Armed = c.nextEdge(c.elapsed(now))
}

func (p *PIT) now() uint64 {
	if p.clk == nil {
		return 0
	}
	return p.clk.Now()
}

// ReadPort implements PortDevice.
func (p *PIT) ReadPort(off uint16, data []byte) {
	fill(data, 0)
	if len(data) == 0 {
		return
	}
	if off >= PITControl {
		return // the control word register is write-only: reads give 0, as on QEMU
	}
	data[0] = p.readCounter(int(off))
}

func toBCD(v uint32) uint16 {
	v %= 10000
	return uint16(v%10 | (v/10%10)<<4 | (v/100%10)<<8 | (v/1000)<<12)
}

func fromBCD(v uint16) uint32 {
	return uint32(v&0xF) + 10*uint32(v>>4&0xF) + 100*uint32(v>>8&0xF) + 1000*uint32(v>>12&0xF)
}

func (p *PIT) readCounter(ci int) uint8 {
	c := &p.State.Ch[ci]
	if c.StatusLatched {
		c.StatusLatched = false
		return c.Status
	}
	var v uint16
	if c.Latched {
		v = c.LatchValue
	} else {
		cnt := c.count(p.now())
		if c.BCD {
			v = toBCD(cnt)
		} else {
			v = uint16(cnt)
		}
	}
	var b uint8
	switch c.Access {
	case PITAccessLo:
		b = uint8(v)
		c.Latched = false
	case PITAccessHi:
		b = uint8(v >> 8)
		c.Latched = false
	default:
		if c.ReadState == 0 {
			b = uint8(v)
			c.ReadState = 1
		} else {
			b = uint8(v >> 8)
			c.ReadState = 0
			c.Latched = false
		}
	}
	return b
}

// WritePort implements PortDevice.
func (p *PIT) WritePort(off uint16, data []byte) {
	if len(data) == 0 || off > PITControl {
		return
	}
	v := data[0]
	if off == PITControl {
		p.writeControl(v)
		return
	}
	c := &p.State.Ch[off]
	switch c.Access {
	case PITAccessLo:
		p.load(int(off), uint16(v))
	case PITAccessHi:
		p.load(int(off), uint16(v)<<8)
	default:
		if c.WriteState == 0 {
			c.WriteLatch = v
			c.WriteState = 1
		} else {
			c.WriteState = 0
			p.load(int(off), uint16(v)<<8|uint16(c.WriteLatch))
		}
	}
}

func (p *PIT) latch(c *PITChannelState, now uint64) {
	if c.Latched {
		return // a second latch before the first is read is ignored
	}
	cnt := c.count(now)
	if c.BCD {
		c.LatchValue = toBCD(cnt)
	} else {
		c.LatchValue = uint16(cnt)
	}
	c.Latched = true
	c.ReadState = 0
}

func (p *PIT) writeControl(v uint8) {
	now := p.now()
	sel := v >> PITSelectShift
	if sel == PITReadBack {
		for ci := range p.State.Ch {
			if v&(2<<uint(ci)) == 0 {
				continue
			}
			c := &p.State.Ch[ci]
			if v&PITRBNoCount == 0 {
				p.latch(c, now)
			}
			if v&PITRBNoStatus == 0 && !c.StatusLatched {
				st := c.Mode<<1 | c.Access<<4
				if c.BCD {
					st |= PITBCD
				}
				if c.out(now) {
					st |= PITStatusOut
				}
				if c.NullCount {
					st |= PITStatusNullCount
				}
				c.Status, c.StatusLatched = st, true
			}
		}
		return
	}
	c := &p.State.Ch[sel]
	access := (v & PITAccessMask) >> 4
	if access == PITAccessLatch {
		p.latch(c, now)
		return
	}
	mode := (v & PITModeMask) >> 1
	if mode > 5 {
		mode -= 4 // 6 and 7 are aliases of 2 and 3
	}
	c.Access, c.Mode, c.BCD = access, mode, v&PITBCD != 0
	c.ReadState, c.WriteState = 0, 0
	c.Latched, c.StatusLatched = false, false
	c.Counting, c.Paused = false, false
	c.NullCount = true
	p.arm(int(sel), now)
}

// load writes a new count: counting (re)starts now, except in modes 1 and
// 5 which wait for a gate rising edge.
func (p *PIT) load(ci int, raw uint16) {
	now := p.now()
	c := &p.State.Ch[ci]
	n := uint32(raw)
	if c.BCD {
		n = fromBCD(raw)
		if n == 0 {
			n = 10000
		}
	} else if n == 0 {
		n = 0x10000
	}
	c.Reload = n
	c.NullCount = false
	c.Paused = false
	c.LoadTime = now
	switch c.Mode {
	case 1, 5:
		c.Counting = false // armed, waits for a trigger
	default:
		c.Counting = true
		if !c.Gate {
			c.Paused, c.PausedAt = true, 0 // waits for the gate
		}
	}
	p.arm(ci, now)
}

// setGate drives channel ci's gate input.
func (p *PIT) setGate(ci int, level bool) {
	now := p.now()
	c := &p.State.Ch[ci]
	if c.Gate == level {
		return
	}
	c.Gate = level
	if level {
		switch c.Mode {
		case 1, 5:
			if !c.NullCount {
				c.Counting, c.LoadTime = true, now
			}
		case 2, 3:
			c.Paused, c.LoadTime = false, now // reload and restart
		case 0, 4:
			if c.Paused {
				c.Paused = false
				c.LoadTime = now - min(now, pitTime(c.PausedAt))
			}
		}
	} else if c.Counting && c.Mode != 1 && c.Mode != 5 {
		// Gate low suspends counting (modes 2 and 3 also force OUT high).
		c.PausedAt = c.elapsed(now)
		c.Paused = true
	}
	p.arm(ci, now)
}

// portB is port 0x61: channel 2 gate, speaker enable, channel 2 output and
// the refresh toggle.
type portB struct{ p *PIT }

// ReadPort implements PortDevice.
func (b portB) ReadPort(off uint16, data []byte) {
	fill(data, 0)
	if len(data) == 0 {
		return
	}
	now := b.p.now()
	c := &b.p.State.Ch[2]
	var v uint8
	if c.Gate {
		v |= PortBGate2
	}
	if b.p.State.Speaker {
		v |= PortBSpeaker
	}
	if (now/portBRefreshNs)&1 != 0 {
		v |= PortBRefresh
	}
	if c.out(now) {
		v |= PortBOut2
	}
	data[0] = v
}

// WritePort implements PortDevice.
func (b portB) WritePort(off uint16, data []byte) {
	if len(data) == 0 {
		return
	}
	b.p.State.Speaker = data[0]&PortBSpeaker != 0
	b.p.setGate(2, data[0]&PortBGate2 != 0)
}

// SaveState implements Snapshotter.
func (p *PIT) SaveState() ([]byte, error) { return saveGob("pit", &p.State) }

// LoadState implements Snapshotter.
func (p *PIT) LoadState(b []byte) error {
	var s PITState
	if err := loadGob("pit", b, &s); err != nil {
		return err
	}
	p.State = s
	return nil
}
