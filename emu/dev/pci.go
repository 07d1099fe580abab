package dev

// PCI configuration mechanism #1 ports, relative to 0xCF8.
const (
	PCIConfigAddress = 0x0 // CONFIG_ADDRESS (dword accesses only)
	PCIConfigData    = 0x4 // CONFIG_DATA, 0xCFC-0xCFF
	PCIConfigSize    = 8
)

// PCIConfig is a PCI configuration space with no devices: CONFIG_ADDRESS
// holds what is written to it (dword accesses), every read of CONFIG_DATA
// returns all-ones, the "no device" answer, and writes are ignored.
// Attach at 0xCF8 with size 8.
type PCIConfig struct {
	State PCIState
}

// PCIState is the PCIConfig's snapshot state.
type PCIState struct {
	Address uint32
}

// NewPCIConfig returns an empty PCI configuration space.
func NewPCIConfig() *PCIConfig { return &PCIConfig{} }

// ReadPort implements PortDevice.
func (p *PCIConfig) ReadPort(off uint16, data []byte) {
	if off == PCIConfigAddress && len(data) == 4 {
		putLE(data, uint64(p.State.Address))
		return
	}
	fill(data, 0xFF)
}

// WritePort implements PortDevice.
func (p *PCIConfig) WritePort(off uint16, data []byte) {
	if off == PCIConfigAddress && len(data) == 4 {
		// Bits 1:0 are reserved and read as zero.
		p.State.Address = uint32(getLE(data)) &^ 3
	}
}

// SaveState implements Snapshotter.
func (p *PCIConfig) SaveState() ([]byte, error) { return saveGob("pci", &p.State) }

// LoadState implements Snapshotter.
func (p *PCIConfig) LoadState(b []byte) error { return loadGob("pci", b, &p.State) }
