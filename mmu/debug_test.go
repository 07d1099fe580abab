package mmu

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDebugAccess(t *testing.T) {
	va := uint64(0xffffffff80201000)
	tb := newTables(t, 4<<20, Mode4Level, va, 0x9000, 1)
	tb.set(0, 0, 0, pteXD) // supervisor, read-only, no-execute
	tb.m.SetControl(tb.control(CR0_WP, CR4_SMEP|CR4_SMAP, EFER_NXE))
	copy(tb.m.ram[0x9ffe:], []byte{1, 2})
	var calls []uint64
	tb.m.SetCodeInvalidator(func(pfn, _, _ uint64) bool { calls = append(calls, pfn); return false })
	tb.m.MarkCode(9)

	pa, f := tb.m.DebugTranslate(VAddr(va + 0x123))
	require.Nil(t, f)
	require.Equal(t, PAddr(0x9123), pa)
	buf := make([]byte, 2)
	require.Nil(t, tb.m.DebugRead(VAddr(va+0xffe), buf))
	require.Equal(t, []byte{1, 2}, buf)
	require.Nil(t, tb.m.DebugWrite(VAddr(va+0xffe), []byte{0xcc, 0xcc}))
	require.Equal(t, []byte{0xcc, 0xcc}, tb.m.ram[0x9ffe:0xa000])
	require.Equal(t, []uint64{9}, calls)
	for _, ea := range tb.entries {
		require.Zero(t, tb.get(ea)&(pteA|pteD), "no A/D from debug accesses")
	}
	// Crossing into an unmapped page: the write does nothing, the read
	// reports the fault at the page.
	f = tb.m.DebugWrite(VAddr(va+0xfff), []byte{7, 7})
	require.NotNil(t, f)
	require.Equal(t, VAddr(va+0x1000), f.Addr)
	require.Equal(t, byte(0xcc), tb.m.ram[0x9fff])
	f = tb.m.DebugRead(VAddr(va+0xfff), buf)
	require.NotNil(t, f)
	require.Equal(t, uint32(0), f.Code)
}

func TestVisitMappings(t *testing.T) {
	// 4-level: a 4 KiB user page, a 2 MiB and a 1 GiB kernel page.
	va4k := uint64(0x00007f0000201000)
	tb := newTables(t, 8<<20, Mode4Level, va4k, 0x9000, 1)
	tb.set(pteRW|pteUS, pteRW|pteUS, pteRW|pteUS, pteRW|pteUS|pteA|pteD)
	pdpt := tb.targets[0]
	pd := tb.targets[1]
	// 2 MiB leaf in the same PD, index 5.
	binary.LittleEndian.PutUint64(tb.m.ram[pd+5*8:], 0x400000|pteP|ptePS|pteRW|pteG)
	// 1 GiB leaf at PDPT index 3: supervisor, read-only, no-execute.
	binary.LittleEndian.PutUint64(tb.m.ram[pdpt+3*8:], 0x40000000|pteP|ptePS|pteXD)
	// A kernel-half PML4E (index 511) with a reserved bit: skipped.
	binary.LittleEndian.PutUint64(tb.m.ram[cr3Base+511*8:], pdpt|pteP|1<<45)
	tb.m.SetControl(tb.control(0, CR4_PGE, EFER_NXE))
	var got []Mapping
	tb.m.VisitMappings(func(mp Mapping) bool { got = append(got, mp); return true })
	base := va4k &^ (1<<30 - 1)
	require.Equal(t, []Mapping{
		{VA: VAddr(base | 0x201000), PA: 0x9000, Size: PageSize, Write: true, User: true, Accessed: true, Dirty: true},
		{VA: VAddr(base | 5<<21), PA: 0x400000, Size: 1 << 21, Write: true, Global: true},
		{VA: VAddr(base&^(1<<39-1) | 3<<30), PA: 0x40000000, Size: 1 << 30, NX: true},
	}, got)
	n := 0
	tb.m.VisitMappings(func(Mapping) bool { n++; return false })
	require.Equal(t, 1, n)

	// Kernel half addresses are sign-extended.
	tb = newTables(t, 4<<20, Mode4Level, 0xffff800000000000, 0x5000, 1)
	tb.set(pteRW, pteRW, pteRW, pteRW)
	tb.m.SetControl(tb.control(0, 0, 0))
	got = nil
	tb.m.VisitMappings(func(mp Mapping) bool { got = append(got, mp); return true })
	require.Len(t, got, 1)
	require.Equal(t, VAddr(0xffff800000000000), got[0].VA)

	// PAE and 32-bit paging.
	tb = newTables(t, 8<<20, ModePAE, 0xc0201000, 0x9000, 1)
	tb.set(pteRW, pteRW)
	tb.m.SetControl(tb.control(0, 0, 0))
	got = nil
	tb.m.VisitMappings(func(mp Mapping) bool { got = append(got, mp); return true })
	require.Equal(t, []Mapping{{VA: 0xc0201000, PA: 0x9000, Size: PageSize, Write: true}}, got)

	tb = newTables(t, 8<<20, Mode32, 0x80400000, 0x00c00000, 2)
	tb.set(pteUS | 3<<13)
	binary.LittleEndian.PutUint32(tb.m.ram[cr3Base+0x300*4:], 0x7000|pteP|pteRW)
	binary.LittleEndian.PutUint32(tb.m.ram[0x7000+2*4:], 0x8000|pteP|pteUS)
	tb.m.SetControl(tb.control(0, 0, 0))
	got = nil
	tb.m.VisitMappings(func(mp Mapping) bool { got = append(got, mp); return true })
	require.Equal(t, []Mapping{
		{VA: 0x80400000, PA: 0x3_00c00000, Size: 1 << 22, User: true},
		{VA: 0xc0002000, PA: 0x8000, Size: PageSize},
	}, got)

	// Paging off: nothing.
	m := New(1 << 20)
	m.VisitMappings(func(Mapping) bool { t.Fatal("mapping with paging off"); return false })
}
