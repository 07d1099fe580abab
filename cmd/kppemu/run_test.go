package main

import (
	"encoding/json"
	"os"
	"path/filepath"
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
	require.Regexp(t, `(?m)^poke_detected\s+4\s+PASS\s+0x109 type 0xa within 150ms`, r.stdout)
	require.Contains(t, r.stdout, "last written by host (scenario step 1)")
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
	require.Contains(t, r.stdout, bad+":2:11: Invalid seeds")
	require.Regexp(t, `(?m)^wrong_type\s+1\s+FAIL`, r.stdout)
	require.Contains(t, r.stdout, "expected region type 0x1, got 0xa")

	r = kppemu(t, "", "run")
	require.Equal(t, exitHostError, r.status)
}
