package emu

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/kppemu/kppemu/images"
	"github.com/kppemu/kppemu/kernel/abi"
)

// Symbol is a named guest address.
type Symbol struct {
	Name string
	Addr uint64
	Size uint64
}

// Symbols is one image's symbol table, sorted by address.
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

// All returns the symbols sorted by address (the caller must not modify
// the slice).
func (s *Symbols) All() []Symbol {
	if s == nil {
		return nil
	}
	return s.byAddr
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

var kernelSymCache sync.Map // length and head/tail bytes of the file -> *Symbols

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

// Module is a loaded image: the kernel or a driver at the base the guest
// reported.
type Module struct {
	Name       string
	Base, Size uint64
	Syms       *Symbols // nil when the object is unknown to the host
}

// DriverLoad is a module-loaded event as the symbol table remembers it.
type DriverLoad struct {
	Name       string
	Base, Size uint64
}

// Resolver names guest addresses as module!symbol+offset and resolves
// symbol expressions: the kernel's ELF symbols, moved by the slide the
// guest reported when it put its image at a random base (kaslr=1), plus
// each driver at the base the guest reported when it loaded it (unloaded
// drivers stay, so that what they wrote still has a name).
type Resolver struct {
	kernel  *Symbols
	kStart  uint64 // link addresses of the image
	kEnd    uint64
	slide   uint64 // where the guest put the image, from its link address
	based   bool   // the guest reported its base (slide is known)
	modules []Module
	loads   []DriverLoad
	objects func(name string) []byte
}

// NewResolver builds a resolver over the kernel's symbols (nil: none);
// objects finds a driver's object file by name (nil: none known).
func NewResolver(kernel *Symbols, objects func(name string) []byte) *Resolver {
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
	if all := kernel.All(); r.kEnd == 0 && len(all) > 0 {
		r.kEnd = all[len(all)-1].Addr + 1<<12
	}
	return r
}

// Object returns the object file of the driver called name, as the
// resolver finds it (nil: unknown).
func (r *Resolver) Object(name string) []byte {
	if r.objects == nil {
		return nil
	}
	return r.objects(name)
}

// Kernel returns the kernel's symbols (nil when the kernel has none).
func (r *Resolver) Kernel() *Symbols { return r.kernel }

// KernelSlide returns the distance of the running kernel image from its
// link address, as the guest reported it (0 before it did, and with
// kaslr=0).
func (r *Resolver) KernelSlide() uint64 { return r.slide }

// SetKernelSlide records where the guest put its image: every kernel
// symbol lies slide bytes above its ELF value from now on.
func (r *Resolver) SetKernelSlide(slide uint64) { r.slide, r.based = slide, true }

// KernelBaseKnown reports whether the guest has reported where its image
// runs (the kernel-base event): before, kernel symbols name link
// addresses, where the image may not stay.
func (r *Resolver) KernelBaseKnown() bool { return r.based }

// forgetKernelBase returns to the state before the guest reported a base.
func (r *Resolver) forgetKernelBase() { r.slide, r.based = 0, false }

// KernelLinkRange returns the link addresses of the kernel image
// [start, end) (zero when the kernel has no symbols).
func (r *Resolver) KernelLinkRange() (start, end uint64) { return r.kStart, r.kEnd }

// KernelReportsBase reports whether the kernel is one that may move its
// image at boot and reports where (it has kaslr_report, which posts the
// kernel-base event before kmain).
func (r *Resolver) KernelReportsBase() bool {
	_, ok := r.kernel.Lookup("kaslr_report")
	return ok
}

// Modules returns the drivers in load order.
func (r *Resolver) Modules() []Module { return r.modules }

// DriverLoaded records a driver the guest loaded at base.
func (r *Resolver) DriverLoaded(name string, base, size uint64) {
	m := Module{Name: name, Base: base, Size: size}
	if r.objects != nil {
		if obj := r.objects(name); obj != nil {
			if s, err := DriverSymbols(obj, base); err == nil {
				m.Syms = s
			}
		}
	}
	r.modules = append(r.modules, m)
	r.loads = append(r.loads, DriverLoad{name, base, size})
}

// setLoads replaces the driver list (a restored snapshot's).
func (r *Resolver) setLoads(loads []DriverLoad) {
	old := r.modules
	r.modules, r.loads = nil, nil
	for _, l := range loads {
		if i := len(r.modules); i < len(old) && old[i].Name == l.Name && old[i].Base == l.Base && old[i].Size == l.Size {
			r.modules = append(r.modules, old[i])
			r.loads = append(r.loads, l)
			continue
		}
		r.DriverLoaded(l.Name, l.Base, l.Size)
	}
}

// Where splits addr into its module, symbol and offset from the symbol
// (or from the module base when no symbol covers it). ok is false for an
// address outside every known image.
func (r *Resolver) Where(addr uint64) (mod string, sym Symbol, hasSym, ok bool) {
	for i := len(r.modules) - 1; i >= 0; i-- {
		m := r.modules[i]
		if addr >= m.Base && addr-m.Base < m.Size {
			if s, found := m.Syms.Containing(addr); found && s.Addr >= m.Base {
				return m.Name, s, true, true
			}
			return m.Name, Symbol{Addr: m.Base}, false, true
		}
	}
	if link := addr - r.slide; r.kernel != nil && link >= r.kStart && link < r.kEnd {
		if s, found := r.kernel.Containing(link); found {
			s.Addr += r.slide
			return "kernel", s, true, true
		}
	}
	return "", Symbol{}, false, false
}

// Name renders addr as "kernel!func+0x12", "attack_a1!entry+0x4",
// "attack_a1+0x1f0" or the bare hex address.
func (r *Resolver) Name(addr uint64) string {
	mod, s, hasSym, ok := r.Where(addr)
	switch {
	case !ok:
		return fmt.Sprintf("%#x", addr)
	case hasSym:
		return fmt.Sprintf("%s!%s+%#x", mod, s.Name, addr-s.Addr)
	}
	return fmt.Sprintf("%s+%#x", mod, addr-s.Addr)
}

// ErrNoSymbol is wrapped by Address's errors for an unknown name.
var ErrNoSymbol = errors.New("no such symbol")

// Address resolves "SYMBOL", "SYMBOL+OFF", "driver!SYMBOL[+OFF]",
// "driver![+OFF]" or a number.
func (r *Resolver) Address(expr string) (uint64, error) {
	name, offStr, _ := strings.Cut(expr, "+")
	name = strings.TrimSpace(name)
	var off uint64
	if strings.TrimSpace(offStr) != "" {
		v, err := parseSymUint(offStr)
		if err != nil {
			return 0, fmt.Errorf("%q: offset %v", expr, err)
		}
		off = v
	}
	if v, err := parseSymUint(name); err == nil {
		return v + off, nil
	}
	if mod, sym, ok := strings.Cut(name, "!"); ok {
		for i := len(r.modules) - 1; i >= 0; i-- {
			m := r.modules[i]
			if m.Name != mod {
				continue
			}
			if sym == "" {
				return m.Base + off, nil
			}
			if s, ok := m.Syms.Lookup(sym); ok {
				return s.Addr + off, nil
			}
			return 0, fmt.Errorf("driver %s has no symbol %q: %w", mod, sym, ErrNoSymbol)
		}
		if mod != "kernel" {
			return 0, fmt.Errorf("no driver %q is loaded: %w", mod, ErrNoSymbol)
		}
		name = sym
	}
	if s, ok := r.kernel.Lookup(name); ok {
		return s.Addr + r.slide + off, nil
	}
	return 0, fmt.Errorf("the kernel has no symbol %q: %w", name, ErrNoSymbol)
}

// Names returns every name Address accepts: kernel symbols bare, driver
// symbols as driver!symbol.
func (r *Resolver) Names() []string {
	var out []string
	if r.kernel != nil {
		for n := range r.kernel.byName {
			out = append(out, n)
		}
	}
	for _, m := range r.modules {
		out = append(out, m.Name+"!")
		if m.Syms == nil {
			continue
		}
		for n := range m.Syms.byName {
			out = append(out, m.Name+"!"+n)
		}
	}
	sort.Strings(out)
	return out
}

func parseSymUint(s string) (uint64, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "_", ""))
	return strconv.ParseUint(s, 0, 64)
}

// Symbols returns the machine's symbol resolver: the booted kernel's ELF
// symbols and every driver the guest reported loading. It is empty before
// Boot and for kernels without an ELF symbol table.
func (m *Machine) Symbols() *Resolver {
	if m.syms == nil {
		m.syms = NewResolver(nil, m.driverObject)
	}
	return m.syms
}

// bootSymbols builds the resolver for a freshly loaded image.
func (m *Machine) bootSymbols(img BootImage) {
	ks, err := KernelSymbols(img.Kernel)
	if err != nil {
		ks = nil // an a.out-kludge kernel or a stripped one: addresses stay hex
	}
	m.bootObjects = map[string][]byte{}
	for _, mod := range img.Modules {
		file, _, _ := strings.Cut(mod.Cmdline, " ")
		file = file[strings.LastIndexByte(file, '/')+1:]
		if strings.HasSuffix(file, ".tar") {
			addArchiveDrivers(m.bootObjects, mod.Data)
			continue
		}
		m.bootObjects[strings.TrimSuffix(file, ".ko")] = mod.Data
	}
	m.syms = NewResolver(ks, m.driverObject)
}

// driverObject finds a driver's object: a boot module, a driver in a boot
// archive, or an embedded image.
func (m *Machine) driverObject(name string) []byte {
	if b, ok := m.bootObjects[name]; ok {
		return b
	}
	if b, err := images.Driver(name); err == nil {
		return b
	}
	return nil
}

// addArchiveDrivers adds the NAME.ko members of a ustar archive.
func addArchiveDrivers(to map[string][]byte, archive []byte) {
	tr := tar.NewReader(bytes.NewReader(archive))
	for {
		h, err := tr.Next()
		if err != nil {
			return
		}
		if !strings.HasSuffix(h.Name, ".ko") || h.Size > 64<<20 {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return
		}
		name := strings.TrimSuffix(h.Name[strings.LastIndexByte(h.Name, '/')+1:], ".ko")
		if _, dup := to[name]; !dup {
			to[name] = b
		}
	}
}

// noteSymbols keeps the resolver in step with the guest's module events.
func (m *Machine) noteSymbols(e Event) {
	if e.Type == abi.EvKernelBase && len(e.Args) >= 2 {
		m.Symbols().SetKernelSlide(e.Args[1])
	}
	if e.Type == abi.EvModuleLoaded && len(e.Args) >= 2 {
		m.Symbols().DriverLoaded(strings.TrimSuffix(e.Text, ".ko"), e.Args[0], e.Args[1])
	}
}
