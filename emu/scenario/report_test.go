package scenario

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func lat(ns uint64) *uint64 { return &ns }

// Summaries: per flipped region type, nearest-rank percentiles, and the
// table and histogram that go with them.
func TestSummarizeAndHistogram(t *testing.T) {
	var results []*Result
	for i := uint64(1); i <= 100; i++ {
		typ := uint64(1)
		if i%4 == 0 {
			typ = 0xA
		}
		r := &Result{Scenario: "flips", File: "f.hcl", Seed: i, Outcome: Pass, Detected: i != 50,
			LatencyNS: lat(i * 1e6), Flip: &FlipInfo{RegionType: typ},
			BugCheck: &BugCheck{RegionType: &typ}, ExpectsBugCheck: true}
		if i == 50 {
			r.Outcome = Fail
		}
		results = append(results, r)
	}
	rep := NewReport(results)
	require.False(t, rep.Passed)
	require.Len(t, rep.Summaries, 1)
	s := rep.Summaries[0]
	require.Equal(t, 100, s.Runs)
	require.Equal(t, 99, s.All.Detected)
	require.Equal(t, uint64(51e6), s.All.MedianNS, "nearest rank over 99 values (50 is missing)")
	require.Equal(t, uint64(100e6), s.All.P99NS, "ceil(0.99 x 99) = rank 99")
	require.Equal(t, uint64(100e6), s.All.MaxNS)
	require.Len(t, s.Groups, 2)
	require.Equal(t, "type 0x1 function modification", s.Groups[0].Group)
	require.Equal(t, 75, s.Groups[0].Runs)
	require.Equal(t, 74, s.Groups[0].TypeMatch)
	require.Equal(t, "type 0xa system service function", s.Groups[1].Group)

	var b bytes.Buffer
	require.NoError(t, rep.WriteText(&b, TextOptions{Width: DefaultWidth}))
	out := b.String()
	require.Contains(t, out, "FAIL 99/100")
	require.Contains(t, out, "detected 99/100 (99.0%)")
	require.Contains(t, out, "campaign flips: 100 runs, 99 passed, 1 failed")
	require.Contains(t, out, "same type")
	require.Contains(t, out, "detection latency (guest time):")
	require.Equal(t, 12, strings.Count(out, "│"), "twelve histogram bins")
}

func TestHistogramOneValue(t *testing.T) {
	var b bytes.Buffer
	Histogram(&b, []uint64{5e6, 5e6, 5e6}, 10, 20)
	require.Equal(t, "         5ms – 5ms        │████████████████████ 3\n", b.String())
	b.Reset()
	Histogram(&b, nil, 10, 20)
	require.Empty(t, b.String())
}

// A campaign's WALL is the elapsed host time of its runs (they overlap when
// run in parallel), not their sum; the sum is the machine time.
func TestWallIsElapsed(t *testing.T) {
	const s = int64(1e9)
	results := []*Result{
		{Scenario: "c", File: "f", Seed: 1, Outcome: Pass, StartNS: 100 * s, WallNS: 10 * s},
		{Scenario: "c", File: "f", Seed: 2, Outcome: Pass, StartNS: 100 * s, WallNS: 12 * s},
		{Scenario: "c", File: "f", Seed: 3, Outcome: Pass, StartNS: 110 * s, WallNS: 5 * s},
	}
	rep := NewReport(results)
	require.Equal(t, 15*s, rep.Summaries[0].WallNS)
	require.Equal(t, 27*s, rep.Summaries[0].MachineNS)
	require.Equal(t, 15*s, rep.Totals.ElapsedNS)
	require.Equal(t, 27*s, rep.Totals.MachineNS)
	var b bytes.Buffer
	require.NoError(t, rep.WriteText(&b, TextOptions{Width: DefaultWidth}))
	require.Regexp(t, `(?m)^c\s+×3\s+PASS 3/3\s.*\s15s$`, b.String())
	require.Contains(t, b.String(), "1 scenario, 3 runs: 3 passed, 0 failed, 0 errors, 0 skipped; 0 insns, 15s elapsed (27s machine time)")
}

// The report says which scenarios boot another machine than kppemu boot's
// default, and how.
func TestReportMachineNote(t *testing.T) {
	scs := parseOne(t, `
scenario "bare" {
  drivers = ["initrd"]
  expect { no_bugcheck_for = "1s" }
}
scenario "default" {
  expect { no_bugcheck_for = "1s" }
}
`)
	require.Equal(t, "no vendor_sample", scs[0].MachineNote())
	require.Equal(t, "", scs[1].MachineNote())
	rep := NewReport([]*Result{
		{Scenario: "bare", File: "f", Outcome: Pass, Machine: scs[0].MachineNote()},
		{Scenario: "default", File: "f", Outcome: Pass, Machine: scs[1].MachineNote()},
	})
	var b bytes.Buffer
	require.NoError(t, rep.WriteText(&b, TextOptions{Width: DefaultWidth}))
	require.Contains(t, b.String(), "machines that differ from `kppemu boot`'s default")
	require.Contains(t, b.String(), "\n  no vendor_sample: bare\n")
	require.NotContains(t, b.String(), "no vendor_sample: bare, default")
}

// The whole-machine line: instructions after measure_from against the
// reference run of the same seed, per guest second.
func TestWholeMachine(t *testing.T) {
	on := &Result{Scenario: "on", File: "f.hcl", Seed: 2, Outcome: Pass, CompareWith: "off",
		MeasureFromNS: 60e9, InstructionsAtMark: 16_000_000, GuestNS: 660e9, Instructions: 21_000_000}
	off := &Result{Scenario: "off", File: "f.hcl", Seed: 2, Outcome: Pass,
		MeasureFromNS: 60e9, InstructionsAtMark: 12_000_000, GuestNS: 660e9, Instructions: 14_000_000}
	other := &Result{Scenario: "off", File: "f.hcl", Seed: 3, Outcome: Pass,
		MeasureFromNS: 60e9, InstructionsAtMark: 1, GuestNS: 660e9, Instructions: 2}
	rep := NewReport([]*Result{on, other, off})
	line := rep.wholeMachine(on)
	require.Contains(t, line, "whole machine from 1m0s to 11m0s")
	require.Contains(t, line, "+3000.0k", "5M after the mark against the reference's 2M")
	require.Contains(t, line, "= 5000 per guest second = 0.00050% of the guest CPU")
	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text, TextOptions{Width: 200}))
	require.Contains(t, text.String(), "on seed 2: whole machine")

	short := *off
	short.GuestNS = 300e9
	require.Contains(t, NewReport([]*Result{on, &short}).wholeMachine(on), "not comparable with off")
	early := *on
	early.GuestNS, early.InstructionsAtMark = 30e9, 0
	require.Contains(t, NewReport([]*Result{&early, off}).wholeMachine(&early), "ended before measure_from")
	require.Contains(t, NewReport([]*Result{on}).wholeMachine(on), "no run of off with this seed")
}

// Report files are host input: ReadJSON refuses one no run could have
// written (merging a null result dereferenced it; a total_jobs of four
// thousand million had Merge list as many missing runs).
func TestReadJSONRefusesImpossibleReports(t *testing.T) {
	for in, want := range map[string]string{
		`{"results":[null],"total_jobs":1}`:                           "results[0] is null",
		`{"results":[],"total_jobs":4000000000}`:                      "total_jobs 4000000000 is outside 0..1000000",
		`{"results":[],"total_jobs":-5}`:                              "total_jobs -5 is outside",
		`{"results":[],"total_jobs":3,"shard":{"index":9,"count":2}}`: "shard 9/2 is not I/N",
		`{"results":[],"total_jobs":3,"shard":{"index":0,"count":0}}`: "shard 0/0 is not I/N",
		`{"results":[{"job":7}],"total_jobs":3}`:                      "results[0] is run 7 of a campaign of 3",
		`{"results":[],"summaries":[null],"total_jobs":0}`:            "summaries[0] is null",
	} {
		_, err := ReadJSON(strings.NewReader(in))
		require.ErrorContains(t, err, want, in)
	}
	rep, err := ReadJSON(strings.NewReader(`{"results":[{"job":-1,"outcome":"ERROR"},{"job":2}],"total_jobs":3,"shard":{"index":1,"count":2}}`))
	require.NoError(t, err)
	// Merge checks reports it did not read itself too.
	merged, err := Merge([]*Report{rep, {Results: []*Result{nil}, TotalJobs: 1}})
	require.ErrorContains(t, err, "report 2: results[0] is null")
	require.False(t, merged.Passed)

	// A merge's problems name ten shards, and ten duplicated runs, at most.
	many := &Report{TotalJobs: 1000, Shard: &Shard{Index: 0, Count: 1000}}
	for j := 0; j < 1000; j += 1000 / 50 {
		many.Results = append(many.Results, &Result{Job: j})
	}
	_, err = Merge([]*Report{many, many})
	require.ErrorContains(t, err, "run 180 (")
	require.NotContains(t, err.Error(), "run 200 (")
	require.ErrorContains(t, err, "40 more runs are in more than one report")
	require.ErrorContains(t, err, "1000 runs missing (no report from shard 1/1000, ")
	require.ErrorContains(t, err, "10/1000, and 989 more)")
}

// FuzzReadJSON: no report file makes reading, merging or printing it
// panic, and what ReadJSON accepts merges within the campaign's limits.
func FuzzReadJSON(f *testing.F) {
	rep := NewReport([]*Result{
		{Scenario: "a", File: "a.hcl", Seed: 1, Job: 0, Outcome: Pass, LatencyNS: lat(5e6), ExpectsBugCheck: true, Detected: true},
		{Scenario: "a", File: "a.hcl", Seed: 2, Job: 2, Outcome: Fail, Failures: []string{"no bug check"}},
		{Scenario: "b", File: "b.hcl", Job: -1, Outcome: Error, Observed: "invalid scenario"},
	})
	rep.TotalJobs, rep.Shard, rep.Campaign = 4, &Shard{Index: 0, Count: 2}, "fp"
	var b bytes.Buffer
	require.NoError(f, rep.WriteJSON(&b))
	f.Add(b.Bytes())
	f.Add([]byte(`{"results":[null],"total_jobs":1}`))
	f.Add([]byte(`{"results":[],"total_jobs":4000000000}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := ReadJSON(bytes.NewReader(data))
		if err != nil {
			return
		}
		merged, _ := Merge([]*Report{rep, rep})
		if merged == nil {
			t.Fatal("Merge returned no report")
		}
		var out bytes.Buffer
		_ = merged.WriteText(&out, TextOptions{Width: DefaultWidth, AllRuns: true})
		_ = merged.WriteJSON(&out)
	})
}
