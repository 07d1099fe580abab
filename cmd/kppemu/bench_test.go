package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/kppemu/kppemu/emu/bench"
	"github.com/kppemu/kppemu/images/qemu"

	"github.com/stretchr/testify/require"
)

// TestBenchCommand runs `kppemu bench` on one tiny workload without QEMU:
// a table with the workload's row and the checksum note (no timing
// assertion: the MIPS figure may be "-" at this size).
func TestBenchCommand(t *testing.T) {
	r := kppemu(t, "", "bench", "--workload", "sieve", "--scale", "0.1", "--runs", "1", "--qemu=false", "--bochs=false", "--quiet")
	require.Equal(t, 0, r.status, r.stderr)
	require.Contains(t, r.stdout, "kppemu MIPS")
	require.Regexp(t, `(?m)^sieve\s+2\s+\d+\s`, r.stdout)
	for _, l := range strings.Split(r.stdout, "\n") {
		require.LessOrEqual(t, len([]rune(l)), 100, "wider than 100 columns on a pipe: %q", l)
	}
	require.Contains(t, r.stdout, "matched the host's reference on kppemu")
	require.Empty(t, r.stderr)

	r = kppemu(t, "", "bench", "--workload", "nosuch", "--qemu=false")
	require.Equal(t, exitHostError, r.status)
	require.Contains(t, r.stderr, `no such workload (have: crc32, sha256, sieve, memcpy, qsort,`)

	// The kernel shell's sysloop, as JSON.
	r = kppemu(t, "", "bench", "--workload", "sysloop", "--scale", "0.001", "--runs", "1", "--qemu=false",
		"--bochs=false", "--quiet", "--json")
	require.Equal(t, 0, r.status, r.stderr)
	var rep bench.Report
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), r.stdout)
	require.Len(t, rep.Entries, 1)
	require.Equal(t, "sysloop", rep.Entries[0].Workload)
	require.Equal(t, uint64(4000), rep.Entries[0].Rounds)
	require.Greater(t, rep.Entries[0].Instructions, uint64(4000*10))

	// Progress on stderr: lines on a pipe; with --progress (as on a
	// terminal) a bar over the measurements, never on stdout (JSON here).
	r = kppemu(t, "", "bench", "--workload", "sieve", "--scale", "0.1", "--runs", "1", "--qemu=false", "--bochs=false")
	require.Equal(t, 0, r.status, r.stderr)
	require.Regexp(t, `(?m)^kppemu baseline: \d+ instructions`, r.stderr)
	require.Regexp(t, `(?m)^kppemu sieve: 2 rounds`, r.stderr)
	require.NotContains(t, r.stderr, "\r", "a bar on a pipe")
	r = kppemu(t, "", "bench", "--workload", "sieve", "--scale", "0.1", "--runs", "1", "--qemu=false", "--bochs=false",
		"--progress", "--json")
	require.Equal(t, 0, r.status, r.stderr)
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), r.stdout)
	require.Contains(t, r.stderr, "kppemu sieve")
	require.Regexp(t, `kppemu sieve +50% \|.*\| \(1/2\)`, r.stderr)
	require.Contains(t, r.stderr, "kppemu sieve: 2 rounds", "the measurement's line, above the bar")

	// --check compares ratios with QEMU: without it, a clear error.
	r = kppemu(t, "", "bench", "--workload", "sieve", "--qemu=false", "--check", "../../emu/bench/baseline.json")
	require.Equal(t, exitHostError, r.status)
	require.Contains(t, r.stderr, "--check compares kppemu/QEMU ratios")

	// A baseline of one tier does not check another: refused before anything runs.
	if _, err := exec.LookPath(qemu.Binary); err == nil {
		r = kppemu(t, "", "bench", "--workload", "sieve", "--accel", "jit", "--check", "../../emu/bench/baseline.json")
		require.Equal(t, exitHostError, r.status)
		require.Contains(t, r.stderr, "baseline.json measured the interp tier, this run measures jit (--accel interp)")
	}
}
