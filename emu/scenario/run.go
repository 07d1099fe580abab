package scenario

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/kernel/abi"
)

// Outcomes of a run.
const (
	Pass  = "PASS"
	Fail  = "FAIL"
	Error = "ERROR" // the scenario could not run (bad file, image, machine)
	Skip  = "SKIP"  // a requirement (driver, program, symbol) is not built
)

// Job is one run: a scenario, a seed and a variant.
type Job struct {
	Scenario *Scenario
	Seed     uint64
	Variant  int
	Index    int // in the whole campaign (Plan.Jobs order, before sharding)
	// Inspect, when set, is called with the machine as the run left it,
	// after judging (kppemu run --debug-on-fail keeps a failed one).
	Inspect func(m *emu.Machine, r *Result)
	// Start, when set, is called with the booted machine before it runs
	// and returns what runs it instead of Machine.Run (kppemu run
	// --debug-on-fail records the runs this way).
	Start func(m *emu.Machine) func(until uint64) emu.Stop
	// Accel is the machine's execution tier (emu.Config.Accel; "": the
	// environment's KPPEMU_ACCEL, else the interpreter).
	Accel string
}

// Result is the outcome of one run.
type Result struct {
	Scenario string `json:"scenario"`
	File     string `json:"file"`
	Seed     uint64 `json:"seed"`
	Variant  string `json:"variant,omitempty"`
	// Job is the run's index in the whole campaign (Plan.Jobs order), so
	// that shards run on other machines merge back into the same order.
	Job int `json:"job"`
	// Machine says how the scenario's machine differs from the one
	// `kppemu boot` starts by default ("" when it does not).
	Machine  string `json:"machine,omitempty"`
	Outcome  string `json:"outcome"`
	Expected string `json:"expected"`
	Observed string `json:"observed"`
	// Failures says why the run failed (or could not run), one line each.
	Failures []string `json:"failures,omitempty"`

	ExpectsBugCheck bool `json:"expects_bugcheck"`
	// Crashed: an expectation with crash_ok met another way down first
	// (CrashedAs says which); not a detection.
	Crashed   bool   `json:"crashed,omitempty"`
	CrashedAs string `json:"crashed_as,omitempty"`
	Detected  bool   `json:"detected"`
	// Late: the bug check came after the expectation's deadline, during
	// its grace period (LatencyNS says when).
	Late      bool      `json:"late,omitempty"`
	LatencyNS *uint64   `json:"latency_ns,omitempty"` // guest time from the attack step to the bug check
	BugCheck  *BugCheck `json:"bugcheck,omitempty"`
	Flip      *FlipInfo `json:"flip,omitempty"`

	Steps   []StepRecord `json:"steps,omitempty"`
	Regions int          `json:"regions"` // regions the guest announced
	// PatchGuard telemetry (pg.telemetry=1): passes and the instructions
	// they spent (the TSC delta each pass reports; one instruction per ns).
	RegChanges     []RegChange   `json:"register_changes,omitempty"` // protected registers changed after arming
	SerialMatches  []SerialMatch `json:"serial_matches,omitempty"`
	PGPasses       uint64        `json:"pg_passes,omitempty"`
	PGInstructions uint64        `json:"pg_instructions,omitempty"`
	GuestNS        uint64        `json:"guest_ns"`
	Instructions   uint64        `json:"instructions"`
	// The instruction count at measure_from (guest ns; 0 when the run
	// ended before it), and the scenario whose run of the same seed is the reference
	// for the instructions after it (compare_with).
	MeasureFromNS      uint64 `json:"measure_from_ns,omitempty"`
	InstructionsAtMark uint64 `json:"instructions_at_mark,omitempty"`
	CompareWith        string `json:"compare_with,omitempty"`
	WallNS             int64  `json:"wall_ns"`
	// StartNS is when the run started (Unix ns, host clock): with WallNS it
	// gives the elapsed time of a campaign.
	StartNS    int64  `json:"start_ns"`
	Stop       string `json:"stop"`
	SerialTail string `json:"serial_tail,omitempty"` // last lines of serial output of a failed run
	// SerialDropped and EventsDropped count what the bounded capture of a
	// run did not keep (a guest flooding the UART or the event port).
	SerialDropped uint64 `json:"serial_dropped,omitempty"`
	EventsDropped uint64 `json:"events_dropped,omitempty"`
}

// BugCheck is the guest's bug-check event with its attribution.
type BugCheck struct {
	TimeNS     uint64    `json:"time_ns"`
	Code       uint64    `json:"code"`
	Params     [4]uint64 `json:"-"`
	ParamsHex  [4]Hex    `json:"params"`                // as hex strings: 64-bit values do not survive JSON numbers
	RegionType *uint64   `json:"region_type,omitempty"` // parameter 4 of 0x109
	// LastWriter of parameter 3 (the corrupted address), when the emulator
	// saw a write change it after the region was announced.
	LastWriter  *Writer `json:"last_writer,omitempty"`
	Attribution string  `json:"attribution"`
}

// FlipInfo says where a flip step struck.
type FlipInfo struct {
	Step       int    `json:"step"`
	RegionType uint64 `json:"region_type"`
	RegionBase Hex    `json:"region_base"`
	RegionSize uint64 `json:"region_size"`
	Addr       Hex    `json:"addr"`
	Old        byte   `json:"old"`
	New        byte   `json:"new"`
}

// SerialMatch says when a serial expectation's text came out.
type SerialMatch struct {
	Pattern       string `json:"pattern"`
	TimeNS        uint64 `json:"time_ns"`
	AfterAttackNS uint64 `json:"after_attack_ns"` // since the attack step (else the last step before the match)
}

// StepRecord is what happened to a step.
type StepRecord struct {
	Index    int    `json:"index"`
	Executed bool   `json:"executed"`
	TimeNS   uint64 `json:"time_ns,omitempty"`
	What     string `json:"what"`
	Error    string `json:"error,omitempty"`
}

// Options tune runs.
type Options struct {
	// KeepSerial keeps the whole serial transcript in RunOutput.
	KeepSerial bool
}

// maxSerial bounds the serial transcript a run keeps, maxMarks the
// timestamps of it, maxEvents the events: whatever the guest writes, a
// run's capture stays within a few tens of MiB.
const (
	maxMarks  = 1 << 16
	maxEvents = 100_000
)

// maxSerial is a variable so that tests can flood it quickly.
var maxSerial = 8 << 20

// truncationMarker ends a transcript the cap cut short.
const truncationMarker = "\n[kppemu: serial output truncated here: %d more bytes dropped]\n"

type capWriter struct {
	buf     bytes.Buffer
	dropped uint64
	now     func() uint64 // guest clock, once the machine exists
	marks   []serialMark  // guest time of the bytes from each offset on
	// spacing is the least number of bytes between two marks; it doubles
	// (and every other mark goes) each time the marks fill up.
	spacing int
}

// serialMark: the bytes from off on were written at guest time t.
type serialMark struct {
	off int
	t   uint64
}

// timeAt returns the guest time the byte at off was written.
func (w *capWriter) timeAt(off int) uint64 {
	i := sort.Search(len(w.marks), func(i int) bool { return w.marks[i].off > off }) - 1
	if i < 0 {
		return 0
	}
	return w.marks[i].t
}

func (w *capWriter) Write(p []byte) (int, error) {
	n := len(p)
	if room := maxSerial - w.buf.Len(); room < len(p) {
		w.dropped += uint64(len(p) - max(room, 0))
		p = p[:max(room, 0)]
	}
	if w.now != nil && len(p) > 0 {
		last := len(w.marks) - 1
		if t := w.now(); last < 0 || w.marks[last].t != t && w.buf.Len()-w.marks[last].off >= w.spacing {
			if len(w.marks) == maxMarks {
				// Keep every other mark: timestamps get coarser, memory
				// stays bounded.
				for i := 0; i < maxMarks/2; i++ {
					w.marks[i] = w.marks[2*i]
				}
				w.marks = w.marks[:maxMarks/2]
				w.spacing = max(1, 2*w.spacing)
			}
			w.marks = append(w.marks, serialMark{w.buf.Len(), t})
		}
	}
	w.buf.Write(p)
	return n, nil
}

// transcript is the kept serial output, with a marker where the cap cut it.
func (w *capWriter) transcript() string {
	if w.dropped == 0 {
		return w.buf.String()
	}
	return w.buf.String() + fmt.Sprintf(truncationMarker, w.dropped)
}

type stepState struct {
	st      *Step
	due     uint64
	hasDue  bool
	jitter  uint64
	done    bool
	time    uint64
	what    string
	err     string
	restore *restore
}

type restore struct {
	due   uint64
	addr  uint64 // physical when phys, else virtual
	phys  bool
	bytes []byte
	step  int
	done  bool
}

// proc is a guest process the runner saw created.
type proc struct {
	pid  uint64
	name string
	live bool
}

type runner struct {
	ctx     context.Context
	job     Job
	sc      *Scenario
	m       *emu.Machine
	serial  *capWriter
	events  []emu.Event
	dropped uint64 // events not kept (beyond maxEvents)
	procs   []proc
	tr      *tracker
	res     *Resolver
	objects map[string][]byte
	rng     *rand.Rand
	steps   []*stepState
	run     func(until uint64) emu.Stop // Machine.Run, or Job.Start's
	shellAt uint64
	shell   bool
	flip    *FlipInfo

	pgPasses, pgInstr uint64
	rw                *regWatch
	marked            bool   // measure_from reached
	markInstr         uint64 // the instruction count then
}

// ErrInterrupted is the failure of a run stopped by its context.
const interruptedText = "interrupted before the run ended"

// RunJob runs one job to completion and judges it.
func RunJob(job Job) *Result { return RunJobContext(context.Background(), job) }

// RunJobContext runs one job; when ctx is done the machine stops at once
// and the result is an ERROR that says it was interrupted.
func RunJobContext(ctx context.Context, job Job) *Result {
	start := time.Now()
	sc := job.Scenario
	r := &Result{Scenario: sc.Name, File: sc.File, Seed: job.Seed, Job: job.Index, Expected: expectedText(sc),
		Machine: sc.MachineNote(), StartNS: start.UnixNano()}
	for _, e := range sc.Expects {
		r.ExpectsBugCheck = r.ExpectsBugCheck || e.Kind == ExpBugCheck
	}
	if v := sc.Variants(); job.Variant < len(v) {
		r.Variant = v[job.Variant]
	}
	defer func() { r.WallNS = time.Since(start).Nanoseconds() }()

	img, objects, err := sc.bootImage()
	if err != nil {
		return r.errorf("image: %v", err)
	}
	ksyms, err := KernelSymbols(img.Kernel)
	if err != nil {
		return r.errorf("%v", err)
	}
	if why := sc.missing(ksyms); why != "" {
		r.Outcome, r.Observed = Skip, "skipped: "+why
		r.Failures = []string{why}
		return r
	}
	serial := &capWriter{}
	m, err := emu.New(emu.Config{MemBytes: sc.MemBytes, Seed: job.Seed, Serial: serial, Accel: job.Accel})
	if err != nil {
		return r.errorf("machine: %v", err)
	}
	if _, err := m.Boot(img); err != nil {
		return r.errorf("boot: %v", err)
	}
	serial.now = m.Now
	ru := &runner{ctx: ctx, job: job, sc: sc, m: m, serial: serial, objects: objects,
		res: m.Symbols(),
		rng: rand.New(rand.NewPCG(job.Seed, 0x6b7070656d75)), // "kppemu"
	}
	ru.tr = newTracker(m)
	ru.rw = &regWatch{m: m}
	m.SetHooks(emu.Hooks{Poll: ru.rw.sample})
	for _, st := range sc.Steps {
		ss := &stepState{st: st}
		if st.Jitter > 0 {
			ss.jitter = ru.rng.Uint64N(st.Jitter)
		}
		if st.HasAt {
			ss.due, ss.hasDue = st.At+ss.jitter, true
		}
		ru.steps = append(ru.steps, ss)
	}
	m.Subscribe(ru.onEvent)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			m.RequestStop()
		case <-done:
		}
	}()
	ru.run = m.Run
	if job.Start != nil {
		ru.run = job.Start(m)
	}
	stop := ru.loop()
	if ctx.Err() != nil {
		return r.errorf("%s", interruptedText)
	}
	ru.judge(r, stop)
	if job.Inspect != nil {
		job.Inspect(m, r)
	}
	return r
}

// Interrupted reports whether the run was stopped by its context.
func (r *Result) Interrupted() bool {
	return r.Outcome == Error && len(r.Failures) > 0 && r.Failures[len(r.Failures)-1] == interruptedText
}

func (r *Result) errorf(format string, args ...any) *Result {
	msg := fmt.Sprintf(format, args...)
	r.Outcome, r.Observed, r.Failures = Error, msg, append(r.Failures, msg)
	return r
}

func expectedText(sc *Scenario) string {
	parts := make([]string, len(sc.Expects))
	for i, e := range sc.Expects {
		parts[i] = e.Describe()
	}
	return strings.Join(parts, "; ")
}

// onEvent runs on the machine's goroutine for every guest event.
func (ru *runner) onEvent(e emu.Event) {
	if len(ru.events) < maxEvents {
		ru.events = append(ru.events, e)
	} else {
		ru.dropped++
	}
	switch e.Type {
	case abi.EvProcessCreated:
		if len(e.Args) >= 1 && len(ru.procs) < maxEvents {
			ru.procs = append(ru.procs, proc{pid: e.Args[0], name: e.Text, live: true})
		}
	case abi.EvProcessExited:
		for i := range ru.procs {
			if len(e.Args) >= 1 && ru.procs[i].pid == e.Args[0] {
				ru.procs[i].live = false
			}
		}
	case abi.EvPGRegion:
		ru.tr.announce(e)
	case abi.EvPGArmed:
		ru.rw.arm()
	case abi.EvPGPass:
		ru.pgPasses++
		if len(e.Args) >= 4 {
			ru.pgInstr += e.Args[3]
		}
	case abi.EvShellReady:
		if !ru.shell {
			ru.shell, ru.shellAt = true, e.Time
			ru.m.RequestStop() // typing steps may now be due
		}
	}
	for _, ss := range ru.steps {
		st := ss.st
		if ss.hasDue || ss.done || st.After == 0 || st.After != e.Type {
			continue
		}
		if st.AfterText != nil && !st.AfterText.MatchString(e.Text) {
			continue
		}
		ss.due, ss.hasDue = e.Time+st.Delay+ss.jitter, true
		ru.m.RequestStop() // recompute the run limit
	}
}

// dueAt is when a step can run (ok=false: not yet known).
func (ru *runner) dueAt(ss *stepState) (uint64, bool) {
	if !ss.hasDue {
		return 0, false
	}
	switch ss.st.Kind {
	case ActType, ActLoad, ActStart, ActKill:
		// Typed commands wait for the shell's first prompt.
		if !ru.shell {
			return 0, false
		}
		return max(ss.due, ru.shellAt), true
	}
	return ss.due, true
}

// loop runs the machine from step to step until max_time, the horizon of
// the expectations, or the machine stops by itself.
func (ru *runner) loop() emu.Stop {
	m := ru.m
	for {
		if ru.ctx.Err() != nil {
			return emu.Stop{Reason: emu.StopRequested, Time: m.Now()}
		}
		now := m.Now()
		if from := ru.sc.MeasureFrom; from > 0 && !ru.marked && now >= from {
			ru.marked, ru.markInstr = true, m.CPU.Instret
		}
		ru.execDue(now)
		maxTime := ru.maxTime()
		if now >= maxTime {
			return emu.Stop{Reason: emu.StopTimeLimit, Time: now}
		}
		limit := min(maxTime, ru.horizon())
		if now >= limit {
			return emu.Stop{Reason: emu.StopTimeLimit, Time: now}
		}
		if from := ru.sc.MeasureFrom; from > now && !ru.marked {
			limit = min(limit, from)
		}
		for _, ss := range ru.steps {
			if ss.done {
				continue
			}
			if t, ok := ru.dueAt(ss); ok {
				limit = min(limit, max(t, now+1))
			}
		}
		for _, ss := range ru.steps {
			if ss.restore != nil && !ss.restore.done {
				limit = min(limit, max(ss.restore.due, now+1))
			}
		}
		s := ru.run(limit)
		switch s.Reason {
		case emu.StopTimeLimit, emu.StopRequested:
			continue
		}
		return s
	}
}

// grace is how long the run goes on after a bug-check deadline passed
// without the bug check: the expectation's grace, else its within bound
// (none for measured expectations, which record misses as data).
func (e *Expect) grace() uint64 {
	switch {
	case e.HasGrace:
		return e.Grace
	case e.Measure:
		return 0
	}
	return e.Within
}

// maxTime is the run's guest-time limit: max_time, extended by the grace
// period of a bug-check deadline that falls within it.
func (ru *runner) maxTime() uint64 {
	t := ru.sc.MaxTime
	if _, bugChecked := ru.m.BugCheck(); bugChecked {
		return t
	}
	at, idx := ru.attackTime(emu.Forever)
	if idx == 0 {
		return t
	}
	for _, e := range ru.sc.Expects {
		if e.Kind == ExpBugCheck && e.Within > 0 && at+e.Within <= ru.sc.MaxTime {
			t = max(t, min(at+e.Within+e.grace()+1, MaxGuestTime))
		}
	}
	return t
}

// horizon is the guest time after which no expectation can change: known
// once every step has run (or a bug check came).
func (ru *runner) horizon() uint64 {
	if bc, bugChecked := ru.m.BugCheck(); bugChecked {
		// The guest prints its stop screen and exits through isa-debug-exit;
		// a second of guest time is plenty, should that path hang.
		return bc.Time + 1_000_000_000
	}
	for _, ss := range ru.steps {
		if !ss.done || ss.restore != nil && !ss.restore.done {
			return emu.Forever
		}
	}
	at, _ := ru.attackTime(emu.Forever)
	// Expectations with a deadline set the horizon; serial text and
	// events without one are judged on whatever the run produced by then
	// (a scenario of only those runs to max_time).
	h, bounded := uint64(0), false
	for _, e := range ru.sc.Expects {
		switch {
		case e.Kind == ExpNoBugCheck:
			h, bounded = max(h, e.For+1), true
		case e.Kind == ExpBugCheck && e.Within > 0:
			h, bounded = max(h, at+e.Within+e.grace()+1), true
		case e.Kind == ExpEvent && e.Within > 0:
			h, bounded = max(h, at+e.Within+1), true
		case e.Kind == ExpBugCheck:
			return emu.Forever
		}
	}
	if !bounded {
		return emu.Forever
	}
	return h
}

// execDue runs every step and restore due at or before now, in order.
func (ru *runner) execDue(now uint64) {
	for {
		var next *stepState
		var nextT uint64
		isRestore := false
		for _, ss := range ru.steps {
			if !ss.done {
				if t, ok := ru.dueAt(ss); ok && t <= now && (next == nil || t < nextT) {
					next, nextT, isRestore = ss, t, false
				}
			}
			if rs := ss.restore; rs != nil && !rs.done && rs.due <= now && (next == nil || rs.due < nextT) {
				next, nextT, isRestore = ss, rs.due, true
			}
		}
		if next == nil {
			return
		}
		if isRestore {
			rs := next.restore
			rs.done = true
			ru.tr.hostStep = rs.step
			if rs.phys {
				ru.m.WritePhys(rs.addr, rs.bytes)
			} else if err := ru.m.WriteVirt(rs.addr, rs.bytes); err != nil && next.err == "" {
				next.err = "restore: " + err.Error()
			}
			ru.tr.hostStep = 0
			continue
		}
		next.done, next.time = true, now
		ru.rw.sample()
		next.what, next.err = ru.exec(next)
		ru.rw.sampleBy(next.st.Index)
	}
}

// exec performs one step and describes it.
func (ru *runner) exec(ss *stepState) (string, string) {
	st := ss.st
	m := ru.m
	typeLine := func(line string) (string, string) {
		line, err := ru.substitute(line)
		if err != nil {
			return fmt.Sprintf("type %q", line), err.Error()
		}
		m.SerialInput([]byte(line + "\r"))
		return fmt.Sprintf("type %q", line), ""
	}
	switch st.Kind {
	case ActType:
		return typeLine(st.Text)
	case ActLoad:
		return typeLine("load " + st.Text)
	case ActStart:
		return typeLine("start " + st.Text)
	case ActKill:
		return typeLine("kill $pid(" + strings.TrimSpace(st.Text) + ")")
	case ActPoke:
		return ru.poke(ss)
	case ActFlip:
		return ru.doFlip(st)
	case ActMSR:
		w := st.Reg
		v := w.Value
		if w.RMW {
			old, ok := m.CPU.ReadMSR(w.Index)
			if !ok {
				return fmt.Sprintf("msr %#x", w.Index), "RDMSR faults (#GP) on this MSR"
			}
			v = (old | w.Set) &^ w.Clear
		}
		if !m.CPU.WriteMSR(w.Index, v) {
			return fmt.Sprintf("msr %#x = %#x", w.Index, v), "WRMSR faults (#GP) with this value"
		}
		return fmt.Sprintf("msr %#x = %#x", w.Index, v), ""
	case ActReg:
		return ru.setReg(st.Reg)
	}
	return st.Kind, "unknown action"
}

// substitute replaces each $pid(NAME) with the pid of the newest running
// process of program NAME, as the guest's process-created events told.
func (ru *runner) substitute(line string) (string, error) {
	var err error
	out := pidRefRE.ReplaceAllStringFunc(line, func(ref string) string {
		name := pidRefRE.FindStringSubmatch(ref)[1]
		for i := len(ru.procs) - 1; i >= 0; i-- {
			if p := ru.procs[i]; p.live && p.name == name {
				return fmt.Sprint(p.pid)
			}
		}
		if err == nil {
			err = fmt.Errorf("%s: no process of program %q is running", ref, name)
		}
		return ref
	})
	return out, err
}

func (ru *runner) poke(ss *stepState) (string, string) {
	p := ss.st.Poke
	m := ru.m
	var va, pa uint64
	var where string
	switch {
	case p.IsPhys:
		pa = p.Phys + p.Offset
		where = fmt.Sprintf("phys %#x", pa)
	case p.Symbol != "":
		a, err := ru.res.Address(p.Symbol)
		if err != nil {
			return "poke " + p.Symbol, err.Error()
		}
		va = a + p.Offset
		where = fmt.Sprintf("%s (%#x)", ru.res.Name(va), va)
	default:
		va = p.Virt + p.Offset
		where = fmt.Sprintf("%#x", va)
	}
	var data []byte
	switch {
	case p.Bytes != nil:
		data = slices.Clone(p.Bytes)
	case p.IsXor:
		data = make([]byte, p.Size)
	default:
		v := p.Value
		if p.ValueSym != "" {
			a, err := ru.res.Address(p.ValueSym)
			if err != nil {
				return "poke " + where, err.Error()
			}
			v = a
		}
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], v)
		data = b[:p.Size]
	}
	old := make([]byte, len(data))
	if p.IsPhys {
		m.ReadPhys(pa, old)
	} else if err := m.ReadVirt(va, old); err != nil {
		return "poke " + where, err.Error()
	}
	if p.IsXor {
		var x [8]byte
		binary.LittleEndian.PutUint64(x[:], p.Xor)
		for i := range data {
			data[i] = old[i] ^ x[i]
		}
	}
	ru.tr.hostStep = ss.st.Index
	var err error
	if p.IsPhys {
		m.WritePhys(pa, data)
	} else {
		err = m.WriteVirt(va, data)
	}
	ru.tr.hostStep = 0
	what := fmt.Sprintf("poke %s: % x -> % x", where, old, data)
	if err != nil {
		return what, err.Error()
	}
	if len(p.RestoreAfter) > 0 {
		d := p.RestoreAfter[0]
		if ru.job.Variant < len(p.RestoreAfter) && len(p.RestoreAfter) > 1 {
			d = p.RestoreAfter[ru.job.Variant]
		}
		addr := va
		if p.IsPhys {
			addr = pa
		}
		ss.restore = &restore{due: m.Now() + d, addr: addr, phys: p.IsPhys, bytes: old, step: ss.st.Index}
		what += fmt.Sprintf(", restored after %s", fmtNS(d))
	}
	return what, ""
}

// doFlip flips a bit (or a byte) at a random offset of a random announced
// memory region of the wanted types: a type first (uniformly among the
// types present), then a region of that type, then the offset.
func (ru *runner) doFlip(st *Step) (string, string) {
	f := st.Flip
	byType := map[uint64][]Region{}
	var types []uint64
	for _, r := range ru.tr.regions {
		if !r.Memory || !inSet(f.Types, r.Type) {
			continue
		}
		if _, ok := byType[r.Type]; !ok {
			types = append(types, r.Type)
		}
		byType[r.Type] = append(byType[r.Type], r)
	}
	if len(types) == 0 {
		return "flip " + fmtTypeSet(f.Types), fmt.Sprintf("no memory region of type %s announced yet (%d regions announced)", fmtTypeSet(f.Types), len(ru.tr.regions))
	}
	slices.Sort(types)
	t := types[ru.rng.IntN(len(types))]
	regs := byType[t]
	reg := regs[ru.rng.IntN(len(regs))]
	off := ru.rng.Uint64N(reg.Size)
	va := reg.Base + off
	pa, err := ru.m.VirtToPhys(va)
	if err != nil {
		return fmt.Sprintf("flip %#x", va), err.Error()
	}
	var b [1]byte
	ru.m.ReadPhys(pa, b[:])
	old := b[0]
	// Only bits software owns: a bit the processor writes by itself is no
	// protected value for any checker.
	owned := ^hardwareOwnedBits(t, off)
	if f.Byte {
		x := byte(1 + ru.rng.IntN(255))
		if x&owned == 0 {
			x |= owned & -owned // keep the flip inside owned bits: add the lowest one
		}
		b[0] ^= x & owned
	} else {
		var bits []int
		for i := 0; i < 8; i++ {
			if owned&(1<<i) != 0 {
				bits = append(bits, i)
			}
		}
		b[0] ^= 1 << bits[ru.rng.IntN(len(bits))]
	}
	ru.tr.hostStep = st.Index
	ru.m.WritePhys(pa, b[:])
	ru.tr.hostStep = 0
	ru.flip = &FlipInfo{Step: st.Index, RegionType: t, RegionBase: Hex(reg.Base), RegionSize: reg.Size, Addr: Hex(va), Old: old, New: b[0]}
	return fmt.Sprintf("flip %#x (%s, region %s +%#x of %#x): %02x -> %02x", va, RegionTypeName(t),
		ru.res.Name(reg.Base), off, reg.Size, old, b[0]), ""
}

// hardwareOwnedBits returns the bits of the byte at offset off of a region
// of type t that the processor itself writes, which a random flip must leave
// alone. In the GDT that is the accessed bit of every descriptor (bit 40,
// byte 5 bit 0), set by the CPU whenever it loads the segment (SDM Vol. 3A
// 3.4.5.1), so PatchGuard treats it as always set; in page-table entries
// the accessed and dirty bits, which PatchGuard leaves out of its hashes.
func hardwareOwnedBits(t, off uint64) byte {
	if t == abi.PGGDT && off%8 == 5 {
		return 0x01
	}
	// Page-table entries: the accessed and dirty bits (5 and 6), set by the
	// CPU on use (SDM Vol. 3A 4.8).
	if t == abi.PGPageTables && off%8 == 0 {
		return 0x60
	}
	return 0
}

func (ru *runner) setReg(w *RegWrite) (string, string) {
	s := ru.m.CPU.Snapshot()
	var p *uint64
	gprs := []string{"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"}
	if i := slices.Index(gprs, w.Name); i >= 0 {
		p = &s.GPR[i]
	} else {
		switch w.Name {
		case "rip":
			p = &s.RIP
		case "rflags":
			p = &s.RFLAGS
		case "cr0":
			p = &s.CR0
		case "cr2":
			p = &s.CR2
		case "cr3":
			p = &s.CR3
		case "cr4":
			p = &s.CR4
		case "cr8":
			p = &s.CR8
		case "dr0", "dr1", "dr2", "dr3", "dr6", "dr7":
			p = &s.DR[w.Name[2]-'0']
		default:
			return "reg " + w.Name, "unknown register"
		}
	}
	old := *p
	v := w.Value
	if w.RMW {
		v = (old | w.Set) &^ w.Clear
	}
	*p = v
	if w.Name == "rflags" {
		*p |= 2 // bit 1 is always set
	}
	ru.m.CPU.Restore(s)
	return fmt.Sprintf("reg %s: %#x -> %#x", w.Name, old, *p), ""
}

// attackTime is the guest time of the attack step: the step marked attack,
// else the last step executed at or before `before`, else boot (0).
func (ru *runner) attackTime(before uint64) (uint64, int) {
	for _, ss := range ru.steps {
		if ss.st.Attack && ss.done {
			return ss.time, ss.st.Index
		}
	}
	t, idx := uint64(0), 0
	for _, ss := range ru.steps {
		if ss.done && ss.time <= before && ss.time >= t {
			t, idx = ss.time, ss.st.Index
		}
	}
	return t, idx
}

// judge checks the expectations and fills in the result.
func (ru *runner) judge(r *Result, stop emu.Stop) {
	m := ru.m
	r.GuestNS, r.Instructions = m.Now(), m.CPU.Instret
	r.Stop = stop.String()
	ru.rw.sample()
	r.Regions = len(ru.tr.regions)
	ru.nameRegChanges()
	r.PGPasses, r.PGInstructions = ru.pgPasses, ru.pgInstr
	r.CompareWith = ru.sc.CompareWith
	r.MeasureFromNS, r.InstructionsAtMark = ru.sc.MeasureFrom, ru.markInstr
	for _, c := range ru.rw.changes {
		if c.Where == "" {
			c.Where = ru.res.Name(uint64(c.RIP))
		}
		r.RegChanges = append(r.RegChanges, c)
	}
	r.Flip = ru.flip
	var fails []string
	for _, ss := range ru.steps {
		rec := StepRecord{Index: ss.st.Index, Executed: ss.done, TimeNS: ss.time, What: ss.what, Error: ss.err}
		if !ss.done {
			why := "not executed"
			switch {
			case ss.st.After != 0 && !ss.hasDue:
				why += fmt.Sprintf(" (event %s never came)", ss.st.AfterName)
			case !ru.shell && (ss.st.Kind == ActType || ss.st.Kind == ActLoad || ss.st.Kind == ActStart):
				why += " (the shell never came up)"
			default:
				why += " (the run ended first)"
			}
			rec.Error = why
			fails = append(fails, fmt.Sprintf("step %d (%s): %s", ss.st.Index, ss.st.Pos, why))
		} else if ss.err != "" {
			fails = append(fails, fmt.Sprintf("step %d (%s): %s: %s", ss.st.Index, ss.st.Pos, ss.what, ss.err))
		}
		r.Steps = append(r.Steps, rec)
	}

	bcEv, bugChecked := m.BugCheck()
	var latency uint64
	var obs []string
	if bugChecked {
		bc := &BugCheck{TimeNS: bcEv.Time}
		if len(bcEv.Args) > 0 {
			bc.Code = bcEv.Args[0]
		}
		for i := 0; i < 4 && i+1 < len(bcEv.Args); i++ {
			bc.Params[i] = bcEv.Args[i+1]
			bc.ParamsHex[i] = Hex(bcEv.Args[i+1])
		}
		at, _ := ru.attackTime(bcEv.Time)
		latency = bcEv.Time - min(at, bcEv.Time)
		l := latency
		r.LatencyNS = &l
		desc := fmt.Sprintf("%#x", bc.Code)
		if bc.Code == abi.BugCriticalStructureCorruption {
			t := bc.Params[3]
			bc.RegionType = &t
			desc += " type " + RegionTypeName(t)
			ru.attribute(bc)
		}
		desc += " at " + fmtNS(bcEv.Time)
		obs = append(obs, desc)
		r.BugCheck = bc
	} else {
		obs = append(obs, fmt.Sprintf("no bug check in %s", fmtNS(m.Now())))
		switch stop.Reason {
		case emu.StopTimeLimit:
		case emu.StopDebugExit:
			// A bug check's stop screen ends in status 3; without its event
			// the corruption reached the bug-check path itself.
			obs = append(obs, fmt.Sprintf("guest exited with status %d", stop.Status))
		default:
			obs = append(obs, stop.Reason.String())
		}
	}

	r.SerialDropped, r.EventsDropped = ru.serial.dropped, ru.dropped
	rawSerial := ru.serial.buf.String()
	serialText := strings.ReplaceAll(rawSerial, "\r", "")
	for _, e := range ru.sc.Expects {
		at, _ := ru.attackTime(emu.Forever)
		switch e.Kind {
		case ExpBugCheck:
			if e.CrashOK {
				if how, ok := ru.crashedFirst(e, stop, at); ok {
					r.Crashed, r.CrashedAs = true, how
					continue
				}
			}
			if !bugChecked {
				if !e.Measure {
					msg := fmt.Sprintf("expected bug check %s, none came (ran %s)", e.Describe(), fmtNS(m.Now()))
					if e.Within > 0 && e.grace() > 0 && m.Now() > at+e.Within {
						msg = fmt.Sprintf("expected bug check %s, none came by the deadline nor in the %s of grace after it (ran %s)",
							e.Describe(), fmtNS(min(e.grace(), m.Now()-at-e.Within)), fmtNS(m.Now()))
					}
					fails = append(fails, msg)
				}
				continue
			}
			bc := r.BugCheck
			ok := true
			if bc.Code != e.Code {
				fails = append(fails, fmt.Sprintf("expected bug check %#x, got %#x", e.Code, bc.Code))
				ok = false
			} else if e.TypeFlipped && ru.flip == nil {
				fails = append(fails, "region_type = \"flipped\" but no flip step ran")
				ok = false
			} else if e.TypeFlipped && !ru.flipTypes()[bc.Params[3]] && !(len(e.Types) > 0 && inSet(e.Types, bc.Params[3])) {
				fails = append(fails, fmt.Sprintf("expected the flipped region's type %s, got %s", RegionTypeName(ru.flip.RegionType), RegionTypeName(bc.Params[3])))
				ok = false
			} else if !e.TypeFlipped && e.Types != nil && !inSet(e.Types, bc.Params[3]) {
				fails = append(fails, fmt.Sprintf("expected region type %s, got %s", fmtTypeSet(e.Types), RegionTypeName(bc.Params[3])))
				ok = false
			}
			if ok && e.Within > 0 && latency > e.Within {
				if !e.Measure {
					fails = append(fails, fmt.Sprintf("bug check came late: %s after the attack step, %s past the %s bound",
						fmtNS(latency), fmtNS(latency-e.Within), fmtNS(e.Within)))
				}
				r.Late = true
				ok = false
			}
			if ok {
				r.Detected = true
			}
		case ExpNoBugCheck:
			if bugChecked && bcEv.Time <= e.For {
				fails = append(fails, fmt.Sprintf("expected no bug check for %s, got %#x at %s", fmtNS(e.For), r.BugCheck.Code, fmtNS(bcEv.Time)))
			} else if !bugChecked && m.Now() < e.For && stop.Reason != emu.StopDebugExit {
				fails = append(fails, fmt.Sprintf("the run ended at %s, before %s", fmtNS(m.Now()), fmtNS(e.For)))
			}
		case ExpEvent:
			if !ru.eventSeen(e, at) {
				fails = append(fails, fmt.Sprintf("expected %s, not seen", e.Describe()))
			}
		case ExpSerial:
			if !e.Serial.MatchString(serialText) {
				fails = append(fails, fmt.Sprintf("serial output does not match %q", e.Serial.String()))
				continue
			}
			// When did it first match? Timestamps are by offset in the raw
			// transcript (with \r): match there when the pattern allows.
			if loc := e.Serial.FindStringIndex(rawSerial); loc != nil {
				t := ru.serial.timeAt(loc[1] - 1)
				st, _ := ru.attackTime(t)
				r.SerialMatches = append(r.SerialMatches, SerialMatch{Pattern: e.Serial.String(), TimeNS: t, AfterAttackNS: t - min(t, st)})
			}
		}
	}
	switch stop.Reason {
	case emu.StopTripleFault, emu.StopDeadHalt, emu.StopError, emu.StopReset:
		if _, ok := m.BugCheck(); !ok && !r.Crashed {
			fails = append(fails, "machine stopped: "+stop.String())
		}
	}
	if r.Late {
		obs = append(obs, "late")
	}
	if ru.flip != nil {
		obs = append(obs, fmt.Sprintf("flip in %s", RegionTypeName(ru.flip.RegionType)))
	}
	if r.SerialDropped > 0 {
		obs = append(obs, fmt.Sprintf("serial truncated (%d bytes dropped)", r.SerialDropped))
	}
	if r.EventsDropped > 0 {
		obs = append(obs, fmt.Sprintf("%d events not kept", r.EventsDropped))
	}
	if ru.tr.ignored > 0 {
		obs = append(obs, fmt.Sprintf("%d region announcements beyond %d ignored", ru.tr.ignored, maxRegions))
	}
	if ru.rw.changesDropped > 0 {
		obs = append(obs, fmt.Sprintf("%d early register changes not kept", ru.rw.changesDropped))
	}
	if r.Crashed {
		obs = append(obs, "crashed before detection: "+r.CrashedAs)
	}
	r.Observed = strings.Join(obs, "; ")
	r.Failures = fails
	r.Outcome = Pass
	if len(fails) > 0 {
		r.Outcome = Fail
		r.SerialTail = tail(strings.ReplaceAll(ru.serial.transcript(), "\r", ""), 30)
	}
}

// flipTypes are the types of every announced memory region holding the
// flipped byte (regions may overlap: a text chunk running into rodata).
func (ru *runner) flipTypes() map[uint64]bool {
	ts := map[uint64]bool{ru.flip.RegionType: true}
	for _, r := range ru.tr.regions {
		if r.Memory && uint64(ru.flip.Addr) >= r.Base && uint64(ru.flip.Addr)-r.Base < r.Size {
			ts[r.Type] = true
		}
	}
	if ru.flip.RegionType == abi.PGPageTables {
		// A flipped page-table entry changes what the protected ranges in
		// the page it maps read as: the check of such a range may see it
		// before the check of the entry itself.
		for _, r := range ru.tr.regions {
			if r.Memory {
				ts[r.Type] = true
			}
		}
	}
	return ts
}

// crashedFirst reports whether the machine went down some other way than
// the expected bug check, within the expectation's bound of the attack
// step: another bug check, a triple fault, a dead halt, or the bug-check
// exit status without its event (the corruption hit the bug-check path).
func (ru *runner) crashedFirst(e *Expect, stop emu.Stop, at uint64) (string, bool) {
	var how string
	var t uint64
	if bc, ok := ru.m.BugCheck(); ok {
		if len(bc.Args) > 0 && bc.Args[0] == e.Code {
			return "", false
		}
		if len(bc.Args) > 0 {
			how = fmt.Sprintf("bug check %#x", bc.Args[0])
		}
		t = bc.Time
	} else {
		switch {
		case stop.Reason == emu.StopTripleFault, stop.Reason == emu.StopDeadHalt:
			how = stop.Reason.String()
		case stop.Reason == emu.StopDebugExit && stop.Status == 2*abi.ExitBugCheck+1:
			how = "bug-check exit without a bug-check event"
		default:
			return "", false
		}
		t = stop.Time
	}
	if t < at || e.Within > 0 && t-at > e.Within {
		return "", false
	}
	return how, true
}

func (ru *runner) eventSeen(e *Expect, at uint64) bool {
	for _, ev := range ru.events {
		if ev.Type != e.Event {
			continue
		}
		if e.Within > 0 && (ev.Time < at || ev.Time-at > e.Within) {
			continue
		}
		if e.Text != nil && !e.Text.MatchString(ev.Text) {
			continue
		}
		ok := true
		for i, a := range e.Args {
			if a != nil && (i >= len(ev.Args) || ev.Args[i] != *a) {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// attribute names who last wrote the corrupted address (parameter 3).
func (ru *runner) attribute(bc *BugCheck) {
	addr := bc.Params[2]
	w, how, ok := ru.tr.lastWriter(addr)
	if !ok {
		reg, in := ru.tr.regionAt(addr)
		switch {
		case in && !reg.Memory:
			if c, ok := ru.rw.lastChange(reg.Kind, reg.Base); ok {
				bc.Attribution = ru.regAttribution(c)
			} else {
				bc.Attribution = fmt.Sprintf("%#x names a %s region (%s kind %d), not memory; no change of its register was sampled",
					addr, RegionTypeName(reg.Type), kindName(reg.Kind), reg.Kind)
			}
		case in:
			bc.Attribution = fmt.Sprintf("no tracked write changed the region at %#x (%s) after it was announced: the change is elsewhere "+
				"(a register pointing at it, a list link) or came before arming", addr, ru.res.Name(addr))
			if c, ok := ru.rw.lastChange(abi.PGKindDescReg, 0); ok && (reg.Type == abi.PGGDT || reg.Type == abi.PGIDT) {
				bc.Attribution = ru.regAttribution(c)
			}
		default:
			bc.Attribution = fmt.Sprintf("%#x (%s) is not inside an announced memory region (a register, a list cross-walk or a pool object)", addr, ru.res.Name(addr))
		}
		return
	}
	if w.HostStep == 0 {
		w.Where = ru.res.Name(uint64(w.RIP))
		if w.CPL == 3 {
			w.Where += " (user mode)"
		}
	}
	bc.LastWriter = &w
	bc.Attribution = fmt.Sprintf("last written by %s (%s)", w.String(), how)
}

// nameRegChanges resolves the RIPs and callers of the register changes
// (drivers are named once their module-loaded event has come).
func (ru *runner) nameRegChanges() {
	for i := range ru.rw.changes {
		c := &ru.rw.changes[i]
		if c.Where == "" {
			c.Where = ru.res.Name(uint64(c.RIP))
		}
		for _, a := range c.Callers {
			// Function pointers (symbol+0x0) are data, not return addresses.
			// Only addresses inside a named function are return addresses.
			if n := ru.res.Name(uint64(a)); strings.Contains(n, "!") && !strings.HasSuffix(n, "+0x0") && !slices.Contains(c.CallerNames, n) && len(c.CallerNames) < 2 {
				c.CallerNames = append(c.CallerNames, n)
			}
		}
	}
}

// regAttribution describes a sampled register change as the writer.
func (ru *runner) regAttribution(c RegChange) string {
	if c.Where == "" {
		c.Where = ru.res.Name(uint64(c.RIP))
	}
	return "register " + c.String() + " (sampled between run slices: no CPU hook on register writes)"
}

func tail(s string, lines int) string {
	s = strings.TrimRight(s, "\n")
	parts := strings.Split(s, "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}

// Hex is a 64-bit value that JSON carries as a "0x..." string.
type Hex uint64

// MarshalJSON implements json.Marshaler.
func (h Hex) MarshalJSON() ([]byte, error) { return []byte(fmt.Sprintf("\"%#x\"", uint64(h))), nil }

// UnmarshalJSON implements json.Unmarshaler.
func (h *Hex) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), "\"")
	v, err := parseUint(s)
	if err != nil {
		return err
	}
	*h = Hex(v)
	return nil
}
