package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/cpu"
)

// --accel on every command that builds a machine, and KPPEMU_ACCEL: an
// unknown tier is a host error that names where it came from.
func TestAccelFlag(t *testing.T) {
	t.Setenv(cpu.AccelEnv, "")
	for _, args := range [][]string{
		{"boot", "--accel", "tcg", "--max-time", "1ms"},
		{"debug", "--accel", "tcg"},
		{"run", "--accel", "tcg", "../../scenarios/a01_service_table.hcl"},
		{"run", "../../scenarios/a01_service_table.hcl", "--accel", "tcg"},
		{"bench", "--accel", "tcg", "--qemu=false", "--bochs=false"},
	} {
		r := kppemu(t, "", args...)
		require.Equal(t, exitHostError, r.status, "%v: %s", args, r.stderr)
		require.Contains(t, r.stderr, `--accel: unknown accelerator "tcg" (known: interp, jit)`, "%v", args)
	}
	r := kppemu(t, "", "help", "boot")
	require.Contains(t, r.stdout, "--accel NAME")

	r = kppemu(t, "", "boot", "--accel", "interp", "--max-time", "1ms", "--serial", "/dev/null")
	require.Equal(t, 0, r.status, r.stderr)

	t.Setenv(cpu.AccelEnv, "turbo")
	r = kppemu(t, "", "boot", "--max-time", "1ms", "--serial", "/dev/null")
	require.Equal(t, exitHostError, r.status, r.stderr)
	require.Contains(t, r.stderr, `KPPEMU_ACCEL: unknown accelerator "turbo"`)
	// --accel wins over the environment.
	r = kppemu(t, "", "boot", "--accel", "interp", "--max-time", "1ms", "--serial", "/dev/null")
	require.Equal(t, 0, r.status, r.stderr)
}
