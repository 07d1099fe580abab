package mmu

// Debugger and host-tool access to virtual memory: translations that ignore
// access rights and have no side effects (no A/D bits, no TLB fills), and a
// visitor over the current page tables.

// clsDebug is a privilege class for which every access is permitted; it
// never indexes the TLB.
const clsDebug = numClasses

// DebugTranslate returns the physical address va maps to in the current
// page tables, ignoring access rights. It fails (with the #PF a supervisor
// read would get) only if va is not mapped or a reserved bit is set.
func (m *MMU) DebugTranslate(va VAddr) (PAddr, *Fault) {
	w, code := m.walk(uint64(va), Read, clsDebug, false)
	if code != 0 {
		return 0, &Fault{Addr: va, Code: code &^ faultMarker}
	}
	return PAddr(w.pa&^pageMask | uint64(va)&pageMask), nil
}

// DebugRead reads virtual memory for a debugger: no rights checks, no A/D
// bits, no TLB fills, MMIO dispatched. If a page is unmapped it returns the
// fault for it; bytes of earlier pages have been read.
func (m *MMU) DebugRead(va VAddr, buf []byte) *Fault {
	return m.debugAccess(uint64(va), buf, false)
}

// DebugWrite writes virtual memory for a debugger or a host poke, even to
// read-only pages (patching kernel text is what attack scenarios do). Code
// marks are honoured, so decoded instructions are invalidated. Every page
// is translated before any byte is written.
func (m *MMU) DebugWrite(va VAddr, buf []byte) *Fault {
	return m.debugAccess(uint64(va), buf, true)
}

func (m *MMU) debugAccess(va uint64, buf []byte, write bool) *Fault {
	if write {
		for p, rem := va, uint64(len(buf)); rem > 0; {
			if _, f := m.DebugTranslate(VAddr(p)); f != nil {
				return f
			}
			n := min(rem, PageSize-p&pageMask)
			rem -= n
			p += n
		}
	}
	for p := va; len(buf) > 0; {
		pa, f := m.DebugTranslate(VAddr(p))
		if f != nil {
			return f
		}
		n := min(uint64(len(buf)), PageSize-p&pageMask)
		if write {
			m.WritePhys(pa, buf[:n])
		} else {
			m.ReadPhys(pa, buf[:n])
		}
		buf = buf[n:]
		p += n
	}
	return nil
}

// Mapping is one leaf translation of the current page tables.
type Mapping struct {
	VA       VAddr  // first linear address (sign-extended in 4-level paging)
	PA       PAddr  // first physical address
	Size     uint64 // 4 KiB, 2 MiB, 4 MiB or 1 GiB
	Write    bool   // R/W=1 at every level
	User     bool   // U/S=1 at every level
	NX       bool   // XD=1 at some level (only with EFER.NXE)
	Global   bool   // G=1 in the leaf and CR4.PGE=1
	Accessed bool   // A in the leaf
	Dirty    bool   // D in the leaf
}

// VisitMappings calls fn for every present leaf of the current page tables
// in increasing linear-address order (for `info tab`-style listings),
// skipping entries with reserved bits set; fn returns false to stop. With
// paging off there are no mappings. Nothing is written.
func (m *MMU) VisitMappings(fn func(Mapping) bool) {
	switch m.mode {
	case Mode4Level:
		m.visit64(m.ctl.CR3&addrMask, 39, 0, pteRW|pteUS, 0, fn, true)
	case ModePAE:
		for i, pdpte := range m.pdpte {
			if pdpte&pteP == 0 || pdpte&(rsvdPDPTEPAE|rsvdPhysPAE) != 0 {
				continue
			}
			if !m.visit64(pdpte&addrMask, 21, uint64(i)<<30, pteRW|pteUS, 0, fn, false) {
				return
			}
		}
	case Mode32:
		m.visit32(fn)
	}
}

// visit64 visits the table at pa whose entries map 1<<shift bytes each,
// starting at linear address base; allow/xd accumulate rights from above.
func (m *MMU) visit64(pa uint64, shift uint, base, allow, xd uint64, fn func(Mapping) bool, long bool) bool {
	rsvd := rsvdPhys
	if !long {
		rsvd = rsvdPhysPAE
	}
	if !m.nxe {
		rsvd |= pteXD
	}
	for i := range uint64(512) {
		e := m.readPTE(pa + i*8)
		if e&pteP == 0 {
			continue
		}
		r := rsvd
		leaf := shift == 12
		switch {
		case shift == 39:
			r |= ptePS
		case shift == 30 && e&ptePS != 0:
			r |= rsvdLarge1G
			leaf = true
		case shift == 21 && e&ptePS != 0:
			r |= rsvdLarge2M
			leaf = true
		}
		if e&r != 0 {
			continue
		}
		va := base | i<<shift
		if long && va&(1<<47) != 0 {
			va |= 0xFFFF000000000000
		}
		a, x := allow&e, xd|e
		if !leaf {
			if !m.visit64(e&addrMask, shift-9, va, a, x, fn, long) {
				return false
			}
			continue
		}
		size := uint64(1) << shift
		if !fn(Mapping{
			VA: VAddr(va), PA: PAddr(e & addrMask &^ (size - 1)), Size: size,
			Write: a&pteRW != 0, User: a&pteUS != 0, NX: m.nxe && x&pteXD != 0,
			Global: m.pge && e&pteG != 0, Accessed: e&pteA != 0, Dirty: e&pteD != 0,
		}) {
			return false
		}
	}
	return true
}

func (m *MMU) visit32(fn func(Mapping) bool) {
	pd := m.ctl.CR3 & 0xFFFFF000
	for i := range uint64(1024) {
		pde := uint64(m.readPTE32(pd + i*4))
		if pde&pteP == 0 {
			continue
		}
		if m.pse && pde&ptePS != 0 {
			if pde&rsvdLarge4M != 0 {
				continue
			}
			if !fn(Mapping{
				VA: VAddr(i << 22), PA: PAddr(pde&0xFFC00000 | (pde>>13&0xFF)<<32), Size: 1 << 22,
				Write: pde&pteRW != 0, User: pde&pteUS != 0, Global: m.pge && pde&pteG != 0,
				Accessed: pde&pteA != 0, Dirty: pde&pteD != 0,
			}) {
				return
			}
			continue
		}
		pt := pde & 0xFFFFF000
		for j := range uint64(1024) {
			pte := uint64(m.readPTE32(pt + j*4))
			if pte&pteP == 0 {
				continue
			}
			a := pde & pte
			if !fn(Mapping{
				VA: VAddr(i<<22 | j<<12), PA: PAddr(pte & 0xFFFFF000), Size: PageSize,
				Write: a&pteRW != 0, User: a&pteUS != 0, Global: m.pge && pte&pteG != 0,
				Accessed: pte&pteA != 0, Dirty: pte&pteD != 0,
			}) {
				return
			}
		}
	}
}
