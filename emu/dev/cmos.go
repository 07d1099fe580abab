package dev

import (
	"math/bits"
	"time"
)

// CMOS port offsets relative to 0x70.
const (
	CMOSIndex = 0 // bits 6:0 register index, bit 7 NMI disable
	CMOSData  = 1
	CMOSSize  = 2

	CMOSNMIDisable = 0x80
)

// RTC and CMOS register indexes.
const (
	RTCSeconds    = 0x00
	RTCAlarmSec   = 0x01
	RTCMinutes    = 0x02
	RTCAlarmMin   = 0x03
	RTCHours      = 0x04
	RTCAlarmHour  = 0x05
	RTCDayOfWeek  = 0x06 // 1 = Sunday
	RTCDayOfMonth = 0x07
	RTCMonth      = 0x08
	RTCYear       = 0x09
	RTCRegA       = 0x0A
	RTCRegB       = 0x0B
	RTCRegC       = 0x0C
	RTCRegD       = 0x0D
	RTCCentury    = 0x32

	CMOSBaseMemLo  = 0x15 // base memory in KiB (640)
	CMOSBaseMemHi  = 0x16
	CMOSExtMemLo   = 0x17 // KiB above 1 MiB, at most 0xFFFF
	CMOSExtMemHi   = 0x18
	CMOSChecksumHi = 0x2E // sum of 0x10-0x2D
	CMOSChecksumLo = 0x2F
	CMOSExtMem2Lo  = 0x30 // copy of 0x17/0x18
	CMOSExtMem2Hi  = 0x31
	CMOSMem16MLo   = 0x34 // 64 KiB blocks above 16 MiB (below 4 GiB)
	CMOSMem16MHi   = 0x35
	CMOSMem4GLo    = 0x5B // 64 KiB blocks above 4 GiB, 3 bytes
	CMOSNbCPUs     = 0x5F // CPUs - 1 (QEMU)
)

// Status register bits.
const (
	RTCAUIP  = 0x80 // update in progress (register A)
	RTCBSet  = 0x80 // register B: updates halted, time writable
	RTCBPIE  = 0x40
	RTCBAIE  = 0x20
	RTCBUIE  = 0x10
	RTCBDM   = 0x04 // binary (else BCD)
	RTCB24   = 0x02 // 24-hour (else 12-hour, bit 7 of hours = PM)
	RTCCIRQF = 0x80 // register C: an enabled flag is set (IRQ 8 asserted)
	RTCCPF   = 0x40 // periodic
	RTCCAF   = 0x20 // alarm
	RTCCUF   = 0x10 // update ended
	RTCARate = 0x0F // register A: periodic rate select
	RTCDVRT  = 0x80 // register D: valid RAM and time
	rtcRegA0 = 0x26 // 32.768 kHz time base, 1024 Hz rate
	// rtcUIPNs is how long before each second's update UIP reads 1.
	rtcUIPNs = 244_000
)

// DefaultRTCBase is the wall-clock time at guest time 0.
var DefaultRTCBase = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// CMOSState is the CMOS/RTC's snapshot state.
type CMOSState struct {
	Index  uint8
	NMIOff bool
	RAM    [128]byte // registers other than the time (A-D, alarms, CMOS bytes)
	Base   int64     // Unix seconds at guest time 0
	Offset int64     // seconds the guest moved the clock by
	Frozen int64     // Unix seconds shown while register B SET is 1
	// Register C flags are brought up to date lazily (sync) from LastSync.
	Flags    uint8
	LastSync uint64
	IRQLevel bool
	AlarmAt  uint64 // guest ns of the next alarm match (AlarmOK)
	AlarmOK  bool
}

// CMOS is the MC146818-style RTC with its CMOS RAM at ports 0x70/0x71.
// The time is Base + guest seconds (+ what the guest set), in BCD or binary
// and 12- or 24-hour format as register B says. UIP (register A bit 7)
// reads 1 during the last 244 us of every guest second, so pollers see the
// same sequence on every run. Register B's SET bit freezes the time and
// makes it writable; time writes also take effect while running (as in
// QEMU). Register C's update-ended, periodic (rate from register A, 32.768
// kHz time base) and alarm (0xC0-0xFF alarm bytes match anything) flags
// follow the virtual clock; with their enables in register B they assert
// IRQ 8 (SetIRQ) until register C is read.
type CMOS struct {
	State CMOSState
	clk   Clock
	irq   IRQLine
}

// NewCMOS returns the CMOS with the memory-size bytes QEMU's pc machine
// sets for ramBytes of RAM (0x15-0x18, 0x30-0x31, 0x34-0x35, 0x5B-0x5D,
// 0x5F; no checksum, as in QEMU) and the RTC reading base at guest time 0.
func NewCMOS(clk Clock, ramBytes uint64, base time.Time) *CMOS {
	c := &CMOS{clk: clk, irq: NoIRQ}
	s := &c.State
	s.Base = base.Unix()
	s.RAM[RTCRegA] = rtcRegA0
	s.RAM[RTCRegB] = RTCB24
	s.RAM[RTCRegD] = RTCDVRT
	s.RAM[CMOSBaseMemLo], s.RAM[CMOSBaseMemHi] = 640&0xFF, 640>>8
	below4g := min(ramBytes, 0xE000_0000) // QEMU's pc below-4G split
	ext := uint64(0)
	if below4g > 1<<20 {
		ext = min((below4g-(1<<20))/1024, 0xFFFF)
	}
	s.RAM[CMOSExtMemLo], s.RAM[CMOSExtMemHi] = byte(ext), byte(ext>>8)
	s.RAM[CMOSExtMem2Lo], s.RAM[CMOSExtMem2Hi] = byte(ext), byte(ext>>8)
	m16 := uint64(0)
	if below4g > 16<<20 {
		m16 = min((below4g-(16<<20))/65536, 0xFFFF)
	}
	s.RAM[CMOSMem16MLo], s.RAM[CMOSMem16MHi] = byte(m16), byte(m16>>8)
	above := (ramBytes - below4g) / 65536
	s.RAM[CMOSMem4GLo], s.RAM[CMOSMem4GLo+1], s.RAM[CMOSMem4GLo+2] = byte(above), byte(above>>8), byte(above>>16)
	s.RAM[CMOSNbCPUs] = 0
	return c
}

// SetIRQ connects the RTC's interrupt output (IRQ 8 of the PIC).
func (c *CMOS) SetIRQ(irq IRQLine) {
	if irq == nil {
		irq = NoIRQ
	}
	c.irq = irq
}

// SetByte sets a CMOS RAM byte (not an RTC time register).
func (c *CMOS) SetByte(idx uint8, v uint8) {
	c.State.RAM[idx&0x7F] = v
}

// Checksum stores the PC/AT checksum of bytes 0x10-0x2D at 0x2E/0x2F.
// QEMU leaves these bytes 0, so NewCMOS does not call it.
func (c *CMOS) Checksum() {
	sum := uint16(0)
	for i := 0x10; i <= 0x2D; i++ {
		sum += uint16(c.State.RAM[i])
	}
	c.State.RAM[CMOSChecksumHi], c.State.RAM[CMOSChecksumLo] = byte(sum>>8), byte(sum)
}

// NMIMasked reports bit 7 of the last index write (NMI disabled).
func (c *CMOS) NMIMasked() bool { return c.State.NMIOff }

func (c *CMOS) now() uint64 {
	if c.clk == nil {
		return 0
	}
	return c.clk.Now()
}

func (c *CMOS) setMode() bool { return c.State.RAM[RTCRegB]&RTCBSet != 0 }

// unix returns the RTC's current time in Unix seconds.
func (c *CMOS) unix() int64 {
	if c.setMode() {
		return c.State.Frozen
	}
	return c.State.Base + c.State.Offset + int64(c.now()/1_000_000_000)
}

func bcd(v int) byte { return byte(v/10%10<<4 | v%10) }

func unbcd(b byte) int { return int(b>>4)*10 + int(b&0xF) }

// timeRegs encodes t into the time registers (index -> value).
func (c *CMOS) timeRegs(unix int64) map[uint8]byte {
	t := time.Unix(unix, 0).UTC()
	b := c.State.RAM[RTCRegB]
	enc := func(v int) byte {
		if b&RTCBDM != 0 {
			return byte(v)
		}
		return bcd(v)
	}
	hms := c.encodeHMS(unix)
	return map[uint8]byte{
		RTCSeconds:    hms[2],
		RTCMinutes:    hms[1],
		RTCHours:      hms[0],
		RTCDayOfWeek:  enc(int(t.Weekday()) + 1),
		RTCDayOfMonth: enc(t.Day()),
		RTCMonth:      enc(int(t.Month())),
		RTCYear:       enc(t.Year() % 100),
		RTCCentury:    enc(t.Year() / 100),
	}
}

// fromRegs decodes the time registers (day of week is ignored).
func (c *CMOS) fromRegs(r map[uint8]byte) int64 {
	b := c.State.RAM[RTCRegB]
	dec := func(v byte) int {
		if b&RTCBDM != 0 {
			return int(v)
		}
		return unbcd(v)
	}
	hour := 0
	if b&RTCB24 != 0 {
		hour = dec(r[RTCHours])
	} else {
		hour = dec(r[RTCHours]&0x7F) % 12
		if r[RTCHours]&0x80 != 0 {
			hour += 12
		}
	}
	year := dec(r[RTCCentury])*100 + dec(r[RTCYear])
	t := time.Date(year, time.Month(dec(r[RTCMonth])), dec(r[RTCDayOfMonth]),
		hour, dec(r[RTCMinutes]), dec(r[RTCSeconds]), 0, time.UTC)
	return t.Unix()
}

func isTimeReg(i uint8) bool {
	switch i {
	case RTCSeconds, RTCMinutes, RTCHours, RTCDayOfWeek, RTCDayOfMonth, RTCMonth, RTCYear, RTCCentury:
		return true
	}
	return false
}

// ReadPort implements PortDevice.
func (c *CMOS) ReadPort(off uint16, data []byte) {
	fill(data, 0xFF)
	if len(data) == 0 || off != CMOSData {
		return // the index register is write-only
	}
	data[0] = c.readReg(c.State.Index)
}

func (c *CMOS) readReg(i uint8) byte {
	s := &c.State
	switch {
	case isTimeReg(i):
		return c.timeRegs(c.unix())[i]
	case i == RTCRegA:
		v := s.RAM[RTCRegA] &^ RTCAUIP
		if !c.setMode() && c.now()%1_000_000_000 >= 1_000_000_000-rtcUIPNs {
			v |= RTCAUIP
		}
		return v
	case i == RTCRegC:
		c.sync(c.now())
		v := s.Flags
		if s.IRQLevel {
			v |= RTCCIRQF
		}
		s.Flags = 0
		c.update()
		return v
	case i == RTCRegD:
		return RTCDVRT
	}
	return s.RAM[i]
}

// WritePort implements PortDevice.
func (c *CMOS) WritePort(off uint16, data []byte) {
	if len(data) == 0 {
		return
	}
	v := data[0]
	if off == CMOSIndex {
		c.State.Index = v & 0x7F
		c.State.NMIOff = v&CMOSNMIDisable != 0
		return
	}
	if off == CMOSData {
		c.writeReg(c.State.Index, v)
	}
}

func (c *CMOS) writeReg(i uint8, v byte) {
	s := &c.State
	c.sync(c.now())
	switch {
	case isTimeReg(i):
		regs := c.timeRegs(c.unix())
		regs[i] = v
		c.setUnix(c.fromRegs(regs))
	case i == RTCRegA:
		s.RAM[RTCRegA] = v &^ RTCAUIP
	case i == RTCRegB:
		wasSet := c.setMode()
		if v&RTCBSet != 0 && !wasSet {
			s.Frozen = c.unix()
		}
		if v&RTCBSet != 0 {
			v &^= RTCBUIE // SET clears UIE
		}
		s.RAM[RTCRegB] = v
		if v&RTCBSet == 0 && wasSet {
			c.setUnix(s.Frozen)
		}
	case i == RTCRegC, i == RTCRegD:
		// Read-only.
	default:
		s.RAM[i] = v
	}
	c.rearmAlarm()
	c.update()
}

// periodTicks returns the periodic interrupt's period in 32.768 kHz
// cycles, or 0 when off. Rates 1 and 2 alias 8 and 9 (256 and 128 Hz).
func (c *CMOS) periodTicks() uint64 {
	r := uint(c.State.RAM[RTCRegA] & RTCARate)
	if r == 0 {
		return 0
	}
	if r <= 2 {
		r += 7
	}
	return 1 << (r - 1)
}

// periodIndex is the number of periodic ticks before guest time ns.
func periodIndex(ns, period uint64) uint64 {
	// hi < 32768 < the divisor, so Div64 cannot overflow.
	hi, lo := bits.Mul64(ns, 32768)
	q, _ := bits.Div64(hi, lo, period*1_000_000_000)
	return q
}

// periodTime is the guest ns of periodic tick k (rounded up).
func periodTime(k, period uint64) uint64 {
	hi, lo := bits.Mul64(k, period*1_000_000_000)
	if hi >= 32768 {
		return ^uint64(0)
	}
	q, r := bits.Div64(hi, lo, 32768)
	if r != 0 {
		q++
	}
	return q
}

// sync brings the register C flags up to now.
func (c *CMOS) sync(now uint64) {
	s := &c.State
	last := s.LastSync
	if now <= last {
		return
	}
	s.LastSync = now
	if c.setMode() {
		return // the clock is halted: no updates, alarms or ticks counted
	}
	if now/1_000_000_000 > last/1_000_000_000 {
		s.Flags |= RTCCUF
	}
	if p := c.periodTicks(); p != 0 && periodIndex(now, p) > periodIndex(last, p) {
		s.Flags |= RTCCPF
	}
	if s.AlarmOK && now >= s.AlarmAt {
		s.Flags |= RTCCAF
		c.rearmAlarm()
	}
	c.update()
}

// update drives IRQ 8: high while an enabled flag is set.
func (c *CMOS) update() {
	s := &c.State
	level := s.Flags&s.RAM[RTCRegB]&(RTCCPF|RTCCAF|RTCCUF) != 0
	if level != s.IRQLevel {
		s.IRQLevel = level
		c.irq.SetIRQ(level)
	}
}

// rearmAlarm finds the next second boundary at which the time matches the
// alarm bytes (within a day; an alarm that never matches is off). Alarms
// are only tracked while AIE is set, so AF is not reported to pollers
// with AIE clear.
func (c *CMOS) rearmAlarm() {
	s := &c.State
	s.AlarmOK = false
	if c.setMode() || s.RAM[RTCRegB]&RTCBAIE == 0 {
		return
	}
	sec := c.now() / 1_000_000_000
	cur := c.unix()
	want := [3]byte{s.RAM[RTCAlarmHour], s.RAM[RTCAlarmMin], s.RAM[RTCAlarmSec]}
	for d := int64(1); d <= 86400; d++ {
		got := c.encodeHMS(cur + d)
		match := true
		for k := range want {
			if want[k]&0xC0 != 0xC0 && want[k] != got[k] {
				match = false
				break
			}
		}
		if match {
			s.AlarmAt, s.AlarmOK = (sec+uint64(d))*1_000_000_000, true
			return
		}
	}
}

// encodeHMS returns the hours, minutes and seconds registers for unix.
func (c *CMOS) encodeHMS(unix int64) [3]byte {
	tod := unix % 86400
	if tod < 0 {
		tod += 86400
	}
	h, m, sec := int(tod/3600), int(tod/60%60), int(tod%60)
	b := c.State.RAM[RTCRegB]
	enc := func(v int) byte {
		if b&RTCBDM != 0 {
			return byte(v)
		}
		return bcd(v)
	}
	var hr byte
	if b&RTCB24 != 0 {
		hr = enc(h)
	} else {
		h12 := h % 12
		if h12 == 0 {
			h12 = 12
		}
		hr = enc(h12)
		if h >= 12 {
			hr |= 0x80
		}
	}
	return [3]byte{hr, enc(m), enc(sec)}
}

// NextDeadline implements Timed: the next event that would assert IRQ 8.
func (c *CMOS) NextDeadline() (uint64, bool) {
	s := &c.State
	if s.IRQLevel || c.setMode() {
		return 0, false
	}
	en := s.RAM[RTCRegB]
	best, ok := uint64(0), false
	consider := func(t uint64) {
		if !ok || t < best {
			best, ok = t, true
		}
	}
	if en&RTCBUIE != 0 {
		consider((s.LastSync/1_000_000_000 + 1) * 1_000_000_000)
	}
	if p := c.periodTicks(); p != 0 && en&RTCBPIE != 0 {
		consider(periodTime(periodIndex(s.LastSync, p)+1, p))
	}
	if en&RTCBAIE != 0 && s.AlarmOK {
		consider(s.AlarmAt)
	}
	return best, ok
}

// Advance implements Timed.
func (c *CMOS) Advance(now uint64) { c.sync(now) }

// setUnix makes the RTC read unix now.
func (c *CMOS) setUnix(unix int64) {
	if c.setMode() {
		c.State.Frozen = unix
		return
	}
	c.State.Offset = unix - c.State.Base - int64(c.now()/1_000_000_000)
}

// SaveState implements Snapshotter.
func (c *CMOS) SaveState() ([]byte, error) { return saveGob("cmos", &c.State) }

// LoadState implements Snapshotter.
func (c *CMOS) LoadState(b []byte) error {
	var s CMOSState
	if err := loadGob("cmos", b, &s); err != nil {
		return err
	}
	c.State = s
	return nil
}
