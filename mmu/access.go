package mmu

import "encoding/binary"

// lookup returns the TLB entry translating va for an access of kind acc in
// privilege class cls, walking the page tables on a miss.
func (m *MMU) lookup(va uint64, acc Access, cls int) (*tlbEntry, *Fault) {
	vpn := va >> 12
	e := &m.tlb[acc][cls][vpn&(tlbSets-1)]
	if e.tag == vpn && e.pk&m.pkDeny(acc) == 0 {
		return e, nil
	}
	// A miss, or a key the current PKRU denies: the walk reports the fault.
	return m.miss(va, acc, cls)
}

// miss walks the page tables for va and caches the result.
func (m *MMU) miss(va uint64, acc Access, cls int) (*tlbEntry, *Fault) {
	if m.victims != 0 {
		if e := m.fromVictim(va, acc, cls); e != nil {
			return e, nil
		}
	}
	w, code := m.walk(va, acc, cls, true)
	if code != 0 {
		// A #PF invalidates the TLB entries for the faulting page (SDM 4.10.4.1).
		m.invalidatePage(va)
		return nil, &Fault{Addr: VAddr(va), Code: code &^ faultMarker}
	}
	return m.install(acc, cls, va, w.pa, w.shift, w.global, w.pk), nil
}

// classOf returns the privilege class for an access.
func (m *MMU) classOf(acc Access, user, ac bool) int {
	if acc == Exec {
		if user {
			return clsUser
		}
		return clsSup
	}
	return m.class(user, ac)
}

// Translate translates one linear address. user: an access made at CPL 3
// (implicit supervisor accesses such as GDT/IDT/TSS reads pass user=false).
// ac: RFLAGS.AC (for SMAP; pass false for implicit accesses). Sets A/D bits
// like hardware and caches the translation. Writing RAM() at the returned
// address directly would bypass code marks: write through Write/WritePhys.
func (m *MMU) Translate(va VAddr, acc Access, user, ac bool) (PAddr, *Fault) {
	if acc > Exec {
		acc = Read
	}
	e, f := m.lookup(uint64(va), acc, m.classOf(acc, user, ac))
	if f != nil {
		return 0, f
	}
	return PAddr(e.pa | uint64(va)&pageMask), nil
}

// Probe translates va as an access of kind acc would, without setting A/D
// bits, filling the TLB or consulting it (for debuggers and host tools: it
// shows what the page tables say now).
func (m *MMU) Probe(va VAddr, acc Access, user, ac bool) (PAddr, *Fault) {
	if acc > Exec {
		acc = Read
	}
	w, code := m.walk(uint64(va), acc, m.classOf(acc, user, ac), false)
	if code != 0 {
		return 0, &Fault{Addr: va, Code: code &^ faultMarker}
	}
	return PAddr(w.pa&^pageMask | uint64(va)&pageMask), nil
}

// Read reads len(buf) bytes of virtual memory at va as an access of kind acc
// (Read, or Exec for instruction bytes). Every page is translated before any
// byte is read, so a fault leaves no device side effects. MMIO ranges
// dispatch to devices.
func (m *MMU) Read(va VAddr, buf []byte, acc Access, user, ac bool) *Fault {
	if acc != Exec {
		acc = Read
	}
	return m.access(uint64(va), buf, acc, user, ac)
}

// Write writes buf to virtual memory at va. Every page is translated (and
// checked) before any byte is written: a fault writes nothing.
func (m *MMU) Write(va VAddr, buf []byte, user, ac bool) *Fault {
	return m.access(uint64(va), buf, Write, user, ac)
}

// access implements Read and Write: a checking pass over every page, then a
// transfer pass (whose lookups hit the TLB unless entries were evicted, in
// which case they walk again and see the same tables).
func (m *MMU) access(va uint64, buf []byte, acc Access, user, ac bool) *Fault {
	if len(buf) == 0 {
		return nil
	}
	cls := m.classOf(acc, user, ac)
	if va&pageMask+uint64(len(buf)) > PageSize {
		for p, rem := va, uint64(len(buf)); ; {
			if _, f := m.lookup(p, acc, cls); f != nil {
				return f
			}
			n := PageSize - p&pageMask
			if n >= rem {
				break
			}
			rem -= n
			p += n
		}
	}
	for p := va; len(buf) > 0; {
		e, f := m.lookup(p, acc, cls)
		if f != nil {
			return f
		}
		off := p & pageMask
		n := min(uint64(len(buf)), PageSize-off)
		pa := e.pa | off
		if acc == Write {
			if e.page != nil {
				copy(e.page[off:], buf[:n])
			} else {
				m.WritePhys(PAddr(pa), buf[:n])
				m.refreshWrite(e)
			}
		} else if e.page != nil {
			copy(buf[:n], e.page[off:])
		} else {
			m.ReadPhys(PAddr(pa), buf[:n])
		}
		buf = buf[n:]
		p += n
	}
	return nil
}

// refreshWrite gives a write entry back its fast-path pointer once its page
// no longer carries a code mark (the slow-path write has cleared it).
func (m *MMU) refreshWrite(e *tlbEntry) {
	if e.tag != invalidTag && e.page == nil && e.pa < uint64(len(m.ram)) && m.fastWriteOK(e.pa/PageSize) {
		e.page = m.ramPage(e.pa)
	}
}

// ReadN reads a little-endian value of size bytes at va: 1, 2, 4 and 8 take
// the fast paths, other sizes up to 8 (a 6-byte far pointer) the slow one;
// sizes above 8 read 8 bytes, sizes below 1 nothing.
func (m *MMU) ReadN(va VAddr, size int, user, ac bool) (uint64, *Fault) {
	switch size {
	case 1:
		return m.Read8(va, user, ac)
	case 2:
		return m.Read16(va, user, ac)
	case 4:
		return m.Read32(va, user, ac)
	case 8:
		return m.Read64(va, user, ac)
	}
	if size <= 0 {
		return 0, nil
	}
	return m.readSlow(uint64(va), min(size, 8), user, ac)
}

// WriteN writes the low size bytes of v at va, little-endian; sizes as for
// ReadN.
func (m *MMU) WriteN(va VAddr, size int, v uint64, user, ac bool) *Fault {
	switch size {
	case 1:
		return m.Write8(va, v, user, ac)
	case 2:
		return m.Write16(va, v, user, ac)
	case 4:
		return m.Write32(va, v, user, ac)
	case 8:
		return m.Write64(va, v, user, ac)
	}
	if size <= 0 {
		return nil
	}
	return m.writeSlow(uint64(va), min(size, 8), v, user, ac)
}

// Read8 reads one byte at va.
func (m *MMU) Read8(va VAddr, user, ac bool) (uint64, *Fault) {
	vpn := uint64(va) >> 12
	e := &m.tlb[Read][m.class(user, ac)][vpn&(tlbSets-1)]
	if e.tag == vpn && e.page != nil && e.pk&m.pkDenyRead == 0 {
		return uint64(e.page[va&pageMask]), nil
	}
	return m.readSlow(uint64(va), 1, user, ac)
}

// Read16 reads a little-endian 16-bit value at va.
func (m *MMU) Read16(va VAddr, user, ac bool) (uint64, *Fault) {
	if off := uint64(va) & pageMask; off <= PageSize-2 {
		vpn := uint64(va) >> 12
		e := &m.tlb[Read][m.class(user, ac)][vpn&(tlbSets-1)]
		if e.tag == vpn && e.page != nil && e.pk&m.pkDenyRead == 0 {
			return uint64(binary.LittleEndian.Uint16(e.page[off:])), nil
		}
	}
	return m.readSlow(uint64(va), 2, user, ac)
}

// Read32 reads a little-endian 32-bit value at va.
func (m *MMU) Read32(va VAddr, user, ac bool) (uint64, *Fault) {
	if off := uint64(va) & pageMask; off <= PageSize-4 {
		vpn := uint64(va) >> 12
		e := &m.tlb[Read][m.class(user, ac)][vpn&(tlbSets-1)]
		if e.tag == vpn && e.page != nil && e.pk&m.pkDenyRead == 0 {
			return uint64(binary.LittleEndian.Uint32(e.page[off:])), nil
		}
	}
	return m.readSlow(uint64(va), 4, user, ac)
}

// Read64 reads a little-endian 64-bit value at va.
func (m *MMU) Read64(va VAddr, user, ac bool) (uint64, *Fault) {
	if off := uint64(va) & pageMask; off <= PageSize-8 {
		vpn := uint64(va) >> 12
		e := &m.tlb[Read][m.class(user, ac)][vpn&(tlbSets-1)]
		if e.tag == vpn && e.page != nil && e.pk&m.pkDenyRead == 0 {
			return binary.LittleEndian.Uint64(e.page[off:]), nil
		}
	}
	return m.readSlow(uint64(va), 8, user, ac)
}

// Write8 writes the low byte of v at va.
func (m *MMU) Write8(va VAddr, v uint64, user, ac bool) *Fault {
	vpn := uint64(va) >> 12
	e := &m.tlb[Write][m.class(user, ac)][vpn&(tlbSets-1)]
	if e.tag == vpn && e.page != nil && e.pk&m.pkDenyWrite == 0 {
		e.page[va&pageMask] = byte(v)
		return nil
	}
	return m.writeSlow(uint64(va), 1, v, user, ac)
}

// Write16 writes the low 16 bits of v at va, little-endian.
func (m *MMU) Write16(va VAddr, v uint64, user, ac bool) *Fault {
	if off := uint64(va) & pageMask; off <= PageSize-2 {
		vpn := uint64(va) >> 12
		e := &m.tlb[Write][m.class(user, ac)][vpn&(tlbSets-1)]
		if e.tag == vpn && e.page != nil && e.pk&m.pkDenyWrite == 0 {
			binary.LittleEndian.PutUint16(e.page[off:], uint16(v))
			return nil
		}
	}
	return m.writeSlow(uint64(va), 2, v, user, ac)
}

// Write32 writes the low 32 bits of v at va, little-endian.
func (m *MMU) Write32(va VAddr, v uint64, user, ac bool) *Fault {
	if off := uint64(va) & pageMask; off <= PageSize-4 {
		vpn := uint64(va) >> 12
		e := &m.tlb[Write][m.class(user, ac)][vpn&(tlbSets-1)]
		if e.tag == vpn && e.page != nil && e.pk&m.pkDenyWrite == 0 {
			binary.LittleEndian.PutUint32(e.page[off:], uint32(v))
			return nil
		}
	}
	return m.writeSlow(uint64(va), 4, v, user, ac)
}

// Write64 writes v at va, little-endian.
func (m *MMU) Write64(va VAddr, v uint64, user, ac bool) *Fault {
	if off := uint64(va) & pageMask; off <= PageSize-8 {
		vpn := uint64(va) >> 12
		e := &m.tlb[Write][m.class(user, ac)][vpn&(tlbSets-1)]
		if e.tag == vpn && e.page != nil && e.pk&m.pkDenyWrite == 0 {
			binary.LittleEndian.PutUint64(e.page[off:], v)
			return nil
		}
	}
	return m.writeSlow(uint64(va), 8, v, user, ac)
}

// readSlow handles TLB misses, MMIO and page-crossing reads of size bytes.
// It uses m.scratch so that nothing escapes to the heap.
func (m *MMU) readSlow(va uint64, size int, user, ac bool) (uint64, *Fault) {
	b := m.scratch[:size]
	if f := m.access(va, b, Read, user, ac); f != nil {
		return 0, f
	}
	var v uint64
	for i := size - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v, nil
}

// writeSlow handles TLB misses, code-marked pages, MMIO and page-crossing
// writes of size bytes.
func (m *MMU) writeSlow(va uint64, size int, v uint64, user, ac bool) *Fault {
	b := m.scratch[:size]
	for i := range b {
		b[i] = byte(v >> (8 * i))
	}
	return m.access(va, b, Write, user, ac)
}

// Fetch returns the physical address of va and the bytes from there to the
// end of its page, for the instruction decoder (a 15-byte window across a
// page boundary takes a second call). The slice aliases RAM and must not be
// written. For MMIO it is a fresh copy; for unbacked memory it is 0xFF bytes.
func (m *MMU) Fetch(va VAddr, user bool) (PAddr, []byte, *Fault) {
	cls := clsSup
	if user {
		cls = clsUser
	}
	off := uint64(va) & pageMask
	vpn := uint64(va) >> 12
	e := &m.tlb[Exec][cls][vpn&(tlbSets-1)]
	if e.tag != vpn {
		var f *Fault
		if e, f = m.miss(uint64(va), Exec, cls); f != nil {
			return 0, nil, f
		}
	}
	pa := e.pa | off
	if e.page != nil {
		return PAddr(pa), e.page[off:], nil
	}
	if i, _ := m.findMMIO(pa); i >= 0 {
		b := make([]byte, PageSize-off)
		m.ReadPhys(PAddr(pa), b)
		return PAddr(pa), b, nil
	}
	return PAddr(pa), m.unbacked[off:], nil
}

// Read128 reads a 128-bit little-endian value (an XMM operand) at va: lo is
// bytes 0-7, hi bytes 8-15. Alignment checks (#GP for MOVDQA) are the CPU's.
func (m *MMU) Read128(va VAddr, user, ac bool) (lo, hi uint64, f *Fault) {
	if off := uint64(va) & pageMask; off <= PageSize-16 {
		vpn := uint64(va) >> 12
		e := &m.tlb[Read][m.class(user, ac)][vpn&(tlbSets-1)]
		if e.tag == vpn && e.page != nil && e.pk&m.pkDenyRead == 0 {
			return binary.LittleEndian.Uint64(e.page[off:]), binary.LittleEndian.Uint64(e.page[off+8:]), nil
		}
	}
	b := m.scratch[:16]
	if f := m.access(uint64(va), b, Read, user, ac); f != nil {
		return 0, 0, f
	}
	return binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:]), nil
}

// Write128 writes a 128-bit little-endian value (lo = bytes 0-7) at va;
// all of it or, on a fault, nothing.
func (m *MMU) Write128(va VAddr, lo, hi uint64, user, ac bool) *Fault {
	if off := uint64(va) & pageMask; off <= PageSize-16 {
		vpn := uint64(va) >> 12
		e := &m.tlb[Write][m.class(user, ac)][vpn&(tlbSets-1)]
		if e.tag == vpn && e.page != nil && e.pk&m.pkDenyWrite == 0 {
			binary.LittleEndian.PutUint64(e.page[off:], lo)
			binary.LittleEndian.PutUint64(e.page[off+8:], hi)
			return nil
		}
	}
	b := m.scratch[:16]
	binary.LittleEndian.PutUint64(b, lo)
	binary.LittleEndian.PutUint64(b[8:], hi)
	return m.access(uint64(va), b, Write, user, ac)
}
