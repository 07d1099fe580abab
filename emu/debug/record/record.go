// Package record records a running emu.Machine so that it can run
// backwards: reverse-stepi, reverse-continue and "who wrote this byte".
//
// A Recorder keeps checkpoints of the machine state (CPU, paging state,
// devices) every Config.SnapshotEvery instructions and, for RAM, only the
// pages that changed after each checkpoint: before the first write to a
// page in an interval, from any path, the MMU hands the page to the
// recorder, which keeps its old contents (an undo log; see mmu's write
// tracking). Going back to checkpoint k puts back the pages saved by every
// later interval, newest first, then loads the state of checkpoint k; from
// there the machine runs forward again, which gives the same execution
// because the machine is deterministic. Every host input (serial bytes,
// host writes of guest memory, register changes made between runs) is
// logged with the instruction count and guest time at which it took
// effect; a replay that reaches that point applies it again, so the
// recorded future survives going back. The checkpoints live in a ring
// bounded by Config.BudgetBytes: the oldest go first.
//
// A point in the execution is (instructions retired, guest time): after
// that many instructions, before anything pending (an interrupt) is
// delivered; guest time tells points apart while the CPU halts. With
// several processors the count is all of theirs (emu.Machine.Instret):
// they take turns in fixed quanta, so the count still names one point, and
// a replay stops there as exactly as on one processor. A processor stepped
// alone (StepCPU) leaves that schedule, so the step is logged as an input
// and replayed as one.
package record

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/kppemu/kppemu/cpu"
	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/mmu"
)

// Config sets how a Recorder records.
type Config struct {
	// SnapshotEvery is the number of instructions between checkpoints
	// (DefaultSnapshotEvery when 0). Smaller: faster reverse steps, more
	// memory.
	SnapshotEvery uint64
	// BudgetBytes bounds the memory the recording holds (DefaultBudget
	// when 0); the oldest checkpoints are dropped to stay under it.
	BudgetBytes uint64
}

// Defaults for Config.
const (
	DefaultSnapshotEvery = 4 << 20
	DefaultBudget        = 512 << 20
)

const pageSize = 4096

// ErrNoHistory is returned when a reverse operation would go back past
// the oldest recorded point; the machine is then at that point.
var ErrNoHistory = errors.New("no more reverse-execution history")

// Write is the last write to a range of guest memory.
type Write struct {
	Time    uint64 // guest ns when the instruction executed
	Instret uint64 // instructions retired, counting the writing one
	RIP     uint64 // the writing instruction
	CPL     uint8
	CPU     int    // the processor that executed it
	Insn    []byte // its bytes (up to 15; fewer where unmapped)
	Mode    int    // decode mode: 16, 32 or 64
	Off     uint64 // the first byte written, as an offset into the range asked about
	Old     []byte // the bytes written (from Off on), before the write
	New     []byte // the same bytes right after the write
	Host    bool   // a host write (debugger poke, scenario step), not an instruction
}

// Point is a point in the execution.
type Point struct{ Instret, Time uint64 }

func (p Point) before(q Point) bool {
	return p.Instret < q.Instret || p.Instret == q.Instret && p.Time < q.Time
}

// InputKind says what a logged input was.
type InputKind int

// Input kinds.
const (
	InputSerial InputKind = iota // bytes queued on COM1
	InputMemory                  // a host write of guest-physical memory
	InputCPU                     // registers changed by the host between runs
	InputStep                    // one processor stepped alone (several processors)
)

// Input is one logged host input.
type Input struct {
	At   Point
	Kind InputKind
	Addr uint64    // InputMemory: physical address
	Data []byte    // InputSerial, InputMemory
	CPU  cpu.State // InputCPU: the state after the change
	Proc int       // InputCPU, InputStep: the processor
}

// checkpoint is a saved machine state (without RAM) and the old contents
// of the pages written after it, until the next checkpoint.
type checkpoint struct {
	at     Point
	state  *emu.Snapshot
	undo   map[uint64][]byte // pfn -> the page as it was at this checkpoint
	inputs int               // log entries applied before this checkpoint
	size   uint64
}

// Recorder records a machine. All methods run on the machine's goroutine.
type Recorder struct {
	m   *emu.Machine
	cfg Config

	cps   []*checkpoint // oldest first; the last is the current interval's
	log   []Input
	next  int    // log entries applied so far (the rest is the recorded future)
	bytes uint64 // memory held by cps

	last     []cpu.State // each processor when the recorder last ran the machine
	lastAt   Point       // the point then
	frontier Point       // the furthest point executed: output before it was printed already
	applying bool        // a logged input is being applied (not logged again)
	who      *whoSearch
	closed   bool
	pinned   bool  // a reverse operation walks the checkpoints: do not trim
	err      error // a failure that ended recording
}

// New starts recording m at its current state.
func New(m *emu.Machine, cfg Config) (*Recorder, error) {
	if cfg.SnapshotEvery == 0 {
		cfg.SnapshotEvery = DefaultSnapshotEvery
	}
	if cfg.BudgetBytes == 0 {
		cfg.BudgetBytes = DefaultBudget
	}
	r := &Recorder{m: m, cfg: cfg}
	for _, u := range m.MMUs {
		u.SetWriteHook(r.pageWrite)
	}
	m.ObserveInput(r.observe)
	if err := r.checkpoint(); err != nil {
		r.Close()
		return nil, err
	}
	r.noteLast()
	return r, nil
}

// noteLast keeps the processors' state as the recorder leaves them: a
// later difference is the host's doing (sync).
func (r *Recorder) noteLast() {
	r.last = r.last[:0]
	for _, c := range r.m.CPUs {
		r.last = append(r.last, c.Snapshot())
	}
	r.lastAt = r.now()
}

// trackAll marks every RAM page in every processor's MMU: each has its
// own marks, and the first write through any of them reaches pageWrite.
func (r *Recorder) trackAll() {
	for _, u := range r.m.MMUs {
		u.TrackAll()
	}
}

// Machine returns the recorded machine.
func (r *Recorder) Machine() *emu.Machine { return r.m }

// Close stops recording; the machine stays where it is.
func (r *Recorder) Close() {
	if r.closed {
		return
	}
	r.closed = true
	for _, u := range r.m.MMUs {
		u.SetWriteHook(nil)
		u.UntrackAll()
	}
	r.m.ObserveInput(nil)
	r.cps, r.log = nil, nil
}

// Oldest is the oldest point the recording can go back to.
func (r *Recorder) Oldest() Point {
	if len(r.cps) == 0 {
		return r.now()
	}
	return r.cps[0].at
}

// Inputs returns the logged host inputs (the recorded future included).
func (r *Recorder) Inputs() []Input { return r.log }

// Checkpoints returns how many checkpoints the recording holds and their
// memory in bytes.
func (r *Recorder) Checkpoints() (n int, bytes uint64) { return len(r.cps), r.bytes }

func (r *Recorder) now() Point { return Point{r.m.Instret(), r.m.CPU.Clock} }

// pageWrite is the MMU's write hook: it saves a page before its first
// write in the current interval, and reports writes to whowrote's pages.
func (r *Recorder) pageWrite(pa mmu.PAddr, n uint64) bool {
	pfn := uint64(pa) / pageSize
	cp := r.cps[len(r.cps)-1]
	if _, ok := cp.undo[pfn]; !ok {
		ram := r.m.MMU.RAM()
		cp.undo[pfn] = bytes.Clone(ram[pfn*pageSize : (pfn+1)*pageSize])
		cp.size += pageSize
		r.bytes += pageSize
	}
	if r.who != nil && r.who.pages[pfn] {
		r.who.write(r, uint64(pa), n)
		return true
	}
	return false
}

// observe logs a host input (emu's input observer).
func (r *Recorder) observe(in emu.HostInput) {
	if r.applying || r.closed {
		return
	}
	if in.Restored {
		// A whole new state: the history leads nowhere near it.
		r.reset()
		return
	}
	r.sync() // registers the host changed before this input
	r.truncateFuture()
	e := Input{At: r.now(), Kind: InputSerial, Data: in.Serial}
	if in.Serial == nil {
		e = Input{At: r.now(), Kind: InputMemory, Addr: in.Phys, Data: in.Data}
	}
	r.log = append(r.log, e)
	r.next = len(r.log)
	// What the input did to the CPU (a device raising INTR) is the input's
	// doing, not a host change of registers.
	r.noteLast()
}

// reset forgets the recording and starts a new one at the current state.
func (r *Recorder) reset() {
	r.cps, r.log, r.next, r.bytes = nil, nil, 0, 0
	r.frontier = Point{}
	if err := r.checkpoint(); err != nil {
		r.err = err
		r.Close() // nothing to go back to: the machine runs on unrecorded
		return
	}
	r.noteLast()
	r.frontier = r.now()
}

// truncateFuture drops the recorded future: new input starts a new one.
func (r *Recorder) truncateFuture() {
	if r.next < len(r.log) {
		r.log = r.log[:r.next]
	}
}

// sync notices registers the host changed since the recorder last ran
// the machine and logs them as input.
func (r *Recorder) sync() {
	for i, c := range r.m.CPUs {
		st := c.Snapshot()
		// The INTR line is the devices' (input raises it), not the host's.
		a, b := st, r.last[i]
		a.INTRLine, b.INTRLine = false, false
		if a == b {
			continue
		}
		r.truncateFuture()
		r.log = append(r.log, Input{At: r.lastAt, Kind: InputCPU, CPU: st, Proc: i})
		r.next = len(r.log)
		r.last[i] = st
	}
}

// checkpoint starts a new interval at the current point.
func (r *Recorder) checkpoint() error {
	st, err := r.m.SaveState()
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	size := uint64(4096) // the CPU state and bookkeeping, roughly
	for _, d := range st.Devices {
		size += uint64(len(d.Data))
	}
	r.cps = append(r.cps, &checkpoint{at: r.now(), state: st, undo: map[uint64][]byte{}, inputs: r.next, size: size})
	r.bytes += size
	r.trackAll()
	if !r.pinned {
		r.trim()
	}
	return nil
}

// trim drops the oldest checkpoints while the recording is over budget.
func (r *Recorder) trim() {
	for r.bytes > r.cfg.BudgetBytes && len(r.cps) > 1 {
		old := r.cps[0]
		r.bytes -= old.size
		r.cps[0] = nil
		r.cps = r.cps[1:]
	}
}

// pin keeps checkpoint indices stable while a reverse operation walks
// them (no trimming); the returned function trims again.
func (r *Recorder) pin() func() {
	r.pinned = true
	return func() {
		r.pinned = false
		r.trim()
	}
}

// applyInputs applies the logged inputs due at the current point.
func (r *Recorder) applyInputs() {
	for r.next < len(r.log) && !r.now().before(r.log[r.next].At) {
		e := r.log[r.next]
		if r.now() != e.At {
			break // skipped past it: cannot happen with exact stops, never apply late
		}
		r.applying = true
		switch e.Kind {
		case InputSerial:
			r.m.SerialInput(e.Data)
		case InputMemory:
			if r.who != nil {
				r.who.host = true
			}
			r.m.WritePhys(e.Addr, e.Data)
			if r.who != nil {
				r.who.host = false
			}
		case InputCPU:
			r.m.CPUs[e.Proc].Restore(e.CPU)
		case InputStep:
			r.m.StepCPU(e.Proc)
		}
		r.applying = false
		r.next++
	}
	r.noteLast()
}

// bound is how far a run may go: a guest time and an instruction count
// (emu.Machine.RunTo).
type bound struct{ time, instret uint64 }

// limit is how far the next run may go: up to guest time until, and no
// further than the next checkpoint, logged input or the frontier.
func (r *Recorder) limit(until uint64) bound {
	now := r.now()
	b := bound{until, r.cps[len(r.cps)-1].at.Instret + r.cfg.SnapshotEvery}
	if b.instret <= now.Instret {
		b.instret = now.Instret + 1
	}
	stopAt := func(at Point) {
		if at.Instret > now.Instret {
			b.instret = min(b.instret, at.Instret)
		} else {
			b.time = min(b.time, at.Time)
		}
	}
	if r.next < len(r.log) {
		stopAt(r.log[r.next].At)
	}
	if now.before(r.frontier) {
		stopAt(r.frontier)
	}
	return b
}

// advanced notes how far the machine got and turns serial output back on
// at the frontier (it is off while a replay repeats what was printed).
func (r *Recorder) advanced() {
	r.noteLast()
	now := r.now()
	if r.frontier.before(now) {
		r.frontier = now
	}
}

// forward runs the machine once up to lim, with serial output off while
// it repeats already executed guest time.
func (r *Recorder) forward(b bound) emu.Stop {
	if r.now().before(r.frontier) {
		defer r.quiet()()
	}
	stop := r.m.RunTo(b.time, b.instret)
	r.advanced()
	return stop
}

// maybeCheckpoint starts a new interval when one is due.
func (r *Recorder) maybeCheckpoint() error {
	if r.now().Instret >= r.cps[len(r.cps)-1].at.Instret+r.cfg.SnapshotEvery {
		return r.checkpoint()
	}
	return nil
}

// Run runs the machine forward while recording, until guest time until
// or another stop (see emu.Machine.Run). Where the machine has been
// before, logged input is applied again at its point.
func (r *Recorder) Run(until uint64) emu.Stop { return r.RunTo(until, emu.Forever) }

// RunTo is Run that also stops once instret instructions have retired
// (see emu.Machine.RunTo).
func (r *Recorder) RunTo(until, instret uint64) emu.Stop {
	if r.closed {
		return r.m.RunTo(until, instret)
	}
	r.sync()
	for {
		r.applyInputs()
		if err := r.maybeCheckpoint(); err != nil {
			return r.fail(err)
		}
		b := r.limit(until)
		b.instret = min(b.instret, instret)
		stop := r.forward(b)
		if stop.Reason == emu.StopTimeLimit && r.m.CPU.Clock < until && r.m.Instret() < instret {
			continue
		}
		return stop
	}
}

// fail reports a recording failure as a stop.
func (r *Recorder) fail(err error) emu.Stop {
	r.err = err
	return emu.Stop{Reason: emu.StopError, Time: r.m.Now(), Diag: err.Error()}
}

// Step executes one instruction while recording (see emu.Machine.Step).
func (r *Recorder) Step() emu.Stop { return r.StepCPU(0) }

// StepCPU is Step on processor i (see emu.Machine.StepCPU). On a machine
// with several processors the step is outside their schedule: it is logged
// as an input, and taken where the recording has been before it starts a
// new future there (the recorded one did not step processor i alone).
func (r *Recorder) StepCPU(i int) emu.Stop {
	if r.closed {
		return r.m.StepCPU(i)
	}
	r.sync()
	r.applyInputs()
	if err := r.maybeCheckpoint(); err != nil {
		return r.fail(err)
	}
	if len(r.m.CPUs) > 1 {
		if i < 0 || i >= len(r.m.CPUs) {
			return r.m.StepCPU(i) // the machine's error
		}
		r.truncateFuture()
		if now := r.now(); now.before(r.frontier) {
			r.frontier = now
		}
		r.log = append(r.log, Input{At: r.now(), Kind: InputStep, Proc: i})
		r.next = len(r.log)
	} else if r.now().before(r.frontier) {
		defer r.quiet()()
	}
	stop := r.m.StepCPU(i)
	r.advanced()
	return stop
}

// Input delivers serial input to the guest and logs it.
func (r *Recorder) Input(b []byte) { r.m.SerialInput(b) }

// Poke writes guest-virtual memory as the host and logs it.
func (r *Recorder) Poke(va uint64, b []byte) error { return r.m.WriteVirt(va, b) }

// restore goes back to checkpoint k: the pages saved by every later
// interval go back, newest first, then checkpoint k's state; the later
// checkpoints are dropped (replay makes them again) and the log's entries
// after k become the future to replay.
func (r *Recorder) restore(k int) error {
	ram := r.m.MMU.RAM()
	for j := len(r.cps) - 1; j >= k; j-- {
		for pfn, page := range r.cps[j].undo {
			copy(ram[pfn*pageSize:], page)
		}
	}
	for j := len(r.cps) - 1; j > k; j-- {
		r.bytes -= r.cps[j].size
		r.cps[j] = nil
	}
	r.cps = r.cps[:k+1]
	cp := r.cps[k]
	r.bytes -= cp.size
	cp.size -= uint64(len(cp.undo)) * pageSize
	r.bytes += cp.size
	cp.undo = map[uint64][]byte{}
	if err := r.m.LoadState(cp.state); err != nil {
		return fmt.Errorf("record: back to %d instructions: %w", cp.at.Instret, err)
	}
	r.trackAll()
	r.next = cp.inputs
	r.noteLast()
	return nil
}

// latest returns the index of the last checkpoint at or before p.
func (r *Recorder) latest(p Point) int {
	k := 0
	for i, cp := range r.cps {
		if !p.before(cp.at) {
			k = i
		}
	}
	return k
}

// replay runs forward from the current point to p (which must not lie
// behind it), applying logged input; breakpoints and watchpoints hit on
// the way are reported to hit (nil: ignored) and passed. It returns the
// stop that ended it early, if any.
func (r *Recorder) replay(p Point, hit func(emu.Stop)) (emu.Stop, bool) {
	for {
		r.applyInputs()
		if err := r.maybeCheckpoint(); err != nil {
			return r.fail(err), true
		}
		now := r.now()
		if !now.before(p) {
			return emu.Stop{}, false
		}
		b := r.limit(emu.Forever)
		if now.Instret < p.Instret {
			b.instret = min(b.instret, p.Instret)
		} else {
			// Only halted time separates now from p.
			b.time = min(b.time, p.Time)
		}
		stop := r.forward(b)
		switch stop.Reason {
		case emu.StopTimeLimit:
		case emu.StopBreakpoint, emu.StopWatchpoint:
			if hit != nil {
				hit(stop)
			}
		case emu.StopDebugExit:
			// The guest asked to exit; the machine went on when told to.
		default:
			if !r.now().before(p) {
				return emu.Stop{}, false // the stop that ended the recording, at p
			}
			return stop, true
		}
	}
}

// goTo moves the machine to point p of the recording (p before now).
func (r *Recorder) goTo(p Point) (emu.Stop, error) {
	if err := r.restore(r.latest(p)); err != nil {
		return r.fail(err), err
	}
	if stop, early := r.replay(p, nil); early {
		return stop, fmt.Errorf("record: the replay stopped early: %s", stop)
	}
	r.noteLast()
	return emu.Stop{Reason: emu.StopStep, Time: r.m.Now()}, nil
}

// ReverseStep goes back n instructions. Going back past the oldest
// recorded point stops there with ErrNoHistory.
func (r *Recorder) ReverseStep(n uint64) (emu.Stop, error) {
	if r.closed {
		return emu.Stop{}, fmt.Errorf("reverse-stepi: not recording")
	}
	r.sync()
	defer r.quiet()()
	defer r.pin()()
	now, oldest := r.now(), r.cps[0].at
	if now.Instret-oldest.Instret < n || !oldest.before(now) {
		stop, err := r.goTo(oldest)
		if err == nil {
			err = fmt.Errorf("reverse-stepi: %w (the recording starts at %d instructions)", ErrNoHistory, oldest.Instret)
		}
		return stop, err
	}
	// Of the points with that instruction count, the first: right after
	// the instruction retired (later ones differ only by halted time).
	target := Point{Instret: now.Instret - n}
	if target.before(oldest) {
		target = oldest
	}
	return r.goTo(target)
}

// ReverseContinue goes back to the previous breakpoint or watchpoint hit:
// for a breakpoint, to where the instruction is about to execute; for a
// watchpoint, to just before the access (as gdb expects when it runs
// backwards). With no hit in the recording it stops at the oldest point
// with ErrNoHistory.
func (r *Recorder) ReverseContinue() (emu.Stop, error) {
	if r.closed {
		return emu.Stop{}, fmt.Errorf("reverse-continue: not recording")
	}
	r.sync()
	defer r.quiet()()
	defer r.pin()()
	end := r.now()
	k := len(r.cps) - 1
	for ; k >= 0 && !r.cps[k].at.before(end); k-- {
	}
	for ; k >= 0; k-- {
		start := r.cps[k].at
		if err := r.restore(k); err != nil {
			return r.fail(err), err
		}
		var hits []emu.Stop
		var points []Point
		if stop, early := r.replay(end, func(s emu.Stop) {
			// A breakpoint at end is where we are; a watched access that
			// ends at end is the instruction just executed, and going back
			// undoes it first.
			if r.now().before(end) || s.Reason == emu.StopWatchpoint && r.now() == end {
				hits = append(hits, s)
				points = append(points, r.now())
			}
		}); early {
			return stop, fmt.Errorf("record: the replay stopped early: %s", stop)
		}
		if len(hits) > 0 {
			return r.toHit(k, len(hits), hits[len(hits)-1], points[len(points)-1])
		}
		end = start
	}
	if _, err := r.goTo(r.cps[0].at); err != nil {
		return r.fail(err), err
	}
	return emu.Stop{Reason: emu.StopStep, Time: r.m.Now()}, fmt.Errorf("reverse-continue: %w", ErrNoHistory)
}

// toHit replays from checkpoint k to its n-th breakpoint or watchpoint
// hit (a watchpoint: to the point before the accessing instruction).
func (r *Recorder) toHit(k, n int, hit emu.Stop, at Point) (emu.Stop, error) {
	if err := r.restore(k); err != nil {
		return r.fail(err), err
	}
	if hit.Reason == emu.StopWatchpoint {
		target := Point{Instret: at.Instret - 1}
		if target.before(r.cps[k].at) {
			target = r.cps[k].at
		}
		if _, err := r.goTo(target); err != nil {
			return r.fail(err), err
		}
		hit.Time = r.m.Now()
		return hit, nil
	}
	seen := 0
	for {
		r.applyInputs()
		stop := r.forward(r.limit(emu.Forever))
		switch stop.Reason {
		case emu.StopTimeLimit:
			if err := r.maybeCheckpoint(); err != nil {
				return r.fail(err), err
			}
			continue
		case emu.StopBreakpoint, emu.StopWatchpoint:
			if seen++; seen == n {
				r.noteLast()
				return stop, nil
			}
			continue
		}
		r.noteLast()
		return stop, fmt.Errorf("record: the replay stopped early: %s", stop)
	}
}

// whoSearch collects the writes to a physical range during a replay.
type whoSearch struct {
	pages  map[uint64]bool
	ranges []span
	host   bool // a logged host write is being applied
	found  bool
	key    [3]uint64
	w      Write
	// The written bytes whose new values are read at the next write to a
	// watched page or at the end of the replay: the hook runs before a write.
	pending bool
	after   span
}

// settle reads the new values of the last write found.
func (s *whoSearch) settle(r *Recorder) {
	if s.pending {
		s.w.New = make([]byte, s.after.n)
		r.m.ReadPhys(s.after.pa, s.w.New)
		s.pending = false
	}
}

// span is a physical range.
type span struct{ pa, n uint64 }

// write is called (from the MMU's write hook) before a write of [pa,
// pa+n) on a watched page changes it.
func (s *whoSearch) write(r *Recorder, pa, n uint64) {
	proc, c := r.m.Executing()
	key := [3]uint64{r.m.Instret(), c.Clock, c.InstructionRIP()}
	same := s.found && key == s.key && !s.host
	if !same {
		// An earlier instruction's write is complete.
		s.settle(r)
	}
	var hit span
	var off, base uint64
	for _, t := range s.ranges {
		if pa < t.pa+t.n && pa+n > t.pa && hit.n == 0 {
			lo, hi := max(pa, t.pa), min(pa+n, t.pa+t.n)
			hit, off = span{lo, hi - lo}, base+lo-t.pa
		}
		base += t.n
	}
	if hit.n == 0 || same {
		return // the same instruction again (a bulk string store announces its run first)
	}
	s.found, s.key = true, key
	w := Write{Time: c.Clock, Instret: key[0], RIP: c.InstructionRIP(), CPL: c.CPL, CPU: proc, Mode: c.Mode(), Host: s.host, Off: off}
	w.Old = make([]byte, hit.n)
	r.m.ReadPhys(hit.pa, w.Old)
	s.pending, s.after = true, hit
	if !s.host {
		lin := w.RIP
		if c.Mode() != 64 {
			lin = (lin + c.Seg[cpu.CS].Base) & 0xFFFFFFFF
		}
		w.Insn = readUpTo(r.m, lin, 15)
	}
	s.w = w
}

// readUpTo reads up to n bytes of guest-virtual memory at va, stopping at
// the first unmapped page.
func readUpTo(m *emu.Machine, va uint64, n int) []byte {
	var out []byte
	for n > 0 {
		k := min(n, int(pageSize-va%pageSize))
		b := make([]byte, k)
		if m.ReadVirt(va, b) != nil {
			break
		}
		out = append(out, b...)
		va += uint64(k)
		n -= k
	}
	return out
}

// MaxWhoWrote is the longest range WhoWrote takes.
const MaxWhoWrote = pageSize

// WhoWrote returns the last write to guest-virtual range [addr, addr+n)
// (translated with the current page tables) in the recorded history:
// the instruction (or host input) that last changed any of its bytes.
// The machine ends where it was.
func (r *Recorder) WhoWrote(addr, n uint64) (Write, error) {
	if r.closed {
		return Write{}, fmt.Errorf("whowrote: not recording")
	}
	if n == 0 {
		n = 1
	}
	if n > MaxWhoWrote {
		return Write{}, fmt.Errorf("whowrote: %d bytes is more than %d", n, MaxWhoWrote)
	}
	r.sync()
	s := &whoSearch{pages: map[uint64]bool{}}
	for done := uint64(0); done < n; {
		a := addr + done
		k := min(n-done, pageSize-a%pageSize)
		pa, err := r.m.VirtToPhys(a)
		if err != nil {
			return Write{}, fmt.Errorf("whowrote: %w", err)
		}
		if pa+k > uint64(len(r.m.MMU.RAM())) {
			return Write{}, fmt.Errorf("whowrote: %#x is not RAM (physical %#x)", a, pa)
		}
		s.ranges = append(s.ranges, span{pa, k})
		s.pages[pa/pageSize] = true
		done += k
	}
	back := r.now()
	ends := make([]Point, len(r.cps))
	for i := range r.cps {
		if i+1 < len(r.cps) {
			ends[i] = r.cps[i+1].at
		} else {
			ends[i] = back
		}
	}
	defer r.quiet()()
	defer r.pin()()
	moved := false
	for k := len(r.cps) - 1; k >= 0 && !s.found; k-- {
		written := false
		for pfn := range s.pages {
			if _, ok := r.cps[k].undo[pfn]; ok {
				written = true
			}
		}
		if !written {
			continue
		}
		moved = true
		if err := r.restore(k); err != nil {
			return Write{}, err
		}
		for pfn := range s.pages {
			for _, u := range r.m.MMUs {
				u.Track(pfn)
			}
		}
		r.who = s
		stop, early := r.replay(ends[k], nil)
		s.settle(r)
		r.who = nil
		r.trackAll()
		if early {
			return Write{}, fmt.Errorf("whowrote: the replay stopped early: %s", stop)
		}
	}
	if moved {
		if stop, early := r.replay(back, nil); early {
			return Write{}, fmt.Errorf("whowrote: the replay back to the present stopped early: %s", stop)
		}
		r.noteLast()
	}
	if !s.found {
		return Write{}, fmt.Errorf("whowrote %#x: no write in the recorded history (since %d instructions, %d ns)", addr, r.cps[0].at.Instret, r.cps[0].at.Time)
	}
	return s.w, nil
}

// quiet discards serial output and mutes the machine's events while the
// recorder replays what the guest has printed and reported already, and
// returns the function that undoes it.
func (r *Recorder) quiet() func() {
	out, muted := r.m.UART.Output(), r.m.EventsMuted()
	r.m.SetSerialOutput(nil)
	r.m.MuteEvents(true)
	return func() {
		r.m.SetSerialOutput(out)
		r.m.MuteEvents(muted)
	}
}
