package cpu

import (
	"strings"
	"testing"

	"github.com/kppemu/kppemu/cpu/jit"

	"github.com/stretchr/testify/require"
)

func TestParseAccel(t *testing.T) {
	for _, a := range []Accel{AccelInterp, AccelJIT} {
		got, err := ParseAccel(a.String())
		require.NoError(t, err)
		require.Equal(t, a, got)
	}
	for _, bad := range []string{"", "JIT", "tcg", "kvm", "interp "} {
		_, err := ParseAccel(bad)
		require.Error(t, err, "%q", bad)
		require.Contains(t, err.Error(), "interp, jit", "%q: the error lists the known names", bad)
	}
	require.Equal(t, "Accel(7)", Accel(7).String())
}

func TestAccelFromEnv(t *testing.T) {
	t.Setenv(AccelEnv, "")
	a, err := AccelFromEnv()
	require.NoError(t, err)
	require.Equal(t, DefaultAccel(), a)
	if jit.Supported {
		require.Equal(t, AccelJIT, a, "the translating tier is the default where it runs")
	} else {
		require.Equal(t, AccelInterp, a)
	}

	t.Setenv(AccelEnv, "interp")
	a, err = AccelFromEnv()
	require.NoError(t, err)
	require.Equal(t, AccelInterp, a)

	t.Setenv(AccelEnv, "fast")
	_, err = AccelFromEnv()
	require.Error(t, err)
	require.True(t, strings.HasPrefix(err.Error(), AccelEnv+": "), "the error names the variable: %v", err)
	require.Contains(t, err.Error(), `"fast"`)
}

// TestSetAccel checks that the tier can be switched back and forth, that a
// refused switch leaves the CPU where it was, and that a switch changes
// nothing of the execution: the same code gives the same state.
func TestSetAccel(t *testing.T) {
	e := newTestEnv(t, 0)
	start := e.c.Accel()
	require.Error(t, e.c.SetAccel(Accel(9)))
	require.Equal(t, start, e.c.Accel())

	require.NoError(t, e.c.SetAccel(AccelInterp))
	require.Equal(t, AccelInterp, e.c.Accel())
	if err := e.c.SetAccel(AccelJIT); err != nil {
		// Refused (no translating tier on this host or in this build):
		// the CPU stays in the interpreter and says why.
		require.Equal(t, AccelInterp, e.c.Accel())
		require.Contains(t, err.Error(), "jit")
		t.Logf("jit refused: %v", err)
	} else {
		require.Equal(t, AccelJIT, e.c.Accel())
	}
	// mov eax, 5; add eax, 7; hlt
	e.code(0xB8, 5, 0, 0, 0, 0x83, 0xC0, 7, 0xF4)
	e.run(100)
	require.Equal(t, uint64(12), e.c.GPR[RAX])
	// The tier survives a snapshot round trip (it is configuration).
	a := e.c.Accel()
	e.c.Restore(e.c.Snapshot())
	require.Equal(t, a, e.c.Accel())
	require.NoError(t, e.c.SetAccel(AccelInterp))
	require.Equal(t, AccelInterp, e.c.Accel())
}
