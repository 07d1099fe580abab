package bench

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/kppemu/kppemu/emu/hostio"
)

// Entry is one workload of a Report.
type Entry struct {
	Workload     string  `json:"workload"`
	Rounds       uint64  `json:"rounds"`
	Instructions uint64  `json:"instructions"`
	KppemuSec    float64 `json:"kppemu_seconds"`
	KppemuMIPS   float64 `json:"kppemu_mips"`
	QEMURounds   uint64  `json:"qemu_rounds,omitempty"`
	QEMUInstr    uint64  `json:"qemu_instructions,omitempty"`
	QEMUSec      float64 `json:"qemu_seconds,omitempty"`
	QEMUMIPS     float64 `json:"qemu_mips,omitempty"`
	Ratio        float64 `json:"kppemu_per_qemu,omitempty"`
	BochsRounds  uint64  `json:"bochs_rounds,omitempty"`
	BochsInstr   uint64  `json:"bochs_instructions,omitempty"`
	BochsSec     float64 `json:"bochs_seconds,omitempty"`
	BochsMIPS    float64 `json:"bochs_mips,omitempty"`
	BochsRatio   float64 `json:"kppemu_per_bochs,omitempty"`
	BochsError   string  `json:"bochs_error,omitempty"` // Bochs was asked for but has no numbers: why
}

// Report is the JSON form of a measurement (kppemu bench --json), and the
// format of the baseline that --check compares with.
type Report struct {
	Clock   string  `json:"clock"` // "wall" or "CPU"
	Runs    int     `json:"runs"`
	Accel   string  `json:"accel,omitempty"` // kppemu's tier: "interp" or "jit"
	Entries []Entry `json:"workloads"`
	GeoMean struct {
		KppemuMIPS float64 `json:"kppemu_mips"`
		QEMUMIPS   float64 `json:"qemu_mips,omitempty"`
		Ratio      float64 `json:"kppemu_per_qemu,omitempty"`
	} `json:"geomean"`
}

// NewReport turns results into a Report.
func NewReport(o Options, results []Result) Report {
	accel, _ := ResolveAccel(o.Accel) // Run has checked it
	r := Report{Clock: "wall", Runs: o.Runs, Accel: accel}
	if o.CPUTime {
		r.Clock = "CPU"
	}
	for _, x := range results {
		e := Entry{Workload: x.Workload.Name, Rounds: x.Rounds, Instructions: x.Instr,
			KppemuSec: x.KWall.Seconds(), KppemuMIPS: x.KMIPS}
		if x.HasQEMU {
			e.QEMURounds, e.QEMUInstr, e.QEMUSec, e.QEMUMIPS = x.QRounds, x.QInstr, x.QWall.Seconds(), x.QMIPS
			e.Ratio = x.Ratio()
		}
		if x.HasBochs {
			e.BochsRounds, e.BochsInstr = x.BRounds, x.BInstr
			e.BochsSec, e.BochsMIPS, e.BochsRatio = x.BWall.Seconds(), x.BMIPS, x.BochsRatio()
		}
		e.BochsError = x.BochsErr
		r.Entries = append(r.Entries, e)
	}
	r.GeoMean.KppemuMIPS, r.GeoMean.QEMUMIPS, r.GeoMean.Ratio = GeoMean(results)
	return r
}

// WriteJSON writes r, indented.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// maxReportFile bounds a bench report read back (one is a few KiB).
const maxReportFile = 16 << 20

// ReadReport reads a Report written by WriteJSON.
func ReadReport(path string) (Report, error) {
	var r Report
	b, err := hostio.ReadFile(path, maxReportFile, "bench report", "the "+hostio.FormatSize(maxReportFile)+" a bench report may have")
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// Regressions compares the kppemu/QEMU ratios of cur with those of base,
// workload by workload (the ratio, unlike MIPS, carries over between
// machines and loads), and returns a line for each workload whose ratio fell
// by more than tolerance (0.15: 15%), and for each baseline workload that
// cur lacks a ratio for. A workload the baseline has no ratio for is not
// compared.
func Regressions(base, cur Report, tolerance float64) []string {
	have := map[string]Entry{}
	for _, e := range cur.Entries {
		have[e.Workload] = e
	}
	var out []string
	for _, b := range base.Entries {
		if b.Ratio <= 0 {
			continue
		}
		c, ok := have[b.Workload]
		if !ok {
			continue // not measured this time (--workload)
		}
		switch {
		case c.Ratio <= 0:
			out = append(out, fmt.Sprintf("%s: no kppemu/QEMU ratio measured (baseline %.4f)", b.Workload, b.Ratio))
		case c.Ratio < b.Ratio*(1-tolerance):
			out = append(out, fmt.Sprintf("%s: kppemu/QEMU %.4f, %.0f%% below the baseline's %.4f",
				b.Workload, c.Ratio, 100*(1-c.Ratio/b.Ratio), b.Ratio))
		}
	}
	return out
}
