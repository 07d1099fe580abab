// Package debug is kppemu's step debugger: a console of gdb and Bochs
// verbs over an emu.Machine (stepping, breakpoints with conditions,
// watchpoints, registers, memory, disassembly, page walks, descriptor
// tables, a frame-pointer backtrace, the guest's module and process lists,
// PatchGuard's announced regions), reverse execution through a recording,
// and `analyze`, which explains a stop the way WinDbg's !analyze -v does.
//
// A Session executes one command line at a time (Exec); the interactive
// front end (Console) adds line editing, history, completion and Ctrl-C,
// reads one command per line from a script when stdin is not a terminal,
// and can switch to a full-screen view (layout). Breakpoints live on the
// host side: guest memory is never written to set one.
package debug

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/kppemu/kppemu/cpu"
	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/emu/debug/record"
	"github.com/kppemu/kppemu/emu/dev"
	"github.com/kppemu/kppemu/internal/editdist"
	"github.com/kppemu/kppemu/kernel/abi"
)

// Recorder is what the console needs of a recording: forward execution
// that records, reverse execution, and the last writer of guest memory
// (package record implements it).
type Recorder interface {
	Run(until uint64) emu.Stop
	Step() emu.Stop
	StepCPU(i int) emu.Stop
	Input(b []byte)
	Poke(va uint64, b []byte) error
	ReverseStep(n uint64) (emu.Stop, error)
	ReverseContinue() (emu.Stop, error)
	WhoWrote(addr, n uint64) (record.Write, error)
	Close()
}

// ErrNotRecording is returned by the reverse commands while recording is off.
var ErrNotRecording = errors.New("recording is off: `record on` starts it (reverse execution reaches back to that point)")

// direct runs the machine without recording.
type direct struct{ m *emu.Machine }

func (d direct) Run(until uint64) emu.Stop            { return d.m.Run(until) }
func (d direct) Step() emu.Stop                       { return d.m.Step() }
func (d direct) StepCPU(i int) emu.Stop               { return d.m.StepCPU(i) }
func (d direct) Input(b []byte)                       { d.m.SerialInput(b) }
func (d direct) Poke(va uint64, b []byte) error       { return d.m.WriteVirt(va, b) }
func (d direct) ReverseStep(uint64) (emu.Stop, error) { return emu.Stop{}, ErrNotRecording }
func (d direct) ReverseContinue() (emu.Stop, error)   { return emu.Stop{}, ErrNotRecording }
func (d direct) WhoWrote(uint64, uint64) (record.Write, error) {
	return record.Write{}, ErrNotRecording
}
func (d direct) Close() {}

// Config sets up a Session.
type Config struct {
	// Kernel is the kernel ELF file (for the executable ranges of a kernel
	// not mapped yet); nil when unknown.
	Kernel []byte
	// Record starts recording at once (reverse execution, whowrote).
	Record bool
	// Recorder is a recording already running (the session uses it and
	// does not close it); it overrides Record.
	Recorder Recorder
	// Embedded is a session that only serves commands for another front
	// end (the gdb stub's monitor): it installs no machine hooks and does
	// not break in on bug checks.
	Embedded bool
	// RecordConfig configures the recording.
	RecordConfig record.Config
	// NewRecorder starts a recording (nil: package record's).
	NewRecorder func(m *emu.Machine, cfg record.Config) (Recorder, error)
	// ATT selects AT&T syntax for disassembly (default Intel).
	ATT bool
	// Interactive says a person is at a terminal: idle guest time is paced
	// to the wall clock while the guest runs, as `kppemu boot` does.
	Interactive bool
	// Serial is where the machine's serial output goes outside the
	// full-screen view (which shows it in a panel while it runs).
	Serial io.Writer
}

// Session is a debugging session over one machine. Its methods run on the
// machine's goroutine, except Interrupt and Type.
type Session struct {
	m        *emu.Machine
	cfg      Config
	rec      Recorder // the recording, or direct
	on       bool     // recording
	borrowed bool     // rec belongs to the caller: never closed here

	out io.Writer // the current command's output
	sel int       // the vCPU the commands act on (Machine.CPUs index)

	bps       []*breakpoint
	watches   []*watchpoint
	nextID    int
	hostBPs   map[uint64]bool // what is set on the machine
	internal  map[uint64]int  // temporary breakpoints of next/finish/until
	lastX     xFormat
	memAddr   uint64 // the last address x examined (the memory panel)
	memSet    bool
	lastStop  emu.Stop
	stopped   bool // lastStop is meaningful
	events    []emu.Event
	lost      int // events dropped beyond maxEvents
	trace     io.Writer
	traceFile io.Closer
	execRange []addrRange           // executable ranges of the kernel file
	guessed   map[string]emu.Module // drivers found on the guest's module list before their event

	inMu    sync.Mutex
	inbox   [][]byte      // serial input typed while the guest runs
	wake    chan struct{} // input arrived or an interrupt
	layout  bool          // the front end should switch to the full-screen view
	quit    bool
	bugStop bool // the guest reported a bug check: the stop is that
	placing bool // the kernel reported its base: pending breakpoints move

	commands    map[string]*command
	sourceDepth int
	names       []string // command names, sorted (help, completion)
}

const maxEvents = 100_000

// New starts a session on m; it subscribes to the machine's events and,
// with cfg.Record, starts recording.
func New(m *emu.Machine, cfg Config) (*Session, error) {
	s := &Session{m: m, cfg: cfg, rec: direct{m}, hostBPs: map[uint64]bool{}, internal: map[uint64]int{},
		nextID: 1, lastX: xFormat{count: 1, unit: 4, format: 'x'}, wake: make(chan struct{}, 1)}
	s.execRange = kernelExecRanges(cfg.Kernel)
	m.Subscribe(func(e emu.Event) {
		if e.Type == abi.EvBugCheck && !cfg.Embedded {
			// Like a kernel debugger, break in when the guest bug-checks.
			s.bugStop = true
			m.RequestStop()
		}
		if e.Type == abi.EvKernelBase && !cfg.Embedded && s.hasPending() {
			// Stop soon (the event comes before kmain) to move the
			// breakpoints set by symbol before the kernel chose its base.
			s.placing = true
			m.RequestStop()
		}
		if len(s.events) < maxEvents {
			s.events = append(s.events, e)
		} else {
			s.lost++
		}
	})
	if !cfg.Embedded {
		m.SetHooks(emu.Hooks{Poll: s.poll, Idle: s.idle})
	}
	s.initCommands()
	if cfg.Recorder != nil {
		s.rec, s.on, s.borrowed = cfg.Recorder, true, true
	} else if cfg.Record {
		if err := s.recordOn(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// hasPending reports whether a breakpoint or watchpoint waits for the
// kernel's base.
func (s *Session) hasPending() bool {
	for _, b := range s.bps {
		if b.pending {
			return true
		}
	}
	for _, w := range s.watches {
		if w.pending {
			return true
		}
	}
	return false
}

// Machine returns the debugged machine.
func (s *Session) Machine() *emu.Machine { return s.m }

// cpu returns the vCPU the console shows and steps (`cpu N` selects it;
// a stop selects the processor that stopped).
func (s *Session) cpu() *cpu.CPU { return s.m.CPUs[s.sel] }

// smp reports whether the machine has several processors.
func (s *Session) smp() bool { return len(s.m.CPUs) > 1 }

// SelectCPU makes processor i the one the commands act on.
func (s *Session) SelectCPU(i int) error {
	if i < 0 || i >= len(s.m.CPUs) {
		return fmt.Errorf("no processor %d (the machine has %d: 0 to %d)", i, len(s.m.CPUs), len(s.m.CPUs)-1)
	}
	s.sel = i
	return nil
}

// Selected returns the processor the commands act on.
func (s *Session) Selected() int { return s.sel }

// Close ends the recording and closes a trace file.
func (s *Session) Close() {
	if !s.borrowed {
		s.rec.Close()
	}
	s.rec, s.on = direct{s.m}, false
	s.traceOff()
}

// Quit reports whether the user asked to leave.
func (s *Session) Quit() bool { return s.quit }

// WantLayout reports (and clears) a request for the full-screen view.
func (s *Session) WantLayout() bool {
	w := s.layout
	s.layout = false
	return w
}

// Interrupt stops a running guest (Ctrl-C). Safe from any goroutine.
func (s *Session) Interrupt() {
	s.m.RequestStop()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Type queues serial input for the guest; it reaches the UART while the
// guest runs. Safe from any goroutine.
func (s *Session) Type(b []byte) {
	s.inMu.Lock()
	s.inbox = append(s.inbox, append([]byte(nil), b...))
	s.inMu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// poll feeds typed input to the guest between run slices (through the
// recording, which logs it).
func (s *Session) poll() {
	s.inMu.Lock()
	in := s.inbox
	s.inbox = nil
	s.inMu.Unlock()
	for _, b := range in {
		s.rec.Input(b)
	}
}

// Exec runs one command line, writing its output to w. An error leaves
// the machine, the breakpoints and the recording as they were.
func (s *Session) Exec(w io.Writer, line string) (err error) {
	s.out = w
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error in %q: %v", strings.TrimSpace(line), r)
		}
	}()
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return nil
	}
	name, args := splitCommand(line)
	c, ok := s.commands[name]
	if !ok {
		return s.unknownCommand(name)
	}
	return c.run(s, args)
}

// Monitor runs one console command and returns its output (the gdb
// stub's `monitor CMD`).
func (s *Session) Monitor(cmd string) (string, error) {
	var b strings.Builder
	err := s.Exec(&b, cmd)
	return b.String(), err
}

// MonitorCPU is Monitor on processor i: the gdb stub's monitor acts on
// gdb's current thread, whatever a console command selected before.
func (s *Session) MonitorCPU(i int, cmd string) (string, error) {
	if err := s.SelectCPU(i); err != nil {
		return "", err
	}
	return s.Monitor(cmd)
}

// splitCommand splits "x/8xg $rsp" into "x" and "/8xg $rsp".
func splitCommand(line string) (name, args string) {
	end := strings.IndexAny(line, " \t/")
	if end < 0 {
		return line, ""
	}
	if line[end] == '/' {
		return line[:end], line[end:]
	}
	return line[:end], strings.TrimSpace(line[end:])
}

func (s *Session) printf(format string, a ...any) { fmt.Fprintf(s.out, format, a...) }

// unknownCommand says so and suggests the nearest commands.
func (s *Session) unknownCommand(name string) error {
	msg := fmt.Sprintf("unknown command %q", name)
	if sug := suggest(name, s.names, 3); len(sug) > 0 {
		msg += "; did you mean " + strings.Join(sug, ", ") + "?"
	}
	return errors.New(msg + " (help lists the commands)")
}

// suggest returns up to n of names closest to q (edit distance at most a
// third of q's length, or q as a prefix/substring).
func suggest(q string, names []string, n int) []string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	limit := max(1, len(q)/3)
	if len(q) >= 4 {
		limit = max(2, limit) // a swapped pair of letters
	}
	for _, nm := range names {
		d := editdist.Distance(q, nm, limit)
		if d <= limit {
			cs = append(cs, cand{nm, d})
		} else if len(q) >= 3 && strings.Contains(nm, q) {
			cs = append(cs, cand{nm, limit + 1})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].name < cs[j].name
	})
	var out []string
	for i := 0; i < len(cs) && i < n; i++ {
		out = append(out, cs[i].name)
	}
	return out
}

// recordOn starts recording at the current point.
func (s *Session) recordOn() error {
	if s.on {
		return nil
	}
	newRec := s.cfg.NewRecorder
	if newRec == nil {
		newRec = func(m *emu.Machine, cfg record.Config) (Recorder, error) { return record.New(m, cfg) }
	}
	r, err := newRec(s.m, s.cfg.RecordConfig)
	if err != nil {
		return fmt.Errorf("record on: %w", err)
	}
	s.rec, s.on = r, true
	return nil
}

// recordOff stops recording and forgets the history.
func (s *Session) recordOff() {
	if s.on {
		if !s.borrowed {
			s.rec.Close()
		}
		s.rec, s.on, s.borrowed = direct{s.m}, false, false
	}
}

// lapic returns the selected processor's local APIC.
func (s *Session) lapic() *dev.LAPIC { return s.m.LAPICs[s.sel] }
