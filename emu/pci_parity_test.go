package emu

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// pciProbeGuest is the PCI probe (testdata/pciprobe.S, built by make testguest).
const pciProbeGuest = "testdata/pciprobe.bin"

// TestParityPCIProbe boots the PCI probe on QEMU and kppemu, with and
// without pci-testdev: configuration mechanism #1 at every width, each
// function's whole configuration space as the firmware leaves it, the
// write masks and BAR sizes, pci-testdev's tests through both BARs, BARs
// moved and decoding switched off, and the PIIX4's PM I/O enable.
func TestParityPCIProbe(t *testing.T) {
	k, err := os.ReadFile(pciProbeGuest)
	require.NoError(t, err)
	for _, c := range []struct {
		name    string
		devices []string
	}{
		{"plain", nil},
		{"pci-testdev", []string{"pci-testdev"}},
		{"both-testdevs", []string{"pc-testdev", "pci-testdev"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			runParity(t, parityCase{name: "pciprobe", kernel: "pciprobe.bin", image: k, devices: c.devices})
		})
	}
}
