package mmu

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	tlbVA  = uint64(0x7f0000201000)
	tlbPA1 = uint64(0x7000)
	tlbPA2 = uint64(0x9000)
)

// tlbSetup maps tlbVA -> tlbPA1 (leaf flags extra) with distinct values at
// the two candidate frames, paging on with the extra control bits.
func tlbSetup(t *testing.T, extra uint64, cr4 uint64) *tables {
	return tlbSetupRAM(t, 4<<20, extra, cr4)
}

// tlbSetupRAM is tlbSetup in ram bytes of RAM.
func tlbSetupRAM(t *testing.T, ram, extra, cr4 uint64) *tables {
	tb := newTables(t, ram, Mode4Level, tlbVA, tlbPA1, 1)
	tb.set(pteRW, pteRW, pteRW, pteRW|extra)
	binary.LittleEndian.PutUint64(tb.m.ram[tlbPA1:], 1)
	binary.LittleEndian.PutUint64(tb.m.ram[tlbPA2:], 2)
	tb.m.SetControl(tb.control(0, cr4, 0))
	tb.expect(1)
	return tb
}

// retarget points the leaf at tlbPA2 without any invalidation.
func (tb *tables) retarget() {
	leaf := tb.entries[len(tb.entries)-1]
	tb.put(leaf, tb.get(leaf)&^addrMask|tlbPA2)
}

func (tb *tables) expect(v uint64) {
	tb.t.Helper()
	got, f := tb.m.Read64(VAddr(tlbVA), false, false)
	require.Nil(tb.t, f)
	require.Equal(tb.t, v, got)
}

func TestTLBStaleUntilInvlpg(t *testing.T) {
	tb := tlbSetup(t, 0, 0)
	tb.retarget()
	tb.expect(1) // stale: architectural until invalidated
	tb.m.Invlpg(VAddr(tlbVA + 0x800))
	tb.expect(2)
}

func TestTLBCR3Write(t *testing.T) {
	tb := tlbSetup(t, 0, 0)
	tb.retarget()
	// A CR0 write changing only TS keeps the TLB.
	c := tb.m.Control()
	c.CR0 |= 1 << 3
	tb.m.SetControl(c)
	tb.expect(1)
	// SetControl with nothing changed is a MOV CR3 of the same value.
	tb.m.SetControl(c)
	tb.expect(2)

	tb = tlbSetup(t, 0, 0)
	tb.retarget()
	tb.m.WriteCR3(cr3Base)
	tb.expect(2)
}

func TestTLBGlobal(t *testing.T) {
	// Global page with PGE: survives CR3 writes, not INVLPG.
	tb := tlbSetup(t, pteG, CR4_PGE)
	tb.retarget()
	tb.m.WriteCR3(cr3Base)
	tb.expect(1)
	tb.m.SetControl(tb.m.Control())
	tb.expect(1)
	tb.m.Invlpg(VAddr(tlbVA))
	tb.expect(2)

	// FlushTLB drops globals too.
	tb = tlbSetup(t, pteG, CR4_PGE)
	tb.retarget()
	tb.m.FlushTLB()
	tb.expect(2)

	// Turning PGE off flushes everything.
	tb = tlbSetup(t, pteG, CR4_PGE)
	tb.retarget()
	c := tb.m.Control()
	c.CR4 &^= CR4_PGE
	tb.m.SetControl(c)
	tb.expect(2)

	// G without CR4.PGE is not global.
	tb = tlbSetup(t, pteG, 0)
	tb.retarget()
	tb.m.WriteCR3(cr3Base)
	tb.expect(2)

	// A non-global page with PGE on is flushed by CR3.
	tb = tlbSetup(t, 0, CR4_PGE)
	tb.retarget()
	tb.m.WriteCR3(cr3Base)
	tb.expect(2)
}

func TestTLBControlChangesFlushAll(t *testing.T) {
	toggles := []struct {
		name           string
		cr0, cr4, efer uint64
	}{
		{"CR0.WP", CR0_WP, 0, 0},
		{"CR4.PGE", 0, CR4_PGE, 0},
		{"CR4.PSE", 0, CR4_PSE, 0},
		{"CR4.SMEP", 0, CR4_SMEP, 0},
		{"CR4.SMAP", 0, CR4_SMAP, 0},
		{"EFER.NXE", 0, 0, EFER_NXE},
	}
	for _, tg := range toggles {
		t.Run(tg.name, func(t *testing.T) {
			tb := tlbSetup(t, pteG, CR4_PGE)
			tb.retarget()
			c := tb.m.Control()
			c.CR0 ^= tg.cr0
			c.CR4 ^= tg.cr4
			c.EFER ^= tg.efer
			tb.m.SetControl(c)
			tb.expect(2)
		})
	}
	t.Run("CR0.PG", func(t *testing.T) {
		tb := tlbSetup(t, pteG, CR4_PGE)
		c := tb.m.Control()
		c.CR0 &^= CR0_PG
		tb.m.SetControl(c)
		pa, f := tb.m.Translate(VAddr(tlbVA&0xffffffff), Read, false, false)
		require.Nil(t, f)
		require.Equal(t, PAddr(tlbVA&0xffffffff), pa)
	})
}

func TestTLBLargePageInvlpg(t *testing.T) {
	va := uint64(0x7f0000400000)
	tb := newTables(t, 8<<20, Mode4Level, va, 0x200000, 2)
	tb.set(pteRW, pteRW, pteRW|pteG)
	tb.m.SetControl(tb.control(0, CR4_PGE, 0))
	for _, off := range []uint64{0, 0x1000, 0x1ff000} {
		binary.LittleEndian.PutUint64(tb.m.ram[0x200000+off:], 1)
		binary.LittleEndian.PutUint64(tb.m.ram[0x400000+off:], 2)
		v, f := tb.m.Read64(VAddr(va+off), false, false)
		require.Nil(t, f)
		require.Equal(t, uint64(1), v)
	}
	leaf := tb.entries[2]
	tb.put(leaf, tb.get(leaf)&^addrMask|0x400000)
	// INVLPG of any address in the 2 MiB page drops every 4 KiB splinter.
	tb.m.Invlpg(VAddr(va + 0x5000))
	for _, off := range []uint64{0, 0x1000, 0x1ff000} {
		v, f := tb.m.Read64(VAddr(va+off), false, false)
		require.Nil(t, f)
		require.Equal(t, uint64(2), v, "offset %#x", off)
	}
}

// TestFaultInvalidatesPage: a #PF drops the cached entries for the page
// (SDM 4.10.4.1), so a read entry cached before the PTE was cleared stops
// working once any access to the page faults.
func TestFaultInvalidatesPage(t *testing.T) {
	tb := tlbSetup(t, 0, 0)
	leaf := tb.entries[3]
	tb.put(leaf, 0)
	tb.expect(1) // stale read entry
	require.NotNil(t, tb.m.Write64(VAddr(tlbVA), 5, false, false))
	_, f := tb.m.Read64(VAddr(tlbVA), false, false)
	require.NotNil(t, f)
	require.Equal(t, uint32(0), f.Code)
}

// TestTLBPrivilegeClasses: entries cached for one class never serve another.
func TestTLBPrivilegeClasses(t *testing.T) {
	tb := newTables(t, 4<<20, Mode4Level, tlbVA, tlbPA1, 1)
	tb.set(pteRW|pteUS, pteRW|pteUS, pteRW|pteUS, pteRW|pteUS)
	tb.m.SetControl(tb.control(CR0_WP, CR4_SMAP|CR4_SMEP, EFER_NXE))
	_, f := tb.m.Read64(VAddr(tlbVA), true, false)
	require.Nil(t, f)
	_, f = tb.m.Read64(VAddr(tlbVA), false, true) // supervisor with AC
	require.Nil(t, f)
	_, f = tb.m.Read64(VAddr(tlbVA), false, false) // SMAP
	require.NotNil(t, f)
	require.Nil(t, tb.m.Write64(VAddr(tlbVA), 1, true, false))
	require.NotNil(t, tb.m.Write64(VAddr(tlbVA), 1, false, false))
	_, _, f = tb.m.Fetch(VAddr(tlbVA), true)
	require.Nil(t, f)
	_, _, f = tb.m.Fetch(VAddr(tlbVA), false) // SMEP
	require.NotNil(t, f)
	require.Equal(t, uint32(PFPresent|PFFetch), f.Code)
}

func TestResetAndState(t *testing.T) {
	tb := tlbSetup(t, pteG, CR4_PGE)
	st := tb.m.State()
	tb.retarget()
	tb.m.MarkCode(3)
	tb.m.SetState(st) // restore flushes the TLB, globals included
	tb.expect(2)
	require.Equal(t, st, tb.m.State())
	tb.m.Reset()
	require.Equal(t, ModeNone, tb.m.Mode())
	require.Equal(t, State{}, tb.m.State())
	require.False(t, tb.m.IsCode(3))
	v, f := tb.m.Read64(VAddr(tlbPA2), false, false)
	require.Nil(t, f)
	require.Equal(t, uint64(2), v) // RAM kept
}

// TestFreshTLBIsEmpty: a new MMU must not translate page 0 from a zeroed entry.
func TestFreshTLBIsEmpty(t *testing.T) {
	tb := newTables(t, 4<<20, Mode4Level, 0, 0x7000, 1)
	tb.m.SetControl(tb.control(0, 0, 0)) // tables empty: nothing is present
	for _, acc := range []Access{Read, Write, Exec} {
		_, f := tb.m.Translate(0, acc, false, false)
		require.NotNil(t, f, "%v", acc)
	}
	m := New(1 << 20)
	for k := range m.tlb {
		for c := range m.tlb[k] {
			for i := range m.tlb[k][c] {
				require.Equal(t, invalidTag, m.tlb[k][c][i].tag)
			}
		}
	}
}

// TestTLBLargePageInvlpgMany: INVLPG drops the splinters of a 2 MiB page
// both when it knows their slots and when more were installed than it
// tracks (every 4 KiB page of it read, evicting each other).
func TestTLBLargePageInvlpgMany(t *testing.T) {
	for _, pages := range []uint64{8, 512} {
		va := uint64(0x7f0000400000)
		tb := newTables(t, 8<<20, Mode4Level, va, 0x200000, 2)
		tb.set(pteRW, pteRW, pteRW)
		tb.m.SetControl(tb.control(0, 0, 0))
		for i := uint64(0); i < pages; i++ {
			binary.LittleEndian.PutUint64(tb.m.ram[0x200000+i*0x1000:], 1)
			binary.LittleEndian.PutUint64(tb.m.ram[0x400000+i*0x1000:], 2)
			v, f := tb.m.Read64(VAddr(va+i*0x1000), false, false)
			require.Nil(t, f)
			require.Equal(t, uint64(1), v)
		}
		leaf := tb.entries[2]
		tb.put(leaf, tb.get(leaf)&^addrMask|0x400000)
		tb.m.Invlpg(VAddr(va + 0x3000))
		for i := uint64(0); i < pages; i++ {
			v, f := tb.m.Read64(VAddr(va+i*0x1000), false, false)
			require.Nil(t, f)
			require.Equal(t, uint64(2), v, "%d pages, page %d", pages, i)
		}
	}
}

// victimSetup is tlbSetup, in 32 MiB of RAM, with pages of tlbVA's TLB set
// mapped: conflict(k), 1 <= k < 12, is tlbVA + k MiB (k = 1: the next entry
// of tlbVA's page table; the others in 2 MiB pages of the same directory,
// each of a frame of its own), reading k+100.
func victimSetup(t *testing.T, extra, cr4 uint64) (*tables, func(k uint64) VAddr) {
	tb := tlbSetupRAM(t, 32<<20, extra, cr4)
	conflict := func(k uint64) VAddr { return VAddr(tlbVA + k<<20) }
	pt := tb.entries[len(tb.entries)-1] &^ (PageSize - 1)
	pd := tb.entries[len(tb.entries)-2] &^ (PageSize - 1)
	tb.put(pt+0x101*8, 0x5000|pteRW|pteP|extra)
	binary.LittleEndian.PutUint64(tb.m.ram[0x5000:], 101)
	for k := uint64(2); k < 12; k += 2 {
		// Directory entry 1 + k/2: a 2 MiB page of frame (k/2) * 2 MiB; k
		// and k+1 read at its 4 KiB and 1 MiB + 4 KiB.
		frame := k / 2 << 21
		tb.put(pd+(1+k/2)*8, frame|pteRW|pteP|ptePS|extra)
		binary.LittleEndian.PutUint64(tb.m.ram[frame+0x1000:], k+100)
		binary.LittleEndian.PutUint64(tb.m.ram[frame+1<<20+0x1000:], k+101)
	}
	return tb, conflict
}

// readAt reads the qword at va.
func (tb *tables) readAt(va VAddr) uint64 {
	tb.t.Helper()
	v, f := tb.m.Read64(va, false, false)
	require.Nil(tb.t, f)
	return v
}

// TestTLBVictim: a translation its set gave up to another page is kept in
// the array's victim buffer, of victimSize entries: one page read in the
// same set does not drop it, victimSize more do; INVLPG and CR3 writes drop
// it there as in its set.
func TestTLBVictim(t *testing.T) {
	tb, conflict := victimSetup(t, 0, 0)
	tb.retarget()
	require.Equal(t, uint64(101), tb.readAt(conflict(1)))
	tb.expect(1) // from the victim buffer: still the stale translation
	tb.m.Invlpg(VAddr(tlbVA))
	tb.expect(2)

	// victimSize entries pushed after it: the last one of them pushes it out.
	for _, n := range []uint64{victimSize, victimSize + 1} {
		tb, conflict = victimSetup(t, 0, 0)
		tb.retarget()
		for k := uint64(1); k <= n; k++ {
			// k = 1 gives up tlbVA, every later one the previous page.
			require.Equal(t, k+100, tb.readAt(conflict(k)))
		}
		if n <= victimSize {
			tb.expect(1)
		} else {
			tb.expect(2)
		}
	}

	// A CR3 write drops a non-global victim, not a global one.
	for _, g := range []uint64{0, pteG} {
		tb, conflict = victimSetup(t, g, CR4_PGE)
		tb.retarget()
		tb.readAt(conflict(1))
		tb.m.WriteCR3(cr3Base)
		if g != 0 {
			tb.expect(1)
		} else {
			tb.expect(2)
		}
	}
}

// TestTLBVictimLargePage: INVLPG of any address of a 2 MiB page drops its
// splinters from the victim buffers too.
func TestTLBVictimLargePage(t *testing.T) {
	tb, conflict := victimSetup(t, 0, 0)
	require.Equal(t, uint64(102), tb.readAt(conflict(2)))
	tb.expect(1) // gives up conflict(2)'s splinter: tlbVA + 2 MiB's set is tlbVA's
	pd := tb.entries[len(tb.entries)-2] &^ (PageSize - 1)
	tb.put(pd+2*8, 0x1000000|pteRW|pteP|ptePS) // the 2 MiB page moved to 16 MiB
	binary.LittleEndian.PutUint64(tb.m.ram[0x1001000:], 77)
	tb.m.Invlpg(conflict(2) + 0x5000) // another page of it
	require.Equal(t, uint64(77), tb.readAt(conflict(2)))
}
