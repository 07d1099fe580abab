package debug

import (
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/kppemu/kppemu/emu"
)

// Image is an ELF file laid out for static disassembly: its executable
// bytes at the addresses they run at, and its symbols.
type Image struct {
	Name  string
	Syms  *emu.Symbols
	spans []span
}

type span struct {
	addr uint64
	data []byte
}

// KernelImage lays out a kernel ELF file at its link addresses.
func KernelImage(name string, file []byte) (*Image, error) {
	f, err := elf.NewFile(bytes.NewReader(file))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer f.Close()
	img := &Image{Name: "kernel"}
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_EXECINSTR == 0 || s.Type != elf.SHT_PROGBITS || s.Size == 0 {
			continue
		}
		b, err := s.Data()
		if err != nil {
			return nil, fmt.Errorf("%s: section %s: %w", name, s.Name, err)
		}
		img.spans = append(img.spans, span{s.Addr, b})
	}
	if img.Syms, err = emu.KernelSymbols(file); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return img, nil
}

// DriverImage lays out a driver object as the guest loader places it at
// base (its text sections first, each at its alignment); relocations are
// not applied, so calls to kernel exports show their unrelocated targets.
func DriverImage(name string, obj []byte, base uint64) (*Image, error) {
	f, err := elf.NewFile(bytes.NewReader(obj))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer f.Close()
	img := &Image{Name: name}
	off := uint64(0)
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Flags&elf.SHF_EXECINSTR == 0 || s.Size == 0 {
			continue
		}
		align := max(s.Addralign, 1)
		off = (off + align - 1) &^ (align - 1)
		b, err := s.Data()
		if err != nil {
			return nil, fmt.Errorf("%s: section %s: %w", name, s.Name, err)
		}
		img.spans = append(img.spans, span{base + off, b})
		off += s.Size
	}
	if img.Syms, err = emu.DriverSymbols(obj, base); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return img, nil
}

// bytesAt returns the executable bytes from addr to the end of its span.
func (img *Image) bytesAt(addr uint64) []byte {
	for _, s := range img.spans {
		if addr >= s.addr && addr-s.addr < uint64(len(s.data)) {
			return s.data[addr-s.addr:]
		}
	}
	return nil
}

// name renders an address as image!symbol+off.
func (img *Image) name(a uint64) string {
	if s, ok := img.Syms.Containing(a); ok {
		return fmt.Sprintf("%s!%s+%#x", img.Name, s.Name, a-s.Addr)
	}
	return fmt.Sprintf("%#x", a)
}

// Disasm writes a static disassembly: of what (a symbol, symbol+off or
// address; "" for all the code), n instructions (0: to the end of the
// symbol, or of the code).
func (img *Image) Disasm(w io.Writer, what string, n int, att bool) error {
	d := Disassembler{ATT: att, Name: func(a uint64) (string, uint64, bool) {
		if s, ok := img.Syms.Containing(a); ok {
			return s.Name, s.Addr, true
		}
		return "", 0, false
	}}
	type job struct {
		start uint64
		limit int    // instructions (0: none)
		end   uint64 // address bound (0: none)
	}
	var jobs []job
	if what == "" {
		for _, s := range img.spans {
			jobs = append(jobs, job{start: s.addr, limit: n, end: s.addr + uint64(len(s.data))})
		}
		sort.Slice(jobs, func(i, j int) bool { return jobs[i].start < jobs[j].start })
	} else {
		a, err := img.resolve(what)
		if err != nil {
			return err
		}
		j := job{start: a, limit: n}
		if n == 0 {
			if s, ok := img.Syms.Containing(a); ok && s.Size > 0 && s.Addr+s.Size > a {
				j.end = s.Addr + s.Size
			} else {
				j.limit = 20
			}
		}
		jobs = append(jobs, j)
	}
	for _, j := range jobs {
		a := j.start
		for i := 0; j.limit == 0 || i < j.limit; i++ {
			if j.end != 0 && a >= j.end {
				break
			}
			b := img.bytesAt(a)
			if len(b) == 0 {
				if i == 0 {
					return fmt.Errorf("%#x <%s> is not in the image's code", a, img.name(a))
				}
				break
			}
			if s, ok := img.Syms.Containing(a); ok && s.Addr == a {
				fmt.Fprintf(w, "%s!%s:\n", img.Name, s.Name)
			}
			in := d.Decode(b[:min(len(b), 15)], a, 64)
			fmt.Fprintf(w, "   %s\n", in.Format(img.name(a)))
			a += uint64(max(in.Len, 1))
		}
	}
	return nil
}

// resolve reads SYMBOL, SYMBOL+OFF or a number.
func (img *Image) resolve(what string) (uint64, error) {
	name, offS, _ := strings.Cut(what, "+")
	name = strings.TrimSpace(name)
	var off uint64
	if strings.TrimSpace(offS) != "" {
		v, err := parseNumber(strings.TrimSpace(offS))
		if err != nil {
			return 0, fmt.Errorf("%q: bad offset", what)
		}
		off = v
	}
	if v, err := parseNumber(name); err == nil {
		return v + off, nil
	}
	if s, ok := img.Syms.Lookup(name); ok {
		return s.Addr + off, nil
	}
	var names []string
	for _, s := range img.Syms.All() {
		names = append(names, s.Name)
	}
	msg := fmt.Sprintf("%s has no symbol %q", img.Name, name)
	if sug := suggest(name, names, 3); len(sug) > 0 {
		msg += "; did you mean " + strings.Join(sug, ", ") + "?"
	}
	return 0, fmt.Errorf("%s", msg)
}
