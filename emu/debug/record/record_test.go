package record

import (
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
