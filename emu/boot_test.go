package emu

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/kernel/abi"
)

// testGuest is the committed Multiboot test guest (make testguest).
const testGuest = "testdata/guest.elf"

// bootTestGuest builds a 128 MiB machine with the test guest loaded.
func bootTestGuest(t testing.TB, appendLine string, mods ...BootModule) (*Machine, *bytes.Buffer) {
	t.Helper()
	k, err := os.ReadFile(testGuest)
	require.NoError(t, err)
	var serial bytes.Buffer
	m, err := New(Config{Serial: &serial, Seed: 1})
	require.NoError(t, err)
	_, err = m.Boot(BootImage{Path: testGuest, Kernel: k, Append: appendLine, Modules: mods})
	require.NoError(t, err)
	return m, &serial
}

var (
	cpuProbeOnce sync.Once
	cpuProbeErr  string
)

// requireCPU skips a test that needs the CPU to run the test guest to its
// end while the CPU cannot do that yet (it is being built alongside);
// KPPEMU_REQUIRE_CPU=1 turns the skip into a failure.
func requireCPU(t *testing.T) {
	t.Helper()
	cpuProbeOnce.Do(func() {
		m, _ := bootTestGuest(t, "")
		if s := m.RunFor(1_000_000_000); s.Reason != StopDebugExit {
			cpuProbeErr = s.String()
		}
	})
	if cpuProbeErr == "" {
		return
	}
	if os.Getenv("KPPEMU_REQUIRE_CPU") == "1" {
		t.Fatalf("the CPU cannot run the test guest: %s", cpuProbeErr)
	}
	t.Skipf("the CPU cannot run the test guest yet: %s", cpuProbeErr)
}

func TestBootTestGuest(t *testing.T) {
	requireCPU(t)
	m, serial := bootTestGuest(t, "foo bar",
		BootModule{Cmdline: "m1.txt arg1 arg2", Data: []byte("hello module")},
		BootModule{Cmdline: "m2.txt", Data: []byte("A=1\nB=2\n")})
	var events []Event
	m.Subscribe(func(e Event) { events = append(events, e) })
	s := m.RunFor(1_000_000_000)
	t.Logf("serial:\n%s", serial.String())
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
