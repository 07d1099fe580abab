package scenario

import (
	"fmt"

	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/kernel/abi"
)

// Region is a protected region the guest announced (EvPGRegion).
type Region struct {
	Base, Size uint64
	Type       uint64
	Kind       uint64 // abi.PGKind*: what Base and Size name
	Memory     bool   // a RAM-backed range of kernel virtual memory (not a register set or MMIO)
	Announced  uint64
}

// Writer is who wrote a byte last: the instruction (time, RIP, CPL) or a
// host step.
type Writer struct {
	Time     uint64 `json:"time_ns"`
	RIP      Hex    `json:"rip"`
	CPL      uint8  `json:"cpl"`
	HostStep int    `json:"host_step,omitempty"` // > 0: a scenario step's poke
	Addr     Hex    `json:"addr"`                // the byte's virtual address
	Where    string `json:"where"`               // module!symbol+offset of RIP, or "host (scenario step N)"
}

func (w Writer) String() string {
	if w.HostStep > 0 {
		return fmt.Sprintf("%s at %s", w.Where, fmtNS(w.Time))
	}
	return fmt.Sprintf("%s (RIP %#x, CPL %d) at %s", w.Where, w.RIP, w.CPL, fmtNS(w.Time))
}

// span is the part of a region that lies in one physical page.
type span struct {
	region int
	va, pa uint64
	shadow []byte // the bytes as last seen
}

// lastWrite is the last change of one physical byte.
type lastWrite struct {
	w  Writer
	va uint64
}

// tracker records the last writer of every byte of the announced memory
// regions. It observes writes through the MMU's code-page marks: every
// write to a marked page, from any path (CPU, WritePhys), reaches the code
// invalidator after the bytes changed; the tracker chains onto the CPU's
// invalidator, diffs the region bytes of that page against its shadow and
// marks the page again. Detection is none of its business (the guest's).
type tracker struct {
	m        *emu.Machine
	prev     func(pfn, off, n uint64) bool
	regions  []Region
	seen     map[[3]uint64]bool
	spans    []span
	byPFN    map[uint64][]int
	last     map[uint64]lastWrite // physical byte -> last change
	lastReg  []lastWrite          // per region: its latest change
	hostStep int                  // > 0 while a host step writes
	writes   uint64               // changed bytes recorded
	// shadowBytes is the size of the shadow copies; ignored counts the
	// announcements beyond maxRegions.
	shadowBytes uint64
	ignored     int
}

func newTracker(m *emu.Machine) *tracker {
	t := &tracker{m: m, seen: map[[3]uint64]bool{}, byPFN: map[uint64][]int{}, last: map[uint64]lastWrite{}}
	t.prev = m.MMU.CodeInvalidator()
	m.MMU.SetCodeInvalidator(t.pageWritten)
	return t
}

// Bounds on what a guest's announcements can make the tracker keep: the
// kernel announces about a hundred regions of a few hundred KiB in all.
const (
	maxRegions      = 1 << 14
	maxShadowBytes  = 64 << 20 // shadow copies of announced memory
	maxLastWriteLen = 1 << 20  // bytes with a recorded last writer
)

// announce adds a region from an EvPGRegion event.
func (t *tracker) announce(e emu.Event) {
	if len(e.Args) < 3 {
		return
	}
	key := [3]uint64{e.Args[0], e.Args[1], e.Args[2]} // re-announcements (sealing) are not new regions
	if t.seen[key] {
		return
	}
	if len(t.regions) >= maxRegions {
		t.ignored++
		return
	}
	t.seen[key] = true
	r := Region{Base: e.Args[0], Size: e.Args[1], Type: e.Args[2], Announced: e.Time}
	idx := len(t.regions)
	var spans []span
	// Only kernel-half virtual memory backed by RAM is tracked; register
	// regions (MSRs, control registers) and MMIO (the local APIC) are not
	// bytes in RAM.
	ram := uint64(len(t.m.MMU.RAM()))
	kind := uint64(abi.PGKindMemory)
	if len(e.Args) >= 4 {
		kind = e.Args[3]
	}
	r.Kind = kind
	r.Memory = (kind == abi.PGKindMemory || kind == abi.PGKindSealed) && r.Base >= abi.DirectMapBase && r.Size > 0 && r.Size <= 64<<20 && r.Base+r.Size > r.Base &&
		t.shadowBytes+r.Size <= maxShadowBytes
	for va := r.Base; r.Memory && va < r.Base+r.Size; {
		n := min(r.Base+r.Size-va, 4096-va%4096)
		pa, err := t.m.VirtToPhys(va)
		if err != nil || pa+n > ram {
			r.Memory = false
			break
		}
		sh := make([]byte, n)
		t.m.ReadPhys(pa, sh)
		spans = append(spans, span{region: idx, va: va, pa: pa, shadow: sh})
		va += n
	}
	t.regions = append(t.regions, r)
	t.lastReg = append(t.lastReg, lastWrite{})
	if !r.Memory {
		return
	}
	t.shadowBytes += r.Size
	for _, s := range spans {
		pfn := s.pa / 4096
		t.byPFN[pfn] = append(t.byPFN[pfn], len(t.spans))
		t.spans = append(t.spans, s)
		t.m.MMU.MarkCode(pfn)
	}
}

// pageWritten is the chained code invalidator; it keeps the page's mark when
// the previous invalidator does.
func (t *tracker) pageWritten(pfn, off, n uint64) bool {
	keep := false
	if t.prev != nil {
		keep = t.prev(pfn, off, n)
	}
	idx, ok := t.byPFN[pfn]
	if !ok {
		return keep
	}
	ram := t.m.MMU.RAM()
	for _, i := range idx {
		s := &t.spans[i]
		cur := ram[s.pa : s.pa+uint64(len(s.shadow))]
		if string(cur) == string(s.shadow) {
			continue
		}
		w := t.writer()
		for k := range s.shadow {
			if cur[k] != s.shadow[k] {
				lw := lastWrite{w: w, va: s.va + uint64(k)}
				lw.w.Addr = Hex(lw.va)
				if _, known := t.last[s.pa+uint64(k)]; known || len(t.last) < maxLastWriteLen {
					t.last[s.pa+uint64(k)] = lw
				}
				t.lastReg[s.region] = lw
				t.writes++
			}
		}
		copy(s.shadow, cur)
	}
	// The mark was cleared before the invalidator ran: watch the next write too.
	t.m.MMU.MarkCode(pfn)
	return true
}

func (t *tracker) writer() Writer {
	if t.hostStep > 0 {
		return Writer{Time: t.m.Now(), HostStep: t.hostStep, Where: fmt.Sprintf("host (scenario step %d)", t.hostStep)}
	}
	c := t.m.CPU
	return Writer{Time: c.Clock, RIP: Hex(c.InstructionRIP()), CPL: c.CPL}
}

// lastWriter returns who last changed the byte at virtual address va, or,
// when no change of that byte was seen, the latest change anywhere in the
// region(s) holding va (the checker reports the region start when it cannot
// know the byte).
func (t *tracker) lastWriter(va uint64) (Writer, string, bool) {
	if pa, err := t.m.VirtToPhys(va); err == nil {
		if lw, ok := t.last[pa]; ok {
			return lw.w, "exact byte", true
		}
	}
	var best lastWrite
	found := false
	for i, r := range t.regions {
		if va >= r.Base && va-r.Base < r.Size && t.lastReg[i].w.Time > 0 && (!found || t.lastReg[i].w.Time > best.w.Time) {
			best, found = t.lastReg[i], true
		}
	}
	if found {
		return best.w, fmt.Sprintf("latest change in the region, at %#x", best.va), true
	}
	return Writer{}, "", false
}

// regionAt returns the announced region holding va (or, for the
// register and list kinds whose size is 0, the one whose base is va).
func (t *tracker) regionAt(va uint64) (Region, bool) {
	for _, r := range t.regions {
		if va >= r.Base && va-r.Base < r.Size || r.Size == 0 && va == r.Base {
			return r, true
		}
	}
	return Region{}, false
}

// kindName names an abi.PGKind* value.
func kindName(k uint64) string {
	switch k {
	case abi.PGKindMemory:
		return "memory"
	case abi.PGKindMSR:
		return "MSR"
	case abi.PGKindCR:
		return "control register"
	case abi.PGKindLAPIC:
		return "local APIC register"
	case abi.PGKindDescReg:
		return "descriptor-table register"
	case abi.PGKindCrossWalk:
		return "list cross-walk"
	case abi.PGKindSealed:
		return "sealed array"
	}
	return "unknown"
}
