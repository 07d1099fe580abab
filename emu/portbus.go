package emu

import (
	"fmt"

	"github.com/kppemu/kppemu/emu/dev"
)

// PortBus is the port-I/O bus: 64 Ki ports, each mapped through a dense
// index to at most one device range. Devices see offsets within their own
// range and the access width; a port no device claims reads all-ones and
// ignores writes, as on a PC.
type PortBus struct {
	index   [1 << 16]uint16 // port -> 1 + position in ranges; 0 = unassigned
	ranges  []portRange
	scratch [4]byte
}

type portRange struct {
	base, size uint16
	name       string
	dev        dev.PortDevice
}

// Attach maps [base, base+size) to d. Overlap with an attached range, an
// empty range or one past port 0xFFFF is an error.
func (b *PortBus) Attach(base, size uint16, name string, d dev.PortDevice) error {
	if size == 0 || uint32(base)+uint32(size) > 1<<16 {
		return fmt.Errorf("port range %#x+%#x for %s is empty or runs past 0xFFFF", base, size, name)
	}
	for p := uint32(base); p < uint32(base)+uint32(size); p++ {
		if i := b.index[p]; i != 0 {
			r := b.ranges[i-1]
			return fmt.Errorf("port range [%#x, %#x) for %s overlaps %s at [%#x, %#x)",
				base, uint32(base)+uint32(size), name, r.name, r.base, uint32(r.base)+uint32(r.size))
		}
	}
	slot := len(b.ranges)
	for i, r := range b.ranges {
		if r.dev == nil { // a detached range's place
			slot = i
			break
		}
	}
	if slot == len(b.ranges) {
		b.ranges = append(b.ranges, portRange{})
	}
	b.ranges[slot] = portRange{base, size, name, d}
	id := uint16(slot + 1)
	for p := uint32(base); p < uint32(base)+uint32(size); p++ {
		b.index[p] = id
	}
	return nil
}

// Detach removes the range attached under name (nothing if there is none):
// its ports read all-ones again. The PCI bus moves BAR ranges this way.
func (b *PortBus) Detach(name string) {
	for i := range b.ranges {
		r := &b.ranges[i]
		if r.dev == nil || r.name != name {
			continue
		}
		for p := uint32(r.base); p < uint32(r.base)+uint32(r.size); p++ {
			b.index[p] = 0
		}
		*r = portRange{}
		return
	}
}

// PortMap returns the bus's map of ports, one word per port, 0 for a port no device
// decodes (the CPU's translating tier runs IN and OUT at such ports itself).
func (b *PortBus) PortMap() *[1 << 16]uint16 { return &b.index }

// In implements cpu.Bus: a read of size bytes (1, 2 or 4) at port.
func (b *PortBus) In(port uint16, size int) uint32 {
	data := b.scratch[:width(size)]
	if i := b.index[port]; i != 0 {
		r := &b.ranges[i-1]
		off := port - r.base
		if int(off)+len(data) <= int(r.size) {
			r.dev.ReadPort(off, data)
			return le32(data)
		}
	}
	// Unassigned, or an access that crosses a range boundary: byte by byte.
	for k := range data {
		p := port + uint16(k)
		data[k] = 0xFF
		if i := b.index[p]; i != 0 {
			r := &b.ranges[i-1]
			r.dev.ReadPort(p-r.base, data[k:k+1])
		}
	}
	return le32(data)
}

// Out implements cpu.Bus: a write of size bytes (1, 2 or 4) at port.
func (b *PortBus) Out(port uint16, size int, v uint32) {
	data := b.scratch[:width(size)]
	for k := range data {
		data[k] = byte(v >> (8 * k))
	}
	if i := b.index[port]; i != 0 {
		r := &b.ranges[i-1]
		off := port - r.base
		if int(off)+len(data) <= int(r.size) {
			r.dev.WritePort(off, data)
			return
		}
	}
	for k := range data {
		p := port + uint16(k)
		if i := b.index[p]; i != 0 {
			r := &b.ranges[i-1]
			r.dev.WritePort(p-r.base, data[k:k+1])
		}
	}
}

// Decodes reports whether a device claims any of the size ports from port
// (cpu.PortDecoder: a write no device decodes does not end the CPU's slice).
func (b *PortBus) Decodes(port uint16, size int) bool {
	for k := 0; k < width(size); k++ {
		if b.index[port+uint16(k)] != 0 {
			return true
		}
	}
	return false
}

func le32(d []byte) uint32 {
	var v uint32
	for k := len(d) - 1; k >= 0; k-- {
		v = v<<8 | uint32(d[k])
	}
	return v
}

// width clamps an access size to 1, 2 or 4 bytes.
func width(size int) int {
	switch size {
	case 1, 2, 4:
		return size
	}
	return 4
}

// PortRange is an attached range of ports (for a debugger's device list).
type PortRange struct {
	Base, Size uint16
	Name       string
}

// Ranges returns the attached ranges in attach order (a range attached
// after a detach may take the detached one's place).
func (b *PortBus) Ranges() []PortRange {
	out := make([]PortRange, 0, len(b.ranges))
	for _, r := range b.ranges {
		if r.dev != nil {
			out = append(out, PortRange{r.base, r.size, r.name})
		}
	}
	return out
}
