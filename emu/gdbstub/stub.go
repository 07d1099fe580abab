// Package gdbstub serves the GDB remote serial protocol (GDB manual,
// appendix "GDB Remote Serial Protocol") for an emu.Machine, so that gdb
// can debug the guest from its first instruction (the 32-bit Multiboot
// entry) on: registers in gdb's i386:x86-64 layout with a target
// description, memory through the guest's page tables, host-side
// breakpoints (guest memory is never written), watchpoints with
// watch/rwatch/awatch stop replies, Ctrl-C, monitor commands and, with a
// record.Recorder, reverse stepping and continuing (bs, bc).
//
// One client at a time: another gets a clear refusal. The machine runs on
// the caller's goroutine (Stub.Run); the connection is read on its own.
package gdbstub

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"

	"github.com/kppemu/kppemu/cpu"
	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/emu/debug/record"
	"github.com/kppemu/kppemu/kernel/abi"
)

// Options configure a Stub.
type Options struct {
	// Monitor runs a "monitor CMD" (qRcmd) command on vCPU cpu, that of
	// gdb's current thread (the one Hg selected, or the one that stopped),
	// and returns its output. Nil: monitor commands answer that none are
	// available.
	Monitor func(cpu int, cmd string) (string, error)
	// Recorder, when set, runs the machine (recording) and serves
	// reverse-stepi and reverse-continue.
	Recorder *record.Recorder
	// Logger receives connection logs (nil: none).
	Logger hclog.Logger
}

// Stub is a gdb server for one machine.
type Stub struct {
	m    *emu.Machine
	opts Options
	ln   net.Listener
	log  hclog.Logger

	newConn  chan net.Conn // accepted clients, handed to the machine goroutine
	wantStop atomic.Bool   // a client is waiting to attach to a running machine
	knocks   atomic.Uint64 // stop requests made for arriving clients
	seen     uint64        // knocks already accounted for (machine goroutine)

	cl       *client     // the attached client, or nil
	attached atomic.Bool // cl != nil, for other goroutines

	bps      map[uint64]int  // breakpoint address -> insertions
	hwbps    map[uint64]bool // addresses inserted with Z1 (reported as hwbreak)
	watches  []watchpoint
	lastStop string // the stop reply '?' repeats
	killed   bool
	// ahead: the slide the kernel will report, foreseen when the stub was
	// made (emu.Machine.AheadKernelSlide); told: qOffsets answered with it
	// before the kernel reported its base.
	aheadOK    bool
	aheadSlide uint64
	told       bool

	closeOnce sync.Once
	closing   atomic.Bool
	done      chan struct{}
}

// watchpoint is a Z2/Z3/Z4 watchpoint.
type watchpoint struct {
	addr, n uint64
	kind    byte // '2' write, '3' read, '4' access
}

// client is an attached debugger connection.
type client struct {
	conn   net.Conn
	frames chan frame // from the reader goroutine; closed when the connection ends
	w      *bufio.Writer
	noAck  bool
	// pendingNoAck: QStartNoAckMode was answered; acks stop after the reply.
	pendingNoAck bool
	last         []byte // the last packet sent (resent on '-')
	feats        map[string]bool
	// running is set while the machine runs for this client; the reader
	// then turns 0x03 into a stop request. So does it while resumes (the
	// packets that may continue the machine, queued by the reader and not
	// yet taken up) is above zero: an interrupt typed right after
	// "continue" stops the run it follows, however late the run starts.
	running atomic.Bool
	resumes atomic.Int32
	cpu     int // selected thread (vCPU index) for g/G/p/P/m/M
}

// New makes a stub serving the clients that ln accepts. Call Run to run
// the machine under it; Close to stop listening.
func New(m *emu.Machine, ln net.Listener, opts Options) *Stub {
	s := &Stub{m: m, opts: opts, ln: ln, newConn: make(chan net.Conn),
		bps: map[uint64]int{}, hwbps: map[uint64]bool{}, done: make(chan struct{}), log: opts.Logger}
	if s.log == nil {
		s.log = hclog.NewNullLogger()
	}
	s.lastStop = "S05"
	// Foreseen here, before any debugger can attach: gdb waits only a
	// couple of seconds for each reply, qOffsets's included.
	slide, ok, err := m.AheadKernelSlide()
	if err != nil {
		s.log.Warn("could not run ahead to the kernel's base", "err", err)
	}
	s.aheadSlide, s.aheadOK = slide, ok
	m.Subscribe(func(e emu.Event) {
		if e.Type == abi.EvKernelBase && len(e.Args) >= 2 && s.told && e.Args[1] != s.aheadSlide {
			s.log.Warn("the kernel reported another base than the one gdb was given (qOffsets): reconnect gdb to load its symbols there",
				"told", fmt.Sprintf("%#x", s.aheadSlide), "slide", fmt.Sprintf("%#x", e.Args[1]))
		}
	})
	go s.accept()
	return s
}

// Listen opens the stub's listening socket ("127.0.0.1:1234"; a port
// alone listens on loopback).
func Listen(addr string) (net.Listener, error) {
	if !strings.Contains(addr, ":") {
		addr = "127.0.0.1:" + addr
	} else if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("gdb stub: %w", err)
	}
	return ln, nil
}

// Attached reports whether a debugger is attached. Safe from any
// goroutine.
func (s *Stub) Attached() bool { return s.attached.Load() }

// Addr is the address the stub listens on.
func (s *Stub) Addr() net.Addr { return s.ln.Addr() }

// Close stops listening, drops the client and makes Run return (with
// StopRequested) soon. Safe from any goroutine.
func (s *Stub) Close() {
	s.closeOnce.Do(func() {
		s.closing.Store(true)
		close(s.done)
		s.ln.Close()
		s.m.RequestStop()
	})
}

// accept hands new connections to the machine goroutine, which takes one
// client at a time; while the guest runs without a client, it asks the
// machine to stop so that the client finds it stopped.
func (s *Stub) accept() {
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wantStop.Store(true)
		s.knocks.Add(1)
		s.m.RequestStop()
		select {
		case s.newConn <- conn:
		case <-s.done:
			conn.Close()
			return
		}
	}
}

// refuse turns a second client away with an error packet that says why.
func refuse(conn net.Conn) {
	go func() {
		defer conn.Close()
		msg := "E.kppemu: a debugger is already attached to this machine (one client at a time)"
		conn.Write([]byte("+"))
		conn.Write(encodePacket(msg))
	}()
}

// attach starts serving conn.
func (s *Stub) attach(conn net.Conn) {
	c := &client{conn: conn, frames: make(chan frame, 64), w: bufio.NewWriter(conn), feats: map[string]bool{}}
	s.cl = c
	s.attached.Store(true)
	s.log.Info("debugger attached", "remote", conn.RemoteAddr().String())
	go c.read(s.m)
}

// read frames the connection's bytes; 0x03 while the machine runs asks it
// to stop.
func (c *client) read(m *emu.Machine) {
	defer close(c.frames)
	r := bufio.NewReader(c.conn)
	var f framer
	for {
		b, err := r.ReadByte()
		if err != nil {
			return
		}
		fr, ok := f.feed(b)
		if !ok {
			continue
		}
		if fr.kind == frameInterrupt {
			// resumes first: the loop marks the machine running before it
			// counts a resume packet as taken up.
			if c.resumes.Load() > 0 || c.running.Load() {
				m.RequestStop()
			}
			continue
		}
		if fr.kind == framePacket && mayContinue(fr.data) {
			c.resumes.Add(1)
		}
		c.frames <- fr
	}
}

// send writes one packet.
func (c *client) send(payload string) {
	p := encodePacket(payload)
	c.last = p
	c.w.Write(p)
	c.w.Flush()
}

// detach drops the client (it disconnected, detached or killed the
// machine).
func (s *Stub) detach() {
	if s.cl == nil {
		return
	}
	s.log.Info("debugger detached")
	s.cl.conn.Close()
	for range s.cl.frames { // let the reader finish
	}
	s.cl = nil
	s.attached.Store(false)
}

// Run runs the machine under the debugger until guest time until. It
// returns when the guest stops by itself (isa-debug-exit, the time limit,
// or, with no debugger attached, any other stop) or a debugger kills it.
// With startStopped (QEMU's -S), the machine waits for a debugger before
// its first instruction.
func (s *Stub) Run(until uint64, startStopped bool) emu.Stop {
	if startStopped {
		select {
		case conn := <-s.newConn:
			s.wantStop.Store(false)
			s.attach(conn)
		case <-s.done:
			return emu.Stop{Reason: emu.StopRequested, Time: s.m.Now(), Diag: "gdb stub closed"}
		}
	}
	for {
		if s.closing.Load() {
			s.detach()
			return emu.Stop{Reason: emu.StopRequested, Time: s.m.Now(), Diag: "gdb stub closed"}
		}
		if s.cl == nil {
			stop := s.runFree(until)
			if s.cl == nil {
				return stop
			}
			continue
		}
		stop, resumed, quit := s.serveStopped(until)
		if quit {
			return stop
		}
		if !resumed {
			continue
		}
	}
}

// runFree runs the guest with no debugger attached, until it stops or a
// debugger connects (then the machine is stopped and the client attached).
func (s *Stub) runFree(until uint64) emu.Stop {
	for {
		if s.wantStop.Load() {
			select {
			case conn := <-s.newConn:
				s.wantStop.Store(false)
				s.attach(conn)
				s.lastStop = "T02thread:01;"
				return emu.Stop{Reason: emu.StopRequested, Time: s.m.Now()}
			default:
			}
		}
		stop := s.run(until)
		if s.closing.Load() {
			return stop
		}
		if stop.Reason == emu.StopRequested && s.ownStop() {
			continue // for a client (perhaps one already attached, or refused)
		}
		if stop.Reason == emu.StopBreakpoint || stop.Reason == emu.StopWatchpoint {
			// Leftovers of a detached debugger's breakpoints: go on.
			continue
		}
		return stop
	}
}

// run runs the machine (through the recorder when there is one).
func (s *Stub) run(until uint64) emu.Stop {
	if r := s.opts.Recorder; r != nil {
		return r.Run(until)
	}
	return s.m.Run(until)
}

func (s *Stub) step() emu.Stop {
	if r := s.opts.Recorder; r != nil {
		return r.Step()
	}
	if s.cl != nil {
		return s.m.StepCPU(s.cl.cpu)
	}
	return s.m.Step()
}

// serveStopped answers packets while the machine is stopped. It returns
// when the client resumes the machine and the machine stopped again
// (resumed), or the run is over (quit).
func (s *Stub) serveStopped(until uint64) (stop emu.Stop, resumed, quit bool) {
	c := s.cl
	for {
		select {
		case <-s.done:
			s.detach()
			return emu.Stop{Reason: emu.StopRequested, Time: s.m.Now(), Diag: "gdb stub closed"}, false, true
		case conn := <-s.newConn:
			s.wantStop.Store(false)
			refuse(conn)
			continue
		case fr, ok := <-c.frames:
			if !ok {
				// The debugger went away (or detached): the guest runs on.
				s.detach()
				return emu.Stop{}, false, false
			}
			switch fr.kind {
			case frameAck:
				continue
			case frameNack:
				if c.last != nil && !c.noAck {
					c.w.Write(c.last)
					c.w.Flush()
				}
				continue
			case frameBadSum:
				if !c.noAck {
					c.w.WriteByte('-')
					c.w.Flush()
				} else {
					c.send("E01")
				}
				continue
			case frameOversized:
				if !c.noAck {
					c.w.WriteByte('+')
				}
				c.send("E01")
				continue
			}
			if !c.noAck {
				c.w.WriteByte('+')
			}
			reply, act := s.handle(string(fr.data))
			if mayContinue(fr.data) {
				if act.kind == actContinue {
					c.running.Store(true) // resume keeps it set for the run
				}
				c.resumes.Add(-1)
			}
			switch act.kind {
			case actNone:
				c.send(reply)
				if c.pendingNoAck {
					c.noAck, c.pendingNoAck = true, false
				}
			case actNoReply:
			case actDetach:
				c.send("OK")
				s.detach()
				s.clearDebugState()
				return emu.Stop{}, false, false
			case actKill:
				if reply != "" {
					c.send(reply)
				}
				s.detach()
				s.killed = true
				return emu.Stop{Reason: emu.StopRequested, Time: s.m.Now(), Diag: "killed by the debugger"}, false, true
			case actContinue, actStep, actReverseStep, actReverseContinue:
				stop, msg := s.resume(act, until)
				s.lastStop = msg
				if s.cl == nil {
					return stop, true, true
				}
				if s.closing.Load() {
					s.detach()
					return stop, true, true
				}
				c.send(msg)
				if stop.Reason == emu.StopDebugExit || stop.Reason == emu.StopTimeLimit {
					s.detach()
					return stop, true, true
				}
				return stop, true, false
			}
		}
	}
}

// mayContinue reports whether a packet may continue the machine (c, C, or
// vCont with a c or C action): an interrupt that follows it is meant for
// the run it starts.
func mayContinue(p []byte) bool {
	if len(p) == 0 {
		return false
	}
	switch p[0] {
	case 'c', 'C':
		return true
	}
	rest, ok := bytes.CutPrefix(p, []byte("vCont;"))
	if !ok {
		return false
	}
	for _, a := range bytes.Split(rest, []byte(";")) {
		if len(a) > 0 && (a[0] == 'c' || a[0] == 'C') {
			return true
		}
	}
	return false
}

// ownStop reports (once) whether the stub asked the machine to stop for an
// arriving client since the last call.
func (s *Stub) ownStop() bool {
	k := s.knocks.Load()
	if k == s.seen {
		return false
	}
	s.seen = k
	return true
}

// clearDebugState removes the client's breakpoints and watchpoints.
func (s *Stub) clearDebugState() {
	for a := range s.bps {
		s.m.ClearBreakpoint(a)
	}
	s.bps = map[uint64]int{}
	s.hwbps = map[uint64]bool{}
	if len(s.watches) > 0 {
		s.watches = nil
		s.m.ClearWatchpoints()
	}
}

// resume runs or steps the machine for the client and returns the stop
// and its stop reply.
func (s *Stub) resume(act action, until uint64) (emu.Stop, string) {
	c := s.cl
	if act.setPC {
		st := s.cpu().Snapshot()
		st.RIP = act.pc
		s.cpu().Restore(st)
	}
	var stop emu.Stop
	switch act.kind {
	case actStep:
		before := s.cpu().Instret
		stop = s.step()
		for stop.Reason == emu.StopRequested && s.ownStop() {
			stop = s.step() // the request was for a refused client
		}
		if stop.Reason == emu.StopBreakpoint && s.cpu().Instret == before {
			stop = s.step() // the breakpoint is where the step starts
		}
	case actReverseStep, actReverseContinue:
		var err error
		if act.kind == actReverseStep {
			stop, err = s.opts.Recorder.ReverseStep(1)
		} else {
			stop, err = s.opts.Recorder.ReverseContinue()
		}
		if errors.Is(err, record.ErrNoHistory) {
			return stop, "T05replaylog:begin;thread:01;"
		}
		if err != nil {
			s.log.Warn("reverse execution failed", "err", err)
			return stop, "E01"
		}
	default:
		c.running.Store(true)
		for {
			stop = s.run(until)
			if stop.Reason == emu.StopRequested && s.ownStop() && !s.closing.Load() {
				// A second client knocked while the guest ran: refuse it
				// and go on for the first one.
				select {
				case conn := <-s.newConn:
					s.wantStop.Store(false)
					refuse(conn)
				default:
				}
				continue
			}
			break
		}
		c.running.Store(false)
	}
	return stop, s.stopReply(stop)
}

// stopReply is the T/W packet for a stop.
func (s *Stub) stopReply(stop emu.Stop) string {
	switch stop.Reason {
	case emu.StopBreakpoint, emu.StopWatchpoint, emu.StopStep, emu.StopTripleFault:
		if stop.CPU >= 0 && stop.CPU < numCPUs(s.m) {
			s.cl.cpu = stop.CPU // gdb reports the thread that stopped
		}
	}
	th := fmt.Sprintf("thread:%02x;", s.cl.cpu+1)
	switch stop.Reason {
	case emu.StopDebugExit:
		return fmt.Sprintf("W%02x", stop.Status&0xFF)
	case emu.StopTimeLimit, emu.StopReset:
		return "W00"
	case emu.StopRequested:
		return "T02" + th
	case emu.StopBreakpoint:
		if s.hwbps[s.cpu().LinearRIP()] && s.cl.feats["hwbreak"] {
			return "T05hwbreak:;" + th
		}
		if s.cl.feats["swbreak"] {
			return "T05swbreak:;" + th
		}
		return "T05" + th
	case emu.StopWatchpoint:
		if w := stop.Watch; w != nil {
			if kind, addr, ok := s.matchWatch(w); ok {
				return fmt.Sprintf("T05%s:%x;%s", kind, addr, th)
			}
		}
		return "T05" + th
	case emu.StopTripleFault:
		return "T0b" + th // SIGSEGV: the machine shut down
	case emu.StopError:
		return "T06" + th
	}
	return "T05" + th
}

// matchWatch finds the watchpoint an access hit and names its kind as gdb
// does (watch, rwatch, awatch) with the address inside the watched range.
func (s *Stub) matchWatch(h *emu.WatchHit) (string, uint64, bool) {
	end := h.Addr + uint64(h.Size)
	for _, w := range s.watches {
		if h.Addr >= w.addr+w.n || end <= w.addr {
			continue
		}
		addr := max(h.Addr, w.addr)
		switch {
		case w.kind == '2' && h.Write:
			return "watch", addr, true
		case w.kind == '3' && !h.Write:
			return "rwatch", addr, true
		case w.kind == '4':
			return "awatch", addr, true
		}
	}
	return "", 0, false
}

// cpu is the selected thread's vCPU.
func (s *Stub) cpu() *cpu.CPU {
	if s.cl != nil {
		return vcpu(s.m, s.cl.cpu)
	}
	return vcpu(s.m, 0)
}

// vcpu returns vCPU i of m; gdb's thread i+1.
func vcpu(m *emu.Machine, i int) *cpu.CPU {
	if i < 0 || i >= len(m.CPUs) {
		return m.CPU
	}
	return m.CPUs[i]
}

// numCPUs is the number of vCPUs (gdb threads).
func numCPUs(m *emu.Machine) int { return len(m.CPUs) }

// actionKind is what a packet asks the machine to do after the reply.
type actionKind int

const (
	actNone    actionKind = iota // just send the reply
	actNoReply                   // send nothing
	actContinue
	actStep
	actReverseStep
	actReverseContinue
	actDetach
	actKill
)

type action struct {
	kind  actionKind
	setPC bool
	pc    uint64
}

// errReply is the error reply for a failed request (errno-style codes).
const (
	errInval = "E16" // EINVAL (22)
	errFault = "E0e" // EFAULT (14)
)

// handle answers one packet. It never panics on malformed input: every
// parse error becomes an error reply.
func (s *Stub) handle(p string) (reply string, act action) {
	if p == "" {
		return "", action{}
	}
	switch p[0] {
	case '?':
		return s.lastStop, action{}
	case 'g':
		st := s.cpu().Snapshot()
		var b []byte
		for _, d := range regs {
			b = getReg(&st, d, b)
		}
		return hex.EncodeToString(b), action{}
	case 'G':
		b, err := decodeHex(p[1:])
		if err != nil || len(b) < regBytes-6*8 {
			return errInval, action{}
		}
		st := s.cpu().Snapshot()
		for _, d := range regs {
			n := d.bits / 8
			if len(b) < n {
				break
			}
			if d.kind != rSys {
				if err := setReg(&st, d, b[:n]); err != nil {
					return errInval, action{}
				}
			}
			b = b[n:]
		}
		s.cpu().Restore(st)
		return "OK", action{}
	case 'p':
		n, err := parseHex(p[1:])
		if err != nil || n >= uint64(len(regs)) {
			return errInval, action{}
		}
		st := s.cpu().Snapshot()
		return hex.EncodeToString(getReg(&st, regs[n], nil)), action{}
	case 'P':
		ns, vs, ok := strings.Cut(p[1:], "=")
		n, err := parseHex(ns)
		if !ok || err != nil || n >= uint64(len(regs)) {
			return errInval, action{}
		}
		b, err := decodeHex(vs)
		if err != nil {
			return errInval, action{}
		}
		st := s.cpu().Snapshot()
		if err := setReg(&st, regs[n], b); err != nil {
			return errInval, action{}
		}
		s.cpu().Restore(st)
		return "OK", action{}
	case 'm':
		addr, n, err := parseAddrLen(p[1:])
		if err != nil || n > MaxPacket/2 {
			return errInval, action{}
		}
		b := s.readMem(addr, n)
		if len(b) == 0 && n > 0 {
			return errFault, action{}
		}
		return hex.EncodeToString(b), action{}
	case 'M':
		al, data, ok := strings.Cut(p[1:], ":")
		addr, n, err := parseAddrLen(al)
		if !ok || err != nil {
			return errInval, action{}
		}
		b, err := decodeHex(data)
		if err != nil || uint64(len(b)) != n {
			return errInval, action{}
		}
		return s.writeMem(addr, b), action{}
	case 'X':
		al, data, ok := strings.Cut(p[1:], ":")
		addr, n, err := parseAddrLen(al)
		if !ok || err != nil || uint64(len(data)) != n {
			return errInval, action{}
		}
		return s.writeMem(addr, []byte(data)), action{}
	case 'c', 's':
		a := action{kind: actContinue}
		if p[0] == 's' {
			a.kind = actStep
		}
		if len(p) > 1 {
			pc, err := parseHex(p[1:])
			if err != nil {
				return errInval, action{}
			}
			a.setPC, a.pc = true, pc
		}
		return "", a
	case 'C', 'S':
		// The signal means nothing to a machine: like c and s.
		a := action{kind: actContinue}
		if p[0] == 'S' {
			a.kind = actStep
		}
		if _, rest, ok := strings.Cut(p[1:], ";"); ok {
			pc, err := parseHex(rest)
			if err != nil {
				return errInval, action{}
			}
			a.setPC, a.pc = true, pc
		}
		return "", a
	case 'b':
		if s.opts.Recorder == nil || len(p) != 2 {
			return "", action{}
		}
		switch p[1] {
		case 's':
			return "", action{kind: actReverseStep}
		case 'c':
			return "", action{kind: actReverseContinue}
		}
		return "", action{}
	case 'D':
		return "", action{kind: actDetach}
	case 'k':
		return "", action{kind: actKill}
	case 'H':
		if len(p) < 2 {
			return errInval, action{}
		}
		t, err := parseThread(p[2:])
		if err != nil || t > numCPUs(s.m) {
			return errInval, action{}
		}
		if t > 0 && p[1] == 'g' {
			s.cl.cpu = t - 1
		}
		return "OK", action{}
	case 'T':
		t, err := parseThread(p[1:])
		if err != nil || t < 1 || t > numCPUs(s.m) {
			return errInval, action{}
		}
		return "OK", action{}
	case 'Z', 'z':
		return s.breakpoint(p), action{}
	case 'q', 'Q':
		return s.query(p)
	case 'v':
		return s.vPacket(p)
	}
	return "", action{}
}

// readMem reads guest-virtual memory page by page and stops at the first
// unmapped page (gdb accepts a short read).
func (s *Stub) readMem(addr, n uint64) []byte {
	out := make([]byte, 0, n)
	for n > 0 {
		k := min(n, 4096-addr%4096)
		b := make([]byte, k)
		if err := s.m.ReadVirtCPU(s.cl.cpu, addr, b); err != nil {
			break
		}
		out = append(out, b...)
		addr += k
		n -= k
	}
	return out
}

// writeMem writes guest-virtual memory as the host (all pages checked
// first: nothing is written when one is unmapped).
func (s *Stub) writeMem(addr uint64, b []byte) string {
	if len(b) == 0 {
		return "OK"
	}
	if err := s.m.WriteVirtCPU(s.cl.cpu, addr, b); err != nil {
		return errFault
	}
	return "OK"
}

// breakpoint handles Z/z packets: 0 and 1 are host breakpoints (no guest
// memory is written), 2-4 watchpoints.
func (s *Stub) breakpoint(p string) string {
	if len(p) < 4 || p[2] != ',' {
		return errInval
	}
	insert, typ := p[0] == 'Z', p[1]
	rest := p[3:]
	if i := strings.IndexByte(rest, ';'); i >= 0 { // conditions and commands: not supported
		rest = rest[:i]
	}
	addr, n, err := parseAddrLen(rest)
	if err != nil {
		return errInval
	}
	switch typ {
	case '0', '1':
		if insert {
			s.bps[addr]++
			s.hwbps[addr] = typ == '1'
			s.m.SetBreakpoint(addr)
		} else if s.bps[addr] > 0 {
			if s.bps[addr]--; s.bps[addr] == 0 {
				delete(s.bps, addr)
				delete(s.hwbps, addr)
				s.m.ClearBreakpoint(addr)
			}
		}
		return "OK"
	case '2', '3', '4':
		if n == 0 || n > 1<<20 || addr+n < addr {
			return errInval
		}
		w := watchpoint{addr: addr, n: n, kind: typ}
		if insert {
			s.watches = append(s.watches, w)
		} else {
			for i, x := range s.watches {
				if x == w {
					s.watches = append(s.watches[:i], s.watches[i+1:]...)
					break
				}
			}
		}
		s.m.ClearWatchpoints()
		for _, x := range s.watches {
			s.m.AddWatchpoint(x.addr, x.n, x.kind != '2', x.kind != '3')
		}
		return "OK"
	}
	return ""
}

// query handles q and Q packets.
func (s *Stub) query(p string) (string, action) {
	name, args, _ := strings.Cut(p, ":")
	switch {
	case name == "qSupported":
		for _, f := range strings.Split(args, ";") {
			if strings.HasSuffix(f, "+") {
				s.cl.feats[strings.TrimSuffix(f, "+")] = true
			}
		}
		r := fmt.Sprintf("PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+;vContSupported+;QStartNoAckMode+", MaxPacket)
		if s.opts.Recorder != nil {
			r += ";ReverseStep+;ReverseContinue+"
		}
		return r, action{}
	case name == "QStartNoAckMode":
		s.cl.pendingNoAck = true
		return "OK", action{}
	case name == "qXfer" && strings.HasPrefix(args, "features:read:"):
		annex, rng, ok := strings.Cut(strings.TrimPrefix(args, "features:read:"), ":")
		if !ok || annex != "target.xml" {
			return "E00", action{}
		}
		off, n, err := parseAddrLen(rng)
		if err != nil {
			return errInval, action{}
		}
		if off >= uint64(len(targetXML)) {
			return "l", action{}
		}
		chunk := targetXML[off:]
		if uint64(len(chunk)) > n {
			return "m" + chunk[:n], action{}
		}
		return "l" + chunk, action{}
	case name == "qfThreadInfo":
		var ids []string
		for i := range numCPUs(s.m) {
			ids = append(ids, fmt.Sprintf("%x", i+1))
		}
		return "m" + strings.Join(ids, ","), action{}
	case name == "qsThreadInfo":
		return "l", action{}
	case name == "qC":
		return fmt.Sprintf("QC%x", s.cl.cpu+1), action{}
	case name == "qAttached":
		return "1", action{}
	case strings.HasPrefix(p, "qThreadExtraInfo,"):
		t, err := parseThread(strings.TrimPrefix(p, "qThreadExtraInfo,"))
		if err != nil || t < 1 || t > numCPUs(s.m) {
			return errInval, action{}
		}
		c := vcpu(s.m, t-1)
		return hex.EncodeToString(fmt.Appendf(nil, "vCPU %d, %d-bit, CPL %d", t-1, c.Mode(), c.CPL)), action{}
	case strings.HasPrefix(p, "qRcmd,"):
		cmd, err := decodeHex(strings.TrimPrefix(p, "qRcmd,"))
		if err != nil {
			return errInval, action{}
		}
		return s.monitor(string(cmd)), action{}
	case name == "qSymbol":
		return "OK", action{}
	case name == "qOffsets":
		// The kernel runs above its link address (kaslr); gdb moves the
		// ELF's symbols by what the guest reported. gdb asks once, when it
		// attaches: before the kernel has reported its base (-S holds the
		// machine at its first instruction) the slide comes from a copy of
		// the machine run ahead to the report, so that a breakpoint set by
		// symbol before `continue` stops where the code will run. The boot
		// code that runs before the image moves is then not at its symbols.
		sl := s.m.Symbols().KernelSlide()
		if !s.m.Symbols().KernelBaseKnown() && s.aheadOK {
			sl, s.told = s.aheadSlide, true
		}
		if sl != 0 {
			return fmt.Sprintf("Text=%x;Data=%x;Bss=%x", sl, sl, sl), action{}
		}
		return "", action{}
	}
	return "", action{}
}

// monitor runs a monitor command and sends its output as console output
// packets; the final reply is OK (or an error code, after the message).
func (s *Stub) monitor(cmd string) string {
	var out string
	var err error
	if s.opts.Monitor == nil {
		err = fmt.Errorf("no monitor commands in this session")
	} else {
		out, err = s.safeMonitor(cmd)
	}
	if err != nil {
		out += "error: " + err.Error() + "\n"
	}
	for len(out) > 0 {
		n := min(len(out), MaxPacket/2-8)
		s.cl.send("O" + hex.EncodeToString([]byte(out[:n])))
		out = out[n:]
	}
	if err != nil {
		return "E01"
	}
	return "OK"
}

// safeMonitor runs the monitor callback; a panic in it is an error, not a
// crash of the machine.
func (s *Stub) safeMonitor(cmd string) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("monitor %q failed: %v", cmd, r)
		}
	}()
	return s.opts.Monitor(s.cl.cpu, cmd)
}

// vPacket handles v packets: vCont, vKill, vMustReplyEmpty.
func (s *Stub) vPacket(p string) (string, action) {
	switch {
	case p == "vCont?":
		return "vCont;c;C;s;S;t", action{}
	case strings.HasPrefix(p, "vCont;"):
		return s.vCont(strings.TrimPrefix(p, "vCont;"))
	case strings.HasPrefix(p, "vKill"):
		return "OK", action{kind: actKill}
	}
	return "", action{}
}

// vCont picks the action for the selected vCPU: the first action whose
// thread matches it, or the default (no thread).
func (s *Stub) vCont(args string) (string, action) {
	me := s.cl.cpu + 1
	var chosen byte
	for _, a := range strings.Split(args, ";") {
		verb, th, hasTh := strings.Cut(a, ":")
		if verb == "" {
			return errInval, action{}
		}
		v := verb[0]
		switch v {
		case 'c', 's', 't':
			if len(verb) != 1 {
				return errInval, action{}
			}
		case 'C', 'S':
			if _, err := parseHex(verb[1:]); err != nil {
				return errInval, action{}
			}
			v += 'a' - 'A'
		default:
			return errInval, action{}
		}
		if hasTh {
			t, err := parseThread(th)
			if err != nil {
				return errInval, action{}
			}
			if t != me && t != -1 && t != 0 {
				continue
			}
		}
		if chosen == 0 {
			chosen = v
		}
	}
	switch chosen {
	case 'c':
		return "", action{kind: actContinue}
	case 's':
		return "", action{kind: actStep}
	case 't', 0:
		// Stop (or nothing for this vCPU): the machine is stopped already.
		return fmt.Sprintf("T00thread:%02x;", me), action{}
	}
	return errInval, action{}
}
