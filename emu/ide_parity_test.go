package emu

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// ideProbeGuest is the IDE probe (testdata/ideprobe.S, built by make testguest).
const ideProbeGuest = "testdata/ideprobe.bin"

// TestParityIDEProbe boots the IDE probe on QEMU and kppemu: the legacy
// task-file registers of both channels, drive selection, the signatures,
// every ATA command the probe issues on each drive position, IDENTIFY
// PACKET DEVICE's data, ATAPI packets to the empty CD-ROM and their sense
// data, IRQ 14/15 with and without nIEN, and a software reset.
func TestParityIDEProbe(t *testing.T) {
	k, err := os.ReadFile(ideProbeGuest)
	require.NoError(t, err)
	runParity(t, parityCase{name: "ideprobe", kernel: "ideprobe.bin", image: k})
}
