package debug

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"

	"github.com/kppemu/kppemu/cpu"
	"github.com/kppemu/kppemu/mmu"
)

// The debugger reads guest memory without side effects: through its own
// page walk (no accessed/dirty bits, no TLB fills) and only from RAM, so
// that looking at a device's registers never changes the device.

// addrRange is [start, end).
type addrRange struct{ start, end uint64 }

func inRanges(rs []addrRange, a uint64) bool {
	for _, r := range rs {
		if a >= r.start && a < r.end {
			return true
		}
	}
	return false
}

// kernelExecRanges returns the virtual ranges of the kernel file's
// executable segments.
func kernelExecRanges(kernel []byte) []addrRange {
	if len(kernel) == 0 {
		return nil
	}
	f, err := elf.NewFile(bytes.NewReader(kernel))
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []addrRange
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Flags&elf.PF_X != 0 && p.Memsz > 0 {
			out = append(out, addrRange{p.Vaddr, p.Vaddr + p.Memsz})
		}
	}
	return out
}

// level is one step of a page walk.
type level struct {
	name  string // pml4e, pdpte, pde, pte
	index uint64
	addr  uint64 // physical address of the entry
	entry uint64
	leaf  bool
}

// walkResult is a completed page walk.
type walkResult struct {
	levels []level
	pa     uint64
	size   uint64 // page size
	nx     bool
	user   bool
	write  bool
}

// walk translates a linear address with the current paging mode, reading
// the tables from RAM. Paging off is the identity.
func (s *Session) walk(va uint64) (walkResult, error) {
	c := s.cpu()
	if c.CR0&cpu.CR0PG == 0 {
		return walkResult{pa: va, size: 1 << 32, write: true, user: true}, nil
	}
	nxe := c.EFER&cpu.EFERNXE != 0
	switch {
	case c.EFER&cpu.EFERLMA != 0:
		if top := va >> 47; top != 0 && top != 0x1FFFF {
			return walkResult{}, fmt.Errorf("%#x is not canonical", va)
		}
		return s.walkTables(va, c.CR3&^0xFFF, []string{"pml4e", "pdpte", "pde", "pte"}, 39, 1, nxe)
	case c.CR4&cpu.CR4PAE != 0:
		pdpt := c.CR3 &^ 0x1F
		idx := (va >> 30) & 3
		e, ok := s.physU64(pdpt + idx*8)
		if !ok {
			return walkResult{}, fmt.Errorf("the PDPT at %#x is outside RAM", pdpt)
		}
		r := walkResult{levels: []level{{name: "pdpte", index: idx, addr: pdpt + idx*8, entry: e}}}
		if e&1 == 0 {
			return r, fmt.Errorf("pdpte[%d] is not present", idx)
		}
		sub, err := s.walkTables(va&0x3FFFFFFF, e&0x000FFFFFFFFFF000, []string{"pde", "pte"}, 21, 0, nxe)
		r.levels = append(r.levels, sub.levels...)
		r.pa, r.size, r.nx, r.user, r.write = sub.pa, sub.size, sub.nx, sub.user, sub.write
		return r, err
	}
	// 32-bit paging: 4-byte entries, 4 MiB pages with CR4.PSE.
	r := walkResult{user: true, write: true}
	table := c.CR3 &^ 0xFFF
	for i, name := range []string{"pde", "pte"} {
		shift := uint(22 - 10*i)
		idx := (va >> shift) & 0x3FF
		var b [4]byte
		if !s.readPhys(table+idx*4, b[:]) {
			return r, fmt.Errorf("%s table at %#x is outside RAM", name, table)
		}
		e := uint64(binary.LittleEndian.Uint32(b[:]))
		l := level{name: name, index: idx, addr: table + idx*4, entry: e}
		r.levels = append(r.levels, l)
		if e&1 == 0 {
			return r, fmt.Errorf("%s[%#x] is not present", name, idx)
		}
		r.user = r.user && e&4 != 0
		r.write = r.write && e&2 != 0
		if i == 0 && e&0x80 != 0 && c.CR4&cpu.CR4PSE != 0 {
			r.levels[len(r.levels)-1].leaf = true
			r.pa, r.size = e&0xFFC00000|(e>>13&0xFF)<<32|va&0x3FFFFF, 4<<20
			return r, nil
		}
		if i == 1 {
			r.levels[len(r.levels)-1].leaf = true
			r.pa, r.size = e&0xFFFFF000|va&0xFFF, 4096
			return r, nil
		}
		table = e & 0xFFFFF000
	}
	return r, nil
}

// walkTables walks 8-byte-entry tables from table, top index shift first;
// levels from psFrom on may map a large page (PS).
func (s *Session) walkTables(va, table uint64, names []string, shift uint, psFrom int, nxe bool) (walkResult, error) {
	r := walkResult{user: true, write: true}
	for i, name := range names {
		idx := (va >> shift) & 0x1FF
		ea := table + idx*8
		e, ok := s.physU64(ea)
		if !ok {
			return r, fmt.Errorf("%s table at %#x is outside RAM", name, table)
		}
		r.levels = append(r.levels, level{name: name, index: idx, addr: ea, entry: e})
		if e&1 == 0 {
			return r, fmt.Errorf("%s[%#x] is not present", name, idx)
		}
		r.user = r.user && e&4 != 0
		r.write = r.write && e&2 != 0
		r.nx = r.nx || nxe && e>>63 != 0
		leaf := i == len(names)-1 || e&0x80 != 0 && i >= psFrom
		if leaf {
			r.levels[len(r.levels)-1].leaf = true
			r.size = uint64(1) << shift
			r.pa = e&0x000FFFFFFFFFF000&^(r.size-1) | va&(r.size-1)
			return r, nil
		}
		table = e & 0x000FFFFFFFFFF000
		shift -= 9
	}
	return r, nil
}

// ramSize is the guest's RAM size.
func (s *Session) ramSize() uint64 { return uint64(len(s.m.MMU.RAM())) }

// readPhys reads RAM only (false outside it).
func (s *Session) readPhys(pa uint64, buf []byte) bool {
	if pa >= s.ramSize() || uint64(len(buf)) > s.ramSize()-pa {
		return false
	}
	s.m.MMU.ReadPhys(mmu.PAddr(pa), buf)
	return true
}

func (s *Session) physU64(pa uint64) (uint64, bool) {
	var b [8]byte
	if !s.readPhys(pa, b[:]) {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b[:]), true
}

// readVirt reads guest-virtual memory; an unmapped page (or one outside
// RAM) is an error naming the address.
func (s *Session) readVirt(va uint64, buf []byte) error {
	for done := 0; done < len(buf); {
		a := va + uint64(done)
		w, err := s.walk(a)
		if err != nil {
			return fmt.Errorf("cannot access %#x: not mapped (%v)", a, err)
		}
		n := min(len(buf)-done, int(4096-a%4096))
		if !s.readPhys(w.pa, buf[done:done+n]) {
			return fmt.Errorf("cannot access %#x: physical %#x is not RAM", a, w.pa)
		}
		done += n
	}
	return nil
}

// readVirtPartial reads as many bytes as are readable from va.
func (s *Session) readVirtPartial(va uint64, buf []byte) int {
	done := 0
	for done < len(buf) {
		a := va + uint64(done)
		n := min(len(buf)-done, int(4096-a%4096))
		if s.readVirt(a, buf[done:done+n]) != nil {
			break
		}
		done += n
	}
	return done
}

func (s *Session) readU64(va uint64) (uint64, error) {
	var b [8]byte
	if err := s.readVirt(va, b[:]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b[:]), nil
}

func (s *Session) readU32(va uint64) (uint32, error) {
	var b [4]byte
	if err := s.readVirt(va, b[:]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b[:]), nil
}

// readString reads a NUL-terminated string of at most max bytes.
func (s *Session) readString(va uint64, max int) (string, error) {
	b := make([]byte, max)
	n := s.readVirtPartial(va, b)
	if n == 0 {
		return "", fmt.Errorf("cannot access %#x", va)
	}
	b = b[:n]
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b), nil
}
