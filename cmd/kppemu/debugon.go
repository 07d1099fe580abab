package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/emu/debug"
	"github.com/kppemu/kppemu/emu/debug/record"
	"github.com/kppemu/kppemu/kernel/abi"
)

// debugOn is `kppemu boot --debug-on`: which stops open the debugger,
// and the recording that lets it answer whowrote about the run.
type debugOn struct {
	m          *emu.Machine
	bugcheck   bool
	triple     bool
	exit       bool
	rec        *record.Recorder
	bugStopped bool
}

func newDebugOn(c *cli.Context, m *emu.Machine) (*debugOn, error) {
	d := &debugOn{m: m}
	for _, v := range c.StringSlice("debug-on") {
		for _, w := range strings.Split(v, ",") {
			switch strings.TrimSpace(w) {
			case "bugcheck", "bug-check":
				d.bugcheck = true
			case "triple-fault":
				d.triple = true
			case "exit":
				d.exit = true
			default:
				return nil, fmt.Errorf("--debug-on %q: want bugcheck, triple-fault or exit", w)
			}
		}
	}
	if !d.bugcheck && !d.triple && !d.exit {
		return d, nil
	}
	if d.bugcheck {
		// Stop at the bug check itself, with the state as the guest left it.
		m.Subscribe(func(e emu.Event) {
			if e.Type == abi.EvBugCheck {
				d.bugStopped = true
				m.RequestStop()
			}
		})
	}
	if gdbAddress(c) != "" {
		return d, nil // the gdb stub runs the machine, and records it itself
	}
	rec, err := record.New(m, record.Config{})
	if err != nil {
		return nil, fmt.Errorf("--debug-on: %w", err)
	}
	d.rec = rec
	return d, nil
}

// run runs the machine (recording when a stop may open the debugger).
func (d *debugOn) run(until uint64) emu.Stop {
	if d.rec != nil {
		return d.rec.Run(until)
	}
	return d.m.Run(until)
}

// reason says why the debugger opens ("" : it does not).
func (d *debugOn) reason(st emu.Stop, asked bool) string {
	bc, bugChecked := d.m.BugCheck()
	switch {
	case asked:
		return fmt.Sprintf("kppemu: Ctrl-A C: the machine stopped at %d ns\n", st.Time)
	case d.bugcheck && (d.bugStopped || bugChecked):
		return fmt.Sprintf("kppemu: the guest bug-checked at %d ns: %s (analyze explains it)\n", bc.Time, debug.FormatBugCheck(bc))
	case d.triple && st.Reason == emu.StopTripleFault:
		return fmt.Sprintf("kppemu: %s\n", st.Diag)
	case d.exit && st.Reason == emu.StopDebugExit:
		return fmt.Sprintf("kppemu: the guest exited (isa-debug-exit status %d) at %d ns\n", st.Status, st.Time)
	}
	return ""
}

func (d *debugOn) close() {
	if d.rec != nil {
		d.rec.Close()
	}
}

// recorder returns the run's recording for the debugger (nil: none).
func (d *debugOn) recorder() debug.Recorder {
	if d.rec == nil {
		return nil
	}
	return d.rec
}
