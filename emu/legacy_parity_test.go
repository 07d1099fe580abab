package emu

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// legacyProbeGuest is the legacy ports probe (testdata/legacyprobe.S, built by make testguest).
const legacyProbeGuest = "testdata/legacyprobe.bin"

// TestParityLegacyProbe boots the legacy ports probe on QEMU and kppemu: the
// 8237 DMA controllers and page registers, the parallel port, and the
// floppy controller without a disk (registers, a DOR reset with IRQ 6 and
// its sense statuses, and the commands a driver issues before reading a
// medium) give the same transcript on both.
func TestParityLegacyProbe(t *testing.T) {
	k, err := os.ReadFile(legacyProbeGuest)
	require.NoError(t, err)
	runParity(t, parityCase{name: "legacyprobe", kernel: "legacyprobe.bin", image: k})
}
