package emu

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// pcProbeGuest is the PC platform probe (testdata/pcprobe.S, built by make testguest).
const pcProbeGuest = "testdata/pcprobe.elf"

// TestParityPCProbe boots the PC platform probe on QEMU and kppemu: the i8042 and port
// 0x92, port 0x80 and unassigned ports, the PIC masks, CMOS, fw_cfg, VGA text memory,
// the MTRRs and other MSRs, and CPUID's hypervisor leaf and out-of-range leaves give the
// same transcript on both.
func TestParityPCProbe(t *testing.T) {
	k, err := os.ReadFile(pcProbeGuest)
	require.NoError(t, err)
	runParity(t, parityCase{name: "pcprobe", kernel: "pcprobe.elf", image: k})
}
