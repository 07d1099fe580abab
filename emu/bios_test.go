package emu

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/emu/firmware"
)

// TestBIOSInstalled: at power-on every interrupt vector points into the BIOS
// services' segment, the e820 table holds the machine's memory map, and the text
// screen is blank.
func TestBIOSInstalled(t *testing.T) {
	m := newConfiguredMachine(t, Config{Seed: 1})
	ram := m.MMU.RAM()
	l, err := firmware.ParseLayout(firmware.BIOS)
	require.NoError(t, err)
	for v := 0; v < 256; v++ {
		far := binary.LittleEndian.Uint32(ram[4*v:])
		require.Equal(t, uint32(firmware.BIOSSegment), far>>16, "vector %#x", v)
		lin := firmware.BIOSSegment<<4 + int(far&0xFFFF)
		require.GreaterOrEqual(t, lin, firmware.BIOSLoad, "vector %#x", v)
		require.Less(t, lin, firmware.BIOSLoad+len(firmware.BIOS), "vector %#x", v)
	}
	mm := MemoryMap(m.cfg.MemBytes)
	e := ram[firmware.BIOSLoad+l.E820:]
	require.Equal(t, len(mm), int(binary.LittleEndian.Uint16(e)))
	for i, r := range mm {
		b := e[2+20*i:]
		require.Equal(t, r.Base, binary.LittleEndian.Uint64(b))
		require.Equal(t, r.Length, binary.LittleEndian.Uint64(b[8:]))
		require.Equal(t, r.Type, binary.LittleEndian.Uint32(b[16:]))
	}
	require.Equal(t, uint16(blankCell), binary.LittleEndian.Uint16(ram[vgaText+2*(80*24+79):]))
	// The park stub the application processors wait in is part of the image.
	require.Equal(t, []byte{0xF4, 0xEB, 0xFD}, ram[parkStub:parkStub+3])
}

// TestBIOSLayoutErrors: a damaged image is refused with a reason.
func TestBIOSLayoutErrors(t *testing.T) {
	_, err := firmware.ParseLayout([]byte("nope"))
	require.ErrorContains(t, err, "no KBIO header")
	img := append([]byte(nil), firmware.BIOS...)
	binary.LittleEndian.PutUint16(img[4:], 0xFFFF)
	_, err = firmware.ParseLayout(img)
	require.ErrorContains(t, err, "outside")
}
