package emu

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/kppemu/kppemu/cpu"
	"github.com/kppemu/kppemu/emu/dev"
	"github.com/kppemu/kppemu/kernel/abi"
	"github.com/kppemu/kppemu/mmu"
)

// DefaultMemBytes is the guest RAM size when Config.MemBytes is 0.
const DefaultMemBytes = 128 << 20

// MaxCPUs is the largest number of processors a machine can have.
const MaxCPUs = 16

// Fixed platform addresses (the same as QEMU's pc machine).
const (
	PortPICMaster = 0x20
	PortPICSlave  = 0xA0
	PortELCR      = 0x4D0
	PortPIT       = 0x40
	PortPortB     = 0x61
	PortCMOS      = 0x70
	PortFwCfg     = 0x510
	PortPCIConfig = 0xCF8
	LAPICBase     = abi.LAPICDefaultBase
	LAPICSize     = 0x1000

	// MSRAPICBase is IA32_APIC_BASE.
	MSRAPICBase = 0x1B
)

// Config describes a machine.
type Config struct {
	// MemBytes is the guest RAM size (DefaultMemBytes when 0; at most
	// MaxMemBytes, all of it below the 3 GiB PCI hole).
	MemBytes uint64
	// Seed seeds everything random in the machine (the CPU's RDRAND; the
	// guest can read it from fw_cfg file etc/kppemu/seed).
	Seed uint64
	// Logger receives the machine's logs (nil: none).
	Logger hclog.Logger
	// Serial receives COM1's output (nil: discarded).
	Serial io.Writer
	// RTCBase is the wall-clock time at guest time 0 (zero:
	// dev.DefaultRTCBase), so that the RTC too is deterministic.
	RTCBase time.Time
	// CPUs is the number of processors (0 means 1; at most MaxCPUs).
	CPUs int
	// Devices names optional devices to add, as QEMU's -device does
	// (OptionalDevices lists them); none by default.
	Devices []string
}

// OptionalDevices are the device names Config.Devices accepts.
var OptionalDevices = []string{"pc-testdev"}

// Event is a record the guest wrote to the event port, decoded.
type Event = dev.Event

// Machine is a PC: one x86-64 CPU, RAM, the port-I/O and MMIO buses and the
// devices of package dev, driven by a virtual clock. All its methods run on
// one goroutine except RequestStop.
type Machine struct {
	CPU   *cpu.CPU
	MMU   *mmu.MMU
	Ports *PortBus

	UART      *dev.UART
	PIC       *dev.PIC
	PIT       *dev.PIT
	LAPIC     *dev.LAPIC
	CMOS      *dev.CMOS
	FwCfg     *dev.FwCfg
	PCI       *dev.PCIConfig
	EventPort *dev.EventPort
	DebugExit *dev.DebugExit
	TestDev   *dev.PCTestDev // pc-testdev, when Config.Devices asks for it

	cfg     Config
	log     hclog.Logger
	devices []namedDevice // snapshot order
	timed   []dev.Timed
	hooks   Hooks

	pending  *Stop       // a stop decided by a device (isa-debug-exit)
	stopReq  atomic.Bool // RequestStop
	subs     []subscriber
	nextSub  int
	bugCheck *Event
	boot     *BootInfo

	syms        *Resolver         // Symbols
	bootObjects map[string][]byte // driver objects among the boot modules, by name
	inputObs    func(HostInput)
	eventsMuted bool
}

// HostInput is input from the host that changes the machine from outside
// the guest: serial bytes queued on COM1, or a host write of guest memory
// (a debugger's or a scenario's poke) at a physical address.
type HostInput struct {
	Serial []byte // bytes queued on COM1 (nil for a memory write)
	Phys   uint64 // physical address of a memory write
	Data   []byte // the bytes written
	// Restored: Restore replaced the whole state (Serial and Data are nil).
	Restored bool
}

// ObserveInput sets the function called after each host input has taken
// effect (SerialInput, WritePhys, WriteVirt, Restore), on the machine's goroutine;
// nil removes it. A recorder logs the input there.
func (m *Machine) ObserveInput(fn func(HostInput)) { m.inputObs = fn }

type namedDevice struct {
	name string
	dev  dev.Snapshotter
}

// New builds a machine with its devices attached and the CPU reset. Load
// a kernel with Boot before running it.
func New(cfg Config) (*Machine, error) {
	if cfg.MemBytes == 0 {
		cfg.MemBytes = DefaultMemBytes
	}
	if cfg.MemBytes < MinMemBytes || cfg.MemBytes > MaxMemBytes {
		return nil, fmt.Errorf("memory size %d bytes is outside [%d MiB, %d MiB]", cfg.MemBytes, MinMemBytes>>20, MaxMemBytes>>20)
	}
	if cfg.MemBytes%pageSize != 0 {
		return nil, fmt.Errorf("memory size %d is not a multiple of 4 KiB", cfg.MemBytes)
	}
	if cfg.CPUs == 0 {
		cfg.CPUs = 1
	}
	if cfg.CPUs < 1 || cfg.CPUs > MaxCPUs {
		return nil, fmt.Errorf("%d CPUs: the machine has 1 to %d", cfg.CPUs, MaxCPUs)
	}
	if cfg.CPUs > 1 {
		return nil, fmt.Errorf("%d CPUs: only one CPU is supported yet", cfg.CPUs)
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.RTCBase.IsZero() {
		cfg.RTCBase = dev.DefaultRTCBase
	}
	m := &Machine{cfg: cfg, log: cfg.Logger.Named("emu"), Ports: &PortBus{}}
	m.MMU = mmu.New(cfg.MemBytes)
	m.CPU = cpu.New(cpu.Config{
		Mem:    m.MMU,
		IO:     m.Ports,
		Intr:   intrAdapter{m},
		MSR:    msrAdapter{m},
		Seed:   cfg.Seed,
		Logger: cfg.Logger.Named("cpu"),
	})
	clk := dev.ClockFunc(func() uint64 { return m.CPU.Clock })

	// The interrupt path: devices -> PIC -> LAPIC LINT0 -> CPU INTR.
	m.LAPIC = dev.NewLAPIC(clk, m.CPU.SetINTR, m.CPU.NMI)
	m.PIC = dev.NewPIC(m.LAPIC.SetLINT0)
	m.LAPIC.SetPIC(m.PIC)
	// The 8259 pair as SeaBIOS leaves it on QEMU before a -kernel boot:
	// vector bases 0x08/0x70, its masks and ELCR.
	m.PIC.Program(dev.SeaBIOSPICMasterBase, dev.SeaBIOSPICSlaveBase, dev.SeaBIOSPICMask)
	m.PIC.State.Chips[0].ELCR = uint8(dev.SeaBIOSELCR & 0xFF)
	m.PIC.State.Chips[1].ELCR = uint8(dev.SeaBIOSELCR >> 8)
	m.CPU.SetTPRHook(func(tpr uint8) { m.LAPIC.SetCR8(uint64(tpr)) })

	m.UART = dev.NewUART(clk, m.PIC.IRQ(abi.COM1IRQ), cfg.Serial)
	m.PIT = dev.NewPIT(clk, m.PIC.IRQ(0))
	m.CMOS = dev.NewCMOS(clk, cfg.MemBytes, cfg.RTCBase)
	m.FwCfg = dev.NewFwCfg(cfg.MemBytes, 1)
	var seed [8]byte
	binary.LittleEndian.PutUint64(seed[:], cfg.Seed)
	m.FwCfg.AddFile("etc/kppemu/seed", seed[:])
	m.PCI = dev.NewPCIConfig()
	m.EventPort = dev.NewEventPort(clk, physReader{m.MMU}, m.publish, cfg.Logger)
	m.DebugExit = dev.NewDebugExit(m.debugExit)

	ports := []struct {
		base, size uint16
		name       string
		d          dev.PortDevice
	}{
		{PortPICMaster, 2, "pic-master", m.PIC.Master()},
		{PortPICSlave, 2, "pic-slave", m.PIC.Slave()},
		{PortELCR, 2, "elcr", m.PIC.ELCR()},
		{PortPIT, 4, "pit", m.PIT},
		{PortPortB, 1, "port-b", m.PIT.PortB()},
		{PortCMOS, 2, "cmos", m.CMOS},
		{abi.DebugExitPort, 4, "isa-debug-exit", m.DebugExit},
		{abi.COM1Port, dev.UARTSize, "com1", m.UART},
		{PortFwCfg, 2, "fw_cfg", m.FwCfg},
		{PortPCIConfig, dev.PCIConfigSize, "pci-config", m.PCI},
		{abi.EventPort, 4, "event-port", m.EventPort},
	}
	for _, p := range ports {
		if err := m.Ports.Attach(p.base, p.size, p.name, p.d); err != nil {
			return nil, err
		}
	}
	if err := m.MMU.AttachMMIO(LAPICBase, LAPICSize, lapicMMIO{m}); err != nil {
		return nil, fmt.Errorf("attach the local APIC: %w", err)
	}

	if err := m.addOptionalDevices(); err != nil {
		return nil, err
	}

	m.devices = append([]namedDevice{
		{"pic", m.PIC}, {"lapic", m.LAPIC}, {"pit", m.PIT}, {"uart", m.UART},
		{"cmos", m.CMOS}, {"fw_cfg", m.FwCfg}, {"pci", m.PCI},
		{"eventport", m.EventPort}, {"debugexit", m.DebugExit},
	}, m.devices...)
	for _, d := range m.devices {
		if t, ok := d.dev.(dev.Timed); ok {
			m.timed = append(m.timed, t)
		}
	}
	return m, nil
}

// addOptionalDevices attaches the devices named in Config.Devices.
func (m *Machine) addOptionalDevices() error {
	seen := map[string]bool{}
	for _, name := range m.cfg.Devices {
		if seen[name] {
			return fmt.Errorf("device %q given twice", name)
		}
		seen[name] = true
		switch name {
		case "pc-testdev":
			t := dev.NewPCTestDev(func(n int, level bool) { m.PIC.SetIRQ(n, level) })
			for _, p := range []struct {
				base, size uint16
				name       string
				d          dev.PortDevice
			}{
				{dev.TestDevPortIO, dev.TestDevPortIOSize, "pc-testdev-ioport", t.IOPort()},
				{dev.TestDevPortFlush, dev.TestDevPortFlushSz, "pc-testdev-flush-page", t.Flush()},
				{dev.TestDevPortIRQ, dev.TestDevIRQLines, "pc-testdev-irq", t.IRQPorts()},
			} {
				if err := m.Ports.Attach(p.base, p.size, p.name, p.d); err != nil {
					return err
				}
			}
			if err := m.MMU.AttachMMIO(dev.TestDevMemBase, dev.TestDevMemSize, t); err != nil {
				return fmt.Errorf("attach pc-testdev: %w", err)
			}
			m.TestDev = t
			m.devices = append(m.devices, namedDevice{"pc-testdev", t})
		default:
			return fmt.Errorf("unknown device %q (known: %s)", name, strings.Join(OptionalDevices, ", "))
		}
	}
	return nil
}

// Boot loads a Multiboot image into RAM and puts the CPU in the Multiboot
// entry state: 32-bit protected mode, flat CS (0x08) and data segments
// (0x10), paging and interrupts off, EAX=0x2BADB002, EBX=the information
// structure, EIP=the entry point.
func (m *Machine) Boot(img BootImage) (*BootInfo, error) {
	info, err := LoadMultiboot(m.MMU.RAM(), img)
	if err != nil {
		return nil, err
	}
	m.MMU.ClearCodeMarks()
	m.CPU.Reset()
	s := m.CPU.Snapshot()
	s.GPR[cpu.RAX] = MultibootBootMagic
	s.GPR[cpu.RBX] = uint64(info.InfoAddr)
	s.RIP = uint64(info.Entry)
	s.RFLAGS = 0x2
	s.CR0 = cpu.CR0PE | cpu.CR0ET
	for i := range s.Seg {
		s.Seg[i].Selector = 0x10
	}
	s.Seg[cpu.CS].Selector = 0x08
	s.GDTR = cpu.DTR{Base: multibootGDTAddr, Limit: multibootGDTLimit}
	// The IDT register still describes the real-mode IVT the firmware ran
	// with, as on QEMU.
	s.IDTR = cpu.DTR{Base: 0, Limit: 0x3FF}
	m.CPU.Restore(s)
	m.boot = info
	m.bootSymbols(img)
	m.log.Debug("multiboot image loaded", "file", img.Path, "format", info.Format,
		"entry", fmt.Sprintf("%#x", info.Entry), "kernel", fmt.Sprintf("[%#x, %#x)", info.KernelStart, info.KernelEnd),
		"modules", len(info.Modules))
	return info, nil
}

// BootInfo returns what Boot loaded (nil before Boot).
func (m *Machine) BootInfo() *BootInfo { return m.boot }

// Config returns the machine's configuration.
func (m *Machine) Config() Config { return m.cfg }

// Logger returns the machine's logger.
func (m *Machine) Logger() hclog.Logger { return m.log }

// Now returns the guest time in nanoseconds.
func (m *Machine) Now() uint64 { return m.CPU.Clock }

// SerialInput queues bytes on COM1's receive side.
func (m *Machine) SerialInput(b []byte) {
	m.UART.PushInput(b)
	if m.inputObs != nil && len(b) > 0 {
		m.inputObs(HostInput{Serial: bytes.Clone(b)})
	}
}

// SetSerialOutput redirects COM1's output.
func (m *Machine) SetSerialOutput(w io.Writer) { m.UART.SetOutput(w) }

// BugCheck returns the guest's bug-check event, if it reported one.
func (m *Machine) BugCheck() (Event, bool) {
	if m.bugCheck == nil {
		return Event{}, false
	}
	return *m.bugCheck, true
}

// debugExit is isa-debug-exit's stop callback.
func (m *Machine) debugExit(status int) {
	if m.pending == nil {
		m.pending = &Stop{Reason: StopDebugExit, Status: status, Time: m.CPU.Clock,
			Diag: fmt.Sprintf("guest wrote %#x to isa-debug-exit", status>>1)}
	}
	m.CPU.RequestExit()
}

// intrAdapter is the CPU's interrupt controller: the local APIC.
type intrAdapter struct{ m *Machine }

func (a intrAdapter) Ack() uint8 { return a.m.LAPIC.Ack() }

// msrAdapter serves the platform MSRs: IA32_APIC_BASE.
type msrAdapter struct{ m *Machine }

func (a msrAdapter) ReadMSR(idx uint32) (uint64, bool) { return a.m.LAPIC.ReadMSR(idx) }

func (a msrAdapter) WriteMSR(idx uint32, v uint64) bool { return a.m.LAPIC.WriteMSR(idx, v) }

// lapicMMIO puts the local APIC on the MMIO bus and keeps the CPU's CR8
// equal to TPR[7:4] when software writes TPR through MMIO.
type lapicMMIO struct{ m *Machine }

func (l lapicMMIO) ReadMMIO(off uint64, data []byte) { l.m.LAPIC.ReadMMIO(off, data) }

func (l lapicMMIO) WriteMMIO(off uint64, data []byte) {
	l.m.LAPIC.WriteMMIO(off, data)
	l.m.CPU.CR8 = l.m.LAPIC.CR8()
}

// physReader adapts the MMU to dev.PhysReader.
type physReader struct{ m *mmu.MMU }

func (p physReader) ReadPhys(pa uint64, buf []byte) { p.m.ReadPhys(mmu.PAddr(pa), buf) }
