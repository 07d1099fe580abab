package dev

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDMARegisters: address and count registers through the flip-flop on
// both controllers (the second one's ports two apart), the page registers
// that exist, the mask written each way and the master clear.
func TestDMARegisters(t *testing.T) {
	d := NewDMA()
	d1, d2, pg := d.DMA1(), d.DMA2(), d.Pages()
	require.Equal(t, uint8(0xFF), in8(d1, 9), "all masked")
	require.Equal(t, uint8(0xFE), in8(d2, 0x12), "the cascade channel unmasked")
	require.Equal(t, uint8(0xFE), in8(d2, 0x13), "odd ports alias")

	out8(d1, 0x0C, 0)
	out8(d1, 2, 0x34)
	out8(d1, 2, 0x12)
	out8(d1, 3, 0x78)
	out8(d1, 3, 0x56)
	require.Equal(t, []uint8{0x34, 0x56}, []uint8{in8(d1, 2), in8(d1, 3)}, "the flip-flop is shared by all registers")
	out8(d1, 0x0C, 0)
	require.Equal(t, []uint8{0x34, 0x12, 0x78, 0x56}, []uint8{in8(d1, 2), in8(d1, 2), in8(d1, 3), in8(d1, 3)})
	out8(d2, 0x18, 0)
	out8(d2, 4, 0xBC)
	out8(d2, 5, 0x9A)
	require.Equal(t, []uint8{0xBC, 0x9A}, []uint8{in8(d2, 4), in8(d2, 4)})

	out8(pg, 3, 0x5A)
	out8(pg, 4, 0x33)
	require.Equal(t, uint8(0x5A), in8(pg, 3))
	require.Equal(t, uint8(0xFF), in8(pg, 4), "0x84 is not a page register")
	require.Equal(t, uint8(0xFF), in8(pg, 0), "nor is 0x80")

	out8(d1, 0x0A, 0x01)
	require.Equal(t, uint8(0xFD), in8(d1, 9))
	out8(d1, 0x0E, 0)
	require.Equal(t, uint8(0x00), in8(d1, 9))
	out8(d1, 0x0F, 0x0A)
	require.Equal(t, uint8(0x0A), in8(d1, 9))
	out8(d1, 0x09, 0x06) // a request on channel 2: status bit 6
	require.Equal(t, uint8(0x40), in8(d1, 8))
	out8(d1, 0x0D, 0)
	require.Equal(t, []uint8{0xFF, 0x00, 0x34}, []uint8{in8(d1, 9), in8(d1, 8), in8(d1, 2)}, "master clear keeps the registers")

	e := NewDMA()
	roundTrip(t, d, e)
	require.Equal(t, in8(d.DMA1(), 3), in8(e.DMA1(), 3))
}

// TestLPT: the registers as SeaBIOS leaves them, the direction bit, the
// strobe handshake with nothing attached and the INTEN interrupt.
func TestLPT(t *testing.T) {
	irq := &irqRec{}
	l := NewLPT(irq)
	require.Equal(t, []uint8{0xAA, 0xD9, 0xCC}, []uint8{in8(l, 0), in8(l, 1), in8(l, 2)})
	out8(l, 0, 0x55)
	out8(l, 2, 0x0F) // strobe: not busy
	require.Equal(t, []uint8{0x55, 0x59, 0xCF}, []uint8{in8(l, 0), in8(l, 1), in8(l, 2)})
	out8(l, 2, 0x2C) // strobe released, data in
	require.Equal(t, []uint8{0xFF, 0x59, 0xEC}, []uint8{in8(l, 0), in8(l, 1), in8(l, 2)})
	require.Equal(t, uint8(0x19), in8(l, 1), "acknowledged")
	require.Equal(t, uint8(0xD9), in8(l, 1), "busy again")

	out8(l, 2, 0x1C) // INTEN
	require.False(t, irq.level)
	out8(l, 2, 0x1C) // select without strobe with INTEN set: an interrupt
	require.True(t, irq.level)
	in8(l, 1)
	require.False(t, irq.level, "a status read clears it")

	m := NewLPT(NoIRQ)
	roundTrip(t, l, m)
}

// TestFDC: the registers, a DOR reset with its interrupt and four sense
// statuses, the commands' results as read on QEMU, the MSR through the
// phases, and that reading the MSR during a reset ends it without one.
func TestFDC(t *testing.T) {
	irq := &irqRec{}
	f := NewFDC(irq)
	dir := f.DIR()
	require.Equal(t, []uint8{0xC0, 0x0C, 0x00, 0x80, 0x00, 0x80}, []uint8{in8(f, 0), in8(f, 1), in8(f, 2), in8(f, 3), in8(f, 4), in8(dir, 0)})
	cmd := func(b ...uint8) []uint8 {
		for _, v := range b {
			out8(f, fdcFIFO, v)
		}
		var r []uint8
		for in8(f, fdcMSR)&0xC0 == 0xC0 && len(r) < 16 {
			r = append(r, in8(f, fdcFIFO))
		}
		return r
	}
	require.Equal(t, []uint8{0x80}, cmd(0x08), "nothing to sense")

	out8(f, fdcDOR, 0x08)
	in8(f, fdcMSR)
	out8(f, fdcDOR, 0x0C)
	require.False(t, irq.level, "the MSR read ended the reset")

	out8(f, fdcDOR, 0x08)
	out8(f, fdcDOR, 0x0C)
	require.True(t, irq.level)
	for i := uint8(0); i < 4; i++ {
		require.Equal(t, []uint8{0xC0 + i, 0}, cmd(0x08))
	}
	require.False(t, irq.level)
	require.Equal(t, []uint8{0x80}, cmd(0x08))
	require.Equal(t, []uint8{0x90}, cmd(0x10))
	out8(f, fdcFIFO, 0x03)
	require.Equal(t, uint8(0x90), in8(f, fdcMSR), "waiting for parameters")
	require.Empty(t, cmd(0xDF, 0x02))
	require.Equal(t, []uint8{0x78}, cmd(0x04, 0x00))
	require.Equal(t, []uint8{0x79}, cmd(0x04, 0x01))
	require.Empty(t, cmd(0x0F, 0x00, 0x05))
	require.True(t, irq.level)
	require.Equal(t, []uint8{0x20, 0x05}, cmd(0x08))
	require.Equal(t, []uint8{0x80}, cmd(0xFF))
	require.Equal(t, []uint8{0x10}, cmd(0x94))
	require.Empty(t, cmd(0x13, 0x00, 0x57, 0x00))
	require.Equal(t, []uint8{0x05, 0, 0, 0, 0x0D, 0x03, 0xFF, 0x80, 0x57, 0x00}, cmd(0x0E))

	g := NewFDC(NoIRQ)
	roundTrip(t, f, g)
}
