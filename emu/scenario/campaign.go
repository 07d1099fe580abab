package scenario

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Loaded is what a set of files holds: the valid scenarios and the errors
// of the broken ones (a broken scenario or file never hides the others).
type Loaded struct {
	Scenarios []*Scenario
	Errors    []*FileError
}

// LoadFiles parses every file; a directory stands for the *.hcl files in
// it (not recursively).
func LoadFiles(files []string) Loaded {
	var l Loaded
	var expanded []string
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && st.IsDir() {
			m, _ := filepath.Glob(filepath.Join(f, "*.hcl"))
			expanded = append(expanded, m...)
			continue
		}
		expanded = append(expanded, f)
	}
	for _, f := range expanded {
		scs, errs := ParseFile(f)
		l.Scenarios = append(l.Scenarios, scs...)
		l.Errors = append(l.Errors, errs...)
	}
	return l
}

// ErrorResults turns file errors into ERROR rows.
func (l Loaded) ErrorResults() []*Result {
	var out []*Result
	for i, e := range l.Errors {
		name := e.Name
		if name == "" {
			name = e.File
		}
		r := &Result{Scenario: name, File: e.File, Job: -(i + 1), Outcome: Error, Observed: "invalid scenario"}
		for _, d := range e.Diags {
			r.Failures = append(r.Failures, formatDiag(d))
		}
		out = append(out, r)
	}
	return out
}

// MaxJobs bounds the runs of one campaign (on one machine or across all
// shards): a million runs of the shortest scenario take days of CPU time.
const MaxJobs = 1_000_000

// Plan says how to expand scenarios into jobs.
type Plan struct {
	// Seed, when set, replaces every scenario's seeds (the first seed of
	// a repeat).
	Seed *uint64
	// Repeat > 1 runs each scenario (and variant) with Repeat consecutive
	// seeds starting at its first seed.
	Repeat int
	// Shard and Shards (> 1) keep only this machine's share of the
	// campaign: the jobs whose index i has i mod Shards == Shard.
	Shard, Shards int
}

// Shard is one machine's share of a campaign.
type Shard struct {
	Index int `json:"index"` // 0-based
	Count int `json:"count"`
}

// ParseShard reads "I/N" (0 <= I < N).
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: want I/N, e.g. 0/4 (the first of four)", s)
	}
	if n < 1 || n > MaxJobs || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %q: want 0 <= I < N (shards are numbered from 0, as a Kubernetes completion index)", s)
	}
	return Shard{Index: i, Count: n}, nil
}

// Fingerprint identifies a campaign by its jobs (scenario, position in its
// file, expectations, seed, variant, index), so that shards of different
// campaigns are never merged.
func Fingerprint(jobs []Job) string {
	h := sha256.New()
	for _, j := range jobs {
		fmt.Fprintf(h, "%d\x00%s\x00%s\x00%s\x00%d\x00%d\n", j.Index, j.Scenario.Name, filepath.Base(j.Scenario.Pos),
			expectedText(j.Scenario), j.Seed, j.Variant)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// ErrTooManyJobs is returned by Jobs when a plan exceeds MaxJobs.
var ErrTooManyJobs = errors.New("too many runs")

// Jobs expands scenarios into runs: seeds x variants, in file order, each
// with its index in that order; a sharded plan keeps its share of them.
func (p Plan) Jobs(scs []*Scenario) ([]Job, error) {
	if p.Repeat < 0 || p.Repeat > MaxJobs {
		return nil, fmt.Errorf("%w: --repeat %d (at most %d)", ErrTooManyJobs, p.Repeat, MaxJobs)
	}
	total := 0
	for _, sc := range scs {
		n := len(sc.Seeds)
		if p.Seed != nil {
			n = 1
		}
		if p.Repeat > 1 {
			n = p.Repeat
		}
		total += n * len(sc.Variants())
		if total > MaxJobs {
			return nil, fmt.Errorf("%w: the campaign has more than %d runs (seeds x variants x --repeat)", ErrTooManyJobs, MaxJobs)
		}
	}
	var jobs []Job
	index := 0
	for _, sc := range scs {
		seeds := sc.Seeds
		if p.Seed != nil {
			seeds = []uint64{*p.Seed}
		}
		if p.Repeat > 1 {
			base := seeds[0]
			seeds = make([]uint64, p.Repeat)
			for i := range seeds {
				seeds[i] = base + uint64(i)
			}
		}
		for v := range sc.Variants() {
			for _, s := range seeds {
				if p.Shards <= 1 || index%p.Shards == p.Shard {
					jobs = append(jobs, Job{Scenario: sc, Seed: s, Variant: v, Index: index})
				}
				index++
			}
		}
	}
	return jobs, nil
}

// RunAll runs jobs on parallel goroutines (one machine each; 0 = one per
// CPU) and returns the results in job order. progress, if not nil, is
// called after each run from the worker that finished it (serialised).
func RunAll(jobs []Job, parallel int, progress func(done, total int, r *Result)) []*Result {
	return RunAllContext(context.Background(), jobs, parallel, progress)
}

// RunAllContext is RunAll until ctx is done: then no job starts, the runs
// in flight stop, and only the runs that finished are returned (in job
// order).
func RunAllContext(ctx context.Context, jobs []Job, parallel int, progress func(done, total int, r *Result)) []*Result {
	if parallel <= 0 {
		parallel = runtime.NumCPU()
	}
	results := make([]*Result, len(jobs))
	var next atomic.Int64
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for w := 0; w < min(parallel, len(jobs)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) || ctx.Err() != nil {
					return
				}
				r := runProtected(ctx, jobs[i])
				if r.Interrupted() {
					return
				}
				results[i] = r
				if progress != nil {
					mu.Lock()
					done++
					progress(done, len(jobs), r)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		var done []*Result
		for _, r := range results {
			if r != nil {
				done = append(done, r)
			}
		}
		return done
	}
	return results
}

// runProtected runs a job; a host-side panic becomes an ERROR row instead
// of taking the other runs down.
func runProtected(ctx context.Context, j Job) (r *Result) {
	defer func() {
		if p := recover(); p != nil {
			r = &Result{Scenario: j.Scenario.Name, File: j.Scenario.File, Seed: j.Seed, Job: j.Index, Outcome: Error,
				Observed: "internal error", Failures: []string{fmt.Sprintf("internal error: %v", p)}}
		}
	}()
	return RunJobContext(ctx, j)
}

// hostSpan is the host time a set of runs covered.
type hostSpan struct {
	from, to int64
	any      bool
}

func (s *hostSpan) add(r *Result) {
	if r.StartNS == 0 && r.WallNS == 0 {
		return
	}
	end := r.StartNS + r.WallNS
	if !s.any {
		s.from, s.to, s.any = r.StartNS, end, true
		return
	}
	s.from, s.to = min(s.from, r.StartNS), max(s.to, end)
}

func (s *hostSpan) ns() int64 { return s.to - s.from }

// Stats is a latency distribution.
type Stats struct {
	Group    string `json:"group"`
	Runs     int    `json:"runs"`
	Detected int    `json:"detected"`
	// TypeMatch counts flip runs whose bug check named the type of the
	// region the flip picked (the rest of Detected named another accepted
	// one: 0x101, or an overlapping region's type).
	TypeMatch int `json:"type_match"`
	// Crashed counts runs that went down another way first (crash_ok).
	Crashed   int      `json:"crashed"`
	Rate      float64  `json:"rate"`
	MedianNS  uint64   `json:"median_ns"`
	P99NS     uint64   `json:"p99_ns"`
	MaxNS     uint64   `json:"max_ns"`
	Latencies []uint64 `json:"-"`
}

// Summary aggregates the runs of one scenario.
type Summary struct {
	Scenario  string  `json:"scenario"`
	File      string  `json:"file"`
	Runs      int     `json:"runs"`
	Pass      int     `json:"pass"`
	Fail      int     `json:"fail"`
	Errors    int     `json:"errors"`
	Skipped   int     `json:"skipped"`
	All       Stats   `json:"all"`
	Groups    []Stats `json:"groups,omitempty"` // per flipped region type, or per variant
	BugChecks int     `json:"bugchecks"`        // runs that ended in a bug check
	Instr     uint64  `json:"instructions"`
	// WallNS is the elapsed host time from the first of the runs' start
	// to the last one's end; MachineNS the sum of the runs' wall times.
	WallNS    int64 `json:"wall_ns"`
	MachineNS int64 `json:"machine_ns"`
	first     *Result
	hostSpan  hostSpan
}

// Summarize groups results by scenario (in first-seen order).
func Summarize(results []*Result) []*Summary {
	var out []*Summary
	idx := map[string]*Summary{}
	groups := map[*Summary]map[string]*Stats{}
	for _, r := range results {
		key := r.File + "\x00" + r.Scenario
		s := idx[key]
		if s == nil {
			s = &Summary{Scenario: r.Scenario, File: r.File, first: r, All: Stats{Group: "all"}}
			idx[key] = s
			groups[s] = map[string]*Stats{}
			out = append(out, s)
		}
		s.Runs++
		if r.BugCheck != nil {
			s.BugChecks++
		}
		s.Instr += r.Instructions
		s.MachineNS += r.WallNS
		s.hostSpan.add(r)
		s.WallNS = s.hostSpan.ns()
		switch r.Outcome {
		case Pass:
			s.Pass++
		case Fail:
			s.Fail++
		case Error:
			s.Errors++
		case Skip:
			s.Skipped++
		}
		if r.Outcome == Skip || r.Outcome == Error {
			continue
		}
		g := ""
		switch {
		case r.Flip != nil:
			g = "type " + RegionTypeName(r.Flip.RegionType)
		case r.Variant != "":
			g = r.Variant
		}
		add := func(t *Stats) {
			t.Runs++
			if r.Crashed {
				t.Crashed++
			}
			if r.Detected && r.LatencyNS != nil {
				t.Detected++
				t.Latencies = append(t.Latencies, *r.LatencyNS)
				if r.Flip != nil && r.BugCheck != nil && r.BugCheck.RegionType != nil && *r.BugCheck.RegionType == r.Flip.RegionType {
					t.TypeMatch++
				}
			}
		}
		add(&s.All)
		if g != "" {
			st := groups[s][g]
			if st == nil {
				st = &Stats{Group: g}
				groups[s][g] = st
				s.Groups = append(s.Groups, Stats{Group: g}) // filled in below, in first-seen order
			}
			add(st)
		}
	}
	for _, s := range out {
		s.All.finish()
		for i := range s.Groups {
			st := groups[s][s.Groups[i].Group]
			st.finish()
			s.Groups[i] = *st
		}
	}
	return out
}

func (s *Stats) finish() {
	if s.Runs > 0 {
		s.Rate = float64(s.Detected) / float64(s.Runs)
	}
	if len(s.Latencies) == 0 {
		return
	}
	l := slices.Clone(s.Latencies)
	slices.Sort(l)
	s.MedianNS = percentile(l, 50)
	s.P99NS = percentile(l, 99)
	s.MaxNS = l[len(l)-1]
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []uint64, p int) uint64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}
