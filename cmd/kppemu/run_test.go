package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func writeScenario(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
	return p
}

const passingScenario = `
scenario "poke_detected" {
  append = "pg.profile=test"
  step {
    at     = "30ms"
    attack = true
    poke {
      symbol = "service_table"
      offset = 8
      xor    = "0x1"
      size   = 1
    }
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0xa"
    within      = "150ms"
  }
}
`

// TestRunCommand: one row per scenario, the attribution line, flags after
// the files, exit status 0.
func TestRunCommand(t *testing.T) {
	f := writeScenario(t, "ok.hcl", passingScenario)
	r := kppemu(t, "", "run", f, "--parallel", "1", "--seed", "4")
	require.Equal(t, 0, r.status, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	require.Regexp(t, `(?m)^poke_detected\s+4\s+PASS\s+0x109 type 0xa`, r.stdout)
	flat := strings.Join(strings.Fields(r.stdout), " ")
	require.Contains(t, flat, "last written by host (scenario step 1)")
	require.Contains(t, flat, "1 scenario, 1 run: 1 passed, 0 failed, 0 errors, 0 skipped;")
	for _, line := range strings.Split(r.stdout, "\n") {
		require.LessOrEqual(t, len([]rune(line)), 100, "line wider than 100 columns: %q", line)
	}
	// --wide leaves the rows whole.
	r = kppemu(t, "", "run", f, "--seed", "4", "--wide")
	require.Equal(t, 0, r.status, r.stderr)
	require.Regexp(t, `(?m)^poke_detected\s+4\s+PASS\s+0x109 type 0xa within 150ms\s+0x109 type 0xa system service function at`, r.stdout)
}

// TestRunCommandJSON: --json is one document with every run.
func TestRunCommandJSON(t *testing.T) {
	f := writeScenario(t, "ok.hcl", passingScenario)
	r := kppemu(t, "", "run", "--json", "--repeat", "2", f)
	require.Equal(t, 0, r.status, r.stderr)
	var rep struct {
		Results []struct {
			Scenario  string
			Seed      uint64
			Outcome   string
			LatencyNS *uint64 `json:"latency_ns"`
			BugCheck  struct {
				Params []string
			}
		}
		Passed bool
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), r.stdout)
	require.True(t, rep.Passed)
	require.Len(t, rep.Results, 2)
	require.Equal(t, uint64(2), rep.Results[1].Seed)
	require.NotNil(t, rep.Results[0].LatencyNS)
	require.True(t, strings.HasPrefix(rep.Results[0].BugCheck.Params[2], "0xffffffff8"), rep.Results[0].BugCheck.Params)
}

// TestRunCommandFailures: a failed expectation and a broken file both give
// status 1; the broken file's error names file:line:col and the other
// scenario still runs.
func TestRunCommandFailures(t *testing.T) {
	bad := writeScenario(t, "bad.hcl", "scenario \"x\" {\n  seeds = \"9..1\"\n  expect { no_bugcheck_for = \"1s\" }\n}\n")
	failing := writeScenario(t, "fail.hcl", `
scenario "wrong_type" {
  append = "pg.profile=test"
  step {
    at = "30ms"
    poke {
      symbol = "service_table"
      xor    = "0x1"
      size   = 1
    }
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0x1"
  }
}
`)
	r := kppemu(t, "", "run", bad, failing)
	require.Equal(t, exitScenarioFailed, r.status, r.stderr)
	flat := strings.Join(strings.Fields(r.stdout), " ")
	require.Contains(t, flat, bad+":2:11: Invalid seeds")
	require.Regexp(t, `(?m)^wrong_type\s+1\s+FAIL`, r.stdout)
	require.Contains(t, flat, "expected region type 0x1, got 0xa")

	r = kppemu(t, "", "run")
	require.Equal(t, exitHostError, r.status)
}

// A misspelt driver is refused when the file is parsed (with --list too),
// not when the guest fails to load it.
func TestRunUnknownNames(t *testing.T) {
	f := writeScenario(t, "typo.hcl", "scenario \"typo\" {\n  step {\n    at   = \"10ms\"\n    load = \"atack_a1\"\n  }\n  expect { no_bugcheck_for = \"1s\" }\n}\n")
	r := kppemu(t, "", "run", "--list", f)
	require.Equal(t, exitScenarioFailed, r.status)
	require.Contains(t, r.stderr, f+`:4:12: Unknown driver: load: no driver "atack_a1"; did you mean "attack_a1"?`)
}

// Limits: a campaign too large to queue, or a guest time no run could
// reach, is refused at once with a message.
func TestRunLimits(t *testing.T) {
	f := writeScenario(t, "ok.hcl", passingScenario)
	r := kppemu(t, "", "run", "--repeat", "1000000000000", f)
	require.Equal(t, exitHostError, r.status)
	require.Contains(t, r.stderr, "--repeat 1000000000000: at most 1000000 runs per campaign")

	long := writeScenario(t, "long.hcl", "scenario \"long\" {\n  step {\n    at   = \"100000h\"\n    type = \"ps\"\n  }\n  expect { no_bugcheck_for = \"1s\" }\n}\n")
	r = kppemu(t, "", "run", long)
	require.Equal(t, exitScenarioFailed, r.status)
	require.Contains(t, strings.Join(strings.Fields(r.stdout), " "), `long.hcl:3:12: Invalid duration: at: duration "100000h" is longer than 24h0m0s of guest time`)
}

// Every write error on the report is a host error, not a silent success.
func TestRunWriteErrors(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	f := writeScenario(t, "quiet.hcl", "scenario \"quiet\" {\n  expect { no_bugcheck_for = \"10ms\" }\n}\n")
	r := kppemu(t, "", "run", "--out", "/dev/full", f)
	require.Equal(t, exitHostError, r.status, r.stderr)
	require.Contains(t, r.stderr, "--out /dev/full: write /dev/full: no space left on device")

	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	require.NoError(t, err)
	defer full.Close()
	for _, args := range [][]string{{"run", f}, {"run", "--json", f}} {
		cmd := exec.Command(kppemuBinary(t), args...)
		cmd.Stdout = full
		var errb strings.Builder
		cmd.Stderr = &errb
		err := cmd.Run()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, "%v must fail", args)
		require.Equal(t, exitHostError, ee.ExitCode(), errb.String())
		require.Contains(t, errb.String(), "writing the report")
	}
}

// A campaign run as shards on "several machines" and merged gives the
// report of the campaign run on one: the same JSON (host times aside) and
// the same table.
func TestRunShardMerge(t *testing.T) {
	f := writeScenario(t, "camp.hcl", `
scenario "flips" {
  append  = "pg.profile=test"
  seeds   = "1..5"
  step {
    after = "pg-armed + 5ms"
    jitter = "5ms"
    attack = true
    flip { region_type = "0xa|0x0" }
  }
  expect {
    bugcheck    = "0x109"
    region_type = "flipped|0x101"
    within      = "100ms"
    crash_ok    = true
  }
}
scenario "quiet" {
  expect { no_bugcheck_for = "20ms" }
}
`)
	broken := writeScenario(t, "broken.hcl", "scenario \"x\" {\n  seeds = \"9..1\"\n  expect { no_bugcheck_for = \"1s\" }\n}\n")
	dir := t.TempDir()
	all := filepath.Join(dir, "all.json")
	// --wide: with wrapping, the WALL column's width (host time) could move
	// a line break.
	r := kppemu(t, "", "run", "-j", "2", "--wide", "--out", all, f, broken)
	require.Equal(t, exitScenarioFailed, r.status, r.stderr) // the broken file
	single := r.stdout
	var parts []string
	for k := 0; k < 3; k++ {
		p := filepath.Join(dir, fmt.Sprintf("shard%d.json", k))
		r := kppemu(t, "", "run", "--shard", fmt.Sprintf("%d/3", k), "--out", p, f, broken)
		require.Equal(t, exitScenarioFailed, r.status, r.stderr)
		require.Contains(t, r.stdout, fmt.Sprintf("shard %d/3 of 6 runs", k))
		parts = append(parts, p)
	}
	merged := filepath.Join(dir, "merged.json")
	r = kppemu(t, "", append([]string{"report", "merge", "--wide", "--out", merged}, parts...)...)
	require.Equal(t, exitScenarioFailed, r.status, r.stderr)
	require.Equal(t, withoutHostTimes(single), withoutHostTimes(r.stdout))
	require.Equal(t, normalizedJSON(t, all), normalizedJSON(t, merged))

	// A missing shard is an error that names it.
	r = kppemu(t, "", "report", "merge", parts[0], parts[2])
	require.Equal(t, exitScenarioFailed, r.status)
	require.Contains(t, r.stderr, "no report from shard 1/3")
	r = kppemu(t, "", "report", "merge", f)
	require.Equal(t, exitHostError, r.status)
	require.Contains(t, r.stderr, "not a kppemu run report")
}

// withoutHostTimes drops what differs between two runs of the same
// campaign: the WALL column and the elapsed times of the totals.
func withoutHostTimes(s string) string {
	s = regexp.MustCompile(`\d+(\.\d+)?(ms|s|m\d+(\.\d+)?s|µs)\b`).ReplaceAllString(s, "T")
	return strings.Join(strings.Fields(s), " ")
}

func normalizedJSON(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var v any
	require.NoError(t, json.Unmarshal(b, &v))
	var strip func(any)
	strip = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			for _, k := range []string{"wall_ns", "start_ns", "elapsed_ns", "machine_ns", "shard"} {
				delete(x, k)
			}
			for _, e := range x {
				strip(e)
			}
		case []any:
			for _, e := range x {
				strip(e)
			}
		}
	}
	strip(v)
	out, err := json.MarshalIndent(v, "", " ")
	require.NoError(t, err)
	return string(out)
}

// SIGINT stops the runs in flight; the report of the finished ones is
// printed and written, and the status is 130. The signal goes once the
// progress bar shows a finished run (the handler is in place then,
// however long a loaded host took to get there).
func TestRunInterrupt(t *testing.T) {
	f := writeScenario(t, "long.hcl", "scenario \"long\" {\n  seeds = \"1..50\"\n  expect { no_bugcheck_for = \"20s\" }\n}\n")
	out := filepath.Join(t.TempDir(), "partial.json")
	cmd := exec.Command(kppemuBinary(t), "run", "-j", "1", "--progress", "--out", out, f)
	var stdout strings.Builder
	stderr := &ptyOut{}
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	require.NoError(t, cmd.Start())
	stderr.pid = cmd.Process.Pid
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	}()
	stderr.waitFor(t, "/50)", 1)
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	err := cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	require.Equal(t, exitInterrupted, ee.ExitCode(), stderr.String())
	require.Regexp(t, `interrupted after \d+ of 50 runs`, stderr.String())
	require.Contains(t, stdout.String(), "INCOMPLETE: interrupted after")
	var rep struct {
		Results     []json.RawMessage
		Interrupted string
		Passed      bool
	}
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rep))
	require.False(t, rep.Passed)
	require.Less(t, len(rep.Results), 50)
	require.Contains(t, rep.Interrupted, "interrupted after")
}

// --max-wall bounds the host time of a campaign.
func TestRunMaxWall(t *testing.T) {
	f := writeScenario(t, "long.hcl", "scenario \"long\" {\n  seeds = \"1..50\"\n  expect { no_bugcheck_for = \"20s\" }\n}\n")
	r := kppemu(t, "", "run", "-j", "1", "--max-wall", "1s", f)
	require.Equal(t, exitScenarioFailed, r.status, r.stderr)
	require.Regexp(t, `--max-wall 1s reached after \d+ of 50 runs`, r.stderr)
}
