package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/kppemu/kppemu/cpu"
	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/emu/debug"
	"github.com/kppemu/kppemu/emu/debug/record"
	"github.com/kppemu/kppemu/emu/gdbstub"
	"github.com/kppemu/kppemu/emu/hostio"
	"github.com/kppemu/kppemu/images"
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
			"On a terminal the serial console is attached in raw mode; Ctrl-A X quits,\n" +
			"Ctrl-A C opens the debugger console on the stopped machine, Ctrl-A H lists the escapes.\n" +
			"Otherwise stdin feeds the UART.\n\n" +
			"Exit status: the guest's isa-debug-exit status ((v<<1)|1) when it used it; 0 when\n" +
			"--max-time stopped it; 3 after a bug check, 4 after a triple fault, 6 when the\n" +
			"guest halted with interrupts off, 8 on a CPU internal error, 10 when --max-wall\n" +
			"stopped it, 12 when --accel-check found the tiers differing, 2 on a host error\n" +
			"(an unreadable or refused file, a failed write of serial or event output), 130 after\n" +
			"SIGINT or SIGTERM.\n\n" +
			"Serial and event output are capped (--serial-limit, --events-limit): past the cap a\n" +
			"marker line is written, and at the end a count of what was dropped.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "kernel", Usage: "Multiboot kernel `FILE` (default: the embedded kernel)"},
			&cli.StringSliceFlag{Name: "driver", Usage: "Multiboot module: an embedded driver `NAME` (or \"initrd\") or a FILE, " +
				"optionally followed by a space and its arguments; repeatable (default: the embedded initrd archive and vendor_sample)"},
			&cli.StringFlag{Name: "append", Usage: "kernel command line `CMDLINE` (the guest sees \"<kernel path> CMDLINE\")"},
			&cli.StringFlag{Name: "mem", Value: "128M", Usage: "guest RAM `SIZE` (K, M or G suffix; a plain number is MiB)"},
			&cli.Uint64Flag{Name: "seed", Usage: "seed `N` of the machine's randomness (RDRAND; the kernel's per-boot base, through fw_cfg)"},
			&cli.IntFlag{Name: "smp", Value: 1, Usage: "number of processors `N` (1 to 16), as QEMU's -smp"},
			&cli.Uint64Flag{Name: "quantum", Usage: "with --smp: instructions `N` each processor runs before the next takes its turn (default 4000)"},
			&cli.StringSliceFlag{Name: "device", Usage: "add the optional device `NAME` as QEMU's -device does (" +
				strings.Join(emu.OptionalDevices, ", ") + "; help lists them); repeatable"},
			accelFlag(),
			&cli.Uint64Flag{Name: "accel-check", Usage: "run the guest on two machines, in the --accel tier and in --accel-ref, comparing " +
				"their whole state and serial output every `N` instructions; report the first difference (exit status 12)"},
			&cli.StringFlag{Name: "accel-ref", Usage: "with --accel-check: the reference `TIER`: interp, or step (the interpreter one " +
				"instruction at a time) (default: interp for --accel jit, step for --accel interp)"},
			&cli.StringSliceFlag{Name: "cpu-feature", Usage: "advertise and provide the optional processor feature `NAME` (" +
				strings.Join(emu.OptionalCPUFeatures, ", ") + "; QEMU 7.2's TCG has neither); repeatable"},
			&cli.StringFlag{Name: "cpu-vendor", Value: "intel", Usage: "CPU vendor `NAME` the guest sees: intel or amd " +
				"(CPUID vendor string; SYSCALL outside 64-bit mode is #UD on intel, runs on amd)"},
			&cli.DurationFlag{Name: "max-time", Usage: "stop cleanly after `DURATION` of guest time (exit status 0; at most 24h)"},
			&cli.DurationFlag{Name: "max-wall", Usage: "stop after `DURATION` of host time, whatever the guest does (exit status 10)"},
			&cli.StringFlag{Name: "events", Usage: "write the guest's events as JSON lines to `FILE` (- for stdout)"},
			&cli.StringFlag{Name: "serial", Usage: "write serial output to `FILE` (- for stdout; default: the terminal)"},
			&cli.StringFlag{Name: "serial-limit", Value: "256M", Usage: "cap the serial output at `SIZE`; the rest is dropped and counted (0: no cap)"},
			&cli.StringFlag{Name: "events-limit", Value: "256M", Usage: "cap the JSON event output at `SIZE`; later events are dropped and counted (0: no cap)"},
			&cli.StringFlag{Name: "log-level", Value: "warn", Usage: "log `LEVEL`: trace, debug, info, warn, error, off"},
			&cli.StringFlag{Name: "gdb", Usage: "serve the GDB remote protocol on `HOST:PORT` (a port alone: loopback)"},
			&cli.BoolFlag{Name: "gdb-wait", Usage: "with --gdb: stop before the first instruction until gdb attaches"},
			&cli.BoolFlag{Name: "s", Usage: "shorthand for --gdb 127.0.0.1:1234 (as QEMU)"},
			&cli.BoolFlag{Name: "S", Usage: "shorthand for --gdb-wait (as QEMU)"},
			&cli.StringSliceFlag{Name: "debug-on", Usage: "open the debugger console instead of exiting on `STOP`: bugcheck, " +
				"triple-fault or exit (isa-debug-exit, poweroff); repeatable; the run is recorded so that whowrote works"},
			&cli.StringFlag{Name: "debug-x", Usage: "with --debug-on: run the debugger commands in `FILE` when the console opens"},
			&cli.BoolFlag{Name: "record", Value: true, Usage: "with --gdb: record the run, for gdb's reverse-stepi and reverse-continue (--record=false: off)"},
		},
		Action: bootAction,
	}
}

// parseSize reads a RAM size: "128M", "1G", "65536K" or a plain number
// of MiB (QEMU's -m).
func parseSize(s string) (uint64, error) {
	v, err := hostio.ParseSize(s, 1<<20)
	if err != nil || v == 0 || v >= 1<<40 {
		return 0, fmt.Errorf("bad memory size %q (want e.g. 128M or 1G)", s)
	}
	return v, nil
}

// parseLimit reads an output cap flag (a plain number is bytes; 0: none).
func parseLimit(c *cli.Context, flag string) (uint64, error) {
	v, err := hostio.ParseSize(c.String(flag), 1)
	if err != nil {
		return 0, fmt.Errorf("--%s: %v", flag, err)
	}
	return v, nil
}

// loadModule resolves a --driver value: a file on disk, an embedded
// driver name, or "initrd" (the embedded module archive).
func loadModule(v string, limit uint64, why string) (emu.BootModule, error) {
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
		b, err := hostio.ReadFile(name, limit, "--driver", why)
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

// jsonEvent is the JSON-lines form of a guest event. Arguments are hex
// strings: many are 64-bit addresses, which JSON numbers (doubles to most
// readers) cannot hold exactly.
type jsonEvent struct {
	TimeNS uint64   `json:"time_ns"`
	Type   string   `json:"type"`
	Code   uint32   `json:"code"`
	Args   []string `json:"args,omitempty"`
	Text   string   `json:"text,omitempty"`
	// Dropped counts the events the cap dropped (type "truncated" only).
	Dropped uint64 `json:"dropped,omitempty"`
}

// truncatedEventType is the type of the marker lines of a capped event
// output; it is no guest event's name.
const truncatedEventType = "truncated"

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
	for _, d := range c.StringSlice("device") {
		if d == "help" { // as QEMU's -device help: list them and stop
			for _, name := range emu.OptionalDevices {
				fmt.Fprintf(c.App.Writer, "%-12s %s\n", name, emu.OptionalDeviceHelp[name])
			}
			return nil
		}
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
	vendor, err := cpu.ParseVendor(c.String("cpu-vendor"))
	if err != nil {
		return &exitStatus{exitHostError, "--cpu-vendor: " + err.Error()}
	}
	accel, err := accelName(c)
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	if err := hostio.CheckGuestTime("--max-time", c.Duration("max-time")); err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	if c.Duration("max-wall") < 0 {
		return &exitStatus{exitHostError, "--max-wall must not be negative"}
	}
	serialLimit, err := parseLimit(c, "serial-limit")
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	eventsLimit, err := parseLimit(c, "events-limit")
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	img, err := bootImage(c, mem)
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}

	// Serial output: a file, stdout, or the terminal (stdout too), capped.
	serial := hostio.NewOutput("serial output to the terminal", os.Stdout, nil)
	if !term.IsTerminal(int(os.Stdout.Fd())) {
		serial.Name = "serial output to standard output"
	}
	if s := c.String("serial"); s != "" {
		if serial, err = hostio.Create("serial output", s); err != nil {
			return &exitStatus{exitHostError, err.Error()}
		}
	}
	serial.Limit = serialLimit
	serial.Marker = func(limit uint64) []byte {
		return []byte(fmt.Sprintf("\r\n[kppemu: serial output truncated at %s (--serial-limit); the rest is dropped]\r\n",
			hostio.FormatSize(limit)))
	}
	serial.Trailer = func(_, n uint64) []byte {
		return []byte(fmt.Sprintf("[kppemu: %d byte(s) of serial output dropped]\r\n", n))
	}
	outputs := []*hostio.Output{serial}
	// Every output is closed (flushed) once, on any return.
	defer func() {
		for _, o := range outputs {
			o.Close()
		}
	}()

	smp := c.Int("smp")
	if smp < 1 || smp > emu.MaxCPUs {
		return &exitStatus{exitHostError, fmt.Sprintf("--smp %d: the machine has 1 to %d processors", smp, emu.MaxCPUs)}
	}
	cfg := emu.Config{MemBytes: mem, Seed: c.Uint64("seed"), Logger: logger, Serial: serial,
		Devices: c.StringSlice("device"), CPUs: smp, Quantum: c.Uint64("quantum"), CPUVendor: vendor, Accel: accel,
		CPUFeatures: c.StringSlice("cpu-feature")}
	if c.IsSet("accel-check") || c.IsSet("accel-ref") {
		return bootAccelCheck(c, cfg, img, serial, stderr)
	}
	m, err := emu.New(cfg)
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	if _, err := m.Boot(img); err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}

	if ev := c.String("events"); ev != "" {
		events, err := hostio.Create("events", ev)
		if err != nil {
			return &exitStatus{exitHostError, err.Error()}
		}
		outputs = append(outputs, events)
		events.Limit, events.Records = eventsLimit, true
		marker := func(j jsonEvent) []byte {
			b, _ := json.Marshal(j)
			return append(b, '\n')
		}
		events.Marker = func(limit uint64) []byte {
			return marker(jsonEvent{TimeNS: m.Now(), Type: truncatedEventType,
				Text: fmt.Sprintf("event output truncated at %s (--events-limit); later events are dropped", hostio.FormatSize(limit))})
		}
		events.Trailer = func(n, _ uint64) []byte {
			return marker(jsonEvent{TimeNS: m.Now(), Type: truncatedEventType, Dropped: n,
				Text: fmt.Sprintf("%d event(s) dropped", n)})
		}
		enc := json.NewEncoder(events)
		m.Subscribe(func(e emu.Event) {
			if events.Full() {
				events.Drop()
				return
			}
			_ = enc.Encode(newJSONEvent(e)) // one Write per event; errors are the Output's
		})
	}

	interactive := term.IsTerminal(int(os.Stdin.Fd()))
	con, err := newConsole(m, serial, interactive, stderr)
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	defer con.close()
	// In raw mode the terminal no longer turns "\n" into "\r\n": logs must.
	stderr.raw.Store(interactive)
	defer stderr.raw.Store(false)

	// A failed write (a full disk, a closed pipe) stops the machine: its
	// output would be lost.
	for _, o := range outputs {
		o.OnError = func(error) { con.stop() }
	}

	// SIGINT/SIGTERM stop the machine cleanly: output flushed, status 130.
	host := watchHostStops(c, con.stop)
	defer host.close()
	until := guestLimit(c)
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
		opts := gdbstub.Options{Logger: logger}
		dcfg := debug.Config{Kernel: img.Kernel, Embedded: true}
		if c.Bool("record") {
			rec, err := record.New(m, record.Config{})
			if err != nil {
				return &exitStatus{exitHostError, err.Error()}
			}
			defer rec.Close()
			opts.Recorder = rec
			dcfg.Recorder = rec // the monitor's whowrote and reverse steps share it
		}
		mon, err := debug.New(m, dcfg)
		if err != nil {
			return &exitStatus{exitHostError, err.Error()}
		}
		defer mon.Close()
		opts.Monitor = mon.MonitorCPU
		stub := gdbstub.New(m, ln, opts)
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
	host.runEnded()
	if why := dbg.reason(stop, con.debugWanted()); why != "" {
		// The debugger console writes through the serial output (unbuffered,
		// still capped) and reads stdin through the console.
		serial.Flush()
		stderr.raw.Store(interactive)
		out := serial.WriteThrough()
		m.SetSerialOutput(&crlfWriter{w: out})
		err := openDebugger(c, m, img.Kernel, out, why, interactive, dbg.recorder(), con.reader())
		con.close()
		stderr.raw.Store(false)
		if err != nil {
			return err
		}
		if err := closeOutputs(outputs, serial); err != nil {
			return &exitStatus{exitHostError, err.Error()}
		}
		return outcome(m, stop)
	}
	con.close()
	stderr.raw.Store(false)
	con.reportUndelivered(os.Stderr)
	if err := closeOutputs(outputs, serial); err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	if err := host.status(stop); err != nil {
		return err
	}
	return outcome(m, stop)
}

// closeOutputs closes the outputs (trailers, last flush), prints what their
// caps dropped, and returns the first write error.
func closeOutputs(outputs []*hostio.Output, serial *hostio.Output) error {
	var first error
	for _, o := range outputs {
		if err := o.Close(); err != nil && first == nil {
			first = err
		}
		flag := "--events-limit"
		if o == serial {
			flag = "--serial-limit"
		}
		if msg := o.Summary(flag); msg != "" {
			fmt.Fprintln(os.Stderr, "kppemu:", msg)
		}
	}
	return first
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
		bugMsg = "bug check " + debug.FormatBugCheck(bc)
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
	case emu.StopReset:
		fmt.Fprintln(os.Stderr, "kppemu: the guest reset the machine; stopping")
		return nil
	case emu.StopDeadHalt:
		if bugChecked {
			return &exitStatus{exitBugCheck, bugMsg}
		}
		return &exitStatus{exitDeadHalt, "guest stopped: " + s.Diag}
	}
	return &exitStatus{exitCPUError, s.String()}
}
