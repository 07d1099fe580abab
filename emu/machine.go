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

// DefaultQuantum is the default Config.Quantum. Switching processors
// costs the host's caches more than the switch itself; at 4000
// instructions the aggregate speed of 4 busy processors measured within 1%
// of one processor's (BenchmarkSMPAggregate, best of 6 runs; 7% lower at
// 1000).
const DefaultQuantum = 4000

// Fixed platform addresses (the same as QEMU's pc machine).
const (
	PortPICMaster = 0x20
	PortPICSlave  = 0xA0
	PortELCR      = 0x4D0
	PortPIT       = 0x40
	PortPortB     = 0x61
	PortIGNNE     = 0xF0 // a write clears the x87 error interrupt (IRQ 13)
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
	// guest can read it from fw_cfg file opt/kppemu/seed).
	Seed uint64
	// Logger receives the machine's logs (nil: none).
	Logger hclog.Logger
	// Serial receives COM1's output (nil: discarded).
	Serial io.Writer
	// CPUVendor is the vendor the CPU presents (CPUID, SYSCALL outside 64-bit
	// mode); the zero value is Intel.
	CPUVendor cpu.Vendor
	// RTCBase is the wall-clock time at guest time 0 (zero:
	// dev.DefaultRTCBase), so that the RTC too is deterministic.
	RTCBase time.Time
	// CPUs is the number of processors (0 means 1; at most MaxCPUs).
	CPUs int
	// Quantum is the number of instructions one processor runs before the
	// next takes its turn (0: DefaultQuantum); only matters with CPUs > 1.
	Quantum uint64
	// Devices names optional devices to add, as QEMU's -device does
	// (OptionalDevices lists them); none by default.
	Devices []string
	// CPUFeatures names optional processor features to advertise and provide
	// (OptionalCPUFeatures lists them); none by default, as QEMU 7.2's TCG
	// offers neither: x2apic (the local APIC's x2APIC mode), tsc-deadline
	// (its TSC-deadline timer).
	CPUFeatures []string
	// LAPICTimerHz is the local APIC timer's input clock before its
	// divider (0: dev.LAPICTimerHz, 1 GHz, as on QEMU).
	LAPICTimerHz uint64
	// Accel names the execution tier of every processor: "interp" or "jit"
	// (cpu.ParseAccel). Empty: the tier the environment variable
	// KPPEMU_ACCEL names, or cpu.DefaultAccel() when that is unset; an unknown name
	// in either is an error of New.
	Accel string
}

// OptionalDevices are the device names Config.Devices accepts.
var OptionalDevices = []string{"pc-testdev", "pci-testdev"}

// OptionalDeviceHelp says in a line what each optional device is.
var OptionalDeviceHelp = map[string]string{
	"pc-testdev":  "QEMU's ISA test device: echo port 0xE0, IRQ lines at 0x2000+n, memory at 0xFF000000",
	"pci-testdev": "QEMU's PCI test device 1b36:0005 in slot 00:03.0: memory and I/O BAR test protocol",
}

// firstOptionalPCISlot is the slot QEMU gives the first -device that goes
// on the PCI bus (after the VGA at 00:02.0, with -nic none).
const firstOptionalPCISlot = 3

// OptionalCPUFeatures are the feature names Config.CPUFeatures accepts.
var OptionalCPUFeatures = []string{"x2apic", "tsc-deadline"}

// cpuFeatures checks Config.CPUFeatures and returns whether x2APIC and the
// TSC-deadline timer are on.
func cpuFeatures(names []string) (x2apic, deadline bool, err error) {
	for _, n := range names {
		switch n {
		case "x2apic":
			x2apic = true
		case "tsc-deadline":
			deadline = true
		default:
			return false, false, fmt.Errorf("unknown CPU feature %q (known: %s)", n, strings.Join(OptionalCPUFeatures, ", "))
		}
	}
	return x2apic, deadline, nil
}

// Event is a record the guest wrote to the event port, decoded.
type Event = dev.Event

// Machine is a PC: one x86-64 CPU, RAM, the port-I/O and MMIO buses and the
// devices of package dev, driven by a virtual clock. All its methods run on
// one goroutine except RequestStop.
type Machine struct {
	// CPU is the bootstrap processor, CPUs[0]; MMU and LAPIC are its MMU
	// and local APIC.
	CPU   *cpu.CPU
	MMU   *mmu.MMU
	Ports *PortBus

	// CPUs are the processors (Config.CPUs of them), each with its own MMU
	// (paging state and TLB on the shared memory) and local APIC.
	CPUs   []*cpu.CPU
	MMUs   []*mmu.MMU
	LAPICs []*dev.LAPIC

	UART      *dev.UART
	PIC       *dev.PIC
	PIT       *dev.PIT
	I8042     *dev.I8042
	VGA       *dev.VGA
	LAPIC     *dev.LAPIC
	IOAPIC    *dev.IOAPIC
	APICBus   *dev.APICBus
	ACPIPM    *dev.ACPIPM
	CMOS      *dev.CMOS
	FwCfg     *dev.FwCfg
	PCI       *dev.PCIBus
	EventPort *dev.EventPort
	DebugExit *dev.DebugExit
	IDE       [2]*dev.IDEChannel // the legacy IDE channels: primary (empty), secondary (CD-ROM, no medium)
	FDC       *dev.FDC           // the floppy controller, no disk
	LPT       *dev.LPT           // LPT1, nothing attached
	DMA       *dev.DMA           // the 8237 pair and page registers
	TestDev   *dev.PCTestDev     // pc-testdev, when Config.Devices asks for it
	PCITest   *dev.PCITestDev    // pci-testdev, when Config.Devices asks for it

	cfg     Config
	log     hclog.Logger
	devices []namedDevice // snapshot order
	timed   []dev.Timed
	hooks   Hooks

	cur      *cpu.CPU // the processor executing (device clock, MMIO, port I/O)
	curIdx   int
	nextCPU  int    // the processor whose turn it is (round-robin)
	turnLeft uint64 // instructions left in its turn (0: a fresh turn)

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
	if cfg.LAPICTimerHz != 0 && (cfg.LAPICTimerHz < 1_000_000 || cfg.LAPICTimerHz > 10_000_000_000) {
		return nil, fmt.Errorf("local APIC timer clock %d Hz is outside [1 MHz, 10 GHz]", cfg.LAPICTimerHz)
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
	if cfg.Quantum == 0 {
		cfg.Quantum = DefaultQuantum
	}
	x2apic, deadline, err := cpuFeatures(cfg.CPUFeatures)
	if err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.RTCBase.IsZero() {
		cfg.RTCBase = dev.DefaultRTCBase
	}
	accel, err := resolveAccel(cfg.Accel)
	if err != nil {
		return nil, err
	}
	cfg.Accel = accel.String()
	m := &Machine{cfg: cfg, log: cfg.Logger.Named("emu"), Ports: &PortBus{}}
	m.MMU = mmu.New(cfg.MemBytes)
	m.MMUs = []*mmu.MMU{m.MMU}
	for i := 1; i < cfg.CPUs; i++ {
		m.MMUs = append(m.MMUs, m.MMU.NewSibling())
	}
	clk := dev.ClockFunc(func() uint64 { return m.cur.Clock })
	for i := 0; i < cfg.CPUs; i++ {
		name := "cpu"
		seed := cfg.Seed
		if i > 0 {
			name = fmt.Sprintf("cpu%d", i)
			seed = cfg.Seed + uint64(i)*0x9E3779B97F4A7C15 // RDRAND: one stream per processor
		}
		c := cpu.New(cpu.Config{
			Mem:    m.MMUs[i],
			IO:     m.Ports,
			Intr:   intrAdapter{m, i},
			MSR:    msrAdapter{m, i},
			Seed:   seed,
			Logger: cfg.Logger.Named(name),
			APICID: uint8(i),
			CPUs:   cfg.CPUs,
			Vendor: cfg.CPUVendor,

			X2APIC:      x2apic,
			TSCDeadline: deadline,
		})
		a := dev.NewLAPIC(clk, c.SetINTR, c.NMI)
		a.SetTimerHz(cfg.LAPICTimerHz)
		if x2apic {
			a.EnableX2APIC()
		}
		if deadline {
			a.EnableTSCDeadline(func() uint64 { return c.TSCOffset })
		}
		a.SetID(uint8(i))
		a.SetBSP(i == 0)
		if i > 0 {
			a.InitReset() // LINT0 masked: only the BSP passes the 8259 through
		}
		c.SetTPRHook(func(tpr uint8) { a.SetCR8(uint64(tpr)) })
		c.SetTPRView(a.TPRRegister())
		if err := c.SetAccel(accel); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		m.CPUs = append(m.CPUs, c)
		m.LAPICs = append(m.LAPICs, a)
	}
	m.CPU, m.LAPIC, m.cur = m.CPUs[0], m.LAPICs[0], m.CPUs[0]

	// The interrupt path: devices -> PIC -> LAPIC LINT0 -> CPU INTR, and
	// devices -> I/O APIC -> the APIC bus -> LAPICs.
	if len(m.LAPICs) == 1 {
		m.PIC = dev.NewPIC(m.LAPIC.SetLINT0)
	} else {
		m.PIC = dev.NewPIC(func(level bool) {
			for _, a := range m.LAPICs {
				a.SetLINT0(level)
			}
		})
	}
	for _, a := range m.LAPICs {
		a.SetPIC(m.PIC)
	}
	// FERR# of every processor drives ISA IRQ 13, as QEMU wires it (x87ferr.go).
	for _, c := range m.CPUs {
		c.SetFERRHook(func(level bool) { m.isaIRQ(ferrIRQ).SetIRQ(level) })
	}
	m.APICBus = dev.NewAPICBus(m.LAPICs, m.initCPU, m.startupCPU)
	m.IOAPIC = dev.NewIOAPIC(m.APICBus)
	m.parkAPs()
	// The 8259 pair as SeaBIOS leaves it on QEMU before a -kernel boot:
	// vector bases 0x08/0x70, its masks and ELCR.
	m.PIC.Program(dev.SeaBIOSPICMasterBase, dev.SeaBIOSPICSlaveBase, dev.SeaBIOSPICMask)
	m.PIC.State.Chips[0].ELCR = uint8(dev.SeaBIOSELCR & 0xFF)
	m.PIC.State.Chips[1].ELCR = uint8(dev.SeaBIOSELCR >> 8)

	m.UART = dev.NewUART(clk, m.isaIRQ(abi.COM1IRQ), cfg.Serial)
	m.PIT = dev.NewPIT(clk, m.isaIRQ(0))
	// SeaBIOS leaves channel 0 counting at 18.2 Hz: a guest that enables
	// interrupts without programming the PIT takes IRQ 0 (vector 0x08
	// through the 8259 as the firmware left it), as on QEMU.
	m.PIT.SetupLikeBIOS()
	m.CMOS = dev.NewCMOS(clk, cfg.MemBytes, cfg.RTCBase)
	m.CMOS.SetIRQ(m.isaIRQ(8)) // the RTC's interrupt, as on QEMU's pc
	m.I8042 = dev.NewI8042(m.isaIRQ(1))
	m.I8042.SetReset(func() { m.resetRequest("the keyboard controller's reset line (port 0x64 or 0x92)") })
	m.VGA = dev.NewVGA()
	m.FwCfg = dev.NewFwCfg(cfg.MemBytes, uint16(cfg.CPUs))
	var seed [8]byte
	binary.LittleEndian.PutUint64(seed[:], cfg.Seed)
	m.FwCfg.AddFile("opt/kppemu/seed", seed[:])
	m.EventPort = dev.NewEventPort(clk, physReader{m.MMU}, m.publish, cfg.Logger)
	m.DebugExit = dev.NewDebugExit(m.debugExit)
	m.ACPIPM = dev.NewACPIPM(clk)
	m.IDE = [2]*dev.IDEChannel{dev.NewIDEPrimary(m.isaIRQ(dev.IDEPrimaryIRQ)), dev.NewIDESecondary(m.isaIRQ(dev.IDESecondaryIRQ))}
	m.FDC = dev.NewFDC(m.isaIRQ(dev.FDCIRQ))
	m.LPT = dev.NewLPT(m.isaIRQ(dev.LPT1IRQ))
	m.DMA = dev.NewDMA()
	writeACPI(m.MMU.RAM(), cfg.CPUs)
	writeBDA(m.MMU.RAM())
	if err := writeBIOS(m.MMU.RAM(), cfg.MemBytes); err != nil {
		return nil, err
	}

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
		{dev.I8042DataPort, 1, "i8042-data", m.I8042.Data()},
		{dev.I8042CommandPort, 1, "i8042-command", m.I8042.Command()},
		{dev.Port92, 1, "port-92", m.I8042.Port92()},
		{dev.VGAPortBase, dev.VGAPortSize, "vga", m.VGA},
		{dev.VGACRTCPort, 2, "vga-crtc", m.VGA.CRTC()},
		{dev.VGAStatus1, 1, "vga-status", m.VGA.Status()},
		{PortCMOS, 2, "cmos", m.CMOS},
		{abi.DebugExitPort, 4, "isa-debug-exit", m.DebugExit},
		{abi.COM1Port, dev.UARTSize, "com1", m.UART},
		{PortFwCfg, 2, "fw_cfg", m.FwCfg},
		{abi.EventPort, 4, "event-port", m.EventPort},
		{dev.ACPIGPE0Base, dev.ACPIGPE0Size, "acpi-gpe0", m.ACPIPM.GPE0()},
		{dev.ACPIAPMPort, dev.ACPIAPMSize, "apm", m.ACPIPM.APM()},
		{PortIGNNE, 1, "ignne", ignnePort{m}},
		{dev.IDEPrimaryBase, dev.IDECommandSize, "ide0", m.IDE[0]},
		{dev.IDEPrimaryCtl, 1, "ide0-control", m.IDE[0].Control()},
		{dev.IDESecondaryBase, dev.IDECommandSize, "ide1", m.IDE[1]},
		{dev.IDESecondaryCtl, 1, "ide1-control", m.IDE[1].Control()},
		{dev.FDCBase, dev.FDCSize, "fdc", m.FDC},
		{dev.FDCDIRPort, 1, "fdc-dir", m.FDC.DIR()},
		{dev.LPT1Base, dev.LPT1Size, "lpt1", m.LPT},
		{dev.DMA1Base, dev.DMA1Size, "dma1", m.DMA.DMA1()},
		{dev.DMA2Base, dev.DMA2Size, "dma2", m.DMA.DMA2()},
		{dev.DMAPageBase, dev.DMAPageSize, "dma-page", m.DMA.Pages()},
	}
	for _, p := range ports {
		if err := m.Ports.Attach(p.base, p.size, p.name, p.d); err != nil {
			return nil, err
		}
	}
	if err := m.MMU.AttachMMIO(LAPICBase, LAPICSize, lapicMMIO{m}); err != nil {
		return nil, fmt.Errorf("attach the local APIC: %w", err)
	}
	if err := m.MMU.AttachMMIO(dev.IOAPICBase, dev.IOAPICSize, m.IOAPIC); err != nil {
		return nil, fmt.Errorf("attach the I/O APIC: %w", err)
	}

	pciExtra, err := m.addOptionalDevices()
	if err != nil {
		return nil, err
	}
	if err := m.addPCI(pciExtra); err != nil {
		return nil, err
	}

	base := []namedDevice{
		{"pic", m.PIC}, {"lapic", m.LAPIC}, {"pit", m.PIT}, {"uart", m.UART},
		{"cmos", m.CMOS}, {"fw_cfg", m.FwCfg}, {"pci", m.PCI},
		{"eventport", m.EventPort}, {"debugexit", m.DebugExit}, {"ioapic", m.IOAPIC},
		{"acpi-pm", m.ACPIPM}, {"i8042", m.I8042}, {"vga", m.VGA},
		{"ide0", m.IDE[0]}, {"ide1", m.IDE[1]}, {"fdc", m.FDC}, {"lpt1", m.LPT}, {"dma", m.DMA},
	}
	for i, a := range m.LAPICs[1:] {
		base = append(base, namedDevice{fmt.Sprintf("lapic%d", i+1), a})
	}
	m.devices = append(base, m.devices...)
	for _, d := range m.devices {
		if t, ok := d.dev.(dev.Timed); ok {
			m.timed = append(m.timed, t)
		}
	}
	return m, nil
}

// addPCI builds the PCI bus: configuration mechanism #1 at 0xCF8, the pc
// machine's functions and extra, and the PCI window over bus memory from
// the top of RAM to dev.PCIWindowEnd.
func (m *Machine) addPCI(extra []*dev.PCIFunction) error {
	m.PCI = dev.NewPCIBus(m.Ports, func() { m.resetRequest("RST_CPU to the reset control register (0xCF9)") },
		m.cfg.MemBytes, dev.PCIWindowEnd-m.cfg.MemBytes)
	if err := m.Ports.Attach(PortPCIConfig, dev.PCIConfigSize, "pci-config", m.PCI); err != nil {
		return err
	}
	for _, f := range dev.PCMachineFunctions(m.ACPIPM, extra...) {
		if err := m.PCI.Add(f); err != nil {
			return err
		}
	}
	if n, err := m.PCI.MapErrors(); n > 0 {
		return fmt.Errorf("place the PCI functions' ranges: %w", err)
	}
	if err := m.MMU.AttachMMIO(mmu.PAddr(m.cfg.MemBytes), dev.PCIWindowEnd-m.cfg.MemBytes, m.PCI.Window()); err != nil {
		return fmt.Errorf("attach the PCI window: %w", err)
	}
	return nil
}

// resetRequest is a reset the guest asked for (how says through what):
// the machine stops, as QEMU does with -no-reboot.
func (m *Machine) resetRequest(how string) {
	if m.pending == nil {
		m.pending = &Stop{Reason: StopReset, Time: m.CPU.Clock, Diag: "guest reset the machine: " + how}
	}
	m.cur.RequestExit()
}

// addOptionalDevices attaches the devices named in Config.Devices and
// returns the PCI functions among them, in their slots.
func (m *Machine) addOptionalDevices() ([]*dev.PCIFunction, error) {
	var pci []*dev.PCIFunction
	seen := map[string]bool{}
	for _, name := range m.cfg.Devices {
		if seen[name] {
			return nil, fmt.Errorf("device %q given twice", name)
		}
		seen[name] = true
		switch name {
		case "pc-testdev":
			t := dev.NewPCTestDev(func(n int, level bool) {
				if n < 16 {
					m.isaIRQ(n).SetIRQ(level)
				} else {
					m.IOAPIC.SetIRQ(n, level)
				}
			})
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
					return nil, err
				}
			}
			if err := m.MMU.AttachMMIO(dev.TestDevMemBase, dev.TestDevMemSize, t); err != nil {
				return nil, fmt.Errorf("attach pc-testdev: %w", err)
			}
			m.TestDev = t
			m.devices = append(m.devices, namedDevice{"pc-testdev", t})
		case "pci-testdev":
			t := dev.NewPCITestDev()
			pci = append(pci, t.Function(uint8(firstOptionalPCISlot+len(pci))))
			m.PCITest = t
			m.devices = append(m.devices, namedDevice{"pci-testdev", t})
		default:
			return nil, fmt.Errorf("unknown device %q (known: %s)", name, strings.Join(OptionalDevices, ", "))
		}
	}
	return pci, nil
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

// Instret is the number of instructions the machine has retired: every
// processor's count added up. The processors take turns in fixed quanta,
// so with the guest time it names one point of the execution, whatever
// the number of processors (RunTo stops there).
func (m *Machine) Instret() uint64 {
	if len(m.CPUs) == 1 {
		return m.CPU.Instret
	}
	var n uint64
	for _, c := range m.CPUs {
		n += c.Instret
	}
	return n
}

// Executing returns the processor that is executing (or executed last):
// the one whose instruction a memory-write hook or a device sees.
func (m *Machine) Executing() (int, *cpu.CPU) { return m.curIdx, m.cur }

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
	m.cur.RequestExit()
}

// intrAdapter is a CPU's interrupt controller: its local APIC.
type intrAdapter struct {
	m *Machine
	i int
}

func (a intrAdapter) Ack() uint8 { return a.m.LAPICs[a.i].Ack() }

// msrAdapter serves a CPU's platform MSRs: IA32_APIC_BASE.
type msrAdapter struct {
	m *Machine
	i int
}

func (a msrAdapter) HasMSR(idx uint32) bool { return a.m.LAPICs[a.i].HasMSR(idx) }

func (a msrAdapter) ReadMSR(idx uint32) (uint64, bool) { return a.m.LAPICs[a.i].ReadMSR(idx) }

// WriteMSR writes an APIC MSR; a TPR write in x2APIC mode also sets the
// CPU's CR8, as an MMIO one does.
func (a msrAdapter) WriteMSR(idx uint32, v uint64) bool {
	l := a.m.LAPICs[a.i]
	ok := l.WriteMSR(idx, v)
	if ok && idx == dev.MSRX2APICBase+dev.LAPICTPR>>4 {
		a.m.CPUs[a.i].CR8 = l.CR8()
	}
	return ok
}

// lapicMMIO puts the local APIC on the MMIO bus: every processor sees its
// own at the same address. It keeps the CPU's CR8 equal to TPR[7:4] when
// software writes TPR through MMIO.
type lapicMMIO struct{ m *Machine }

func (l lapicMMIO) ReadMMIO(off uint64, data []byte) { l.m.LAPICs[l.m.curIdx].ReadMMIO(off, data) }

func (l lapicMMIO) WriteMMIO(off uint64, data []byte) {
	a, c := l.m.LAPICs[l.m.curIdx], l.m.cur
	a.WriteMMIO(off, data)
	c.CR8 = a.CR8()
}

// isaIRQ is ISA interrupt line n: it enters the 8259 pair at IRQ n and the
// I/O APIC at its pin (IRQ 0 at pin 2).
func (m *Machine) isaIRQ(n int) dev.IRQLine {
	pin := dev.ISAPin(n)
	return dev.IRQFunc(func(level bool) {
		m.PIC.SetIRQ(n, level)
		m.IOAPIC.SetIRQ(pin, level)
	})
}

// parkStub is where the application processors wait after power-on, as
// SeaBIOS leaves them on QEMU: halted with interrupts disabled until an
// INIT puts them in the wait-for-SIPI state (a start-up IPI before that
// is ignored). An NMI finds HLT; JMP $-1 there.
const parkStub = 0xFFF00

// parkAPs puts every application processor in the parked state.
func (m *Machine) parkAPs() {
	if len(m.CPUs) == 1 {
		return
	}
	ram := m.MMU.RAM()
	if parkStub+3 <= len(ram) {
		copy(ram[parkStub:], []byte{0xF4, 0xEB, 0xFD})
	}
	for _, c := range m.CPUs[1:] {
		c.InitReset()
		s := c.Snapshot()
		s.WaitSIPI = false
		s.Halted = true
		s.Seg[cpu.CS] = cpu.Segment{Selector: parkStub >> 4 & 0xF000, Base: parkStub &^ 0xFFFF, Limit: 0xFFFF, Attr: 0x9B}
		s.RIP = parkStub & 0xFFFF
		c.Restore(s)
	}
}

// initCPU is the INIT signal to processor i.
func (m *Machine) initCPU(i int) {
	if i >= 0 && i < len(m.CPUs) {
		m.CPUs[i].InitReset()
		m.CPUs[i].Clock = m.cur.Clock
	}
}

// startupCPU is a start-up IPI to processor i.
func (m *Machine) startupCPU(i int, vector uint8) {
	if i >= 0 && i < len(m.CPUs) {
		m.CPUs[i].StartupIPI(vector)
	}
}

// physReader adapts the MMU to dev.PhysReader.
type physReader struct{ m *mmu.MMU }

func (p physReader) ReadPhys(pa uint64, buf []byte) { p.m.ReadPhys(mmu.PAddr(pa), buf) }

// ferrIRQ is the ISA line of the x87 FERR# output.
const ferrIRQ = 13

// ignnePort is port F0h: a write asserts IGNNE# on the bootstrap processor and drops
// IRQ 13 (QEMU's chipset model); a read returns all ones.
type ignnePort struct{ m *Machine }

func (p ignnePort) ReadPort(off uint16, data []byte) {
	for i := range data {
		data[i] = 0xFF
	}
}

func (p ignnePort) WritePort(off uint16, data []byte) {
	p.m.CPUs[0].SetIGNNE()
	p.m.isaIRQ(ferrIRQ).SetIRQ(false)
}
