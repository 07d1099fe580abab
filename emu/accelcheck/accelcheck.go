// Package accelcheck runs one guest on two machines that differ only in
// their execution tier (the translating tier against the interpreter, or
// the interpreter's block dispatch against one instruction at a time) and
// proves that they agree: it runs both in lockstep chunks of guest time,
// compares their whole state (what emu.Machine.StateHash hashes: every
// processor, paging state, RAM, devices) and their serial output after
// each chunk, and, at the first chunk where they differ, narrows the
// difference down to the first guest time (instruction) at which it shows
// and reports both register sets.
package accelcheck

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kppemu/kppemu/cpu"
	"github.com/kppemu/kppemu/emu"
)

// Tier is one side of the comparison: an execution tier, and for the
// interpreter whether it dispatches blocks or one instruction at a time.
type Tier struct {
	Accel cpu.Accel
	// Step: one instruction per run-loop iteration (no block dispatch);
	// only with AccelInterp.
	Step bool
}

// The tiers ParseTier knows.
var (
	TierJIT    = Tier{Accel: cpu.AccelJIT}
	TierInterp = Tier{Accel: cpu.AccelInterp}
	TierStep   = Tier{Accel: cpu.AccelInterp, Step: true}
)

// TierNames lists the names ParseTier accepts.
var TierNames = []string{"jit", "interp", "step"}

// ParseTier returns the tier named s: "jit" (the translating tier),
// "interp" (the interpreter with block dispatch) or "step" (the
// interpreter one instruction at a time, the simplest reference).
func ParseTier(s string) (Tier, error) {
	switch s {
	case "jit":
		return TierJIT, nil
	case "interp":
		return TierInterp, nil
	case "step":
		return TierStep, nil
	}
	return Tier{}, fmt.Errorf("unknown tier %q (known: %s)", s, strings.Join(TierNames, ", "))
}

// String returns the tier's name as ParseTier accepts it.
func (t Tier) String() string {
	if t.Step {
		return "step"
	}
	return t.Accel.String()
}

// Reference returns the tier a check of t compares it with by default: the
// interpreter for the translating tier, one instruction at a time for the
// interpreter.
func (t Tier) Reference() Tier {
	if t.Accel == cpu.AccelJIT {
		return TierInterp
	}
	return TierStep
}

// Apply puts every processor of m in tier t.
func (t Tier) Apply(m *emu.Machine) error {
	if t.Step && t.Accel != cpu.AccelInterp {
		return fmt.Errorf("tier %v: one instruction at a time is an interpreter mode", t.Accel)
	}
	if err := m.SetAccel(t.Accel); err != nil {
		return err
	}
	for _, c := range m.CPUs {
		c.SetBlockDispatch(!t.Step)
	}
	return nil
}

// Config describes a check.
type Config struct {
	// Machine builds and boots one machine whose COM1 output goes to
	// serial; it is called once per tier and must build the same machine
	// (image, configuration, seed) each time. Its Accel is overridden.
	Machine func(serial io.Writer) (*emu.Machine, error)
	// Test is the tier under test, Ref the reference it must agree with.
	Test, Ref Tier
	// Every is the length of a chunk in guest nanoseconds (= instructions
	// while the guest runs); 0: DefaultEvery.
	Every uint64
	// Serial, when not nil, receives the test machine's serial output as
	// it comes (what the user watches).
	Serial io.Writer
	// Progress, when not nil, is called after each chunk that agreed.
	Progress func(chunk int, now uint64)
}

// DefaultEvery is Config.Every when it is 0.
const DefaultEvery = 1_000_000

// Checker is a running check: the two machines and where they are.
type Checker struct {
	cfg Config
	// Test and Ref are the two machines (Test in the tier under test).
	Test, Ref *emu.Machine

	out   [2]*capture // serial output of each machine since the last agreed chunk
	chunk int         // chunks agreed so far
	start *emu.Snapshot

	inMu sync.Mutex
	in   []byte // serial input queued for the next chunk boundary

	stopReq atomic.Bool
}

// RequestStop makes Run return (StopRequested) at the next chunk
// boundary, where both machines are at the same point. Safe from any
// goroutine.
func (k *Checker) RequestStop() { k.stopReq.Store(true) }

// capture keeps serial output; its owner compares and trims it.
type capture struct {
	buf  bytes.Buffer
	tee  io.Writer
	seen uint64 // bytes trimmed after they agreed
}

func (c *capture) Write(p []byte) (int, error) {
	c.buf.Write(p)
	if c.tee != nil {
		if _, err := c.tee.Write(p); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// New builds the two machines.
func New(cfg Config) (*Checker, error) {
	if cfg.Machine == nil {
		return nil, errors.New("accelcheck: no machine builder")
	}
	if cfg.Every == 0 {
		cfg.Every = DefaultEvery
	}
	k := &Checker{cfg: cfg}
	for i, t := range []Tier{cfg.Test, cfg.Ref} {
		k.out[i] = &capture{}
		if i == 0 {
			k.out[i].tee = cfg.Serial
		}
		m, err := cfg.Machine(k.out[i])
		if err != nil {
			return nil, err
		}
		if err := t.Apply(m); err != nil {
			return nil, fmt.Errorf("tier %v: %w", t, err)
		}
		if i == 0 {
			k.Test = m
		} else {
			k.Ref = m
		}
	}
	if err := k.compare(nil); err != nil {
		return nil, fmt.Errorf("accelcheck: the machine builder built two different machines: %w", err)
	}
	return k, nil
}

// Input queues serial input for both machines; it reaches them at the
// same guest time, the next chunk boundary. Safe from any goroutine.
func (k *Checker) Input(b []byte) {
	k.inMu.Lock()
	k.in = append(k.in, b...)
	k.inMu.Unlock()
}

// Result is the outcome of Run.
type Result struct {
	// Stop is how the test machine's run ended (the reference's agreed,
	// unless Divergence is set).
	Stop   emu.Stop
	Chunks int    // chunks compared and found equal
	Time   uint64 // guest time reached with both machines equal
	// Instructions retired by the test machine's processors, all together,
	// up to Time.
	Instructions uint64
	SerialBytes  uint64 // serial output compared and found equal
	// JITRan is how many of Instructions the test machine ran in generated
	// code (the translating tier; 0 in the interpreter): what the check
	// actually compared against the reference.
	JITRan uint64
	// Divergence is the first difference, or nil when the machines agreed.
	Divergence *Divergence
}

// Run runs both machines in lockstep chunks until guest time until (or
// until both stop the same way), comparing them after each chunk. A
// difference is narrowed down and returned in Result.Divergence; the
// error is for what prevented the comparison (a snapshot that failed).
// RequestStop ends it after the current chunk.
func (k *Checker) Run(until uint64) (Result, error) {
	var res Result
	for {
		now := k.Test.Now()
		if now >= until {
			res.Stop = emu.Stop{Reason: emu.StopTimeLimit, Time: now}
			break
		}
		if k.stopReq.Swap(false) {
			res.Stop = emu.Stop{Reason: emu.StopRequested, Time: now}
			break
		}
		k.feedInput()
		start, err := k.Test.Snapshot()
		if err != nil {
			return res, err
		}
		k.start = start
		end := until
		if k.cfg.Every < end-now {
			end = now + k.cfg.Every
		}
		stops := [2]emu.Stop{k.Test.Run(end), k.Ref.Run(end)}
		var d *Divergence
		if err := k.compareRun(stops); err != nil {
			var ok bool
			if d, ok = err.(*Divergence); !ok {
				return res, err
			}
		}
		if d != nil {
			d.Chunk, d.ChunkStart, d.ChunkEnd = k.chunk, now, end
			k.narrow(d)
			res.Divergence = d
			res.Stop = stops[0]
			break
		}
		k.chunk++
		res.Chunks, res.Time = k.chunk, k.Test.Now()
		res.Instructions = instret(k.Test)
		res.JITRan = 0
		for _, c := range k.Test.CPUs {
			res.JITRan += c.JITStats().Ran
		}
		res.SerialBytes = k.out[0].seen
		if k.cfg.Progress != nil {
			k.cfg.Progress(k.chunk, res.Time)
		}
		if stops[0].Reason != emu.StopTimeLimit {
			res.Stop = stops[0]
			break
		}
	}
	return res, nil
}

// feedInput hands the queued serial input to both machines.
func (k *Checker) feedInput() {
	k.inMu.Lock()
	in := k.in
	k.in = nil
	k.inMu.Unlock()
	if len(in) > 0 {
		k.Test.SerialInput(in)
		k.Ref.SerialInput(in)
	}
}

func instret(m *emu.Machine) uint64 {
	var n uint64
	for _, c := range m.CPUs {
		n += c.Instret
	}
	return n
}

// compareRun compares the two machines after a run that stopped as stops
// say; a difference is a *Divergence. Serial output that agreed is
// trimmed.
func (k *Checker) compareRun(stops [2]emu.Stop) error {
	if err := k.compare(&stops); err != nil {
		return err
	}
	n := k.out[0].buf.Len()
	k.out[0].buf.Reset()
	k.out[1].buf.Reset()
	k.out[0].seen += uint64(n)
	k.out[1].seen += uint64(n)
	return nil
}

// compare compares the machines' states (and stops and the serial output
// since the last trim, when stops is not nil).
func (k *Checker) compare(stops *[2]emu.Stop) error {
	d := &Divergence{Test: k.cfg.Test, Ref: k.cfg.Ref}
	if stops != nil && !sameStop(stops[0], stops[1]) {
		d.Diffs = append(d.Diffs, fmt.Sprintf("run stopped: %v | %v", stops[0], stops[1]))
	}
	if stops != nil {
		if a, b := k.out[0].buf.Bytes(), k.out[1].buf.Bytes(); !bytes.Equal(a, b) {
			d.Diffs = append(d.Diffs, serialDiff(k.out[0].seen, a, b))
		}
	}
	diffs, err := diffMachines(k.Test, k.Ref)
	if err != nil {
		return err
	}
	d.Diffs = append(d.Diffs, diffs...)
	if len(d.Diffs) == 0 {
		return nil
	}
	d.fill(k.Test, k.Ref)
	return d
}

// sameStop compares two stops by what the guest decides (a diagnosis
// may name host details that differ, such as an internal error's stack).
func sameStop(a, b emu.Stop) bool {
	return a.Reason == b.Reason && a.Status == b.Status && a.Time == b.Time && a.CPU == b.CPU
}

// serialDiff describes where two serial outputs part.
func serialDiff(at uint64, a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	clip := func(p []byte) string {
		p = p[i:]
		if len(p) > 40 {
			p = p[:40]
		}
		return fmt.Sprintf("%q", p)
	}
	return fmt.Sprintf("serial output differs at byte %d: %s | %s", at+uint64(i), clip(a), clip(b))
}
