package dev

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeClock is a settable virtual clock.
type fakeClock struct{ t uint64 }

func (c *fakeClock) Now() uint64 { return c.t }

// irqRec records the levels driven on an IRQ line.
type irqRec struct {
	level  bool
	rises  int
	events []bool
}

func (r *irqRec) SetIRQ(level bool) {
	if level && !r.level {
		r.rises++
	}
	r.level = level
	r.events = append(r.events, level)
}

func in8(d PortDevice, off uint16) uint8 {
	var b [1]byte
	d.ReadPort(off, b[:])
	return b[0]
}

func out8(d PortDevice, off uint16, v uint8) { d.WritePort(off, []byte{v}) }

func in16(d PortDevice, off uint16) uint16 {
	var b [2]byte
	d.ReadPort(off, b[:])
	return uint16(getLE(b[:]))
}

func out16(d PortDevice, off uint16, v uint16) { d.WritePort(off, []byte{byte(v), byte(v >> 8)}) }

func out32(d PortDevice, off uint16, v uint32) {
	var b [4]byte
	putLE(b[:], uint64(v))
	d.WritePort(off, b[:])
}

func mmio32(d MMIODevice, off uint64) uint32 {
	var b [4]byte
	d.ReadMMIO(off, b[:])
	return uint32(getLE(b[:]))
}

func wmmio32(d MMIODevice, off uint64, v uint32) {
	var b [4]byte
	putLE(b[:], uint64(v))
	d.WriteMMIO(off, b[:])
}

// roundTrip saves a, loads into b and checks b saves the same bytes.
func roundTrip(t *testing.T, a, b Snapshotter) {
	t.Helper()
	s1, err := a.SaveState()
	require.NoError(t, err)
	require.NoError(t, b.LoadState(s1))
	s2, err := b.SaveState()
	require.NoError(t, err)
	require.Equal(t, s1, s2)
	require.Error(t, b.LoadState([]byte("garbage")))
}
