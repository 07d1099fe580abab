// Package bench measures the emulator's speed in MIPS on standard guest
// workloads and, when qemu-system-x86_64 is installed, QEMU TCG's speed on
// the same image: the embedded kernel boots with the embedded initrd and
// runs the ring-3 program bench (images/programs/bench.c) from its shell.
//
// A workload W with R rounds is measured as the difference of two boots:
// "autorun=run bench W R;poweroff" and the baseline "autorun=poweroff", so
// boot and power-off cancel out. kppemu counts instructions exactly (the
// CPU's Instret at exit); QEMU cannot, so its count is kppemu's for the
// same command line (same image, same work), which is approximate: the
// timer interrupts (KPP_TICK_HZ per second of guest time) are counted at
// kppemu's rate of one per 10^7 instructions, and QEMU's ticks follow the
// host clock (a tick costs about 180 instructions, so the error is below
// 0.01%; irqloop's 10 kHz interrupts, a few hundred instructions each, make
// it up to about 0.5% there). Both boot with pg=off, so that no PatchGuard pass (whose
// number also follows the clock) lands in the difference. QEMU runs many
// more rounds than kppemu, so that its difference stands well above its
// start-up noise; its instruction count is extrapolated linearly from
// kppemu's counts at 1 and R rounds (each round is the same work).
//
// Times are medians over several boots of each command line: wall time
// by default, or the process's CPU time (Options.CPUTime), steadier on a
// busy host. The checksum line the program prints must match the one
// computed here, on both machines.
package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/big"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/kppemu/kppemu/cpu"
	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/images"
	"github.com/kppemu/kppemu/images/qemu"
	"github.com/kppemu/kppemu/kernel/abi"
)

// Workload is one argument of the guest's bench program, a kernel shell
// command that takes a number of rounds, or (Whole) a whole boot.
type Workload struct {
	Name   string
	Rounds uint64 // rounds on kppemu: about 200 million instructions
	Doc    string
	want   func() string // the checksum line's value, computed on the host
	// Shell is the kernel shell command, with %d for the rounds, of a
	// workload that is not a ring-3 bench program (its checksum line is
	// "bench NAME: VALUE" too, with no process exit line).
	Shell string
	// Whole: the workload is a boot with command line Args (no rounds, no
	// baseline subtracted): boot-to-shell time, the PatchGuard soak. Its
	// MIPS are the boot's instructions over its time, and QEMU's the same
	// instructions over QEMU's time (which includes QEMU's own start-up,
	// and waits in real time where kppemu skips idle time).
	Whole bool
	Args  string
	// Prog is the ring-3 program that runs the workload: "bench" when
	// empty, "benchfp" for the floating-point and vector workloads.
	Prog string
}

// program returns the ring-3 program of w.
func (w Workload) program() string {
	if w.Prog == "" {
		return "bench"
	}
	return w.Prog
}

// Workloads are the standard workloads, in table order.
var Workloads = []Workload{
	{Name: "crc32", Rounds: 400, Doc: "table-driven CRC-32 of 64 KiB", want: wantCRC32},
	{Name: "sha256", Rounds: 40, Doc: "SHA-256 of 64 KiB", want: wantSHA256},
	{Name: "sieve", Rounds: 12, Doc: "sieve of Eratosthenes below 2^20", want: wantSieve},
	{Name: "memcpy", Rounds: 400, Doc: "memset and memcpy loops over 256 KiB", want: wantMemcpy},
	{Name: "qsort", Rounds: 40, Doc: "quicksort of 32768 numbers", want: wantQsort},
	{Name: "syscall", Rounds: 100, Doc: "10000 getpid system calls per round (ring 3)",
		want: func() string { return "10000 getpid calls" }},
	{Name: "fp", Rounds: 200, Doc: "n-body and a numeric integral in double precision (scalar SSE2)",
		want: wantFP, Prog: "benchfp"},
	{Name: "vec", Rounds: 1600, Doc: "integer, float and double loops vectorised by gcc -O3 (packed SSE2)",
		want: wantVec, Prog: "benchfp"},
	{Name: "x87", Rounds: 400, Doc: "a long double loop on the x87 (FILD, FMUL, FADD, FDIV, FSQRT)",
		want: wantX87, Prog: "benchfp"},
	{Name: "str", Rounds: 400, Doc: "REP STOSB/MOVSB/MOVSQ over 64 KiB, strlen and strcmp loops",
		want: wantStr},
	{Name: "vm", Rounds: 100, Doc: "vm_alloc, write and vm_free of 64 pages, 16 times per round (ring 3 and the kernel's page tables)",
		want: wantVM},
	{Name: "bignum", Rounds: 400, Doc: "600! in 64-bit limbs, its square and the square's decimal digits (MUL, ADC, DIV)",
		want: wantBignum},
	{Name: "utf8", Rounds: 140, Doc: "UTF-8 encode and decode of 16384 code points, a 16-bit byte histogram",
		want: wantUTF8},
	{Name: "sysloop", Rounds: 4_000_000, Doc: "CPUID, MOV CR8, RDTSC, IN from an unassigned port, INVLPG (ring 0)",
		want: func() string { return "0xff per round" }, Shell: "sysloop %d"},
	{Name: "irqloop", Rounds: 500_000, Doc: "integer work with IRQ-safe critical sections under a 10 kHz PIT interrupt (ring 0)",
		want: wantIRQLoop, Shell: "irqloop %d"},
	{Name: "boot", Doc: "boot of the embedded kernel (PatchGuard on) to its shell, then power off",
		Whole: true, Args: "autorun=poweroff"},
	{Name: "pgsoak", Doc: "PatchGuard's test profile for 3 s of guest time, then power off",
		Whole: true, Args: "pg.profile=test autorun=sleep 3000;poweroff"},
}

// Lookup returns the workload called name.
func Lookup(name string) (Workload, bool) {
	for _, w := range Workloads {
		if w.Name == name {
			return w, true
		}
	}
	return Workload{}, false
}

// Names returns the workloads' names.
func Names() []string {
	var n []string
	for _, w := range Workloads {
		n = append(n, w.Name)
	}
	return n
}

// Want returns the checksum the guest must print for w.
func (w Workload) Want() string {
	if w.want == nil {
		return "" // a whole boot: no checksum
	}
	return w.want()
}

// Options control a measurement.
type Options struct {
	Workloads []Workload
	Runs      int     // boots per command line (median); default 3
	Scale     float64 // multiplies every workload's kppemu rounds; default 1
	// QEMU: also measure qemu-system-x86_64 (Run fails when it is missing).
	QEMU bool
	// QEMUTarget is the wall time each QEMU workload should take beyond
	// its boot (default 1.5 s); QEMU's rounds are sized from a probe run.
	QEMUTarget time.Duration
	// Bochs: also measure Bochs (BochsAvailable), booted from a GRUB ISO; a
	// workload Bochs fails is reported without it.
	Bochs bool
	// BochsTarget is the time each Bochs workload's window (its shell's
	// first prompt to its power-off) should take (default 8 s), so that the
	// polling of the serial file that times it (1 ms, CPU time in 10 ms
	// clock ticks) is lost in it. Its rounds are sized from a probe boot at
	// kppemu's rounds.
	BochsTarget time.Duration
	// CPUTime: measure CPU time (user + system: kppemu's own process
	// around Machine.Run, QEMU's child process) instead of wall time.
	CPUTime bool
	// Progress, when not nil, receives a line per measurement.
	Progress io.Writer
	// Accel is kppemu's execution tier (emu.Config.Accel; "": the
	// environment's KPPEMU_ACCEL, else the interpreter).
	Accel string
	// Status, when not nil, is told as each measurement begins how many
	// of the total are done and what runs now ("kppemu sieve"), and once
	// at the end (done == total, doing ""). A measurement is the boots of
	// one machine for one workload or baseline.
	Status func(done, total int, doing string)
}

// Result is one workload's measurement.
type Result struct {
	Workload Workload
	Checksum string // what the guest printed (kppemu)

	Rounds   uint64        // kppemu rounds
	Instr    uint64        // kppemu instructions of the workload (minus the baseline boot)
	KWall    time.Duration // kppemu time of the workload (median minus the baseline's median; wall or CPU)
	KMIPS    float64
	PerRound uint64 // kppemu instructions per round

	HasQEMU bool
	QRounds uint64
	QInstr  uint64 // estimated from kppemu's counts
	QWall   time.Duration
	QMIPS   float64

	HasBochs bool
	BRounds  uint64        // Bochs rounds (kppemu's for a whole-boot workload)
	BInstr   uint64        // estimated from kppemu's counts, as QInstr
	BWall    time.Duration // Bochs time of the workload
	BMIPS    float64
	BochsErr string // why Bochs has no numbers for this workload (a boot that failed there)
}

// BochsRatio is kppemu's speed as a fraction of Bochs's (0 without Bochs).
func (r Result) BochsRatio() float64 {
	if !r.HasBochs || r.BMIPS <= 0 || r.KMIPS <= 0 {
		return 0
	}
	return r.KMIPS / r.BMIPS
}

// Ratio is kppemu's speed as a fraction of QEMU's (0 without QEMU).
func (r Result) Ratio() float64 {
	if !r.HasQEMU || r.QMIPS <= 0 || r.KMIPS <= 0 {
		return 0
	}
	return r.KMIPS / r.QMIPS
}

// Baseline is the command line of the reference boot; Cmdline(w, r) that of
// a workload.
const (
	bootArgs = "pg=off"
	Baseline = bootArgs + " autorun=poweroff"
)

// Cmdline is the kernel command line that runs w for rounds rounds.
func Cmdline(w string, rounds uint64) string {
	if wl, ok := Lookup(w); ok && wl.Shell != "" {
		return fmt.Sprintf("%s autorun=%s;poweroff", bootArgs, fmt.Sprintf(wl.Shell, rounds))
	}
	prog := "bench"
	if wl, ok := Lookup(w); ok {
		prog = wl.program()
	}
	return fmt.Sprintf("%s autorun=run %s %s %d;poweroff", bootArgs, prog, w, rounds)
}

// Boot is one boot's outcome.
type Boot struct {
	Serial string
	Instr  uint64 // kppemu only
	Wall   time.Duration
	CPU    time.Duration // user + system time
	// Bochs only: the time of the workload's window (bochsWindow).
	WinWall, WinCPU time.Duration
}

// time returns the boot's wall or CPU time.
func (b Boot) time(cpu bool) time.Duration {
	if cpu {
		return b.CPU
	}
	return b.Wall
}

// window returns the wall or CPU time of the boot's window (Bochs).
func (b Boot) window(cpu bool) time.Duration {
	if cpu {
		return b.WinCPU
	}
	return b.WinWall
}

// cpuTime is this process's user + system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ResolveAccel returns the name of the tier accel names, or, when it is
// empty, the one KPPEMU_ACCEL names (the interpreter when unset).
func ResolveAccel(accel string) (string, error) {
	if accel == "" {
		a, err := cpu.AccelFromEnv()
		return a.String(), err
	}
	a, err := cpu.ParseAccel(accel)
	return a.String(), err
}

// guestLimit bounds one kppemu boot in guest time (instructions).
const guestLimit = uint64(600 * time.Second)

// wantStatus is the isa-debug-exit status of "poweroff".
const wantStatus = abi.ExitPowerOff<<1 | 1

// RunKppemu boots the embedded kernel and initrd with cmdline on a fresh
// kppemu machine in tier accel (emu.Config.Accel); Wall and CPU are the
// times of Machine.Run alone.
func RunKppemu(cmdline, accel string) (Boot, error) {
	var serial bytes.Buffer
	m, err := emu.New(emu.Config{Serial: &serial, Accel: accel})
	if err != nil {
		return Boot{}, err
	}
	if _, err := m.Boot(emu.BootImage{Path: "kernel.elf", Kernel: images.Kernel(), Append: cmdline,
		Modules: []emu.BootModule{{Cmdline: "initrd.tar", Data: images.Archive()}}}); err != nil {
		return Boot{}, err
	}
	// The previous machines' RAM is garbage: collect it outside the
	// measurement.
	runtime.GC()
	cpu0, start := cpuTime(), time.Now()
	stop := m.Run(guestLimit)
	b := Boot{Serial: serial.String(), Instr: m.CPU.Instret, Wall: time.Since(start), CPU: cpuTime() - cpu0}
	if stop.Reason != emu.StopDebugExit || stop.Status != wantStatus {
		return b, fmt.Errorf("kppemu %q: stopped by %v, not by poweroff\n%s", cmdline, stop, tail(b.Serial))
	}
	return b, nil
}

// qemuFiles writes the embedded kernel and initrd for QEMU.
type qemuFiles struct{ kernel, initrd, seed string }

func writeQEMUFiles(dir string) (qemuFiles, error) {
	k, err := qemu.WriteTemp(dir, "kernel.elf", images.Kernel())
	if err != nil {
		return qemuFiles{}, err
	}
	i, err := qemu.WriteTemp(dir, "initrd.tar", images.Archive())
	if err != nil {
		return qemuFiles{}, err
	}
	// kppemu's machines here have seed 0: the same seed puts the kernel
	// at the same base on QEMU.
	s, err := qemu.WriteSeed(dir, 0)
	return qemuFiles{k, i, s}, err
}

// runQEMU boots the same image with cmdline on qemu-system-x86_64 (the
// arguments of package qemu); Wall and CPU are the whole process's.
func runQEMU(f qemuFiles, cmdline string) (Boot, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, qemu.Binary, qemu.Args(qemu.Config{Kernel: f.kernel,
		Modules: []qemu.Module{{Path: f.initrd}}, Append: cmdline, SeedFile: f.seed})...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	b := Boot{Serial: out.String(), Wall: time.Since(start)}
	if cmd.ProcessState == nil {
		return b, fmt.Errorf("qemu: %w", err)
	}
	b.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if code := cmd.ProcessState.ExitCode(); ctx.Err() != nil || code != wantStatus {
		return b, fmt.Errorf("qemu %q: exit status %d (timed out: %v), not poweroff's %d: %s\n%s",
			cmdline, code, ctx.Err() != nil, wantStatus, strings.TrimSpace(errb.String()), tail(b.Serial))
	}
	return b, nil
}

func tail(s string) string {
	lines := qemu.Lines(s)
	if len(lines) > 12 {
		lines = lines[len(lines)-12:]
	}
	return strings.Join(lines, "\n")
}

// Checksum returns the value of the guest's "bench W: VALUE" line and
// checks that the program exited with status 0.
func Checksum(serial, w string) (string, error) {
	prefix := "bench " + w + ": "
	var val string
	found, exited := false, false
	prog := "bench"
	if wl, ok := Lookup(w); ok {
		prog = wl.program()
		if wl.Shell != "" {
			exited = true // a kernel command: no process
		}
	}
	for _, l := range qemu.Transcript(serial) {
		switch {
		case strings.HasPrefix(l, prefix):
			if found {
				return "", fmt.Errorf("bench %s: more than one checksum line (a round disagreed?): %q", w, l)
			}
			val, found = strings.TrimPrefix(l, prefix), true
		case strings.HasPrefix(l, "run: "+prog+" (pid "):
			if !strings.HasSuffix(l, "exited, status 0x0") {
				return "", fmt.Errorf("bench %s: %s", w, l)
			}
			exited = true
		}
	}
	if !found || !exited {
		return "", fmt.Errorf("bench %s: no checksum line or exit report in the transcript\n%s", w, tail(serial))
	}
	return val, nil
}

// checkOutput checks a workload boot's checksum against the host's.
func checkOutput(machine, serial string, w Workload) (string, error) {
	got, err := Checksum(serial, w.Name)
	if err != nil {
		return "", fmt.Errorf("%s: %w", machine, err)
	}
	if want := w.Want(); got != want {
		return got, fmt.Errorf("%s: bench %s printed checksum %s, want %s", machine, w.Name, got, want)
	}
	return got, nil
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// mips is 0 when d is not positive: a workload too small to stand out of
// the baseline's noise.
func mips(instr uint64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(instr) / d.Seconds() / 1e6
}

// series boots runs times and returns the wall or CPU times and the last
// boot.
func series(runs int, cpu bool, boot func() (Boot, error)) ([]time.Duration, Boot, error) {
	var walls []time.Duration
	var last Boot
	for i := 0; i < runs; i++ {
		b, err := boot()
		if err != nil {
			return nil, b, err
		}
		walls = append(walls, b.time(cpu))
		last = b
	}
	return walls, last, nil
}

// Run measures every workload of o; results come in o.Workloads' order.
func Run(o Options) ([]Result, error) {
	if o.Runs <= 0 {
		o.Runs = 3
	}
	if o.Scale <= 0 {
		o.Scale = 1
	}
	if o.BochsTarget <= 0 {
		o.BochsTarget = 8 * time.Second
	}
	if o.QEMUTarget <= 0 {
		o.QEMUTarget = 1500 * time.Millisecond
	}
	if len(o.Workloads) == 0 {
		o.Workloads = Workloads
	}
	accel, err := ResolveAccel(o.Accel)
	if err != nil {
		return nil, err
	}
	o.Accel = accel
	progress := func(format string, args ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, format+"\n", args...)
		}
	}
	machines := 1
	if o.QEMU {
		machines++
	}
	if o.Bochs {
		machines++
	}
	total, done := (1+len(o.Workloads))*machines, 0
	begin := func(what string) {
		if o.Status != nil {
			o.Status(done, total, what)
		}
		done++
	}
	if o.Status != nil {
		defer func() { o.Status(total, total, "") }()
	}
	var qf qemuFiles
	if o.QEMU {
		if !qemu.Available() {
			return nil, errors.New(qemu.Binary + " is not installed")
		}
		dir, err := os.MkdirTemp("", "kppemu-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		if qf, err = writeQEMUFiles(dir); err != nil {
			return nil, err
		}
	}

	// Baselines.
	begin("kppemu baseline")
	kBaseWalls, kBase, err := series(o.Runs, o.CPUTime, func() (Boot, error) { return RunKppemu(Baseline, o.Accel) })
	if err != nil {
		return nil, err
	}
	kBaseWall := median(kBaseWalls)
	progress("kppemu baseline: %d instructions, %v", kBase.Instr, kBaseWall.Round(time.Millisecond))
	var qBaseWall time.Duration
	if o.QEMU {
		begin("qemu baseline")
		walls, _, err := series(o.Runs, o.CPUTime, func() (Boot, error) { return runQEMU(qf, Baseline) })
		if err != nil {
			return nil, err
		}
		qBaseWall = median(walls)
		progress("qemu baseline: %v", qBaseWall.Round(time.Millisecond))
	}

	var bm *bochsMachine
	if o.Bochs {
		if !BochsAvailable() {
			return nil, errors.New("bochs, grub-mkrescue, xorriso, mtools or script is not installed (make bench-deps)")
		}
		dir, err := os.MkdirTemp("", "kppemu-bochs-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		bm = &bochsMachine{dir: dir}
	}
	// bochs measures a workload on Bochs: cmdline(n) is its command line at
	// n rounds and instrAt(n) its instructions there. A workload's time is
	// its window (the shell's first prompt to its power-off; a whole boot's
	// from the kernel's first line): Bochs's firmware and GRUB (10-14 s) are
	// not in it. Rounds are sized to o.BochsTarget from a probe boot at
	// kppemu's, unless the workload is a whole boot (its rounds are fixed).
	bochs := func(r *Result, cmdline func(uint64) string, instrAt func(uint64) uint64) {
		begin("bochs " + r.Workload.Name)
		fail := func(err error) {
			r.BochsErr = err.Error()
			progress("bochs %s: not measured: %v", r.Workload.Name, err)
		}
		boot := func(n uint64, runs int) ([]time.Duration, Boot, error) {
			iso, err := bm.iso(cmdline(n))
			if err != nil {
				return nil, Boot{}, err
			}
			var walls []time.Duration
			var last Boot
			win := shellWindow
			if r.Workload.Whole {
				win = kernelWindow
			}
			for range runs {
				if last, err = bm.run(iso, win); err != nil {
					return nil, last, err
				}
				if !r.Workload.Whole {
					if _, err = checkOutput("bochs", last.Serial, r.Workload); err != nil {
						return nil, last, err
					}
				}
				if last.WinWall <= 0 {
					return nil, last, fmt.Errorf("bochs: the serial output did not show %q, then %q", win.from, win.to)
				}
				walls = append(walls, last.window(o.CPUTime))
			}
			return walls, last, nil
		}
		// A probe boot already at the size used counts as the first run.
		n := r.Rounds
		var walls []time.Duration
		if !r.Workload.Whole {
			probe, _, err := boot(n, 1)
			if err != nil {
				fail(err)
				return
			}
			d := max(probe[0], 50*time.Millisecond)
			if d < o.BochsTarget {
				n = min(uint64(math.Ceil(float64(n)*o.BochsTarget.Seconds()/d.Seconds())), 100*r.Rounds)
			}
			if n == r.Rounds {
				walls = probe
			}
		}
		if len(walls) < o.Runs {
			more, _, err := boot(n, o.Runs-len(walls))
			if err != nil {
				fail(err)
				return
			}
			walls = append(walls, more...)
		}
		r.HasBochs = true
		r.BRounds, r.BInstr = n, instrAt(n)
		r.BWall = median(walls)
		r.BMIPS = mips(r.BInstr, r.BWall)
		progress("bochs %s: %d rounds, ~%d instructions, %v (of %v), %.1f MIPS", r.Workload.Name, n, r.BInstr, r.BWall.Round(time.Millisecond), walls, r.BMIPS)
	}

	var results []Result
	for _, w := range o.Workloads {
		if w.Whole {
			r, err := runWhole(o, qf, w, progress, begin)
			if err != nil {
				return results, err
			}
			if bm != nil {
				bochs(&r, func(uint64) string { return w.Args }, func(uint64) uint64 { return r.Instr })
			}
			results = append(results, r)
			continue
		}
		rounds := uint64(math.Round(float64(w.Rounds) * o.Scale))
		if rounds < 2 {
			rounds = 2
		}
		r := Result{Workload: w, Rounds: rounds}
		cmd := Cmdline(w.Name, rounds)
		var instrs []uint64
		begin("kppemu " + w.Name)
		walls, last, err := series(o.Runs, o.CPUTime, func() (Boot, error) {
			b, err := RunKppemu(cmd, o.Accel)
			instrs = append(instrs, b.Instr)
			return b, err
		})
		if err != nil {
			return results, err
		}
		if r.Checksum, err = checkOutput("kppemu", last.Serial, w); err != nil {
			return results, err
		}
		for _, n := range instrs {
			if n != instrs[0] {
				return results, fmt.Errorf("kppemu %s: instruction counts differ between identical boots: %v", w.Name, instrs)
			}
		}
		if last.Instr <= kBase.Instr {
			return results, fmt.Errorf("kppemu %s: %d instructions, no more than the baseline's %d", w.Name, last.Instr, kBase.Instr)
		}
		r.Instr = last.Instr - kBase.Instr
		r.KWall = median(walls) - kBaseWall
		r.KMIPS = mips(r.Instr, r.KWall)
		progress("kppemu %s: %d rounds, %d instructions, %v, %.1f MIPS", w.Name, rounds, r.Instr, r.KWall.Round(time.Millisecond), r.KMIPS)

		// The other machines run other round counts: instructions per
		// round, from one more kppemu boot at 1 round.
		instrAt := func(n uint64) uint64 { return r.Instr + (n-rounds)*r.PerRound }
		if o.QEMU || bm != nil {
			one, err := RunKppemu(Cmdline(w.Name, 1), o.Accel)
			if err != nil {
				return results, err
			}
			if last.Instr <= one.Instr {
				return results, fmt.Errorf("kppemu %s: %d rounds took no more instructions than 1", w.Name, rounds)
			}
			r.PerRound = (last.Instr - one.Instr) / (rounds - 1)
		}
		if o.QEMU {
			begin("qemu " + w.Name)

			// Size QEMU's rounds to the target from probe boots: the
			// first at 10x kppemu's rounds, more until the difference
			// stands above QEMU's start-up noise.
			maxRounds := 10000 * rounds
			probe := 10 * rounds
			var d time.Duration
			for {
				pb, err := runQEMU(qf, Cmdline(w.Name, probe))
				if err != nil {
					return results, err
				}
				if _, err := checkOutput("qemu", pb.Serial, w); err != nil {
					return results, err
				}
				d = max(pb.time(o.CPUTime)-qBaseWall, 5*time.Millisecond)
				if d >= 300*time.Millisecond || probe >= maxRounds {
					break
				}
				grow := min(max(uint64(math.Ceil(0.4/d.Seconds())), 2), 100)
				probe = min(probe*grow, maxRounds)
			}
			q := uint64(math.Ceil(float64(probe) * o.QEMUTarget.Seconds() / d.Seconds()))
			q = min(max(q, rounds), maxRounds)
			r.QRounds = q
			qcmd := Cmdline(w.Name, q)
			qwalls, qlast, err := series(o.Runs, o.CPUTime, func() (Boot, error) { return runQEMU(qf, qcmd) })
			if err != nil {
				return results, err
			}
			if _, err := checkOutput("qemu", qlast.Serial, w); err != nil {
				return results, err
			}
			r.HasQEMU = true
			r.QInstr = instrAt(q)
			r.QWall = median(qwalls) - qBaseWall
			r.QMIPS = mips(r.QInstr, r.QWall)
			progress("qemu %s: %d rounds, ~%d instructions, %v, %.0f MIPS", w.Name, q, r.QInstr, r.QWall.Round(time.Millisecond), r.QMIPS)
		}
		if bm != nil {
			bochs(&r, func(n uint64) string { return Cmdline(w.Name, n) }, instrAt)
		}
		results = append(results, r)
	}
	return results, nil
}

// runWhole measures a whole-boot workload on kppemu and, with o.QEMU, on QEMU.
func runWhole(o Options, qf qemuFiles, w Workload, progress func(string, ...any), begin func(string)) (Result, error) {
	r := Result{Workload: w, Rounds: 1}
	var instrs []uint64
	begin("kppemu " + w.Name)
	walls, _, err := series(o.Runs, o.CPUTime, func() (Boot, error) {
		b, err := RunKppemu(w.Args, o.Accel)
		instrs = append(instrs, b.Instr)
		return b, err
	})
	if err != nil {
		return r, err
	}
	for _, n := range instrs {
		if n != instrs[0] {
			return r, fmt.Errorf("kppemu %s: instruction counts differ between identical boots: %v", w.Name, instrs)
		}
	}
	r.Instr = instrs[0]
	r.KWall = median(walls)
	r.KMIPS = mips(r.Instr, r.KWall)
	progress("kppemu %s: %d instructions, %v, %.1f MIPS", w.Name, r.Instr, r.KWall.Round(time.Millisecond), r.KMIPS)
	if o.QEMU {
		begin("qemu " + w.Name)
		qwalls, _, err := series(o.Runs, o.CPUTime, func() (Boot, error) { return runQEMU(qf, w.Args) })
		if err != nil {
			return r, err
		}
		r.HasQEMU = true
		r.QRounds = 1
		r.QInstr = r.Instr
		r.QWall = median(qwalls)
		r.QMIPS = mips(r.QInstr, r.QWall)
		progress("qemu %s: %v", w.Name, r.QWall.Round(time.Millisecond))
	}
	return r, nil
}

// BochsGeoMean returns the geometric means of Bochs's MIPS and of
// kppemu/Bochs over the results that have them.
func BochsGeoMean(results []Result) (mipsGeo, ratio float64) {
	var ms, rs []float64
	for _, r := range results {
		if r.HasBochs && r.BMIPS > 0 {
			ms = append(ms, r.BMIPS)
			if x := r.BochsRatio(); x > 0 {
				rs = append(rs, x)
			}
		}
	}
	return geo(ms), geo(rs)
}

func geo(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	sum := 0.0
	for _, x := range v {
		sum += math.Log(x)
	}
	return math.Exp(sum / float64(len(v)))
}

// GeoMean returns the geometric means of kppemu's MIPS, QEMU's MIPS and
// the ratio over results, each over the results that have that value
// (zero when none has).
func GeoMean(results []Result) (k, q, ratio float64) {
	geo := func(v func(Result) float64) float64 {
		sum, n := 0.0, 0
		for _, r := range results {
			if x := v(r); x > 0 {
				sum += math.Log(x)
				n++
			}
		}
		if n == 0 {
			return 0
		}
		return math.Exp(sum / float64(n))
	}
	k = geo(func(r Result) float64 { return r.KMIPS })
	q = geo(func(r Result) float64 { return r.QMIPS })
	ratio = geo(Result.Ratio)
	return k, q, ratio
}

// --- the host's reference answers (same algorithms and inputs as bench.c) ---

const seed = 0x9E3779B97F4A7C15

// fill returns words 8-byte words of the xorshift sequence from seed.
func fill(words int) []uint64 {
	x := uint64(seed)
	out := make([]uint64, words)
	for i := range out {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		out[i] = x
	}
	return out
}

func bytesOf(w []uint64) []byte {
	b := make([]byte, 0, 8*len(w))
	for _, v := range w {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return b
}

func fold(w []uint64) uint64 {
	h := uint64(0xCBF29CE484222325)
	for _, v := range w {
		h = (h ^ v) * 0x100000001B3
	}
	return h
}

func wantCRC32() string {
	return fmt.Sprintf("0x%08x", crc32.ChecksumIEEE(bytesOf(fill(64*1024/8))))
}

func wantSHA256() string {
	s := sha256.Sum256(bytesOf(fill(64 * 1024 / 8)))
	return hex.EncodeToString(s[:])
}

// wantBignum is the bignum workload's line: the decimal digits of (600!)^2.
func wantBignum() string {
	f := new(big.Int).MulRange(1, 600)
	d := new(big.Int).Mul(f, f).String()
	sum := 0
	for _, c := range d {
		sum += int(c - '0')
	}
	return fmt.Sprintf("%d digits sum %d head %s", len(d), sum, d[:16])
}

// wantUTF8 is the utf8 workload's line: bench.c's code points (xorshift draws
// in four ranges, surrogates moved down) encoded, decoded and hashed.
func wantUTF8() string {
	const cps = 16384
	x := uint64(seed)
	var enc []byte
	h := uint32(0)
	for i := 0; i < cps; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		v := x
		var c uint32
		switch v & 3 {
		case 0:
			c = 0x20 + uint32(v>>8)%0x60
		case 1:
			c = 0x80 + uint32(v>>8)%0x780
		case 2:
			c = 0x800 + uint32(v>>8)%0xF000
			if c >= 0xD800 && c < 0xE000 {
				c -= 0x800
			}
		default:
			c = 0x10000 + uint32(v>>8)%0x100000
		}
		enc = utf8.AppendRune(enc, rune(c))
		h = h*31 + c
	}
	var hist [256]uint16
	for _, b := range enc {
		hist[b]++
	}
	w := make([]uint64, 64)
	for i := range w {
		w[i] = uint64(hist[4*i]) | uint64(hist[4*i+1])<<16 | uint64(hist[4*i+2])<<32 | uint64(hist[4*i+3])<<48
	}
	return fmt.Sprintf("%d bytes %d cps 0 bad 0x%08x 0x%016x", len(enc), cps, h, fold(w))
}

// wantIRQLoop is the work of one irqloop round (kernel/shell.c).
func wantIRQLoop() string {
	x, r := uint64(seed), uint64(0)
	for j := 0; j < 32; j++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		r += x
	}
	return fmt.Sprintf("0x%016x per round", r)
}

func wantSieve() string {
	const n = 1 << 20
	comp := make([]bool, n)
	count := 0
	for i := 2; i < n; i++ {
		if comp[i] {
			continue
		}
		count++
		for j := i * i; j < n; j += i {
			comp[j] = true
		}
	}
	return fmt.Sprintf("%d primes", count)
}

func wantMemcpy() string {
	const words = 256 * 1024 / 8
	src := fill(words)
	dst := make([]uint64, words)
	for i := range dst {
		dst[i] = 0x5A5A5A5A5A5A5A5A
	}
	copy(dst, src[:words*3/4])
	return fmt.Sprintf("0x%016x", fold(dst))
}

func wantQsort() string {
	const n = 32768
	src := fill(n)
	a := make([]uint32, n)
	for i, v := range src {
		a[i] = uint32(v >> 32)
	}
	sort.Slice(a, func(i, j int) bool { return a[i] < a[j] })
	w := make([]uint64, n/2)
	for i := range w {
		w[i] = uint64(a[2*i]) | uint64(a[2*i+1])<<32
	}
	return fmt.Sprintf("0x%016x", fold(w))
}

// TierProfile is what ProfileTier measured of one workload.
type TierProfile struct {
	Workload Workload
	Instr    uint64 // instructions of the boot
	Ran      uint64 // of them, run by generated code
	Profile  *cpu.JITProfile
}

// ProfileTier boots workload w once in the translating tier (at its rounds times
// scale; a whole boot as it is) with a profile of the instructions the interpreter
// runs instead of generated code. The boot's baseline (boot and power-off) is
// included.
func ProfileTier(w Workload, scale float64) (TierProfile, error) {
	cmd := w.Args
	if !w.Whole {
		rounds := uint64(math.Round(float64(w.Rounds) * scale))
		cmd = Cmdline(w.Name, max(rounds, 2))
	}
	var serial bytes.Buffer
	m, err := emu.New(emu.Config{Serial: &serial, Accel: cpu.AccelJIT.String()})
	if err != nil {
		return TierProfile{}, err
	}
	if _, err := m.Boot(emu.BootImage{Path: "kernel.elf", Kernel: images.Kernel(), Append: cmd,
		Modules: []emu.BootModule{{Cmdline: "initrd.tar", Data: images.Archive()}}}); err != nil {
		return TierProfile{}, err
	}
	p := cpu.NewJITProfile()
	for _, c := range m.CPUs {
		c.SetJITProfile(p)
	}
	stop := m.Run(guestLimit)
	if stop.Reason != emu.StopDebugExit || stop.Status != wantStatus {
		return TierProfile{}, fmt.Errorf("kppemu %q: stopped by %v, not by poweroff\n%s", cmd, stop, tail(serial.String()))
	}
	r := TierProfile{Workload: w, Profile: p}
	for _, c := range m.CPUs {
		r.Instr += c.Instret
		r.Ran += c.JITStats().Ran
	}
	return r, nil
}
