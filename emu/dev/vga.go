package dev

// VGA is the register file of a VGA in 80x25 colour text mode, as SeaBIOS leaves
// QEMU's standard VGA before a -kernel boot (values read on QEMU 7.2): CRT
// controller, sequencer, graphics controller, attribute controller, miscellaneous
// output and input status 1. Nothing is drawn; the text buffer at 0xB8000 is plain
// RAM. Kernels move the hardware cursor through CRTC registers 0x0E/0x0F, read it
// back to find where the firmware stopped writing, and wait for vertical retrace on
// port 0x3DA, a loop that never ends on a port reading all ones.
//
// Ports: 0x3C0-0x3CF (VGAPortBase, VGAPortSize), 0x3D4-0x3D5 (CRTC()), 0x3DA (Status()).
type VGA struct {
	State VGAState
}

// VGAState is the VGA's snapshot state.
type VGAState struct {
	CR        [256]uint8
	CRIndex   uint8
	SR        [8]uint8
	SRIndex   uint8
	GR        [16]uint8
	GRIndex   uint8
	AR        [21]uint8
	ARIndex   uint8
	ARData    bool // the attribute flip-flop: the next 0x3C0 write is data
	Misc      uint8
	St01      uint8
	DACWIndex uint8
}

// VGA ports and bits.
const (
	VGAPortBase = 0x3C0
	VGAPortSize = 16
	VGACRTCPort = 0x3D4
	VGAStatus1  = 0x3DA

	vgaSt01Toggle   = 0x09 // vertical retrace | display disabled, toggled by each read
	vgaCR11Protect  = 0x80
	vgaARIndexMask  = 0x1F
	vgaARPaletteSrc = 0x20
)

// The registers of mode 3 as SeaBIOS programs them (the cursor after its two banner lines).
var (
	vgaMode3CR = [...]uint8{0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E,
		0x00, 0x00, 0x00, 0xA0, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF}
	vgaMode3SR = [...]uint8{0x03, 0x00, 0x03, 0x00, 0x02}
	vgaMode3GR = [...]uint8{0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x0F, 0xFF}
	vgaMode3AR = [...]uint8{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B,
		0x3C, 0x3D, 0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08, 0x00}
)

// NewVGA returns the VGA in text mode 3.
func NewVGA() *VGA {
	v := &VGA{}
	s := &v.State
	copy(s.CR[:], vgaMode3CR[:])
	copy(s.SR[:], vgaMode3SR[:])
	copy(s.GR[:], vgaMode3GR[:])
	copy(s.AR[:], vgaMode3AR[:])
	s.ARIndex, s.ARData = vgaARPaletteSrc, true
	s.CRIndex, s.GRIndex = 0x0F, 0x05 // where SeaBIOS's last register writes left them
	s.Misc = 0x67
	return v
}

// CRTC is ports 0x3D4-0x3D5, Status port 0x3DA; the VGA itself is 0x3C0-0x3CF.
func (v *VGA) CRTC() PortDevice   { return vgaPorts{v, VGACRTCPort} }
func (v *VGA) Status() PortDevice { return vgaPorts{v, VGAStatus1} }

// ReadPort implements PortDevice for 0x3C0-0x3CF.
func (v *VGA) ReadPort(off uint16, data []byte) { vgaPorts{v, VGAPortBase}.ReadPort(off, data) }

// WritePort implements PortDevice for 0x3C0-0x3CF.
func (v *VGA) WritePort(off uint16, data []byte) { vgaPorts{v, VGAPortBase}.WritePort(off, data) }

// vgaPorts is one of the VGA's port ranges; a wide access is one byte access per
// port, as on QEMU.
type vgaPorts struct {
	v    *VGA
	base uint16
}

func (p vgaPorts) ReadPort(off uint16, data []byte) {
	for k := range data {
		data[k] = p.v.read(p.base + off + uint16(k))
	}
}

func (p vgaPorts) WritePort(off uint16, data []byte) {
	for k := range data {
		p.v.write(p.base+off+uint16(k), data[k])
	}
}

func (v *VGA) read(port uint16) uint8 {
	s := &v.State
	switch port {
	case 0x3C0: // the index while the flip-flop expects one, 0 while it expects data
		if s.ARData {
			return 0
		}
		return s.ARIndex
	case 0x3C1:
		if i := s.ARIndex & vgaARIndexMask; int(i) < len(s.AR) {
			return s.AR[i]
		}
	case 0x3C4:
		return s.SRIndex
	case 0x3C5:
		return s.SR[s.SRIndex&7]
	case 0x3C8:
		return s.DACWIndex
	case 0x3CC:
		return s.Misc
	case 0x3CE:
		return s.GRIndex
	case 0x3CF:
		return s.GR[s.GRIndex&15]
	case 0x3D4:
		return s.CRIndex
	case 0x3D5:
		return s.CR[s.CRIndex]
	case 0x3DA:
		s.ARData = false
		s.St01 ^= vgaSt01Toggle
		return s.St01
	}
	return 0
}

func (v *VGA) write(port uint16, b uint8) {
	s := &v.State
	switch port {
	case 0x3C0:
		if s.ARData {
			if i := s.ARIndex & vgaARIndexMask; int(i) < len(s.AR) {
				s.AR[i] = b
			}
		} else {
			s.ARIndex = b & (vgaARIndexMask | vgaARPaletteSrc)
		}
		s.ARData = !s.ARData
	case 0x3C2:
		s.Misc = b
	case 0x3C4:
		s.SRIndex = b
	case 0x3C5:
		s.SR[s.SRIndex&7] = b
	case 0x3C8:
		s.DACWIndex = b
	case 0x3CE:
		s.GRIndex = b
	case 0x3CF:
		s.GR[s.GRIndex&15] = b
	case 0x3D4:
		s.CRIndex = b
	case 0x3D5:
		// CR11 bit 7 write-protects CR0-CR7, except CR7's line-compare bit 4.
		if s.CR[0x11]&vgaCR11Protect != 0 && s.CRIndex <= 7 {
			if s.CRIndex == 7 {
				s.CR[7] = s.CR[7]&^0x10 | b&0x10
			}
			return
		}
		s.CR[s.CRIndex] = b
	}
}

// SaveState implements Snapshotter.
func (v *VGA) SaveState() ([]byte, error) { return saveGob("vga", &v.State) }

// LoadState implements Snapshotter.
func (v *VGA) LoadState(b []byte) error { return loadGob("vga", b, &v.State) }
