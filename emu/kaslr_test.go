package emu

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/images"
	"github.com/kppemu/kppemu/images/qemu"
	"github.com/kppemu/kppemu/kernel/abi"
)

// TestKASLR: by default the kernel runs at a random 4 KiB-aligned base
// drawn from the machine's seed (the same for one seed, another for
// another), tells the host where before anything else, and the host's
// symbols follow it; the console reads as with the image at its link
// address (kaslr=0 or nokaslr).
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
	strip := func(s string) []string {
		var out []string
		for _, l := range qemu.Transcript(s) {
			if !strings.HasPrefix(l, "boot: command line") {
				out = append(out, l)
			}
		}
		return out
	}
	plain, plainEvs := run("kaslr=0 "+script, 3)
	require.Equal(t, uint32(abi.EvKernelBase), plainEvs[0].Type)
	require.Zero(t, plainEvs[0].Args[1], "no slide with kaslr=0")
	_, evs := run("kaslr=1 nokaslr "+script, 3)
	require.Zero(t, evs[0].Args[1], "no slide with nokaslr (the last word counts)")

	slides := map[uint64]bool{}
	for _, c := range []struct {
		append string
		seed   uint64
	}{{script, 3}, {script, 4}, {"nokaslr kaslr=1 " + script, 3}} {
		m, evs := run(c.append, c.seed)
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
		require.Equal(t, strip(plain.serial.String()), strip(m.serial.String()))

		// A snapshot keeps the slide.
		snap, err := m.Snapshot()
		require.NoError(t, err)
		m.Symbols().SetKernelSlide(0)
		require.NoError(t, m.Restore(snap))
		require.Equal(t, slide, m.Symbols().KernelSlide())
	}
	require.Len(t, slides, 2, "two seeds, two bases; kaslr=1 after nokaslr as by default")
}

// TestParityStopScreenKASLR: a 0x109 stop screen names the changed
// region's address, a kernel address that moves with the kernel's base.
// QEMU given kppemu's seed (fw_cfg) puts the kernel at the same base and
// prints the same stop screen; without it, the kernel draws another base
// there and only that address differs.
func TestParityStopScreenKASLR(t *testing.T) {
	requireQEMU(t)
	const cmd = "pg.profile=test pg.seed=7 autorun=load attack_a1;sleep 3000;poweroff"
	const seed = 5
	m := bootKernel(t, cmd, seed)
	s := m.runWatched(t, parityGuestLimit)
	m.gate(t, s.Reason == StopDebugExit, s)
	require.Equal(t, StopDebugExit, s.Reason, "%v\n%s", s, m.serial.String())
	bc, ok := m.BugCheck()
	require.True(t, ok, "no bug check:\n%s", m.serial.String())
	require.Equal(t, uint64(abi.BugCriticalStructureCorruption), bc.Args[0])
	slide := m.Symbols().KernelSlide()
	require.NotZero(t, slide)
	require.True(t, strings.HasPrefix(m.Symbols().Name(bc.Args[3]), "kernel!service_table"),
		"the third parameter, %#x (%s), is the service table at the kernel's base", bc.Args[3], m.Symbols().Name(bc.Args[3]))

	// The stop screen and the lines that name the region.
	stop := func(serial string) []string {
		var out []string
		for _, l := range qemu.Transcript(serial) {
			if strings.HasPrefix(l, "***") {
				out = append(out, l)
			}
		}
		return out
	}
	want := stop(m.serial.String())
	require.Contains(t, strings.Join(want, "\n"), fmt.Sprintf(",0x%016x,", bc.Args[3]))

	dir := t.TempDir()
	kpath, err := qemu.WriteTemp(dir, "kernel.elf", images.Kernel())
	require.NoError(t, err)
	apath, err := qemu.WriteTemp(dir, "initrd.tar", images.Archive())
	require.NoError(t, err)
	boot := func(seed *uint64) []string {
		res, err := qemu.Run(context.Background(), qemu.Config{Kernel: kpath, Modules: []qemu.Module{{Path: apath}},
			Append: cmd, ICount: true, Timeout: 90 * time.Second, Seed: seed})
		require.NoError(t, err)
		require.False(t, res.TimedOut, "QEMU timed out; serial:\n%s", res.Serial)
		return stop(res.Serial)
	}
	require.Equal(t, want, boot(qemu.SeedPtr(seed)), "QEMU with kppemu's seed")

	other := boot(nil)
	require.Len(t, other, len(want))
	diff := 0
	for i := range want {
		if want[i] != other[i] {
			diff++
			require.True(t, strings.HasPrefix(want[i], "*** STOP: 0x00000109"), "only the stop line may differ: %q vs %q", want[i], other[i])
		}
	}
	t.Logf("QEMU without the seed: %d stop-screen line(s) differ (the kernel elsewhere)", diff)
}
