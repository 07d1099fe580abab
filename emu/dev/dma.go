package dev

// The two 8237 DMA controllers of QEMU's pc machine as plain registers: the
// address, count and page registers of each channel, the flip-flop, the
// mask, status and command registers. No device requests DMA without a
// floppy disk, so no transfer ever runs; what a guest reads back is what QEMU
// 7.2 shows (read by emu/testdata/legacyprobe.S).

// Ports of the DMA controllers and page registers.
const (
	DMA1Base     = 0x00 // channels 0-3, byte ports
	DMA1Size     = 0x10
	DMA2Base     = 0xC0 // channels 4-7, word-spaced ports
	DMA2Size     = 0x20
	DMAPageBase  = 0x80
	DMAPageSize  = 0x10
	dmaRegStatus = 0 // read; command on write (controller register index)
	dmaRegMask1  = 1 // read: the mask; write: request
	dmaRegSingle = 2
	dmaRegMode   = 3
	dmaRegFF     = 4
	dmaRegClear  = 5 // master clear
	dmaRegUnmask = 6
	dmaRegMaskW  = 7
)

// DMAControllerState is one 8237's registers.
type DMAControllerState struct {
	Addr, Count [4]uint16
	Mode        [4]uint8
	FlipFlop    bool
	Mask        uint8
	Status      uint8
	Command     uint8
}

// DMAState is both controllers and the page registers (indexed by port -
// 0x80).
type DMAState struct {
	C    [2]DMAControllerState
	Page [DMAPageSize]uint8
}

// DMA is the controller pair. DMA1 and DMA2 return the port devices of
// each controller, Pages the page registers.
type DMA struct{ State DMAState }

// NewDMA returns the controllers as SeaBIOS leaves them: every channel
// masked except the cascade (channel 4).
func NewDMA() *DMA {
	d := &DMA{}
	d.State.C[0].Mask = 0xFF
	d.State.C[1].Mask = 0xFE
	return d
}

// DMA1 returns the first controller's ports (0x00-0x0F).
func (d *DMA) DMA1() PortDevice { return dmaPorts{d, 0} }

// DMA2 returns the second controller's ports (0xC0-0xDF).
func (d *DMA) DMA2() PortDevice { return dmaPorts{d, 1} }

// Pages returns the page registers (0x80-0x8F).
func (d *DMA) Pages() PortDevice { return dmaPages{d} }

// dmaPageChannel says which page register ports exist: the ISA page
// registers of channels 0-3 and 5-7 and the refresh register at 0x8F, as
// QEMU decodes them (the rest read all-ones).
var dmaPageChannel = [DMAPageSize]bool{1: true, 2: true, 3: true, 7: true, 9: true, 0xA: true, 0xB: true, 0xF: true}

type dmaPages struct{ d *DMA }

func (p dmaPages) ReadPort(off uint16, data []byte) {
	for i := range data {
		o := int(off) + i
		data[i] = 0xFF
		if o < DMAPageSize && dmaPageChannel[o] {
			data[i] = p.d.State.Page[o]
		}
	}
}

func (p dmaPages) WritePort(off uint16, data []byte) {
	for i, b := range data {
		if o := int(off) + i; o < DMAPageSize && dmaPageChannel[o] {
			p.d.State.Page[o] = b
		}
	}
}

type dmaPorts struct {
	d *DMA
	n int // 0: channels 0-3; 1: channels 4-7 (ports two apart)
}

// reg returns the register index of port offset off: 0-7 channel registers,
// 8-15 controller registers.
func (p dmaPorts) reg(off uint16) int { return int(off>>p.n) & 0xF }

func (p dmaPorts) ReadPort(off uint16, data []byte) {
	c := &p.d.State.C[p.n]
	for i := range data {
		r := p.reg(off + uint16(i))
		var v uint8
		switch {
		case r < 8:
			w := c.Addr[r>>1]
			if r&1 != 0 {
				w = c.Count[r>>1]
			}
			if c.FlipFlop {
				w >>= 8
			}
			c.FlipFlop = !c.FlipFlop
			v = uint8(w)
		case r-8 == dmaRegStatus:
			v = c.Status
			c.Status &= 0xF0
		case r-8 == dmaRegMask1:
			v = c.Mask
		}
		data[i] = v
	}
}

func (p dmaPorts) WritePort(off uint16, data []byte) {
	c := &p.d.State.C[p.n]
	for i, v := range data {
		r := p.reg(off + uint16(i))
		if r < 8 {
			w := &c.Addr[r>>1]
			if r&1 != 0 {
				w = &c.Count[r>>1]
			}
			if c.FlipFlop {
				*w = *w&0x00FF | uint16(v)<<8
			} else {
				*w = *w&0xFF00 | uint16(v)
			}
			c.FlipFlop = !c.FlipFlop
			continue
		}
		switch r - 8 {
		case dmaRegStatus:
			c.Command = v
		case dmaRegMask1: // request: visible in the status, no transfer
			ch := v & 3
			if v&4 != 0 {
				c.Status |= 1 << (ch + 4)
			} else {
				c.Status &^= 1 << (ch + 4)
			}
			c.Status &^= 1 << ch
		case dmaRegSingle:
			if v&4 != 0 {
				c.Mask |= 1 << (v & 3)
			} else {
				c.Mask &^= 1 << (v & 3)
			}
		case dmaRegMode:
			c.Mode[v&3] = v
		case dmaRegFF:
			c.FlipFlop = false
		case dmaRegClear:
			c.FlipFlop, c.Mask, c.Status, c.Command = false, 0xFF, 0, 0
		case dmaRegUnmask:
			c.Mask = 0
		case dmaRegMaskW:
			c.Mask = v
		}
	}
}

// SaveState implements Snapshotter.
func (d *DMA) SaveState() ([]byte, error) { return saveGob("dma", &d.State) }

// LoadState implements Snapshotter.
func (d *DMA) LoadState(b []byte) error { return loadGob("dma", b, &d.State) }
