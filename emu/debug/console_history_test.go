package debug

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The history file is read up to its last MiB: a long file keeps its
// newest lines, and a device that never ends is not read to the end.
func TestHistoryFileBounded(t *testing.T) {
	p := filepath.Join(t.TempDir(), "history")
	var b strings.Builder
	for i := 0; i < 200000; i++ { // about 2 MiB
		fmt.Fprintf(&b, "x/%d $rsp\n", i)
	}
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o644))
	h := newHistory(p)
	require.Len(t, h.lines, historySize)
	require.Equal(t, "x/199999 $rsp", h.lines[len(h.lines)-1])
	if _, err := os.Stat("/dev/zero"); err == nil {
		h = newHistory("/dev/zero")
		require.LessOrEqual(t, len(h.lines), 1)
	}
}
