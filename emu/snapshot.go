package emu

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"fmt"

	"github.com/kppemu/kppemu/cpu"
	"github.com/kppemu/kppemu/mmu"
)

// Snapshot is the whole state of a machine: CPU (with the clock), paging
// state, RAM, every device (whose deadlines are the event queue) and what
// the machine itself remembers. It is plain data (gob-encodable); wiring
// (serial output, subscribers, hooks) is not part of it.
type Snapshot struct {
	CPU cpu.State // the bootstrap processor
	MMU mmu.State
	// APs and APMMUs are the application processors' states (empty with
	// one CPU); NextCPU is the processor whose turn comes next.
	APs      []cpu.State
	APMMUs   []mmu.State
	NextCPU  int
	TurnLeft uint64
	RAM      []byte
	Devices  []DeviceState
	BugCheck *Event
	Boot     *BootInfo
	// Drivers are the module-loaded events seen so far (for symbols).
	Drivers []DriverLoad
	// KernelSlide is where the guest put its image (for symbols).
	KernelSlide uint64
	// KernelBased: the guest had reported its base (KernelSlide holds it).
	KernelBased bool
}

// DeviceState is one device's saved state.
type DeviceState struct {
	Name string
	Data []byte
}

// Snapshot saves the machine's state. Take it between runs.
func (m *Machine) Snapshot() (*Snapshot, error) {
	s, err := m.SaveState()
	if err != nil {
		return nil, err
	}
	s.RAM = bytes.Clone(m.MMU.RAM())
	return s, nil
}

// SaveState is Snapshot without RAM (s.RAM is nil), for a recorder that
// keeps RAM its own way. Take it between runs.
func (m *Machine) SaveState() (*Snapshot, error) {
	s := &Snapshot{
		CPU:      m.CPU.Snapshot(),
		MMU:      m.MMU.State(),
		NextCPU:  m.nextCPU,
		TurnLeft: m.turnLeft,
	}
	for i, c := range m.CPUs[1:] {
		s.APs = append(s.APs, c.Snapshot())
		s.APMMUs = append(s.APMMUs, m.MMUs[i+1].State())
	}
	for _, d := range m.devices {
		b, err := d.dev.SaveState()
		if err != nil {
			return nil, fmt.Errorf("snapshot %s: %w", d.name, err)
		}
		s.Devices = append(s.Devices, DeviceState{d.name, b})
	}
	if m.bugCheck != nil {
		e := *m.bugCheck
		s.BugCheck = &e
	}
	if m.boot != nil {
		b := *m.boot
		s.Boot = &b
	}
	s.Drivers = append([]DriverLoad(nil), m.Symbols().loads...)
	s.KernelSlide = m.Symbols().KernelSlide()
	s.KernelBased = m.Symbols().KernelBaseKnown()
	return s, nil
}

// Restore loads a snapshot taken from a machine of the same configuration.
// Decoded code and TLBs are dropped; devices re-drive their interrupt
// lines.
func (m *Machine) Restore(s *Snapshot) error {
	ram := m.MMU.RAM()
	if len(s.RAM) != len(ram) {
		return fmt.Errorf("restore: snapshot has %d bytes of RAM, the machine %d", len(s.RAM), len(ram))
	}
	if err := m.checkDevices(s); err != nil {
		return err
	}
	copy(ram, s.RAM)
	if err := m.LoadState(s); err != nil {
		return err
	}
	if m.inputObs != nil {
		m.inputObs(HostInput{Restored: true})
	}
	return nil
}

// LoadState is Restore without RAM: everything but RAM comes from s (a
// SaveState or a Snapshot), RAM stays as it is. Decoded code is dropped.
func (m *Machine) LoadState(s *Snapshot) error {
	if err := m.checkDevices(s); err != nil {
		return err
	}
	m.MMU.ClearCodeMarks()
	m.MMU.SetState(s.MMU)
	m.CPU.Restore(s.CPU)
	for i, c := range m.CPUs[1:] {
		m.MMUs[i+1].SetState(s.APMMUs[i])
		c.Restore(s.APs[i])
	}
	m.nextCPU, m.turnLeft = s.NextCPU%len(m.CPUs), s.TurnLeft
	m.setCurrent(0)
	for i, d := range m.devices {
		if err := d.dev.LoadState(s.Devices[i].Data); err != nil {
			return fmt.Errorf("restore %s: %w", d.name, err)
		}
	}
	for _, u := range m.MMUs {
		u.FlushTLB()
	}
	m.bugCheck = nil
	if s.BugCheck != nil {
		e := *s.BugCheck
		m.bugCheck = &e
	}
	m.boot = s.Boot
	m.Symbols().setLoads(s.Drivers)
	if s.KernelBased || s.KernelSlide != 0 {
		m.Symbols().SetKernelSlide(s.KernelSlide)
	} else {
		m.Symbols().forgetKernelBase()
	}
	m.pending = nil
	m.stopReq.Store(false)
	return nil
}

// checkDevices checks that a snapshot's devices are the machine's.
func (m *Machine) checkDevices(s *Snapshot) error {
	if len(s.APs) != len(m.CPUs)-1 || len(s.APMMUs) != len(s.APs) {
		return fmt.Errorf("restore: snapshot has %d processors, the machine %d", len(s.APs)+1, len(m.CPUs))
	}
	if len(s.Devices) != len(m.devices) {
		return fmt.Errorf("restore: snapshot has %d devices, the machine %d", len(s.Devices), len(m.devices))
	}
	for i, d := range m.devices {
		if s.Devices[i].Name != d.name {
			return fmt.Errorf("restore: snapshot device %d is %s, the machine's is %s", i, s.Devices[i].Name, d.name)
		}
	}
	return nil
}

// StateHash is a SHA-256 of the machine's whole state (the snapshot's
// contents), for determinism tests.
func (m *Machine) StateHash() ([32]byte, error) {
	s, err := m.Snapshot()
	if err != nil {
		return [32]byte{}, err
	}
	return s.Hash()
}

// Hash is a SHA-256 of the snapshot's contents.
func (s *Snapshot) Hash() ([32]byte, error) {
	h := sha256.New()
	meta := *s
	meta.RAM = nil
	if err := gob.NewEncoder(h).Encode(&meta); err != nil {
		return [32]byte{}, fmt.Errorf("hash snapshot: %w", err)
	}
	h.Write(s.RAM)
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out, nil
}
