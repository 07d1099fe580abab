package dev

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func cmosRead(c *CMOS, idx uint8) uint8 {
	out8(c, CMOSIndex, idx)
	return in8(c, CMOSData)
}

func cmosWrite(c *CMOS, idx, v uint8) {
	out8(c, CMOSIndex, idx)
	out8(c, CMOSData, v)
}

func TestCMOSTimeBCD24(t *testing.T) {
	clk := &fakeClock{}
	c := NewCMOS(clk, 128<<20, DefaultRTCBase)
	require.Equal(t, uint8(RTCB24), cmosRead(c, RTCRegB), "BCD, 24-hour")
	require.Equal(t, uint8(0x00), cmosRead(c, RTCSeconds))
	require.Equal(t, uint8(0x01), cmosRead(c, RTCDayOfMonth))
	require.Equal(t, uint8(0x01), cmosRead(c, RTCMonth))
	require.Equal(t, uint8(0x26), cmosRead(c, RTCYear))
	require.Equal(t, uint8(0x20), cmosRead(c, RTCCentury))
	require.Equal(t, uint8(5), cmosRead(c, RTCDayOfWeek), "2026-01-01 is a Thursday")
	// 13:59:59 later.
	clk.t = uint64((13*3600 + 59*60 + 59) * time.Second)
	require.Equal(t, uint8(0x59), cmosRead(c, RTCSeconds))
	require.Equal(t, uint8(0x59), cmosRead(c, RTCMinutes))
	require.Equal(t, uint8(0x13), cmosRead(c, RTCHours))
	require.Equal(t, uint8(RTCDVRT), cmosRead(c, RTCRegD))
}

func TestCMOSBinary12Hour(t *testing.T) {
	clk := &fakeClock{t: uint64((13*3600 + 5*60 + 7) * time.Second)}
	c := NewCMOS(clk, 0, time.Date(2031, 12, 31, 0, 0, 0, 0, time.UTC))
	cmosWrite(c, RTCRegB, RTCBDM) // binary, 12-hour
	require.Equal(t, uint8(7), cmosRead(c, RTCSeconds))
	require.Equal(t, uint8(5), cmosRead(c, RTCMinutes))
	require.Equal(t, uint8(0x80|1), cmosRead(c, RTCHours), "1 PM")
	require.Equal(t, uint8(31), cmosRead(c, RTCYear))
	require.Equal(t, uint8(12), cmosRead(c, RTCMonth))
	clk.t = uint64(30 * time.Minute)
	require.Equal(t, uint8(12), cmosRead(c, RTCHours), "00:30 is 12 AM")
}

func TestCMOSUIPDeterministic(t *testing.T) {
	clk := &fakeClock{}
	c := NewCMOS(clk, 0, DefaultRTCBase)
	require.Equal(t, uint8(0x26), cmosRead(c, RTCRegA))
	clk.t = 1_000_000_000 - rtcUIPNs - 1
	require.Zero(t, cmosRead(c, RTCRegA)&RTCAUIP)
	clk.t++
	require.NotZero(t, cmosRead(c, RTCRegA)&RTCAUIP)
	clk.t = 1_000_000_000
	require.Zero(t, cmosRead(c, RTCRegA)&RTCAUIP)
	require.Equal(t, uint8(0x01), cmosRead(c, RTCSeconds))
}

func TestCMOSSetTime(t *testing.T) {
	clk := &fakeClock{t: uint64(10 * time.Second)}
	c := NewCMOS(clk, 0, DefaultRTCBase)
	cmosWrite(c, RTCRegB, RTCBSet|RTCB24)
	clk.t += uint64(5 * time.Second)
	require.Equal(t, uint8(0x10), cmosRead(c, RTCSeconds), "frozen while SET")
	cmosWrite(c, RTCHours, 0x22)
	cmosWrite(c, RTCMinutes, 0x33)
	cmosWrite(c, RTCSeconds, 0x44)
	cmosWrite(c, RTCYear, 0x30)
	require.Equal(t, uint8(0x22), cmosRead(c, RTCHours))
	cmosWrite(c, RTCRegB, RTCB24)
	clk.t += uint64(2 * time.Second)
	require.Equal(t, uint8(0x46), cmosRead(c, RTCSeconds), "runs from the set time")
	require.Equal(t, uint8(0x30), cmosRead(c, RTCYear))
	// A write while running takes effect at once.
	cmosWrite(c, RTCMinutes, 0x00)
	require.Equal(t, uint8(0x00), cmosRead(c, RTCMinutes))
	require.Equal(t, uint8(0x46), cmosRead(c, RTCSeconds))
}

func TestCMOSRegisterCFlags(t *testing.T) {
	clk := &fakeClock{t: 500}
	c := NewCMOS(clk, 0, DefaultRTCBase)
	cmosRead(c, RTCRegC)
	require.Zero(t, cmosRead(c, RTCRegC))
	clk.t = 1_000_000_500
	require.Equal(t, uint8(RTCCUF|RTCCPF), cmosRead(c, RTCRegC), "flags set without enables, no IRQF")
	require.Zero(t, cmosRead(c, RTCRegC), "read clears")
	clk.t += 500_000 // half a 1024 Hz period
	require.Zero(t, cmosRead(c, RTCRegC)&RTCCPF)
	clk.t += 500_000
	require.Equal(t, uint8(RTCCPF), cmosRead(c, RTCRegC))
	cmosWrite(c, RTCRegA, 0x20) // rate 0: periodic off
	clk.t += 10_000_000
	require.Zero(t, cmosRead(c, RTCRegC))
}

func TestCMOSPeriodicInterrupt(t *testing.T) {
	clk := &fakeClock{}
	c := NewCMOS(clk, 0, DefaultRTCBase)
	irq := &irqRec{}
	c.SetIRQ(irq)
	_, ok := c.NextDeadline()
	require.False(t, ok, "no interrupt enabled")
	cmosWrite(c, RTCRegA, 0x2F) // 2 Hz
	cmosWrite(c, RTCRegB, RTCB24|RTCBPIE)
	for i := uint64(1); i <= 4; i++ {
		dl, ok := c.NextDeadline()
		require.True(t, ok)
		require.Equal(t, i*500_000_000, dl)
		clk.t = dl
		c.Advance(dl)
		require.True(t, irq.level)
		_, ok = c.NextDeadline()
		require.False(t, ok, "IRQ pending until register C is read")
		require.Equal(t, uint8(RTCCIRQF|RTCCPF), cmosRead(c, RTCRegC)&^RTCCUF)
		require.False(t, irq.level)
	}
	require.Equal(t, 4, irq.rises)
	// Rates 1 and 2 alias 256 and 128 Hz.
	cmosWrite(c, RTCRegA, 0x21)
	require.Equal(t, uint64(128), c.periodTicks())
	require.Equal(t, uint64(3_906_250), periodTime(1, c.periodTicks()))
	require.Equal(t, uint64(30518), periodTime(1, 1), "8192 Hz: rounded up")
}

func TestCMOSUpdateAndAlarmInterrupts(t *testing.T) {
	clk := &fakeClock{t: 100}
	c := NewCMOS(clk, 0, DefaultRTCBase)
	irq := &irqRec{}
	c.SetIRQ(irq)
	cmosWrite(c, RTCRegA, 0x20)
	cmosWrite(c, RTCRegB, RTCB24|RTCBUIE)
	dl, ok := c.NextDeadline()
	require.True(t, ok)
	require.Equal(t, uint64(1_000_000_000), dl)
	clk.t = dl
	c.Advance(dl)
	require.True(t, irq.level)
	require.Equal(t, uint8(RTCCIRQF|RTCCUF), cmosRead(c, RTCRegC))
	// Alarm at 00:00:05 (BCD); minutes and hours "don't care".
	cmosWrite(c, RTCAlarmSec, 0x05)
	cmosWrite(c, RTCAlarmMin, 0xC0)
	cmosWrite(c, RTCAlarmHour, 0xFF)
	cmosWrite(c, RTCRegB, RTCB24|RTCBAIE)
	dl, ok = c.NextDeadline()
	require.True(t, ok)
	require.Equal(t, uint64(5_000_000_000), dl)
	clk.t = dl
	c.Advance(dl)
	require.True(t, irq.level)
	require.Equal(t, uint8(RTCCIRQF|RTCCAF), cmosRead(c, RTCRegC)&^(RTCCUF))
	dl, _ = c.NextDeadline()
	require.Equal(t, uint64(65_000_000_000), dl, "next minute")
	// SET halts everything.
	cmosWrite(c, RTCRegB, RTCBSet|RTCB24|RTCBAIE)
	_, ok = c.NextDeadline()
	require.False(t, ok)
}

func TestCMOSMemoryBytes(t *testing.T) {
	cases := []struct {
		ram           uint64
		ext, m16, m4g uint32
	}{
		{128 << 20, 0xFFFF, (112 << 20) / 65536, 0},
		{16 << 20, 15 * 1024, 0, 0},
		{32 << 20, 31 * 1024, (16 << 20) / 65536, 0},
		{1 << 30, 0xFFFF, (1<<30 - 16<<20) / 65536, 0},
		{5 << 30, 0xFFFF, (0xE0000000 - 16<<20) / 65536, (5<<30 - 0xE0000000) / 65536},
	}
	for _, tc := range cases {
		c := NewCMOS(&fakeClock{}, tc.ram, DefaultRTCBase)
		rd16 := func(lo uint8) uint32 { return uint32(cmosRead(c, lo)) | uint32(cmosRead(c, lo+1))<<8 }
		require.Equal(t, uint32(640), rd16(CMOSBaseMemLo))
		require.Equal(t, tc.ext, rd16(CMOSExtMemLo), "ram %d", tc.ram)
		require.Equal(t, tc.ext, rd16(CMOSExtMem2Lo))
		require.Equal(t, tc.m16, rd16(CMOSMem16MLo), "ram %d", tc.ram)
		require.Equal(t, tc.m4g, rd16(CMOSMem4GLo)|uint32(cmosRead(c, CMOSMem4GLo+2))<<16)
		require.Zero(t, cmosRead(c, CMOSChecksumHi), "no checksum, as in QEMU")
		c.Checksum()
		sum := uint16(0)
		for i := uint8(0x10); i <= 0x2D; i++ {
			sum += uint16(cmosRead(c, i))
		}
		require.Equal(t, sum, uint16(cmosRead(c, CMOSChecksumHi))<<8|uint16(cmosRead(c, CMOSChecksumLo)))
	}
}

func TestCMOSIndexAndNMI(t *testing.T) {
	c := NewCMOS(&fakeClock{}, 0, DefaultRTCBase)
	out8(c, CMOSIndex, 0x80|0x40)
	require.True(t, c.NMIMasked())
	out8(c, CMOSData, 0xAB)
	require.Equal(t, uint8(0xAB), cmosRead(c, 0x40), "bit 7 is not part of the index")
	require.False(t, c.NMIMasked())
	require.Equal(t, uint8(0xFF), in8(c, CMOSIndex), "index port reads all-ones")
	c.SetByte(0x10, 0x40)
	require.Equal(t, uint8(0x40), cmosRead(c, 0x10))
	cmosWrite(c, RTCRegD, 0)
	require.Equal(t, uint8(RTCDVRT), cmosRead(c, RTCRegD), "read-only")
}

func TestCMOSSnapshot(t *testing.T) {
	clk := &fakeClock{t: 42 * 1_000_000_000}
	c := NewCMOS(clk, 64<<20, DefaultRTCBase)
	cmosWrite(c, RTCMinutes, 0x15)
	cmosWrite(c, 0x50, 0x99)
	d := NewCMOS(clk, 0, time.Unix(0, 0))
	roundTrip(t, c, d)
	for _, r := range []uint8{RTCSeconds, RTCMinutes, RTCHours, RTCYear, 0x50, CMOSExtMemLo} {
		require.Equal(t, cmosRead(c, r), cmosRead(d, r))
	}
}
