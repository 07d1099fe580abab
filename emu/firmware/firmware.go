// Package firmware embeds the machine's real-mode BIOS services: 16-bit guest
// code built from firmware/bios.S (make testguest) that the machine copies
// below 1 MiB at power-on, as the handlers SeaBIOS leaves for a kernel that
// QEMU boots with -kernel.
package firmware

import (
	_ "embed"
	"encoding/binary"
	"errors"
)

// BIOS is the image of the BIOS services, to be loaded at BIOSLoad. It is
// guest code in segment BIOSSegment, linked at offset BIOSLoad - 0xF0000.
//
//go:embed bios.bin
var BIOS []byte

// BIOSLoad is the physical address of BIOS's first byte; BIOSSegment the
// real-mode segment of its code.
const (
	BIOSLoad    = 0xF6000
	BIOSSegment = 0xF000
)

// Layout is what the image's header says: where its vector table (256
// handler offsets in BIOSSegment) and its e820 table (a 16-bit count, then
// 20-byte entries: base, length, type) are, as offsets into the image.
type Layout struct {
	Vectors   int
	E820      int
	E820Max   int
	segOffset int
}

// ParseLayout reads the header of image ("KBIO", the vector table's offset,
// the e820 count's offset and the number of e820 entries it has room for).
func ParseLayout(image []byte) (Layout, error) {
	if len(image) < 10 || string(image[:4]) != "KBIO" {
		return Layout{}, errors.New("firmware: the BIOS image has no KBIO header")
	}
	base := BIOSLoad - BIOSSegment<<4
	l := Layout{
		Vectors: int(binary.LittleEndian.Uint16(image[4:])) - base,
		E820:    int(binary.LittleEndian.Uint16(image[6:])) - base,
		E820Max: int(binary.LittleEndian.Uint16(image[8:])),
	}
	if l.Vectors < 0 || l.Vectors+512 > len(image) || l.E820 < 0 || l.E820+2+20*l.E820Max > len(image) {
		return Layout{}, errors.New("firmware: the BIOS image's tables lie outside it")
	}
	return l, nil
}
