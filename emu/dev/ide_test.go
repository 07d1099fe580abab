package dev

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// ideRegs reads device/head, error, count, LBA low/mid/high and status.
func ideRegs(c *IDEChannel) []uint8 {
	return []uint8{in8(c, 6), in8(c, 1), in8(c, 2), in8(c, 3), in8(c, 4), in8(c, 5), in8(c.Control(), 0), in8(c, 7)}
}

// TestIDEEmptyChannel: the primary channel without drives reads zeros in
// every register whatever is written, and its master position interrupts
// on every command while its slave position ignores them.
func TestIDEEmptyChannel(t *testing.T) {
	irq := &irqRec{}
	c := NewIDEPrimary(irq)
	require.Equal(t, make([]uint8, 8), ideRegs(c))
	out8(c, 2, 0x55)
	out8(c, 6, 0xEF)
	require.Equal(t, make([]uint8, 8), ideRegs(c))
	require.Equal(t, uint16(0), in16(c, 0))
	out8(c, 6, 0xA0)
	out8(c, 7, 0xEC)
	require.True(t, irq.level, "IDENTIFY to the empty master interrupts")
	in8(c, 7)
	require.False(t, irq.level, "a status read lowers the line")
	out8(c, 6, 0xB0)
	out8(c, 7, 0xEC)
	require.False(t, irq.level, "the absent slave ignores commands")
}

// TestIDECDROM: the secondary master's signature, IDENTIFY (PACKET)
// DEVICE, and the ATAPI sense of an empty drive, register by register as
// the probe read them on QEMU.
func TestIDECDROM(t *testing.T) {
	irq := &irqRec{}
	c := NewIDESecondary(irq)
	require.Equal(t, []uint8{0xB0, 0, 0, 0, 0, 0, 0, 0}, ideRegs(c), "the slave position selected, as SeaBIOS left it")
	out8(c, 6, 0xA0)
	require.Equal(t, []uint8{0xA0, 0, 0, 0, 0, 0, 0x50, 0x50}, ideRegs(c))

	out8(c, 7, 0xEC)
	require.True(t, irq.level)
	require.Equal(t, []uint8{0xA0, 0x04, 0x01, 0x01, 0x14, 0xEB, 0x41, 0x41}, ideRegs(c), "IDENTIFY DEVICE aborts with the ATAPI signature")
	require.False(t, irq.level)

	out8(c, 7, 0xA1)
	require.True(t, irq.level)
	require.Equal(t, uint8(0x58), in8(c, 7))
	var id [256]uint16
	for i := range id {
		id[i] = in16(c, 0)
	}
	require.Equal(t, uint8(0x50), in8(c, 7), "DRQ drops after 256 words")
	require.Equal(t, uint16(0x85C0), id[0])
	require.Equal(t, [10]uint16{0x514D, 0x3030, 0x3030, 0x3320, 0x2020, 0x2020, 0x2020, 0x2020, 0x2020, 0x2020}, [10]uint16(id[10:20]), "serial QM00003")
	require.Equal(t, [2]uint16{0x322E, 0x352B}, [2]uint16(id[23:25]), "firmware 2.5+")
	require.Equal(t, uint16(0x203F), id[88])

	// SET FEATURES: PIO mode 3 clears the selected Ultra DMA mode.
	out8(c, 1, 0x03)
	out8(c, 2, 0x0B)
	out8(c, 7, 0xEF)
	require.Equal(t, uint8(0x50), in8(c, 7))
	out8(c, 7, 0xA1)
	for i := range id {
		id[i] = in16(c, 0)
	}
	require.Equal(t, uint16(0x003F), id[88])

	packet := func(p ...byte) {
		out8(c, 1, 0)
		out8(c, 4, 0x00)
		out8(c, 5, 0x02)
		out8(c, 7, 0xA0)
		require.Equal(t, []uint8{0xA0, 0, 1}, ideRegs(c)[:3])
		require.Equal(t, uint8(0x58), in8(c, 7))
		p = append(p, make([]byte, 12-len(p))...)
		for i := 0; i < 12; i += 2 {
			out16(c, 0, uint16(p[i])|uint16(p[i+1])<<8)
		}
	}
	packet(0x00) // TEST UNIT READY
	require.Equal(t, []uint8{0xA0, 0x20, 0x03, 0x01, 0x00, 0x02, 0x41, 0x41}, ideRegs(c), "NOT READY")
	packet(0x03, 0, 0, 0, 18) // REQUEST SENSE
	require.Equal(t, []uint8{0xA0, 0x00, 0x02, 0x01, 0x12, 0x00, 0x58, 0x58}, ideRegs(c))
	var sense []byte
	for i := 0; i < 9; i++ {
		w := in16(c, 0)
		sense = append(sense, byte(w), byte(w>>8))
	}
	require.Equal(t, []byte{0xF0, 0, 0x02, 0, 0, 0, 0, 0x0A, 0, 0, 0, 0, 0x3A, 0, 0, 0, 0, 0}, sense, "medium not present")
	require.Equal(t, []uint8{0xA0, 0x00, 0x03, 0x01, 0x12, 0x00, 0x50, 0x50}, ideRegs(c))
	packet(0xFF)
	require.Equal(t, uint8(0x50), in8(c, 1), "ILLEGAL REQUEST")
	packet(0x12, 0, 0, 0, 36) // INQUIRY
	var inq []byte
	for i := 0; i < 18; i++ {
		w := in16(c, 0)
		inq = append(inq, byte(w), byte(w>>8))
	}
	require.Equal(t, "QEMU    QEMU DVD-ROM    2.5+", string(inq[8:]))

	// nIEN: no interrupt; SRST: the reset signature, status 0.
	out8(c.Control(), 0, 0x02)
	in8(c, 7)
	out8(c, 7, 0xEC)
	require.False(t, irq.level)
	out8(c.Control(), 0, 0x06)
	out8(c.Control(), 0, 0x02)
	require.Equal(t, []uint8{0xA0, 0x01, 0x01, 0x01, 0x14, 0xEB, 0, 0}, ideRegs(c))
	out8(c, 6, 0xB0)
	require.Equal(t, []uint8{0xB0, 0, 0x01, 0x01, 0xFF, 0xFF, 0, 0}, ideRegs(c))
}

// TestIDEBusyIgnoresCommands: while DRQ is set only DEVICE RESET is taken.
func TestIDEBusyIgnoresCommands(t *testing.T) {
	c := NewIDESecondary(NoIRQ)
	out8(c, 6, 0xA0)
	out8(c, 7, 0xA1)
	out8(c, 7, 0xEC)
	require.Equal(t, uint8(0x58), in8(c, 7))
	out8(c, 7, 0x08)
	require.Equal(t, []uint8{0xA0, 0, 1, 1, 0x14, 0xEB, 0, 0}, ideRegs(c))
	require.Equal(t, uint16(0), in16(c, 0), "no data after the reset")
}

// TestIDESnapshot: a channel in the middle of a transfer round-trips.
func TestIDESnapshot(t *testing.T) {
	a := NewIDESecondary(NoIRQ)
	out8(a, 6, 0xA0)
	out8(a, 7, 0xA1)
	in16(a, 0)
	b := NewIDEPrimary(NoIRQ)
	roundTrip(t, a, b)
	require.Equal(t, in16(a, 0), in16(b, 0))
	require.Equal(t, ideRegs(a), ideRegs(b))
}
