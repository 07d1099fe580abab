package accelcheck

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/cpu"
	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/images"
)

// kernel builds the embedded kernel's machine with the guest command line
// script.
func kernel(script string) func(io.Writer) (*emu.Machine, error) {
	return func(serial io.Writer) (*emu.Machine, error) {
		m, err := emu.New(emu.Config{Serial: serial, Seed: 5, MemBytes: 32 << 20})
		if err != nil {
			return nil, err
		}
		_, err = m.Boot(emu.BootImage{Path: "kernel.elf", Kernel: images.Kernel(), Append: script,
			Modules: []emu.BootModule{{Cmdline: "initrd.tar", Data: images.Archive()}}})
		return m, err
	}
}

func TestParseTier(t *testing.T) {
	for _, n := range TierNames {
		tier, err := ParseTier(n)
		require.NoError(t, err)
		require.Equal(t, n, tier.String())
	}
	_, err := ParseTier("tcg")
	require.ErrorContains(t, err, `unknown tier "tcg" (known: jit, interp, step)`)
	require.Equal(t, TierInterp, TierJIT.Reference())
	require.Equal(t, TierStep, TierInterp.Reference())
	m, err := emu.New(emu.Config{MemBytes: 8 << 20})
	require.NoError(t, err)
	require.Error(t, Tier{Accel: cpu.AccelJIT, Step: true}.Apply(m))
}

// The interpreter's block dispatch against one instruction at a time over
// a boot that loads a driver, runs a program that writes and runs code and
// takes a fault: they agree chunk by chunk, serial output included.
func TestInterpAgainstStep(t *testing.T) {
	var serial bytes.Buffer
	k, err := New(Config{Machine: kernel("autorun=load hello;run jit;run fault ud;poweroff"),
		Test: TierInterp, Ref: TierStep, Every: 4_000_000, Serial: &serial})
	require.NoError(t, err)
	res, err := k.Run(emu.Forever)
	require.NoError(t, err)
	if res.Divergence != nil {
		var b strings.Builder
		res.Divergence.Report(&b)
		t.Fatal(b.String())
	}
	require.Equal(t, emu.StopDebugExit, res.Stop.Reason, "%v\n%s", res.Stop, serial.String())
	require.Greater(t, res.Chunks, 3)
	require.Equal(t, uint64(serial.Len()), res.SerialBytes, "every byte of serial output was compared")
	require.Contains(t, serial.String(), "hello")
	require.Equal(t, k.Test.CPU.Instret, res.Instructions)
}

// perturb makes the test machine differ from the reference at guest time
// at: RBX and a RAM byte flip when a run crosses it (a restored snapshot
// before it crosses it again), as a tier that mistranslated an
// instruction would.
func perturb(m *emu.Machine, at uint64, once bool) {
	prev := m.Now()
	done := false
	m.SetHooks(emu.Hooks{Poll: func() {
		now := m.Now()
		if now < prev {
			prev = now // a snapshot was restored
		}
		if prev < at && now >= at && !(once && done) {
			m.CPU.GPR[cpu.RBX] ^= 0x100
			ram := m.MMU.RAM()
			ram[len(ram)-4096+7] ^= 1
			done = true
		}
		prev = now
	}})
}

// A difference in the middle of a chunk is found in that chunk and
// narrowed to the guest time it appeared at, with what differs and both
// register sets in the report.
func TestDivergenceNarrowed(t *testing.T) {
	k, err := New(Config{Machine: kernel("autorun=run jit;poweroff"), Test: TierInterp, Ref: TierStep, Every: 1_000_000})
	require.NoError(t, err)
	const at = 2_654_321
	perturb(k.Test, at, false)
	res, err := k.Run(emu.Forever)
	require.NoError(t, err)
	d := res.Divergence
	require.NotNil(t, d)
	require.Equal(t, 2, d.Chunk)
	require.Equal(t, 2, res.Chunks)
	require.Equal(t, uint64(2_000_000), d.ChunkStart)
	require.True(t, d.Reproduced)
	require.Equal(t, uint64(at), d.Time)
	require.Equal(t, uint64(at), k.Test.Now(), "the machines are left at the first difference")
	require.Len(t, d.Diffs, 2, "%q", d.Diffs)
	require.Regexp(t, `^cpu 0: RBX: 0x[0-9a-f]+ \| 0x[0-9a-f]+$`, d.Diffs[0])
	require.Regexp(t, `^RAM page 0x1fff000: 1 byte\(s\) differ, first at 0x1fff007: `, d.Diffs[1])
	require.NotEmpty(t, d.Trace)
	var b strings.Builder
	d.Report(&b)
	rep := b.String()
	require.Contains(t, rep, "interp and step diverged in chunk 2 (guest time 2000000..3000000 ns)")
	require.Contains(t, rep, "first difference at guest time 2654321 ns")
	require.Regexp(t, `\n \* RBX +0x[0-9a-f]{16}  0x[0-9a-f]{16}\n`, rep)
	require.Regexp(t, `\n   RAX +0x[0-9a-f]{16}  0x[0-9a-f]{16}\n`, rep)
	require.Contains(t, rep, "last instructions (step):")
	t.Log(rep)
}

// A difference that a re-run from the chunk's start does not show (it
// depends on what happened before the snapshot) is reported as such.
func TestDivergenceNotReproduced(t *testing.T) {
	k, err := New(Config{Machine: kernel("autorun=poweroff"), Test: TierInterp, Ref: TierStep, Every: 2_000_000})
	require.NoError(t, err)
	perturb(k.Test, 3_000_000, true)
	res, err := k.Run(emu.Forever)
	require.NoError(t, err)
	d := res.Divergence
	require.NotNil(t, d)
	require.False(t, d.Reproduced)
	require.Equal(t, 1, d.Chunk)
	require.Equal(t, uint64(4_000_000), d.Time)
	var b strings.Builder
	d.Report(&b)
	require.Contains(t, b.String(), "does not diverge")
}

// New refuses a builder that builds two different machines.
func TestDifferentMachines(t *testing.T) {
	n := 0
	_, err := New(Config{Test: TierInterp, Ref: TierStep, Machine: func(serial io.Writer) (*emu.Machine, error) {
		n++
		return emu.New(emu.Config{MemBytes: 8 << 20, Seed: uint64(n)})
	}})
	require.ErrorContains(t, err, "built two different machines")
}

// The translating tier against the interpreter over the boot of
// TestInterpAgainstStep plus the bench workloads: they agree, and most of
// the instructions compared ran in generated code.
func TestJITAgainstInterp(t *testing.T) {
	probe, err := emu.New(emu.Config{MemBytes: 8 << 20, Accel: "interp"})
	require.NoError(t, err)
	if err := probe.SetAccel(cpu.AccelJIT); err != nil {
		t.Skipf("no translating tier on this host: %v", err)
	}
	var serial bytes.Buffer
	k, err := New(Config{Machine: kernel("autorun=load hello;run jit;run fault ud;run bench crc32 1;run bench qsort 1;poweroff"),
		Test: TierJIT, Ref: TierInterp, Every: 4_000_000, Serial: &serial})
	require.NoError(t, err)
	res, err := k.Run(emu.Forever)
	require.NoError(t, err)
	if res.Divergence != nil {
		var b strings.Builder
		res.Divergence.Report(&b)
		t.Fatal(b.String())
	}
	require.Equal(t, emu.StopDebugExit, res.Stop.Reason, "%v\n%s", res.Stop, serial.String())
	require.Contains(t, serial.String(), "qsort")
	t.Logf("%d of %d instructions ran in generated code", res.JITRan, res.Instructions)
	require.Greater(t, res.JITRan, res.Instructions/2, "most of the work ran in generated code")
}
