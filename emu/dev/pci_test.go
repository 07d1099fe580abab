package dev

import (
	"bufio"
	"fmt"
	"math/rand"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakePorts is a port bus for the PCI bus's I/O ranges.
type fakePorts struct {
	ranges map[string]fakeRange
	fixed  [2]uint16 // a fixed device's range [base, end) that attaches must not overlap
}

type fakeRange struct {
	base, size uint16
	d          PortDevice
}

func newFakePorts() *fakePorts { return &fakePorts{ranges: map[string]fakeRange{}} }

func (f *fakePorts) Attach(base, size uint16, name string, d PortDevice) error {
	if _, ok := f.ranges[name]; ok {
		return fmt.Errorf("%s attached twice", name)
	}
	if base < f.fixed[1] && base+size > f.fixed[0] {
		return fmt.Errorf("%s overlaps the fixed range", name)
	}
	for n, r := range f.ranges {
		if base < r.base+r.size && r.base < base+size {
			return fmt.Errorf("%s overlaps %s", name, n)
		}
	}
	f.ranges[name] = fakeRange{base, size, d}
	return nil
}

func (f *fakePorts) Detach(name string) { delete(f.ranges, name) }

// in reads n bytes at port (all-ones where nothing is attached).
func (f *fakePorts) in(port uint16, n int) uint32 {
	data := make([]byte, n)
	fill(data, 0xFF)
	for _, r := range f.ranges {
		if port >= r.base && int(port)+n <= int(r.base)+int(r.size) {
			r.d.ReadPort(port-r.base, data)
		}
	}
	return uint32(getLE(data))
}

func (f *fakePorts) out(port uint16, n int, v uint32) {
	data := make([]byte, n)
	putLE(data, uint64(v))
	for _, r := range f.ranges {
		if port >= r.base && int(port)+n <= int(r.base)+int(r.size) {
			r.d.WritePort(port-r.base, data)
		}
	}
}

func (f *fakePorts) names() []string {
	var out []string
	for n, r := range f.ranges {
		out = append(out, fmt.Sprintf("%s@%#x+%#x", n, r.base, r.size))
	}
	sort.Strings(out)
	return out
}

const testWinBase = 128 << 20

// newPCMachineBus is the pc machine's bus with a PM register block and,
// when testdev is set, pci-testdev in slot 3.
func newPCMachineBus(t *testing.T, testdev bool) (*PCIBus, *fakePorts, *PCITestDev) {
	t.Helper()
	ports := newFakePorts()
	bus := NewPCIBus(ports, nil, testWinBase, PCIWindowEnd-testWinBase)
	var extra []*PCIFunction
	var td *PCITestDev
	if testdev {
		td = NewPCITestDev()
		extra = append(extra, td.Function(3))
	}
	for _, f := range PCMachineFunctions(NewACPIPM(&fakeClock{}), extra...) {
		require.NoError(t, bus.Add(f))
	}
	n, err := bus.MapErrors()
	require.Zero(t, n, "%v", err)
	return bus, ports, td
}

// cfg accesses the bus through its ports: CONFIG_ADDRESS, then CONFIG_DATA.
func cfgAddr(bdf uint32, reg int) uint32 { return PCIConfigEnable | bdf<<8 | uint32(reg)&0xFC }

func cfgRead(p *PCIBus, bdf uint32, reg, n int) uint32 {
	out32(p, PCIConfigAddress, cfgAddr(bdf, reg))
	data := make([]byte, n)
	p.ReadPort(PCIConfigData+uint16(reg&3), data)
	return uint32(getLE(data))
}

func cfgWrite(p *PCIBus, bdf uint32, reg, n int, v uint32) {
	out32(p, PCIConfigAddress, cfgAddr(bdf, reg))
	data := make([]byte, n)
	putLE(data, uint64(v))
	p.WritePort(PCIConfigData+uint16(reg&3), data)
}

func in32(d PortDevice, off uint16) uint32 {
	var b [4]byte
	d.ReadPort(off, b[:])
	return uint32(getLE(b[:]))
}

// qemuProbe is what the PCI probe image printed on QEMU 7.2: each
// function's configuration space, and per dword what read back after
// writing all-ones and zeros.
type qemuProbe struct {
	config map[uint32][64]uint32        // bus/dev/fn (CONFIG_ADDRESS bits 23:8) -> dwords
	masks  map[uint32]map[int][2]uint32 // -> register -> (ones, zeros)
	order  []uint32
}

var (
	reDumpHead = regexp.MustCompile(`^00:([0-9a-f]{2})\.([0-7]) [0-9a-f]{4}:[0-9a-f]{4} class`)
	reMaskHead = regexp.MustCompile(`^00:([0-9a-f]{2})\.([0-7]):(.*)$`)
	reMask     = regexp.MustCompile(`([0-9a-f]{2})=([0-9a-f]{8})/([0-9a-f]{8})`)
)

func loadQEMUProbe(t *testing.T, file string) qemuProbe {
	t.Helper()
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	q := qemuProbe{config: map[uint32][64]uint32{}, masks: map[uint32]map[int][2]uint32{}}
	sc := bufio.NewScanner(f)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	slot := func(d, fn string) uint32 {
		dv, _ := strconv.ParseUint(d, 16, 8)
		fv, _ := strconv.ParseUint(fn, 16, 8)
		return uint32(dv<<3 | fv)
	}
	var cur uint32
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if m := reDumpHead.FindStringSubmatch(l); m != nil {
			bdf := slot(m[1], m[2])
			var sp [64]uint32
			for r := 0; r < 8; r++ {
				i++
				for k, w := range strings.Fields(lines[i]) {
					v, err := strconv.ParseUint(w, 16, 32)
					require.NoError(t, err, "line %d", i+1)
					sp[r*8+k] = uint32(v)
				}
			}
			q.config[bdf] = sp
			q.order = append(q.order, bdf)
			continue
		}
		rest := ""
		if m := reMaskHead.FindStringSubmatch(l); m != nil {
			cur = slot(m[1], m[2])
			q.masks[cur] = map[int][2]uint32{}
			rest = m[3]
		} else if strings.HasPrefix(l, "  ") && len(q.masks) > 0 {
			rest = l
		} else {
			continue
		}
		for _, m := range reMask.FindAllStringSubmatch(rest, -1) {
			reg, _ := strconv.ParseUint(m[1], 16, 8)
			ones, _ := strconv.ParseUint(m[2], 16, 32)
			zeros, _ := strconv.ParseUint(m[3], 16, 32)
			q.masks[cur][int(reg)] = [2]uint32{uint32(ones), uint32(zeros)}
		}
	}
	require.NotEmpty(t, q.config)
	return q
}

// TestPCMachineMatchesQEMU compares every function's configuration space,
// and what every dword reads back after all-ones and zeros are written, with
// QEMU 7.2's answers to the same probe.
func TestPCMachineMatchesQEMU(t *testing.T) {
	for _, c := range []struct {
		file    string
		testdev bool
	}{
		{"testdata/pciprobe-qemu72.txt", false},
		{"testdata/pciprobe-qemu72-testdev.txt", true},
	} {
		t.Run(c.file, func(t *testing.T) {
			q := loadQEMUProbe(t, c.file)
			bus, _, _ := newPCMachineBus(t, c.testdev)
			var slots []uint32
			for _, f := range bus.Functions() {
				slots = append(slots, uint32(f.Slot()))
			}
			require.Equal(t, q.order, slots, "the functions on bus 0")
			for _, bdf := range q.order {
				want := q.config[bdf]
				for r := 0; r < 64; r++ {
					require.Equal(t, fmt.Sprintf("%08x", want[r]), fmt.Sprintf("%08x", cfgRead(bus, bdf, 4*r, 4)),
						"%02x.%d register %#x", bdf>>3, bdf&7, 4*r)
				}
				for r := 0; r < 64; r++ {
					reg := 4 * r
					if bdf == 0 && reg == 0x70 {
						continue // the probe leaves the SMRAM dword alone
					}
					orig := cfgRead(bus, bdf, reg, 4)
					cfgWrite(bus, bdf, reg, 4, 0xFFFFFFFF)
					ones := cfgRead(bus, bdf, reg, 4)
					cfgWrite(bus, bdf, reg, 4, 0)
					zeros := cfgRead(bus, bdf, reg, 4)
					cfgWrite(bus, bdf, reg, 4, orig)
					require.Equal(t, orig, cfgRead(bus, bdf, reg, 4))
					exp, changed := q.masks[bdf][reg]
					if !changed {
						exp = [2]uint32{orig, orig}
					}
					require.Equal(t, fmt.Sprintf("%08x/%08x", exp[0], exp[1]), fmt.Sprintf("%08x/%08x", ones, zeros),
						"%02x.%d register %#x", bdf>>3, bdf&7, reg)
				}
			}
		})
	}
}

// TestPCIConfigPorts: CONFIG_ADDRESS and CONFIG_DATA at every width, as
// QEMU answers (the probe's "cf8:", "cfc:" and "absent:" lines).
func TestPCIConfigPorts(t *testing.T) {
	bus, _, _ := newPCMachineBus(t, false)
	out32(bus, PCIConfigAddress, 0x8000F807)
	require.Equal(t, uint32(0x8000F807), in32(bus, PCIConfigAddress), "all 32 bits kept")
	require.Equal(t, uint8(0x07), in8(bus, PCIConfigAddress))
	require.Equal(t, uint16(0xF807), in16(bus, PCIConfigAddress))
	require.Equal(t, uint8(0x07), in8(bus, PCIConfigAddress+2), "any offset reads the low bytes")
	require.Equal(t, uint16(0xF807), in16(bus, PCIConfigAddress+2))
	require.Equal(t, uint16(0), in16(bus, PCIConfigAddress+1), "misaligned")
	require.Equal(t, uint8(0x07), in8(bus, PCIConfigAddress+3))
	out8(bus, PCIConfigAddress, 0x12)
	out16(bus, PCIConfigAddress+2, 0x3456)
	require.Equal(t, uint32(0x8000F807), in32(bus, PCIConfigAddress), "only dword writes reach CONFIG_ADDRESS")

	out32(bus, PCIConfigAddress, 0)
	require.Equal(t, uint32(0xFFFFFFFF), in32(bus, PCIConfigData), "enable bit clear")
	out32(bus, PCIConfigData, 0)
	out32(bus, PCIConfigAddress, PCIConfigEnable)
	require.Equal(t, uint32(0x12378086), in32(bus, PCIConfigData))
	require.Equal(t, uint8(0x80), in8(bus, PCIConfigData+1))
	require.Equal(t, uint16(0), in16(bus, PCIConfigData+1), "misaligned")
	require.Equal(t, uint16(0x1237), in16(bus, PCIConfigData+2))
	require.Equal(t, uint8(0x12), in8(bus, PCIConfigData+3))
	out32(bus, PCIConfigAddress, PCIConfigEnable|2)
	require.Equal(t, uint16(0x1237), in16(bus, PCIConfigData), "address bits 1:0 are ORed in")
	out32(bus, PCIConfigAddress, 0x8F000008)
	require.Equal(t, uint32(0x06000002), in32(bus, PCIConfigData), "bits 30:24 ignored")
	out32(bus, PCIConfigAddress, PCIConfigEnable|0xFE)
	require.Equal(t, uint32(0), in32(bus, PCIConfigData), "clipped at the end of the space")
	out32(bus, PCIConfigAddress, PCIConfigEnable|0xFD)
	cfgWrite(bus, 0x10, 0xFC, 4, 0xA1B2C3D4)
	out32(bus, PCIConfigAddress, 0x80001000|0xFD)
	require.Equal(t, uint32(0xA1B2C3), in32(bus, PCIConfigData), "three bytes from 0xFD")

	for _, bdf := range []uint32{0x100, 0xFF00, 0xFF, 0x11} { // bus 1, bus 255, 00:1f.7, 00:02.1
		require.Equal(t, uint32(0xFFFFFFFF), cfgRead(bus, bdf, 0, 4), "absent %#x", bdf)
		cfgWrite(bus, bdf, 0x3C, 4, 0x12345678)
		require.Equal(t, uint16(0xFFFF), uint16(cfgRead(bus, bdf, 0x3C, 2)))
	}

	// Read-only fields stay: IDs, class and revision, subsystem, status.
	for _, reg := range []int{PCIVendorID, PCIRevision, PCISubsysVendor, PCIStatus} {
		n := 4
		if reg == PCIStatus {
			n = 2
		}
		before := cfgRead(bus, 0x08, reg, n)
		cfgWrite(bus, 0x08, reg, n, 0xFFFFFFFF)
		require.Equal(t, before, cfgRead(bus, 0x08, reg, n), "register %#x", reg)
		cfgWrite(bus, 0x08, reg, n, 0)
		require.Equal(t, before, cfgRead(bus, 0x08, reg, n), "register %#x", reg)
	}
	// Byte and word writes reach single bytes.
	cfgWrite(bus, 0x10, PCIInterruptLine, 1, 0x5A)
	require.Equal(t, uint32(0x5A), cfgRead(bus, 0x10, PCIInterruptLine, 4))
	cfgWrite(bus, 0x10, 0x42, 2, 0xBEEF)
	require.Equal(t, uint32(0xBEEF0000), cfgRead(bus, 0x10, 0x40, 4))
	require.Equal(t, uint16(0), in16(bus, PCIConfigData+3), "misaligned word at 0xCFF")
}

// TestPCIResetControl: 0xCF9 keeps SYS_RST; RST_CPU resets the machine.
func TestPCIResetControl(t *testing.T) {
	resets := 0
	bus := NewPCIBus(newFakePorts(), func() { resets++ }, 0, 0)
	require.Equal(t, uint8(0), in8(bus, PCIResetControl))
	out8(bus, PCIResetControl, 0xFB)
	require.Equal(t, uint8(PCIRCRSysReset), in8(bus, PCIResetControl))
	require.Zero(t, resets)
	out8(bus, PCIResetControl, PCIRCRCPUReset|PCIRCRSysReset)
	require.Equal(t, 1, resets)
	out32(bus, PCIConfigAddress, 0x80000000)
	require.Equal(t, uint8(PCIRCRSysReset), in8(bus, PCIResetControl), "a byte at 0xCF9 is the reset control register")
	require.Equal(t, uint16(0), in16(bus, PCIConfigAddress), "a word at 0xCF8 is CONFIG_ADDRESS")
}

// TestPCIFirmwareBARs: the addresses SeaBIOS gives, with and without an
// optional function.
func TestPCIFirmwareBARs(t *testing.T) {
	bus, ports, _ := newPCMachineBus(t, false)
	require.Equal(t, uint32(0xC001), cfgRead(bus, 0x09, 0x20, 4), "IDE bus master")
	require.Equal(t, uint32(0xFD000008), cfgRead(bus, 0x10, 0x10, 4), "VGA memory")
	require.Equal(t, uint32(0xFEBF0000), cfgRead(bus, 0x10, 0x18, 4), "VGA registers")
	require.Equal(t, uint32(0xFEBE0000), cfgRead(bus, 0x10, 0x30, 4), "VGA ROM, disabled")
	require.Equal(t, []string{"acpi-pm@0x600+0xc"}, ports.names(), "only the PM block has behaviour")

	bus, ports, _ = newPCMachineBus(t, true)
	require.Equal(t, uint32(0xC101), cfgRead(bus, 0x09, 0x20, 4))
	require.Equal(t, uint32(0xFEBF1000), cfgRead(bus, 0x18, 0x10, 4))
	require.Equal(t, uint32(0xC001), cfgRead(bus, 0x18, 0x14, 4))
	require.Equal(t, []string{"acpi-pm@0x600+0xc", "pci-testdev BAR1@0xc000+0x100"}, ports.names())
}

// TestPCIBARMapping: BARs the guest programs move the ranges; sizing,
// address 0, the command bits and the ROM enable bit unmap them.
func TestPCIBARMapping(t *testing.T) {
	bus, ports, _ := newPCMachineBus(t, true)
	win := bus.Window()
	const td = 0x18
	memAt := func(a uint64) uint32 { return mmio32(win, a-testWinBase) }
	require.Equal(t, uint32(0), memAt(0xFEBF1000), "no test selected")
	win.WriteMMIO(0xFEBF1000-testWinBase, []byte{2})
	require.Equal(t, uint32(0x0102), memAt(0xFEBF1000))
	require.Equal(t, uint32(0x0102), ports.in(0xC000, 4), "both BARs show the same header")

	cfgWrite(bus, td, 0x10, 4, 0xFEB00000)
	cfgWrite(bus, td, 0x14, 4, 0xD000)
	require.Equal(t, uint32(0xFEB00000), cfgRead(bus, td, 0x10, 4))
	require.Equal(t, uint32(0xD001), cfgRead(bus, td, 0x14, 4))
	require.Equal(t, uint32(0), memAt(0xFEBF1000), "unclaimed bus memory reads 0")
	require.Equal(t, uint32(0x0102), memAt(0xFEB00000))
	require.Equal(t, uint32(0xFFFFFFFF), ports.in(0xC000, 4))
	require.Equal(t, uint32(0x0102), ports.in(0xD000, 4))

	cfgWrite(bus, td, PCICommand, 2, PCICmdSERR)
	require.Equal(t, uint32(0xFFFFFFFF), ports.in(0xD000, 4), "I/O decoding off")
	require.Equal(t, uint32(0), memAt(0xFEB00000), "memory decoding off")
	cfgWrite(bus, td, PCICommand, 2, PCICmdSERR|PCICmdIO|PCICmdMemory)
	require.Equal(t, uint32(0x0102), memAt(0xFEB00000))

	cfgWrite(bus, td, 0x10, 4, 0xFFFFFFFF) // sizing
	cfgWrite(bus, td, 0x14, 4, 0xFFFFFFFF)
	require.Equal(t, uint32(0xFFFFF000), cfgRead(bus, td, 0x10, 4))
	require.Equal(t, uint32(0xFFFFFF01), cfgRead(bus, td, 0x14, 4))
	require.Equal(t, []string{"acpi-pm@0x600+0xc"}, ports.names(), "a BAR being sized decodes nothing")
	cfgWrite(bus, td, 0x14, 4, 0)
	require.Equal(t, []string{"acpi-pm@0x600+0xc"}, ports.names(), "address 0 decodes nothing")
	cfgWrite(bus, td, 0x14, 4, 0x600)
	require.Equal(t, []string{"acpi-pm@0x600+0xc"}, ports.names(), "over a fixed range: not placed")
	n, _ := bus.MapErrors()
	require.Equal(t, 1, n)
	cfgWrite(bus, 0x0B, 0x40, 4, 0xB001) // the PM block moves away: the BAR takes its place
	require.Equal(t, []string{"acpi-pm@0xb000+0xc", "pci-testdev BAR1@0x600+0x100"}, ports.names())
	cfgWrite(bus, 0x0B, 0x40, 4, ACPIPMBase|1) // and back: the BAR keeps it
	require.Equal(t, []string{"pci-testdev BAR1@0x600+0x100"}, ports.names())
	cfgWrite(bus, td, 0x14, 4, 0xE000)
	require.Equal(t, []string{"acpi-pm@0x600+0xc", "pci-testdev BAR1@0xe000+0x100"}, ports.names())

	// Outside the window (below it: RAM; above it: the APICs) nothing is placed.
	cfgWrite(bus, td, 0x10, 4, 0x1000)
	require.Equal(t, uint32(0), memAt(0xFEB00000))
	cfgWrite(bus, td, 0x10, 4, 0xFEB00000)
	require.Equal(t, uint32(0x0102), memAt(0xFEB00000))

	// Over another function's BAR: not placed.
	vga := bus.Function(2, 0)
	require.NotNil(t, vga)
	require.Equal(t, uint32(0xFD000000), vga.BAR(0))
	cfgWrite(bus, 0x10, 0x18, 4, 0) // the VGA's register BAR has no device: nothing to overlap
	cfgWrite(bus, td, 0x10, 4, 0xFEBF0000)
	require.Equal(t, uint32(0x0102), memAt(0xFEBF0000))
}

// TestPCIPMBase: the PIIX4 function places the ACPI PM block at PMBA while
// PMREGMISC bit 0 is set.
func TestPCIPMBase(t *testing.T) {
	bus, ports, _ := newPCMachineBus(t, false)
	const pm = 0x0B
	require.Equal(t, uint32(ACPIPMBase|1), cfgRead(bus, pm, 0x40, 4), "the FADT's PM block")
	cfgWrite(bus, pm, 0x80, 1, 0)
	require.Empty(t, ports.names())
	cfgWrite(bus, pm, 0x80, 1, 1)
	require.Equal(t, []string{"acpi-pm@0x600+0xc"}, ports.names())
	cfgWrite(bus, pm, 0x40, 4, 0xB03F) // bits 5:0 ignored
	require.Equal(t, []string{"acpi-pm@0xb000+0xc"}, ports.names())
	require.Equal(t, uint32(0xFFFF), ports.in(0x604, 2))
	require.Equal(t, uint32(0), ports.in(0xB004, 2))
}

// TestPCITestDevProtocol drives pci-testdev's registers as the probe does
// and expects QEMU's answers (the probe's "mem"/"io" lines).
func TestPCITestDevProtocol(t *testing.T) {
	td := NewPCITestDev()
	mem, io := testdevMem{td}, testdevPorts{td}
	type access struct {
		bar   int
		width int
		off   uint64
		v     uint32
	}
	rd := func(bar int, off uint64, n int) uint32 {
		data := make([]byte, n)
		if bar == 0 {
			mem.ReadMMIO(off, data)
		} else {
			io.ReadPort(uint16(off), data)
		}
		return uint32(getLE(data))
	}
	wr := func(a access) {
		data := make([]byte, a.width)
		putLE(data, uint64(a.v))
		if a.bar == 0 {
			mem.WriteMMIO(a.off, data)
		} else {
			io.WritePort(uint16(a.off), data)
		}
	}
	name := func(bar int) string {
		var b strings.Builder
		for o := uint64(16); o < 64; o++ {
			c := rd(bar, o, 1)
			if c == 0 {
				break
			}
			b.WriteByte(byte(c))
		}
		return b.String()
	}
	require.Equal(t, uint32(0), rd(0, 12, 4), "no test selected")
	// counts after: 16 byte writes of data, a byte of 0x11, a word and a
	// dword of data, a byte of data at offset+1 (QEMU 7.2 TCG).
	for _, c := range []struct {
		bar, test int
		name      string
		data      uint32
		off       uint64
		counts    [5]uint32
	}{
		{0, 0, "mmio-no-eventfd", 0xFA, 0x800, [5]uint32{16, 16, 17, 18, 18}},
		{0, 1, "mmio-wildcard-eventfd", 0xCE, 0x801, [5]uint32{0, 0, 0, 0, 0}},
		{0, 2, "mmio-datamatch-eventfd", 0xFA, 0x802, [5]uint32{0, 0, 1, 1, 1}},
		{1, 0, "portio-no-eventfd", 0xFA, 0x83, [5]uint32{16, 16, 16, 16, 16}},
		{1, 1, "portio-wildcard-eventfd", 0xCE, 0x84, [5]uint32{0, 0, 1, 2, 2}},
		{1, 2, "portio-datamatch-eventfd", 0xFA, 0x85, [5]uint32{0, 0, 0, 0, 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			wr(access{c.bar, 1, 0, uint32(c.test)})
			require.Equal(t, uint32(c.bar*3+c.test), rd(c.bar, 0, 1))
			require.Equal(t, uint32(1), rd(c.bar, 1, 1), "width")
			require.Equal(t, c.data, rd(c.bar, 8, 1))
			require.Equal(t, uint32(c.off), rd(c.bar, 4, 4))
			require.Equal(t, uint32(0), rd(c.bar, 12, 4))
			for i := 0; i < 16; i++ {
				wr(access{c.bar, 1, c.off, c.data})
			}
			var got [5]uint32
			got[0] = rd(c.bar, 12, 4)
			wr(access{c.bar, 1, c.off, 0x11})
			got[1] = rd(c.bar, 12, 4)
			wr(access{c.bar, 2, c.off, c.data})
			got[2] = rd(c.bar, 12, 4)
			wr(access{c.bar, 4, c.off, c.data})
			got[3] = rd(c.bar, 12, 4)
			wr(access{c.bar, 1, c.off + 1, c.data})
			got[4] = rd(c.bar, 12, 4)
			require.Equal(t, c.counts, got)
			require.Equal(t, c.name, name(c.bar))
			require.Equal(t, name(c.bar), name(1-c.bar), "the other BAR shows the same test")
			require.Equal(t, uint32(0), rd(c.bar, uint64(16+len(c.name)), 1), "NUL")
			if c.bar == 1 {
				require.Equal(t, uint32(0), rd(c.bar, 1, 2), "misaligned port reads 0")
			} else {
				require.Equal(t, rd(c.bar, 1, 1)|rd(c.bar, 2, 1)<<8, rd(c.bar, 1, 2), "misaligned memory reads its bytes")
			}
		})
	}
	// Misaligned memory writes go byte by byte (QEMU 7.2 TCG, measured).
	wr(access{0, 1, 0, 0}) // mmio-no-eventfd at 0x800
	for _, a := range []access{{0, 2, 0x7FF, 0xFA00}, {0, 4, 0x7FF, 0xFA00}, {0, 4, 0x7FD, 0xFA000000}, {0, 4, 0x7FE, 0xFA0000}, {0, 2, 0x800, 0xFA}} {
		wr(a)
	}
	require.Equal(t, uint32(5), rd(0, 12, 4))
	wr(access{0, 1, 0, 1}) // mmio-wildcard-eventfd at 0x801
	wr(access{0, 2, 0x800, 0xCECE})
	wr(access{0, 4, 0x800, 0xCECECECE})
	wr(access{0, 2, 0x7FF, 0xCECE})
	wr(access{0, 2, 0x801, 0xCECE}) // split: a single byte at 0x801, which the ioeventfd takes
	require.Equal(t, uint32(2), rd(0, 12, 4))
	require.Equal(t, uint32(0x00080100), rd(0, 3, 4))
	require.Equal(t, uint32(0x0008), rd(0, 5, 2))
	wr(access{1, 2, 0x83, 0xFAFA}) // through the ports a misaligned write is dropped
	wr(access{1, 1, 0, 0})
	wr(access{1, 2, 0x83, 0xFAFA})
	require.Equal(t, uint32(0), rd(1, 12, 4))

	wr(access{0, 1, 0, 3})
	require.Equal(t, uint32(0), rd(0, 12, 4), "test 3 deselects")
	require.Equal(t, "", name(1))
	wr(access{1, 4, 0, 0x00000001}) // a dword write at 0 selects through its low byte
	require.Equal(t, uint32(4), rd(0, 0, 1))
	require.Equal(t, uint32(0x00000084), rd(0, 4, 4))

	roundTrip(t, td, NewPCITestDev())
}

// TestPCISnapshot: configuration spaces and the ranges they decode come
// back with the state.
func TestPCISnapshot(t *testing.T) {
	bus, _, _ := newPCMachineBus(t, true)
	cfgWrite(bus, 0x18, 0x14, 4, 0xD000)
	cfgWrite(bus, 0x0B, 0x40, 4, 0xB001)
	out8(bus, PCIResetControl, PCIRCRSysReset)
	b, err := bus.SaveState()
	require.NoError(t, err)

	bus2, ports2, _ := newPCMachineBus(t, true)
	require.NoError(t, bus2.LoadState(b))
	require.Equal(t, []string{"acpi-pm@0xb000+0xc", "pci-testdev BAR1@0xd000+0x100"}, ports2.names())
	require.Equal(t, uint8(PCIRCRSysReset), in8(bus2, PCIResetControl))
	require.Equal(t, uint32(0xD001), cfgRead(bus2, 0x18, 0x14, 4))
	roundTrip(t, bus, bus2)

	// Restoring swaps two ranges' places: neither stands in the other's way.
	cfgWrite(bus, 0x18, 0x14, 4, 0xB000)
	cfgWrite(bus, 0x0B, 0x40, 4, 0xD001)
	swapped, err := bus.SaveState()
	require.NoError(t, err)
	require.NoError(t, bus2.LoadState(swapped))
	require.Equal(t, []string{"acpi-pm@0xd000+0xc", "pci-testdev BAR1@0xb000+0x100"}, ports2.names())
	require.NoError(t, bus2.LoadState(b))

	small, _, _ := newPCMachineBus(t, false)
	require.ErrorContains(t, small.LoadState(b), "6 functions saved, the bus has 5")

	bus2.Reset()
	require.Equal(t, []string{"acpi-pm@0x600+0xc", "pci-testdev BAR1@0xc000+0x100"}, ports2.names())
	require.Equal(t, uint32(0xC001), cfgRead(bus2, 0x18, 0x14, 4))
}

// TestPCIEmptyBus: with no functions every function is absent.
func TestPCIEmptyBus(t *testing.T) {
	p := NewPCIConfig()
	out32(p, PCIConfigAddress, 0x80000000)
	require.Equal(t, uint32(0xFFFFFFFF), in32(p, PCIConfigData))
	out32(p, PCIConfigData, 0x12345678)
	require.Equal(t, uint32(0xFFFFFFFF), in32(p, PCIConfigData))
	roundTrip(t, p, NewPCIConfig())
}

// TestPCIGarbage: any sequence of port accesses at any width leaves the
// identity registers alone and never panics; the bus keeps answering.
func TestPCIGarbage(t *testing.T) {
	bus, ports, _ := newPCMachineBus(t, true)
	ids := map[uint32]uint32{}
	for _, f := range bus.Functions() {
		ids[uint32(f.Slot())] = cfgRead(bus, uint32(f.Slot()), 0, 4)
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 200000; i++ {
		off := uint16(rng.Intn(PCIConfigSize + 2))
		data := make([]byte, []int{0, 1, 2, 3, 4, 8}[rng.Intn(6)])
		rng.Read(data)
		if rng.Intn(4) == 0 && len(data) == 4 && off == PCIConfigAddress {
			data[3] |= 0x80 // mostly bus 0
			data[2] = 0
		}
		if off == PCIResetControl && len(data) == 1 {
			data[0] &^= PCIRCRCPUReset
		}
		if rng.Intn(2) == 0 {
			bus.WritePort(off, data)
		} else {
			bus.ReadPort(off, data)
		}
		if i%1000 == 0 { // and the ranges placed now
			for _, r := range ports.ranges {
				ports.in(r.base, 4)
				bus.Window().ReadMMIO(uint64(rng.Intn(PCIWindowEnd-testWinBase)), make([]byte, 4))
			}
		}
	}
	for slot, id := range ids {
		require.Equal(t, id, cfgRead(bus, slot, 0, 4))
	}
}

// FuzzPCIConfig feeds the bus arbitrary accesses: no panic, identity kept.
func FuzzPCIConfig(f *testing.F) {
	f.Add([]byte{0x00, 4, 0x10, 0x18, 0x00, 0x80, 0x04, 4, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, b []byte) {
		bus, _, _ := newPCMachineBus(t, true)
		for len(b) >= 2 {
			off, n := uint16(b[0]%10), int(b[1]%9)
			b = b[2:]
			data := make([]byte, n)
			copy(data, b)
			b = b[min(n, len(b)):]
			if off == PCIResetControl {
				bus.ReadPort(off, data)
				continue
			}
			bus.WritePort(off, data)
			bus.ReadPort(off, data)
		}
		require.Equal(t, uint32(0x12378086), cfgRead(bus, 0, 0, 4))
	})
}
