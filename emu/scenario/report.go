package scenario

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kppemu/kppemu/emu/hostio"
	"github.com/kppemu/kppemu/internal/textwrap"
)

// Report is everything `kppemu run` prints.
type Report struct {
	Results   []*Result  `json:"results"`
	Summaries []*Summary `json:"summaries"`
	Totals    Totals     `json:"totals"`
	Passed    bool       `json:"passed"`
	// TotalJobs is the number of runs in the whole campaign; a shard's
	// report holds only its share of them (Shard).
	TotalJobs int    `json:"total_jobs"`
	Shard     *Shard `json:"shard,omitempty"`
	// Campaign is the Fingerprint of the whole campaign's jobs.
	Campaign string `json:"campaign,omitempty"`
	// Interrupted: the run was stopped (SIGINT, SIGTERM, --max-wall)
	// before every job ran; Results hold the ones that finished.
	Interrupted string `json:"interrupted,omitempty"`
}

// Totals sum up a report.
type Totals struct {
	Scenarios    int    `json:"scenarios"`
	Runs         int    `json:"runs"`
	Pass         int    `json:"pass"`
	Fail         int    `json:"fail"`
	Errors       int    `json:"errors"`
	Skipped      int    `json:"skipped"`
	Late         int    `json:"late"` // bug checks after their deadline, in the grace period
	Instructions uint64 `json:"instructions"`
	ElapsedNS    int64  `json:"elapsed_ns"` // host time from the first run's start to the last one's end
	MachineNS    int64  `json:"machine_ns"` // the runs' wall times added up
}

// NewReport summarises results.
func NewReport(results []*Result) *Report {
	rep := &Report{Results: results, Summaries: Summarize(results), Passed: true}
	var sp hostSpan
	for _, r := range results {
		if r.Outcome == Fail || r.Outcome == Error {
			rep.Passed = false
		}
		t := &rep.Totals
		t.Runs++
		switch r.Outcome {
		case Pass:
			t.Pass++
		case Fail:
			t.Fail++
		case Error:
			t.Errors++
		case Skip:
			t.Skipped++
		}
		if r.Late {
			t.Late++
		}
		t.Instructions += r.Instructions
		t.MachineNS += r.WallNS
		sp.add(r)
		if r.Job >= 0 {
			rep.TotalJobs = max(rep.TotalJobs, r.Job+1)
		}
	}
	rep.Totals.ElapsedNS = sp.ns()
	rep.Totals.Scenarios = len(rep.Summaries)
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

// ReadJSON reads a report WriteJSON wrote.
func ReadJSON(r io.Reader) (*Report, error) {
	var rep Report
	dec := json.NewDecoder(io.LimitReader(r, maxReportBytes+1))
	if err := dec.Decode(&rep); err != nil {
		return nil, err
	}
	if err := rep.check(); err != nil {
		return nil, err
	}
	return &rep, nil
}

// check refuses a report no run could have written: a campaign size or
// shard outside the limits, a null result, or a run beyond the campaign.
// Merge relies on it (it counts every run of the campaign).
func (rep *Report) check() error {
	if rep.TotalJobs < 0 || rep.TotalJobs > hostio.MaxRuns {
		return fmt.Errorf("total_jobs %d is outside 0..%d", rep.TotalJobs, hostio.MaxRuns)
	}
	if sh := rep.Shard; sh != nil && (sh.Count < 1 || sh.Count > hostio.MaxRuns || sh.Index < 0 || sh.Index >= sh.Count) {
		return fmt.Errorf("shard %d/%d is not I/N with 0 <= I < N <= %d", sh.Index, sh.Count, hostio.MaxRuns)
	}
	for i, r := range rep.Results {
		switch {
		case r == nil:
			return fmt.Errorf("results[%d] is null", i)
		case r.Job >= rep.TotalJobs:
			return fmt.Errorf("results[%d] is run %d of a campaign of %d", i, r.Job, rep.TotalJobs)
		}
	}
	for i, sm := range rep.Summaries {
		if sm == nil {
			return fmt.Errorf("summaries[%d] is null", i)
		}
	}
	return nil
}

// maxReportBytes bounds a report file read back for merging (a million
// runs take about 2 GB of JSON; a shard holds its share).
const maxReportBytes = 4 << 30

// maxListed bounds the runs and shards a merge's problems name one by one.
const maxListed = 10

// Merge combines the reports of the shards of one campaign into the report
// a single machine would have written: every run once, in campaign order.
// It fails when the shards disagree on the campaign, overlap, or leave runs
// out (a missing or interrupted shard); the partial report is still
// returned with the error.
func Merge(reps []*Report) (*Report, error) {
	if len(reps) == 0 {
		return nil, fmt.Errorf("no reports to merge")
	}
	total, count, campaign := reps[0].TotalJobs, 0, reps[0].Campaign
	if reps[0].Shard != nil {
		count = reps[0].Shard.Count
	}
	for i, rep := range reps {
		if err := rep.check(); err != nil {
			merged := NewReport(nil)
			merged.Passed, merged.Interrupted = false, fmt.Sprintf("report %d: %v", i+1, err)
			return merged, errors.New(merged.Interrupted)
		}
	}
	var results []*Result
	seen := map[int]int{} // job -> report index
	var problems []string
	dups := 0
	shards := map[int]bool{}
	for i, rep := range reps {
		c := 0
		if rep.Shard != nil {
			c = rep.Shard.Count
			shards[rep.Shard.Index] = true
		}
		if rep.Campaign != campaign {
			problems = append(problems, fmt.Sprintf("report %d is from another campaign (fingerprint %s, the first report's %s)", i+1, rep.Campaign, campaign))
			continue
		}
		if rep.TotalJobs != total || c != count {
			problems = append(problems, fmt.Sprintf("report %d is from another campaign (%d runs in %d shards; the first: %d runs in %d shards)",
				i+1, rep.TotalJobs, c, total, count))
			continue
		}
		if rep.Interrupted != "" {
			problems = append(problems, fmt.Sprintf("report %d was interrupted (%s)", i+1, rep.Interrupted))
		}
		for _, r := range rep.Results {
			if j, dup := seen[r.Job]; dup {
				if r.Job >= 0 {
					if dups < maxListed {
						problems = append(problems, fmt.Sprintf("run %d (%s seed %d) is in reports %d and %d", r.Job, r.Scenario, r.Seed, j+1, i+1))
					}
					dups++
				}
				continue
			}
			seen[r.Job] = i
			results = append(results, r)
		}
	}
	if dups > maxListed {
		problems = append(problems, fmt.Sprintf("%d more runs are in more than one report", dups-maxListed))
	}
	sortResults(results)
	merged := NewReport(results)
	merged.TotalJobs, merged.Campaign = total, campaign
	missing := 0
	for j := 0; j < total; j++ {
		if _, ok := seen[j]; !ok {
			missing++
		}
	}
	if missing > 0 {
		merged.Passed = false
		msg := fmt.Sprintf("%d of %d runs missing", missing, total)
		if count > 1 {
			var absent []string
			n := 0
			for k := 0; k < count; k++ {
				if shards[k] {
					continue
				}
				if n++; n <= maxListed {
					absent = append(absent, fmt.Sprintf("%d/%d", k, count))
				}
			}
			if n > maxListed {
				absent = append(absent, fmt.Sprintf("and %d more", n-maxListed))
			}
			if len(absent) > 0 {
				msg += " (no report from shard " + strings.Join(absent, ", ") + ")"
			}
		}
		problems = append(problems, msg)
	}
	if len(problems) > 0 {
		merged.Interrupted = strings.Join(problems, "; ")
		return merged, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return merged, nil
}

// sortResults puts results in campaign order: file errors first (Job < 0,
// in their own order), then runs by job index.
func sortResults(rs []*Result) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i].Job, rs[j].Job
		if (a < 0) != (b < 0) {
			return a < 0
		}
		if a < 0 {
			return a > b
		}
		return a < b
	})
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

// TextOptions shape the text report.
type TextOptions struct {
	AllRuns bool // one row per run, not per scenario
	// Width is the line width the table is fitted to (long expectations
	// and observations wrap); 0 = no limit.
	Width int
}

// DefaultWidth is the width of the text report.
const DefaultWidth = 100

// WriteText writes the table (one row per scenario), the details of
// failures and bug checks, for scenarios with several runs the campaign
// table and a latency histogram, and a line of totals. It returns the
// first write error.
func (rep *Report) WriteText(w io.Writer, opt TextOptions) error {
	ew := &hostio.ErrWriter{W: w}
	rep.writeText(ew, opt)
	return ew.Err
}

// lines splits a "; "-joined list into one item per line.
func lines(s string) string { return strings.ReplaceAll(s, "; ", "\n") }

func (rep *Report) writeText(w io.Writer, opt TextOptions) {
	t := &table{header: []string{"SCENARIO", "SEED", "OUTCOME", "EXPECTED", "OBSERVED", "LATENCY", "INSNS", "WALL"},
		wrap: []bool{false, false, false, true, true, false, false, false}}
	for _, s := range rep.Summaries {
		if s.Runs == 1 || opt.AllRuns {
			for _, r := range rep.Results {
				if r.File == s.File && r.Scenario == s.Scenario {
					name := r.Scenario
					if r.Variant != "" {
						name += "\n[" + r.Variant + "]"
					}
					t.add(name, strconv.FormatUint(r.Seed, 10), r.Outcome, lines(r.Expected), lines(r.Observed),
						fmtLatency(r.LatencyNS), fmtCount(r.Instructions), fmtWall(r.WallNS))
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
			lat = fmt.Sprintf("med %s\nmax %s", fmtNS(s.All.MedianNS), fmtNS(s.All.MaxNS))
		}
		obs := fmt.Sprintf("detected %d/%d (%.1f%%)", s.All.Detected, s.All.Runs, 100*s.All.Rate)
		if s.All.Crashed > 0 {
			obs += fmt.Sprintf(", %d crashed first", s.All.Crashed)
		}
		if !s.first.ExpectsBugCheck {
			obs = fmt.Sprintf("bug checks in %d/%d runs", s.BugChecks, s.Runs)
		}
		t.add(s.Scenario, "×"+strconv.Itoa(s.Runs), outcome, lines(s.first.Expected), obs, lat, fmtCount(s.Instr), fmtWall(s.WallNS))
	}
	t.write(w, opt.Width)

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
		if r.PGPasses > 0 && (countRuns(rep, r) == 1 || r.CompareWith != "") {
			details = append(details, fmt.Sprintf("%s: %s", id, pgOverhead(r.PGPasses, r.PGInstructions, r.GuestNS)))
		}
		if r.CompareWith != "" {
			details = append(details, fmt.Sprintf("%s: %s", id, rep.wholeMachine(r)))
		}
		if r.Outcome == Fail && r.SerialTail != "" && len(rep.Results) <= 8 {
			details = append(details, "  serial (last lines):\n    "+strings.ReplaceAll(r.SerialTail, "\n", "\n    "))
		}
	}
	if len(details) > 0 {
		fmt.Fprintln(w)
		for _, d := range details {
			fmt.Fprintln(w, textwrap.Text(d, opt.Width, "    "))
		}
	}

	for _, s := range rep.Summaries {
		if s.Runs > 1 {
			fmt.Fprintln(w)
			s.writeCampaign(w)
		}
	}

	// How the machines differ from `kppemu boot`'s, grouped by difference.
	var notes []string
	byNote := map[string][]string{}
	for _, s := range rep.Summaries {
		if n := s.first.Machine; n != "" {
			if byNote[n] == nil {
				notes = append(notes, n)
			}
			byNote[n] = append(byNote[n], s.Scenario)
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "machines that differ from `kppemu boot`'s default (embedded kernel, initrd, vendor_sample, 128 MiB):")
		for _, n := range notes {
			fmt.Fprintln(w, textwrap.Text(fmt.Sprintf("  %s: %s", n, strings.Join(byNote[n], ", ")), opt.Width, "    "))
		}
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, textwrap.Text(rep.totalsLine(), opt.Width, "  "))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// totalsLine is the last line of the text report.
func (rep *Report) totalsLine() string {
	t := rep.Totals
	s := fmt.Sprintf("%s, %s: %d passed, %d failed, %s, %d skipped",
		plural(t.Scenarios, "scenario"), plural(t.Runs, "run"), t.Pass, t.Fail, plural(t.Errors, "error"), t.Skipped)
	if t.Late > 0 {
		s += fmt.Sprintf(" (%d detected late)", t.Late)
	}
	s += fmt.Sprintf("; %s insns, %s elapsed (%s machine time)", fmtCount(t.Instructions), fmtWall(t.ElapsedNS), fmtWall(t.MachineNS))
	if rep.Shard != nil {
		s += fmt.Sprintf("; shard %d/%d of %d runs", rep.Shard.Index, rep.Shard.Count, rep.TotalJobs)
	}
	if rep.Interrupted != "" {
		s += "; INCOMPLETE: " + rep.Interrupted
	}
	return s
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

// wholeMachine compares a run's instructions from measure_from to its end
// with those of its reference run (compare_with: same file, seed and
// variant, the same guest time): the whole machine's extra work, interrupt
// entries and idle wake-ups included, per guest second.
func (rep *Report) wholeMachine(r *Result) string {
	perSec, ref, why := rep.WholeMachine(r)
	if why != "" {
		return "whole machine: " + why
	}
	extra := float64(r.Instructions-r.InstructionsAtMark) - float64(ref.Instructions-ref.InstructionsAtMark)
	return fmt.Sprintf("whole machine from %s to %s: %s instructions (%s) against %s's %s = %.0f per guest second = %.5f%% of the guest CPU",
		fmtNS(r.MeasureFromNS), fmtNS(r.GuestNS), fmtCount(r.Instructions-r.InstructionsAtMark), fmtSigned(extra), r.CompareWith,
		fmtCount(ref.Instructions-ref.InstructionsAtMark), perSec, perSec/1e9*100)
}

// WholeMachine is a compare_with run's extra instructions per guest second
// against its reference run, and that run; why says what kept them from
// being compared ("" when they were).
func (rep *Report) WholeMachine(r *Result) (perSec float64, ref *Result, why string) {
	for _, o := range rep.Results {
		if o.File == r.File && o.Scenario == r.CompareWith && o.Seed == r.Seed && o.Variant == r.Variant {
			ref = o
		}
	}
	switch {
	case ref == nil:
		return 0, nil, fmt.Sprintf("no run of %s with this seed to compare with", r.CompareWith)
	case r.GuestNS <= r.MeasureFromNS || ref.GuestNS <= ref.MeasureFromNS:
		return 0, ref, "a run ended before measure_from"
	case r.GuestNS != ref.GuestNS || r.MeasureFromNS != ref.MeasureFromNS:
		return 0, ref, fmt.Sprintf("not comparable with %s (it ran %s to %s, this run %s to %s)", r.CompareWith,
			fmtNS(ref.MeasureFromNS), fmtNS(ref.GuestNS), fmtNS(r.MeasureFromNS), fmtNS(r.GuestNS))
	}
	extra := float64(r.Instructions-r.InstructionsAtMark) - float64(ref.Instructions-ref.InstructionsAtMark)
	return extra / (float64(r.GuestNS-r.MeasureFromNS) / 1e9), ref, ""
}

func fmtSigned(v float64) string {
	if v < 0 {
		return "-" + fmtCount(uint64(-v))
	}
	return "+" + fmtCount(uint64(v))
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
