// Package qemu boots guest images on qemu-system-x86_64, the reference
// machine, with one fixed command line: serial on
// stdout and nothing else, isa-debug-exit at 0xF4, Multiboot modules and
// command line as kppemu takes them. Tests use it to check the guest kernel
// and the parity between QEMU and kppemu.
package qemu

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/kppemu/kppemu/internal/cputime"
)

// Binary is the QEMU executable.
const Binary = "qemu-system-x86_64"

// RequireEnv, when set to 1, turns a missing QEMU into a test failure.
const RequireEnv = "KPPEMU_REQUIRE_QEMU"

// TimingLinePrefix marks serial lines that may differ between machines
// (kernel/abi.TimingLinePrefix).
const TimingLinePrefix = "~ "

// Available reports whether QEMU can be run.
func Available() bool {
	_, err := exec.LookPath(Binary)
	return err == nil
}

// Module is a Multiboot module: a file and the arguments after its name.
type Module struct {
	Path string
	Args string
}

// Config describes one boot.
type Config struct {
	Kernel  string   // path of the kernel image
	Modules []Module // passed with -initrd, in order
	Append  string   // kernel command line (after the kernel path)
	Input   string   // bytes fed to the serial port (stdin)
	MemMiB  int      // default 128
	SMP     int      // number of CPUs (-smp); 0 or 1: one
	Devices []string // extra -device NAME arguments
	NoHPET  bool     // -machine pc,hpet=off (kppemu has no HPET)
	// ICount drives QEMU's virtual clock by its instruction count (one
	// nanosecond per instruction, idle time skipped) instead of the host
	// clock, as kppemu's clock is driven: where the guest's timer ticks fall
	// relative to its instructions then no longer depends on host load.
	ICount bool
	// Seed, when not nil, is offered to the guest as the 8-byte
	// little-endian fw_cfg file opt/kppemu/seed, as kppemu offers its
	// machine's seed: the kernel draws its base from it (kernel/kaslr.c),
	// so QEMU given kppemu's seed runs the kernel at the same base and a
	// stop screen naming a kernel address reads the same. Without it the
	// kernel draws the base from RDRAND. Run writes the file; a caller of
	// Args sets SeedFile instead (WriteSeed).
	Seed *uint64
	// SeedFile is the path of that file for Args (Run fills it from Seed).
	SeedFile string
	// Timeout bounds the CPU time (user + system) QEMU may use, 60 s when
	// 0: a guest that never powers off is stopped, while a QEMU that a
	// loaded host starves of CPU is not (wall time is bounded too, at
	// wallFactor times Timeout, against a QEMU that hangs without running).
	Timeout time.Duration
}

// wallFactor bounds a run's wall time as a multiple of its CPU-time budget.
const wallFactor = 20

// Result of a boot.
type Result struct {
	Serial   string // raw serial output
	ExitCode int    // isa-debug-exit status ((v<<1)|1), or -1 when killed by the timeout
	TimedOut bool
}

// Args returns the QEMU argument list for c.
func Args(c Config) []string {
	mem := c.MemMiB
	if mem == 0 {
		mem = 128
	}
	args := []string{}
	if c.NoHPET {
		args = append(args, "-machine", "pc,hpet=off")
	}
	args = append(args, "-accel", "tcg")
	if c.ICount {
		args = append(args, "-icount", "shift=0,sleep=off")
	}
	args = append(args, "-cpu", "max", "-m", fmt.Sprint(mem), "-display", "none",
		"-no-reboot", "-serial", "stdio", "-monitor", "none", "-nic", "none",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-kernel", c.Kernel)
	if c.SMP > 1 {
		args = append(args, "-smp", fmt.Sprint(c.SMP))
	}
	for _, d := range c.Devices {
		args = append(args, "-device", d)
	}
	if len(c.Modules) > 0 {
		var mods []string
		for _, m := range c.Modules {
			s := m.Path
			if m.Args != "" {
				s += " " + m.Args
			}
			mods = append(mods, strings.ReplaceAll(s, ",", ",,"))
		}
		args = append(args, "-initrd", strings.Join(mods, ","))
	}
	if c.Append != "" {
		args = append(args, "-append", c.Append)
	}
	if c.SeedFile != "" {
		args = append(args, "-fw_cfg", "name="+SeedFileName+",file="+strings.ReplaceAll(c.SeedFile, ",", ",,"))
	}
	return args
}

// SeedFileName is the fw_cfg file that carries a machine's seed.
const SeedFileName = "opt/kppemu/seed"

// WriteSeed writes seed as the contents of the fw_cfg seed file (8 bytes,
// little-endian) to a file in dir and returns its path.
func WriteSeed(dir string, seed uint64) (string, error) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	return WriteTemp(dir, "kppemu-seed", b[:])
}

// SeedPtr returns a pointer to seed, for Config.Seed.
func SeedPtr(seed uint64) *uint64 { return &seed }

// Run boots c and returns the serial output and exit status. An exit through
// isa-debug-exit is not an error.
func Run(ctx context.Context, c Config) (Result, error) {
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	if c.Seed != nil && c.SeedFile == "" {
		dir, err := os.MkdirTemp("", "kppemu-qemu-")
		if err != nil {
			return Result{}, fmt.Errorf("qemu: %w", err)
		}
		defer os.RemoveAll(dir)
		if c.SeedFile, err = WriteSeed(dir, *c.Seed); err != nil {
			return Result{}, fmt.Errorf("qemu: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, wallFactor*timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, Binary, Args(c)...)
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errb
	cmd.Stdin = strings.NewReader(c.Input)
	if c.Input == "" {
		cmd.Stdin = nil
	}
	if err := cmd.Start(); err != nil {
		return Result{}, fmt.Errorf("qemu: %w", err)
	}
	end := cputime.Guard(func() (time.Duration, bool) { return cputime.Process(cmd.Process.Pid) }, timeout, cancel)
	err := cmd.Wait()
	end()
	res := Result{Serial: out.String(), ExitCode: cmd.ProcessState.ExitCode()}
	if ctx.Err() != nil {
		res.TimedOut = true
		res.ExitCode = -1
		return res, nil
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return res, fmt.Errorf("qemu: %w: %s", err, errb.String())
	}
	if res.ExitCode != 0 && res.ExitCode%2 == 0 {
		return res, fmt.Errorf("qemu exited %d: %s", res.ExitCode, strings.TrimSpace(errb.String()))
	}
	return res, nil
}

// Lines splits serial output into lines without "\r".
func Lines(serial string) []string {
	serial = strings.ReplaceAll(serial, "\r", "")
	serial = strings.TrimSuffix(serial, "\n")
	if serial == "" {
		return nil
	}
	return strings.Split(serial, "\n")
}

// Transcript returns the lines of serial output that must be identical on
// every machine: all lines except those starting with TimingLinePrefix.
func Transcript(serial string) []string {
	var out []string
	for _, l := range Lines(serial) {
		if !strings.HasPrefix(l, TimingLinePrefix) {
			out = append(out, l)
		}
	}
	return out
}

// FirstDifference compares two transcripts line by line: it returns the
// number (from 1) of the first line that differs and the two lines there
// ("" past the end of one), or 0 when they are the same.
func FirstDifference(a, b []string) (line int, x, y string) {
	for i := 0; i < max(len(a), len(b)); i++ {
		x, y = "", ""
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return i + 1, x, y
		}
	}
	return 0, "", ""
}

// InOrder returns how many of want, from the first, occur in lines in
// order: each after the end of the previous one, several in one line
// allowed. It returns len(want) when all of them do.
func InOrder(lines, want []string) int {
	i := 0
	for _, l := range lines {
		for i < len(want) && strings.Contains(l, want[i]) {
			l = l[strings.Index(l, want[i])+len(want[i]):]
			i++
		}
	}
	return i
}

// WriteTemp writes data to a file called name in dir and returns its path.
func WriteTemp(dir, name string, data []byte) (string, error) {
	p := filepath.Join(dir, name)
	return p, os.WriteFile(p, data, 0o644)
}
