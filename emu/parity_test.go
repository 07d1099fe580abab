package emu

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/images"
	"github.com/kppemu/kppemu/images/qemu"
	"github.com/kppemu/kppemu/kernel/abi"
)

// Boot parity: the same image, modules, command line and input on
// qemu-system-x86_64 (the reference machine) and on kppemu must give the
// same serial transcript line for line, apart from the lines the image
// marks as timing-dependent (abi.TimingLinePrefix), and the same
// isa-debug-exit status. QEMU missing is a skip, or a failure with
// KPPEMU_REQUIRE_QEMU=1 (as .ci/run sets).

// parityGuestLimit bounds a kppemu boot in guest time.
const parityGuestLimit = 120 * uint64(time.Second)

type parityCase struct {
	name    string
	kernel  string // file name in the test's directory
	image   []byte
	append  string
	modules []parityModule
	input   string
	devices []string // optional devices on both machines
	smp     int      // CPUs on both machines (0: one)
	noHPET  bool     // QEMU without its HPET (kppemu has none)
	// noSeed: QEMU without kppemu's seed (fw_cfg), as a plain
	// qemu-system-x86_64 -kernel boots: the kernel draws another base.
	noSeed bool
}

type parityModule struct {
	file string // file name in the test's directory
	data []byte
	args string
}

func requireQEMU(t *testing.T) {
	t.Helper()
	if qemu.Available() {
		return
	}
	if os.Getenv(qemu.RequireEnv) == "1" {
		t.Fatalf("%s not found and %s=1", qemu.Binary, qemu.RequireEnv)
	}
	t.Skipf("%s not installed (set %s=1 to make this a failure)", qemu.Binary, qemu.RequireEnv)
}

// transcript drops the timing lines and line ends.

// runParity boots c on both machines and compares.
func runParity(t *testing.T, c parityCase) {
	requireQEMU(t)
	dir := t.TempDir()
	kpath, err := qemu.WriteTemp(dir, c.kernel, c.image)
	require.NoError(t, err)
	var qmods []qemu.Module
	var mods []BootModule
	for _, m := range c.modules {
		p, err := qemu.WriteTemp(dir, m.file, m.data)
		require.NoError(t, err)
		qmods = append(qmods, qemu.Module{Path: p, Args: m.args})
		cmd := p
		if m.args != "" {
			cmd += " " + m.args
		}
		mods = append(mods, BootModule{Cmdline: cmd, Data: m.data})
	}

	// kppemu first: when the CPU cannot run the image yet there is no
	// point in starting QEMU.
	const machineSeed = 1
	m := newConfiguredMachine(t, Config{Seed: machineSeed, Devices: c.devices, CPUs: c.smp})
	serial, logs := &m.serial, &m.logs
	_, err = m.Boot(BootImage{Path: kpath, Kernel: c.image, Append: c.append, Modules: mods})
	require.NoError(t, err)
	if c.input != "" {
		m.SerialInput([]byte(c.input))
	}
	stop := m.runWatched(t, parityGuestLimit)
	if stop.Reason != StopDebugExit {
		cpuGate(t, logs.String(), stop)
	}

	// QEMU's clock follows its instruction count, as kppemu's does: where
	// the timer ticks fall relative to the guest's instructions (the
	// watchdog's view of them, what a sleep spans) then does not depend on
	// how much CPU a loaded host gives QEMU. The same seed, so the kernel
	// runs at the same base there.
	seed := qemu.SeedPtr(machineSeed)
	if c.noSeed {
		seed = nil
	}
	res, err := qemu.Run(context.Background(), qemu.Config{
		Kernel: kpath, Modules: qmods, Append: c.append, Input: c.input, ICount: true, Timeout: 90 * time.Second,
		Devices: c.devices, SMP: c.smp, NoHPET: c.noHPET, Seed: seed,
	})
	require.NoError(t, err)
	require.False(t, res.TimedOut, "QEMU timed out; serial:\n%s", res.Serial)

	want, got := qemu.Transcript(res.Serial), qemu.Transcript(serial.String())
	if i, w, g := qemu.FirstDifference(want, got); i > 0 {
		t.Fatalf("transcripts differ at line %d:\nqemu:   %q\nkppemu: %q\n\nqemu transcript:\n%s\n\nkppemu transcript (%v):\n%s",
			i, w, g, strings.Join(want, "\n"), stop, strings.Join(got, "\n"))
	}
	require.Equal(t, StopDebugExit, stop.Reason, "kppemu stopped by %v", stop)
	require.Equal(t, res.ExitCode, stop.Status, "isa-debug-exit status")
}

func TestParityTestGuest(t *testing.T) {
	k, err := os.ReadFile(testGuest)
	require.NoError(t, err)
	runParity(t, parityCase{
		name: "test-guest", kernel: "guest.elf", image: k, append: "foo  bar=baz",
		modules: []parityModule{
			{file: "m1.txt", data: []byte("hello module"), args: "arg1 arg2"},
			{file: "m2.bin", data: bytes.Repeat([]byte{0xA5}, 5000)},
			{file: "empty", data: nil},
		},
	})
}

// TestParityTimerGuest: the a.out-kludge path and the PIT/PIC interrupt
// path on both machines.
func TestParityTimerGuest(t *testing.T) {
	k, err := os.ReadFile(timerGuest)
	require.NoError(t, err)
	runParity(t, parityCase{name: "timer", kernel: "timer.bin", image: k})
}

// TestParityLowMem: an image that loads at 32 KiB, over the Multiboot
// information structure, and drives pc-testdev.
func TestParityLowMem(t *testing.T) {
	k, err := os.ReadFile(lowmemGuest)
	require.NoError(t, err)
	runParity(t, parityCase{name: "lowmem", kernel: "lowmem.bin", image: k, devices: []string{"pc-testdev"}})
}

// TestParityRealMode: real mode, 16-bit code, the IVT, the 8259 as the
// firmware leaves it, unreal mode and the way back to protected mode.
func TestParityRealMode(t *testing.T) {
	k, err := os.ReadFile(realmodeGuest)
	require.NoError(t, err)
	runParity(t, parityCase{name: "realmode", kernel: "realmode.bin", image: k})
}

// TestParitySMP: APs started with INIT/SIPI check in, IPIs of every kind,
// a spinlock and LOCK INC counter, on 2 and 4 processors.
func TestParitySMP(t *testing.T) {
	k, err := os.ReadFile(smpGuest)
	require.NoError(t, err)
	for _, n := range []int{2, 4} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			runParity(t, parityCase{name: "smp", kernel: "smp.bin", image: k, smp: n, noHPET: true})
		})
	}
}

// TestParityKernel boots the embedded kernel with scripts that cover boot,
// the driver loader, a bug check, ring 3 and the timer.
func TestParityKernel(t *testing.T) {
	initrd := parityModule{file: "initrd.tar", data: images.Archive()}
	hello, err := images.Driver("hello")
	require.NoError(t, err)
	for _, c := range []parityCase{
		{name: "boot", append: "autorun=poweroff"},
		{name: "load-unload", append: "autorun=lsmod;load hello x y;lsmod;mem;unload hello;lsmod;poweroff",
			modules: []parityModule{initrd}},
		{name: "boot-module", append: "autorun=lsmod;poweroff",
			modules: []parityModule{{file: "hello.ko", data: hello, args: "a b"}}},
		{name: "malformed", append: "autorun=load bad_magic;load bad_reloc_type;load bad_unresolved;load bad_entryfail;load missing;poweroff",
			modules: []parityModule{initrd}},
		{name: "bugcheck", append: "autorun=bugcheck 0xe2 1 2 3 4;poweroff"},
		{name: "usertest", append: "autorun=usertest;usertest fault;poweroff"},
		{name: "timers", append: "autorun=load hello;load ticktest 10;sleep 300;lsmod;unload hello;poweroff",
			modules: []parityModule{initrd}},
		{name: "idle-patchguard", append: "autorun=sleep 3000;pg;lsmod;poweroff"},
		{name: "commands", append: "autorun=help;pg;check;lsmod -a;exports;timers;poweroff",
			modules: []parityModule{initrd}},
		{name: "interactive", input: "echo hx\x7fi there\r\nbogus\rpoweroff 2\r"},
		// QEMU without kppemu's seed: the kernel draws its base with
		// RDRAND there, from the seed on kppemu; nothing an ordinary boot
		// prints may tell them apart.
		{name: "no-seed", noSeed: true, append: "autorun=lsmod;load hello x y;exports;timers;usertest;usertest fault;pg;check;mem;unload hello;poweroff",
			modules: []parityModule{initrd}},
		// The image at its link address (the opt-out).
		{name: "nokaslr", append: "nokaslr autorun=load hello;usertest fault;pg;poweroff", modules: []parityModule{initrd}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.kernel, c.image = "kernel.elf", images.Kernel()
			runParity(t, c)
		})
	}
}

// TestTranscriptMarker pins the timing-line rule the parity test applies:
// the kernel's marker of lines that may differ is the one the comparison
// drops.
func TestTranscriptMarker(t *testing.T) {
	require.Equal(t, abi.TimingLinePrefix, qemu.TimingLinePrefix)
	require.Equal(t, []string{"a", "b"}, qemu.Transcript("a\r\n~ 12 ms\r\nb\r\n"))
}
