package emu

import (
	"bytes"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/images"
)

// TestBlockDispatchSameExecution boots the kernel twice, with the CPU's block dispatch on
// and off, and compares the machine state every few million instructions and the serial
// transcript at the end: blocks, fused pairs and chaining must not move an interrupt, a
// fault or a code write by one instruction. The scripts cover timers and drivers, ring-3
// programs that generate code at run time, fault, and run threads.
func TestBlockDispatchSameExecution(t *testing.T) {
	for _, script := range []string{
		"autorun=load hello;load ticktest 10;sleep 300;lsmod;unload hello;poweroff",
		"autorun=run jit;run threads 3;run fault ud;run fault write;run bench qsort 1;poweroff",
	} {
		var ms [2]*Machine
		var serial [2]bytes.Buffer
		for i := range ms {
			m, err := New(Config{Serial: &serial[i], Seed: 3, MemBytes: 32 << 20,
				Logger: hclog.NewNullLogger()})
			require.NoError(t, err)
			m.CPU.SetBlockDispatch(i == 0)
			_, err = m.Boot(BootImage{Path: "kernel.elf", Kernel: images.Kernel(), Append: script,
				Modules: []BootModule{{Cmdline: "initrd.tar", Data: images.Archive()}}})
			require.NoError(t, err)
			ms[i] = m
		}
		for step := 0; ; step++ {
			var stops [2]Stop
			var hashes [2][32]byte
			for i, m := range ms {
				stops[i] = m.RunFor(20_000_000)
				h, err := m.StateHash()
				require.NoError(t, err)
				hashes[i] = h
			}
			require.Equal(t, stops[1], stops[0], "%q step %d", script, step)
			require.Equal(t, ms[1].CPU.Instret, ms[0].CPU.Instret, "%q step %d", script, step)
			require.Equal(t, hashes[1], hashes[0], "%q step %d: state differs at instruction %d", script, step, ms[0].CPU.Instret)
			if stops[0].Reason != StopTimeLimit {
				require.Equal(t, StopDebugExit, stops[0].Reason, "%v\n%s", stops[0], serial[0].String())
				break
			}
			require.Less(t, step, 100, "%q did not power off", script)
		}
		require.Equal(t, serial[1].String(), serial[0].String())
	}
}
