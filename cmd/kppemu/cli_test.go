package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/emu/scenario"
)

// The CLI's conventions: --version, `help CMD` for every command, an
// unknown command named with the list of commands, and flag help without
// doubled or empty defaults.
func TestCLIConventions(t *testing.T) {
	r := kppemu(t, "", "--version")
	require.Equal(t, 0, r.status, r.stderr)
	require.Regexp(t, `^kppemu version \S+.*go1\.\d+.*embedded kernel sha256 [0-9a-f]{12}\n$`, r.stdout)

	commands := []string{"boot", "run", "report", "debug", "disasm", "images", "sign", "bench"}
	doubled := regexp.MustCompile(`\(default: [^)]*\).*\(default: `)
	for _, cmd := range commands {
		for _, args := range [][]string{{"help", cmd}, {cmd, "--help"}} {
			r := kppemu(t, "", args...)
			require.Equal(t, 0, r.status, "%v: %s", args, r.stderr)
			require.Contains(t, r.stdout, "kppemu "+cmd+" - ", "%v", args)
			require.NotContains(t, r.stdout+r.stderr, "No help topic", "%v", args)
			for _, line := range strings.Split(r.stdout, "\n") {
				require.False(t, doubled.MatchString(line), "%v: doubled default: %q", args, line)
				require.NotRegexp(t, `\(default: (false|0|0s|"")\)$`, line, "%v: empty default", args)
			}
		}
	}

	r = kppemu(t, "", "help", "bot")
	require.Equal(t, exitHostError, r.status)
	require.Contains(t, r.stderr, `unknown command "bot"; did you mean "boot"?`)
	r = kppemu(t, "", "frobnicate")
	require.Equal(t, exitHostError, r.status)
	require.Contains(t, r.stderr, `unknown command "frobnicate" (commands: boot, run,`)
	require.NotContains(t, r.stderr, "No help topic")
}

// The campaign progress bar counts runs and failures.
func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	p := newProgressBar(&buf, 3)
	p.update(1, 3, &scenario.Result{Outcome: scenario.Pass})
	p.update(2, 3, &scenario.Result{Outcome: scenario.Fail})
	p.update(3, 3, &scenario.Result{Outcome: scenario.Pass})
	require.Equal(t, 1, p.failed)
	require.Equal(t, int64(3), p.bar.State().CurrentNum)
	require.True(t, p.bar.IsFinished())
	p.finish()
	require.Contains(t, buf.String(), "(1/3)", "the first run is drawn at once")
}
