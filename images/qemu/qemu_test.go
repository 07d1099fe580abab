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
