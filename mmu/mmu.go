package mmu

import "fmt"

// PAddr is a guest-physical address.
type PAddr uint64

// VAddr is a guest-linear address (segmentation already applied by the CPU).
type VAddr uint64

// Access is the kind of memory access being translated.
type Access uint8

// Access kinds.
const (
	Read Access = iota
	Write
	Exec
)

func (a Access) String() string {
	switch a {
	case Read:
		return "read"
	case Write:
		return "write"
	case Exec:
		return "exec"
	}
	return fmt.Sprintf("Access(%d)", uint8(a))
}

// MaxPhysAddrBits is MAXPHYADDR: the number of physical-address bits the
// emulated processor supports. CPUID.80000008H:EAX[7:0] must report it.
// Physical-address bits at or above it in paging-structure entries are
// reserved (SDM 4.1.4) and cause a page fault with RSVD=1.
const MaxPhysAddrBits = 40

// MaxLinearAddrBits is the linear-address width (CPUID.80000008H:EAX[15:8]).
const MaxLinearAddrBits = 48

// CPUIDAddressSizes is the value CPUID.80000008H must return in EAX.
const CPUIDAddressSizes = MaxLinearAddrBits<<8 | MaxPhysAddrBits

// PageSize is the size of the smallest page, and the granule of code marks.
const PageSize = 4096

const pageMask = PageSize - 1

// physAddrMask selects physical-address bits below MAXPHYADDR.
const physAddrMask = uint64(1)<<MaxPhysAddrBits - 1

// MMIO is a device range on the MMIO bus (off = offset inside the range,
// len(data) = access width).
type MMIO interface {
	ReadMMIO(off uint64, data []byte)
	WriteMMIO(off uint64, data []byte)
}

// Page-fault error-code bits (SDM 4.7).
const (
	PFPresent  = 1 << 0 // P: the fault was a protection violation (0: not present)
	PFWrite    = 1 << 1 // W/R: the access was a write
	PFUser     = 1 << 2 // U/S: the access was a user-mode access
	PFReserved = 1 << 3 // RSVD: a reserved bit was set in a paging-structure entry
	PFFetch    = 1 << 4 // I/D: the access was an instruction fetch (only with NXE or SMEP)
	PFPK       = 1 << 5 // PK: the access was denied by the protection key (PKRU)
)

// Fault is a #PF: error code (P=1,W=2,U=4,RSVD=8,I=16) and the linear address
// for CR2.
type Fault struct {
	Addr VAddr
	Code uint32
}

func (f *Fault) Error() string {
	return fmt.Sprintf("#PF at %#x, error code %#x", uint64(f.Addr), f.Code)
}

// Control-register bits the MMU looks at (names as in the SDM).
const (
	CR0_PG = 1 << 31
	CR0_WP = 1 << 16

	CR4_PSE  = 1 << 4
	CR4_PAE  = 1 << 5
	CR4_PGE  = 1 << 7
	CR4_SMEP = 1 << 20
	CR4_SMAP = 1 << 21
	CR4_PKE  = 1 << 22

	EFER_LME = 1 << 8
	EFER_LMA = 1 << 10
	EFER_NXE = 1 << 11
)

// Control is the paging-relevant CPU state; the CPU calls SetControl whenever
// CR0/CR3/CR4/EFER change.
type Control struct {
	CR0, CR3, CR4, EFER uint64
}

// Mode is the paging mode selected by Control (SDM 4.1.1).
type Mode uint8

// Paging modes.
const (
	ModeNone   Mode = iota // CR0.PG=0: linear addresses are physical
	Mode32                 // CR0.PG=1, CR4.PAE=0: 32-bit paging
	ModePAE                // CR0.PG=1, CR4.PAE=1, EFER.LME=0: PAE paging
	Mode4Level             // CR0.PG=1, CR4.PAE=1, EFER.LME=1: 4-level paging
)

func (m Mode) String() string {
	switch m {
	case ModeNone:
		return "none"
	case Mode32:
		return "32-bit"
	case ModePAE:
		return "PAE"
	case Mode4Level:
		return "4-level"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// ModeOf returns the paging mode Control selects.
func ModeOf(c Control) Mode {
	switch {
	case c.CR0&CR0_PG == 0:
		return ModeNone
	case c.CR4&CR4_PAE == 0:
		return Mode32
	case c.EFER&EFER_LME == 0:
		return ModePAE
	}
	return Mode4Level
}

// State is the MMU's architectural state for snapshots: the control registers
// it was last given and the PAE PDPTE registers (SDM 4.4.1), which are loaded
// on CR3 writes and not re-read from memory. RAM is saved separately via RAM().
type State struct {
	Control Control
	PDPTE   [4]uint64
}

// MMU is guest physical memory plus the linear-address translation machinery.
type MMU struct {
	// tlb[kind][class] is a direct-mapped array of translations, split by
	// access kind and privilege class so that a hit is one tag compare.
	tlb [3][numClasses][tlbSets]tlbEntry
	// victim holds, for each TLB array, the last victimSize entries its sets
	// gave up to another translation (round robin from victimNext); a miss
	// looks there before walking (tlb.go).
	victim     [3][numClasses][victimSize]tlbEntry
	victimNext [3][numClasses]uint8

	ram  []byte
	code []uint8 // per-pfn "holds decoded code" mark, RAM pages only

	invalidate func(pfn, off, n uint64) bool
	group      *group // the MMUs of other processors on the same memory (nil: none)

	// Write tracking (track.go).
	track    []uint8 // per-pfn mark, RAM pages only
	tracking bool    // some page may be marked
	hook     WriteHook

	mmio []mmioRange // sorted by base, non-overlapping

	ctl   Control
	mode  Mode
	pdpte [4]uint64 // PAE PDPTE registers

	// Derived from ctl.
	wp, nxe, smep, smap, pge, pse bool
	// pke: protection keys apply (CR4.PKE=1 with 4-level paging).
	pke bool

	// pkru is the PKRU register: for key i, bit 2i is AD (access disable)
	// and bit 2i+1 WD (write disable) (SDM 4.6.2).
	pkru uint32
	// pkDenyRead and pkDenyWrite say which keys forbid a data read or write
	// under the current PKRU and CR0.WP: bit i for user-mode accesses with
	// key i, bit 16+i for supervisor-mode ones (see pkBit). TLB entries
	// keep their page's key bit (tlbEntry.pk), so a PKRU change needs no
	// flush: the hit paths test the entry's bit against these masks.
	pkDenyRead, pkDenyWrite uint32

	// used has bit kind*numClasses+class set when that TLB array may hold
	// valid entries, so flushes skip the empty ones.
	used uint16

	// haveLarge is set when a TLB entry from a page larger than 4 KiB was
	// installed since the last full flush; INVLPG then scans the TLB.
	haveLarge bool
	// large records, per large mapping that may have splinters in the TLB
	// (key: region va>>shift, with the shift in the low byte), where they
	// were installed, so that INVLPG visits only those entries.
	large []splinters
	// largeOverflow: more large mappings were cached than large tracks;
	// INVLPG then scans the whole TLB, until the next full flush.
	largeOverflow bool
	// span bounds the linear page numbers (va>>12) of every large mapping
	// splintered into the TLB since the last full flush, [lo, hi) (empty: lo >
	// hi): INVLPG of an address outside it has no large page to look for
	// (LargeSpan).
	span struct{ lo, hi uint64 }
	// victims is 1 while a victim entry may be valid (until the next full
	// flush): INVLPG must then visit them (VictimFlag).
	victims uint64

	scratch [16]byte // slow-path buffer for Read8..Write64
	// nonCanon is the translation of a non-canonical address under 4-level
	// paging, handed to the caller without entering the TLB (install).
	nonCanon tlbEntry
	pteBuf   [8]byte // buffer for page-table accesses outside RAM

	unbacked [PageSize]byte // all 0xFF: what Fetch returns for unbacked pages
}

// New returns an MMU with ramBytes of zeroed RAM (rounded up to a whole page)
// at physical address 0, paging disabled.
func New(ramBytes uint64) *MMU {
	ramBytes = (ramBytes + pageMask) &^ pageMask
	m := &MMU{
		ram:  make([]byte, ramBytes),
		code: make([]uint8, ramBytes/PageSize),
	}
	for i := range m.unbacked {
		m.unbacked[i] = 0xFF
	}
	m.used = ^uint16(0) // every array holds zero tags, which are valid for page 0
	m.flushAll()
	return m
}

// RAM returns guest RAM, physical addresses 0..len. Writing it directly
// bypasses code-mark invalidation; use WritePhys for guest-visible pokes.
func (m *MMU) RAM() []byte { return m.ram }

// Control returns the control registers last passed to SetControl.
func (m *MMU) Control() Control { return m.ctl }

// Mode returns the current paging mode.
func (m *MMU) Mode() Mode { return m.mode }

// SetControl installs new paging control registers and flushes the TLB as
// the SDM requires (4.10.4.1): a CR3 write flushes non-global entries
// (everything when CR4.PGE=0); a change of CR0.PG/WP, CR4.PGE/PAE/PSE/SMEP/
// SMAP/PKE or EFER.NXE/LME flushes everything. A call with all four registers
// unchanged counts as a CR3 write (MOV CR3 of the same value flushes);
// a change of other CR0/CR4/EFER bits alone (CR0.TS, ...) flushes nothing. In PAE mode the PDPTE registers
// are (re)loaded from the table CR3 points to whenever CR3 or the mode
// changes.
func (m *MMU) SetControl(c Control) {
	old := m.ctl
	m.ctl = c
	m.mode = ModeOf(c)
	m.wp = c.CR0&CR0_WP != 0
	// NXE only has an effect with PAE or 4-level paging (SDM 4.1.3).
	m.nxe = c.EFER&EFER_NXE != 0 && c.CR4&CR4_PAE != 0
	m.smep = c.CR4&CR4_SMEP != 0
	m.smap = c.CR4&CR4_SMAP != 0
	m.pge = c.CR4&CR4_PGE != 0
	m.pse = c.CR4&CR4_PSE != 0
	m.pke = c.CR4&CR4_PKE != 0 && m.mode == Mode4Level
	m.updatePKDeny()

	const cr0Bits = CR0_PG | CR0_WP
	const cr4Bits = CR4_PGE | CR4_PAE | CR4_PSE | CR4_SMEP | CR4_SMAP | CR4_PKE
	const eferBits = EFER_NXE | EFER_LME
	modeChanged := (old.CR0^c.CR0)&cr0Bits != 0 || (old.CR4^c.CR4)&cr4Bits != 0 ||
		(old.EFER^c.EFER)&eferBits != 0
	// A call that changes no control register at all is a MOV to CR3 of
	// the current value (or a no-op CR0/CR4 write): it still flushes the
	// non-global entries, which is what a MOV to CR3 does.
	cr3Write := old.CR3 != c.CR3 || (old.CR0 == c.CR0 && old.CR4 == c.CR4 && old.EFER == c.EFER)
	switch {
	case modeChanged:
		m.flushAll()
	case cr3Write:
		m.flushNonGlobal()
	}
	if m.mode == ModePAE && (modeChanged || cr3Write) {
		m.loadPDPTEs()
	}
}

// WriteCR3 is SetControl for a MOV to CR3: it flushes the non-global TLB
// entries even when the value is unchanged (and reloads the PAE PDPTEs).
func (m *MMU) WriteCR3(cr3 uint64) {
	c := m.ctl
	c.CR3 = cr3
	m.SetControl(c) // unchanged CR0/CR4/EFER: counts as a CR3 write
}

// FlushNonGlobal drops every cached translation except global ones.
func (m *MMU) FlushNonGlobal() { m.flushNonGlobal() }

// State returns the architectural state (RAM excluded).
func (m *MMU) State() State { return State{Control: m.ctl, PDPTE: m.pdpte} }

// SetState restores State and flushes the TLB. Code marks are kept: a
// stale mark only costs one spurious invalidation.
func (m *MMU) SetState(s State) {
	m.SetControl(s.Control)
	m.pdpte = s.PDPTE
	m.flushAll()
}

// Reset puts the MMU in its power-on state: paging off, TLB empty, no code
// marks. RAM contents and MMIO attachments are kept.
func (m *MMU) Reset() {
	m.ctl = Control{}
	m.mode = ModeNone
	m.pdpte = [4]uint64{}
	m.wp, m.nxe, m.smep, m.smap, m.pge, m.pse = false, false, false, false, false, false
	m.pke = false
	m.pkru = 0
	m.updatePKDeny()
	clear(m.code)
	m.flushAll()
}

// PKRU returns the protection-key rights register.
func (m *MMU) PKRU() uint32 { return m.pkru }

// SetPKRU loads the protection-key rights register (WRPKRU, XRSTOR, state
// restore). It takes effect for the next access without a TLB flush.
func (m *MMU) SetPKRU(v uint32) {
	m.pkru = v
	m.updatePKDeny()
}

// updatePKDeny recomputes pkDeny from PKRU and CR0.WP (SDM 4.6.2): AD
// forbids every data access to pages of the key; WD forbids user-mode
// writes, and supervisor-mode writes when CR0.WP=1.
func (m *MMU) updatePKDeny() {
	var ad, wd uint16
	for i := 0; i < 16; i++ {
		if m.pkru>>(2*i)&1 != 0 {
			ad |= 1 << i
		}
		if m.pkru>>(2*i+1)&1 != 0 {
			wd |= 1 << i
		}
	}
	supWD := uint16(0)
	if m.wp {
		supWD = wd
	}
	m.pkDenyRead = uint32(ad) | uint32(ad)<<16
	m.pkDenyWrite = uint32(ad|wd) | uint32(ad|supWD)<<16
}

// pkDeny returns the key-deny mask for an access of kind acc (none for
// instruction fetches, which protection keys do not restrict).
func (m *MMU) pkDeny(acc Access) uint32 {
	switch acc {
	case Read:
		return m.pkDenyRead
	case Write:
		return m.pkDenyWrite
	}
	return 0
}

// pkBit is the TLB-entry bit for protection key key in class cls.
func pkBit(key uint64, cls int) uint32 {
	if cls == clsUser {
		return 1 << key
	}
	return 1 << (16 + key)
}
