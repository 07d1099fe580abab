package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBenchCommand runs `kppemu bench` on one tiny workload without QEMU:
// a table with the workload's row and the checksum note (no timing
// assertion: the MIPS figure may be "-" at this size).
func TestBenchCommand(t *testing.T) {
	r := kppemu(t, "", "bench", "--workload", "sieve", "--scale", "0.1", "--runs", "1", "--qemu=false", "--quiet")
	require.Equal(t, 0, r.status, r.stderr)
	require.Contains(t, r.stdout, "kppemu MIPS")
	require.Regexp(t, `(?m)^\s+sieve\s+2\s+\d+\s`, r.stdout)
	require.Contains(t, r.stdout, "matched the host's reference on kppemu")
	require.Empty(t, r.stderr)

	r = kppemu(t, "", "bench", "--workload", "nosuch", "--qemu=false")
	require.Equal(t, exitHostError, r.status)
	require.Contains(t, r.stderr, `no such workload (have: crc32, sha256, sieve, memcpy, qsort,`)
}
