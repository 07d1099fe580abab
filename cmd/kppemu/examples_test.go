package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// shardCommand checks one shard's command line from an example: it runs
// kppemu as the batch system would (with the campaign cut short by
// --max-wall), so a flag or file the example names and kppemu does not
// know fails here.
func shardCommand(t *testing.T, cmdline string, k, n int) {
	t.Helper()
	args := strings.Fields(cmdline)
	require.Equal(t, "run", args[0], cmdline)
	out := filepath.Join(t.TempDir(), "shard.json")
	var run []string
	for i := 1; i < len(args); i++ {
		a := strings.Trim(args[i], `"`)
		switch {
		case a == "--out":
			i++
			run = append(run, "--out", out)
		case a == "--max-wall":
			i++
			run = append(run, "--max-wall", "1ns")
		case a == "--shard":
			i++
			require.Equal(t, strconv.Itoa(k)+"/"+strconv.Itoa(n), strings.Trim(args[i], `"`))
			run = append(run, "--shard", strconv.Itoa(k)+"/"+strconv.Itoa(n))
		case strings.HasSuffix(a, ".hcl"):
			p := filepath.Join("..", "..", "scenarios", strings.TrimPrefix(strings.TrimPrefix(a, "/scenarios/"), "scenarios/"))
			_, err := os.Stat(p)
			require.NoError(t, err, "the example's scenario file %s", a)
			run = append(run, p)
		default:
			run = append(run, a)
		}
	}
	r := kppemu(t, "", append([]string{"run"}, run...)...)
	require.Equal(t, exitScenarioFailed, r.status, "stderr: %s", r.stderr)
	require.Contains(t, r.stderr, "--max-wall 1ns reached", "the command line is valid and ran")
	_, err := os.Stat(out)
	require.NoError(t, err, "the shard's report is written")
}

func TestExampleKubernetes(t *testing.T) {
	b, err := os.ReadFile("../../examples/kubernetes/a23-indexed-job.yaml")
	require.NoError(t, err)
	var job struct {
		Kind string
		Spec struct {
			CompletionMode string `yaml:"completionMode"`
			Completions    int
			Template       struct {
				Spec struct {
					Containers []struct {
						Command []string
						Args    []string
					}
				}
			}
		}
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	for {
		require.NoError(t, dec.Decode(&job))
		if job.Kind == "Job" {
			break
		}
	}
	require.Equal(t, "Indexed", job.Spec.CompletionMode)
	n := job.Spec.Completions
	require.Greater(t, n, 1)
	args := strings.Join(job.Spec.Template.Spec.Containers[0].Args, " ")
	require.Contains(t, args, `--shard "${JOB_COMPLETION_INDEX}/`+strconv.Itoa(n)+`"`)
	cmd := strings.TrimPrefix(strings.ReplaceAll(args, "${JOB_COMPLETION_INDEX}", strconv.Itoa(n-1)), "kppemu ")
	shardCommand(t, cmd, n-1, n)

	merge, err := os.ReadFile("../../examples/kubernetes/a23-merge-job.yaml")
	require.NoError(t, err)
	for k := 0; k < n; k++ {
		require.Contains(t, string(merge), "/results/shard-"+strconv.Itoa(k)+".json")
	}
	require.NotContains(t, string(merge), "/results/shard-"+strconv.Itoa(n)+".json")
}

func TestExampleGitHubActions(t *testing.T) {
	b, err := os.ReadFile("../../examples/github-actions/a23-campaign.yml")
	require.NoError(t, err)
	var wf struct {
		Env  map[string]string
		Jobs map[string]struct {
			Needs    any
			Strategy struct {
				Matrix struct {
					Shard []int
				}
			}
			Steps []struct {
				Run string
			}
		}
	}
	require.NoError(t, yaml.Unmarshal(b, &wf))
	n, err := strconv.Atoi(wf.Env["SHARDS"])
	require.NoError(t, err)
	shard := wf.Jobs["shard"]
	require.Len(t, shard.Strategy.Matrix.Shard, n)
	for i, k := range shard.Strategy.Matrix.Shard {
		require.Equal(t, i, k)
	}
	found := false
	for _, st := range shard.Steps {
		if !strings.Contains(st.Run, "./kppemu run") {
			continue
		}
		found = true
		line := strings.ReplaceAll(st.Run, "${{ matrix.shard }}", "3")
		line = strings.ReplaceAll(line, "${{ env.SHARDS }}", strconv.Itoa(n))
		line = strings.TrimPrefix(strings.SplitN(line, "||", 2)[0], "./kppemu ")
		shardCommand(t, strings.TrimSpace(line), 3, n)
	}
	require.True(t, found, "a step runs kppemu run --shard")
	require.Equal(t, "shard", wf.Jobs["merge"].Needs)
	mergeRun := ""
	for _, st := range wf.Jobs["merge"].Steps {
		mergeRun += st.Run
	}
	require.Regexp(t, regexp.MustCompile(`kppemu report merge .*shard-\*\.json`), mergeRun)
}
