package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-hclog"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/emu/debug"
	"github.com/kppemu/kppemu/emu/hostio"
	"github.com/kppemu/kppemu/images"
)

func debugCommand() *cli.Command {
	var flags []cli.Flag
	for _, f := range bootCommand().Flags {
		switch f.Names()[0] {
		case "kernel", "driver", "append", "mem", "seed", "log-level", "serial", "smp", "quantum", "accel":
			flags = append(flags, f)
		}
	}
	flags = append(flags,
		&cli.BoolFlag{Name: "tui", Usage: "start in the full-screen view"},
		&cli.BoolFlag{Name: "att", Usage: "disassemble in AT&T syntax (default Intel)"},
		&cli.BoolFlag{Name: "no-record", Usage: "do not record (no reverse execution or whowrote; a little faster)"},
		&cli.StringFlag{Name: "x", Usage: "run the commands in `FILE` first (as `source FILE`)"},
		&cli.StringFlag{Name: "history", Usage: "keep the command history in `FILE` (default ~/.kppemu_history)"},
	)
	return &cli.Command{
		Name:      "debug",
		Usage:     "step-debug the guest from its first instruction",
		ArgsUsage: " ",
		Description: "Boots the image as `kppemu boot` does but stops before the first instruction and\n" +
			"opens the debugger console (help lists its commands). On a terminal the console has\n" +
			"line editing, history and completion; keys typed while the guest runs go to its\n" +
			"serial port and Ctrl-C stops it. Otherwise stdin is a script, one command per line.",
		Flags:  flags,
		Action: debugAction,
	}
}

// bootImage builds the Multiboot image set from the image flags. Every
// file must fit in guest RAM (memBytes), and all of them together: sizes
// are checked before anything is read.
func bootImage(c *cli.Context, memBytes uint64) (emu.BootImage, error) {
	img := emu.BootImage{Append: c.String("append")}
	budget := memBytes
	var err error
	if p := c.String("kernel"); p != "" {
		why := fmt.Sprintf("the guest's %s of RAM", hostio.FormatSize(memBytes))
		if img.Kernel, err = hostio.ReadFile(p, budget, "--kernel", why); err != nil {
			return img, err
		}
		img.Path = p
	} else {
		img.Kernel, img.Path = images.Kernel(), defaultKernelPath
	}
	budget -= min(budget, uint64(len(img.Kernel)))
	drivers := c.StringSlice("driver")
	if len(drivers) == 0 && c.String("kernel") == "" {
		// The default guest: the module archive, and the sample security-vendor
		// driver loaded at boot, policing through the callback APIs.
		drivers = defaultDrivers
	}
	for _, d := range drivers {
		why := fmt.Sprintf("the %s of the guest's %s of RAM left for it", hostio.FormatSize(budget), hostio.FormatSize(memBytes))
		mod, err := loadModule(d, budget, why)
		if err != nil {
			return img, err
		}
		budget -= min(budget, uint64(len(mod.Data)))
		img.Modules = append(img.Modules, mod)
	}
	return img, nil
}

func debugAction(c *cli.Context) error {
	if c.Args().Len() > 0 {
		return &exitStatus{exitHostError, fmt.Sprintf("debug takes no arguments (got %q)", c.Args().First())}
	}
	level := hclog.LevelFromString(c.String("log-level"))
	if level == hclog.NoLevel {
		return &exitStatus{exitHostError, fmt.Sprintf("bad --log-level %q", c.String("log-level"))}
	}
	interactive := term.IsTerminal(int(os.Stdin.Fd()))
	stderr := &crlfWriter{w: os.Stderr}
	stderr.raw.Store(interactive)
	logger := hclog.New(&hclog.LoggerOptions{Name: "kppemu", Level: level, Output: stderr})
	mem, err := parseSize(c.String("mem"))
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	img, err := bootImage(c, mem)
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	serialOut := io.Writer(&crlfWriter{w: stdout})
	serialOut.(*crlfWriter).raw.Store(interactive)
	closeSerial := func() error { return nil }
	if p := c.String("serial"); p != "" {
		o, err := hostio.Create("serial output", p)
		if err != nil {
			return &exitStatus{exitHostError, err.Error()}
		}
		o.Limit = hostio.DefaultSerialLimit
		serialOut, closeSerial = o.WriteThrough(), o.Close
	}
	defer closeSerial()
	accel, err := accelName(c)
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	smp := c.Int("smp")
	if smp < 1 || smp > emu.MaxCPUs {
		return &exitStatus{exitHostError, fmt.Sprintf("--smp %d: the machine has 1 to %d processors", smp, emu.MaxCPUs)}
	}
	m, err := emu.New(emu.Config{MemBytes: mem, Seed: c.Uint64("seed"), Logger: logger, Serial: serialOut,
		CPUs: smp, Quantum: c.Uint64("quantum"), Accel: accel})
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	if _, err := m.Boot(img); err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	err = openDebugger(c, m, img.Kernel, serialOut, "", interactive, nil, os.Stdin)
	if cerr := closeSerial(); cerr != nil && err == nil {
		return &exitStatus{exitHostError, cerr.Error()}
	}
	return err
}

// openDebugger opens the console on a machine (at its entry, or where a
// run stopped) and runs it until the user quits. rec is the run's
// recording (nil: the console starts its own unless --no-record); in
// reads the terminal or the script.
func openDebugger(c *cli.Context, m *emu.Machine, kernel []byte, serial io.Writer, why string, interactive bool, rec debug.Recorder, in io.Reader) error {
	s, err := debug.New(m, debug.Config{Kernel: kernel, Serial: serial, Record: !c.Bool("no-record"), Recorder: rec,
		ATT: c.Bool("att"), Interactive: interactive})
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	defer s.Close()
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	// Before the console runs, a terminal may be in raw mode already
	// (boot's console): lines need "\r\n".
	pre := out
	if interactive {
		cw := &crlfWriter{w: stdout}
		cw.raw.Store(true)
		pre = bufio.NewWriter(cw)
	}
	intro := why
	if intro == "" {
		intro = "kppemu debugger: stopped at the entry point (help lists the commands)\n"
	}
	where, _ := s.Monitor("disas $rip 1")
	fmt.Fprint(pre, intro+where)
	pre.Flush()
	x := c.String("x")
	if x == "" {
		x = c.String("debug-x")
	}
	if x != "" {
		if err := s.Exec(pre, "source "+x); err != nil {
			fmt.Fprintf(pre, "error: %v\n", err)
		}
		pre.Flush()
	}
	hist := c.String("history")
	if hist == "" {
		if home, err := os.UserHomeDir(); err == nil {
			hist = filepath.Join(home, ".kppemu_history")
		}
	}
	cfg := debug.ConsoleConfig{In: in, Out: stdout, Terminal: -1, HistoryFile: hist}
	if in == io.Reader(os.Stdin) {
		// The full-screen view reads the terminal itself: only when nothing
		// else (boot's serial console) is reading it.
		cfg.Layout = func(s *debug.Session) error { return s.RunTUI() }
	}
	if interactive {
		cfg.Terminal = int(os.Stdin.Fd())
		if c.Bool("tui") && cfg.Layout != nil {
			if err := s.RunTUI(); err != nil {
				return &exitStatus{exitHostError, err.Error()}
			}
			if s.Quit() {
				return nil
			}
		}
	} else {
		out.Flush()
		cfg.Out = stdout // unbuffered: in order with the serial output
	}
	if err := s.RunConsole(cfg); err != nil {
		out.Flush()
		return &exitStatus{1, err.Error()}
	}
	return nil
}
