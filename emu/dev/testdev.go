package dev

// pc-testdev: QEMU's ISA test device (hw/misc/pc-testdev.c), which test
// images written for QEMU use to check port I/O widths, interrupt lines
// and MMIO. Its ranges, as QEMU 7.2 places them:
//
//	ports 0xE0-0xE3     a 32-bit register that reads back what was written;
//	                    byte and word accesses reach its bytes
//	ports 0xE4-0xE7     "flush page": a write names a page whose TLB entries
//	                    QEMU drops; reads return 0
//	ports 0x2000-0x2017 interrupt lines: writing v to 0x2000+n drives ISA
//	                    line n to level v&1 (reads return 0)
//	MMIO 0xFF000000     64 KiB of device memory that reads back what was
//	                    written, at any width
//
// The values were checked on QEMU 7.2 with a probe image.
const (
	TestDevPortIO      = 0xE0
	TestDevPortIOSize  = 4
	TestDevPortFlush   = 0xE4
	TestDevPortFlushSz = 4
	TestDevPortIRQ     = 0x2000
	TestDevIRQLines    = 24
	TestDevMemBase     = 0xFF000000
	TestDevMemSize     = 0x10000
)

// PCTestDevState is the device's snapshot state.
type PCTestDevState struct {
	IO     uint32
	IRQ    uint32 // levels driven on lines 0..23
	IOMem  []byte // TestDevMemSize bytes
	Flushd uint32 // the last page written to the flush port (no effect)
}

// PCTestDev is pc-testdev. Attach IOPort() at 0xE0, Flush() at 0xE4,
// IRQPorts() at 0x2000 and the device itself on the MMIO bus at
// TestDevMemBase.
type PCTestDev struct {
	State PCTestDevState
	lines func(n int, level bool)
}

// NewPCTestDev returns the device; lines(n, level) drives ISA interrupt
// line n (0-23).
func NewPCTestDev(lines func(n int, level bool)) *PCTestDev {
	return &PCTestDev{State: PCTestDevState{IOMem: make([]byte, TestDevMemSize)}, lines: lines}
}

// IOPort returns the echo register's port range.
func (t *PCTestDev) IOPort() PortDevice { return testdevIO{t} }

// Flush returns the flush-page port range.
func (t *PCTestDev) Flush() PortDevice { return testdevFlush{t} }

// IRQPorts returns the interrupt-line port range.
func (t *PCTestDev) IRQPorts() PortDevice { return testdevIRQ{t} }

type testdevIO struct{ t *PCTestDev }

func (p testdevIO) ReadPort(off uint16, data []byte) {
	for i := range data {
		o := int(off) + i
		if o < 4 {
			data[i] = byte(p.t.State.IO >> (8 * o))
		} else {
			data[i] = 0xFF
		}
	}
}

func (p testdevIO) WritePort(off uint16, data []byte) {
	for i := range data {
		o := int(off) + i
		if o < 4 {
			p.t.State.IO = p.t.State.IO&^(0xFF<<(8*o)) | uint32(data[i])<<(8*o)
		}
	}
}

type testdevFlush struct{ t *PCTestDev }

func (p testdevFlush) ReadPort(off uint16, data []byte) { fill(data, 0) }

func (p testdevFlush) WritePort(off uint16, data []byte) {
	if off == 0 {
		p.t.State.Flushd = uint32(getLE(data))
	}
}

type testdevIRQ struct{ t *PCTestDev }

func (p testdevIRQ) ReadPort(off uint16, data []byte) { fill(data, 0) }

func (p testdevIRQ) WritePort(off uint16, data []byte) {
	n := int(off)
	if n >= TestDevIRQLines || len(data) == 0 {
		return
	}
	level := data[0]&1 != 0
	if level {
		p.t.State.IRQ |= 1 << n
	} else {
		p.t.State.IRQ &^= 1 << n
	}
	if p.t.lines != nil {
		p.t.lines(n, level)
	}
}

// ReadMMIO implements MMIODevice: the memory window.
func (t *PCTestDev) ReadMMIO(off uint64, data []byte) {
	for i := range data {
		o := off + uint64(i)
		if o < TestDevMemSize && int(o) < len(t.State.IOMem) {
			data[i] = t.State.IOMem[o]
		} else {
			data[i] = 0
		}
	}
}

// WriteMMIO implements MMIODevice.
func (t *PCTestDev) WriteMMIO(off uint64, data []byte) {
	for i := range data {
		o := off + uint64(i)
		if o < TestDevMemSize && int(o) < len(t.State.IOMem) {
			t.State.IOMem[o] = data[i]
		}
	}
}

// SaveState implements Snapshotter.
func (t *PCTestDev) SaveState() ([]byte, error) { return saveGob("pc-testdev", &t.State) }

// LoadState implements Snapshotter.
func (t *PCTestDev) LoadState(b []byte) error {
	var s PCTestDevState
	if err := loadGob("pc-testdev", b, &s); err != nil {
		return err
	}
	if len(s.IOMem) != TestDevMemSize {
		s.IOMem = append(s.IOMem[:min(len(s.IOMem), TestDevMemSize):min(len(s.IOMem), TestDevMemSize)], make([]byte, TestDevMemSize-min(len(s.IOMem), TestDevMemSize))...)
	}
	t.State = s
	return nil
}
