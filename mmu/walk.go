package mmu

// walkResult is a successful translation.
type walkResult struct {
	pa        uint64 // physical address of va (full, with the offset)
	largeMask uint64 // offset mask of the mapping (pageMask for 4 KiB)
	global    bool
}

// walk translates va for an access of kind acc in privilege class cls.
// It returns a #PF error code (non-zero) on failure. With setAD it sets
// accessed and dirty bits as hardware does.
func (m *MMU) walk(va uint64, acc Access, cls int, setAD bool) (walkResult, uint32) {
	switch m.mode {
	case ModeNone:
		return walkResult{pa: va, largeMask: pageMask}, 0
	}
	return walkResult{pa: va, largeMask: pageMask}, 0
}

// loadPDPTEs loads the four PAE PDPTE registers from the table at CR3[31:5]
// (SDM 4.4.1).
func (m *MMU) loadPDPTEs() {
	base := m.ctl.CR3 & 0xFFFFFFE0
	var b [32]byte
	m.ReadPhys(PAddr(base), b[:])
	for i := range m.pdpte {
		m.pdpte[i] = uint64(b[8*i]) | uint64(b[8*i+1])<<8 | uint64(b[8*i+2])<<16 | uint64(b[8*i+3])<<24 |
			uint64(b[8*i+4])<<32 | uint64(b[8*i+5])<<40 | uint64(b[8*i+6])<<48 | uint64(b[8*i+7])<<56
	}
}
