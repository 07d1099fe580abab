package scenario

import (
	"bytes"
	"debug/elf"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Symbol is a named guest address.
type Symbol struct {
	Name string
	Addr uint64
	Size uint64
}

// Symbols is a module's symbol table sorted by address.
type Symbols struct {
	byAddr []Symbol
	byName map[string]Symbol
}

// Lookup finds a symbol by name.
func (s *Symbols) Lookup(name string) (Symbol, bool) {
	if s == nil {
		return Symbol{}, false
	}
	sym, ok := s.byName[name]
	return sym, ok
}

// Containing returns the symbol at or below addr (and whether one is).
func (s *Symbols) Containing(addr uint64) (Symbol, bool) {
	if s == nil || len(s.byAddr) == 0 {
		return Symbol{}, false
	}
	i := sort.Search(len(s.byAddr), func(i int) bool { return s.byAddr[i].Addr > addr }) - 1
	if i < 0 {
		return Symbol{}, false
	}
	sym := s.byAddr[i]
	if sym.Size != 0 && addr-sym.Addr >= sym.Size+16 {
		// Well past the end of a sized symbol (alignment padding aside):
		// another section's bytes, not this function's.
		return Symbol{}, false
	}
	return sym, true
}

func newSymbols(syms []Symbol) *Symbols {
	s := &Symbols{byName: map[string]Symbol{}}
	for _, sym := range syms {
		if sym.Name == "" {
			continue
		}
		if _, dup := s.byName[sym.Name]; !dup {
			s.byName[sym.Name] = sym
		}
		s.byAddr = append(s.byAddr, sym)
	}
	// At equal addresses the preferred name sorts last (Containing picks
	// the last symbol at or below an address): sized symbols over markers,
	// plain names over __section_bounds.
	rank := func(x Symbol) int {
		r := 0
		if x.Size > 0 {
			r += 2
		}
		if !strings.HasPrefix(x.Name, "__") {
			r++
		}
		return r
	}
	sort.SliceStable(s.byAddr, func(i, j int) bool {
		a, b := s.byAddr[i], s.byAddr[j]
		if a.Addr != b.Addr {
			return a.Addr < b.Addr
		}
		return rank(a) < rank(b)
	})
	return s
}

var kernelSymCache sync.Map // string(kernel bytes hash key) -> *Symbols

// KernelSymbols reads the function and object symbols of a kernel ELF file
// (absolute and section-less symbols are left out: they are constants).
func KernelSymbols(kernel []byte) (*Symbols, error) {
	key := fmt.Sprintf("%d:%x", len(kernel), kernel[:min(len(kernel), 64)])
	if len(kernel) > 128 {
		key += fmt.Sprintf(":%x", kernel[len(kernel)-64:])
	}
	if v, ok := kernelSymCache.Load(key); ok {
		return v.(*Symbols), nil
	}
	f, err := elf.NewFile(bytes.NewReader(kernel))
	if err != nil {
		return nil, fmt.Errorf("kernel symbols: %w", err)
	}
	defer f.Close()
	raw, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("kernel symbols: %w", err)
	}
	var syms []Symbol
	for _, r := range raw {
		t := elf.ST_TYPE(r.Info)
		if r.Section == elf.SHN_ABS || r.Section == elf.SHN_UNDEF || (t != elf.STT_FUNC && t != elf.STT_OBJECT && t != elf.STT_NOTYPE) {
			continue
		}
		syms = append(syms, Symbol{Name: r.Name, Addr: r.Value, Size: r.Size})
	}
	s := newSymbols(syms)
	kernelSymCache.Store(key, s)
	return s, nil
}

// DriverSymbols lays a driver object out as the guest loader does
// (kernel/loader.c: allocated sections in three page-aligned groups, text,
// read-only data, writable data, each section at its alignment in section
// order) and returns its defined symbols at base.
func DriverSymbols(obj []byte, base uint64) (*Symbols, error) {
	f, err := elf.NewFile(bytes.NewReader(obj))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	const (
		text = iota
		rodata
		data
		ngroups
	)
	var groupSize [ngroups]uint64
	sectGroup := make([]int, len(f.Sections))
	sectOff := make([]uint64, len(f.Sections))
	placed := make([]bool, len(f.Sections))
	for i, s := range f.Sections {
		if i == 0 || s.Flags&elf.SHF_ALLOC == 0 || s.Size == 0 {
			continue
		}
		g := rodata
		switch {
		case s.Flags&elf.SHF_EXECINSTR != 0:
			g = text
		case s.Flags&elf.SHF_WRITE != 0:
			g = data
		}
		align := s.Addralign
		if align == 0 {
			align = 1
		}
		groupSize[g] = (groupSize[g] + align - 1) &^ (align - 1)
		sectGroup[i], sectOff[i], placed[i] = g, groupSize[g], true
		groupSize[g] += s.Size
	}
	var groupOff [ngroups]uint64
	total := uint64(0)
	for g := range groupOff {
		groupOff[g] = total
		total += (groupSize[g] + 4095) &^ 4095
	}
	raw, err := f.Symbols()
	if err != nil {
		return nil, err
	}
	var syms []Symbol
	for _, r := range raw {
		t := elf.ST_TYPE(r.Info)
		if t != elf.STT_FUNC && t != elf.STT_OBJECT && t != elf.STT_NOTYPE {
			continue
		}
		i := int(r.Section)
		if i <= 0 || i >= len(placed) || !placed[i] {
			continue
		}
		syms = append(syms, Symbol{Name: r.Name, Addr: base + groupOff[sectGroup[i]] + sectOff[i] + r.Value, Size: r.Size})
	}
	return newSymbols(syms), nil
}

// module is a loaded image: the kernel or a driver at the base the guest
// reported.
type module struct {
	name       string
	base, size uint64
	syms       *Symbols
}

// Resolver names guest addresses as module!symbol+offset.
type Resolver struct {
	kernel  *Symbols
	kStart  uint64
	kEnd    uint64
	modules []module // drivers, in load order (unloaded ones stay: their writes still need a name)
	objects map[string][]byte
}

func newResolver(kernel *Symbols, objects map[string][]byte) *Resolver {
	r := &Resolver{kernel: kernel, objects: objects}
	if s, ok := kernel.Lookup("__kernel_start"); ok {
		r.kStart = s.Addr
	}
	for _, n := range []string{"__kernel_end", "_end", "__bss_end"} {
		if s, ok := kernel.Lookup(n); ok {
			r.kEnd = s.Addr
			break
		}
	}
	if r.kEnd == 0 && len(kernel.byAddr) > 0 {
		r.kEnd = kernel.byAddr[len(kernel.byAddr)-1].Addr + 1<<12
	}
	return r
}

// driverLoaded records a module-loaded event.
func (r *Resolver) driverLoaded(name string, base, size uint64, obj []byte) {
	m := module{name: name, base: base, size: size}
	if obj != nil {
		if s, err := DriverSymbols(obj, base); err == nil {
			m.syms = s
		}
	}
	r.modules = append(r.modules, m)
}

// Name renders addr as "kernel!func+0x12", "attack_a1!entry+0x4",
// "attack_a1+0x1f0" or the bare hex address.
func (r *Resolver) Name(addr uint64) string {
	for i := len(r.modules) - 1; i >= 0; i-- {
		m := r.modules[i]
		if addr >= m.base && addr-m.base < m.size {
			if s, ok := m.syms.Containing(addr); ok && s.Addr >= m.base {
				return fmt.Sprintf("%s!%s+%#x", m.name, s.Name, addr-s.Addr)
			}
			return fmt.Sprintf("%s+%#x", m.name, addr-m.base)
		}
	}
	if r.kernel != nil && addr >= r.kStart && addr < r.kEnd {
		if s, ok := r.kernel.Containing(addr); ok {
			return fmt.Sprintf("kernel!%s+%#x", s.Name, addr-s.Addr)
		}
	}
	return fmt.Sprintf("%#x", addr)
}

// Address resolves "SYMBOL", "SYMBOL+OFF", "driver!SYMBOL[+OFF]" or a number.
func (r *Resolver) Address(expr string) (uint64, error) {
	name, offStr, _ := strings.Cut(expr, "+")
	name = strings.TrimSpace(name)
	var off uint64
	if strings.TrimSpace(offStr) != "" {
		v, err := parseUint(offStr)
		if err != nil {
			return 0, fmt.Errorf("%q: offset %v", expr, err)
		}
		off = v
	}
	if v, err := parseUint(name); err == nil {
		return v + off, nil
	}
	if mod, sym, ok := strings.Cut(name, "!"); ok {
		for i := len(r.modules) - 1; i >= 0; i-- {
			m := r.modules[i]
			if m.name != mod {
				continue
			}
			if sym == "" {
				return m.base + off, nil
			}
			if s, ok := m.syms.Lookup(sym); ok {
				return s.Addr + off, nil
			}
			return 0, fmt.Errorf("driver %s has no symbol %q", mod, sym)
		}
		if mod != "kernel" {
			return 0, fmt.Errorf("no driver %q is loaded", mod)
		}
		name = sym
	}
	if s, ok := r.kernel.Lookup(name); ok {
		return s.Addr + off, nil
	}
	return 0, fmt.Errorf("the kernel has no symbol %q", name)
}
