package bench

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/internal/textwrap"
)

// tableResults are two workloads measured on all three machines.
func tableResults() []Result {
	return []Result{
		{Workload: Workload{Name: "sieve"}, Rounds: 40, Instr: 606580690, KWall: 4 * time.Second, KMIPS: 151.6,
			HasQEMU: true, QRounds: 3800, QInstr: 57384492300, QWall: 2 * time.Second, QMIPS: 28692,
			HasBochs: true, BWall: 8 * time.Second, BMIPS: 75.8},
		{Workload: Workload{Name: "crc32"}, Rounds: 1200, Instr: 633939410, KWall: 4 * time.Second, KMIPS: 158.5,
			HasQEMU: true, QRounds: 18090, QInstr: 9498926150, QWall: 3 * time.Second, QMIPS: 3166},
	}
}

func TestWriteTextFitsWidth(t *testing.T) {
	o := Options{Runs: 3, QEMU: true, Bochs: true, CPUTime: true}
	var wide bytes.Buffer
	require.NoError(t, WriteText(&wide, o, tableResults(), 0))
	// No limit: one table, every machine's columns on the workload's row.
	require.Regexp(t, `(?m)^sieve +40 +606580690 +4\.000 s +151\.6 +3800 +57384492300 +2\.000 s +28692 +0\.0053 +8\.000 s +75\.8 +2\.00$`, wide.String())
	require.Regexp(t, `(?m)^crc32 .* n/a +n/a +n/a$`, wide.String())
	require.Equal(t, 1, strings.Count(wide.String(), "workload "))

	for _, width := range []int{100, 80, 60} {
		var b bytes.Buffer
		require.NoError(t, WriteText(&b, o, tableResults(), width))
		for _, l := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
			require.LessOrEqual(t, textwrap.Width(l), width, "at %d: %q", width, l)
		}
		// The same numbers, in tables that each start with the workloads.
		require.Regexp(t, `(?m)^sieve +40 +606580690 +4\.000 s +151\.6$`, b.String(), "at %d", width)
		if width >= 80 { // the QEMU columns fit in one table
			require.Regexp(t, `(?m)^sieve +3800 +57384492300 +2\.000 s +28692 +0\.0053$`, b.String(), "at %d", width)
		} else { // they do not: split between tables
			require.Regexp(t, `(?m)^sieve +3800 +57384492300 +2\.000 s$`, b.String(), "at %d", width)
			require.Regexp(t, `(?m)^sieve +28692 +0\.0053$`, b.String(), "at %d", width)
		}
		require.Regexp(t, `(?m)^geomean +[\d.]+ +[\d.]+$`, b.String(), "at %d", width)
		require.GreaterOrEqual(t, strings.Count(b.String(), "\nworkload "), 2, "at %d", width)
	}
}

func TestWriteTextWithoutQEMU(t *testing.T) {
	r := tableResults()[:1]
	r[0].HasQEMU, r[0].HasBochs = false, false
	var b bytes.Buffer
	require.NoError(t, WriteText(&b, Options{Runs: 1, Accel: "interp"}, r, 100))
	require.NotContains(t, b.String(), "QEMU MIPS")
	require.NotContains(t, b.String(), "Bochs")
	require.Contains(t, b.String(), "QEMU: not measured")
	require.Contains(t, b.String(), "--accel interp; wall time, median\n  of 1 boots")
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteTextError(t *testing.T) {
	require.EqualError(t, WriteText(failWriter{}, Options{Runs: 1}, tableResults(), 100), "disk full")
}

// A workload Bochs could not run says why, in the table and in the JSON report.
func TestBochsFailureReported(t *testing.T) {
	r := tableResults()
	r[1].BochsErr = `bochs: no checksum line for crc32`
	o := Options{Runs: 3, QEMU: true, Bochs: true, CPUTime: true}
	var b bytes.Buffer
	require.NoError(t, WriteText(&b, o, r, 100))
	require.Regexp(t, `(?m)^crc32 .* n/a +n/a +n/a$`, b.String())
	require.Contains(t, b.String(), "Bochs crc32: not measured: bochs: no checksum line for crc32")
	require.NotContains(t, b.String(), "Bochs sieve: not measured")

	var j bytes.Buffer
	require.NoError(t, NewReport(o, r).WriteJSON(&j))
	rep := j.String()
	require.Contains(t, rep, `"bochs_error": "bochs: no checksum line for crc32"`)
	require.Equal(t, 1, strings.Count(rep, `"bochs_error"`))
}
