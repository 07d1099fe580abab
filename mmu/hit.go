package mmu

import "encoding/binary"

// Inlinable TLB-hit probes: each returns ok=false, having done nothing, when
// the access is not a TLB hit inside one RAM page, and the caller then
// calls the full method (Read64 etc.), which handles misses, faults, MMIO,
// code marks and page-crossing. They exist so that the CPU's operand
// accessors can inline the hit case (the full methods are too large for
// Go's inliner):
//
//	v, ok := mem.TryRead64(va, user, ac)
//	if !ok {
//		v, f = mem.Read64(va, user, ac)
//	}

// TryRead8 is the TLB-hit case of Read8.
func (m *MMU) TryRead8(va VAddr, user, ac bool) (uint64, bool) {
	vpn := uint64(va) >> 12
	e := &m.tlb[Read][m.class(user, ac)][vpn&(tlbSets-1)]
	if e.tag != vpn || e.page == nil || e.pk&m.pkDenyRead != 0 {
		return 0, false
	}
	return uint64(e.page[va&pageMask]), true
}

// TryRead16 is the TLB-hit case of Read16.
func (m *MMU) TryRead16(va VAddr, user, ac bool) (uint64, bool) {
	off := uint64(va) & pageMask
	vpn := uint64(va) >> 12
	e := &m.tlb[Read][m.class(user, ac)][vpn&(tlbSets-1)]
	if e.tag != vpn || e.page == nil || e.pk&m.pkDenyRead != 0 || off > PageSize-2 {
		return 0, false
	}
	return uint64(binary.LittleEndian.Uint16(e.page[off:])), true
}

// TryRead32 is the TLB-hit case of Read32.
func (m *MMU) TryRead32(va VAddr, user, ac bool) (uint64, bool) {
	off := uint64(va) & pageMask
	vpn := uint64(va) >> 12
	e := &m.tlb[Read][m.class(user, ac)][vpn&(tlbSets-1)]
	if e.tag != vpn || e.page == nil || e.pk&m.pkDenyRead != 0 || off > PageSize-4 {
		return 0, false
	}
	return uint64(binary.LittleEndian.Uint32(e.page[off:])), true
}

// TryRead64 is the TLB-hit case of Read64.
func (m *MMU) TryRead64(va VAddr, user, ac bool) (uint64, bool) {
	off := uint64(va) & pageMask
	vpn := uint64(va) >> 12
	e := &m.tlb[Read][m.class(user, ac)][vpn&(tlbSets-1)]
	if e.tag != vpn || e.page == nil || e.pk&m.pkDenyRead != 0 || off > PageSize-8 {
		return 0, false
	}
	return binary.LittleEndian.Uint64(e.page[off:]), true
}

// TryWrite8 is the TLB-hit case of Write8.
func (m *MMU) TryWrite8(va VAddr, v uint64, user, ac bool) bool {
	vpn := uint64(va) >> 12
	e := &m.tlb[Write][m.class(user, ac)][vpn&(tlbSets-1)]
	if e.tag != vpn || e.page == nil || e.pk&m.pkDenyWrite != 0 {
		return false
	}
	e.page[va&pageMask] = byte(v)
	return true
}

// TryWrite16 is the TLB-hit case of Write16.
func (m *MMU) TryWrite16(va VAddr, v uint64, user, ac bool) bool {
	off := uint64(va) & pageMask
	vpn := uint64(va) >> 12
	e := &m.tlb[Write][m.class(user, ac)][vpn&(tlbSets-1)]
	if e.tag != vpn || e.page == nil || e.pk&m.pkDenyWrite != 0 || off > PageSize-2 {
		return false
	}
	binary.LittleEndian.PutUint16(e.page[off:], uint16(v))
	return true
}

// TryWrite32 is the TLB-hit case of Write32.
func (m *MMU) TryWrite32(va VAddr, v uint64, user, ac bool) bool {
	off := uint64(va) & pageMask
	vpn := uint64(va) >> 12
	e := &m.tlb[Write][m.class(user, ac)][vpn&(tlbSets-1)]
	if e.tag != vpn || e.page == nil || e.pk&m.pkDenyWrite != 0 || off > PageSize-4 {
		return false
	}
	binary.LittleEndian.PutUint32(e.page[off:], uint32(v))
	return true
}

// TryWrite64 is the TLB-hit case of Write64.
func (m *MMU) TryWrite64(va VAddr, v uint64, user, ac bool) bool {
	off := uint64(va) & pageMask
	vpn := uint64(va) >> 12
	e := &m.tlb[Write][m.class(user, ac)][vpn&(tlbSets-1)]
	if e.tag != vpn || e.page == nil || e.pk&m.pkDenyWrite != 0 || off > PageSize-8 {
		return false
	}
	binary.LittleEndian.PutUint64(e.page[off:], v)
	return true
}

// TryRead128 is the TLB-hit case of Read128 (lo = bytes 0-7).
func (m *MMU) TryRead128(va VAddr, user, ac bool) (lo, hi uint64, ok bool) {
	off := uint64(va) & pageMask
	vpn := uint64(va) >> 12
	e := &m.tlb[Read][m.class(user, ac)][vpn&(tlbSets-1)]
	if e.tag != vpn || e.page == nil || e.pk&m.pkDenyRead != 0 || off > PageSize-16 {
		return 0, 0, false
	}
	p := e.page[off : off+16]
	return binary.LittleEndian.Uint64(p), binary.LittleEndian.Uint64(p[8:]), true
}

// TryWrite128 is the TLB-hit case of Write128.
func (m *MMU) TryWrite128(va VAddr, lo, hi uint64, user, ac bool) bool {
	off := uint64(va) & pageMask
	vpn := uint64(va) >> 12
	e := &m.tlb[Write][m.class(user, ac)][vpn&(tlbSets-1)]
	if e.tag != vpn || e.page == nil || e.pk&m.pkDenyWrite != 0 || off > PageSize-16 {
		return false
	}
	p := e.page[off : off+16]
	binary.LittleEndian.PutUint64(p, lo)
	binary.LittleEndian.PutUint64(p[8:], hi)
	return true
}

// TryWritePage is the TLB-hit case of a write of size bytes at va that stays inside one
// page: it returns the RAM page behind va, or nil when a write there would take the full
// method's path (miss, fault, MMIO, code mark, page crossing, protection key). A write
// hit implies that a read of the same bytes would succeed (a write entry is installed by
// a write walk, which set the accessed and dirty bits; every writable page is readable and
// a key that forbids reading forbids writing), so a read-modify-write needs one probe.
func (m *MMU) TryWritePage(va VAddr, size uint64, user, ac bool) *[PageSize]byte {
	vpn := uint64(va) >> 12
	e := &m.tlb[Write][m.class(user, ac)][vpn&(tlbSets-1)]
	if e.tag != vpn || e.pk&m.pkDenyWrite != 0 || uint64(va)&pageMask > PageSize-size {
		return nil
	}
	return e.page
}
