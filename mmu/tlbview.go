package mmu

import "unsafe"

// The TLB as seen by generated code that probes it directly (the CPU's
// translating tier). A data access of kind acc by the current privilege
// hits when the entry at index (va>>12)&(TLBSets-1) of TLBTable(acc, ...)
// has tag va>>12, a non-nil page pointer and pk&PKDeny(acc) == 0, and the
// access does not cross the page; the bytes are then page[va&0xFFF:]. That
// is exactly the TryRead/TryWrite hit test, so the probe needs nothing
// else: write entries of code-marked or write-tracked pages carry no page
// pointer, and MMIO pages have none. Under 4-level paging no entry holds the
// tag of a non-canonical address, so a hit also means the address (and, when
// the tag compared is that of the access's last byte, the whole access) is
// canonical.
const (
	TLBSets       = tlbSets
	TLBEntrySize  = unsafe.Sizeof(tlbEntry{})
	TLBTagOffset  = unsafe.Offsetof(tlbEntry{}.tag)
	TLBPageOffset = unsafe.Offsetof(tlbEntry{}.page)
	TLBPKOffset   = unsafe.Offsetof(tlbEntry{}.pk)
)

// TLBTable returns the address of the first entry of the TLB array that a
// data access of kind acc (Read or Write) probes for the given privilege
// (user: CPL 3; ac: RFLAGS.AC). It stays valid as long as the MMU does; its
// entries change with every fill and flush.
func (m *MMU) TLBTable(acc Access, user, ac bool) unsafe.Pointer {
	return unsafe.Pointer(&m.tlb[acc][m.class(user, ac)][0])
}

// PKDeny returns the protection-key masks a hit is tested against: a data
// access of kind acc hits only when the entry's pk word ANDed with it is 0.
// They change with PKRU and CR0.WP.
func (m *MMU) PKDeny() (read, write uint32) { return m.pkDenyRead, m.pkDenyWrite }

// TLBPAOffset is the offset of an entry's physical page address (page aligned).
const TLBPAOffset = unsafe.Offsetof(tlbEntry{}.pa)

// TLBExecTable returns the address of the first entry of the TLB array that
// instruction fetches at the given privilege probe (Fetch hits when the
// entry's tag is va>>12, and then fetches from the entry's physical page).
func (m *MMU) TLBExecTable(user bool) unsafe.Pointer {
	cls := clsSup
	if user {
		cls = clsUser
	}
	return unsafe.Pointer(&m.tlb[Exec][cls][0])
}

// Generated code that runs INVLPG itself (the CPU's translating tier) drops the
// entries of a 4 KiB page: in each of the TLBArrays arrays of TLBArrayStride
// bytes from TLBBase, the entry at index (va>>12)&(TLBSets-1) whose tag is
// va>>12 gets the tag InvalidTag and no flags (TLBFlagsOffset). That is all
// Invlpg does for an address outside LargeSpan's [lo, hi) (no large page
// splintered into the TLB contains it; lo and hi are page numbers, va>>12)
// while the word at VictimFlag is 0 (no victim entry to visit).
const (
	TLBArrays      = 3 * numClasses
	TLBArrayStride = tlbSets * TLBEntrySize
	TLBFlagsOffset = unsafe.Offsetof(tlbEntry{}.flags)
	InvalidTag     = invalidTag
)

// TLBBase returns the address of the first entry of the first TLB array.
func (m *MMU) TLBBase() unsafe.Pointer { return unsafe.Pointer(&m.tlb[0][0][0]) }

// LargeSpan returns the address of two words, lo and hi: the pages of every
// large mapping with splinters in the TLB lie in [lo, hi) (page numbers).
func (m *MMU) LargeSpan() unsafe.Pointer { return unsafe.Pointer(&m.span) }

// VictimFlag returns the address of a word that is 0 while no victim entry
// is valid.
func (m *MMU) VictimFlag() unsafe.Pointer { return unsafe.Pointer(&m.victims) }
