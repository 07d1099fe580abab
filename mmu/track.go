package mmu

// Write tracking lets a host observer see RAM before it changes: a page
// marked with Track or TrackAll reaches the write hook before the first
// write to it from any path (CPU fast or slow path, string bulk copies,
// page-walk A/D updates, host WritePhys) changes a byte. While a page is
// marked, write TLB entries for it carry no fast-path pointer, so the
// write goes the slow way and through WritePhys; the hook says whether the
// page stays marked. Unmarked pages cost nothing.

// WriteHook is called before a write changes RAM bytes [pa, pa+n) of a
// tracked page (n never crosses the page). It returns whether the page
// stays tracked. It must not write guest memory.
type WriteHook func(pa PAddr, n uint64) (keep bool)

// SetWriteHook installs the write hook (nil: none; marks are then kept
// but nothing is called).
func (m *MMU) SetWriteHook(h WriteHook) {
	m.hook = h
	if m.track == nil {
		m.track = make([]uint8, len(m.code))
	}
}

// TrackAll marks every RAM page.
func (m *MMU) TrackAll() {
	if m.track == nil {
		m.track = make([]uint8, len(m.code))
	}
	for i := range m.track {
		m.track[i] = 1
	}
	m.tracking = true
	for c := range m.tlb[Write] {
		t := &m.tlb[Write][c]
		for i := range t {
			t[i].page = nil
		}
	}
}

// Track marks RAM page pfn.
func (m *MMU) Track(pfn uint64) {
	if m.track == nil {
		m.track = make([]uint8, len(m.code))
	}
	if pfn >= uint64(len(m.track)) {
		return
	}
	m.track[pfn] = 1
	m.tracking = true
	m.unmapCodeWrites(pfn)
}

// UntrackAll removes every mark.
func (m *MMU) UntrackAll() {
	clear(m.track)
	m.tracking = false
}

// Tracked reports whether RAM page pfn is marked.
func (m *MMU) Tracked(pfn uint64) bool {
	return pfn < uint64(len(m.track)) && m.track[pfn] != 0
}

// PrepareWrite runs the write hook for the tracked pages of RAM range
// [pa, pa+n) as a write there would, for callers about to change RAM
// they obtained from RAM() directly.
func (m *MMU) PrepareWrite(pa PAddr, n uint64) {
	if m.tracking && uint64(pa) < uint64(len(m.ram)) {
		m.beforeWrite(uint64(pa), min(n, uint64(len(m.ram))-uint64(pa)))
	}
}

// beforeWrite calls the hook for each tracked page of RAM range [pa, pa+n).
// Precondition: the range lies within RAM.
func (m *MMU) beforeWrite(pa, n uint64) {
	for n > 0 {
		pfn := pa / PageSize
		k := min(n, PageSize-pa%PageSize)
		if m.track[pfn] != 0 {
			keep := true
			if m.hook != nil {
				keep = m.hook(PAddr(pa), k)
			}
			if !keep {
				m.track[pfn] = 0
			}
		}
		pa += k
		n -= k
	}
}

// fastWriteOK reports whether a write TLB entry for RAM page pfn may
// carry a fast-path pointer.
func (m *MMU) fastWriteOK(pfn uint64) bool {
	return m.code[pfn] == 0 && (!m.tracking || m.track[pfn] == 0)
}
