package mmu

import (
	"fmt"
	"testing"
)

// pkRef is the SDM 4.6.2 rule for a data access to a page the paging flags
// already permit: whether protection key rights (ad, wd) deny it.
func pkRef(userPage bool, acc Access, user, wp, ad, wd bool) bool {
	if !userPage || acc == Exec {
		return false
	}
	if ad {
		return true
	}
	return acc == Write && wd && (user || wp)
}

// TestProtectionKeys checks every combination of CPL, CR0.WP, AD/WD, access
// kind and page owner against the reference rule, through the TLB fast
// paths (Read64/Write64/TryRead64/TryWrite64) and Translate, both on a miss
// and on a hit whose rights changed by SetPKRU alone.
func TestProtectionKeys(t *testing.T) {
	const va, pa, key = 0x7f0012345000, 0x200000, 11
	for _, userPage := range []bool{true, false} {
		for _, wp := range []bool{false, true} {
			for rights := range 4 {
				ad, wd := rights&1 != 0, rights&2 != 0
				for _, user := range []bool{true, false} {
					for _, acc := range []Access{Read, Write, Exec} {
						name := fmt.Sprintf("upage=%v wp=%v ad=%v wd=%v user=%v %v", userPage, wp, ad, wd, user, acc)
						t.Run(name, func(t *testing.T) {
							if user && !userPage {
								t.Skip("paging itself refuses user access to supervisor pages")
							}
							tb := newTables(t, 4<<20, Mode4Level, va, pa, 1)
							m := tb.m
							us := uint64(0)
							if userPage {
								us = pteUS
							}
							leaf := pteRW | us | uint64(key)<<59
							tb.set(pteRW|pteUS, pteRW|pteUS, pteRW|pteUS, leaf)
							cr0 := uint64(0)
							if wp {
								cr0 = CR0_WP
							}
							m.SetControl(tb.control(cr0, CR4_PKE, 0))
							pkru := uint32(0)
							if ad {
								pkru |= 1 << (2 * key)
							}
							if wd {
								pkru |= 2 << (2 * key)
							}
							// Other keys' rights must not matter.
							pkru |= 0x3 << (2 * (key - 1))
							want := pkRef(userPage, acc, user, wp, ad, wd)

							check := func(stage string, f *Fault) {
								t.Helper()
								if !want {
									if f != nil {
										t.Fatalf("%s: unexpected %v", stage, f)
									}
									return
								}
								code := uint32(PFPresent | PFPK)
								if acc == Write {
									code |= PFWrite
								}
								if user {
									code |= PFUser
								}
								if f == nil || f.Code != code || f.Addr != va {
									t.Fatalf("%s: got %v, want #PF code %#x", stage, f, code)
								}
							}
							access := func() *Fault {
								switch acc {
								case Read:
									_, f := m.Read64(va, user, false)
									return f
								case Write:
									return m.Write64(va, 0x1122, user, false)
								}
								_, _, f := m.Fetch(va, user)
								return f
							}

							// Rights in force before the first access: the walk decides.
							m.SetPKRU(pkru)
							check("miss", access())
							_, f := m.Translate(va, acc, user, false)
							check("translate", f)

							// Load the TLB with all rights granted, then revoke them:
							// the cached entry must not bypass the new PKRU.
							m.SetPKRU(0)
							if f := access(); f != nil {
								t.Fatalf("granted: %v", f)
							}
							switch acc {
							case Read:
								if _, ok := m.TryRead64(va, user, false); !ok {
									t.Fatalf("no TLB hit after a granted read")
								}
							case Write:
								if !m.TryWrite64(va, 1, user, false) {
									t.Fatalf("no TLB hit after a granted write")
								}
							}
							m.SetPKRU(pkru)
							switch acc {
							case Read:
								if _, ok := m.TryRead64(va, user, false); ok == want {
									t.Fatalf("TryRead64 hit=%v with denied=%v", ok, want)
								}
							case Write:
								if ok := m.TryWrite64(va, 2, user, false); ok == want {
									t.Fatalf("TryWrite64 hit=%v with denied=%v", ok, want)
								}
							}
							check("hit", access())
							// And granted again without any flush.
							m.SetPKRU(0)
							if f := access(); f != nil {
								t.Fatalf("re-granted: %v", f)
							}
						})
					}
				}
			}
		}
	}
}

// TestProtectionKeysOff checks that keys do nothing without CR4.PKE or
// outside 4-level paging, and that a fault for another reason on a
// key-denied page carries PK too.
func TestProtectionKeysOff(t *testing.T) {
	const va, pa = 0x400000, 0x200000
	tb := newTables(t, 4<<20, Mode4Level, va, pa, 1)
	m := tb.m
	tb.set(pteRW|pteUS, pteRW|pteUS, pteRW|pteUS, pteUS|3<<59) // read-only user page, key 3
	m.SetPKRU(1 << 6)                                          // AD for key 3
	m.SetControl(tb.control(0, 0, 0))
	if _, f := m.Read64(va, true, false); f != nil {
		t.Fatalf("CR4.PKE=0: %v", f)
	}
	m.SetControl(tb.control(0, CR4_PKE, 0))
	if _, f := m.Read64(va, true, false); f == nil || f.Code != PFPresent|PFUser|PFPK {
		t.Fatalf("CR4.PKE=1 read: %v", f)
	}
	// A user write to a read-only page with AD: both reasons, PK reported.
	if f := m.Write64(va, 0, true, false); f == nil || f.Code != PFPresent|PFUser|PFWrite|PFPK {
		t.Fatalf("CR4.PKE=1 write: %v", f)
	}
	// Only WD: PK is reported whenever the key forbids the access.
	m.SetPKRU(2 << 6)
	if f := m.Write64(va, 0, true, false); f == nil || f.Code != PFPresent|PFUser|PFWrite|PFPK {
		t.Fatalf("WD write: %v", f)
	}
	m.SetPKRU(0)
	if f := m.Write64(va, 0, true, false); f == nil || f.Code != PFPresent|PFUser|PFWrite {
		t.Fatalf("read-only write without key rights: %v", f)
	}
	// Debugger reads ignore keys.
	m.SetPKRU(1 << 6)
	var b [8]byte
	if err := m.DebugRead(va, b[:]); err != nil {
		t.Fatalf("debug read: %v", err)
	}
}
