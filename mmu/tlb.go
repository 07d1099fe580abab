package mmu

import "math/bits"

// The TLB caches successful translations, split by access kind (read, write,
// execute) and privilege class, so that a hit already implies the access is
// permitted: the fast paths compare one tag and use the page pointer.
//
// Each array's sets are direct-mapped, and backed by a victim buffer of
// victimSize entries, fully associative, filled round robin: an entry that
// its set gives up to another translation moves there, and a miss looks
// there before walking, swapping a hit back into its set (the way QEMU's
// softmmu keeps a small victim TLB beside its direct-mapped one). A
// translation lives until a flush or INVLPG drops it or enough others
// push it out of both; one page read between a translation's fill and its
// next use (a stack page of the same set) does not drop it, as on a
// processor whose TLB has more than one way.
//
// Entries are per 4 KiB linear page even for 2 MiB/1 GiB/4 MiB mappings
// (the large page is splintered); INVLPG on any address of a large page
// drops every splinter of it (see Invlpg).
//
// A write entry is only installed by a write walk, which has set the dirty
// bit in the leaf, so a write through a read entry whose page lacks D never
// happens: it misses and walks (SDM 4.8).
//
// A write entry whose physical page holds decoded code (see MarkCode) keeps
// its translation but has page == nil, so writes to it take the slow path,
// which invalidates the decode cache.

const (
	tlbBits = 8
	tlbSets = 1 << tlbBits

	victimSize = 8 // entries of each array's victim buffer

	// Privilege classes.
	clsSup     = 0 // supervisor access subject to SMAP (AC=0 or implicit)
	clsSupAC   = 1 // supervisor data access with RFLAGS.AC=1 while CR4.SMAP=1
	clsUser    = 2 // CPL 3
	numClasses = 3

	invalidTag = ^uint64(0) // va>>12 never has all 64 bits set

	entGlobal = 1 << 0 // from a leaf with G=1 while CR4.PGE=1
	entLarge  = 1 << 1 // splinter of a page larger than 4 KiB
)

type tlbEntry struct {
	tag  uint64          // va >> 12, or invalidTag
	page *[PageSize]byte // RAM backing the page; nil for MMIO/unbacked/code-marked write entries
	pa   uint64          // physical address of the 4 KiB page
	// pk is pkBit of the page's protection key when protection keys apply
	// to this data entry (a user page under CR4.PKE), else 0; a hit also
	// needs pk&MMU.pkDeny(kind) == 0.
	pk    uint32
	flags uint8
	// shift is log2 of the size of the whole mapping (12, 21, 22 or 30),
	// used by Invlpg to find the splinters of a large page.
	shift uint8
}

// class returns the privilege class of a data access.
func (m *MMU) class(user, ac bool) int {
	if user {
		return clsUser
	}
	if ac && m.smap {
		return clsSupAC
	}
	return clsSup
}

// FlushTLB drops every cached translation, global ones included.
func (m *MMU) FlushTLB() { m.flushAll() }

func (m *MMU) flushAll() {
	for k := range m.tlb {
		for c := range m.tlb[k] {
			if m.used&(1<<(k*numClasses+c)) == 0 {
				continue
			}
			t := &m.tlb[k][c]
			for i := range t {
				t[i] = tlbEntry{tag: invalidTag}
			}
			v := &m.victim[k][c]
			for i := range v {
				v[i] = tlbEntry{tag: invalidTag}
			}
		}
	}
	m.used = 0
	m.victims = 0
	m.haveLarge = false
	m.large = m.large[:0]
	m.largeOverflow = false
	m.span.lo, m.span.hi = ^uint64(0), 0
}

// largeKey identifies the large mapping of shift bits that contains va.
func largeKey(va uint64, shift uint8) uint64 { return va>>shift<<8 | uint64(shift) }

// splinters lists the TLB slots (array kind*numClasses+class in the high
// byte, set in the low byte) where splinters of one large mapping were
// installed; a slot may since hold another translation. Past
// maxSplinterSlots the list gives up and INVLPG scans the whole TLB.
type splinters struct {
	key   uint64
	slots []uint16
	all   bool
}

const (
	maxSplinterSlots = 256
	maxLargeTracked  = 32 // large mappings tracked one by one (a linear search)
)

// trackSplinter records that a splinter of the large mapping key went to TLB
// slot slot.
func (m *MMU) trackSplinter(key uint64, slot uint16) {
	i := m.findLarge(key)
	if i < 0 {
		if len(m.large) >= maxLargeTracked {
			m.largeOverflow = true // INVLPG scans until the next full flush
			return
		}
		m.large = append(m.large, splinters{key: key})
		i = len(m.large) - 1
	}
	switch sp := &m.large[i]; {
	case sp.all:
	case len(sp.slots) >= maxSplinterSlots:
		sp.all, sp.slots = true, nil
	default:
		sp.slots = append(sp.slots, slot)
	}
}

// findLarge returns the index in m.large of key, or -1.
func (m *MMU) findLarge(key uint64) int {
	for i := range m.large {
		if m.large[i].key == key {
			return i
		}
	}
	return -1
}

func (m *MMU) flushNonGlobal() {
	for k := range m.tlb {
		for c := range m.tlb[k] {
			bit := uint16(1) << (k*numClasses + c)
			if m.used&bit == 0 {
				continue
			}
			t := &m.tlb[k][c]
			globals := false
			for i := range t {
				if t[i].flags&entGlobal == 0 {
					t[i] = tlbEntry{tag: invalidTag}
				} else {
					globals = true
				}
			}
			v := &m.victim[k][c]
			for i := range v {
				if v[i].flags&entGlobal == 0 {
					v[i] = tlbEntry{tag: invalidTag}
				} else if v[i].tag != invalidTag {
					globals = true
				}
			}
			if !globals {
				m.used &^= bit
			}
		}
	}
}

// Invlpg drops the translations of the page containing va, global or not
// (SDM INVLPG). For a page larger than 4 KiB every splinter is dropped.
func (m *MMU) Invlpg(va VAddr) {
	m.invalidatePage(uint64(va))
}

func (m *MMU) invalidatePage(va uint64) {
	vpn := va >> 12
	idx := vpn & (tlbSets - 1)
	// Only the arrays that hold a valid entry (a few of them, usually) are visited.
	for used := m.used & (1<<(len(m.tlb)*numClasses) - 1); used != 0; used &= used - 1 {
		a := bits.TrailingZeros16(used)
		e := &m.tlb[a/numClasses][a%numClasses][idx]
		if e.tag == vpn {
			*e = tlbEntry{tag: invalidTag}
		}
		if m.victims != 0 {
			// The victims of a large page are dropped with it (below: only
			// its splinters in the sets are tracked).
			v := &m.victim[a/numClasses][a%numClasses]
			for i := range v {
				if v[i].tag == vpn || v[i].tag != invalidTag && v[i].flags&entLarge != 0 && (v[i].tag<<12)>>v[i].shift == va>>v[i].shift {
					v[i] = tlbEntry{tag: invalidTag}
				}
			}
		}
	}
	if !m.haveLarge {
		return
	}
	scan := m.largeOverflow
	for _, shift := range [...]uint8{21, 22, 30} {
		i := m.findLarge(largeKey(va, shift))
		if i < 0 {
			continue
		}
		sp := m.large[i]
		last := len(m.large) - 1
		m.large[i] = m.large[last]
		m.large[last] = splinters{}
		m.large = m.large[:last]
		if sp.all {
			scan = true
			continue
		}
		for _, slot := range sp.slots {
			e := &m.tlb[slot>>8/numClasses][slot>>8%numClasses][slot&0xFF]
			if e.tag != invalidTag && e.flags&entLarge != 0 && e.shift == shift && (e.tag<<12)>>shift == va>>shift {
				*e = tlbEntry{tag: invalidTag}
			}
		}
	}
	if !scan {
		return // every splinter of a large page holding va was visited
	}
	for k := range m.tlb {
		for c := range m.tlb[k] {
			t := &m.tlb[k][c]
			for i := range t {
				e := &t[i]
				if e.flags&entLarge != 0 && (e.tag<<12)>>e.shift == va>>e.shift {
					*e = tlbEntry{tag: invalidTag}
				}
			}
		}
	}
}

// install caches a successful translation of the page containing va.
func (m *MMU) install(acc Access, cls int, va uint64, pa uint64, shift uint8, global bool, pk uint32) *tlbEntry {
	vpn := va >> 12
	if m.mode == Mode4Level && (va+1<<47)>>48 != 0 {
		// A non-canonical address (a host tool's access; the CPU faults them before
		// translating) is translated but never cached, so that a tag match implies a
		// canonical address (generated code relies on it, see TLBTable).
		m.nonCanon = tlbEntry{tag: invalidTag, pa: pa &^ pageMask, page: m.ramPage(pa &^ pageMask), pk: pk, shift: shift}
		if acc == Write && m.nonCanon.page != nil && !m.fastWriteOK(pa/PageSize) {
			m.nonCanon.page = nil
		}
		return &m.nonCanon
	}
	e := &m.tlb[acc][cls][vpn&(tlbSets-1)]
	m.used |= 1 << (int(acc)*numClasses + cls)
	if e.tag != invalidTag && e.tag != vpn {
		n := &m.victimNext[acc][cls]
		m.victim[acc][cls][*n] = *e
		*n = (*n + 1) % victimSize
		m.victims = 1
	}
	pa &^= pageMask
	e.tag = vpn
	e.pa = pa
	e.shift = shift
	e.flags = 0
	e.pk = pk
	if global {
		e.flags |= entGlobal
	}
	if shift != 12 {
		e.flags |= entLarge
		m.haveLarge = true
		if lo := va >> shift << (shift - 12); lo < m.span.lo {
			m.span.lo = lo
		}
		if hi := (va>>shift + 1) << (shift - 12); hi > m.span.hi {
			m.span.hi = hi
		}
		m.trackSplinter(largeKey(va, shift), uint16(int(acc)*numClasses+cls)<<8|uint16(vpn&(tlbSets-1)))
	}
	e.page = m.ramPage(pa)
	if acc == Write && e.page != nil && !m.fastWriteOK(pa/PageSize) {
		e.page = nil
	}
	return e
}

// ExecCached reports whether the TLB holds an instruction-fetch translation of the page
// containing va for the given privilege (the CPU keeps its current code page while it
// does).
func (m *MMU) ExecCached(va VAddr, user bool) bool {
	cls := clsSup
	if user {
		cls = clsUser
	}
	vpn := uint64(va) >> 12
	return m.tlb[Exec][cls][vpn&(tlbSets-1)].tag == vpn
}

// ExecHit returns the physical address of the page containing va as the
// TLB's instruction-fetch translation for the given privilege holds it, and
// whether it holds one: when it does, Fetch of an address in that page hits
// and returns the same frame (no walk, nothing written).
func (m *MMU) ExecHit(va VAddr, user bool) (uint64, bool) {
	cls := clsSup
	if user {
		cls = clsUser
	}
	vpn := uint64(va) >> 12
	e := &m.tlb[Exec][cls][vpn&(tlbSets-1)]
	return e.pa, e.tag == vpn
}

// unmapCodeWrites removes the fast-path pointer of every write entry that
// maps physical page pfn, so the next write to it takes the slow path (a
// victim gets its pointer checked when it goes back to its set).
func (m *MMU) unmapCodeWrites(pfn uint64) {
	pa := pfn * PageSize
	for c := range m.tlb[Write] {
		t := &m.tlb[Write][c]
		for i := range t {
			if t[i].pa == pa && t[i].tag != invalidTag {
				t[i].page = nil
			}
		}
	}
}

// fromVictim moves the victim entry translating va (kind acc, class cls)
// back into its set, the set's entry taking its place in the victim
// buffer, and returns it; nil when there is none or the current PKRU
// denies its key (the walk then reports the fault).
func (m *MMU) fromVictim(va uint64, acc Access, cls int) *tlbEntry {
	vpn := va >> 12
	v := &m.victim[acc][cls]
	for i := range v {
		if v[i].tag != vpn {
			continue
		}
		if v[i].pk&m.pkDeny(acc) != 0 {
			return nil
		}
		e := &m.tlb[acc][cls][vpn&(tlbSets-1)]
		*e, v[i] = v[i], *e
		m.used |= 1 << (int(acc)*numClasses + cls)
		if acc == Write && e.page != nil && !m.fastWriteOK(e.pa/PageSize) {
			e.page = nil // the page has held decoded code, or been tracked, since
		}
		return e
	}
	return nil
}
