package mmu

import (
	"encoding/binary"
	"testing"
)

// refWalk4 is a 4-level walk written from SDM 4.5 and 4.7 for the tests,
// over RAM only (anything past RAM reads as all-ones). It returns the
// physical address or the #PF error code.
func refWalk4(ram []byte, cr3, va uint64, acc Access, user, ac, wp, smep, smap, nxe bool) (uint64, uint32, bool) {
	read := func(a uint64) uint64 {
		if a+8 <= uint64(len(ram)) {
			return binary.LittleEndian.Uint64(ram[a:])
		}
		return ^uint64(0)
	}
	const m = 40
	field := func(e uint64) uint64 { return e & (1<<m - 1) &^ 0xfff }
	fault := func(bits uint32) (uint64, uint32, bool) {
		if acc == Write {
			bits |= PFWrite
		}
		if user {
			bits |= PFUser
		}
		if acc == Exec && (smep || nxe) {
			bits |= PFFetch
		}
		return 0, bits, false
	}
	table := field(cr3)
	var used []uint64
	for lvl := 4; lvl >= 1; lvl-- {
		shift := uint(12 + 9*(lvl-1))
		e := read(table + (va>>shift&511)*8)
		if e&1 == 0 {
			return fault(0)
		}
		ps := e&(1<<7) != 0
		reserved := e>>m&(1<<(52-m)-1) != 0 || // bits 51:M
			!nxe && e>>63 != 0 ||
			lvl == 4 && ps ||
			lvl == 3 && ps && e>>13&(1<<17-1) != 0 || // bits 29:13
			lvl == 2 && ps && e>>13&0xff != 0 // bits 20:13
		if reserved {
			return fault(PFPresent | PFReserved)
		}
		used = append(used, e)
		if lvl == 1 || ps && lvl <= 3 {
			if !refAllowed(used, acc, user, ac, wp, smep, smap, nxe) {
				return fault(PFPresent)
			}
			size := uint64(1) << shift
			return field(e)&^(size-1) | va&(size-1), 0, true
		}
		table = field(e)
	}
	panic("unreachable")
}

// FuzzWalkVsReference compares 4-level translations of fuzzer-made tables
// with refWalk4.
func FuzzWalkVsReference(f *testing.F) {
	entry := func(pa, flags uint64) []byte { return binary.LittleEndian.AppendUint64(nil, pa|flags) }
	seed := []byte{0x0f, 0x00, 0, 0, 0, 0, 0, 0}
	seed = binary.LittleEndian.AppendUint64(seed, 0x1000)
	seed = append(seed, entry(0x1000, 0x07)...)
	f.Add(seed)
	seed2 := append([]byte{0x03, 0x02, 1, 0, 0, 0, 0, 0}, binary.LittleEndian.AppendUint64(nil, 0x7fffc0201000)...)
	seed2 = append(seed2, entry(0x1000, 0x87|1<<63)...)
	f.Add(seed2)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 17 {
			return
		}
		ctl, mode, cr3pg := data[0], data[1], data[2]
		va := binary.LittleEndian.Uint64(data[8:]) & (1<<48 - 1)
		if va&(1<<47) != 0 {
			va |= 0xffff << 48
		}
		pattern := data[16:]
		m := New(1 << 20)
		for off := 0; off < 1<<17; off += len(pattern) {
			copy(m.ram[off:1<<17], pattern)
		}
		wp, smep, smap, nxe := ctl&1 != 0, ctl&2 != 0, ctl&4 != 0, ctl&8 != 0
		c := Control{CR0: CR0_PG | 1, CR3: uint64(cr3pg) << 12, CR4: CR4_PAE, EFER: EFER_LME | EFER_LMA}
		if wp {
			c.CR0 |= CR0_WP
		}
		if smep {
			c.CR4 |= CR4_SMEP
		}
		if smap {
			c.CR4 |= CR4_SMAP
		}
		if nxe {
			c.EFER |= EFER_NXE
		}
		m.SetControl(c)
		acc := Access(mode % 3)
		user, ac := mode&4 != 0, mode&8 != 0
		wantPA, wantCode, wantOK := refWalk4(m.ram, c.CR3, va, acc, user, ac, wp, smep, smap, nxe)
		pa, flt := m.Translate(VAddr(va), acc, user, ac)
		switch {
		case wantOK && flt != nil:
			t.Fatalf("va %#x %v user=%v ac=%v: #PF %#x, reference pa %#x", va, acc, user, ac, flt.Code, wantPA)
		case !wantOK && flt == nil:
			t.Fatalf("va %#x %v user=%v ac=%v: pa %#x, reference #PF %#x", va, acc, user, ac, pa, wantCode)
		case wantOK && uint64(pa) != wantPA:
			t.Fatalf("va %#x: pa %#x, reference %#x", va, pa, wantPA)
		case !wantOK && (flt.Code != wantCode || flt.Addr != VAddr(va)):
			t.Fatalf("va %#x %v user=%v ac=%v: #PF %#x at %#x, reference %#x", va, acc, user, ac, flt.Code, flt.Addr, wantCode)
		}
	})
}
