package emu

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/cpu"
)

// Config.Accel applies to every processor, KPPEMU_ACCEL is the default,
// and an unknown name in either is an error of New, never ignored.
func TestConfigAccel(t *testing.T) {
	t.Setenv(cpu.AccelEnv, "")
	m, err := New(Config{MemBytes: 8 << 20, CPUs: 3})
	require.NoError(t, err)
	require.Equal(t, cpu.DefaultAccel().String(), m.Config().Accel)
	for _, c := range m.CPUs {
		require.Equal(t, cpu.DefaultAccel(), c.Accel())
	}

	_, err = New(Config{MemBytes: 8 << 20, Accel: "tcg"})
	require.ErrorContains(t, err, `unknown accelerator "tcg" (known: interp, jit)`)

	t.Setenv(cpu.AccelEnv, "kvm")
	_, err = New(Config{MemBytes: 8 << 20})
	require.ErrorContains(t, err, cpu.AccelEnv+`: unknown accelerator "kvm"`)
	// An explicit tier wins over the environment.
	m, err = New(Config{MemBytes: 8 << 20, Accel: "interp"})
	require.NoError(t, err)
	require.Equal(t, cpu.AccelInterp, m.Accel())

	t.Setenv(cpu.AccelEnv, "jit")
	m, err = New(Config{MemBytes: 8 << 20, CPUs: 2})
	if err != nil {
		// This host or build has no translating tier: New says so.
		require.ErrorContains(t, err, "jit")
		t.Logf("jit refused: %v", err)
		return
	}
	require.Equal(t, "jit", m.Config().Accel)
	for _, c := range m.CPUs {
		require.Equal(t, cpu.AccelJIT, c.Accel())
	}
	require.NoError(t, m.SetAccel(cpu.AccelInterp))
	for _, c := range m.CPUs {
		require.Equal(t, cpu.AccelInterp, c.Accel())
	}
}
