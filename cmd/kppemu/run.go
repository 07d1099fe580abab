package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/kppemu/kppemu/emu/scenario"
)

// exitScenarioFailed is `kppemu run`'s status when an expectation failed or
// a scenario could not run.
const exitScenarioFailed = 1

func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run attack and baseline scenarios (HCL files)",
		ArgsUsage: "SCENARIO.hcl|DIR ...",
		Description: "Runs every scenario of the files (a directory stands for its *.hcl files), one\n" +
			"machine per run, in parallel across cores, and prints one row per scenario: outcome, expected vs observed, detection latency\n" +
			"(guest time from the attack step to the bug check), instructions and wall time.\n" +
			"Scenarios with several runs (a seed range, --repeat, restore_after variants) also\n" +
			"print a campaign table (detection rate, latency median/p99/max per group) and a\n" +
			"latency histogram. The language is described in package emu/scenario's documentation.\n\n" +
			"Exit status: 0 when every expectation held (skipped scenarios included), 1 when one\n" +
			"failed or a scenario could not run, 2 on a host error.",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "parallel", Aliases: []string{"j"}, Usage: "`N` machines at once (default: one per CPU)"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON (every run, summaries) instead of tables"},
			&cli.Uint64Flag{Name: "seed", Usage: "run every scenario with seed `N` instead of its own (the first of a --repeat)"},
			&cli.IntFlag{Name: "repeat", Usage: "run each scenario `N` times with consecutive seeds (a campaign)"},
			&cli.BoolFlag{Name: "all-runs", Usage: "print one row per run, not per scenario"},
			&cli.BoolFlag{Name: "progress", Usage: "show a progress bar even when stderr is not a terminal"},
			&cli.BoolFlag{Name: "list", Usage: "only parse the files and list the scenarios (and their errors)"},
		},
		Action: runAction,
	}
}

// runValueFlags are the run flags that take a value.
var runValueFlags = map[string]bool{"parallel": true, "j": true, "seed": true, "repeat": true}

// splitRunArgs separates flags written after the files (`kppemu run a.hcl
// --parallel 4`, the documented order; urfave/cli stops parsing flags at the
// first file) from the files.
func splitRunArgs(args []string) (flags, files []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			files = append(files, args[i+1:]...)
			break
		}
		if len(a) > 1 && a[0] == '-' {
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && runValueFlags[name] && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		files = append(files, a)
	}
	return flags, files
}

func runAction(c *cli.Context) error {
	if flags, files := splitRunArgs(c.Args().Slice()); len(flags) > 0 {
		// Parse again with the late flags in front of the files.
		args := []string{"kppemu", "run"}
		for _, f := range c.Command.Flags {
			if name := f.Names()[0]; c.IsSet(name) {
				args = append(args, fmt.Sprintf("--%s=%v", name, c.Value(name)))
			}
		}
		args = append(append(args, flags...), files...)
		app := &cli.App{Name: "kppemu", Commands: []*cli.Command{runCommand()}, HideHelpCommand: true, ExitErrHandler: func(*cli.Context, error) {}}
		return app.Run(args)
	}
	files := c.Args().Slice()
	if len(files) == 0 {
		return &exitStatus{exitHostError, "run: name at least one scenario file"}
	}
	if c.Int("repeat") < 0 || c.Int("parallel") < 0 {
		return &exitStatus{exitHostError, "--repeat and --parallel must not be negative"}
	}
	loaded := scenario.LoadFiles(files)
	if c.Bool("list") {
		for _, sc := range loaded.Scenarios {
			fmt.Printf("%s\t%s\t%d seed(s) × %d variant(s)\t%s\n", sc.Pos, sc.Name, len(sc.Seeds), len(sc.Variants()), sc.Description)
		}
		for _, e := range loaded.Errors {
			fmt.Fprintln(os.Stderr, e.Error())
		}
		if len(loaded.Errors) > 0 {
			return &exitStatus{exitScenarioFailed, ""}
		}
		return nil
	}
	plan := scenario.Plan{Repeat: c.Int("repeat")}
	if c.IsSet("seed") {
		s := c.Uint64("seed")
		plan.Seed = &s
	}
	jobs := plan.Jobs(loaded.Scenarios)

	var progress func(done, total int, r *scenario.Result)
	if len(jobs) > 1 && (c.Bool("progress") || term.IsTerminal(int(os.Stderr.Fd()))) {
		bar := newProgressBar(os.Stderr, len(jobs))
		progress = bar.update
		defer bar.finish()
	}
	results := append(loaded.ErrorResults(), scenario.RunAll(jobs, c.Int("parallel"), progress)...)
	if progress != nil {
		fmt.Fprint(os.Stderr, "\r\033[K")
	}
	rep := scenario.NewReport(results)
	if c.Bool("json") {
		if err := rep.WriteJSON(os.Stdout); err != nil {
			return &exitStatus{exitHostError, err.Error()}
		}
	} else {
		rep.WriteText(os.Stdout, c.Bool("all-runs"))
	}
	if !rep.Passed {
		return &exitStatus{exitScenarioFailed, ""}
	}
	return nil
}

// progressBar draws "[####......] 120/200 runs, 3 failed, 12s, eta 8s" on
// one terminal line, at most ten times a second.
type progressBar struct {
	w      io.Writer
	total  int
	failed int
	start  time.Time
	last   time.Time
}

func newProgressBar(w io.Writer, total int) *progressBar {
	return &progressBar{w: w, total: total, start: time.Now()}
}

func (p *progressBar) update(done, total int, r *scenario.Result) {
	if r.Outcome == scenario.Fail || r.Outcome == scenario.Error {
		p.failed++
	}
	now := time.Now()
	if done < total && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	const width = 30
	fill := done * width / total
	elapsed := now.Sub(p.start)
	eta := time.Duration(0)
	if done > 0 {
		eta = elapsed * time.Duration(total-done) / time.Duration(done)
	}
	fmt.Fprintf(p.w, "\r\033[K[%s%s] %d/%d runs, %d failed, %s, eta %s", strings.Repeat("#", fill),
		strings.Repeat(".", width-fill), done, total, p.failed, elapsed.Round(time.Second), eta.Round(time.Second))
}

func (p *progressBar) finish() {}
