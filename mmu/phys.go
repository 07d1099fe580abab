package mmu

import (
	"errors"
	"fmt"
	"sort"
)

// Errors returned by AttachMMIO (wrapped with the offending range).
var (
	// ErrMMIOEmpty: the range has size 0 or no device.
	ErrMMIOEmpty = errors.New("mmu: MMIO range is empty or has no device")
	// ErrMMIORange: the range wraps around or reaches beyond MAXPHYADDR.
	ErrMMIORange = errors.New("mmu: MMIO range lies outside the physical address space")
	// ErrMMIOOverlapRAM: the range overlaps guest RAM.
	ErrMMIOOverlapRAM = errors.New("mmu: MMIO range overlaps RAM")
	// ErrMMIOOverlap: the range overlaps an MMIO range already attached.
	ErrMMIOOverlap = errors.New("mmu: MMIO range overlaps another MMIO range")
)

type mmioRange struct {
	base, end uint64 // [base, end)
	dev       MMIO
}

// AttachMMIO maps device d at physical addresses [base, base+size). The range
// must be non-empty, lie below 2^MaxPhysAddrBits, and overlap neither RAM nor
// another MMIO range.
func (m *MMU) AttachMMIO(base PAddr, size uint64, d MMIO) error {
	b := uint64(base)
	end := b + size
	switch {
	case size == 0 || d == nil:
		return fmt.Errorf("%w: [%#x, +%#x)", ErrMMIOEmpty, b, size)
	case end < b || end > 1<<MaxPhysAddrBits:
		return fmt.Errorf("%w: [%#x, +%#x)", ErrMMIORange, b, size)
	case b < uint64(len(m.ram)):
		return fmt.Errorf("%w: [%#x, %#x) vs RAM [0, %#x)", ErrMMIOOverlapRAM, b, end, len(m.ram))
	}
	i := sort.Search(len(m.mmio), func(i int) bool { return m.mmio[i].base >= b })
	if i > 0 && m.mmio[i-1].end > b {
		r := m.mmio[i-1]
		return fmt.Errorf("%w: [%#x, %#x) vs [%#x, %#x)", ErrMMIOOverlap, b, end, r.base, r.end)
	}
	if i < len(m.mmio) && m.mmio[i].base < end {
		r := m.mmio[i]
		return fmt.Errorf("%w: [%#x, %#x) vs [%#x, %#x)", ErrMMIOOverlap, b, end, r.base, r.end)
	}
	m.mmio = append(m.mmio, mmioRange{})
	copy(m.mmio[i+1:], m.mmio[i:])
	m.mmio[i] = mmioRange{base: b, end: end, dev: d}
	if m.group != nil {
		for _, s := range m.group.members {
			s.mmio = m.mmio
		}
	}
	// Cached translations of these addresses may point nowhere useful
	// (unbacked); they need no fast-path pointer change since non-RAM
	// entries have none.
	return nil
}

// ramPage returns the RAM page at page-aligned pa, or nil if pa is not RAM.
func (m *MMU) ramPage(pa uint64) *[PageSize]byte {
	if pa >= uint64(len(m.ram)) {
		return nil
	}
	return (*[PageSize]byte)(m.ram[pa : pa+PageSize])
}

// findMMIO returns the index of the MMIO range containing pa, or -1, and the
// base of the next range above pa (or ^0).
func (m *MMU) findMMIO(pa uint64) (int, uint64) {
	i := sort.Search(len(m.mmio), func(i int) bool { return m.mmio[i].end > pa })
	if i == len(m.mmio) {
		return -1, ^uint64(0)
	}
	if m.mmio[i].base <= pa {
		return i, m.mmio[i].end
	}
	return -1, m.mmio[i].base
}

// ReadPhys reads guest-physical memory, bypassing paging. MMIO ranges are
// dispatched to their devices (an access spanning ranges is split at the
// boundaries); unbacked addresses read as 0xFF.
func (m *MMU) ReadPhys(pa PAddr, buf []byte) {
	p := uint64(pa)
	for len(buf) > 0 {
		var n uint64
		if p < uint64(pa) { // wrapped past the top of the address space
			for j := range buf {
				buf[j] = 0xFF
			}
			return
		}
		if p < uint64(len(m.ram)) {
			n = uint64(copy(buf, m.ram[p:]))
		} else {
			i, next := m.findMMIO(p)
			n = min(uint64(len(buf)), next-p)
			if n == 0 { // p wrapped to ^0
				n = 1
			}
			if i >= 0 {
				m.mmio[i].dev.ReadMMIO(p-m.mmio[i].base, buf[:n])
			} else {
				for j := range buf[:n] {
					buf[j] = 0xFF
				}
			}
		}
		buf = buf[n:]
		p += n
	}
}

// WritePhys writes guest-physical memory, bypassing paging. Writes to RAM
// pages that hold decoded code call the code invalidator; MMIO ranges are
// dispatched to their devices; writes to unbacked addresses are ignored.
func (m *MMU) WritePhys(pa PAddr, buf []byte) {
	p := uint64(pa)
	for len(buf) > 0 && p >= uint64(pa) { // stop at the top of the address space
		var n uint64
		if p < uint64(len(m.ram)) {
			n = min(uint64(len(buf)), uint64(len(m.ram))-p)
			if m.tracking {
				m.beforeWrite(p, n) // before the copy: the hook sees the old bytes
			}
			copy(m.ram[p:], buf[:n])
			m.checkCode(p, n) // after the copy: the invalidator sees the new bytes
		} else {
			i, next := m.findMMIO(p)
			n = min(uint64(len(buf)), next-p)
			if n == 0 {
				n = 1
			}
			if i >= 0 {
				m.mmio[i].dev.WriteMMIO(p-m.mmio[i].base, buf[:n])
			}
		}
		buf = buf[n:]
		p += n
	}
}

// checkCode handles code marks for a write of n bytes of RAM at pa.
// Precondition: [pa, pa+n) lies within RAM.
func (m *MMU) checkCode(pa, n uint64) {
	if n == 0 {
		return
	}
	for pfn, last := pa/PageSize, (pa+n-1)/PageSize; pfn <= last; pfn++ {
		if m.code[pfn] != 0 {
			lo, hi := max(pa, pfn*PageSize), min(pa+n, (pfn+1)*PageSize)
			m.codeWritten(pfn, lo-pfn*PageSize, hi-lo)
		}
	}
}

// codeWritten calls the invalidator for the n bytes written at offset off of
// page pfn and clears the page's mark, unless an invalidator asks to keep it
// (it still holds decoded code that the write did not touch).
func (m *MMU) codeWritten(pfn, off, n uint64) {
	m.code[pfn] = 0
	keep := false
	if m.group != nil {
		for _, s := range m.group.members {
			if s.invalidate != nil && s.invalidate(pfn, off, n) {
				keep = true
			}
		}
	} else if m.invalidate != nil {
		keep = m.invalidate(pfn, off, n)
	}
	if keep {
		m.code[pfn] = 1 // its write entries lost their fast path when it was marked
	}
}

// MarkCode records that the CPU has decoded instructions from physical page
// pfn: the next write to it from any path calls the code invalidator once.
// Pages outside RAM are ignored (writes there cannot change code bytes the
// CPU cached from RAM).
func (m *MMU) MarkCode(pfn uint64) {
	if pfn >= uint64(len(m.code)) || m.code[pfn] != 0 {
		return
	}
	m.code[pfn] = 1
	if m.group != nil {
		for _, s := range m.group.members {
			s.unmapCodeWrites(pfn)
		}
		return
	}
	m.unmapCodeWrites(pfn)
}

// IsCode reports whether physical page pfn is marked as holding decoded code.
func (m *MMU) IsCode(pfn uint64) bool {
	return pfn < uint64(len(m.code)) && m.code[pfn] != 0
}

// ClearCodeMarks drops every code mark without calling the invalidator
// (for a CPU that has flushed its whole decode cache).
func (m *MMU) ClearCodeMarks() { clear(m.code) }

// SetCodeInvalidator sets the function called when a code-marked page is
// written, with its page frame number and the offset and length of the bytes
// written in it; it returns true to keep the page's mark (the next write
// calls it again), false to clear it.
func (m *MMU) SetCodeInvalidator(f func(pfn, off, n uint64) bool) { m.invalidate = f }
