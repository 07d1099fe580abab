package mmu

// Several processors share one physical memory: each has its own MMU (paging
// registers, PAE PDPTEs, TLB) but the RAM, the code marks and the MMIO ranges
// are common. A write from any processor to a page another processor has
// decoded code from must reach that processor's decode cache, and no
// processor may keep a fast-path write entry for a marked page.

// group is the set of MMUs that share physical memory.
type group struct {
	members []*MMU
}

// NewSibling returns an MMU for another processor on the same physical
// memory: the same RAM, code marks and MMIO ranges (later AttachMMIO calls on
// any member reach all of them), with its own paging state (off) and an
// empty TLB. Each member calls its own code invalidator, and every member's
// invalidator runs when any path writes a marked page.
func (m *MMU) NewSibling() *MMU {
	if m.group == nil {
		m.group = &group{members: []*MMU{m}}
	}
	s := &MMU{ram: m.ram, code: m.code, mmio: m.mmio, group: m.group}
	s.unbacked = m.unbacked
	s.used = ^uint16(0)
	s.flushAll()
	m.group.members = append(m.group.members, s)
	return s
}

// Siblings returns the MMUs sharing this one's physical memory (itself
// included), in creation order.
func (m *MMU) Siblings() []*MMU {
	if m.group == nil {
		return []*MMU{m}
	}
	return m.group.members
}
