package emu

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/kernel/abi"
)

// TestKASLR: with kaslr=1 the kernel runs at a random 4 KiB-aligned base
// drawn from the machine's seed (the same for one seed, another for
// another), tells the host where before anything else, and the host's
// symbols follow it; the console reads as without kaslr.
func TestKASLR(t *testing.T) {
	const script = "autorun=load hello;load ticktest 10;sleep 300;lsmod;exports;usertest fault;mem;unload hello;poweroff"
	run := func(appendLine string, seed uint64) (*testMachine, []Event) {
		m := bootKernel(t, appendLine, seed)
		var evs []Event
		m.Subscribe(func(e Event) { evs = append(evs, e) })
		s := m.runWatched(t, parityGuestLimit)
		m.gate(t, s.Reason == StopDebugExit, s)
		require.Equal(t, StopDebugExit, s.Reason, "%v\n%s", s, m.serial.String())
		return m, evs
	}
	plain, plainEvs := run(script, 3)
	require.Equal(t, uint32(abi.EvKernelBase), plainEvs[0].Type)
	require.Zero(t, plainEvs[0].Args[1], "no slide without kaslr=1")

	slides := map[uint64]bool{}
	for _, seed := range []uint64{3, 4} {
		m, evs := run("kaslr=1 "+script, seed)
		require.Equal(t, uint32(abi.EvKernelBase), evs[0].Type, "the first event")
		base, slide := evs[0].Args[0], evs[0].Args[1]
		require.NotZero(t, slide)
		require.Zero(t, slide%4096)
		res := m.Symbols()
		require.Equal(t, slide, res.KernelSlide())
		start, err := res.Address("__kernel_start")
		require.NoError(t, err)
		require.Equal(t, base, start)
		kmain, err := res.Address("kmain")
		require.NoError(t, err)
		require.Equal(t, "kernel!kmain+0x4", res.Name(kmain+4))
		slides[slide] = true

		strip := func(s string) []string {
			var out []string
			for _, l := range transcript(s) {
				if !strings.HasPrefix(l, "boot: command line") {
					out = append(out, l)
				}
			}
			return out
		}
		require.Equal(t, strip(plain.serial.String()), strip(m.serial.String()))

		// A snapshot keeps the slide.
		snap, err := m.Snapshot()
		require.NoError(t, err)
		m.Symbols().SetKernelSlide(0)
		require.NoError(t, m.Restore(snap))
		require.Equal(t, slide, m.Symbols().KernelSlide())
	}
	require.Len(t, slides, 2, "two seeds, two bases")
}
