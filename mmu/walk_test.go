package mmu

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPagingOffIsIdentity(t *testing.T) {
	m := New(1 << 20)
	for _, acc := range []Access{Read, Write, Exec} {
		for _, user := range []bool{false, true} {
			pa, f := m.Translate(0x12345, acc, user, false)
			require.Nil(t, f)
			require.Equal(t, PAddr(0x12345), pa)
		}
	}
	require.Equal(t, ModeNone, m.Mode())
}

// TestReservedBits sets each reserved bit of each level (SDM tables 4-14..4-20
// for 4-level, 4-8..4-11 for PAE, 4-5 for 32-bit paging) and expects a #PF
// with P=1 and RSVD=1; ignored bits must not fault.
func TestReservedBits(t *testing.T) {
	type rc struct {
		mode  Mode
		leaf  int
		level int // index into entries, 0 = top
		bit   uint
		nxe   bool
		rsvd  bool
	}
	var cases []rc
	for _, leaf := range []int{1, 2, 3} {
		n := 4 - leaf + 1
		for lvl := range n {
			for bit := uint(MaxPhysAddrBits); bit < 52; bit++ {
				cases = append(cases, rc{Mode4Level, leaf, lvl, bit, true, true})
			}
			for bit := uint(52); bit < 63; bit++ { // ignored (no protection keys)
				cases = append(cases, rc{Mode4Level, leaf, lvl, bit, true, false})
			}
			cases = append(cases,
				rc{Mode4Level, leaf, lvl, 63, false, true}, // XD without NXE
				rc{Mode4Level, leaf, lvl, 63, true, false},
				rc{Mode4Level, leaf, lvl, 9, false, false}, // ignored/available
				rc{Mode4Level, leaf, lvl, 11, false, false},
			)
		}
		last := n - 1
		switch leaf {
		case 3:
			for bit := uint(13); bit < 30; bit++ {
				cases = append(cases, rc{Mode4Level, leaf, last, bit, false, true})
			}
			cases = append(cases, rc{Mode4Level, leaf, last, 12, false, false}) // PAT
		case 2:
			for bit := uint(13); bit < 21; bit++ {
				cases = append(cases, rc{Mode4Level, leaf, last, bit, false, true})
			}
			cases = append(cases, rc{Mode4Level, leaf, last, 12, false, false}) // PAT
		case 1:
			cases = append(cases, rc{Mode4Level, leaf, last, 7, false, false}) // PAT
		}
		// PS in the PML4E is reserved.
		cases = append(cases, rc{Mode4Level, leaf, 0, 7, false, true})
	}
	for _, leaf := range []int{1, 2} {
		n := 2 - leaf + 1
		for lvl := range n {
			for bit := uint(MaxPhysAddrBits); bit < 63; bit++ {
				cases = append(cases, rc{ModePAE, leaf, lvl, bit, true, true})
			}
			cases = append(cases, rc{ModePAE, leaf, lvl, 63, false, true}, rc{ModePAE, leaf, lvl, 63, true, false})
		}
		if leaf == 2 {
			for bit := uint(13); bit < 21; bit++ {
				cases = append(cases, rc{ModePAE, leaf, 0, bit, false, true})
			}
		}
	}
	cases = append(cases, rc{Mode32, 2, 0, 21, false, true})
	for bit := uint(13); bit < 21; bit++ { // PSE-36 address bits: not reserved
		cases = append(cases, rc{Mode32, 2, 0, bit, false, false})
	}

	for _, c := range cases {
		name := fmt.Sprintf("%v/leaf%d/level%d/bit%d/nxe=%v", c.mode, c.leaf, c.level, c.bit, c.nxe)
		va := map[Mode]uint64{Mode4Level: 0x7f0040201000, ModePAE: 0x40201000, Mode32: 0x40201000}[c.mode]
		tb := newTables(t, 4<<20, c.mode, va, 0, c.leaf)
		flags := make([]uint64, len(tb.entries))
		for i := range flags {
			flags[i] = pteRW | pteUS
		}
		flags[c.level] |= 1 << c.bit
		tb.set(flags...)
		var efer uint64
		if c.nxe {
			efer = EFER_NXE
		}
		tb.m.SetControl(tb.control(0, 0, efer))
		for _, acc := range []Access{Read, Write, Exec} {
			for _, user := range []bool{false, true} {
				tb.m.FlushTLB()
				_, f := tb.m.Translate(VAddr(va), acc, user, false)
				if !c.rsvd {
					if c.bit == 63 && acc == Exec {
						require.NotNil(t, f, name) // XD with NXE: not reserved, but no fetch
						continue
					}
					require.Nil(t, f, name)
					continue
				}
				require.NotNil(t, f, name)
				code := uint32(PFPresent | PFReserved)
				if acc == Write {
					code |= PFWrite
				}
				if user {
					code |= PFUser
				}
				if acc == Exec && c.nxe && c.mode != Mode32 {
					code |= PFFetch
				}
				require.Equal(t, code, f.Code, "%s %v user=%v", name, acc, user)
				// The faulting entry and those below it are not marked accessed.
				for i := c.level; i < len(tb.entries); i++ {
					require.Zero(t, tb.get(tb.entries[i])&pteA, "%s: A at level %d", name, i)
				}
			}
		}
	}
}

// TestNotPresent clears P at each level and checks the error code.
func TestNotPresent(t *testing.T) {
	for _, pc := range permCases {
		tb := newTables(t, 8<<20, pc.mode, pc.va, pc.pa, pc.leaf)
		for lvl := range tb.entries {
			flags := make([]uint64, len(tb.entries))
			for i := range flags {
				flags[i] = pteRW | pteUS
			}
			tb.set(flags...)
			tb.put(tb.entries[lvl], tb.get(tb.entries[lvl])&^pteP)
			tb.m.SetControl(tb.control(0, CR4_SMEP, 0))
			tb.m.FlushTLB()
			for _, acc := range []Access{Read, Write, Exec} {
				_, f := tb.m.Translate(VAddr(pc.va), acc, true, false)
				require.NotNil(t, f)
				want := uint32(PFUser)
				switch acc {
				case Write:
					want |= PFWrite
				case Exec:
					want |= PFFetch
				}
				require.Equal(t, want, f.Code, "%v leaf%d level %d %v", pc.mode, pc.leaf, lvl, acc)
				for i := range lvl {
					require.NotZero(t, tb.get(tb.entries[i])&pteA, "A above the missing level")
				}
			}
		}
	}
}

func TestPAEPDPTE(t *testing.T) {
	va := uint64(0xc0201000)
	tb := newTables(t, 4<<20, ModePAE, va, 0x5000, 1)
	tb.set(pteRW, pteRW)
	tb.m.SetControl(tb.control(0, 0, 0))
	pa, f := tb.m.Translate(VAddr(va|0x10), Read, false, false)
	require.Nil(t, f)
	require.Equal(t, PAddr(0x5010), pa)

	// The PDPTEs are registers: changing memory without a CR3 write has no effect.
	pdpteAddr := uint64(cr3Base + 3*8)
	saved := binary.LittleEndian.Uint64(tb.m.ram[pdpteAddr:])
	binary.LittleEndian.PutUint64(tb.m.ram[pdpteAddr:], 0)
	tb.m.FlushTLB()
	_, f = tb.m.Translate(VAddr(va), Read, false, false)
	require.Nil(t, f)
	require.True(t, tb.m.PAEPDPTEsValid(cr3Base))
	tb.m.WriteCR3(cr3Base)
	_, f = tb.m.Translate(VAddr(va), Read, false, false)
	require.NotNil(t, f)
	require.Equal(t, uint32(0), f.Code)

	// A reserved bit in a present PDPTE: invalid for MOV CR3, RSVD if used.
	binary.LittleEndian.PutUint64(tb.m.ram[pdpteAddr:], saved|pteRW)
	require.False(t, tb.m.PAEPDPTEsValid(cr3Base))
	tb.m.WriteCR3(cr3Base)
	_, f = tb.m.Translate(VAddr(va), Read, false, false)
	require.NotNil(t, f)
	require.Equal(t, uint32(PFPresent|PFReserved), f.Code)

	// The state snapshot carries the PDPTE registers.
	binary.LittleEndian.PutUint64(tb.m.ram[pdpteAddr:], saved)
	tb.m.WriteCR3(cr3Base)
	st := tb.m.State()
	binary.LittleEndian.PutUint64(tb.m.ram[pdpteAddr:], 0)
	m2 := New(4 << 20)
	copy(m2.RAM(), tb.m.RAM())
	m2.SetState(st)
	pa, f = m2.Translate(VAddr(va), Read, false, false)
	require.Nil(t, f)
	require.Equal(t, PAddr(0x5000), pa)
}

func TestPSE36(t *testing.T) {
	va := uint64(0x80412345)
	tb := newTables(t, 4<<20, Mode32, va, 0x00c00000, 2)
	tb.set(pteRW | 0x5<<13) // physical-address bits 39:32 = 5
	tb.m.SetControl(tb.control(0, 0, 0))
	pa, f := tb.m.Translate(VAddr(va), Read, false, false)
	require.Nil(t, f)
	require.Equal(t, PAddr(0x5_00c1_2345), pa)

	// Without CR4.PSE, PS is ignored and the PDE points to a page table.
	c := tb.control(0, 0, 0)
	c.CR4 &^= CR4_PSE
	tb.m.SetControl(c)
	binary.LittleEndian.PutUint32(tb.m.ram[0x00c00000-0x00c00000+0x3000:], 0) // unrelated
	pa, f = tb.m.Translate(VAddr(va), Read, false, false)
	// The "page table" at 0xc00000+... is outside 4 MiB of RAM: reads as
	// all-ones, P=1 with no reserved bits in 32-bit PTEs, so it maps to
	// 0xfffff000.
	require.Nil(t, f)
	require.Equal(t, PAddr(0xfffff345), pa)
}

// TestDirtyRewalk: a page first read (A set, D clear, read entry cached)
// then written must walk again and set D, even though the read entry hits.
func TestDirtyRewalk(t *testing.T) {
	va := uint64(0x7f0000201000)
	tb := newTables(t, 4<<20, Mode4Level, va, 0x7000, 1)
	tb.set(pteRW, pteRW, pteRW, pteRW)
	tb.m.SetControl(tb.control(0, 0, 0))
	_, f := tb.m.Read64(VAddr(va), false, false)
	require.Nil(t, f)
	leaf := tb.entries[3]
	require.Equal(t, uint64(pteA), tb.get(leaf)&(pteA|pteD))
	require.Nil(t, tb.m.Write64(VAddr(va), 1, false, false))
	require.Equal(t, uint64(pteA|pteD), tb.get(leaf)&(pteA|pteD))
	// Software clears D without INVLPG: the cached write entry is kept
	// (architecturally allowed), so D stays clear.
	tb.put(leaf, tb.get(leaf)&^pteD)
	require.Nil(t, tb.m.Write64(VAddr(va), 2, false, false))
	require.Zero(t, tb.get(leaf)&pteD)
	tb.m.Invlpg(VAddr(va))
	require.Nil(t, tb.m.Write64(VAddr(va), 3, false, false))
	require.NotZero(t, tb.get(leaf)&pteD)
}

// TestPageTablesOutsideRAM: tables in unbacked space read as all-ones,
// which has reserved bits set in 4-level entries.
func TestPageTablesOutsideRAM(t *testing.T) {
	m := New(1 << 20)
	m.SetControl(Control{CR0: testCR0, CR3: 0x1000_0000, CR4: CR4_PAE, EFER: EFER_LME | EFER_LMA})
	_, f := m.Translate(0x1000, Read, false, false)
	require.NotNil(t, f)
	require.Equal(t, uint32(PFPresent|PFReserved), f.Code)
	_, f = m.Read64(0x1000, true, false)
	require.NotNil(t, f)
	require.Equal(t, uint32(PFPresent|PFReserved|PFUser), f.Code)
}

// TestProbeHasNoSideEffects: Probe neither sets A/D nor fills the TLB.
func TestProbeHasNoSideEffects(t *testing.T) {
	va := uint64(0x7f0000201000)
	tb := newTables(t, 4<<20, Mode4Level, va, 0x7000, 1)
	tb.set(pteRW, pteRW, pteRW, pteRW)
	tb.m.SetControl(tb.control(0, 0, 0))
	pa, f := tb.m.Probe(VAddr(va+8), Write, false, false)
	require.Nil(t, f)
	require.Equal(t, PAddr(0x7008), pa)
	for _, ea := range tb.entries {
		require.Zero(t, tb.get(ea)&(pteA|pteD))
	}
	_, f = tb.m.Probe(VAddr(va), Read, true, false)
	require.NotNil(t, f)
	require.Equal(t, uint32(PFPresent|PFUser), f.Code)
}
