package emu

import (
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// cpuProbeGuest is the CPU identification probe (testdata/cpuprobe.S, built by make
// testguest).
const cpuProbeGuest = "testdata/cpuprobe.elf"

// TestParityCPUProbe boots the CPU identification probe on QEMU and kppemu with one and
// with four processors: the topology CPUID and MSR_CORE_THREAD_COUNT report, and the
// zero reads and ignored writes of MSRs the CPU model does not implement, give the same
// transcript on both.
func TestParityCPUProbe(t *testing.T) {
	k, err := os.ReadFile(cpuProbeGuest)
	require.NoError(t, err)
	for _, n := range []int{1, 4} {
		t.Run(fmt.Sprintf("smp%d", n), func(t *testing.T) {
			runParity(t, parityCase{name: "cpuprobe", kernel: "cpuprobe.elf", image: k, smp: n})
		})
	}
}

// TestParityPKRUProbe boots the PKRU state-component probe (testdata/pkru.S) on QEMU and
// kppemu: XCR0 bit 9, leaf 0xD's component 9 and sizes, and XSAVE/XSAVEOPT/XRSTOR of
// PKRU give the same transcript on both.
func TestParityPKRUProbe(t *testing.T) {
	k, err := os.ReadFile("testdata/pkru.elf")
	require.NoError(t, err)
	runParity(t, parityCase{name: "pkru", kernel: "pkru.elf", image: k})
}
