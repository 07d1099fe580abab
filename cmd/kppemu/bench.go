package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

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
			&cli.BoolFlag{Name: "cpu-time", Usage: "measure CPU time (user + system) instead of wall time: steadier on a busy host"},
			&cli.BoolFlag{Name: "quiet", Usage: "no progress lines on stderr"},
			&cli.BoolFlag{Name: "bochs", Usage: "measure Bochs too, booted from a GRUB ISO (default: when it is installed; make bench-deps)"},
			&cli.BoolFlag{Name: "json", Usage: "print the results as JSON instead of a table"},
			&cli.StringFlag{Name: "check", Usage: "compare the kppemu/QEMU ratios with the baseline `FILE` (a --json report); fail on a workload more than 15% below it"},
			&cli.StringFlag{Name: "cpuprofile", Usage: "write a CPU profile of the whole run to `FILE` (go tool pprof; kppemu's own time)"},
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
	o := bench.Options{Runs: c.Int("runs"), Scale: c.Float64("scale"), QEMUTarget: c.Duration("qemu-time"), Accel: accel,
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
	var base bench.Report
	if p := c.String("check"); p != "" {
		var err error
		if base, err = bench.ReadReport(p); err != nil {
			return &exitStatus{exitHostError, "--check: " + err.Error()}
		}
		if !o.QEMU {
			return &exitStatus{exitHostError, "--check compares kppemu/QEMU ratios: it needs " + qemu.Binary}
		}
	}
	results, err := bench.Run(o)
	if len(results) > 0 {
		if c.Bool("json") {
			if err := bench.NewReport(o, results).WriteJSON(os.Stdout); err != nil {
				return &exitStatus{exitHostError, err.Error()}
			}
		} else {
			printBench(os.Stdout, o, results)
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

// printBench writes the results table.
func printBench(out io.Writer, o bench.Options, results []bench.Result) {
	clock := "wall"
	if o.CPUTime {
		clock = "CPU"
	}
	accel, _ := bench.ResolveAccel(o.Accel) // bench.Run has checked it
	fmt.Fprintf(out, "kppemu bench: embedded kernel (%s) and initrd, program bench, --accel %s; %s time, median of %d boots minus that of a boot that only powers off\n",
		"pg=off", accel, clock, o.Runs)
	w := tabwriter.NewWriter(out, 0, 8, 2, ' ', tabwriter.AlignRight)
	qemuCols := results[0].HasQEMU
	bochsCols := o.Bochs
	fmt.Fprintf(w, "workload\trounds\tinstructions\tkppemu %s\tkppemu MIPS\t", clock)
	if qemuCols {
		fmt.Fprintf(w, "QEMU rounds\tQEMU instr (est.)\tQEMU %s\tQEMU MIPS\tkppemu/QEMU\t", clock)
	}
	if bochsCols {
		fmt.Fprintf(w, "Bochs %s\tBochs MIPS\tkppemu/Bochs\t", clock)
	}
	fmt.Fprintln(w)
	ms := func(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }
	// A value of 0: the workload did not stand out of the baseline's noise.
	num := func(format string, v float64) string {
		if v <= 0 {
			return "-"
		}
		return fmt.Sprintf(format, v)
	}
	noisy := false
	for _, r := range results {
		noisy = noisy || r.KMIPS <= 0 || (r.HasQEMU && r.QMIPS <= 0)
		fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s\t", r.Workload.Name, r.Rounds, r.Instr, ms(r.KWall), num("%.1f", r.KMIPS))
		if qemuCols {
			fmt.Fprintf(w, "%d\t%d\t%s\t%s\t%s\t", r.QRounds, r.QInstr, ms(r.QWall), num("%.0f", r.QMIPS), num("%.4f", r.Ratio()))
		}
		if bochsCols {
			if r.HasBochs {
				fmt.Fprintf(w, "%s\t%s\t%s\t", ms(r.BWall), num("%.1f", r.BMIPS), num("%.2f", r.BochsRatio()))
			} else {
				fmt.Fprintf(w, "n/a\tn/a\tn/a\t")
			}
		}
		fmt.Fprintln(w)
	}
	k, q, ratio := bench.GeoMean(results)
	fmt.Fprintf(w, "geomean\t\t\t\t%s\t", num("%.1f", k))
	if qemuCols {
		fmt.Fprintf(w, "\t\t\t%s\t%s\t", num("%.0f", q), num("%.4f", ratio))
	}
	if bochsCols {
		b, br := bench.BochsGeoMean(results)
		fmt.Fprintf(w, "\t%s\t%s\t", num("%.1f", b), num("%.2f", br))
	}
	fmt.Fprintln(w)
	w.Flush()
	if noisy {
		fmt.Fprintln(out, "-: the workload took no longer than the baseline boot (noise); raise --scale or --qemu-time")
	}
	fmt.Fprintln(out, "checksums: every workload's line matched the host's reference on kppemu"+
		map[bool]string{true: " and QEMU", false: ""}[qemuCols]+
		map[bool]string{true: " (and on Bochs where it has numbers: n/a is a boot that failed there)", false: ""}[bochsCols])
	if bochsCols {
		fmt.Fprintln(out, "Bochs boots the same image from a GRUB ISO at kppemu's rounds; its instructions are kppemu's count.")
	}
	if qemuCols {
		fmt.Fprintln(out, "QEMU instructions are kppemu's count for the same work, extrapolated to QEMU's rounds; approximate:\n"+
			"timer interrupts (100 Hz; irqloop's 10 kHz) follow each machine's own clock (a tick costs ~200\n"+
			"instructions: < 0.01%; irqloop's interrupts up to ~0.5% of its instructions).")
	} else {
		fmt.Fprintln(out, "QEMU: not measured ("+qemu.Binary+" not installed, or --qemu=false)")
	}
}
