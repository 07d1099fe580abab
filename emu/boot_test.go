package emu

import (
	"bytes"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/internal/cputime"
	"github.com/kppemu/kppemu/kernel/abi"
)

// testGuest is the committed Multiboot test guest (make testguest).
const testGuest = "testdata/guest.elf"

// lowmemGuest is the probe image that loads at 32 KiB (make testguest).
const lowmemGuest = "testdata/lowmem.bin"

// realmodeGuest is the real-mode probe image (make testguest).
const realmodeGuest = "testdata/realmode.bin"

// smpGuest is the SMP probe image (make testguest).
const smpGuest = "testdata/smp.bin"

// smpworkGuest is the SMP speed probe (make testguest).
const smpworkGuest = "testdata/smpwork.bin"

// testMachine is a 128 MiB machine whose serial output and logs are kept.
type testMachine struct {
	*Machine
	serial bytes.Buffer
	logs   bytes.Buffer
}

func newTestMachine(t testing.TB) *testMachine { return newSeededMachine(t, 1) }

func newSeededMachine(t testing.TB, seed uint64) *testMachine {
	t.Helper()
	return newConfiguredMachine(t, Config{Seed: seed})
}

// newConfiguredMachine builds a machine from cfg with the test's serial
// buffer and a logger writing to the test's log buffer.
func newConfiguredMachine(t testing.TB, cfg Config) *testMachine {
	t.Helper()
	tm := &testMachine{}
	cfg.Serial = &tm.serial
	cfg.Logger = hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: &tm.logs})
	m, err := New(cfg)
	require.NoError(t, err)
	tm.Machine = m
	return tm
}

// cpuLimit bounds a test run in host CPU time (of the thread that runs
// the guest), so that a guest that spins where it should idle fails the
// test instead of stalling it, after the same work on a loaded host as on
// an idle one.
const cpuLimit = 3 * time.Minute

// runWatched runs for d ns of guest time, or until the run has used
// cpuLimit of host CPU time (then the stop is StopRequested and the test
// fails).
func (tm *testMachine) runWatched(t testing.TB, d uint64) Stop {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	end := cputime.Guard(cputime.CurrentThread(), cpuLimit, tm.RequestStop)
	s := tm.RunFor(d)
	if end() && s.Reason == StopRequested {
		t.Fatalf("no result after %v of host CPU time (guest time %d ns); serial:\n%s", cpuLimit, tm.Now(), tm.serial.String())
	}
	return s
}

// bootFile boots a kernel file from testdata.
func (tm *testMachine) bootFile(t testing.TB, path, appendLine string, mods ...BootModule) {
	t.Helper()
	k, err := os.ReadFile(path)
	require.NoError(t, err)
	_, err = tm.Boot(BootImage{Path: path, Kernel: k, Append: appendLine, Modules: mods})
	require.NoError(t, err)
}

// gate skips the test when the run failed in the CPU (an instruction it
// lacks, a triple fault, an internal error) while the CPU is being built
// alongside; KPPEMU_REQUIRE_CPU=1 (set by .ci/run) makes that a failure.
// ok says whether the run did what the test wanted.
func (tm *testMachine) gate(t testing.TB, ok bool, s Stop) {
	t.Helper()
	if !ok {
		cpuGate(t, tm.logs.String(), s)
	}
}

// cpuGate skips (or, with KPPEMU_REQUIRE_CPU=1, fails) a test whose run
// ended in a CPU failure.
func cpuGate(t testing.TB, logs string, s Stop) {
	t.Helper()
	why := ""
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, "unimplemented") {
			why = strings.TrimSpace(l)
			break
		}
	}
	if why == "" && (s.Reason == StopTripleFault || s.Reason == StopError) {
		why = s.String()
	}
	if why == "" {
		return
	}
	if os.Getenv("KPPEMU_REQUIRE_CPU") == "1" {
		t.Fatalf("the CPU failed: %s (stop: %v)", why, s)
	}
	t.Skipf("the CPU is not complete yet: %s (stop: %v)", why, s)
}

func TestBootTestGuest(t *testing.T) {
	m := newTestMachine(t)
	m.bootFile(t, testGuest, "foo bar",
		BootModule{Cmdline: "m1.txt arg1 arg2", Data: []byte("hello module")},
		BootModule{Cmdline: "m2.txt", Data: []byte("A=1\nB=2\n")})
	serial := &m.serial
	var events []Event
	m.Subscribe(func(e Event) { events = append(events, e) })
	s := m.RunFor(1_000_000_000)
	m.gate(t, s.Reason == StopDebugExit, s)
	require.Equal(t, StopDebugExit, s.Reason, "stop: %v", s)
	require.Equal(t, 1, s.Status)
	out := serial.String()
	require.Contains(t, out, "kppemu test guest: long mode\r\n")
	require.Contains(t, out, "cmdline ["+testGuest+" foo bar]\r\n")
	require.Contains(t, out, "mod [m1.txt arg1 arg2] 0000000c 000004ba\r\n")
	require.Contains(t, out, "mod [m2.txt] 00000008 00000174\r\n")
	require.True(t, strings.HasSuffix(out, "bye\r\n"))
	require.Len(t, events, 1)
	require.Equal(t, uint32(abi.EvLog), events[0].Type)
	require.Equal(t, "test guest: boot path ok", events[0].Text)
}
