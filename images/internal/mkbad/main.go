// Command mkbad derives malformed driver images from a good one, for the
// loader's refusal tests. images.mk runs it on images/bin/drivers/hello.ko:
//
//	go run ./images/internal/mkbad -in hello.ko -defect reloc-type -o bad_reloc_type.ko
//
// Each defect breaks exactly one thing the loader checks.
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"os"
)

const (
	shdrSize  = 64
	relaSize  = 24
	shtRela   = 4
	shtProg   = 1
	shfAlloc  = 2
	shfExec   = 4
	offShoff  = 0x28
	offShnum  = 0x3C
	offMach   = 0x12
	rTPOFF32  = 23 // a relocation gcc never emits for -mcmodel=kernel objects
	badOffset = 0x00FFFFF0
)

var le = binary.LittleEndian

type section struct {
	hdr                    int // offset of the section header
	typ                    uint32
	flags, off, size, info uint64
}

func sections(b []byte) ([]section, error) {
	if len(b) < 64 || string(b[:4]) != "\x7fELF" {
		return nil, fmt.Errorf("not an ELF file")
	}
	shoff := int(le.Uint64(b[offShoff:]))
	n := int(le.Uint16(b[offShnum:]))
	if shoff+n*shdrSize > len(b) {
		return nil, fmt.Errorf("section headers out of range")
	}
	var out []section
	for i := 0; i < n; i++ {
		h := shoff + i*shdrSize
		out = append(out, section{
			hdr: h, typ: le.Uint32(b[h+4:]), flags: le.Uint64(b[h+8:]),
			off: le.Uint64(b[h+24:]), size: le.Uint64(b[h+32:]), info: uint64(le.Uint32(b[h+44:])),
		})
	}
	return out, nil
}

// firstTextRela returns the file offset of the first relocation applied to
// an executable section.
func firstTextRela(b []byte, ss []section) (int, error) {
	for _, s := range ss {
		if s.typ == shtRela && s.size >= relaSize && int(s.info) < len(ss) && ss[s.info].flags&shfExec != 0 {
			return int(s.off), nil
		}
	}
	return 0, fmt.Errorf("no relocation against text")
}

func apply(b []byte, defect string) error {
	ss, err := sections(b)
	if err != nil {
		return err
	}
	switch defect {
	case "magic":
		copy(b[1:4], "ZZZ")
	case "machine":
		le.PutUint16(b[offMach:], 3) // EM_386
	case "shoff":
		le.PutUint64(b[offShoff:], uint64(len(b))+0x1000)
	case "section":
		for _, s := range ss {
			if s.typ == shtProg && s.flags&shfAlloc != 0 && s.size > 0 {
				le.PutUint64(b[s.hdr+24:], 0x7FFFFFF0)
				return nil
			}
		}
		return fmt.Errorf("no allocated PROGBITS section")
	case "reloc-type", "reloc-offset", "symbol-index":
		r, err := firstTextRela(b, ss)
		if err != nil {
			return err
		}
		info := le.Uint64(b[r+8:])
		switch defect {
		case "reloc-type":
			le.PutUint64(b[r+8:], info&^0xFFFFFFFF|rTPOFF32)
		case "reloc-offset":
			le.PutUint64(b[r:], badOffset)
		case "symbol-index":
			le.PutUint64(b[r+8:], info&0xFFFFFFFF|0xFFFF<<32)
		}
	default:
		return fmt.Errorf("unknown defect %q", defect)
	}
	return nil
}

func main() {
	in := flag.String("in", "", "good driver object")
	out := flag.String("o", "", "output")
	defect := flag.String("defect", "", "magic|machine|shoff|section|reloc-type|reloc-offset|symbol-index")
	flag.Parse()
	b, err := os.ReadFile(*in)
	if err == nil {
		err = apply(b, *defect)
	}
	if err == nil {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkbad:", err)
		os.Exit(1)
	}
}
