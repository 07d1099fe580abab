package emu

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/emu/dev"
)

// pciWrite and pciRead go through the machine's ports, as a guest does.
func pciWrite(m *testMachine, slot uint8, reg uint8, v uint32) {
	m.Ports.Out(PortPCIConfig, 4, dev.PCIConfigEnable|uint32(slot)<<8|uint32(reg))
	m.Ports.Out(PortPCIConfig+4, 4, v)
}

func pciRead(m *testMachine, slot uint8, reg uint8) uint32 {
	m.Ports.Out(PortPCIConfig, 4, dev.PCIConfigEnable|uint32(slot)<<8|uint32(reg))
	return m.Ports.In(PortPCIConfig+4, 4)
}

func phys32(m *testMachine, pa uint64) uint32 {
	var b [4]byte
	m.ReadPhys(pa, b[:])
	return binary.LittleEndian.Uint32(b[:])
}

// TestMachinePCI: pci-testdev's BARs and the PIIX4's PM block move on the
// machine's port bus and PCI window as the guest programs them, and come
// back with a snapshot.
func TestMachinePCI(t *testing.T) {
	m := newConfiguredMachine(t, Config{Seed: 1, Devices: []string{"pci-testdev"}})
	const td, pm = 3 << 3, 1<<3 | 3
	require.Equal(t, uint32(dev.PCITestDevDevice<<16|dev.PCITestDevVendor), pciRead(m, td, 0))
	mem, io := uint64(pciRead(m, td, 0x10)&^0xF), uint16(pciRead(m, td, 0x14)&^3)
	require.Equal(t, uint64(0xFEBF1000), mem)
	require.Equal(t, uint16(0xC000), io)

	m.Ports.Out(io, 1, 1) // portio-wildcard-eventfd
	require.Equal(t, uint32(0x0104), m.Ports.In(io, 4))
	require.Equal(t, uint32(0x0104), phys32(m, mem))
	require.Equal(t, uint32(0), phys32(m, 0x10000000), "unclaimed bus memory reads 0")

	pciWrite(m, td, 0x14, 0xD000)
	pciWrite(m, pm, 0x40, 0xB001)
	require.Equal(t, uint32(0xFFFFFFFF), m.Ports.In(io, 4))
	require.Equal(t, uint32(0x0104), m.Ports.In(0xD000, 4))
	require.Equal(t, uint32(0xFFFFFFFF), m.Ports.In(dev.ACPIPMTimer, 4), "the PM block moved")
	require.NotEqual(t, uint32(0xFFFFFFFF), m.Ports.In(0xB008, 4))

	snap, err := m.Snapshot()
	require.NoError(t, err)
	pciWrite(m, td, 0x14, 0xE000)
	pciWrite(m, pm, 0x40, dev.ACPIPMBase|1)
	m.Ports.Out(0xE000, 1, 0)
	require.NoError(t, m.Restore(snap))
	require.Equal(t, uint32(0x0104), m.Ports.In(0xD000, 4))
	require.Equal(t, uint32(0xFFFFFFFF), m.Ports.In(0xE000, 4))
	require.Equal(t, uint32(0xFFFFFFFF), m.Ports.In(dev.ACPIPMTimer, 4))
	require.Equal(t, uint32(0x0104), phys32(m, mem))

	plain := newTestMachine(t)
	require.Error(t, plain.Restore(snap), "a snapshot with pci-testdev needs a machine with it")
	require.Equal(t, uint32(0xFFFFFFFF), pciRead(plain, td, 0), "slot 3 is empty by default")

	// RST_CPU in the reset control register stops the machine.
	m.Ports.Out(0xCF9, 1, dev.PCIRCRSysReset|dev.PCIRCRCPUReset)
	s, ok := m.takeStop()
	require.True(t, ok)
	require.Equal(t, StopReset, s.Reason)
	require.Contains(t, s.Diag, "0xCF9")

	// So does the keyboard controller's reset line.
	k := newTestMachine(t)
	k.Ports.Out(0x64, 1, 0xFE)
	s, ok = k.takeStop()
	require.True(t, ok)
	require.Equal(t, Stop{Reason: StopReset, Diag: "guest reset the machine: the keyboard controller's reset line (port 0x64 or 0x92)"}, s)
}

// TestFADTPMBlock: the FADT's PM registers are where the PIIX4's PMBA
// puts them.
func TestFADTPMBlock(t *testing.T) {
	m := newTestMachine(t)
	pmba := pciRead(m, 1<<3|3, 0x40) &^ 0x3F
	ram := m.MMU.RAM()
	le := binary.LittleEndian
	rsdt := ram[le.Uint32(ram[acpiRSDPAddr+16:]):]
	var fadt []byte
	for i := uint32(36); i < le.Uint32(rsdt[4:]); i += 4 {
		if t := ram[le.Uint32(rsdt[i:]):]; string(t[:4]) == "FACP" {
			fadt = t
		}
	}
	require.NotNil(t, fadt, "no FADT in the RSDT")
	require.Equal(t, pmba, binary.LittleEndian.Uint32(fadt[56:]), "PM1a_EVT_BLK")
	require.Equal(t, pmba+4, binary.LittleEndian.Uint32(fadt[64:]), "PM1a_CNT_BLK")
	require.Equal(t, pmba+8, binary.LittleEndian.Uint32(fadt[76:]), "PM_TMR_BLK")
}
