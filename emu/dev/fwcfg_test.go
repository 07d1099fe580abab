package dev

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

func fwRead(f *FwCfg, key uint16, n int) []byte {
	out16(f, FwCfgSelector, key)
	b := make([]byte, n)
	for i := range b {
		b[i] = in8(f, FwCfgData)
	}
	return b
}

func TestFwCfgWellKnownKeys(t *testing.T) {
	f := NewFwCfg(128<<20, 1)
	require.Equal(t, []byte("QEMU"), fwRead(f, FwCfgKeySignature, 4))
	require.Equal(t, uint32(1), binary.LittleEndian.Uint32(fwRead(f, FwCfgKeyID, 4)), "traditional interface, no DMA")
	require.Equal(t, make([]byte, 16), fwRead(f, FwCfgKeyUUID, 16))
	require.Equal(t, uint64(128<<20), binary.LittleEndian.Uint64(fwRead(f, FwCfgKeyRAMSize, 8)))
	require.Equal(t, uint16(1), binary.LittleEndian.Uint16(fwRead(f, FwCfgKeyNbCPUs, 2)))
	// Reading past the end returns zeros; an unknown key reads zeros.
	require.Equal(t, []byte{'Q', 'E', 'M', 'U', 0, 0}, fwRead(f, FwCfgKeySignature, 6))
	require.Equal(t, []byte{0, 0, 0}, fwRead(f, 0x1234, 3))
	// Arch-local keys are a table of their own (QEMU's x86 ACPI/SMBIOS/e820 entries),
	// not an alias of the generic ones: absent here, they read zeros.
	require.Equal(t, []byte{0, 0, 0, 0}, fwRead(f, 0x8000|FwCfgKeySignature, 4))
	// Re-selecting resets the offset.
	require.Equal(t, []byte("QE"), fwRead(f, FwCfgKeySignature, 2))
	require.Equal(t, []byte("QE"), fwRead(f, FwCfgKeySignature, 2))
	// Data writes are ignored.
	out16(f, FwCfgSelector, FwCfgKeySignature)
	out8(f, FwCfgData, 'X')
	require.Equal(t, []byte("QEMU"), fwRead(f, FwCfgKeySignature, 4))
	// A wider read returns consecutive bytes.
	out16(f, FwCfgSelector, FwCfgKeySignature)
	require.Equal(t, uint16('Q'|'E'<<8), in16(f, FwCfgData))
}

func TestFwCfgFileDirectory(t *testing.T) {
	f := NewFwCfg(64<<20, 1)
	require.Equal(t, []byte{0, 0, 0, 0}, fwRead(f, FwCfgKeyFileDir, 4), "empty directory")
	require.NoError(t, f.AddFile("opt/kppemu/seed", []byte{1, 2, 3, 4, 5, 6, 7, 8}))
	require.NoError(t, f.AddFile("etc/a", []byte("hello")))
	require.Error(t, f.AddFile("", nil))
	require.Error(t, f.AddFile(string(make([]byte, 56)), nil))

	dir := fwRead(f, FwCfgKeyFileDir, 4+2*64)
	require.Equal(t, uint32(2), binary.BigEndian.Uint32(dir[0:]))
	type ent struct {
		size uint32
		sel  uint16
		name string
	}
	var got []ent
	for i := 0; i < 2; i++ {
		e := dir[4+64*i:]
		name := e[8:64]
		n := 0
		for n < len(name) && name[n] != 0 {
			n++
		}
		require.Equal(t, uint16(0), binary.BigEndian.Uint16(e[6:]))
		got = append(got, ent{binary.BigEndian.Uint32(e[0:]), binary.BigEndian.Uint16(e[4:]), string(name[:n])})
	}
	require.Equal(t, []ent{{5, 0x20, "etc/a"}, {8, 0x21, "opt/kppemu/seed"}}, got, "sorted by name")
	require.Equal(t, []byte("hello"), fwRead(f, 0x20, 5))
	require.Equal(t, []byte{1, 2, 3, 4, 5, 6, 7, 8}, fwRead(f, 0x21, 8))
	// Replacing keeps the selector and updates the size.
	require.NoError(t, f.AddFile("etc/a", []byte("hi")))
	dir = fwRead(f, FwCfgKeyFileDir, 12)
	require.Equal(t, uint32(2), binary.BigEndian.Uint32(dir[4:]))

	g := NewFwCfg(0, 0)
	roundTrip(t, f, g)
	require.Equal(t, []byte("hi"), fwRead(g, 0x20, 2))
}
