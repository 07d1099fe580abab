package emu

import (
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/cpu"
)

// bootSMP boots the SMP probe on n processors with the given quantum.
func bootSMP(t *testing.T, n int, quantum uint64) *testMachine {
	t.Helper()
	k, err := os.ReadFile(smpGuest)
	require.NoError(t, err)
	m := newConfiguredMachine(t, Config{Seed: 7, CPUs: n, Quantum: quantum})
	_, err = m.Boot(BootImage{Path: "smp.bin", Kernel: k})
	require.NoError(t, err)
	return m
}

// TestSMPProbe runs the probe to its end on 2, 3 and 16 processors and with
// a one-instruction quantum: every check prints the expected count.
func TestSMPProbe(t *testing.T) {
	for _, tc := range []struct {
		n       int
		quantum uint64
		want    string
	}{
		{2, 0, "spinlock, lock inc, expected 00000fa0 00000fa0 00000fa0"},
		{3, 1, "spinlock, lock inc, expected 00001770 00001770 00001770"},
		{16, 0, "spinlock, lock inc, expected 00007d00 00007d00 00007d00"},
	} {
		m := bootSMP(t, tc.n, tc.quantum)
		stop := m.runWatched(t, 10_000_000_000)
		require.Equal(t, StopDebugExit, stop.Reason, "%v\n%s", stop, m.serial.String())
		require.Contains(t, m.serial.String(), tc.want)
		require.Equal(t, m.CPUs[0].Clock, m.CPUs[tc.n-1].Clock, "one clock")
	}
}

// TestSMPDeterministic: two runs of the same image, seed and processor count
// give the same state, and a snapshot taken mid-run replays to the same end.
func TestSMPDeterministic(t *testing.T) {
	a := bootSMP(t, 3, 0)
	require.Equal(t, StopTimeLimit, a.RunFor(200_000).Reason)
	snap, err := a.Snapshot()
	require.NoError(t, err)
	require.Len(t, snap.APs, 2)
	sa := a.runWatched(t, 10_000_000_000)
	ha, err := a.StateHash()
	require.NoError(t, err)

	b := bootSMP(t, 3, 0)
	sb := b.runWatched(t, 10_000_000_000)
	hb, err := b.StateHash()
	require.NoError(t, err)
	require.Equal(t, sa, sb)
	require.Equal(t, ha, hb)
	require.Equal(t, a.serial.String(), b.serial.String())

	c := bootSMP(t, 3, 0)
	require.NoError(t, c.Restore(snap))
	c.runWatched(t, 10_000_000_000)
	hc, err := c.StateHash()
	require.NoError(t, err)
	require.Equal(t, ha, hc, "a restored snapshot replays the same run")
}

// TestSMPAPsParked: before INIT the application processors ignore a
// start-up IPI (they are halted as the firmware left them); after INIT one
// SIPI starts them in real mode at vector<<12.
func TestSMPAPsParked(t *testing.T) {
	m := newConfiguredMachine(t, Config{CPUs: 2})
	ap := m.CPUs[1]
	require.True(t, ap.Halted)
	require.False(t, ap.WaitSIPI)
	m.startupCPU(1, 0x20)
	require.True(t, ap.Halted, "SIPI before INIT is ignored")
	m.initCPU(1)
	require.True(t, ap.WaitSIPI)
	m.startupCPU(1, 0x20)
	require.False(t, ap.Halted)
	require.True(t, ap.RealMode())
	require.Equal(t, uint64(0x20000), ap.LinearRIP())
	require.Equal(t, uint16(0x2000), ap.Seg[cpu.CS].Selector)
	// Out-of-range processors are ignored.
	m.initCPU(5)
	m.startupCPU(-1, 1)
}

// TestSMPConfig refuses processor counts outside 1..MaxCPUs.
func TestSMPConfig(t *testing.T) {
	for _, n := range []int{-1, MaxCPUs + 1, 1000} {
		_, err := New(Config{CPUs: n})
		require.ErrorContains(t, err, "the machine has 1 to 16")
	}
}

// FuzzSMPMachine runs arbitrary bytes on a two-processor machine: the BSP
// starts the AP (INIT, SIPI to 0x8000) and runs the bytes in 32-bit
// protected mode with EBX at the local APIC and ESI at the I/O APIC, while
// the AP runs the same bytes in real mode at 0x8000. Whatever they do to
// each other, the APICs and the I/O APIC, the machine ends in an
// architectural outcome, never an internal error. Inputs of odd length run
// with x2APIC and the TSC-deadline timer.
func FuzzSMPMachine(f *testing.F) {
	for _, seed := range [][]byte{
		{0xF4},
		{0xC7, 0x83, 0x00, 0x03, 0x00, 0x00, 0x40, 0x00, 0x0C, 0x00, 0xEB, 0xFE}, // IPI storm to all
		{0xC7, 0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0xC7, 0x46, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFB, 0xF4},
		{0xC7, 0x83, 0x00, 0x03, 0x00, 0x00, 0x00, 0x45, 0x04, 0x00, 0xF4}, // INIT to self
		{0xF0, 0x0F, 0xC1, 0x03, 0xEB, 0xFB},
		{0x0F, 0x20, 0xC0, 0x24, 0xFE, 0x0F, 0x22, 0xC0, 0xCD, 0x10, 0xEB, 0xFE},
		// x2APIC mode, then a broadcast through the 64-bit ICR and a TSC deadline
		// (odd length: the machine has both features).
		{0xB9, 0x1B, 0x00, 0x00, 0x00, 0xB8, 0x00, 0x0D, 0xE0, 0xFE, 0x31, 0xD2, 0x0F, 0x30,
			0xB9, 0x30, 0x08, 0x00, 0x00, 0xBA, 0xFF, 0xFF, 0xFF, 0xFF, 0xB8, 0x40, 0x00, 0x00, 0x00, 0x0F, 0x30,
			0xB9, 0xE0, 0x06, 0x00, 0x00, 0x0F, 0x30, 0xFB, 0xEB, 0xFE},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, code []byte) {
		if len(code) > 512 {
			return
		}
		prologue := []byte{
			0xBB, 0x00, 0x00, 0xE0, 0xFE, // mov ebx, 0xFEE00000
			0xC7, 0x83, 0x00, 0x03, 0x00, 0x00, 0x00, 0x45, 0x0C, 0x00, // INIT to all but self
			0xC7, 0x83, 0x00, 0x03, 0x00, 0x00, 0x08, 0x46, 0x0C, 0x00, // SIPI, vector 8
			0xBE, 0x00, 0x00, 0xC0, 0xFE, // mov esi, 0xFEC00000
		}
		img := aoutImage(append(prologue, code...), 0)
		var feats []string
		if len(code)%2 == 1 {
			feats = OptionalCPUFeatures
		}
		m, err := New(Config{CPUs: 2, Quantum: 7, Seed: 3, MemBytes: 4 << 20, CPUFeatures: feats})
		require.NoError(t, err)
		_, err = m.Boot(BootImage{Path: "fuzz", Kernel: img})
		require.NoError(t, err)
		m.WritePhys(0x8000, code)
		stop := m.RunFor(20_000)
		require.NotEqual(t, StopError, stop.Reason, "%v", stop)
	})
}

// BenchmarkSMPAggregate boots the SMP speed probe (every processor runs the
// same ALU loop) on 1, 2 and 4 processors and reports the aggregate MIPS:
// all processors' retired instructions over the host CPU time (user +
// system) of the run, the best of b.N runs (a busy host only ever slows a
// run down). The switching cost of --smp N is the gap between the rows.
func BenchmarkSMPAggregate(b *testing.B) {
	k, err := os.ReadFile(smpworkGuest)
	require.NoError(b, err)
	for _, n := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("cpus=%d", n), func(b *testing.B) {
			best := 0.0
			for range b.N {
				m, err := New(Config{CPUs: n, Seed: 1})
				require.NoError(b, err)
				_, err = m.Boot(BootImage{Path: "smpwork.bin", Kernel: k})
				require.NoError(b, err)
				t0 := processCPUTime()
				stop := m.RunFor(10_000_000_000)
				elapsed := processCPUTime() - t0
				require.Equal(b, StopDebugExit, stop.Reason, "%v", stop)
				var instr uint64
				for _, c := range m.CPUs {
					instr += c.Instret
				}
				best = max(best, float64(instr)/elapsed.Seconds()/1e6)
			}
			b.ReportMetric(best, "MIPS")
		})
	}
}

// processCPUTime is the process's user + system CPU time.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
