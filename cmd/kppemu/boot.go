package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/emu/debug"
	"github.com/kppemu/kppemu/emu/gdbstub"
	"github.com/kppemu/kppemu/images"
	"github.com/kppemu/kppemu/kernel/abi"
)

// defaultKernelPath is the kernel's file name on the guest's command line
// when the embedded kernel boots (QEMU puts the -kernel path there).
const defaultKernelPath = "kernel.elf"

// defaultDrivers are the modules of a boot without --kernel or --driver.
var defaultDrivers = []string{"initrd", "vendor_sample"}

func bootCommand() *cli.Command {
	return &cli.Command{
		Name:      "boot",
		Usage:     "boot a Multiboot kernel with driver modules",
		ArgsUsage: " ",
		Description: "Boots the kernel (default: the embedded one) as qemu-system-x86_64 -kernel would.\n" +
			"On a terminal the serial console is attached in raw mode; Ctrl-A X quits and\n" +
			"Ctrl-A C opens the debugger console on the stopped machine.\n" +
			"Otherwise stdin feeds the UART.\n\n" +
			"Exit status: the guest's isa-debug-exit status ((v<<1)|1) when it used it; 0 when\n" +
			"--max-time stopped it; 3 after a bug check, 4 after a triple fault, 6 when the\n" +
			"guest halted with interrupts off, 8 on a CPU internal error, 2 on a host error.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "kernel", Usage: "Multiboot kernel `FILE` (default: the embedded kernel)"},
			&cli.StringSliceFlag{Name: "driver", Usage: "Multiboot module: an embedded driver `NAME` (or \"initrd\") or a FILE, " +
				"optionally followed by a space and its arguments; repeatable (default: the embedded initrd archive and vendor_sample)"},
			&cli.StringFlag{Name: "append", Usage: "kernel command line `CMDLINE` (the guest sees \"<kernel path> CMDLINE\")"},
			&cli.StringFlag{Name: "mem", Value: "128M", Usage: "guest RAM `SIZE` (K, M or G suffix; a plain number is MiB)"},
			&cli.Uint64Flag{Name: "seed", Usage: "seed `N` of the machine's randomness (RDRAND)"},
			&cli.DurationFlag{Name: "max-time", Usage: "stop cleanly after `DURATION` of guest time (exit status 0)"},
			&cli.StringFlag{Name: "events", Usage: "write the guest's events as JSON lines to `FILE` (- for stdout)"},
			&cli.StringFlag{Name: "serial", Usage: "write serial output to `FILE` (- for stdout; default: the terminal)"},
			&cli.StringFlag{Name: "log-level", Value: "warn", Usage: "log `LEVEL`: trace, debug, info, warn, error, off"},
			&cli.StringFlag{Name: "gdb", Usage: "serve the GDB remote protocol on `HOST:PORT` (a port alone: loopback)"},
			&cli.BoolFlag{Name: "gdb-wait", Usage: "with --gdb: stop before the first instruction until gdb attaches"},
			&cli.BoolFlag{Name: "s", Usage: "shorthand for --gdb 127.0.0.1:1234 (as QEMU)"},
			&cli.BoolFlag{Name: "S", Usage: "shorthand for --gdb-wait (as QEMU)"},
			&cli.StringSliceFlag{Name: "debug-on", Usage: "open the debugger console instead of exiting on `STOP`: bugcheck, " +
				"triple-fault or exit (isa-debug-exit, poweroff); repeatable; the run is recorded so that whowrote works"},
			&cli.StringFlag{Name: "debug-x", Usage: "with --debug-on: run the debugger commands in `FILE` when the console opens"},
		},
		Action: bootAction,
	}
}

// parseSize reads "128M", "1G", "65536K" or a plain number of MiB.
func parseSize(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	mult := uint64(1 << 20)
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'K', 'k':
			mult, s = 1<<10, s[:n-1]
		case 'M', 'm':
			mult, s = 1<<20, s[:n-1]
		case 'G', 'g':
			mult, s = 1<<30, s[:n-1]
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v == 0 || v > (1<<40)/mult {
		return 0, fmt.Errorf("bad memory size %q (want e.g. 128M or 1G)", s)
	}
	return v * mult, nil
}

// loadModule resolves a --driver value: a file on disk, an embedded
// driver name, or "initrd" (the embedded module archive).
func loadModule(v string) (emu.BootModule, error) {
	name, args, hasArgs := strings.Cut(v, " ")
	if name == "" {
		return emu.BootModule{}, fmt.Errorf("--driver %q: empty name", v)
	}
	withArgs := func(file string) string {
		if hasArgs {
			return file + " " + args
		}
		return file
	}
	if st, err := os.Stat(name); err == nil && !st.IsDir() {
		b, err := os.ReadFile(name)
		if err != nil {
			return emu.BootModule{}, err
		}
		return emu.BootModule{Cmdline: withArgs(name), Data: b}, nil
	}
	if strings.ContainsRune(name, os.PathSeparator) {
		return emu.BootModule{}, fmt.Errorf("--driver %s: no such file", name)
	}
	if name == "initrd" || name == "initrd.tar" {
		return emu.BootModule{Cmdline: withArgs("initrd.tar"), Data: images.Archive()}, nil
	}
	b, err := images.Driver(name)
	if err != nil {
		return emu.BootModule{}, fmt.Errorf("--driver %s: no such file or embedded driver (embedded: %s)", name, strings.Join(images.Drivers(), ", "))
	}
	return emu.BootModule{Cmdline: withArgs(strings.TrimSuffix(name, ".ko") + ".ko"), Data: b}, nil
}

// openOutput opens FILE or "-" (stdout).
func openOutput(name string) (io.Writer, func() error, error) {
	if name == "-" {
		return os.Stdout, func() error { return nil }, nil
	}
	f, err := os.Create(name)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

// jsonEvent is the JSON-lines form of a guest event. Arguments are hex
// strings: many are 64-bit addresses, which JSON numbers (doubles to most
// readers) cannot hold exactly.
type jsonEvent struct {
	TimeNS uint64   `json:"time_ns"`
	Type   string   `json:"type"`
	Code   uint32   `json:"code"`
	Args   []string `json:"args,omitempty"`
	Text   string   `json:"text,omitempty"`
}

func newJSONEvent(e emu.Event) jsonEvent {
	j := jsonEvent{TimeNS: e.Time, Type: emu.EventTypeName(e.Type), Code: e.Type, Text: e.Text}
	for _, a := range e.Args {
		j.Args = append(j.Args, fmt.Sprintf("%#x", a))
	}
	return j
}

func bootAction(c *cli.Context) error {
	if c.Args().Len() > 0 {
		return &exitStatus{exitHostError, fmt.Sprintf("boot takes no arguments (got %q); use --kernel FILE", c.Args().First())}
	}
	level := hclog.LevelFromString(c.String("log-level"))
	if level == hclog.NoLevel {
		return &exitStatus{exitHostError, fmt.Sprintf("bad --log-level %q", c.String("log-level"))}
	}
	stderr := &crlfWriter{w: os.Stderr}
	logger := hclog.New(&hclog.LoggerOptions{Name: "kppemu", Level: level, Output: stderr})

	mem, err := parseSize(c.String("mem"))
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	img := emu.BootImage{Append: c.String("append")}
	if p := c.String("kernel"); p != "" {
		if img.Kernel, err = os.ReadFile(p); err != nil {
			return &exitStatus{exitHostError, err.Error()}
		}
		img.Path = p
	} else {
		img.Kernel, img.Path = images.Kernel(), defaultKernelPath
	}
	drivers := c.StringSlice("driver")
	if len(drivers) == 0 && c.String("kernel") == "" {
		// The default guest: the module archive, and the sample security-vendor
		// driver loaded at boot, policing through the callback APIs.
		drivers = defaultDrivers
	}
	for _, d := range drivers {
		mod, err := loadModule(d)
		if err != nil {
			return &exitStatus{exitHostError, err.Error()}
		}
		img.Modules = append(img.Modules, mod)
	}

	// Serial output: a file, stdout, or the terminal (stdout too).
	serialOut := io.Writer(os.Stdout)
	closeSerial := func() error { return nil }
	if s := c.String("serial"); s != "" {
		if serialOut, closeSerial, err = openOutput(s); err != nil {
			return &exitStatus{exitHostError, err.Error()}
		}
	}
	serial := bufio.NewWriterSize(serialOut, 64<<10)
	defer func() { serial.Flush(); closeSerial() }()

	m, err := emu.New(emu.Config{MemBytes: mem, Seed: c.Uint64("seed"), Logger: logger, Serial: serial})
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	if _, err := m.Boot(img); err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}

	if ev := c.String("events"); ev != "" {
		w, closeEv, err := openOutput(ev)
		if err != nil {
			return &exitStatus{exitHostError, err.Error()}
		}
		bw := bufio.NewWriter(w)
		defer func() { bw.Flush(); closeEv() }()
		enc := json.NewEncoder(bw)
		m.Subscribe(func(e emu.Event) {
			_ = enc.Encode(newJSONEvent(e))
		})
	}

	interactive := term.IsTerminal(int(os.Stdin.Fd()))
	con, err := newConsole(m, serial, interactive)
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	defer con.close()
	// In raw mode the terminal no longer turns "\n" into "\r\n": logs must.
	stderr.raw.Store(interactive)
	defer stderr.raw.Store(false)

	// SIGINT/SIGTERM (not Ctrl-C on the raw terminal, which goes to the
	// guest) stop the machine cleanly: output flushed, status 130.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	var interrupted atomic.Bool
	go func() {
		if _, ok := <-sigs; ok {
			interrupted.Store(true)
			con.stop()
		}
	}()

	until := uint64(emu.Forever)
	if d := c.Duration("max-time"); d > 0 {
		until = uint64(d / time.Nanosecond)
	} else if d < 0 {
		return &exitStatus{exitHostError, "--max-time must be positive"}
	}
	dbg, err := newDebugOn(c, m)
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	defer dbg.close()
	var stop emu.Stop
	if gdbAddr := gdbAddress(c); gdbAddr != "" {
		ln, err := gdbstub.Listen(gdbAddr)
		if err != nil {
			return &exitStatus{exitHostError, err.Error()}
		}
		mon, err := debug.New(m, debug.Config{Kernel: img.Kernel, Embedded: true})
		if err != nil {
			return &exitStatus{exitHostError, err.Error()}
		}
		defer mon.Close()
		stub := gdbstub.New(m, ln, gdbstub.Options{Logger: logger, Monitor: mon.Monitor})
		defer stub.Close()
		wait := c.Bool("gdb-wait") || c.Bool("S")
		msg := "kppemu: gdb stub on %s\n"
		if wait {
			msg = "kppemu: gdb stub on %s, waiting for gdb before the first instruction\n"
		}
		fmt.Fprintf(stderr, msg, ln.Addr())
		stop = stub.Run(until, wait)
	} else {
		if c.Bool("gdb-wait") || c.Bool("S") {
			return &exitStatus{exitHostError, "--gdb-wait (-S) needs --gdb HOST:PORT (or -s)"}
		}
		stop = dbg.run(until)
	}
	serial.Flush()
	if why := dbg.reason(stop, con.debugWanted()); why != "" {
		stderr.raw.Store(interactive)
		m.SetSerialOutput(&crlfWriter{w: serialOut})
		err := openDebugger(c, m, img.Kernel, serialOut, why, interactive, dbg.recorder(), con.reader())
		con.close()
		stderr.raw.Store(false)
		if err != nil {
			return err
		}
		return outcome(m, stop)
	}
	con.close()
	stderr.raw.Store(false)
	if interrupted.Load() && stop.Reason == emu.StopRequested {
		return &exitStatus{exitInterrupted, "interrupted"}
	}
	return outcome(m, stop)
}

// gdbAddress is where the gdb stub listens: --gdb, or -s's 127.0.0.1:1234.
func gdbAddress(c *cli.Context) string {
	if a := c.String("gdb"); a != "" {
		return a
	}
	if c.Bool("s") {
		return "127.0.0.1:1234"
	}
	return ""
}

// crlfWriter writes "\r\n" for "\n" while raw is set (the terminal is in
// raw mode).
type crlfWriter struct {
	w   io.Writer
	raw atomic.Bool
}

func (c *crlfWriter) Write(p []byte) (int, error) {
	if !c.raw.Load() {
		return c.w.Write(p)
	}
	if _, err := c.w.Write(bytes.ReplaceAll(p, []byte("\n"), []byte("\r\n"))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// outcome turns how the machine stopped into the exit status and a
// one-line diagnosis.
func outcome(m *emu.Machine, s emu.Stop) error {
	bc, bugChecked := m.BugCheck()
	bugMsg := ""
	if bugChecked {
		bugMsg = "bug check " + formatBugCheck(bc)
	}
	switch s.Reason {
	case emu.StopDebugExit:
		if bugChecked {
			return &exitStatus{s.Status, bugMsg}
		}
		return &exitStatus{s.Status, ""}
	case emu.StopTimeLimit, emu.StopRequested, emu.StopIdle:
		if bugChecked {
			return &exitStatus{exitBugCheck, bugMsg}
		}
		if s.Reason == emu.StopIdle {
			fmt.Fprintln(os.Stderr, "kppemu: the guest is idle with nothing left to wake it; stopping")
		}
		return nil
	case emu.StopTripleFault:
		return &exitStatus{exitTripleFault, s.Diag}
	case emu.StopDeadHalt:
		if bugChecked {
			return &exitStatus{exitBugCheck, bugMsg}
		}
		return &exitStatus{exitDeadHalt, "guest stopped: " + s.Diag}
	}
	return &exitStatus{exitCPUError, s.String()}
}

// formatBugCheck renders a bug-check event as Windows prints a stop code.
func formatBugCheck(e emu.Event) string {
	if len(e.Args) == 0 {
		return "(no code)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "0x%08X", e.Args[0])
	if len(e.Args) > 1 {
		b.WriteString(" (")
		for i, a := range e.Args[1:] {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "0x%016X", a)
		}
		b.WriteString(")")
	}
	if e.Args[0] == abi.BugCriticalStructureCorruption {
		b.WriteString(" CRITICAL_STRUCTURE_CORRUPTION")
	}
	return b.String()
}
