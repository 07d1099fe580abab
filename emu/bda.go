package emu

import "encoding/binary"

// The BIOS data area (0x400-0x4FF) as SeaBIOS leaves it on QEMU before a -kernel
// boot (read on QEMU 7.2): bare-metal kernels find the serial and parallel ports,
// the EBDA (where an ACPI RSDP or MP table search starts), the base memory size, the
// text mode, the CRTC port and the cursor there. The timer tick count at 0x46C is
// left 0: on QEMU it is the time of day.
const (
	bdaBase = 0x400
	bdaSize = 0x100
)

// bdaFields are the BIOS data area's non-zero fields: offset from 0x400, width, value.
var bdaFields = []struct {
	off, size int
	v         uint32
}{
	{0x00, 2, 0x3F8},                 // COM1 base (COM2-COM4 absent)
	{0x08, 2, 0x378},                 // LPT1 base
	{0x0E, 2, ebdaBase >> 4},         // EBDA segment
	{0x10, 2, 0x4227},                // equipment word
	{0x13, 2, memLowerKiB},           // base memory in KiB
	{0x1A, 2, 0x1E}, {0x1C, 2, 0x1E}, // keyboard buffer head and tail
	{0x49, 1, 3},      // video mode 3: 80x25 colour text
	{0x4A, 2, 80},     // columns
	{0x4C, 2, 0x1000}, // video page size
	{0x50, 2, 0x0200}, // page 0 cursor: row 2, column 0 (after SeaBIOS's banner)
	{0x60, 2, 0x0607}, // cursor shape
	{0x63, 2, 0x3D4},  // CRTC base port
	{0x76, 1, 0xC0},
	{0x78, 1, 0x14},                  // LPT1 timeout
	{0x7C, 1, 0x0A},                  // COM1 timeout
	{0x80, 2, 0x1E}, {0x82, 2, 0x3E}, // keyboard buffer start and end
	{0x84, 1, 24}, // text rows - 1
	{0x85, 2, 16}, // character height
	{0x87, 1, 0x60}, {0x88, 1, 0xF9}, {0x89, 1, 0x51}, {0x8A, 1, 0x08}, {0x8F, 1, 0x07},
	{0x96, 1, 0x10},       // keyboard status: 101/102-key keyboard
	{0xA8, 4, 0xC0006820}, // video save pointer table (far pointer into the VGA BIOS)
	{0xB9, 2, 0x0340}, {0xBC, 2, 0x68C6},
}

// writeBDA fills the BIOS data area and the EBDA's size word (1 KiB).
func writeBDA(ram []byte) {
	if len(ram) < ebdaBase+2 {
		return
	}
	clear(ram[bdaBase : bdaBase+bdaSize])
	for _, f := range bdaFields {
		b := ram[bdaBase+f.off:]
		switch f.size {
		case 1:
			b[0] = byte(f.v)
		case 2:
			binary.LittleEndian.PutUint16(b, uint16(f.v))
		case 4:
			binary.LittleEndian.PutUint32(b, f.v)
		}
	}
	binary.LittleEndian.PutUint16(ram[ebdaBase:], 1)
}
