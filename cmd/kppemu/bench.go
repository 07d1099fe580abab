package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/kppemu/kppemu/emu/bench"
	"github.com/kppemu/kppemu/images/qemu"
)

func benchCommand() *cli.Command {
	return &cli.Command{
		Name:      "bench",
		Usage:     "MIPS on the standard guest workloads, and the ratio to QEMU TCG",
		ArgsUsage: " ",
		Description: "Boots the embedded kernel and runs the ring-3 program bench (workloads: " +
			strings.Join(bench.Names(), ", ") + ")\n" +
			"from its shell, and a baseline boot that only powers off; the difference is the workload.\n" +
			"kppemu's instructions are exact (Instret); QEMU's are kppemu's for the same work, approximately\n" +
			"(timer interrupts follow each machine's clock). Wall times are medians of --runs boots.\n" +
			"QEMU is measured when qemu-system-x86_64 is installed (--qemu=false skips it, --qemu requires it).",
		Flags: []cli.Flag{
			accelFlag(),
			&cli.BoolFlag{Name: "qemu", Usage: "measure QEMU TCG too (default: when it is installed)"},
			&cli.IntFlag{Name: "runs", Value: 3, Usage: "boots per measurement `N` (the median is taken)"},
			&cli.StringSliceFlag{Name: "workload", Usage: "workload `W` to run (repeatable; default: all)"},
			&cli.Float64Flag{Name: "scale", Value: 1, Usage: "multiply kppemu's rounds per workload by `F`"},
			&cli.DurationFlag{Name: "qemu-time", Value: 1500 * time.Millisecond, Usage: "QEMU's work per workload `DURATION` (rounds are sized to it)"},
			&cli.DurationFlag{Name: "bochs-time", Value: 8 * time.Second, Usage: "Bochs's work per workload `DURATION` (rounds are sized to it; Bochs's boot is not timed)"},
			&cli.BoolFlag{Name: "cpu-time", Usage: "measure CPU time (user + system) instead of wall time: steadier on a busy host"},
			&cli.BoolFlag{Name: "quiet", Usage: "no progress bar or progress lines on stderr"},
			&cli.BoolFlag{Name: "progress", Usage: "show a progress bar even when stderr is not a terminal"},
			&cli.BoolFlag{Name: "wide", Usage: wideUsage},
			&cli.BoolFlag{Name: "bochs", Usage: "measure Bochs too, booted from a GRUB ISO (default: when it is installed; make bench-deps)"},
			&cli.BoolFlag{Name: "json", Usage: "print the results as JSON instead of a table"},
			&cli.StringFlag{Name: "check", Usage: "compare the kppemu/QEMU ratios with the baseline `FILE` (a --json report); fail on a workload more than 15% below it"},
			&cli.StringFlag{Name: "cpuprofile", Usage: "write a CPU profile of the whole run to `FILE` (go tool pprof; kppemu's own time)"},
			&cli.IntFlag{Name: "jit-profile", Usage: "instead of measuring speed, boot each workload once in the translating tier and list the `N` instructions the interpreter runs most instead of generated code"},
		},
		Action: benchAction,
	}
}

func benchAction(c *cli.Context) error {
	if c.Args().Len() > 0 {
		return &exitStatus{exitHostError, fmt.Sprintf("bench takes no arguments (got %q); use --workload W", c.Args().First())}
	}
	accel, err := accelName(c)
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	o := bench.Options{Runs: c.Int("runs"), Scale: c.Float64("scale"), QEMUTarget: c.Duration("qemu-time"), BochsTarget: c.Duration("bochs-time"), Accel: accel,
		CPUTime: c.Bool("cpu-time")}
	if o.Runs < 1 {
		return &exitStatus{exitHostError, "--runs must be at least 1"}
	}
	if o.Scale <= 0 {
		return &exitStatus{exitHostError, "--scale must be positive"}
	}
	for _, v := range c.StringSlice("workload") {
		for _, name := range strings.Split(v, ",") {
			w, ok := bench.Lookup(strings.TrimSpace(name))
			if !ok {
				return &exitStatus{exitHostError, fmt.Sprintf("--workload %q: no such workload (have: %s)", name, strings.Join(bench.Names(), ", "))}
			}
			o.Workloads = append(o.Workloads, w)
		}
	}
	if c.IsSet("qemu") {
		o.QEMU = c.Bool("qemu")
	} else {
		o.QEMU = qemu.Available()
	}
	if c.IsSet("bochs") {
		o.Bochs = c.Bool("bochs")
	} else {
		o.Bochs = bench.BochsAvailable()
	}
	if !c.Bool("quiet") {
		o.Progress = os.Stderr
		if c.Bool("progress") || term.IsTerminal(int(os.Stderr.Fd())) {
			bar := newBenchBar(os.Stderr)
			o.Progress, o.Status = bar, bar.status
			defer bar.finish()
		}
	}
	if p := c.String("cpuprofile"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			return &exitStatus{exitHostError, err.Error()}
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return &exitStatus{exitHostError, err.Error()}
		}
		defer pprof.StopCPUProfile()
	}
	if n := c.Int("jit-profile"); n > 0 {
		return benchJITProfile(stdout, o, n)
	}
	var base bench.Report
	if p := c.String("check"); p != "" {
		var err error
		if base, err = bench.ReadReport(p); err != nil {
			return &exitStatus{exitHostError, "--check: " + err.Error()}
		}
		if !o.QEMU {
			return &exitStatus{exitHostError, "--check compares kppemu/QEMU ratios: it needs " + qemu.Binary}
		}
		if tier, err := bench.ResolveAccel(o.Accel); err == nil && base.Accel != "" && base.Accel != tier {
			return &exitStatus{exitHostError, fmt.Sprintf("--check: %s measured the %s tier, this run measures %s (--accel %s)", p, base.Accel, tier, base.Accel)}
		}
	}
	results, err := bench.Run(o)
	if len(results) > 0 {
		if c.Bool("json") {
			if err := bench.NewReport(o, results).WriteJSON(stdout); err != nil {
				return &exitStatus{exitHostError, err.Error()}
			}
		} else if err := bench.WriteText(stdout, o, results, tableWidth(c, bench.DefaultWidth)); err != nil {
			return &exitStatus{exitHostError, "writing the results: " + err.Error()}
		}
	}
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	if c.String("check") != "" {
		if bad := bench.Regressions(base, bench.NewReport(o, results), 0.15); len(bad) > 0 {
			return &exitStatus{exitHostError, "bench check against " + c.String("check") + ":\n" + strings.Join(bad, "\n")}
		}
		fmt.Fprintf(os.Stderr, "bench check: every ratio within 15%% of %s\n", c.String("check"))
	}
	return nil
}

// benchBar is bench's progress on stderr: a progress bar over the
// measurements that names the one running ("kppemu sieve  40% |████  |
// (4/10) [20s:30s]"), with each finished measurement's line printed above
// it.
type benchBar struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func newBenchBar(w io.Writer) *benchBar { return &benchBar{w: w} }

func (b *benchBar) status(done, total int, doing string) {
	if b.bar == nil {
		// Measurements take seconds: every change is drawn.
		b.bar = newBar(b.w, total, doing, 0)
	}
	b.bar.Describe(doing)
	_ = b.bar.Set(done)
}

// Write prints a progress line above the bar.
func (b *benchBar) Write(p []byte) (int, error) {
	if b.bar != nil {
		_ = b.bar.Clear()
	}
	n, err := b.w.Write(p)
	if b.bar != nil {
		_ = b.bar.RenderBlank()
	}
	return n, err
}

func (b *benchBar) finish() {
	if b.bar != nil {
		_ = b.bar.Finish()
	}
}

// benchJITProfile prints, per workload, the share of instructions the
// interpreter runs in the translating tier and the top instructions among them.
func benchJITProfile(w io.Writer, o bench.Options, top int) error {
	ws := o.Workloads
	if len(ws) == 0 {
		ws = bench.Workloads
	}
	if o.Status != nil {
		defer o.Status(len(ws), len(ws), "")
	}
	for i, wl := range ws {
		if o.Status != nil {
			o.Status(i, len(ws), "profile "+wl.Name)
		}
		r, err := bench.ProfileTier(wl, o.Scale)
		if err != nil {
			return &exitStatus{exitHostError, err.Error()}
		}
		interp := r.Instr - r.Ran
		fmt.Fprintf(w, "%s: %d instructions, %.2f%% interpreted (%d attributed below, %d by the run loop itself)\n",
			wl.Name, r.Instr, 100*float64(interp)/float64(max(r.Instr, 1)), r.Profile.Total(), interp-min(interp, r.Profile.Total()))
		r.Profile.Write(w, r.Instr, top)
	}
	return nil
}
