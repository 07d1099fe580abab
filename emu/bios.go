package emu

import (
	"encoding/binary"

	"github.com/kppemu/kppemu/emu/firmware"
)

// The real-mode BIOS services (package firmware, built from firmware/bios.S)
// as the firmware leaves them for a -kernel boot: the image in the BIOS area,
// its e820 table holding the machine's memory map, every interrupt vector
// pointing at its handler (or at an IRET), and the text screen cleared as a
// mode 3 set-up leaves it. Everything the services do at run time is guest
// code; the machine only puts them in place, as SeaBIOS's power-on self test
// does on QEMU.
const (
	ivtBase    = 0
	vgaText    = 0xB8000
	vgaTextLen = 0x8000 // 8 pages of 80x25 cells
	blankCell  = 0x0720 // a space, light grey on black
)

// writeBIOS installs the BIOS services in ram for memBytes of RAM. An image
// without its header (a build defect) leaves the vectors at zero.
func writeBIOS(ram []byte, memBytes uint64) error {
	img := firmware.BIOS
	if len(ram) < firmware.BIOSLoad+len(img) {
		return nil // not reached: RAM is at least MinMemBytes
	}
	l, err := firmware.ParseLayout(img)
	if err != nil {
		return err
	}
	rom := ram[firmware.BIOSLoad : firmware.BIOSLoad+len(img)]
	copy(rom, img)
	mm := MemoryMap(memBytes)
	if len(mm) > l.E820Max {
		mm = mm[:l.E820Max]
	}
	binary.LittleEndian.PutUint16(rom[l.E820:], uint16(len(mm)))
	for i, r := range mm {
		e := rom[l.E820+2+20*i:]
		binary.LittleEndian.PutUint64(e, r.Base)
		binary.LittleEndian.PutUint64(e[8:], r.Length)
		binary.LittleEndian.PutUint32(e[16:], r.Type)
	}
	for v := 0; v < 256; v++ {
		off := binary.LittleEndian.Uint16(rom[l.Vectors+2*v:])
		binary.LittleEndian.PutUint32(ram[ivtBase+4*v:], uint32(firmware.BIOSSegment)<<16|uint32(off))
	}
	for a := vgaText; a < vgaText+vgaTextLen; a += 2 {
		binary.LittleEndian.PutUint16(ram[a:], blankCell)
	}
	return nil
}
