package record

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/images"
)

// boot returns a machine at the embedded kernel's entry.
func boot(t testing.TB, appendLine string) *emu.Machine {
	t.Helper()
	m, err := emu.New(emu.Config{Seed: 1})
	require.NoError(t, err)
	_, err = m.Boot(emu.BootImage{Path: "kernel.elf", Kernel: images.Kernel(), Append: appendLine,
		Modules: []emu.BootModule{{Cmdline: "initrd.tar", Data: images.Archive()}}})
	require.NoError(t, err)
	return m
}

// runTo runs m until it has retired exactly n instructions (the first
// point with that count), as a plain machine with no recorder.
func runTo(t testing.TB, m *emu.Machine, n uint64) {
	t.Helper()
	for m.CPU.Instret < n {
		st := m.RunTo(emu.Forever, n)
		require.Contains(t, []emu.StopReason{emu.StopTimeLimit, emu.StopBreakpoint, emu.StopDebugExit}, st.Reason, "%s", st)
	}
	require.Equal(t, n, m.CPU.Instret)
}

// recTo runs the recorder forward to exactly n instructions.
func recTo(t testing.TB, r *Recorder, n uint64) {
	t.Helper()
	m := r.Machine()
	for m.CPU.Instret < n {
		st := r.RunTo(emu.Forever, n)
		require.Contains(t, []emu.StopReason{emu.StopTimeLimit, emu.StopDebugExit}, st.Reason, "%s", st)
	}
	require.Equal(t, n, m.CPU.Instret)
}

func hash(t testing.TB, m *emu.Machine) [32]byte {
	t.Helper()
	h, err := m.StateHash()
	require.NoError(t, err)
	return h
}

// reverseAgainstForward: after n instructions and k reverse steps (for each
// k), the state hash equals that of a fresh machine run to n-k.
func reverseAgainstForward(t *testing.T, appendLine string, n uint64, ks []uint64, setup func(m *emu.Machine)) {
	m := boot(t, appendLine)
	r, err := New(m, Config{SnapshotEvery: 1 << 20})
	require.NoError(t, err)
	defer r.Close()
	recTo(t, r, n)
	atN := hash(t, m)
	for _, k := range ks {
		_, err := r.ReverseStep(k)
		require.NoError(t, err)
		require.Equal(t, n-k, m.CPU.Instret)
		got := hash(t, m)
		fresh := boot(t, appendLine)
		runTo(t, fresh, n-k)
		require.Equal(t, hash(t, fresh), got, "n=%d k=%d", n, k)
		// Forward again to n: the same state as before going back.
		recTo(t, r, n)
		require.Equal(t, atN, hash(t, m), "back at n=%d after k=%d", n, k)
	}
	cps, bytes := r.Checkpoints()
	t.Logf("n=%d: %d checkpoints, %d KiB", n, cps, bytes>>10)
}

// TestReverseBoot: over the boot (32-bit entry, long mode, paging on).
func TestReverseBoot(t *testing.T) {
	reverseAgainstForward(t, "", 12_000_000, []uint64{1, 4_000_000, 11_999_999}, nil)
}

func TestReverseStepAtStart(t *testing.T) {
	m := boot(t, "")
	r, err := New(m, Config{})
	require.NoError(t, err)
	start := hash(t, m)
	for range 5 {
		require.Equal(t, emu.StopStep, r.Step().Reason)
	}
	_, err = r.ReverseStep(10)
	require.ErrorIs(t, err, ErrNoHistory)
	require.Equal(t, start, hash(t, m))
	_, err = r.ReverseStep(1)
	require.ErrorIs(t, err, ErrNoHistory)
}

// TestReplayInput: serial input and a host poke are logged where they took
// effect; going back before them and forward again applies them again at
// the same points (the state at the end is the same), and output already
// printed is not printed twice.
func TestReplayInput(t *testing.T) {
	var out strings.Builder
	m, err := emu.New(emu.Config{Seed: 1, Serial: &out})
	require.NoError(t, err)
	_, err = m.Boot(emu.BootImage{Path: "kernel.elf", Kernel: images.Kernel(),
		Modules: []emu.BootModule{{Cmdline: "initrd.tar", Data: images.Archive()}}})
	require.NoError(t, err)
	r, err := New(m, Config{SnapshotEvery: 1 << 20})
	require.NoError(t, err)
	defer r.Close()
	require.Equal(t, emu.StopTimeLimit, r.Run(300_000_000).Reason)
	start := m.CPU.Instret
	r.Input([]byte("mem\r"))
	require.Equal(t, emu.StopTimeLimit, r.Run(320_000_000).Reason)
	scratch := symbolAddr(t, m, "housekeeping_runs")
	require.NoError(t, r.Poke(scratch, []byte{0x55}))
	require.Equal(t, emu.StopTimeLimit, r.Run(400_000_000).Reason)
	require.Contains(t, out.String(), "kpp> mem")
	printed := out.String()
	end := hash(t, m)
	require.Len(t, r.Inputs(), 2)
	require.Equal(t, InputSerial, r.Inputs()[0].Kind)
	require.Equal(t, InputMemory, r.Inputs()[1].Kind)

	_, err = r.ReverseStep(m.CPU.Instret - start + 10)
	require.NoError(t, err)
	require.Equal(t, emu.StopTimeLimit, r.Run(400_000_000).Reason)
	require.Equal(t, end, hash(t, m), "forward again: the logged input came back at its points")
	require.Equal(t, printed, out.String(), "nothing printed twice")

	// A registers change by the host is input too.
	st := m.CPU.Snapshot()
	st.GPR[0] ^= 1
	m.CPU.Restore(st)
	require.Equal(t, emu.StopTimeLimit, r.Run(410_000_000).Reason)
	end = hash(t, m)
	_, err = r.ReverseStep(5_000)
	require.NoError(t, err)
	require.Equal(t, emu.StopTimeLimit, r.Run(410_000_000).Reason)
	require.Equal(t, end, hash(t, m))
	require.Equal(t, InputCPU, r.Inputs()[len(r.Inputs())-1].Kind)

	// Restore replaces the whole state: the recording starts again there.
	snap, err := m.Snapshot()
	require.NoError(t, err)
	require.Equal(t, emu.StopTimeLimit, r.Run(420_000_000).Reason)
	require.NoError(t, m.Restore(snap))
	require.Equal(t, r.now(), r.Oldest())
	_, err = r.ReverseStep(1)
	require.ErrorIs(t, err, ErrNoHistory)
}

// bootSMP returns a machine with n processors at the SMP probe's entry
// (it starts the application processors and has them all take a spinlock
// and count, then exits).
func bootSMP(t testing.TB, n int) *emu.Machine {
	t.Helper()
	k, err := os.ReadFile("../../testdata/smp.bin")
	require.NoError(t, err)
	m, err := emu.New(emu.Config{Seed: 7, CPUs: n})
	require.NoError(t, err)
	_, err = m.Boot(emu.BootImage{Path: "smp.bin", Kernel: k})
	require.NoError(t, err)
	return m
}

// smpTo runs m (or, with r, the recorder) until the machine has retired
// exactly n instructions, all processors counted.
func smpTo(t testing.TB, m *emu.Machine, r *Recorder, n uint64) {
	t.Helper()
	for m.Instret() < n {
		var st emu.Stop
		if r != nil {
			st = r.RunTo(emu.Forever, n)
		} else {
			st = m.RunTo(emu.Forever, n)
		}
		require.Equal(t, emu.StopTimeLimit, st.Reason, "%s", st)
	}
	require.Equal(t, n, m.Instret())
}

// TestReverseSMP: with several processors the recording's points count
// every processor's instructions; after n of them and k reverse steps the
// state hash equals that of a fresh machine run to n-k, the application
// processors running (the probe's spinlock section) on the way.
func TestReverseSMP(t *testing.T) {
	const n = 500_000 // the probe exits after about 570,000
	m := bootSMP(t, 2)
	r, err := New(m, Config{SnapshotEvery: 1 << 15})
	require.NoError(t, err)
	defer r.Close()
	smpTo(t, m, r, n)
	require.NotZero(t, m.CPUs[1].Instret, "the application processor ran")
	require.Less(t, m.CPUs[1].Instret, m.CPUs[0].Instret+n)
	atN := hash(t, m)
	for _, k := range []uint64{1, 2, 4001, 200_000, n - 1} {
		_, err := r.ReverseStep(k)
		require.NoError(t, err)
		require.Equal(t, n-k, m.Instret())
		got := hash(t, m)
		fresh := bootSMP(t, 2)
		smpTo(t, fresh, nil, n-k)
		require.Equal(t, hash(t, fresh), got, "k=%d", k)
		smpTo(t, m, r, n)
		require.Equal(t, atN, hash(t, m), "back at n after k=%d", k)
	}
}

// TestSMPStepIsInput: a processor stepped alone leaves the machine's
// schedule; the step is logged, and a replay through it takes it again.
func TestSMPStepIsInput(t *testing.T) {
	m := bootSMP(t, 2)
	r, err := New(m, Config{SnapshotEvery: 1 << 15})
	require.NoError(t, err)
	defer r.Close()
	smpTo(t, m, r, 300_000)
	require.False(t, m.CPUs[1].WaitSIPI, "the application processor runs")
	for range 3 {
		r.StepCPU(1)
	}
	var steps int
	for _, in := range r.Inputs() {
		if in.Kind == InputStep {
			require.Equal(t, 1, in.Proc)
			steps++
		}
	}
	require.Equal(t, 3, steps)
	smpTo(t, m, r, 450_000)
	end := hash(t, m)
	_, err = r.ReverseStep(200_000)
	require.NoError(t, err)
	smpTo(t, m, r, 450_000)
	require.Equal(t, end, hash(t, m), "the replay stepped processor 1 alone where the recording did")
}
