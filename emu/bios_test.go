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

// FuzzBIOSServices calls INT n in real mode with registers from the input, as a guest
// that drops back to real mode would call the BIOS, then runs the input's remaining
// bytes: whatever the services are asked, the machine ends in an architectural
// outcome, never an internal error.
func FuzzBIOSServices(f *testing.F) {
	f.Add(uint8(0x10), uint16(0x0E41), uint16(0x0007), uint16(0), uint16(0), uint16(0), []byte{0xF4})
	f.Add(uint8(0x15), uint16(0xE820), uint16(0), uint16(20), uint16(0x4150), uint16(0x9000), []byte{})
	f.Add(uint8(0x10), uint16(0x0605), uint16(0x1F00), uint16(0x0000), uint16(0xFFFF), uint16(0), []byte{})
	f.Add(uint8(0x10), uint16(0x1303), uint16(0x0107), uint16(0xFFFF), uint16(0x1850), uint16(0), []byte{})
	f.Add(uint8(0x16), uint16(0x0000), uint16(0), uint16(0), uint16(0), uint16(0), []byte{0xFB, 0xF4})
	f.Add(uint8(0x1A), uint16(0x0200), uint16(0), uint16(0), uint16(0), uint16(0), []byte{})
	f.Add(uint8(0x14), uint16(0x0141), uint16(0), uint16(0), uint16(3), uint16(0), []byte{})
	f.Add(uint8(0x15), uint16(0x8600), uint16(0), uint16(0), uint16(0x0100), uint16(0), []byte{})
	f.Fuzz(func(t *testing.T, vec uint8, ax, bx, cx, dx, di uint16, tail []byte) {
		if len(tail) > 256 {
			return
		}
		m, err := New(Config{Seed: 3, MemBytes: 4 << 20})
		require.NoError(t, err)
		le := func(v uint16) []byte { return []byte{byte(v), byte(v >> 8)} }
		code := []byte{0xBC, 0x00, 0x70} // mov sp, 0x7000
		for _, r := range []struct {
			op byte
			v  uint16
		}{{0xB8, ax}, {0xBB, bx}, {0xB9, cx}, {0xBA, dx}, {0xBF, di}} {
			code = append(append(code, r.op), le(r.v)...)
		}
		code = append(code, 0x66, 0xBA, 0x50, 0x41, 0x4D, 0x53) // mov edx, 'SMAP' when AX asks for E820
		if ax != 0xE820 {
			code = code[:len(code)-6]
		}
		code = append(code, 0xCD, vec)
		code = append(code, tail...)
		code = append(code, 0xFA, 0xF4) // cli; hlt
		m.WritePhys(0x8000, code)
		m.CPU.InitReset()
		require.True(t, m.CPU.StartupIPI(8))
		stop := m.RunFor(500_000)
		require.NotEqual(t, StopError, stop.Reason, "%v", stop)
	})
}
