package dev

// pci-testdev: QEMU's PCI test device (vendor 0x1B36, device 0x0005, class
// 0x00FF), which test images written for QEMU use to check that memory
// and I/O BARs reach a device. BAR0 is 4 KiB of bus memory, BAR1 256 I/O
// ports; no interrupt pin. Both BARs show the same test header:
//
//	0x00 test    (byte) writing n selects test n of the BAR written through
//	                    (0-2); any other value deselects
//	0x01 width   (byte) 1
//	0x04 offset  (u32)  where the test's writes go
//	0x08 data    (byte) the value they must carry (0xFA; 0xCE for wildcard)
//	0x0C count   (u32)  writes the device has seen since the test began
//	0x10 name           "mmio-no-eventfd", ... NUL-terminated
//
// Tests 0-2 through BAR0 are mmio-{no,wildcard,datamatch}-eventfd at
// offsets 0x800-0x802, through BAR1 portio-... at 0x83-0x85. Past the
// name, and with no test selected, reads return 0.
//
// The device handles bytes: a wider access is split into byte accesses.
// One at an address that is not a multiple of its width is dropped (reads
// 0) through the I/O BAR; through the memory BAR it reads the bytes it
// covers and writes them one by one, each a single-byte write (QEMU TCG
// splits misaligned memory accesses). A write of the data byte at the offset adds one to count,
// whatever the value for the wildcard test. The two eventfd tests exist to
// check ioeventfds, which take matching writes before the device sees
// them: on QEMU TCG a single-byte write at the test's offset, through the
// test's own BAR, of the data byte (any byte for wildcard) never reaches
// the device, so count stays 0 for those writes. Wider writes do reach it.
// This is what QEMU 7.2 TCG does, measured with a probe image.
const (
	PCITestDevVendor  = PCIVendorRedHat
	PCITestDevDevice  = 0x0005
	PCITestDevMemSize = 4096
	PCITestDevIOSize  = 256

	testdevTests     = 3 // per BAR
	testdevMemOffset = 2048
	testdevIOOffset  = 128
	testdevDataMatch = 0xFA
	testdevNoMatch   = 0xCE
	testdevHdrSize   = 16
	testdevWildcard  = 1 // the test number without data matching
)

var testdevNames = [2 * testdevTests]string{
	"mmio-no-eventfd", "mmio-wildcard-eventfd", "mmio-datamatch-eventfd",
	"portio-no-eventfd", "portio-wildcard-eventfd", "portio-datamatch-eventfd",
}

// PCITestDevState is pci-testdev's snapshot state.
type PCITestDevState struct {
	Current int                      // 1 + the selected test (0-5); 0: none
	Count   [2 * testdevTests]uint32 // each test's count
}

// PCITestDev is pci-testdev. Function returns its PCI function.
type PCITestDev struct {
	State PCITestDevState
}

// NewPCITestDev returns the device with no test selected.
func NewPCITestDev() *PCITestDev { return &PCITestDev{} }

// Function returns the device's PCI function in slot dev (function 0).
func (t *PCITestDev) Function(dev uint8) *PCIFunction {
	cfg := pciConfig(PCITestDevVendor, PCITestDevDevice, 0x00FF00, 0x00, 0x00, 0x0000)
	var bars [PCINumBARs]PCIBAR
	bars[0] = PCIBAR{Size: PCITestDevMemSize, Mem: testdevMem{t}}
	bars[1] = PCIBAR{Size: PCITestDevIOSize, IO: true, Ports: testdevPorts{t}}
	return NewPCIFunction("pci-testdev", dev, 0, cfg, bars)
}

// test kinds: 0 no-eventfd, 1 wildcard, 2 datamatch; the BAR: 0 memory, 1 I/O.
func testdevKind(t int) int { return t % testdevTests }

func testdevOffset(t int) uint32 {
	if t < testdevTests {
		return testdevMemOffset + uint32(t)
	}
	return testdevIOOffset + uint32(t)
}

func testdevData(t int) byte {
	if testdevKind(t) == testdevWildcard {
		return testdevNoMatch
	}
	return testdevDataMatch
}

// header returns byte off of the selected test's header (0 past it).
func (t *PCITestDev) header(off uint64) byte {
	if t.State.Current <= 0 || t.State.Current > len(testdevNames) {
		return 0
	}
	n := t.State.Current - 1
	name := testdevNames[n]
	// The last byte, the name's NUL, reads 0 like everything after it.
	if off+1 >= uint64(testdevHdrSize+len(name)+1) {
		return 0
	}
	switch {
	case off == 0:
		return byte(n)
	case off == 1:
		return 1
	case off >= 4 && off < 8:
		return byte(testdevOffset(n) >> (8 * (off - 4)))
	case off == 8:
		return testdevData(n)
	case off >= 12 && off < 16:
		return byte(t.State.Count[n] >> (8 * (off - 12)))
	case off >= testdevHdrSize:
		return name[off-testdevHdrSize]
	}
	return 0
}

// read is an access through BAR bar (0 memory, 1 I/O).
func (t *PCITestDev) read(bar int, off uint64, data []byte) {
	if len(data) == 0 {
		return
	}
	if bar == 1 && off%uint64(len(data)) != 0 {
		fill(data, 0)
		return
	}
	for i := range data {
		data[i] = t.header(off + uint64(i))
	}
}

// write is an access through BAR bar (0 memory, 1 I/O).
func (t *PCITestDev) write(bar int, off uint64, data []byte) {
	if len(data) == 0 {
		return
	}
	if off%uint64(len(data)) != 0 {
		if bar == 0 {
			for i := range data {
				t.write(bar, off+uint64(i), data[i:i+1])
			}
		}
		return
	}
	if n := t.State.Current - 1; n >= 0 && n < len(testdevNames) && len(data) == 1 &&
		n/testdevTests == bar && testdevKind(n) != 0 && off == uint64(testdevOffset(n)) &&
		(testdevKind(n) == testdevWildcard || data[0] == testdevData(n)) {
		return // an ioeventfd takes it
	}
	for i, b := range data {
		t.writeByte(bar, off+uint64(i), b)
	}
}

func (t *PCITestDev) writeByte(bar int, off uint64, v byte) {
	if off == 0 {
		t.State.Current = 0
		if v < testdevTests {
			n := bar*testdevTests + int(v)
			t.State.Count[n] = 0
			t.State.Current = n + 1
		}
		return
	}
	n := t.State.Current - 1
	if n < 0 || n >= len(testdevNames) || off != uint64(testdevOffset(n)) {
		return
	}
	if testdevKind(n) != testdevWildcard && v != testdevData(n) {
		return
	}
	t.State.Count[n]++
}

type testdevMem struct{ t *PCITestDev }

func (m testdevMem) ReadMMIO(off uint64, data []byte)  { m.t.read(0, off, data) }
func (m testdevMem) WriteMMIO(off uint64, data []byte) { m.t.write(0, off, data) }

type testdevPorts struct{ t *PCITestDev }

func (p testdevPorts) ReadPort(off uint16, data []byte)  { p.t.read(1, uint64(off), data) }
func (p testdevPorts) WritePort(off uint16, data []byte) { p.t.write(1, uint64(off), data) }

// SaveState implements Snapshotter.
func (t *PCITestDev) SaveState() ([]byte, error) { return saveGob("pci-testdev", &t.State) }

// LoadState implements Snapshotter.
func (t *PCITestDev) LoadState(b []byte) error {
	var s PCITestDevState
	if err := loadGob("pci-testdev", b, &s); err != nil {
		return err
	}
	if s.Current < 0 || s.Current > len(testdevNames) {
		s.Current = 0
	}
	t.State = s
	return nil
}
