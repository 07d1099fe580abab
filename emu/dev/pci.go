package dev

import (
	"fmt"
	"sort"
)

// The PCI bus of QEMU's pc machine as a guest sees it through
// configuration mechanism #1 (PCI Local Bus Specification 3.0, 3.2.2.3.2):
// CONFIG_ADDRESS at 0xCF8 and CONFIG_DATA at 0xCFC-0xCFF, with the PIIX3
// reset control register sharing 0xCF9. What QEMU 7.2 does with each kind
// of access, measured with a probe image:
//
//   - CONFIG_ADDRESS takes only dword writes at 0xCF8 and keeps all 32
//     bits, the two low ones included. A read of any width at any of
//     0xCF8-0xCFB returns its low bytes, except a byte read of 0xCF9, which
//     is the reset control register.
//   - CONFIG_DATA with the enable bit (31) clear reads all-ones and ignores
//     writes. With it set, an access of n bytes at 0xCFC+k reaches register
//     (CONFIG_ADDRESS[7:0] | k) of bus CONFIG_ADDRESS[23:16], device [15:11],
//     function [10:8]; bits 30:24 are ignored. The low address bits are
//     ORed, not added. An access is clipped at the end of the 256-byte
//     space. A misaligned one (k not a multiple of n) reads 0 and writes
//     nothing. An absent function reads all-ones.
//   - Registers 0x40-0xFF of every function are plain read-write bytes;
//     the header's writable bits are those of PCIFunction's write mask.
const (
	PCIConfigAddress = 0x0 // CONFIG_ADDRESS (dword writes only)
	PCIResetControl  = 0x1 // 0xCF9, byte accesses: the reset control register
	PCIConfigData    = 0x4 // CONFIG_DATA, 0xCFC-0xCFF
	PCIConfigSize    = 8

	PCIConfigEnable = 1 << 31

	// Reset control register bits (PIIX3): SYS_RST is kept, RST_CPU
	// resets the machine.
	PCIRCRSysReset = 1 << 1
	PCIRCRCPUReset = 1 << 2
)

// Configuration header registers (type 0 header).
const (
	PCIVendorID      = 0x00
	PCIDeviceID      = 0x02
	PCICommand       = 0x04
	PCIStatus        = 0x06
	PCIRevision      = 0x08
	PCIProgIF        = 0x09
	PCISubclass      = 0x0A
	PCIClassCode     = 0x0B
	PCICacheLine     = 0x0C
	PCILatency       = 0x0D
	PCIHeaderType    = 0x0E
	PCIBAR0          = 0x10
	PCISubsysVendor  = 0x2C
	PCISubsysID      = 0x2E
	PCIROMAddress    = 0x30
	PCIInterruptLine = 0x3C
	PCIInterruptPin  = 0x3D
	PCIConfigSpace   = 256
	pciHeaderEnd     = 0x40

	PCICmdIO       = 1 << 0
	PCICmdMemory   = 1 << 1
	PCICmdMaster   = 1 << 2
	PCICmdSERR     = 1 << 8
	PCICmdIntxOff  = 1 << 10
	pciCmdWritable = PCICmdIO | PCICmdMemory | PCICmdMaster | PCICmdSERR | PCICmdIntxOff

	pciBARIO       = 1 << 0
	pciBARPrefetch = 1 << 3
	pciROMEnable   = 1 << 0

	// PCIROMSlot is the index of the expansion ROM among a function's BARs.
	PCIROMSlot = 6
	// PCINumBARs counts a function's BARs: six and the ROM.
	PCINumBARs = 7
)

// PCIBAR describes one base address register: its size and what answers
// at the address the guest gives it. A BAR with no device is sized and
// programmed like any other, but nothing is placed at its address.
type PCIBAR struct {
	Size     uint32 // a power of two, at least 4 (I/O) or 16 (memory); 0: not implemented (reads 0)
	IO       bool
	Prefetch bool
	Ports    PortDevice // the I/O range's device
	Mem      MMIODevice // the memory range's device
}

// PCIFunction is one function on bus 0: its configuration space (state),
// the write mask QEMU gives it, and its BARs.
type PCIFunction struct {
	Name     string // for the port list and diagnostics
	Dev, Fn  uint8
	Config   [PCIConfigSpace]byte // the registers now
	BARs     [PCINumBARs]PCIBAR
	wmask    [PCIConfigSpace]byte
	extra    func(cfg *[PCIConfigSpace]byte) []pciRegion // device-specific decoders
	regions  []pciRegion                                 // what is placed now (cache)
	resetCfg [PCIConfigSpace]byte
}

// pciRegion is a decoded range: I/O ports or bus memory.
type pciRegion struct {
	name       string
	io         bool
	base, size uint64
	ports      PortDevice
	mem        MMIODevice
}

// NewPCIFunction returns a function at dev.fn whose header starts as cfg
// says (at least vendor and device ID, class, header type) with the given
// BARs; the BAR registers in cfg hold the addresses the firmware gave them.
// The write mask is QEMU's for a conventional function: command bits
// I/O, memory, bus master, SERR and INTx disable, the cache line size, the
// interrupt line, the BARs' address bits and 0x40-0xFF.
func NewPCIFunction(name string, dev, fn uint8, cfg [PCIConfigSpace]byte, bars [PCINumBARs]PCIBAR) *PCIFunction {
	f := &PCIFunction{Name: name, Dev: dev & 31, Fn: fn & 7, Config: cfg, BARs: bars}
	f.wmask[PCICommand] = pciCmdWritable & 0xFF
	f.wmask[PCICommand+1] = byte(pciCmdWritable >> 8)
	f.wmask[PCICacheLine] = 0xFF
	f.wmask[PCIInterruptLine] = 0xFF
	for i := pciHeaderEnd; i < PCIConfigSpace; i++ {
		f.wmask[i] = 0xFF
	}
	for i, b := range bars {
		if b.Size == 0 {
			continue
		}
		mask := ^(b.Size - 1)
		if i == PCIROMSlot {
			mask |= pciROMEnable
		} else if b.IO {
			mask &^= 3
		} else {
			mask &^= 0xF
		}
		putLE(f.wmask[barOffset(i):barOffset(i)+4], uint64(mask))
		// The type bits are the function's, whatever cfg held.
		var flags uint32
		switch {
		case i == PCIROMSlot:
		case b.IO:
			flags = pciBARIO
		case b.Prefetch:
			flags = pciBARPrefetch
		}
		o := barOffset(i)
		v := uint32(getLE(f.Config[o:o+4]))&mask | flags
		putLE(f.Config[o:o+4], uint64(v))
	}
	f.resetCfg = f.Config
	return f
}

// barOffset is the configuration register of BAR i (PCIROMSlot: the ROM).
func barOffset(i int) int {
	if i == PCIROMSlot {
		return PCIROMAddress
	}
	return PCIBAR0 + 4*i
}

// Slot returns the function's device/function number (devfn).
func (f *PCIFunction) Slot() uint8 { return f.Dev<<3 | f.Fn }

// BAR returns the address in BAR i's register (flag bits removed).
func (f *PCIFunction) BAR(i int) uint32 {
	o := barOffset(i)
	v := uint32(getLE(f.Config[o : o+4]))
	if f.BARs[i].IO {
		return v &^ 3
	}
	return v &^ 0xF
}

// decode lists the regions the function's configuration decodes now.
// The rules are QEMU's: a BAR decodes when its command bit is set, its
// address is not 0 and its range neither wraps nor reaches 2^32-1; the
// ROM also needs its enable bit. Memory regions outside the PCI window and
// I/O regions past 0xFFFF decode nothing a CPU can reach.
func (f *PCIFunction) decode() []pciRegion {
	var out []pciRegion
	cmd := uint16(getLE(f.Config[PCICommand : PCICommand+2]))
	for i, b := range f.BARs {
		if b.Size == 0 || (b.Ports == nil && b.Mem == nil) {
			continue
		}
		if b.IO && cmd&PCICmdIO == 0 || !b.IO && cmd&PCICmdMemory == 0 {
			continue
		}
		o := barOffset(i)
		raw := uint32(getLE(f.Config[o : o+4]))
		if i == PCIROMSlot && raw&pciROMEnable == 0 {
			continue
		}
		base := uint64(raw &^ (b.Size - 1))
		last := base + uint64(b.Size) - 1
		if base == 0 || last >= 0xFFFFFFFF {
			continue
		}
		name := fmt.Sprintf("%s BAR%d", f.Name, i)
		if i == PCIROMSlot {
			name = f.Name + " ROM"
		}
		if b.IO {
			if last > 0xFFFF {
				continue
			}
			out = append(out, pciRegion{name: name, io: true, base: base, size: uint64(b.Size), ports: b.Ports})
		} else {
			out = append(out, pciRegion{name: name, base: base, size: uint64(b.Size), mem: b.Mem})
		}
	}
	if f.extra != nil {
		out = append(out, f.extra(&f.Config)...)
	}
	return out
}

// write stores an n-byte value at config register off through the write
// mask.
func (f *PCIFunction) write(off int, v uint32, n int) {
	for i := 0; i < n && off+i < PCIConfigSpace; i++ {
		m := f.wmask[off+i]
		f.Config[off+i] = f.Config[off+i]&^m | byte(v>>(8*i))&m
	}
}

// PortMapper is the port-I/O bus as the PCI bus uses it: to place and
// remove the I/O ranges the guest's BAR programming decodes.
type PortMapper interface {
	Attach(base, size uint16, name string, d PortDevice) error
	Detach(name string)
}

// PCIState is the bus's snapshot state: CONFIG_ADDRESS, the reset control
// register and every function's configuration space, in slot order
// (filled by SaveState; between snapshots each function holds its own).
type PCIState struct {
	Address uint32
	RCR     uint8
	Config  [][PCIConfigSpace]byte
}

// PCIBus is bus 0 of the pc machine: configuration mechanism #1 at 0xCF8
// (attach with size PCIConfigSize) and the functions on it. It places the
// I/O ranges that functions decode on a PortMapper and answers for bus
// memory through Window, an MMIO range the machine attaches over the PCI
// hole; bus memory no function decodes reads 0 there, as on QEMU.
type PCIBus struct {
	State PCIState

	fns        []*PCIFunction // sorted by slot
	ports      PortMapper
	reset      func()
	winBase    uint64
	winSize    uint64
	mem        []pciRegion // decoded memory regions, sorted by base (cache)
	mapErrors  int
	lastMapErr error
}

// NewPCIBus returns an empty bus. ports receives the decoded I/O ranges
// (nil: none placed); reset is called when the guest writes RST_CPU to the
// reset control register (nil: ignored). The PCI window covers bus
// memory [winBase, winBase+winSize).
func NewPCIBus(ports PortMapper, reset func(), winBase, winSize uint64) *PCIBus {
	return &PCIBus{ports: ports, reset: reset, winBase: winBase, winSize: winSize}
}

// NewPCIConfig returns a bus with no functions and nothing to map: every
// configuration read returns all-ones.
func NewPCIConfig() *PCIBus { return NewPCIBus(nil, nil, 0, 0) }

// Add puts f on the bus. Two functions in one slot are an error.
func (p *PCIBus) Add(f *PCIFunction) error {
	i := sort.Search(len(p.fns), func(i int) bool { return p.fns[i].Slot() >= f.Slot() })
	if i < len(p.fns) && p.fns[i].Slot() == f.Slot() {
		return fmt.Errorf("pci: slot %02x.%d taken by %s, wanted by %s", f.Dev, f.Fn, p.fns[i].Name, f.Name)
	}
	p.fns = append(p.fns, nil)
	copy(p.fns[i+1:], p.fns[i:])
	p.fns[i] = f
	p.update(f)
	return nil
}

// Functions returns the functions on the bus in slot order.
func (p *PCIBus) Functions() []*PCIFunction { return p.fns }

// Function returns the function at dev.fn, or nil.
func (p *PCIBus) Function(dev, fn uint8) *PCIFunction {
	for _, f := range p.fns {
		if f.Dev == dev && f.Fn == fn {
			return f
		}
	}
	return nil
}

// MapErrors reports how many decoded ranges could not be placed (they
// overlap a fixed device) and the last such error.
func (p *PCIBus) MapErrors() (int, error) { return p.mapErrors, p.lastMapErr }

// target returns the function CONFIG_ADDRESS selects, or nil.
func (p *PCIBus) target() *PCIFunction {
	a := p.State.Address
	if a&PCIConfigEnable == 0 || (a>>16)&0xFF != 0 {
		return nil
	}
	slot := uint8(a >> 8)
	for _, f := range p.fns {
		if f.Slot() == slot {
			return f
		}
	}
	return nil
}

// ReadPort implements PortDevice.
func (p *PCIBus) ReadPort(off uint16, data []byte) {
	switch {
	case len(data) == 0:
	case off == PCIResetControl && len(data) == 1:
		data[0] = p.State.RCR
	case int(off)%len(data) != 0:
		fill(data, 0)
	case off < PCIConfigData:
		putLE(data, uint64(p.State.Address))
	default:
		f := p.target()
		if f == nil {
			fill(data, 0xFF)
			return
		}
		fill(data, 0)
		reg := int(byte(p.State.Address) | byte(off-PCIConfigData))
		copy(data, f.Config[reg:])
	}
}

// WritePort implements PortDevice.
func (p *PCIBus) WritePort(off uint16, data []byte) {
	switch {
	case len(data) == 0:
	case off == PCIResetControl && len(data) == 1:
		p.State.RCR = data[0] & PCIRCRSysReset
		if data[0]&PCIRCRCPUReset != 0 && p.reset != nil {
			p.reset()
		}
	case off == PCIConfigAddress && len(data) == 4:
		p.State.Address = uint32(getLE(data))
	case off < PCIConfigData, int(off)%len(data) != 0:
	default:
		f := p.target()
		if f == nil {
			return
		}
		reg := int(byte(p.State.Address) | byte(off-PCIConfigData))
		n := min(len(data), PCIConfigSpace-reg)
		f.write(reg, uint32(getLE(data)), n)
		p.update(f)
		p.retry(f)
	}
}

// update places what f decodes now and removes what it no longer does.
func (p *PCIBus) update(f *PCIFunction) {
	want := f.decode()
	if regionsEqual(want, f.regions) {
		return
	}
	for _, r := range f.regions {
		p.unplace(r)
	}
	f.regions = f.regions[:0]
	for _, r := range want {
		if err := p.place(r); err != nil {
			p.mapErrors++
			p.lastMapErr = err
			continue
		}
		f.regions = append(f.regions, r)
	}
}

// retry places again what the other functions decode but could not place
// (a range that overlapped one f has just moved away).
func (p *PCIBus) retry(f *PCIFunction) {
	for _, g := range p.fns {
		if g != f && len(g.regions) != len(g.decode()) {
			p.update(g)
		}
	}
}

// replaceAll removes every function's ranges and places what each decodes
// now, so that no stale range stands in the way of another's new place.
func (p *PCIBus) replaceAll() {
	for _, f := range p.fns {
		for _, r := range f.regions {
			p.unplace(r)
		}
		f.regions = nil
	}
	for _, f := range p.fns {
		p.update(f)
	}
}

func regionsEqual(a, b []pciRegion) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].name != b[i].name || a[i].base != b[i].base || a[i].size != b[i].size || a[i].io != b[i].io {
			return false
		}
	}
	return true
}

func (p *PCIBus) place(r pciRegion) error {
	if r.io {
		if p.ports == nil {
			return fmt.Errorf("pci: no port bus for %s", r.name)
		}
		return p.ports.Attach(uint16(r.base), uint16(r.size), r.name, r.ports)
	}
	if r.base < p.winBase || r.base+r.size > p.winBase+p.winSize {
		return fmt.Errorf("pci: %s at [%#x, %#x) lies outside the PCI window [%#x, %#x)",
			r.name, r.base, r.base+r.size, p.winBase, p.winBase+p.winSize)
	}
	i := sort.Search(len(p.mem), func(i int) bool { return p.mem[i].base >= r.base })
	if i > 0 && p.mem[i-1].base+p.mem[i-1].size > r.base || i < len(p.mem) && p.mem[i].base < r.base+r.size {
		return fmt.Errorf("pci: %s at [%#x, %#x) overlaps another BAR", r.name, r.base, r.base+r.size)
	}
	p.mem = append(p.mem, pciRegion{})
	copy(p.mem[i+1:], p.mem[i:])
	p.mem[i] = r
	return nil
}

func (p *PCIBus) unplace(r pciRegion) {
	if r.io {
		if p.ports != nil {
			p.ports.Detach(r.name)
		}
		return
	}
	for i, m := range p.mem {
		if m.name == r.name {
			p.mem = append(p.mem[:i], p.mem[i+1:]...)
			return
		}
	}
}

// Reset puts every function back in its power-on (firmware) state.
func (p *PCIBus) Reset() {
	p.State.Address, p.State.RCR = 0, 0
	for _, f := range p.fns {
		f.Config = f.resetCfg
	}
	p.replaceAll()
}

// Window returns the MMIO device for the PCI window: attach it at
// winBase with size winSize.
func (p *PCIBus) Window() MMIODevice { return pciWindow{p} }

type pciWindow struct{ p *PCIBus }

// find returns the memory region holding bus address a, or nil.
func (p *PCIBus) find(a uint64) *pciRegion {
	i := sort.Search(len(p.mem), func(i int) bool { return p.mem[i].base+p.mem[i].size > a })
	if i < len(p.mem) && p.mem[i].base <= a {
		return &p.mem[i]
	}
	return nil
}

func (w pciWindow) ReadMMIO(off uint64, data []byte) {
	a := w.p.winBase + off
	if r := w.p.find(a); r != nil && a+uint64(len(data)) <= r.base+r.size {
		r.mem.ReadMMIO(a-r.base, data)
		return
	}
	for i := range data { // unclaimed, or across a region's edge
		data[i] = 0
		if r := w.p.find(a + uint64(i)); r != nil {
			r.mem.ReadMMIO(a+uint64(i)-r.base, data[i:i+1])
		}
	}
}

func (w pciWindow) WriteMMIO(off uint64, data []byte) {
	a := w.p.winBase + off
	if r := w.p.find(a); r != nil && a+uint64(len(data)) <= r.base+r.size {
		r.mem.WriteMMIO(a-r.base, data)
		return
	}
	for i := range data {
		if r := w.p.find(a + uint64(i)); r != nil {
			r.mem.WriteMMIO(a+uint64(i)-r.base, data[i:i+1])
		}
	}
}

// SaveState implements Snapshotter.
func (p *PCIBus) SaveState() ([]byte, error) {
	p.State.Config = make([][PCIConfigSpace]byte, len(p.fns))
	for j, f := range p.fns {
		p.State.Config[j] = f.Config
	}
	return saveGob("pci", &p.State)
}

// LoadState implements Snapshotter: the configuration spaces come back and
// the decoded ranges follow them.
func (p *PCIBus) LoadState(b []byte) error {
	var s PCIState
	if err := loadGob("pci", b, &s); err != nil {
		return err
	}
	if len(s.Config) != len(p.fns) {
		return fmt.Errorf("pci: load state: %d functions saved, the bus has %d", len(s.Config), len(p.fns))
	}
	p.State = s
	for j, f := range p.fns {
		f.Config = s.Config[j]
	}
	p.replaceAll()
	return nil
}
