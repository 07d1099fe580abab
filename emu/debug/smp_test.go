package debug

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/emu"
)

// smpProbe is package emu's SMP probe: the bootstrap processor starts the
// others with INIT and start-up IPIs (its addresses are fixed: the image
// has no symbols).
const smpProbe = "../testdata/smp.bin"

const (
	smpAfterInit = 0x1009d // the BSP, right after the INIT IPI
	smpSIPI      = 0x100a2 // call send_ipi: the first start-up IPI
	smpAPMain    = 0x105fe // the application processors' 32-bit entry
	smpCheckins  = 0x11034 // the count of processors that checked in
)

func smpSession(t testing.TB, n int) *Session {
	t.Helper()
	k, err := os.ReadFile(smpProbe)
	require.NoError(t, err)
	m, err := emu.New(emu.Config{Seed: 7, CPUs: n})
	require.NoError(t, err)
	_, err = m.Boot(emu.BootImage{Path: "smp.bin", Kernel: k})
	require.NoError(t, err)
	s, err := New(m, Config{Kernel: k, Record: true})
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

var smpScript = []string{
	"info cpus",
	"b 0x1009d", "c", "info cpus",
	"stepi", "nexti", "info cpus",
	"b 0x105fe", "c", "info cpus", "regs",
	"stepi 3", "x/2xw 0x11030",
	"cpu 0", "stepi 2", "info cpus",
	"cpu", "cpu 1", "stepi",
	"delete", "watch w 0x11034 4", "c", "info cpus",
	"poke 0x600 aa", "xp/1xb 0x600",
	"record on",
	"cpu 2", "cpu x",
	"delete", "c", "info cpus",
	"whowrote 0x11034 4", "rs 1000", "info cpus", "rc",
}

// TestSMPConsole: on two processors the console lists each (APIC ID, mode,
// state, RIP), a breakpoint and a watchpoint say which processor hit them
// and select it, `cpu N` selects the one regs, x, stepi act on, and the
// same script gives the same transcript (golden) twice.
func TestSMPConsole(t *testing.T) {
	got := transcript(t, smpSession(t, 2), smpScript...)
	again := transcript(t, smpSession(t, 2), smpScript...)
	require.Equal(t, got, again, "stepping two processors is deterministic")
	golden(t, "smp.txt", got)

	// Before the INIT, the application processor is parked (halted with
	// interrupts off); after it, it waits for a start-up IPI; after the
	// first SIPI it runs in real mode at the trampoline.
	parts := strings.Split(got, Prompt+"info cpus\n")
	require.Len(t, parts, 9)
	require.Regexp(t, `\* 0 +0 +protected 32-bit +running +0x0+10020`, parts[1])
	require.Regexp(t, `  1 +1 +real 16-bit +halted, IF=0 `, parts[1])
	require.Contains(t, parts[1], "Breakpoint 1, 0x1009d on cpu 0\n[cpu 0] =>")
	require.Regexp(t, `  1 +1 +real 16-bit +wait-for-SIPI `, parts[2])
	require.Regexp(t, `  1 +1 +real 16-bit +running +0x0+11000 `, parts[3])
	require.Contains(t, parts[3], "Breakpoint 2, 0x105fe on cpu 1\n[cpu 1] => 0x00000000000105fe")
	require.Regexp(t, `\* 1 +1 +protected 32-bit +running +0x0+105fe`, parts[4])
	require.Contains(t, parts[4], "cs 0x0008 base=0x0")
	require.Contains(t, parts[4], "Selected cpu 0.\n[cpu 0] =>")
	require.Regexp(t, `\* 0 +0 `, parts[5])
	require.Contains(t, parts[5], "Watchpoint 3: cpu 1: write of 4 bytes at 0x11034")
	require.Regexp(t, `\* 1 +1 `, parts[6])
	require.Contains(t, parts[6], "0x0000000000000600: 0xaa")
	require.NotContains(t, parts[6], "error: record on")
	require.Contains(t, parts[6], "error: cpu: no processor 2 (the machine has 2: 0 to 1)")
	require.Contains(t, parts[6], "exit status 33")
	require.Regexp(t, `\* 1 +1 +protected 32-bit +halted, IF=0 `, parts[7])
	// Recorded on both processors: whowrote names the one that wrote (the
	// LOCK INC the watchpoint caught), and a reverse step goes back to
	// where both ran.
	require.Contains(t, parts[7], "(cpu 1, CPL 0): lock inc dword ptr [0x11034]")
	require.Regexp(t, `  0 +0 +protected 32-bit +running `, parts[8])
	require.Regexp(t, `\* 1 +1 +protected 32-bit +running `, parts[8])
}
