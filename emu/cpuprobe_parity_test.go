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

// x2APICGolden is the x2APIC probe's transcript on a machine with x2APIC and the
// TSC-deadline timer (QEMU 7.2's TCG has neither, so it cannot be the reference).
const x2APICGolden = "testdata/x2apic.golden"

// TestParityX2APICProbe: with the default processor, which like QEMU 7.2's TCG
// advertises neither x2APIC nor TSC-deadline, the x2APIC probe gives the same
// transcript on QEMU and kppemu.
func TestParityX2APICProbe(t *testing.T) {
	k, err := os.ReadFile("testdata/x2apic.elf")
	require.NoError(t, err)
	runParity(t, parityCase{name: "x2apic", kernel: "x2apic.elf", image: k})
}

// TestX2APICProbe runs the x2APIC probe with --cpu-feature x2apic and tsc-deadline:
// EXTD transitions, the MSR interface and its #GP cases, self IPIs, the timer through
// its MSRs and a TSC-deadline interrupt give the transcript in testdata/x2apic.golden
// (set KPPEMU_UPDATE_GOLDEN=1 to rewrite it), twice the same.
func TestX2APICProbe(t *testing.T) {
	k, err := os.ReadFile("testdata/x2apic.elf")
	require.NoError(t, err)
	run := func() string {
		m := newConfiguredMachine(t, Config{Seed: 1, CPUFeatures: []string{"x2apic", "tsc-deadline"}})
		_, err := m.Boot(BootImage{Path: "x2apic.elf", Kernel: k})
		require.NoError(t, err)
		stop := m.runWatched(t, parityGuestLimit)
		require.Equal(t, StopDebugExit, stop.Reason, "%v\n%s", stop, m.serial.String())
		return m.serial.String()
	}
	got := run()
	require.Equal(t, got, run(), "deterministic")
	if os.Getenv("KPPEMU_UPDATE_GOLDEN") == "1" {
		require.NoError(t, os.WriteFile(x2APICGolden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(x2APICGolden)
	require.NoError(t, err)
	require.Equal(t, string(want), got)
}

// TestCPUFeatureNames: unknown names in Config.CPUFeatures are refused.
func TestCPUFeatureNames(t *testing.T) {
	_, err := New(Config{CPUFeatures: []string{"x2apic", "avx512"}})
	require.ErrorContains(t, err, `unknown CPU feature "avx512"`)
}
