package emu

import (
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/images/qemu"
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

// TestParityX87Probe boots the x87 error-reporting probe (testdata/x87.S) on QEMU and
// kppemu: CPUID's FPU bit, #MF from FWAIT with CR0.NE=1, FERR# as IRQ 13 with CR0.NE=0,
// IGNNE# from a write to port F0h and its release by FLDENV, and a few exact results
// give the same transcript on both.
func TestParityX87Probe(t *testing.T) {
	k, err := os.ReadFile("testdata/x87.elf")
	require.NoError(t, err)
	runParity(t, parityCase{name: "x87", kernel: "x87.elf", image: k})
}

// TestX87FERRProbe boots the x87 probe with its CR0.NE=0 part (testdata/x87ferr.elf) on
// kppemu alone (QEMU 7.2 aborts when FERR# raises IRQ 13: its CPU thread does not hold
// the lock the interrupt needs) and checks QEMU's model of the legacy path: the first
// FWAIT with an exception pending delivers IRQ 13; after the handler's write to port
// F0h (IGNNE#) another FWAIT delivers nothing; FLDENV of a clean status word releases
// IGNNE# and the next exception interrupts again; without the F0h write the line stays
// up and a second FWAIT adds no interrupt.
func TestX87FERRProbe(t *testing.T) {
	k, err := os.ReadFile("testdata/x87ferr.elf")
	require.NoError(t, err)
	dir := t.TempDir()
	kpath := dir + "/x87ferr.elf"
	require.NoError(t, os.WriteFile(kpath, k, 0o644))
	m := newConfiguredMachine(t, Config{Seed: 1})
	_, err = m.Boot(BootImage{Path: kpath, Kernel: k})
	require.NoError(t, err)
	stop := m.runWatched(t, parityGuestLimit)
	require.Equal(t, StopDebugExit, stop.Reason, "%v\n%s", stop, m.serial.String())
	want := []string{
		"x87 probe: long mode",
		"cpuid.1 edx&(fxsr|fpu) 01000001",
		"ne=1 fwait: vector 00000010 fsw 00008084",
		"ne=0 fwait: irq13 count 00000001 fsw 00008084",
		"ignne fwait: irq13 count 00000001 fsw 00008084",
		"after fldenv: irq13 count 00000002 fsw 00008084",
		"no f0 write: irq13 count 00000003 fsw 00008084",
		"00000003 fsw 00008084",
		"fxtract 10: 00000001 00000003",
		"fscale 3*2^5: 00000060",
		"fprem 10,3: 00000001 00004200",
		"fbstp -1234567.5: 0000000001234568 00008000",
		"bye",
	}
	require.Equal(t, want, qemu.Transcript(m.serial.String()))
}

// TestParityBIOSProbe boots the BIOS services probe (testdata/biosprobe.S) on QEMU and
// kppemu: INT 10h, 11h-16h and 1Ah called from real mode after a -kernel boot give
// the same transcript on both (SeaBIOS on QEMU, firmware/bios.S on kppemu).
func TestParityBIOSProbe(t *testing.T) {
	k, err := os.ReadFile("testdata/biosprobe.bin")
	require.NoError(t, err)
	runParity(t, parityCase{name: "biosprobe", kernel: "biosprobe.bin", image: k})
}

// TestX2APICStartsAP: with x2APIC, the bootstrap processor starts the other one with
// INIT and STARTUP through the 64-bit ICR (destination x2APIC ID 1), and the AP runs
// its real-mode trampoline.
func TestX2APICStartsAP(t *testing.T) {
	bsp := []byte{
		0xB9, 0x1B, 0x00, 0x00, 0x00, // mov ecx, IA32_APIC_BASE
		0xB8, 0x00, 0x0D, 0xE0, 0xFE, // mov eax, 0xFEE00D00 (EN, EXTD, BSP)
		0x31, 0xD2, // xor edx, edx
		0x0F, 0x30, // wrmsr
		0xB9, 0x30, 0x08, 0x00, 0x00, // mov ecx, ICR
		0xBA, 0x01, 0x00, 0x00, 0x00, // mov edx, 1 (x2APIC ID 1)
		0xB8, 0x00, 0x45, 0x00, 0x00, // mov eax, INIT, level assert
		0x0F, 0x30, // wrmsr
		0xB8, 0x08, 0x46, 0x00, 0x00, // mov eax, STARTUP vector 8 (0x8000)
		0x0F, 0x30, // wrmsr
		0x66, 0x81, 0x3D, 0x00, 0x90, 0x00, 0x00, 0x34, 0x12, // cmp word [0x9000], 0x1234
		0x75, 0xF5, // jne back to the cmp
		0x66, 0xBA, 0xF4, 0x00, // mov dx, 0xF4
		0xB8, 0x10, 0x00, 0x00, 0x00, // mov eax, 0x10
		0xEF, // out dx, eax
		0xF4, // hlt
	}
	ap := []byte{0xC7, 0x06, 0x00, 0x90, 0x34, 0x12, 0xFA, 0xF4} // mov word [0x9000], 0x1234; cli; hlt
	m := newConfiguredMachine(t, Config{Seed: 1, CPUs: 2, CPUFeatures: []string{"x2apic"}})
	_, err := m.Boot(BootImage{Path: "x2ap", Kernel: aoutImage(bsp, 0)})
	require.NoError(t, err)
	m.WritePhys(0x8000, ap)
	stop := m.RunFor(50_000_000)
	require.Equal(t, StopDebugExit, stop.Reason, "%v", stop)
	require.Equal(t, 0x21, stop.Status)
	require.True(t, m.LAPICs[0].X2APICMode())
	require.False(t, m.LAPICs[1].X2APICMode(), "the AP's APIC stays in xAPIC mode until its own software changes it")
}
