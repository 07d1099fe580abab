package dev

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func newPITTest() (*PIT, *fakeClock, *irqRec) {
	clk := &fakeClock{}
	irq := &irqRec{}
	return NewPIT(clk, irq), clk, irq
}

func TestPITTickMath(t *testing.T) {
	require.Equal(t, uint64(PITHz), pitTicks(1_000_000_000))
	require.Equal(t, uint64(1_000_000_000), pitTime(PITHz))
	for _, k := range []uint64{1, 2, 1193, 11932, 65536, 1 << 40, 123456789012345} {
		tm := pitTime(k)
		require.Equal(t, k, pitTicks(tm), "k=%d", k)
		require.Equal(t, k-1, pitTicks(tm-1), "k=%d", k)
	}
	// No overflow on very long runs.
	require.Equal(t, uint64(PITHz)*3600*24*365, pitTicks(1_000_000_000*3600*24*365))
	require.Equal(t, ^uint64(0), pitTime(^uint64(0)))
}

func TestPITMode2RateGenerator(t *testing.T) {
	p, clk, irq := newPITTest()
	_, ok := p.NextDeadline()
	require.False(t, ok, "nothing programmed")
	clk.t = 500
	out8(p, PITControl, 0x34) // ch0, lo/hi, mode 2
	out8(p, PITChannel0, 1193&0xFF)
	out8(p, PITChannel0, 1193>>8)
	dl, ok := p.NextDeadline()
	require.True(t, ok)
	require.Equal(t, 500+pitTime(1193), dl)
	p.Advance(dl - 1)
	require.Zero(t, irq.rises)
	p.Advance(dl)
	require.Equal(t, 1, irq.rises)
	require.False(t, irq.level, "a pulse")
	dl2, _ := p.NextDeadline()
	require.Equal(t, 500+pitTime(2*1193), dl2)
	// Skipping many periods coalesces into one edge and schedules the next.
	p.Advance(500 + pitTime(10*1193) + 5)
	require.Equal(t, 2, irq.rises)
	dl3, _ := p.NextDeadline()
	require.Equal(t, 500+pitTime(11*1193), dl3)
	// The count read back: lo/hi, computed from the clock.
	clk.t = 500 + pitTime(100)
	lo := in8(p, PITChannel0)
	hi := in8(p, PITChannel0)
	require.Equal(t, uint16(1193-100), uint16(hi)<<8|uint16(lo))
}

func TestPITMode3SquareWave(t *testing.T) {
	p, clk, irq := newPITTest()
	out8(p, PITControl, 0x36) // ch0, lo/hi, mode 3
	out8(p, PITChannel0, 11932&0xFF)
	out8(p, PITChannel0, 11932>>8)
	c := &p.State.Ch[0]
	require.True(t, c.out(0))
	require.True(t, c.out(pitTime(5965)))
	require.False(t, c.out(pitTime(5966)), "low for the second half")
	require.True(t, c.out(pitTime(11932)))
	for i := 1; i <= 3; i++ {
		dl, ok := p.NextDeadline()
		require.True(t, ok)
		require.Equal(t, pitTime(uint64(i)*11932), dl)
		clk.t = dl
		p.Advance(dl)
		require.Equal(t, i, irq.rises)
	}
	// Counting down by two.
	clk.t = 3*pitTime(11932) + pitTime(10)
	out8(p, PITControl, 0x00) // latch ch0
	lo, hi := in8(p, PITChannel0), in8(p, PITChannel0)
	require.Equal(t, uint16(11932-20), uint16(hi)<<8|uint16(lo))
}

func TestPITLatchHoldsValue(t *testing.T) {
	p, clk, _ := newPITTest()
	out8(p, PITControl, 0x34)
	out8(p, PITChannel0, 0)
	out8(p, PITChannel0, 0) // 65536
	clk.t = pitTime(1000)
	out8(p, PITControl, 0x00)
	clk.t = pitTime(2000)
	lo := in8(p, PITChannel0)
	out8(p, PITControl, 0x00) // a second latch before reading is ignored
	hi := in8(p, PITChannel0)
	require.Equal(t, uint16(65536-1000), uint16(hi)<<8|uint16(lo))
	lo, hi = in8(p, PITChannel0), in8(p, PITChannel0)
	require.Equal(t, uint16(65536-2000), uint16(hi)<<8|uint16(lo), "latch released after both bytes")
}

func TestPITAccessModes(t *testing.T) {
	p, clk, _ := newPITTest()
	out8(p, PITControl, 0x10) // ch0, lobyte only, mode 0
	out8(p, PITChannel0, 200)
	clk.t = pitTime(50)
	require.Equal(t, uint8(150), in8(p, PITChannel0))
	require.Equal(t, uint8(150), in8(p, PITChannel0), "lobyte mode reads the low byte each time")
	out8(p, PITControl, 0x20) // hibyte only
	out8(p, PITChannel0, 0x02)
	require.Equal(t, uint32(0x200), p.State.Ch[0].Reload)
	require.Equal(t, uint8(0x02), in8(p, PITChannel0))
	require.Equal(t, uint8(0x00), in8(p, PITControl), "control register is write-only: reads 0 as on QEMU")
}

func TestPITMode0OneShot(t *testing.T) {
	p, clk, irq := newPITTest()
	out8(p, PITControl, 0x30) // ch0 lo/hi mode 0
	require.False(t, p.State.Ch[0].out(0), "OUT low after the control word")
	out8(p, PITChannel0, 100)
	out8(p, PITChannel0, 0)
	dl, ok := p.NextDeadline()
	require.True(t, ok)
	require.Equal(t, pitTime(100), dl)
	clk.t = dl
	p.Advance(dl)
	require.Equal(t, 1, irq.rises)
	_, ok = p.NextDeadline()
	require.False(t, ok, "one shot")
	require.True(t, p.State.Ch[0].out(clk.t))
	// After terminal count the counter wraps and keeps counting.
	clk.t = pitTime(101)
	lo, hi := in8(p, PITChannel0), in8(p, PITChannel0)
	require.Equal(t, uint16(0xFFFF), uint16(hi)<<8|uint16(lo))
}

func TestPITMode4Strobe(t *testing.T) {
	p, _, irq := newPITTest()
	out8(p, PITControl, 0x38) // mode 4
	out8(p, PITChannel0, 10)
	out8(p, PITChannel0, 0)
	c := &p.State.Ch[0]
	require.True(t, c.out(pitTime(9)))
	require.False(t, c.out(pitTime(10)))
	require.True(t, c.out(pitTime(11)))
	dl, _ := p.NextDeadline()
	require.Equal(t, pitTime(11), dl)
	p.Advance(dl)
	require.Equal(t, 1, irq.rises)
}

func TestPITChannel2PortB(t *testing.T) {
	p, clk, irq := newPITTest()
	b := p.PortB()
	// The classic calibration: gate on, speaker off, ch2 mode 0, poll OUT2.
	out8(b, 0, (in8(b, 0)&^PortBSpeaker)|PortBGate2)
	out8(p, PITControl, 0xB0) // ch2 lo/hi mode 0
	out8(p, PITChannel2, 0xFF)
	out8(p, PITChannel2, 0xFF)
	require.Zero(t, in8(b, 0)&PortBOut2)
	clk.t = pitTime(0xFFFF) - 1
	require.Zero(t, in8(b, 0)&PortBOut2)
	clk.t = pitTime(0xFFFF)
	require.NotZero(t, in8(b, 0)&PortBOut2)
	require.Zero(t, irq.rises, "channel 2 has no IRQ")
	_, ok := p.NextDeadline()
	require.False(t, ok)
	require.Equal(t, uint8(PortBGate2), in8(b, 0)&(PortBGate2|PortBSpeaker))
	out8(b, 0, PortBSpeaker)
	require.Equal(t, uint8(PortBSpeaker), in8(b, 0)&(PortBGate2|PortBSpeaker))
}

func TestPITGatePausesMode0(t *testing.T) {
	p, clk, _ := newPITTest()
	b := p.PortB()
	out8(p, PITControl, 0xB0)
	out8(p, PITChannel2, 100)
	out8(p, PITChannel2, 0)
	clk.t = pitTime(500)
	out8(p, PITControl, 0x80) // latch ch2
	require.Equal(t, uint8(100), in8(p, PITChannel2), "gate low: not counting")
	in8(p, PITChannel2)
	out8(b, 0, PortBGate2)
	clk.t += pitTime(30)
	out8(p, PITControl, 0x80)
	require.Equal(t, uint8(70), in8(p, PITChannel2))
	in8(p, PITChannel2)
	out8(b, 0, 0)
	clk.t += pitTime(1000)
	out8(p, PITControl, 0x80)
	require.Equal(t, uint8(70), in8(p, PITChannel2), "paused again")
}

func TestPITRefreshToggles(t *testing.T) {
	p, clk, _ := newPITTest()
	b := p.PortB()
	seen := map[bool]int{}
	for clk.t = 0; clk.t < 100_000; clk.t += 1000 {
		seen[in8(b, 0)&PortBRefresh != 0]++
	}
	require.NotZero(t, seen[true])
	require.NotZero(t, seen[false])
}

func TestPITReadBack(t *testing.T) {
	p, clk, _ := newPITTest()
	out8(p, PITControl, 0x34)
	require.True(t, p.State.Ch[0].NullCount)
	out8(p, PITControl, 0xE2) // read-back status only, ch0
	require.Equal(t, uint8(PITStatusOut|PITStatusNullCount|0x34), in8(p, PITChannel0))
	out8(p, PITChannel0, 0x10)
	out8(p, PITChannel0, 0x00)
	clk.t = pitTime(4)
	out8(p, PITControl, 0xC2) // count and status
	require.Equal(t, uint8(PITStatusOut|0x34), in8(p, PITChannel0), "status first")
	require.Equal(t, uint8(0x0C), in8(p, PITChannel0))
	require.Equal(t, uint8(0x00), in8(p, PITChannel0))
}

func TestPITBCD(t *testing.T) {
	p, clk, _ := newPITTest()
	out8(p, PITControl, 0x35) // mode 2, BCD
	out8(p, PITChannel0, 0x00)
	out8(p, PITChannel0, 0x10) // 1000 decimal
	require.Equal(t, uint32(1000), p.State.Ch[0].Reload)
	clk.t = pitTime(1)
	lo, hi := in8(p, PITChannel0), in8(p, PITChannel0)
	require.Equal(t, uint16(0x0999), uint16(hi)<<8|uint16(lo))
}

func TestPITSnapshot(t *testing.T) {
	p, clk, irq := newPITTest()
	out8(p, PITControl, 0x34)
	out8(p, PITChannel0, 0x9C)
	out8(p, PITChannel0, 0x2E)
	clk.t = 12345
	out8(p, PITControl, 0x00)
	q := NewPIT(clk, irq)
	roundTrip(t, p, q)
	a, _ := p.NextDeadline()
	b, _ := q.NextDeadline()
	require.Equal(t, a, b)
	require.Equal(t, in8(p, PITChannel0), in8(q, PITChannel0))
}

func TestPITGateRestartsMode2(t *testing.T) {
	p, clk, _ := newPITTest()
	b := p.PortB()
	out8(b, 0, PortBGate2)
	out8(p, PITControl, 0xB4) // ch2 lo/hi mode 2
	out8(p, PITChannel2, 100)
	out8(p, PITChannel2, 0)
	clk.t = pitTime(40)
	out8(b, 0, 0) // gate low: count frozen, OUT high
	clk.t += pitTime(1000)
	out8(p, PITControl, 0x80)
	require.Equal(t, uint8(60), in8(p, PITChannel2))
	in8(p, PITChannel2)
	require.NotZero(t, in8(b, 0)&PortBOut2)
	out8(b, 0, PortBGate2) // rising edge: reload
	out8(p, PITControl, 0x80)
	require.Equal(t, uint8(100), in8(p, PITChannel2))
	in8(p, PITChannel2)
	clk.t += pitTime(99)
	require.Zero(t, in8(b, 0)&PortBOut2, "low for the last count")
}

func TestPITSetupLikeBIOS(t *testing.T) {
	p, _, irq := newPITTest()
	p.SetupLikeBIOS()
	out8(p, PITControl, 0xE2)
	// QEMU reads 0x34 here: its mode 2 OUT is high only on the reload tick;
	// the 8254 (and this model) keeps OUT high except for the last count.
	require.Equal(t, uint8(PITStatusOut|0x34), in8(p, PITChannel0))
	dl, ok := p.NextDeadline()
	require.True(t, ok)
	require.Equal(t, pitTime(65536), dl, "18.2 Hz")
	p.Advance(dl)
	require.Equal(t, 1, irq.rises)
}
