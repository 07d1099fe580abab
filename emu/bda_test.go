package emu

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBIOSDataArea: the fields kernels look up in the BIOS data area hold what SeaBIOS
// leaves there on QEMU (the PC probe compares the whole area on both machines).
func TestBIOSDataArea(t *testing.T) {
	m := newTestMachine(t)
	var b [bdaSize]byte
	m.ReadPhys(bdaBase, b[:])
	u16 := func(off int) uint16 { return binary.LittleEndian.Uint16(b[off:]) }
	require.Equal(t, uint16(0x3F8), u16(0x00), "COM1")
	require.Equal(t, uint16(0x9FC0), u16(0x0E), "EBDA segment")
	require.Equal(t, uint16(639), u16(0x13), "base memory KiB")
	require.Equal(t, uint8(3), b[0x49], "video mode")
	require.Equal(t, uint16(80), u16(0x4A), "columns")
	require.Equal(t, uint16(0x3D4), u16(0x63), "CRTC port")
	var ebda [2]byte
	m.ReadPhys(ebdaBase, ebda[:])
	require.Equal(t, uint16(1), binary.LittleEndian.Uint16(ebda[:]), "EBDA size in KiB")
}
