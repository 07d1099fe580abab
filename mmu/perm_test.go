package mmu

import (
	"fmt"
	"testing"
)

// refAllowed is the access-rights rule of SDM Vol. 3A 4.6, written from the
// text independently of the implementation. lv holds the paging-structure
// entries of the translation (PAE PDPTEs excluded: they carry no rights).
func refAllowed(lv []uint64, acc Access, user, ac, wp, smep, smap, nxe bool) bool {
	// 4.6.1: a linear address is a user-mode address if U/S=1 in every
	// paging-structure entry controlling it, a supervisor-mode address
	// otherwise; it is writable (for the purpose of these rules) only if
	// R/W=1 in every entry; with IA32_EFER.NXE=1 it is execute-disabled if
	// XD=1 in any entry.
	userAddr, writable, execDisabled := true, true, false
	for _, e := range lv {
		if e&pteUS == 0 {
			userAddr = false
		}
		if e&pteRW == 0 {
			writable = false
		}
		if nxe && e&pteXD != 0 {
			execDisabled = true
		}
	}
	if user {
		// User-mode accesses: only user-mode addresses; writes need R/W
		// (CR0.WP does not matter); fetches need XD=0.
		if !userAddr {
			return false
		}
		switch acc {
		case Write:
			return writable
		case Exec:
			return !execDisabled
		}
		return true
	}
	switch acc {
	case Read, Write:
		// SMAP: explicit supervisor data accesses to user-mode addresses
		// are allowed only with EFLAGS.AC=1.
		if smap && userAddr && !ac {
			return false
		}
		if acc == Write && wp && !writable {
			return false
		}
		return true
	}
	// Supervisor fetch: SMEP forbids user-mode addresses; XD forbids any.
	if smep && userAddr {
		return false
	}
	return !execDisabled
}

type permCase struct {
	mode Mode
	leaf int
	va   uint64
	pa   uint64
}

var permCases = []permCase{
	{Mode4Level, 1, 0x00007f12_3456_7000 + 0x123, 0x0035_6000},
	{Mode4Level, 2, 0xffff8000_0060_0000 + 0x12345, 0x0040_0000},
	{Mode4Level, 3, 0x00000080_4000_0000 + 0x3456, 0},
	{ModePAE, 1, 0xc012_3000 + 0x7f8, 0x0035_6000},
	{ModePAE, 2, 0x8040_0000 + 0x1f0000, 0x0040_0000},
	{Mode32, 1, 0xc012_3000 + 0x7f8, 0x0035_6000},
	{Mode32, 2, 0x8040_0000 + 0x3f0000, 0x0040_0000},
}

// flagChoices are the per-entry right bits combined in the matrix.
func flagChoices(mode Mode) []uint64 {
	if mode == Mode32 {
		return []uint64{0, pteRW, pteUS, pteRW | pteUS}
	}
	return []uint64{0, pteRW, pteUS, pteRW | pteUS, pteXD, pteXD | pteRW, pteXD | pteUS, pteXD | pteRW | pteUS}
}

// TestPermissionMatrix checks every combination of per-level U/S, R/W, XD,
// CR0.WP, CR4.SMEP, CR4.SMAP, EFER.NXE, RFLAGS.AC, CPL and access kind
// against refAllowed, for every paging mode and leaf size, including the
// #PF error code and the accessed/dirty bits written.
func TestPermissionMatrix(t *testing.T) {
	for _, pc := range permCases {
		t.Run(fmt.Sprintf("%v/leaf%d", pc.mode, pc.leaf), func(t *testing.T) {
			tb := newTables(t, 8<<20, pc.mode, pc.va, pc.pa, pc.leaf)
			m := tb.m
			choices := flagChoices(pc.mode)
			n := len(tb.entries)
			combos := 1
			for range n {
				combos *= len(choices)
			}
			size := map[int]uint64{1: 1 << 12, 2: 1 << 21, 3: 1 << 30}[pc.leaf]
			if pc.mode == Mode32 && pc.leaf == 2 {
				size = 1 << 22
			}
			wantPA := pc.pa | pc.va&(size-1)
			if pc.mode != Mode4Level {
				wantPA = pc.pa | pc.va&0xffffffff&(size-1)
			}
			cases := 0
			for ctl := range 16 {
				wp, smep, smap, nxe := ctl&1 != 0, ctl&2 != 0, ctl&4 != 0, ctl&8 != 0
				if nxe && pc.mode == Mode32 {
					continue
				}
				var cr0, cr4, efer uint64
				if wp {
					cr0 |= CR0_WP
				}
				if smep {
					cr4 |= CR4_SMEP
				}
				if smap {
					cr4 |= CR4_SMAP
				}
				if nxe {
					efer |= EFER_NXE
				}
				m.SetControl(tb.control(cr0, cr4, efer))
				for combo := range combos {
					flags := make([]uint64, n)
					hasXD := false
					for i, c := 0, combo; i < n; i++ {
						flags[i] = choices[c%len(choices)]
						hasXD = hasXD || flags[i]&pteXD != 0
						c /= len(choices)
					}
					if hasXD && !nxe {
						continue // XD is a reserved bit then: TestReservedBits
					}
					for _, priv := range []struct{ user, ac bool }{{true, false}, {true, true}, {false, false}, {false, true}} {
						for _, acc := range []Access{Read, Write, Exec} {
							tb.set(flags...)
							m.FlushTLB()
							want := refAllowed(flags, acc, priv.user, priv.ac, wp, smep, smap, nxe)
							pa, f := m.Translate(VAddr(pc.va), acc, priv.user, priv.ac)
							desc := func() string {
								return fmt.Sprintf("wp=%v smep=%v smap=%v nxe=%v flags=%x user=%v ac=%v %v",
									wp, smep, smap, nxe, flags, priv.user, priv.ac, acc)
							}
							cases++
							if want {
								if f != nil || pa != PAddr(wantPA) {
									t.Fatalf("%s: got %#x, %v; want %#x", desc(), pa, f, wantPA)
								}
							} else {
								code := uint32(PFPresent)
								if acc == Write {
									code |= PFWrite
								}
								if priv.user {
									code |= PFUser
								}
								if acc == Exec && (smep || nxe) {
									code |= PFFetch
								}
								if f == nil || f.Code != code || f.Addr != VAddr(pc.va) {
									t.Fatalf("%s: got %#x, %v; want #PF code %#x", desc(), pa, f, code)
								}
							}
							// Accessed/dirty: non-leaf entries walked get A; the
							// leaf gets A (and D on a write) only on success.
							for i, ea := range tb.entries {
								e := tb.get(ea)
								leaf := i == n-1
								wantA := !leaf || want
								wantD := leaf && want && acc == Write
								if (e&pteA != 0) != wantA || (e&pteD != 0) != wantD {
									t.Fatalf("%s: level %d entry %#x: want A=%v D=%v", desc(), i, e, wantA, wantD)
								}
							}
							// The same access again (a TLB hit when it succeeded,
							// a new walk when it faulted) gives the same answer.
							pa2, f2 := m.Translate(VAddr(pc.va), acc, priv.user, priv.ac)
							if pa2 != pa || (f == nil) != (f2 == nil) || f != nil && *f != *f2 {
								t.Fatalf("%s: again: %#x, %v", desc(), pa2, f2)
							}
							// The typed fast paths agree.
							var f3 *Fault
							switch acc {
							case Read:
								_, f3 = m.Read64(VAddr(pc.va), priv.user, priv.ac)
							case Write:
								f3 = m.Write64(VAddr(pc.va), 0, priv.user, priv.ac)
							case Exec:
								_, _, f3 = m.Fetch(VAddr(pc.va), priv.user)
							}
							if (f == nil) != (f3 == nil) || f != nil && *f != *f3 {
								t.Fatalf("%s: typed access: %v", desc(), f3)
							}
						}
					}
				}
			}
			t.Logf("%d cases", cases)
		})
	}
}
