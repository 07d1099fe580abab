package emu

import (
	"fmt"
	"math"
	"runtime/debug"
	"strings"

	"github.com/kppemu/kppemu/cpu"
)

// Forever is a Run limit that never comes.
const Forever = math.MaxUint64

// MaxSlice bounds one CPU run slice (guest ns = instructions), so that the
// host hooks and stop requests are served at least this often.
const MaxSlice = 1 << 20

// StopReason says why Run returned.
type StopReason int

const (
	// StopTimeLimit: the guest time reached Run's limit.
	StopTimeLimit StopReason = iota
	// StopDebugExit: the guest wrote to isa-debug-exit; Status is the exit
	// status QEMU would give, (v<<1)|1.
	StopDebugExit
	// StopTripleFault: the CPU shut down after a triple fault.
	StopTripleFault
	// StopDeadHalt: HLT with interrupts disabled, nothing pending, and no
	// NMI that can ever wake it (nmiCanWake).
	StopDeadHalt
	// StopIdle: the guest halted with interrupts enabled and nothing will
	// ever wake it (no device deadline, no run limit), or the Idle hook
	// said so.
	StopIdle
	// StopRequested: RequestStop was called.
	StopRequested
	// StopBreakpoint: a host breakpoint was reached (not executed).
	StopBreakpoint
	// StopWatchpoint: an instruction touched a watched range.
	StopWatchpoint
	// StopError: the CPU stopped on an internal error.
	StopError
	// StopStep: Step executed its instruction.
	StopStep
	// StopReset: the guest asked for a machine reset (the reset control
	// register at 0xCF9); like QEMU with -no-reboot, the machine stops.
	StopReset
)

var stopNames = [...]string{"time-limit", "debug-exit", "triple-fault", "dead-halt", "idle", "requested", "breakpoint", "watchpoint", "error", "step", "reset"}

func (r StopReason) String() string {
	if int(r) < len(stopNames) {
		return stopNames[r]
	}
	return fmt.Sprintf("StopReason(%d)", int(r))
}

// Stop is the outcome of Run.
type Stop struct {
	Reason StopReason
	Status int    // isa-debug-exit status (StopDebugExit)
	Diag   string // one-line diagnosis
	Time   uint64 // guest ns when the machine stopped
	// CPU is the processor whose instruction stopped the machine
	// (breakpoint, watchpoint, triple fault, step; 0 with one CPU).
	CPU int
	// Watch is the access that hit a watchpoint (StopWatchpoint), else nil.
	Watch *WatchHit
}

// WatchHit is a data access that touched a watched range: its linear
// address, size, kind and the instruction that made it.
type WatchHit = cpu.WatchHit

func (s Stop) String() string {
	if s.Diag != "" {
		return fmt.Sprintf("%s at %d ns: %s", s.Reason, s.Time, s.Diag)
	}
	return fmt.Sprintf("%s at %d ns", s.Reason, s.Time)
}

// Hooks connect a running machine to the host. Both run on the machine's
// goroutine; both may be nil.
type Hooks struct {
	// Poll runs between run slices (at least every MaxSlice ns of guest
	// time): the place to feed host input with SerialInput.
	Poll func()
	// Idle runs when the guest halts with interrupts enabled. next is the
	// guest time of the next event (a device deadline or Run's limit);
	// ok=false when there is none. It returns the guest time to wake at
	// (clamped to [now, next]) and whether to go on; false stops Run with
	// StopIdle. Without a hook the machine skips to next at once, and
	// stops when there is no next.
	Idle func(now, next uint64, ok bool) (wake uint64, cont bool)
}

// SetHooks installs the host hooks.
func (m *Machine) SetHooks(h Hooks) { m.hooks = h }

// RequestStop makes Run return StopRequested soon. Safe from any goroutine.
func (m *Machine) RequestStop() {
	m.stopReq.Store(true)
	for _, c := range m.CPUs {
		c.RequestExit()
	}
}

// nextDeadline is the earliest device deadline.
func (m *Machine) nextDeadline() (uint64, bool) {
	var t uint64
	ok := false
	for _, d := range m.timed {
		if dt, has := d.NextDeadline(); has && (!ok || dt < t) {
			t, ok = dt, true
		}
	}
	return t, ok
}

// advance brings every device with a due deadline up to now.
func (m *Machine) advance(now uint64) {
	for _, d := range m.timed {
		if dt, has := d.NextDeadline(); has && dt <= now {
			d.Advance(now)
		}
	}
}

// RunFor runs the machine for d ns of guest time (see Run).
func (m *Machine) RunFor(d uint64) Stop {
	until := m.CPU.Clock + d
	if until < d {
		until = Forever
	}
	return m.Run(until)
}

// Run executes the guest until guest time until (Forever: no limit), a
// device stops the machine (isa-debug-exit), the CPU stops (triple fault,
// HLT with IF=0, breakpoint, watchpoint) or RequestStop. It runs the CPU in
// slices that end at the earliest device deadline (every I/O write ends a
// slice early, so that deadlines are recomputed), brings the devices up to
// date after each slice, and skips the clock to the next deadline while
// the guest halts with interrupts enabled.
func (m *Machine) Run(until uint64) (stop Stop) {
	return m.RunTo(until, Forever)
}

// RunTo is Run that also stops (with StopTimeLimit) as soon as the machine
// has retired instret instructions in all (Instret: every processor's
// count): before anything pending is delivered, at the first guest time
// with that count. Replays use it to reach an exact point of an earlier
// run.
func (m *Machine) RunTo(until, instret uint64) (stop Stop) {
	defer m.recoverStop(&stop)
	if len(m.CPUs) > 1 {
		return m.runSMP(until, instret)
	}
	for {
		if s, ok := m.takeStop(); ok {
			return s
		}
		if m.hooks.Poll != nil {
			m.hooks.Poll()
		}
		now := m.CPU.Clock
		if now >= until || m.CPU.Instret >= instret {
			return Stop{Reason: StopTimeLimit, Time: now}
		}
		end := until
		if t, ok := m.nextDeadline(); ok {
			if t <= now {
				m.advance(now)
				if t2, ok2 := m.nextDeadline(); ok2 && t2 <= now {
					// A device that stays due would spin here: let the CPU run.
					t = now + 1
				} else {
					continue
				}
			}
			end = min(end, t)
		}
		// Each unit of budget retires at most one instruction.
		budget := min(end-now, MaxSlice, instret-m.CPU.Instret)
		if budget == 0 {
			budget = 1
		}
		ex := m.CPU.Run(budget)
		m.advance(m.CPU.Clock)
		switch ex.Reason {
		case cpu.ExitBudget:
		case cpu.ExitRequested:
			// A device (isa-debug-exit) or RequestStop: takeStop decides.
		case cpu.ExitHalt:
			if s, ok := m.takeStop(); ok {
				return s
			}
			if s, stop := m.idle(until); stop {
				return s
			}
		case cpu.ExitDeadHalt:
			if !m.nmiCanWake(0) {
				return m.deadHalt()
			}
			if s, ok := m.takeStop(); ok {
				return s
			}
			if s, stop := m.idle(until); stop {
				return s
			}
		case cpu.ExitTripleFault:
			return Stop{Reason: StopTripleFault, Time: m.CPU.Clock, Diag: tripleFaultDiag(ex.Diag)}
		case cpu.ExitBreakpoint:
			return Stop{Reason: StopBreakpoint, Time: m.CPU.Clock, Diag: ex.Diag}
		case cpu.ExitWatchpoint:
			return watchStop(m.CPU.Clock, ex)
		default:
			return Stop{Reason: StopError, Time: m.CPU.Clock, Diag: fmt.Sprintf("cpu %s: %s", ex.Reason, ex.Diag)}
		}
	}
}

// idle skips the clock while the CPU halts with interrupts enabled, or
// with them disabled while an NMI can still wake it (nmiCanWake).
func (m *Machine) idle(until uint64) (Stop, bool) {
	now := m.CPU.Clock
	if m.CPU.PendingNMI || m.CPU.INTRLine && m.CPU.RFLAGS&cpu.FlagIF != 0 {
		return Stop{}, false // a device raised an interrupt during the slice
	}
	if m.CPU.RFLAGS&cpu.FlagIF == 0 {
		if _, ok := m.nextDeadline(); !ok {
			return m.deadHalt(), true // no device will ever raise the NMI
		}
	}
	wake, stop, halt := m.wakeTime(now, until,
		fmt.Sprintf("guest halted with interrupts enabled and no timer armed (RIP %#x)", m.CPU.RIP))
	if halt {
		return stop, true
	}
	m.CPU.Clock = wake
	m.advance(wake)
	return Stop{}, false
}

// Stall moves guest time on by d ns without running the guest, as a host
// that did not run the machine for that long does (QEMU without -icount,
// stopped or descheduled: its clocks follow the host's). Every clock read
// from guest time runs on (the TSC, the ACPI PM timer, the PIT's and the
// local APIC timer's counts), and each timer due meanwhile delivers one
// interrupt for all the periods it missed, as a real host's coalesce: the
// guest takes them when it runs again. Between runs only.
func (m *Machine) Stall(d uint64) {
	now := m.CPU.Clock + d
	if now < d {
		now = Forever
	}
	m.syncClocks(now)
	m.advance(now)
}

// recoverStop turns a panic outside the CPU (a device catching up with
// the clock, a subscriber) into StopError: nothing the guest does may crash
// the host.
func (m *Machine) recoverStop(stop *Stop) {
	if r := recover(); r != nil {
		m.log.Error("internal error", "err", r, "stack", string(debug.Stack()))
		*stop = Stop{Reason: StopError, Time: m.CPU.Clock, Diag: fmt.Sprintf("internal error: %v", r)}
	}
}

// takeStop returns (and clears) a stop decided outside the CPU.
func (m *Machine) takeStop() (Stop, bool) {
	if m.pending != nil {
		s := *m.pending
		m.pending = nil
		m.stopReq.Store(false)
		return s, true
	}
	if m.stopReq.Swap(false) {
		return Stop{Reason: StopRequested, Time: m.CPU.Clock}, true
	}
	return Stop{}, false
}

// Step executes one instruction (or delivers a pending interrupt and
// executes the handler's first instruction) and brings the devices up to
// date.
func (m *Machine) Step() (stop Stop) { return m.StepCPU(0) }

// StepCPU is Step on processor i (the others do not run). Out-of-range
// processors are a StopError.
func (m *Machine) StepCPU(i int) (stop Stop) {
	defer m.recoverStop(&stop)
	if i < 0 || i >= len(m.CPUs) {
		return Stop{Reason: StopError, Time: m.CPU.Clock, Diag: fmt.Sprintf("no processor %d (the machine has %d)", i, len(m.CPUs))}
	}
	defer func() { stop.CPU = i }()
	c := m.CPUs[i]
	if i != 0 {
		m.setCurrent(i)
		defer m.setCurrent(0)
		c.Clock = m.CPU.Clock
	}
	ex := c.Step()
	m.syncClocks(c.Clock)
	m.advance(m.CPU.Clock)
	if s, ok := m.takeStop(); ok {
		return s
	}
	switch ex.Reason {
	case cpu.ExitBudget:
		return Stop{Reason: StopStep, Time: m.CPU.Clock}
	case cpu.ExitRequested:
		return Stop{Reason: StopRequested, Time: m.CPU.Clock}
	case cpu.ExitHalt:
		return Stop{Reason: StopIdle, Time: m.CPU.Clock, Diag: "halted with interrupts enabled"}
	case cpu.ExitDeadHalt:
		if m.nmiCanWake(i) {
			return Stop{Reason: StopIdle, Time: m.CPU.Clock, Diag: "halted with interrupts disabled, an NMI can wake it"}
		}
		return Stop{Reason: StopDeadHalt, Time: m.CPU.Clock, Diag: "HLT with interrupts disabled and nothing pending"}
	case cpu.ExitTripleFault:
		return Stop{Reason: StopTripleFault, Time: m.CPU.Clock, Diag: tripleFaultDiag(ex.Diag)}
	case cpu.ExitBreakpoint:
		return Stop{Reason: StopBreakpoint, Time: m.CPU.Clock, Diag: ex.Diag}
	case cpu.ExitWatchpoint:
		return watchStop(m.CPU.Clock, ex)
	}
	return Stop{Reason: StopError, Time: m.CPU.Clock, Diag: fmt.Sprintf("cpu %s: %s", ex.Reason, ex.Diag)}
}

// SetBreakpoint sets a host breakpoint at a linear address (guest memory
// is not written), on every processor.
func (m *Machine) SetBreakpoint(linear uint64) {
	for _, c := range m.CPUs {
		c.SetBreakpoint(linear)
	}
}

// ClearBreakpoint removes a host breakpoint.
func (m *Machine) ClearBreakpoint(linear uint64) {
	for _, c := range m.CPUs {
		c.ClearBreakpoint(linear)
	}
}

// AddWatchpoint watches the linear range [addr, addr+n) for reads and/or
// writes, on every processor.
func (m *Machine) AddWatchpoint(addr, n uint64, read, write bool) {
	for _, c := range m.CPUs {
		c.AddWatchpoint(addr, n, read, write)
	}
}

// ClearWatchpoints removes every watchpoint.
func (m *Machine) ClearWatchpoints() {
	for _, c := range m.CPUs {
		c.ClearWatchpoints()
	}
}

// tripleFaultDiag makes the CPU's diagnosis one line that says what happened.
func tripleFaultDiag(d string) string {
	if strings.HasPrefix(d, "triple fault") {
		return d
	}
	return "triple fault: " + d
}

// watchStop is the Stop for a CPU watchpoint exit.
func watchStop(now uint64, ex cpu.Exit) Stop {
	w := ex.Watch
	return Stop{Reason: StopWatchpoint, Time: now, Diag: ex.Diag, Watch: &w}
}

// runSMP is Run with several processors. One host thread runs them in
// turn, each for Config.Quantum instructions (less when a device deadline
// comes first), so the interleaving depends only on the guest: the same
// image, seed and input give the same run. Virtual time is one clock: each
// instruction of any processor advances it by 1 ns, so a processor starts
// its turn where the previous one stopped and devices see time move
// forward only. A processor that halts ends its turn; halted processors
// whose interrupts cannot arrive, processors waiting for a start-up IPI and
// parked application processors get no turn. The clock skips to the next
// deadline only when no processor can run.
func (m *Machine) runSMP(until, instret uint64) Stop {
	defer m.setCurrent(0)
	n := len(m.CPUs)
	retired := m.Instret()
	for {
		if s, ok := m.takeStop(); ok {
			return s
		}
		if m.hooks.Poll != nil {
			m.hooks.Poll()
		}
		now := m.CPU.Clock
		if now >= until || retired >= instret {
			return Stop{Reason: StopTimeLimit, Time: now}
		}
		end := until
		if t, ok := m.nextDeadline(); ok {
			if t <= now {
				m.advance(now)
				if t2, ok2 := m.nextDeadline(); ok2 && t2 <= now {
					t = now + 1
				} else {
					continue
				}
			}
			end = min(end, t)
		}
		start := now
		requested := false
		for k := 0; k <= n && now < end && !requested && retired < instret; k++ {
			i := m.nextCPU
			c := m.CPUs[i]
			if !runnable(c) {
				m.endTurn()
				continue
			}
			if m.turnLeft == 0 {
				m.turnLeft = m.cfg.Quantum
			}
			// Each unit of budget retires at most one instruction.
			budget := min(end-now, m.turnLeft, MaxSlice, instret-retired)
			m.setCurrent(i)
			c.Clock = now
			before := c.Instret
			ex := c.Run(budget)
			retired += c.Instret - before
			ran := c.Clock - now
			now = c.Clock
			m.syncClocks(now)
			m.advance(now)
			// A turn lasts Quantum instructions whatever cuts it into slices
			// (deadlines, Run's limit, I/O), so where the host stops and
			// resumes the machine does not change the interleaving.
			m.turnLeft -= min(ran, m.turnLeft)
			if m.turnLeft == 0 || c.Halted || c.WaitSIPI {
				m.endTurn()
			}
			switch ex.Reason {
			case cpu.ExitBudget, cpu.ExitHalt, cpu.ExitDeadHalt:
			case cpu.ExitRequested:
				requested = true
			case cpu.ExitTripleFault:
				return Stop{Reason: StopTripleFault, Time: now, CPU: i, Diag: cpuPrefix(i) + tripleFaultDiag(ex.Diag)}
			case cpu.ExitBreakpoint:
				return Stop{Reason: StopBreakpoint, Time: now, CPU: i, Diag: cpuPrefix(i) + ex.Diag}
			case cpu.ExitWatchpoint:
				st := watchStop(now, ex)
				st.Diag, st.CPU = cpuPrefix(i)+st.Diag, i
				return st
			default:
				return Stop{Reason: StopError, Time: now, CPU: i, Diag: fmt.Sprintf("%scpu %s: %s", cpuPrefix(i), ex.Reason, ex.Diag)}
			}
		}
		if now != start || requested {
			continue
		}
		// Nothing ran: every processor is halted or waiting.
		if s, ok := m.takeStop(); ok {
			return s
		}
		if s, stop := m.idleSMP(until); stop {
			return s
		}
	}
}

// endTurn passes the turn to the next processor.
func (m *Machine) endTurn() {
	m.nextCPU = (m.nextCPU + 1) % len(m.CPUs)
	m.turnLeft = 0
}

// cpuPrefix names processor i in a diagnosis.
func cpuPrefix(i int) string { return fmt.Sprintf("cpu %d: ", i) }

// runnable reports whether c would execute (or take an interrupt) if run.
func runnable(c *cpu.CPU) bool {
	if c.WaitSIPI || c.Shutdown {
		return false
	}
	if !c.Halted {
		return true
	}
	return c.PendingNMI && !c.NMIBlocked || c.INTRLine && c.RFLAGS&cpu.FlagIF != 0
}

// setCurrent makes processor i the one that devices, port I/O and MMIO see.
func (m *Machine) setCurrent(i int) {
	m.curIdx, m.cur = i, m.CPUs[i]
}

// syncClocks sets every processor's clock to now.
func (m *Machine) syncClocks(now uint64) {
	for _, c := range m.CPUs {
		c.Clock = now
	}
}

// idleSMP skips the clock while no processor can run: to the next device
// deadline (or Run's limit), through the Idle hook like idle. With no
// processor halted with interrupts enabled, nothing can ever wake the
// machine: StopDeadHalt.
func (m *Machine) idleSMP(until uint64) (Stop, bool) {
	now := m.CPU.Clock
	for _, c := range m.CPUs {
		if runnable(c) {
			return Stop{}, false
		}
	}
	wakeable, byIntr := false, false
	for i, c := range m.CPUs {
		if c.Halted && !c.WaitSIPI && !c.Shutdown {
			if c.RFLAGS&cpu.FlagIF != 0 {
				wakeable, byIntr = true, true
			} else if m.nmiCanWake(i) {
				wakeable = true
			}
		}
	}
	if _, ok := m.nextDeadline(); !wakeable || !byIntr && !ok {
		return Stop{Reason: StopDeadHalt, Time: now,
			Diag: fmt.Sprintf("every processor halted with interrupts disabled or waits for a start-up IPI (CPU 0 RIP %#x)", m.CPU.RIP)}, true
	}
	wake, stop, halt := m.wakeTime(now, until, "every processor halted and no timer armed")
	if halt {
		return stop, true
	}
	m.syncClocks(wake)
	m.advance(wake)
	return Stop{}, false
}

// nmiCanWake reports whether processor i, halted with interrupts
// disabled, can still be woken: by an NMI it does not block (an NMI
// handler that has not returned blocks the next one until its IRET) that
// a device is routed to raise, through an I/O APIC entry that addresses
// its local APIC or that APIC's LINT0 (the 8259's output) with NMI
// delivery. Real processors and QEMU wake from such a halt on the NMI;
// with no such route nothing ever comes (LINT1 has no source on this
// machine) and the halt is dead.
func (m *Machine) nmiCanWake(i int) bool {
	if m.CPUs[i].NMIBlocked || i >= len(m.LAPICs) {
		return false
	}
	a := m.LAPICs[i]
	return m.IOAPIC != nil && m.IOAPIC.RoutesNMITo(a) || a.LINT0NMI()
}

// deadHalt is the stop of a processor halted for good.
func (m *Machine) deadHalt() Stop {
	return Stop{Reason: StopDeadHalt, Time: m.CPU.Clock,
		Diag: fmt.Sprintf("HLT with interrupts disabled and nothing pending (RIP %#x)", m.CPU.RIP)}
}

// wakeTime picks the guest time at which halted processors wake: the next
// device deadline or Run's limit, as the Idle hook (if any) allows. halt is
// true when nothing will wake them (noTimer says why) or the hook stops Run.
func (m *Machine) wakeTime(now, until uint64, noTimer string) (wake uint64, stop Stop, halt bool) {
	next, ok := m.nextDeadline()
	if until != Forever && (!ok || until < next) {
		next, ok = until, true
	}
	if m.hooks.Idle == nil {
		if !ok {
			return 0, Stop{Reason: StopIdle, Time: now, Diag: noTimer}, true
		}
		return next, Stop{}, false
	}
	wake, cont := m.hooks.Idle(now, next, ok)
	if !cont {
		return 0, Stop{Reason: StopIdle, Time: now, Diag: "guest idle"}, true
	}
	if ok && wake > next {
		wake = next
	}
	return max(wake, now), Stop{}, false
}
