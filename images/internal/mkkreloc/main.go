// Command mkkreloc lists the places in the kernel image that hold an
// absolute address of the image itself, so that the boot code can move the
// kernel to a per-boot random virtual base (kernel/kaslr.c). images.mk links
// the kernel with --emit-relocs, runs
//
//	go run ./images/internal/mkkreloc -in kernel.pass1.elf -o kreloc.S
//
// and links again with kreloc.S's section at the end of .data; a second
// run with -check on that link proves the table it carries is the one its
// own relocations give.
//
// An entry is a 32-bit offset from __kernel_start; bit 31 set marks a
// 64-bit field (R_X86_64_64), clear a sign-extended 32-bit one
// (R_X86_64_32S). An absolute relocation against a symbol of the image
// whose value lies in the kernel's top 2 GiB is listed, whatever its
// addend (the compiler folds offsets like __kernel_end + 1 MiB into one
// immediate); one with a low value (the physical addresses of the 32-bit
// entry code) stays as it is. An absolute symbol in the top 2 GiB, or a
// PC-relative reference from the image to a target outside it, would
// break when the image moves and fails the build.
package main

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

// is64 marks a 64-bit field in a table entry.
const is64 = 1 << 31

type image struct {
	f          *elf.File
	syms       []elf.Symbol
	start, end uint64 // __kernel_start, __kernel_end
	tab        [2]uint64
}

func open(path string) (*image, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	im := &image{f: f, syms: syms}
	found := map[string]bool{}
	for _, s := range syms {
		switch s.Name {
		case "__kernel_start":
			im.start = s.Value
		case "__kernel_end":
			im.end = s.Value
		case "__kreloc_start":
			im.tab[0] = s.Value
		case "__kreloc_end":
			im.tab[1] = s.Value
		default:
			continue
		}
		found[s.Name] = true
	}
	for _, n := range []string{"__kernel_start", "__kernel_end", "__kreloc_start", "__kreloc_end"} {
		if !found[n] {
			return nil, fmt.Errorf("%s: no symbol %s", path, n)
		}
	}
	return im, nil
}

// read returns n bytes of the loaded image at virtual address va.
func (im *image) read(va uint64, n int) ([]byte, error) {
	for _, s := range im.f.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Type == elf.SHT_NOBITS || va < s.Addr || va+uint64(n) > s.Addr+s.Size {
			continue
		}
		b := make([]byte, n)
		if _, err := s.ReadAt(b, int64(va-s.Addr)); err != nil {
			return nil, err
		}
		return b, nil
	}
	return nil, fmt.Errorf("%#x: not in a loaded section", va)
}

// absolute tells whether an absolute relocation's value v moves with the
// image: an address in the top 2 GiB derived from a symbol of the image.
func absolute(v uint64, absSym bool) (bool, error) {
	if v < 0xFFFFFFFF80000000 {
		return false, nil
	}
	if absSym {
		return false, fmt.Errorf("absolute symbol with value %#x in the kernel's half", v)
	}
	return true, nil
}

// slack admits values a little outside the image that the code derives
// from its bounds (ALIGN_UP(__kernel_end, 4096) folds to __kernel_end+4095).
const slack = 0x10000

func (im *image) inImage(v uint64) bool { return v >= im.start-slack && v < im.end+slack }

// entries computes the table from the image's relocation sections.
func (im *image) entries() ([]uint32, error) {
	var out []uint32
	nrela := 0
	for _, rs := range im.f.Sections {
		if rs.Type != elf.SHT_RELA || int(rs.Info) >= len(im.f.Sections) {
			continue
		}
		target := im.f.Sections[rs.Info]
		if target.Flags&elf.SHF_ALLOC == 0 {
			continue
		}
		data, err := rs.Data()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", rs.Name, err)
		}
		for off := 0; off+24 <= len(data); off += 24 {
			nrela++
			p := binary.LittleEndian.Uint64(data[off:])
			typ := elf.R_X86_64(binary.LittleEndian.Uint64(data[off+8:]) & 0xFFFFFFFF)
			addend := int64(binary.LittleEndian.Uint64(data[off+16:]))
			where := fmt.Sprintf("%s+%#x (%v)", target.Name, p-target.Addr, typ)
			symIdx := int(binary.LittleEndian.Uint64(data[off+8:]) >> 32)
			absSym := symIdx >= 1 && symIdx <= len(im.syms) && im.syms[symIdx-1].Section == elf.SHN_ABS
			if p < im.start || p >= im.end || (p >= im.tab[0] && p < im.tab[1]) {
				return nil, fmt.Errorf("%s: site outside the image", where)
			}
			switch typ {
			case elf.R_X86_64_64:
				b, err := im.read(p, 8)
				if err != nil {
					return nil, fmt.Errorf("%s: %v", where, err)
				}
				v := binary.LittleEndian.Uint64(b)
				if list, err := absolute(v, absSym); err != nil {
					return nil, fmt.Errorf("%s: %v", where, err)
				} else if list {
					out = append(out, uint32(p-im.start)|is64)
				}
			case elf.R_X86_64_32S:
				b, err := im.read(p, 4)
				if err != nil {
					return nil, fmt.Errorf("%s: %v", where, err)
				}
				v := uint64(int64(int32(binary.LittleEndian.Uint32(b))))
				if list, err := absolute(v, absSym); err != nil {
					return nil, fmt.Errorf("%s: %v", where, err)
				} else if list {
					out = append(out, uint32(p-im.start))
				}
			case elf.R_X86_64_32:
				// Zero-extended: cannot hold an address of the image (the
				// entry code's physical addresses), so it stays.
			case elf.R_X86_64_PC32, elf.R_X86_64_PLT32:
				b, err := im.read(p, 4)
				if err != nil {
					return nil, fmt.Errorf("%s: %v", where, err)
				}
				sym := uint64(int64(p) + int64(int32(binary.LittleEndian.Uint32(b))) - addend)
				if !im.inImage(sym) {
					return nil, fmt.Errorf("%s: PC-relative reference to %#x outside the image", where, sym)
				}
			default:
				return nil, fmt.Errorf("%s: relocation type the boot code cannot apply", where)
			}
		}
	}
	if nrela == 0 {
		return nil, fmt.Errorf("no relocation records (link with --emit-relocs)")
	}
	if im.end-im.start >= is64 {
		return nil, fmt.Errorf("image of %d bytes: offsets do not fit 31 bits", im.end-im.start)
	}
	sort.Slice(out, func(i, j int) bool { return out[i]&^is64 < out[j]&^is64 })
	return out, nil
}

func writeAsm(path string, ents []uint32) error {
	var b strings.Builder
	b.WriteString("/* Generated by images/internal/mkkreloc: the image's absolute self-references\n" +
		" * (offset from __kernel_start; bit 31: a 64-bit field). Do not edit. */\n")
	b.WriteString("\t.section .kreloc, \"a\"\n\t.balign 4\n")
	for i, e := range ents {
		if i%8 == 0 {
			b.WriteString("\t.long ")
		} else {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%#08x", e)
		if i%8 == 7 || i == len(ents)-1 {
			b.WriteString("\n")
		}
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// check compares the table linked into the image with its relocations.
func check(im *image, ents []uint32) error {
	n := im.tab[1] - im.tab[0]
	want := make([]byte, 4*len(ents))
	for i, e := range ents {
		binary.LittleEndian.PutUint32(want[4*i:], e)
	}
	if n != uint64(len(want)) {
		return fmt.Errorf("the linked table has %d entries, the relocations give %d", n/4, len(ents))
	}
	if n == 0 {
		return nil
	}
	got, err := im.read(im.tab[0], int(n))
	if err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("the linked table differs from the one the relocations give")
	}
	return nil
}

func main() {
	in := flag.String("in", "", "kernel ELF linked with --emit-relocs")
	out := flag.String("o", "", "assembly file to write")
	chk := flag.Bool("check", false, "check the table linked into -in instead of writing one")
	flag.Parse()
	fail := func(err error) {
		fmt.Fprintf(os.Stderr, "mkkreloc: %s: %v\n", *in, err)
		os.Exit(1)
	}
	im, err := open(*in)
	if err != nil {
		fail(err)
	}
	ents, err := im.entries()
	if err != nil {
		fail(err)
	}
	if *chk {
		if err := check(im, ents); err != nil {
			fail(err)
		}
		return
	}
	if *out == "" {
		fail(fmt.Errorf("-o or -check is needed"))
	}
	if err := writeAsm(*out, ents); err != nil {
		fail(err)
	}
}
