package emu

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/images"
)

// bootKernel boots the embedded kernel with the initrd archive.
func bootKernel(t testing.TB, appendLine string, seed uint64) *testMachine {
	t.Helper()
	tm := newSeededMachine(t, seed)
	_, err := tm.Boot(BootImage{Path: "kernel.elf", Kernel: images.Kernel(), Append: appendLine,
		Modules: []BootModule{{Cmdline: "initrd.tar", Data: images.Archive()}}})
	require.NoError(t, err)
	return tm
}

const kernelScript = "autorun=load hello;load ticktest 10;sleep 300;lsmod;mem;unload hello;poweroff"

// TestKernelDeterministic: the same kernel, modules, command line and seed
// give the same serial output, timing lines included, and the same final
// machine state.
func TestKernelDeterministic(t *testing.T) {
	var outs [2]string
	var hashes [2][32]byte
	for i := range outs {
		m := bootKernel(t, kernelScript, 7)
		s := m.runWatched(t, parityGuestLimit)
		m.gate(t, s.Reason == StopDebugExit, s)
		require.Equal(t, StopDebugExit, s.Reason, "%v\n%s", s, m.serial.String())
		outs[i] = m.serial.String()
		var err error
		hashes[i], err = m.StateHash()
		require.NoError(t, err)
	}
	require.Equal(t, outs[0], outs[1])
	require.Equal(t, hashes[0], hashes[1])
}

// TestKernelSnapshotFork snapshots the kernel mid-boot (its timers armed)
// and runs the rest twice from the snapshot.
func TestKernelSnapshotFork(t *testing.T) {
	m := bootKernel(t, kernelScript, 1)
	s := m.RunFor(150_000_000)
	m.gate(t, s.Reason == StopTimeLimit, s)
	require.Equal(t, StopTimeLimit, s.Reason, "%v\n%s", s, m.serial.String())
	snap, err := m.Snapshot()
	require.NoError(t, err)
	mark := m.serial.Len()

	var rest [2]string
	var hashes [2][32]byte
	for i := range rest {
		if i > 0 {
			require.NoError(t, m.Restore(snap))
			m.serial.Truncate(mark)
		}
		s := m.runWatched(t, parityGuestLimit)
		require.Equal(t, StopDebugExit, s.Reason, "%v", s)
		rest[i] = m.serial.String()[mark:]
		hashes[i], err = m.StateHash()
		require.NoError(t, err)
	}
	require.Contains(t, rest[0], "power off")
	require.Equal(t, rest[0], rest[1])
	require.Equal(t, hashes[0], hashes[1])
}
