package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/emu/debug"
	"github.com/kppemu/kppemu/emu/debug/record"
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
			"machine per run, in parallel across cores, and prints one row per scenario: outcome,\n" +
			"expected vs observed, detection latency (guest time from the attack step to the bug\n" +
			"check), instructions and elapsed wall time, then a line of totals. Scenarios with\n" +
			"several runs (a seed range, --repeat, restore_after variants) also print a campaign\n" +
			"table and a latency histogram. docs/scenarios.md describes the language.\n\n" +
			"--shard I/N runs the share of the campaign with job index i mod N == I (0 <= I < N);\n" +
			"`kppemu report merge` combines the shards' --out files into the report one machine\n" +
			"would have printed. SIGINT or SIGTERM (or --max-wall) stops the runs in flight and\n" +
			"reports the ones that finished.\n\n" +
			"Exit status: 0 when every expectation held (skipped scenarios included), 1 when one\n" +
			"failed, a scenario could not run or --max-wall stopped the campaign, 2 on a host\n" +
			"error (bad flag, unreadable file, failed write), 130 when interrupted.",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "parallel", Aliases: []string{"j"}, Usage: "`N` machines at once (0: one per CPU)"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON (every run, summaries) instead of tables"},
			&cli.StringFlag{Name: "out", Usage: "also write the report as JSON to `FILE` (what `kppemu report merge` reads)"},
			&cli.Uint64Flag{Name: "seed", Usage: "run every scenario with seed `N` instead of its own (the first of a --repeat)"},
			&cli.IntFlag{Name: "repeat", Usage: "run each scenario `N` times with consecutive seeds (a campaign)"},
			&cli.StringFlag{Name: "shard", Usage: "run only share `I/N` of the campaign (0 <= I < N)"},
			&cli.DurationFlag{Name: "max-wall", Usage: "stop after `DURATION` of host time and report what finished"},
			&cli.BoolFlag{Name: "all-runs", Usage: "print one row per run, not per scenario"},
			&cli.BoolFlag{Name: "wide", Usage: wideUsage},
			&cli.BoolFlag{Name: "progress", Usage: "show a progress bar even when stderr is not a terminal"},
			&cli.BoolFlag{Name: "list", Usage: "only parse the files and list the scenarios (and their errors)"},
			accelFlag(),
			&cli.BoolFlag{Name: "debug-on-fail", Usage: "after the report, open the debugger console on the machine of the first run that failed, as the run left it"},
		},
		Action: runAction,
	}
}

// runValueFlags are the run flags that take a value.
var runValueFlags = map[string]bool{"parallel": true, "j": true, "seed": true, "repeat": true, "out": true, "shard": true, "max-wall": true, "accel": true}

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
	if c.Int("repeat") < 0 || c.Int("parallel") < 0 || c.Duration("max-wall") < 0 {
		return &exitStatus{exitHostError, "--repeat, --parallel and --max-wall must not be negative"}
	}
	if c.Int("repeat") > scenario.MaxJobs {
		return &exitStatus{exitHostError, fmt.Sprintf("--repeat %d: at most %d runs per campaign", c.Int("repeat"), scenario.MaxJobs)}
	}
	accel, err := accelName(c)
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	loaded := scenario.LoadFiles(files)
	if c.Bool("list") {
		for _, sc := range loaded.Scenarios {
			line := fmt.Sprintf("%s\t%s\t%d seed(s) × %d variant(s)\t%s", sc.Pos, sc.Name, len(sc.Seeds), len(sc.Variants()), sc.Description)
			if n := sc.MachineNote(); n != "" {
				line += " [machine: " + n + "]"
			}
			if _, err := fmt.Println(line); err != nil {
				return &exitStatus{exitHostError, "run --list: " + err.Error()}
			}
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
	all, err := plan.Jobs(loaded.Scenarios)
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	jobs := all
	var shard *scenario.Shard
	if c.IsSet("shard") {
		sh, err := scenario.ParseShard(c.String("shard"))
		if err != nil {
			return &exitStatus{exitHostError, "--" + err.Error()}
		}
		shard = &sh
		plan.Shard, plan.Shards = sh.Index, sh.Count
		if jobs, err = plan.Jobs(loaded.Scenarios); err != nil {
			return &exitStatus{exitHostError, err.Error()}
		}
	}

	// SIGINT/SIGTERM and --max-wall stop the runs in flight; what finished
	// is still reported.
	ctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	go func() {
		<-ctx.Done()
		stopSignals() // a second Ctrl-C ends the process at once
	}()
	var wallCtx context.Context = ctx
	if d := c.Duration("max-wall"); d > 0 {
		var cancel context.CancelFunc
		wallCtx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}

	for i := range jobs {
		jobs[i].Accel = accel
	}
	var progress func(done, total int, r *scenario.Result)
	if len(jobs) > 1 && (c.Bool("progress") || term.IsTerminal(int(os.Stderr.Fd()))) {
		bar := newProgressBar(os.Stderr, len(jobs))
		progress = bar.update
		defer bar.finish()
	}
	var failed struct {
		sync.Mutex
		m    *emu.Machine
		r    *scenario.Result
		rec  *record.Recorder
		recs map[*emu.Machine]*record.Recorder
	}
	failed.recs = map[*emu.Machine]*record.Recorder{}
	if c.Bool("debug-on-fail") {
		for i := range jobs {
			// Every run is recorded, so that on the failed one the
			// console's whowrote, analyze and reverse steps see its history;
			// the recordings of the others are dropped as they end.
			jobs[i].Start = func(m *emu.Machine) func(uint64) emu.Stop {
				rec, err := record.New(m, record.Config{BudgetBytes: debugOnFailBudget})
				if err != nil {
					return m.Run
				}
				failed.Lock()
				failed.recs[m] = rec
				failed.Unlock()
				return rec.Run
			}
			jobs[i].Inspect = func(m *emu.Machine, r *scenario.Result) {
				failed.Lock()
				defer failed.Unlock()
				rec := failed.recs[m]
				delete(failed.recs, m)
				if r.Outcome != scenario.Fail || failed.m != nil && r.Job > failed.r.Job {
					if rec != nil {
						rec.Close()
					}
					return
				}
				if failed.rec != nil {
					failed.rec.Close()
				}
				failed.m, failed.r, failed.rec = m, r, rec
			}
		}
	}
	results := append(loaded.ErrorResults(), scenario.RunAllContext(wallCtx, jobs, c.Int("parallel"), progress)...)
	if progress != nil {
		fmt.Fprint(os.Stderr, "\r\033[K")
	}
	rep := scenario.NewReport(results)
	rep.TotalJobs, rep.Shard, rep.Campaign = len(all), shard, scenario.Fingerprint(all)
	var status *exitStatus
	if wallCtx.Err() != nil {
		finished := len(results) - len(loaded.ErrorResults())
		if ctx.Err() != nil {
			rep.Interrupted = fmt.Sprintf("interrupted after %d of %d runs", finished, len(jobs))
			status = &exitStatus{exitInterrupted, rep.Interrupted}
		} else {
			rep.Interrupted = fmt.Sprintf("--max-wall %s reached after %d of %d runs", c.Duration("max-wall"), finished, len(jobs))
			status = &exitStatus{exitScenarioFailed, rep.Interrupted}
		}
		rep.Passed = false
	}
	if err := writeReport(rep, stdout, c.String("out"), c.Bool("json"), reportOptions(c)); err != nil {
		return err
	}
	if failed.m != nil {
		r := failed.r
		why := fmt.Sprintf("kppemu: %s (seed %d) failed: %s\nThe machine is as the run left it at %d ns (analyze explains a bug check).\n",
			r.Scenario, r.Seed, strings.Join(r.Failures, "; "), failed.m.Now())
		interactive := term.IsTerminal(int(os.Stdin.Fd()))
		var rec debug.Recorder
		if failed.rec != nil {
			rec = failed.rec
			defer failed.rec.Close()
		}
		if err := openDebugger(c, failed.m, nil, io.Discard, why, interactive, rec, os.Stdin); err != nil {
			return err
		}
	}
	if status != nil {
		return status
	}
	if !rep.Passed {
		return &exitStatus{exitScenarioFailed, ""}
	}
	return nil
}

// reportOptions are the text report's options from the flags.
func reportOptions(c *cli.Context) scenario.TextOptions {
	return scenario.TextOptions{AllRuns: c.Bool("all-runs"), Width: tableWidth(c, scenario.DefaultWidth)}
}

// wideUsage is the help of the --wide flag of the commands that print
// tables.
const wideUsage = "do not fit the output to the terminal's width (100 columns when stdout is not a terminal)"

// tableWidth is the width a table printed on stdout fits: none with
// --wide, the terminal's when stdout is one, def otherwise (a pipe or a
// file).
func tableWidth(c *cli.Context, def int) int {
	if c.Bool("wide") {
		return 0
	}
	if fd := int(os.Stdout.Fd()); term.IsTerminal(fd) {
		if w, _, err := term.GetSize(fd); err == nil && w >= 40 {
			return w
		}
	}
	return def
}

// writeReport prints the report (JSON or text) and writes the JSON to out
// when given; any write error is a host error.
func writeReport(rep *scenario.Report, stdout io.Writer, out string, asJSON bool, opt scenario.TextOptions) error {
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return &exitStatus{exitHostError, "--out: " + err.Error()}
		}
		err = rep.WriteJSON(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return &exitStatus{exitHostError, fmt.Sprintf("--out %s: %v", out, err)}
		}
	}
	var err error
	if asJSON {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteText(stdout, opt)
	}
	if err != nil {
		return &exitStatus{exitHostError, "writing the report: " + err.Error()}
	}
	return nil
}

// progressBar shows a campaign's progress on one terminal line: "runs
// (3 failed)  60% |██████    | (120/200) [12s:8s]". It is
// github.com/schollz/progressbar: maintained, throttled redraws, ETA and
// terminal-width handling, and nothing it draws reaches stdout.
type progressBar struct {
	bar    *progressbar.ProgressBar
	failed int
}

// newBar is the progress bar of run and bench on w (stderr), with its
// description first, redrawn at most once per throttle.
func newBar(w io.Writer, total int, desc string, throttle time.Duration) *progressbar.ProgressBar {
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionThrottle(throttle),
		progressbar.OptionFullWidth(),
		progressbar.OptionClearOnFinish(),
	)
}

func newProgressBar(w io.Writer, total int) *progressBar {
	return &progressBar{bar: newBar(w, total, "runs", 100*time.Millisecond)}
}

func (p *progressBar) update(done, total int, r *scenario.Result) {
	if r.Outcome == scenario.Fail || r.Outcome == scenario.Error {
		p.failed++
		p.bar.Describe(fmt.Sprintf("runs (%d failed)", p.failed))
	}
	_ = p.bar.Set(done)
}

func (p *progressBar) finish() { _ = p.bar.Finish() }

// debugOnFailBudget bounds each run's recording under --debug-on-fail.
const debugOnFailBudget = 128 << 20
