package scenario

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// testParallel bounds the machines a test runs at once (each has 128 MiB
// of guest RAM).
func testParallel() int { return min(runtime.NumCPU(), 4) }

func parseOne(t *testing.T, src string) []*Scenario {
	t.Helper()
	scs, errs := Parse("inline.hcl", []byte(src))
	for _, e := range errs {
		t.Fatal(e)
	}
	return scs
}

func mustJobs(t *testing.T, p Plan, scs []*Scenario) []Job {
	t.Helper()
	jobs, err := p.Jobs(scs)
	require.NoError(t, err)
	return jobs
}

func runOne(t *testing.T, src string) *Result {
	t.Helper()
	scs := parseOne(t, src)
	require.Len(t, scs, 1)
	return RunJob(Job{Scenario: scs[0], Seed: scs[0].Seeds[0]})
}

// A host poke of a service-table entry is detected by the guest and
// attributed to the scenario step; the typed commands and after-steps run.
func TestRunHostPokeAttributed(t *testing.T) {
	r := runOne(t, `
scenario "poke" {
  append = "pg.profile=test"
  step {
    at   = "20ms"
    load = "hello"
  }
  step {
    after = "module-loaded + 1ms"
    type  = "echo loaded-and-typed"
  }
  step {
    at     = "40ms"
    attack = true
    poke {
      symbol = "service_table"
      offset = 8
      value  = "hello!driver_entry"
    }
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0xa"
    within      = "100ms"
  }
  expect {
    event = "module-loaded"
    text  = "^hello$"
  }
  expect { serial = "(?m)^loaded-and-typed$" }
}`)
	require.Equal(t, Pass, r.Outcome, "%v\n%s", r.Failures, r.SerialTail)
	require.True(t, r.Detected)
	require.NotNil(t, r.LatencyNS)
	require.LessOrEqual(t, *r.LatencyNS, uint64(100e6))
	require.NotNil(t, r.BugCheck.LastWriter, r.BugCheck.Attribution)
	require.Equal(t, 3, r.BugCheck.LastWriter.HostStep)
	require.Contains(t, r.BugCheck.Attribution, "host (scenario step 3)")
	require.Contains(t, r.Steps[2].What, "kernel!service_table+0x8")
	require.Greater(t, r.Regions, 0)
	require.Greater(t, r.Instructions, uint64(0))
}

// A driver's patch is attributed to the driver's instruction.
func TestRunDriverAttributed(t *testing.T) {
	r := runOne(t, `
scenario "a1" {
  append   = "pg.profile=test"
  drivers  = ["initrd"] # vendor_sample would block attack_a1
  requires = ["driver:attack_a1"]
  step {
    at   = "20ms"
    load = "attack_a1"
  }
  expect {
    bugcheck = "0x109"
    within   = "150ms"
  }
}`)
	if r.Outcome == Skip {
		t.Skip(r.Observed)
	}
	require.Equal(t, Pass, r.Outcome, "%v\n%s", r.Failures, r.SerialTail)
	w := r.BugCheck.LastWriter
	require.NotNil(t, w, r.BugCheck.Attribution)
	require.Zero(t, w.HostStep)
	require.Equal(t, uint8(0), w.CPL)
	require.True(t, strings.HasPrefix(w.Where, "attack_a1!"), w.Where)
}

// Failed expectations fail the run and say why; an MSR and a register step
// run; a flip before any region is announced is a step error.
func TestRunFailures(t *testing.T) {
	r := runOne(t, `
scenario "fails" {
  append   = "pg.profile=test"
  max_time = "300ms"
  step {
    at = "1ms"
    flip { region_type = "0x1" }
  }
  step {
    at = "50ms"
    msr {
      index = "0xC0000084"
      set   = "0x0"
    }
  }
  step {
    after = "api-denial"
    type  = "lsmod"
  }
  expect { serial = "no such text" }
  expect {
    event = "module-refused"
  }
  expect {
    bugcheck = "0xe2"
  }
}`)
	require.Equal(t, Fail, r.Outcome)
	all := strings.Join(r.Failures, "\n")
	require.Contains(t, all, "no memory region of type 0x1 announced yet")
	require.Contains(t, all, "event api-denial never came")
	require.Contains(t, all, `serial output does not match "no such text"`)
	require.Contains(t, all, "expected event module-refused, not seen")
	require.Contains(t, all, "expected bug check 0xe2")
	require.True(t, r.Steps[1].Executed)
	require.Empty(t, r.Steps[1].Error)
}

// A bug check of the wrong region type fails; determinism: the same seed
// flips the same byte.
func TestRunFlipDeterministic(t *testing.T) {
	src := `
scenario "flip" {
  append = "pg.profile=test"
  step {
    after = "pg-armed + 2ms"
    flip { region_type = "0x2" }
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0x1"
    within      = "150ms"
  }
}`
	a, b := runOne(t, src), runOne(t, src)
	require.Equal(t, Fail, a.Outcome)
	require.Contains(t, strings.Join(a.Failures, "\n"), "expected region type 0x1, got 0x2")
	require.NotNil(t, a.Flip)
	require.Equal(t, a.Flip, b.Flip)
	require.Equal(t, a.BugCheck, b.BugCheck)
	require.Equal(t, a.Instructions, b.Instructions)
}

// One broken scenario (a file that cannot be read, an invalid block)
// never stops the others, and the report shows each.
func TestRunAllWithBrokenFiles(t *testing.T) {
	loaded := LoadFiles([]string{"testdata/bad/values.hcl", "testdata/missing.hcl"})
	require.Len(t, loaded.Scenarios, 1)
	results := append(loaded.ErrorResults(), RunAll(mustJobs(t, Plan{}, loaded.Scenarios), testParallel(), nil)...)
	rep := NewReport(results)
	require.False(t, rep.Passed)
	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text, TextOptions{Width: DefaultWidth}))
	require.Contains(t, text.String(), "good_neighbour")
	require.Contains(t, text.String(), "testdata/missing.hcl:1:1: cannot read scenario file")
	require.Contains(t, text.String(), "testdata/bad/values.hcl:2:14: Invalid seeds")
	var js bytes.Buffer
	require.NoError(t, rep.WriteJSON(&js))
	var back Report
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	require.Len(t, back.Results, len(results))
}

// Campaign statistics: A19-style variants give one group per patch
// duration; a seed range gives one run per seed.
func TestRunCampaignVariants(t *testing.T) {
	scs := parseOne(t, `
scenario "race" {
  append = "pg.profile=test"
  seeds  = "1..3"
  step {
    after  = "pg-armed + 1ms"
    jitter = "10ms"
    poke {
      symbol        = "service_table"
      offset        = 16
      xor           = "0x1"
      size          = 1
      restore_after = ["100us", "200ms"]
    }
  }
  expect {
    bugcheck = "0x109"
    within   = "100ms"
    measure  = true
  }
}`)
	jobs := mustJobs(t, Plan{}, scs)
	require.Len(t, jobs, 6)
	rep := NewReport(RunAll(jobs, testParallel(), nil))
	require.True(t, rep.Passed, "%+v", rep.Results[0].Failures)
	require.Len(t, rep.Summaries, 1)
	s := rep.Summaries[0]
	require.Equal(t, 6, s.Runs)
	require.Len(t, s.Groups, 2)
	require.Equal(t, "restore_after=100µs", s.Groups[0].Group)
	// A region is checked at least once in every four passes of its
	// context (5-15 ms apart in the test profile), so a 200 ms patch is
	// always seen.
	require.Equal(t, 3, s.Groups[1].Detected, "a 200 ms patch outlives several passes")
	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text, TextOptions{Width: DefaultWidth}))
	require.Contains(t, text.String(), "campaign race: 6 runs")
}

// TestScenarios runs every scenario file under scenarios/ (A23's sample of
// 200 flips included): each must pass, or be skipped because an image it
// requires is not built yet.
func TestScenarios(t *testing.T) {
	files, err := filepath.Glob("../../scenarios/*.hcl")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	loaded := LoadFiles(files)
	for _, e := range loaded.Errors {
		t.Error(e)
	}
	results := RunAll(mustJobs(t, Plan{}, loaded.Scenarios), testParallel(), nil)
	rep := NewReport(results)
	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text, TextOptions{Width: DefaultWidth}))
	t.Log("\n" + text.String())
	for _, r := range results {
		switch r.Outcome {
		case Pass:
		case Skip:
			t.Logf("%s: %s", r.Scenario, r.Observed)
		default:
			t.Errorf("%s seed %d %s: %s: %s\n%s", r.Scenario, r.Seed, r.Variant, r.Outcome, strings.Join(r.Failures, "; "), r.SerialTail)
		}
	}
	// PatchGuard's overhead budgets (docs/patchguard.md), whole machine
	// against pg=off: instruction counts, the same on every host.
	budget := map[string]float64{"overhead_idle_windows": 10_000, "overhead_idle_fast": 1_000_000}
	for _, r := range results {
		limit, ok := budget[r.Scenario]
		if !ok || r.Outcome != Pass {
			continue
		}
		delete(budget, r.Scenario)
		perSec, _, why := rep.WholeMachine(r)
		require.Empty(t, why, r.Scenario)
		require.Less(t, perSec, limit, "%s: instructions per guest second more than pg=off", r.Scenario)
		require.Greater(t, perSec, 0.0, "%s: PatchGuard costs something", r.Scenario)
	}
	require.Empty(t, budget, "the overhead rows of scenarios/baseline.hcl ran")
}

// crash_ok: a machine that goes down another way first passes, counted as
// a crash and not as a detection; without crash_ok it fails.
func TestRunCrashOK(t *testing.T) {
	src := `
scenario "crash" {
  append = "pg.profile=test"
  step {
    at     = "30ms"
    attack = true
    reg {
      name  = "rip"
      value = "0x10"
    }
  }
  expect {
    bugcheck = "0x109"
    within   = "100ms"
    %s
  }
}`
	r := runOne(t, strings.Replace(src, "%s", "crash_ok = true", 1))
	require.Equal(t, Pass, r.Outcome, "%v\n%s", r.Failures, r.SerialTail)
	require.True(t, r.Crashed)
	require.False(t, r.Detected)
	require.NotEmpty(t, r.CrashedAs)
	require.Contains(t, r.Observed, "crashed before detection")

	r = runOne(t, strings.Replace(src, "%s", "", 1))
	require.Equal(t, Fail, r.Outcome)
	require.False(t, r.Crashed)
}
