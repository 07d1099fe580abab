package mmu

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeDev records MMIO accesses; reads return base+offset+i bytes.
type fakeDev struct {
	tag  byte
	log  []devAccess
	regs [64]byte
}

type devAccess struct {
	write bool
	off   uint64
	data  []byte
}

func (d *fakeDev) ReadMMIO(off uint64, data []byte) {
	d.log = append(d.log, devAccess{false, off, nil})
	for i := range data {
		data[i] = d.tag + byte(off) + byte(i)
	}
}

func (d *fakeDev) WriteMMIO(off uint64, data []byte) {
	d.log = append(d.log, devAccess{true, off, append([]byte(nil), data...)})
}

func TestAttachMMIOErrors(t *testing.T) {
	m := New(1 << 20)
	d := &fakeDev{}
	require.NoError(t, m.AttachMMIO(0xfee00000, 0x1000, d))
	require.NoError(t, m.AttachMMIO(0xfec00000, 0x20, d))
	require.NoError(t, m.AttachMMIO(0xfee01000, 0x1000, d)) // adjacent is fine
	for _, c := range []struct {
		base PAddr
		size uint64
		dev  MMIO
		err  error
	}{
		{0xfee00800, 0x1000, d, ErrMMIOOverlap},
		{0xfedff000, 0x1001, d, ErrMMIOOverlap},
		{0xfee00000, 0x1, d, ErrMMIOOverlap},
		{0xfebff000, 0x10000000, d, ErrMMIOOverlap},
		{0xf0000, 0x1000, d, ErrMMIOOverlapRAM},
		{0xff000, 0x2000, d, ErrMMIOOverlapRAM},
		{0x2000_0000, 0, d, ErrMMIOEmpty},
		{0x2000_0000, 0x10, nil, ErrMMIOEmpty},
		{1<<MaxPhysAddrBits - 0x10, 0x20, d, ErrMMIORange},
		{^PAddr(0xf), 0x20, d, ErrMMIORange},
	} {
		err := m.AttachMMIO(c.base, c.size, c.dev)
		require.Error(t, err, "%#x+%#x", c.base, c.size)
		require.True(t, errors.Is(err, c.err), "%#x+%#x: %v", c.base, c.size, err)
	}
}

func TestPhysDispatch(t *testing.T) {
	m := New(1 << 20)
	a, b := &fakeDev{tag: 0x10}, &fakeDev{tag: 0x80}
	require.NoError(t, m.AttachMMIO(0x1000_0000, 0x10, a))
	require.NoError(t, m.AttachMMIO(0x1000_0010, 0x10, b))

	buf := make([]byte, 4)
	m.ReadPhys(0x1000_0004, buf)
	require.Equal(t, []byte{0x14, 0x15, 0x16, 0x17}, buf)
	require.Equal(t, []devAccess{{false, 4, nil}}, a.log)

	// Spanning two devices: split at the boundary, each sees its offset/width.
	a.log, b.log = nil, nil
	m.ReadPhys(0x1000_000e, buf)
	require.Equal(t, []byte{0x1e, 0x1f, 0x80, 0x81}, buf)
	require.Equal(t, []devAccess{{false, 0xe, nil}}, a.log)
	require.Equal(t, []devAccess{{false, 0, nil}}, b.log)

	// Spanning a device and unbacked space.
	b.log = nil
	m.ReadPhys(0x1000_001e, buf)
	require.Equal(t, []byte{0x8e, 0x8f, 0xff, 0xff}, buf)
	m.WritePhys(0x1000_001e, []byte{1, 2, 3, 4})
	require.Equal(t, devAccess{true, 0xe, []byte{1, 2}}, b.log[len(b.log)-1])

	// Spanning the end of RAM and unbacked space.
	m.WritePhys(0xffffe, []byte{9, 9, 9, 9})
	m.ReadPhys(0xffffe, buf)
	require.Equal(t, []byte{9, 9, 0xff, 0xff}, buf)

	// Unbacked: reads 0xFF, writes ignored; the top of the address space.
	m.WritePhys(0x5000_0000, []byte{1})
	m.ReadPhys(^PAddr(1), buf)
	require.Equal(t, []byte{0xff, 0xff, 0xff, 0xff}, buf)
	m.WritePhys(^PAddr(1), buf)
}

func TestVirtualMMIO(t *testing.T) {
	dev := &fakeDev{tag: 0x40}
	va := uint64(0xffff800000203000)
	tb := newTables(t, 4<<20, Mode4Level, va, 0xfee00000, 1)
	require.NoError(t, tb.m.AttachMMIO(0xfee00000, 0x1000, dev))
	tb.set(pteRW, pteRW, pteRW, pteRW)
	tb.m.SetControl(tb.control(0, 0, 0))
	v, f := tb.m.Read32(VAddr(va+0x20), false, false)
	require.Nil(t, f)
	require.Equal(t, uint64(0x63626160), v)
	require.Nil(t, tb.m.Write32(VAddr(va+0xb0), 0x11223344, false, false))
	require.Equal(t, devAccess{true, 0xb0, []byte{0x44, 0x33, 0x22, 0x11}}, dev.log[len(dev.log)-1])
	// Twice: the second access hits the TLB entry, still dispatched.
	require.Nil(t, tb.m.Write32(VAddr(va+0xb0), 0x55, false, false))
	require.Equal(t, devAccess{true, 0xb0, []byte{0x55, 0, 0, 0}}, dev.log[len(dev.log)-1])
	pa, code, f := tb.m.Fetch(VAddr(va+0xffe), false)
	require.Nil(t, f)
	require.Equal(t, PAddr(0xfee00ffe), pa)
	require.Equal(t, []byte{0x3e, 0x3f}, code)
}

func TestFetch(t *testing.T) {
	m := New(1 << 20)
	copy(m.RAM()[0x1ff0:], []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17})
	pa, b, f := m.Fetch(0x1ff8, false)
	require.Nil(t, f)
	require.Equal(t, PAddr(0x1ff8), pa)
	require.Equal(t, []byte{9, 10, 11, 12, 13, 14, 15, 16}, b)
	pa, b, f = m.Fetch(0x2000, true)
	require.Nil(t, f)
	require.Equal(t, PAddr(0x2000), pa)
	require.Len(t, b, PageSize)
	require.Equal(t, byte(17), b[0])
	// Unbacked memory fetches as 0xFF.
	_, b, f = m.Fetch(0x200ffd, false)
	require.Nil(t, f)
	require.Equal(t, []byte{0xff, 0xff, 0xff}, b)
}

// splitSetup maps two adjacent linear pages to non-adjacent frames; the
// second page's leaf flags are second.
func splitSetup(t *testing.T, second uint64) (*tables, uint64) {
	va := uint64(0x7f0000201000)
	tb := newTables(t, 4<<20, Mode4Level, va, 0x9000, 1)
	tb.set(pteRW|pteUS, pteRW|pteUS, pteRW|pteUS, pteRW|pteUS)
	// The next PTE in the same table maps va+4K to 0x5000.
	next := tb.entries[3] + 8
	if second != 0 {
		binary.LittleEndian.PutUint64(tb.m.ram[next:], 0x5000|second)
	}
	tb.m.SetControl(tb.control(CR0_WP, 0, 0))
	return tb, va
}

func TestSplitAccesses(t *testing.T) {
	tb, va := splitSetup(t, pteP|pteRW|pteUS)
	m := tb.m
	end := va + PageSize
	for size := 2; size <= 8; size *= 2 {
		for back := 1; back < size; back++ {
			a := end - uint64(back)
			v := uint64(0x0807060504030201) & (1<<(8*size) - 1)
			if size == 8 {
				v = 0x0807060504030201
			}
			require.Nil(t, m.WriteN(VAddr(a), size, v, true, false))
			got, f := m.ReadN(VAddr(a), size, true, false)
			require.Nil(t, f)
			require.Equal(t, v, got, "size %d at -%d", size, back)
			// Bytes landed in the two frames.
			require.Equal(t, byte(1), m.ram[0x9000+PageSize-uint64(back)])
			require.Equal(t, byte(back+1), m.ram[0x5000])
		}
	}
	// Buffer reads/writes across the boundary.
	buf := []byte{0xa, 0xb, 0xc, 0xd, 0xe}
	require.Nil(t, m.Write(VAddr(end-2), buf, false, false))
	got := make([]byte, 5)
	require.Nil(t, m.Read(VAddr(end-2), got, Read, false, false))
	require.Equal(t, buf, got)
	require.Equal(t, []byte{0xa, 0xb}, m.ram[0xa000-2:0xa000])
	require.Equal(t, []byte{0xc, 0xd, 0xe}, m.ram[0x5000:0x5003])
}

func TestSplitWriteFaultWritesNothing(t *testing.T) {
	for _, c := range []struct {
		name   string
		second uint64
		user   bool
		code   uint32
	}{
		{"read-only", pteP | pteUS, true, PFPresent | PFWrite | PFUser},
		{"read-only-wp", pteP | pteUS, false, PFPresent | PFWrite},
		{"not-present", 0, false, PFWrite},
	} {
		t.Run(c.name, func(t *testing.T) {
			tb, va := splitSetup(t, c.second)
			m := tb.m
			end := va + PageSize
			// Cache a write entry for the first page so the fast path would hit.
			require.Nil(t, m.Write8(VAddr(end-8), 0, c.user, false))
			for size := 2; size <= 8; size *= 2 {
				f := m.WriteN(VAddr(end-1), size, ^uint64(0), c.user, false)
				require.NotNil(t, f)
				require.Equal(t, VAddr(end), f.Addr, "CR2 is the first byte of the faulting page")
				require.Equal(t, c.code, f.Code)
				require.Equal(t, byte(0), m.ram[0xa000-1], "no partial write")
			}
			f := m.Write(VAddr(end-100), make([]byte, 200), c.user, false)
			require.NotNil(t, f)
			require.Equal(t, VAddr(end), f.Addr)
			big := make([]byte, 3*PageSize)
			for i := range big {
				big[i] = 0x77
			}
			f = m.Write(VAddr(va-PageSize), big, c.user, false)
			require.NotNil(t, f)
			for _, b := range m.ram[0x9000:0xa000] {
				require.Equal(t, byte(0), b)
			}
			// Reading across into a read-only page is fine, into a missing one not.
			_, f = m.Read64(VAddr(end-4), c.user, false)
			if c.second == 0 {
				require.NotNil(t, f)
				require.Equal(t, uint32(c.code&^PFWrite), f.Code)
			} else {
				require.Nil(t, f)
			}
		})
	}
}

// TestCodeInvalidation: every write path to a marked page calls the
// invalidator once with the frame number and clears the mark.
func TestCodeInvalidation(t *testing.T) {
	va := uint64(0x7f0000201000)
	const frame = 0x9000
	type path struct {
		name  string
		write func(tb *tables) // writes somewhere in frame 0x9000
	}
	paths := []path{
		{"Write8", func(tb *tables) { require.Nil(t, tb.m.Write8(VAddr(va+1), 1, false, false)) }},
		{"Write16", func(tb *tables) { require.Nil(t, tb.m.Write16(VAddr(va+2), 1, false, false)) }},
		{"Write32", func(tb *tables) { require.Nil(t, tb.m.Write32(VAddr(va+4), 1, false, false)) }},
		{"Write64", func(tb *tables) { require.Nil(t, tb.m.Write64(VAddr(va+8), 1, false, false)) }},
		{"WriteN", func(tb *tables) { require.Nil(t, tb.m.WriteN(VAddr(va+8), 8, 1, false, false)) }},
		{"WriteN6", func(tb *tables) { require.Nil(t, tb.m.WriteN(VAddr(va+8), 6, 1, false, false)) }},
		{"Write128", func(tb *tables) { require.Nil(t, tb.m.Write128(VAddr(va+16), 1, 2, false, false)) }},
		{"Write128Split", func(tb *tables) { require.Nil(t, tb.m.Write128(VAddr(va-8), 1, 2, false, false)) }},
		{"Write", func(tb *tables) { require.Nil(t, tb.m.Write(VAddr(va+16), []byte{1, 2, 3}, false, false)) }},
		{"WriteSplit", func(tb *tables) { require.Nil(t, tb.m.Write64(VAddr(va-4), 1, false, false)) }},
		{"WritePhys", func(tb *tables) { tb.m.WritePhys(frame+100, []byte{1}) }},
		{"WritePhysSpan", func(tb *tables) { tb.m.WritePhys(frame-2, []byte{1, 2, 3}) }},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			tb := newTables(t, 4<<20, Mode4Level, va, frame, 1)
			tb.set(pteRW, pteRW, pteRW, pteRW)
			// The page before va maps frame 0x8000, so splits stay contiguous.
			binary.LittleEndian.PutUint64(tb.m.ram[tb.entries[3]-8:], 0x8000|pteP|pteRW)
			tb.m.SetControl(tb.control(0, 0, 0))
			var calls []uint64
			tb.m.SetCodeInvalidator(func(pfn, _, _ uint64) bool { calls = append(calls, pfn); return false })
			// Warm the write TLB first so marking must take the fast path away.
			require.Nil(t, tb.m.Write64(VAddr(va+0x800), 0, false, false))
			require.Nil(t, tb.m.Write64(VAddr(va-0x800), 0, false, false))
			tb.m.MarkCode(frame / PageSize)
			require.True(t, tb.m.IsCode(frame/PageSize))
			p.write(tb)
			require.Equal(t, []uint64{frame / PageSize}, calls)
			require.False(t, tb.m.IsCode(frame/PageSize))
			p.write(tb)
			require.Len(t, calls, 1, "mark cleared: no second call")
			// Marked again, invalidated again.
			tb.m.MarkCode(frame / PageSize)
			p.write(tb)
			require.Len(t, calls, 2)
		})
	}
}

func TestCodeInvalidationOtherPaths(t *testing.T) {
	// Two marked pages in one write: both reported, in order.
	m := New(1 << 20)
	var calls []uint64
	m.SetCodeInvalidator(func(pfn, _, _ uint64) bool { calls = append(calls, pfn); return false })
	m.MarkCode(3)
	m.MarkCode(4)
	m.MarkCode(1 << 40) // outside RAM: ignored
	require.Nil(t, m.Write(0x3ffe, []byte{1, 2, 3, 4}, false, false))
	require.Equal(t, []uint64{3, 4}, calls)

	// A/D-bit updates to a page table in a marked page.
	va := uint64(0x7f0000201000)
	tb := newTables(t, 4<<20, Mode4Level, va, 0x9000, 1)
	tb.set(pteRW, pteRW, pteRW, pteRW)
	tb.m.SetControl(tb.control(0, 0, 0))
	calls = nil
	tb.m.SetCodeInvalidator(func(pfn, _, _ uint64) bool { calls = append(calls, pfn); return false })
	ptPage := tb.entries[3] / PageSize
	tb.m.MarkCode(ptPage)
	require.Nil(t, tb.m.Write8(VAddr(va), 1, false, false))
	require.Equal(t, []uint64{ptPage}, calls)
	require.Equal(t, uint64(pteA|pteD), tb.get(tb.entries[3])&(pteA|pteD))

	// Reads never invalidate; MMIO writes never do; ClearCodeMarks is silent.
	calls = nil
	tb.m.MarkCode(9)
	_, f := tb.m.Read64(VAddr(va), false, false)
	require.Nil(t, f)
	tb.m.ClearCodeMarks()
	require.Nil(t, tb.m.Write8(VAddr(va), 1, false, false))
	require.Empty(t, calls)
}

func TestReadWriteSizes(t *testing.T) {
	m := New(1 << 20)
	dev := &fakeDev{tag: 0}
	require.NoError(t, m.AttachMMIO(0x100000, 0x1000, dev))
	for _, base := range []VAddr{0x3000, 0x3ff9, 0x3ffd, 0x3fff} { // in-page and split
		for _, size := range []int{1, 2, 4, 8} {
			v := uint64(0xf1e2d3c4b5a69788) >> (64 - 8*size)
			require.Nil(t, m.WriteN(base, size, v, false, false))
			got, f := m.ReadN(base, size, false, false)
			require.Nil(t, f)
			require.Equal(t, v, got, "size %d at %#x", size, base)
			ref := make([]byte, size)
			require.Nil(t, m.Read(base, ref, Read, false, false))
			for i := range size {
				require.Equal(t, byte(v>>(8*i)), ref[i])
			}
		}
		require.Nil(t, m.Write128(base, 0x0706050403020100, 0x0f0e0d0c0b0a0908, false, false))
		lo, hi, f := m.Read128(base, false, false)
		require.Nil(t, f)
		require.Equal(t, uint64(0x0706050403020100), lo)
		require.Equal(t, uint64(0x0f0e0d0c0b0a0908), hi)
	}
	// Odd sizes: exactly size bytes.
	require.Nil(t, m.Write64(0x6000, 0, false, false))
	require.Nil(t, m.WriteN(0x6000, 6, ^uint64(0), false, false))
	v, f := m.Read64(0x6000, false, false)
	require.Nil(t, f)
	require.Equal(t, uint64(0x0000ffffffffffff), v)
	v, f = m.ReadN(0x6001, 3, false, false)
	require.Nil(t, f)
	require.Equal(t, uint64(0xffffff), v)
	v, f = m.ReadN(0x6001, 0, false, false)
	require.Nil(t, f)
	require.Zero(t, v)
	require.Nil(t, m.WriteN(0x6000, 0, 0, false, false))
	// Writes of size < 8 leave the neighbours alone.
	require.Nil(t, m.Write64(0x5000, ^uint64(0), false, false))
	require.Nil(t, m.Write16(0x5002, 0, false, false))
	v, _ = m.Read64(0x5000, false, false)
	require.Equal(t, uint64(0xffffffff0000ffff), v)
	require.Nil(t, m.Write8(0x5000, 0x1234, false, false))
	v, _ = m.Read64(0x5000, false, false)
	require.Equal(t, uint64(0xffffffff0000ff34), v)
	// MMIO through the typed paths: one device access of the right width.
	v, f = m.Read32(0x100010, false, false)
	require.Nil(t, f)
	require.Equal(t, uint64(0x13121110), v)
	require.Equal(t, devAccess{false, 0x10, nil}, dev.log[len(dev.log)-1])
	require.Nil(t, m.Write64(0x100020, 0x0102030405060708, false, false))
	require.Equal(t, devAccess{true, 0x20, []byte{8, 7, 6, 5, 4, 3, 2, 1}}, dev.log[len(dev.log)-1])
	_, _, f = m.Read128(0x100ff8, false, false) // device then unbacked
	require.Nil(t, f)
}

// TestInvalidatorSeesNewBytes: the invalidator runs after the write.
func TestInvalidatorSeesNewBytes(t *testing.T) {
	m := New(1 << 20)
	var seen byte
	m.SetCodeInvalidator(func(pfn, _, _ uint64) bool { seen = m.RAM()[pfn*PageSize+5]; return false })
	m.MarkCode(2)
	require.Nil(t, m.Write8(0x2005, 0xcc, false, false))
	require.Equal(t, byte(0xcc), seen)
}

func TestCodeInvalidationRangeAndKeep(t *testing.T) {
	// The invalidator sees each marked page's share of the write; returning true
	// keeps the mark, so the next write to the page reaches it again.
	m := New(1 << 20)
	type call struct{ pfn, off, n uint64 }
	var calls []call
	keep := true
	m.SetCodeInvalidator(func(pfn, off, n uint64) bool { calls = append(calls, call{pfn, off, n}); return keep })
	m.MarkCode(3)
	m.MarkCode(4)
	m.WritePhys(0x3ffe, []byte{1, 2, 3, 4})
	require.Equal(t, []call{{3, 0xffe, 2}, {4, 0, 2}}, calls)
	require.True(t, m.IsCode(3))
	require.True(t, m.IsCode(4))
	keep = false
	calls = nil
	m.WritePhys(0x3010, []byte{5})
	require.Nil(t, m.Write(0x4020, []byte{6, 7, 8}, false, false))
	require.Equal(t, []call{{3, 0x10, 1}, {4, 0x20, 3}}, calls)
	require.False(t, m.IsCode(3))
	require.False(t, m.IsCode(4))
}
