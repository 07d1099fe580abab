package qemu

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSeedArgs: a seed reaches QEMU as the fw_cfg file the kernel reads
// its base from, eight bytes little-endian.
func TestSeedArgs(t *testing.T) {
	require.NotContains(t, strings.Join(Args(Config{Kernel: "k"}), " "), "-fw_cfg")
	dir := t.TempDir()
	p, err := WriteSeed(dir, 0x0102030405060708)
	require.NoError(t, err)
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Equal(t, []byte{8, 7, 6, 5, 4, 3, 2, 1}, b)
	args := Args(Config{Kernel: "k", SeedFile: "/a,b"})
	require.Equal(t, []string{"-fw_cfg", "name=opt/kppemu/seed,file=/a,,b"}, args[len(args)-2:])
}

func TestFirstDifference(t *testing.T) {
	line, x, y := FirstDifference([]string{"a", "b"}, []string{"a", "b"})
	require.Equal(t, 0, line)
	require.Empty(t, x+y)
	line, x, y = FirstDifference([]string{"a", "b", "c"}, []string{"a", "x", "c"})
	require.Equal(t, []any{2, "b", "x"}, []any{line, x, y})
	line, x, y = FirstDifference([]string{"a"}, []string{"a", "more"})
	require.Equal(t, []any{2, "", "more"}, []any{line, x, y})
}

func TestInOrder(t *testing.T) {
	lines := []string{"boot: one two", "three", "one"}
	require.Equal(t, 3, InOrder(lines, []string{"one", "two", "three"}))
	// Each match starts after the previous one, in the same line too.
	require.Equal(t, 1, InOrder([]string{"two one"}, []string{"one", "two"}))
	require.Equal(t, 4, InOrder(lines, []string{"one", "two", "three", "one"}))
	require.Equal(t, 2, InOrder(lines, []string{"one", "two", "four"}))
	require.Equal(t, 0, InOrder(nil, []string{"x"}))
}
