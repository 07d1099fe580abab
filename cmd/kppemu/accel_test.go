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

// boot --accel-check runs the guest on two machines and says they agree;
// misuse is a host error that says why.
func TestBootAccelCheck(t *testing.T) {
	t.Setenv(cpu.AccelEnv, "interp") // the tier under test; the default's is cpu.DefaultAccel's
	r := kppemu(t, "", "boot", "--accel-check", "3000000", "--driver", "initrd", "--mem", "32M",
		"--append", "autorun=run jit;poweroff")
	require.Equal(t, 1, r.status, r.stderr)
	require.Contains(t, r.stdout, "jit: ", "the test machine's serial output is shown")
	require.Contains(t, r.stderr, "kppemu: accel-check: interp against step, compared every 3000000 instructions\n")
	require.Regexp(t, `kppemu: accel-check: interp and step agree: \d+ chunk\(s\), \d+ instructions, \d+ ns of guest time, \d+ byte\(s\) of serial output\n`, r.stderr)

	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--accel-check", "0"}, "--accel-check needs a chunk length N > 0"},
		{[]string{"--accel-check", "1000", "-s"}, "--accel-check does not combine with --s"},
		{[]string{"--accel-check", "1000", "--debug-on", "bugcheck"}, "--accel-check does not combine with --debug-on"},
		{[]string{"--accel-check", "1000", "--accel-ref", "tcg"}, `--accel-ref: unknown tier "tcg" (known: jit, interp, step)`},
		{[]string{"--accel-check", "1000", "--accel-ref", "interp"}, "the reference tier is the tier under test (interp)"},
	} {
		r := kppemu(t, "", append([]string{"boot", "--max-time", "1ms"}, c.args...)...)
		require.Equal(t, exitHostError, r.status, "%v: %s", c.args, r.stderr)
		require.Contains(t, r.stderr, c.msg, "%v", c.args)
	}
}
