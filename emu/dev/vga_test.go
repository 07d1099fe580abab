package dev

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestVGA: the registers read as SeaBIOS leaves QEMU's VGA in mode 3, the cursor
// registers take writes, CR0-7 are write-protected by CR11 bit 7, port 0x3DA toggles
// retrace on each read and resets the attribute flip-flop, and a 16-bit write to 0x3D4
// is index then data.
func TestVGA(t *testing.T) {
	v := NewVGA()
	crtc, st := v.CRTC(), v.Status()
	in := func(d PortDevice, off uint16) byte { b := []byte{0}; d.ReadPort(off, b); return b[0] }
	out := func(d PortDevice, off uint16, b byte) { d.WritePort(off, []byte{b}) }
	cr := func(i byte) byte { out(crtc, 0, i); return in(crtc, 1) }

	require.Equal(t, byte(0x00), in(v, 0), "the attribute flip-flop left expecting data")
	require.Equal(t, byte(0x0F), in(crtc, 0))
	require.Equal(t, byte(0xA0), in(crtc, 1), "the cursor after SeaBIOS's banner")
	require.Equal(t, byte(0x67), in(v, 0x0C), "misc output")
	require.Equal(t, byte(0x05), in(v, 0x0E))
	require.Equal(t, byte(0x10), in(v, 0x0F))
	require.Equal(t, []byte{0x09, 0x00, 0x09}, []byte{in(st, 0), in(st, 0), in(st, 0)})
	require.Equal(t, byte(0x20), in(v, 0), "0x3DA reset the flip-flop: the index reads")
	require.Equal(t, byte(0x5F), cr(0))
	require.Equal(t, byte(0x00), cr(0x41))

	out(crtc, 0, 0x0E)
	out(crtc, 1, 0x07)
	require.Equal(t, byte(0x07), cr(0x0E))
	out(crtc, 0, 0)
	out(crtc, 1, 0x33)
	require.Equal(t, byte(0x5F), cr(0), "CR0 write-protected")
	crtc.WritePort(0, []byte{0x0F, 0xD0})
	require.Equal(t, byte(0xD0), cr(0x0F), "outw is index then data")

	in(st, 0) // flip-flop to index
	out(v, 0, 0x06)
	out(v, 0, 0x3F)
	require.Equal(t, byte(0x3F), func() byte { out(v, 0, 0x06); return in(v, 1) }())

	b, err := v.SaveState()
	require.NoError(t, err)
	v2 := NewVGA()
	require.NoError(t, v2.LoadState(b))
	require.Equal(t, v.State, v2.State)
}
