package bench

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRegressions(t *testing.T) {
	base := Report{Entries: []Entry{
		{Workload: "crc32", Ratio: 0.10},
		{Workload: "qsort", Ratio: 0.20},
		{Workload: "boot", Ratio: 2.0},
		{Workload: "sieve"}, // no ratio in the baseline: not compared
	}}
	for _, tc := range []struct {
		name string
		cur  []Entry
		want int
	}{
		{"same", []Entry{{Workload: "crc32", Ratio: 0.10}, {Workload: "qsort", Ratio: 0.20}, {Workload: "boot", Ratio: 2}}, 0},
		{"within 15%", []Entry{{Workload: "crc32", Ratio: 0.086}, {Workload: "qsort", Ratio: 0.25}}, 0},
		{"one 20% down", []Entry{{Workload: "crc32", Ratio: 0.08}, {Workload: "qsort", Ratio: 0.20}}, 1},
		{"ratio missing", []Entry{{Workload: "crc32"}, {Workload: "boot", Ratio: 1.0}}, 2},
		{"sieve anything", []Entry{{Workload: "sieve", Ratio: 0.0001}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Regressions(base, Report{Entries: tc.cur}, 0.15)
			require.Len(t, got, tc.want, "%q", got)
		})
	}
}

func TestReportRoundTrip(t *testing.T) {
	r := NewReport(Options{Runs: 3, CPUTime: true}, []Result{
		{Workload: Workload{Name: "crc32"}, Rounds: 4, Instr: 1000, KMIPS: 100, HasQEMU: true, QMIPS: 1000},
	})
	require.Equal(t, "CPU", r.Clock)
	require.InDelta(t, 0.1, r.Entries[0].Ratio, 1e-9)
	var buf bytes.Buffer
	require.NoError(t, r.WriteJSON(&buf))
	p := t.TempDir() + "/r.json"
	require.NoError(t, writeFile(p, buf.Bytes()))
	back, err := ReadReport(p)
	require.NoError(t, err)
	require.Equal(t, r, back)
	// A baseline that never ends is refused, not read into memory.
	if _, err := os.Stat("/dev/zero"); err == nil {
		_, err = ReadReport("/dev/zero")
		require.ErrorContains(t, err, "refused after reading that much")
	}
}

func writeFile(p string, b []byte) error { return os.WriteFile(p, b, 0o644) }
