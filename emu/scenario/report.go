package scenario

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is everything `kppemu run` prints.
type Report struct {
	Results   []*Result  `json:"results"`
	Summaries []*Summary `json:"summaries"`
	Passed    bool       `json:"passed"`
}

// NewReport summarises results.
func NewReport(results []*Result) *Report {
	rep := &Report{Results: results, Summaries: Summarize(results), Passed: true}
	for _, r := range results {
		if r.Outcome == Fail || r.Outcome == Error {
			rep.Passed = false
		}
	}
	for _, s := range rep.Summaries {
		sortGroups(s.Groups)
	}
	return rep
}

// sortGroups orders region-type groups by type and leaves variants in
// their declared order.
func sortGroups(g []Stats) {
	typeOf := func(s string) (uint64, bool) {
		if !strings.HasPrefix(s, "type ") {
			return 0, false
		}
		f := strings.Fields(s)
		v, err := strconv.ParseUint(f[1], 0, 64)
		return v, err == nil
	}
	sort.SliceStable(g, func(i, j int) bool {
		a, okA := typeOf(g[i].Group)
		b, okB := typeOf(g[j].Group)
		return okA && okB && a < b
	})
}

// WriteJSON writes the report as one JSON document.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

func fmtLatency(ns *uint64) string {
	if ns == nil {
		return "-"
	}
	return fmtNS(*ns)
}

func fmtWall(ns int64) string {
	return time.Duration(ns).Round(time.Millisecond).String()
}

func fmtCount(n uint64) string {
	switch {
	case n >= 10_000_000_000:
		return fmt.Sprintf("%.1fG", float64(n)/1e9)
	case n >= 10_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return strconv.FormatUint(n, 10)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// WriteText writes the table (one row per scenario), the details of
// failures and bug checks, and for scenarios with several runs the
// campaign table and a latency histogram. allRuns prints one row per run.
func (rep *Report) WriteText(w io.Writer, allRuns bool) {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tSEED\tOUTCOME\tEXPECTED\tOBSERVED\tLATENCY\tINSNS\tWALL")
	for _, s := range rep.Summaries {
		if s.Runs == 1 || allRuns {
			for _, r := range rep.Results {
				if r.File == s.File && r.Scenario == s.Scenario {
					name := r.Scenario
					if r.Variant != "" {
						name += " [" + r.Variant + "]"
					}
					fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", name, r.Seed, r.Outcome, clip(r.Expected, 48),
						clip(r.Observed, 64), fmtLatency(r.LatencyNS), fmtCount(r.Instructions), fmtWall(r.WallNS))
				}
			}
			continue
		}
		outcome := Pass
		switch {
		case s.Fail > 0:
			outcome = Fail
		case s.Errors > 0:
			outcome = Error
		case s.Skipped == s.Runs:
			outcome = Skip
		}
		outcome = fmt.Sprintf("%s %d/%d", outcome, s.Pass, s.Runs)
		lat := "-"
		if s.All.Detected > 0 {
			lat = fmt.Sprintf("med %s max %s", fmtNS(s.All.MedianNS), fmtNS(s.All.MaxNS))
		}
		obs := fmt.Sprintf("detected %d/%d (%.1f%%)", s.All.Detected, s.All.Runs, 100*s.All.Rate)
		if s.All.Crashed > 0 {
			obs += fmt.Sprintf(", %d crashed first", s.All.Crashed)
		}
		if !s.first.ExpectsBugCheck {
			obs = fmt.Sprintf("bug checks in %d/%d runs", s.BugChecks, s.Runs)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Scenario, "×"+strconv.Itoa(s.Runs), outcome,
			clip(s.first.Expected, 48), obs, lat, fmtCount(s.Instr), fmtWall(s.WallNS))
	}
	tw.Flush()

	// Details: why runs failed, and who wrote what a bug check names.
	var details []string
	for _, r := range rep.Results {
		id := fmt.Sprintf("%s seed %d", r.Scenario, r.Seed)
		if r.Variant != "" {
			id += " " + r.Variant
		}
		for _, f := range r.Failures {
			details = append(details, fmt.Sprintf("%s %s: %s", r.Outcome, id, f))
		}
		if r.BugCheck != nil && r.BugCheck.Attribution != "" && (r.Outcome != Pass || countRuns(rep, r) == 1) {
			details = append(details, fmt.Sprintf("%s: %s %s", id, fmtStop(r.BugCheck), r.BugCheck.Attribution))
		}
		for _, sm := range r.SerialMatches {
			if countRuns(rep, r) == 1 {
				details = append(details, fmt.Sprintf("%s: serial %q at %s (%s after its step)", id, sm.Pattern, fmtNS(sm.TimeNS), fmtNS(sm.AfterAttackNS)))
			}
		}
		if r.PGPasses > 0 && countRuns(rep, r) == 1 {
			details = append(details, fmt.Sprintf("%s: %s", id, pgOverhead(r.PGPasses, r.PGInstructions, r.GuestNS)))
		}
		if r.Outcome == Fail && r.SerialTail != "" && len(rep.Results) <= 8 {
			details = append(details, "  serial (last lines):\n    "+strings.ReplaceAll(r.SerialTail, "\n", "\n    "))
		}
	}
	if len(details) > 0 {
		fmt.Fprintln(w)
		for _, d := range details {
			fmt.Fprintln(w, d)
		}
	}

	for _, s := range rep.Summaries {
		if s.Runs > 1 {
			fmt.Fprintln(w)
			s.writeCampaign(w)
		}
	}
}

func countRuns(rep *Report, r *Result) int {
	for _, s := range rep.Summaries {
		if s.File == r.File && s.Scenario == r.Scenario {
			return s.Runs
		}
	}
	return 0
}

func fmtStop(bc *BugCheck) string {
	return fmt.Sprintf("0x%X(%#x, %#x, %#x, %#x)", bc.Code, bc.Params[0], bc.Params[1], bc.Params[2], bc.Params[3])
}

// pgOverhead renders PatchGuard's telemetry as a share of the guest's
// nominal capacity (10^9 instructions per guest second).
func pgOverhead(passes, instr, guestNS uint64) string {
	perSec := 0.0
	if guestNS > 0 {
		perSec = float64(instr) / (float64(guestNS) / 1e9)
	}
	return fmt.Sprintf("PatchGuard telemetry: %d passes, %s instructions (%.0f per pass), %s per guest second = %.4f%% of the guest CPU",
		passes, fmtCount(instr), float64(instr)/float64(max(passes, 1)), fmtCount(uint64(perSec)), perSec/1e9*100)
}

// writeCampaign prints the detection table and the latency histogram.
func (s *Summary) writeCampaign(w io.Writer) {
	fmt.Fprintf(w, "campaign %s: %d runs, %d passed, %d failed, %d errors, %d skipped\n", s.Scenario, s.Runs, s.Pass, s.Fail, s.Errors, s.Skipped)
	if !s.first.ExpectsBugCheck {
		fmt.Fprintf(w, "bug checks in %d of %d runs\n", s.BugChecks, s.Runs)
		return
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', tabwriter.AlignRight)
	flips := false
	for _, g := range s.Groups {
		flips = flips || strings.HasPrefix(g.Group, "type ")
	}
	if flips {
		fmt.Fprintln(tw, "group\truns\tdetected\trate\tsame type\tcrashed first\tmedian\tp99\tmax\t")
	} else {
		fmt.Fprintln(tw, "group\truns\tdetected\trate\tmedian\tp99\tmax\t")
	}
	rows := append([]Stats{}, s.Groups...)
	rows = append(rows, s.All)
	for _, g := range rows {
		med, p99, mx := "-", "-", "-"
		if g.Detected > 0 {
			med, p99, mx = fmtNS(g.MedianNS), fmtNS(g.P99NS), fmtNS(g.MaxNS)
		}
		if flips {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f%%\t%d\t%d\t%s\t%s\t%s\t\n", g.Group, g.Runs, g.Detected, 100*g.Rate, g.TypeMatch, g.Crashed, med, p99, mx)
		} else {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f%%\t%s\t%s\t%s\t\n", g.Group, g.Runs, g.Detected, 100*g.Rate, med, p99, mx)
		}
	}
	tw.Flush()
	if s.All.Detected > 1 {
		fmt.Fprintln(w, "detection latency (guest time):")
		Histogram(w, s.All.Latencies, 12, 50)
	}
}

// Histogram draws latencies as horizontal bars over `bins` equal-width
// bins between the smallest and largest value.
func Histogram(w io.Writer, values []uint64, bins, width int) {
	if len(values) == 0 || bins <= 0 {
		return
	}
	lo, hi := values[0], values[0]
	for _, v := range values {
		lo, hi = min(lo, v), max(hi, v)
	}
	span := hi - lo
	if span == 0 {
		bins = 1
	}
	counts := make([]int, bins)
	for _, v := range values {
		i := 0
		if span > 0 {
			i = int((v - lo) * uint64(bins) / (span + 1))
		}
		counts[min(i, bins-1)]++
	}
	peak := 0
	for _, c := range counts {
		peak = max(peak, c)
	}
	step := (span + uint64(bins)) / uint64(bins)
	for i, c := range counts {
		from := lo + uint64(i)*step
		to := from + step
		if bins == 1 {
			to = hi
		}
		bar := c * width / max(peak, 1)
		if c > 0 && bar == 0 {
			bar = 1
		}
		fmt.Fprintf(w, "  %10s – %-10s │%s %d\n", fmtNS(from), fmtNS(to), strings.Repeat("█", bar), c)
	}
}
