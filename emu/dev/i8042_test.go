package dev

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestI8042: the status port as SeaBIOS leaves QEMU's controller, the controller
// commands a kernel's start-up runs, keyboard reset and identify, IRQ 1 while the
// output buffer is full, and port 0x92 with A20 on. The expected bytes were read on
// QEMU 7.2.
func TestI8042(t *testing.T) {
	var irq []bool
	k := NewI8042(IRQFunc(func(l bool) { irq = append(irq, l) }))
	in := func(d PortDevice) byte { b := []byte{0}; d.ReadPort(0, b); return b[0] }
	out := func(d PortDevice, v byte) { d.WritePort(0, []byte{v}) }
	cmd, data := k.Command(), k.Data()

	require.Equal(t, byte(0x1C), in(cmd))
	require.Equal(t, byte(0xFA), in(data), "the last byte SeaBIOS read")
	require.Equal(t, byte(0x02), in(k.Port92()))

	seq := []struct {
		port PortDevice
		v    byte
		want []byte
	}{
		{cmd, 0x20, []byte{0x61}},
		{cmd, 0xAA, []byte{0x55}},
		{cmd, 0xAB, []byte{0x00}},
		{cmd, 0xD0, []byte{0xCF}},
		{data, 0xFF, []byte{0xFA, 0xAA}},
		{data, 0xF2, []byte{0xFA, 0xAB, 0x41}},
		{data, 0xEE, []byte{0xEE}},
		{data, 0xF4, []byte{0xFA}},
	}
	for _, s := range seq {
		out(s.port, s.v)
		for _, w := range s.want {
			require.Equal(t, byte(0x1D), in(cmd), "status after %#x", s.v)
			require.Equal(t, w, in(data), "after %#x", s.v)
		}
		require.Equal(t, byte(0x1C), in(cmd), "status after %#x", s.v)
	}
	require.Equal(t, byte(0xFA), in(data), "an empty buffer repeats the last byte")
	require.NotEmpty(t, irq)
	require.False(t, irq[len(irq)-1], "IRQ 1 lowered once the buffer is empty")

	// Keyboard interrupt off: no IRQ; the configuration byte reads back.
	out(cmd, 0x60)
	out(data, 0x20)
	n := len(irq)
	out(cmd, 0x20)
	require.Equal(t, byte(0x20), in(data))
	require.Len(t, irq, n)

	b, err := k.SaveState()
	require.NoError(t, err)
	k2 := NewI8042(nil)
	require.NoError(t, k2.LoadState(b))
	require.Equal(t, k.State.Config, k2.State.Config)
}

// TestI8042Reset: the ways a guest pulls the reset line, as QEMU 7.2 takes
// them (each made QEMU with -no-reboot exit), and writes that do not.
func TestI8042Reset(t *testing.T) {
	k := NewI8042(nil)
	resets := 0
	k.SetReset(func() { resets++ })
	cmd, data, p92 := k.Command(), k.Data(), k.Port92()
	for _, c := range []struct {
		name  string
		do    func()
		reset bool
	}{
		{"command 0xFE", func() { out8(cmd, 0, 0xFE) }, true},
		{"pulse 0xF0", func() { out8(cmd, 0, 0xF0) }, true},
		{"pulse 0xF1 (bit 0 kept high)", func() { out8(cmd, 0, 0xF1) }, false},
		{"pulse 0xFF", func() { out8(cmd, 0, 0xFF) }, false},
		{"output port 0xFE", func() { out8(cmd, 0, 0xD1); out8(data, 0, 0xFE) }, true},
		{"output port 0xDF (A20 on)", func() { out8(cmd, 0, 0xD1); out8(data, 0, 0xDF) }, false},
		{"port 0x92 bit 0", func() { out8(p92, 0, 0x03) }, true},
		{"port 0x92 A20", func() { out8(p92, 0, 0x02) }, false},
		{"keyboard reset 0xFF on 0x60", func() { out8(data, 0, 0xFF) }, false},
	} {
		resets = 0
		c.do()
		require.Equal(t, c.reset, resets == 1, c.name)
		require.LessOrEqual(t, resets, 1, c.name)
	}
	require.Equal(t, uint8(port92A20), in8(p92, 0), "bit 0 reads back 0")
}
