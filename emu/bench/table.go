package bench

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kppemu/kppemu/emu/hostio"
	"github.com/kppemu/kppemu/images/qemu"
	"github.com/kppemu/kppemu/internal/textwrap"
)

// DefaultWidth is the width the text report fits when the terminal's is
// not known.
const DefaultWidth = 100

// column is one column of the results table: a header and a cell per row
// (the geomean row last).
type column struct {
	header string
	cells  []string
}

// colGap separates the columns of the table.
const colGap = 2

// WriteText writes the results as a table with its notes, fitted to width
// columns (0: no limit). The table is one row per workload; when its
// columns do not fit, the QEMU and Bochs columns go to tables of their
// own below the first, each starting with the workload column again. It
// returns the first write error.
func WriteText(out io.Writer, o Options, results []Result, width int) error {
	ew := &hostio.ErrWriter{W: out}
	writeText(ew, o, results, width)
	return ew.Err
}

func writeText(out io.Writer, o Options, results []Result, width int) {
	clock := "wall"
	if o.CPUTime {
		clock = "CPU"
	}
	note := func(s string) { fmt.Fprintln(out, textwrap.Text(s, width, "  ")) }
	accel, _ := ResolveAccel(o.Accel) // Run has checked it
	note(fmt.Sprintf("kppemu bench: embedded kernel (%s) and initrd, program bench, --accel %s; %s time, median of %d boots minus that of a boot that only powers off",
		bootArgs, accel, clock, o.Runs))
	if len(results) == 0 {
		return
	}
	qemuCols := results[0].HasQEMU
	bochsCols := o.Bochs

	secs := func(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }
	// A value of 0: the workload did not stand out of the baseline's noise.
	num := func(format string, v float64) string {
		if v <= 0 {
			return "-"
		}
		return fmt.Sprintf(format, v)
	}
	k, q, ratio := GeoMean(results)
	b, br := BochsGeoMean(results)
	noisy := false
	name := column{header: "workload"}
	kpp := []column{{header: "rounds"}, {header: "instructions"}, {header: "kppemu " + clock}, {header: "kppemu MIPS"}}
	qem := []column{{header: "QEMU rounds"}, {header: "QEMU instr (est.)"}, {header: "QEMU " + clock}, {header: "QEMU MIPS"}, {header: "kppemu/QEMU"}}
	boc := []column{{header: "Bochs " + clock}, {header: "Bochs MIPS"}, {header: "kppemu/Bochs"}}
	add := func(cols []column, cells ...string) {
		for i := range cols {
			cols[i].cells = append(cols[i].cells, cells[i])
		}
	}
	for _, r := range results {
		noisy = noisy || r.KMIPS <= 0 || (r.HasQEMU && r.QMIPS <= 0)
		name.cells = append(name.cells, r.Workload.Name)
		add(kpp, fmt.Sprint(r.Rounds), fmt.Sprint(r.Instr), secs(r.KWall), num("%.1f", r.KMIPS))
		add(qem, fmt.Sprint(r.QRounds), fmt.Sprint(r.QInstr), secs(r.QWall), num("%.0f", r.QMIPS), num("%.4f", r.Ratio()))
		if r.HasBochs {
			add(boc, secs(r.BWall), num("%.1f", r.BMIPS), num("%.2f", r.BochsRatio()))
		} else {
			add(boc, "n/a", "n/a", "n/a")
		}
	}
	name.cells = append(name.cells, "geomean")
	add(kpp, "", "", "", num("%.1f", k))
	add(qem, "", "", "", num("%.0f", q), num("%.4f", ratio))
	add(boc, "", num("%.1f", b), num("%.2f", br))

	groups := [][]column{kpp}
	if qemuCols {
		groups = append(groups, qem)
	}
	if bochsCols {
		groups = append(groups, boc)
	}
	for i, sec := range fitColumns(name, groups, width) {
		if i > 0 {
			fmt.Fprintln(out)
		}
		writeColumns(out, sec)
	}
	if noisy {
		note("-: the workload took no longer than the baseline boot (noise); raise --scale or --qemu-time")
	}
	s := "checksums: every workload's line matched the host's reference on kppemu"
	if qemuCols {
		s += " and QEMU"
	}
	if bochsCols {
		s += " (and on Bochs where it has numbers: n/a is a boot that failed there)"
	}
	note(s)
	for _, r := range results {
		if r.BochsErr != "" {
			note("Bochs " + r.Workload.Name + ": not measured: " + r.BochsErr)
		}
	}
	if bochsCols {
		note("Bochs boots the same image from a GRUB ISO, timed from the shell's first prompt to its power-off " +
			"(a whole boot from the kernel's first line), not the firmware and GRUB; its rounds are sized to about --bochs-time of work; " +
			"its instructions are kppemu's count, extrapolated as for QEMU.")
	}
	if qemuCols {
		note("QEMU instructions are kppemu's count for the same work, extrapolated to QEMU's rounds; approximate: " +
			"timer interrupts (100 Hz; irqloop's 10 kHz) follow each machine's own clock (a tick costs ~200 " +
			"instructions: < 0.01%; irqloop's interrupts up to ~0.5% of its instructions).")
	} else {
		note("QEMU: not measured (" + qemu.Binary + " not installed, or --qemu=false)")
	}
}

// colWidth is the width of a column: its widest cell or header.
func colWidth(c column) int {
	w := textwrap.Width(c.header)
	for _, s := range c.cells {
		w = max(w, textwrap.Width(s))
	}
	return w
}

// groupWidth is the width a group of columns adds to a table.
func groupWidth(g []column) int {
	w := 0
	for _, c := range g {
		w += colGap + colWidth(c)
	}
	return w
}

// fitColumns packs the groups of columns into tables no wider than width
// (0: one table), each led by the name column. A group stays whole unless
// it alone is too wide for a table; then its columns are packed one by one.
func fitColumns(name column, groups [][]column, width int) [][]column {
	if width > 0 {
		var split [][]column
		for _, g := range groups {
			if colWidth(name)+groupWidth(g) <= width {
				split = append(split, g)
				continue
			}
			for _, c := range g {
				split = append(split, []column{c})
			}
		}
		groups = split
	}
	var secs [][]column
	cur := []column{name}
	used := colWidth(name)
	for _, g := range groups {
		gw := groupWidth(g)
		if width > 0 && len(cur) > 1 && used+gw > width {
			secs = append(secs, cur)
			cur, used = []column{name}, colWidth(name)
		}
		cur = append(cur, g...)
		used += gw
	}
	return append(secs, cur)
}

// writeColumns prints one table: the first column left-aligned, the
// numbers right-aligned.
func writeColumns(out io.Writer, cols []column) {
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = colWidth(c)
	}
	line := func(cell func(c column) string) {
		var b strings.Builder
		for i, c := range cols {
			s := cell(c)
			pad := strings.Repeat(" ", widths[i]-textwrap.Width(s))
			if i == 0 {
				b.WriteString(s + pad)
			} else {
				b.WriteString(strings.Repeat(" ", colGap) + pad + s)
			}
		}
		fmt.Fprintln(out, strings.TrimRight(b.String(), " "))
	}
	line(func(c column) string { return c.header })
	for r := range cols[0].cells {
		line(func(c column) string { return c.cells[r] })
	}
}
