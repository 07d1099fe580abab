package debug

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kppemu/kppemu/cpu"
	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/kernel/abi"
)

// breakpoint is a user breakpoint at a linear address.
type breakpoint struct {
	id    int
	addr  uint64
	spec  string // as typed
	cond  node   // nil: always
	condS string
	temp  bool
	hits  int
	// pending: set in the kernel image before the kernel reported its
	// base; addr is a link address (where the boot code runs before it
	// moves the image) and moves with the image when the base arrives.
	pending bool
}

// watchpoint is a user watchpoint.
type watchpoint struct {
	id          int
	addr, n     uint64
	read, write bool
	hits        int
	// pending: set in the kernel image before the kernel reported its
	// base; armed only then, at the image's new place (what the boot
	// code writes at the link addresses is the image being relocated).
	pending bool
}

// maxSteps bounds one stepi/nexti count.
const maxSteps = 1 << 32

// parseCount reads an optional positive count.
func parseCount(args string, def uint64) (uint64, error) {
	if args == "" {
		return def, nil
	}
	v, err := parseNumber(args)
	if err != nil || v == 0 || v > maxSteps {
		return 0, fmt.Errorf("bad count %q (want a number from 1 to %d)", args, uint64(maxSteps))
	}
	return v, nil
}

// rip is the linear address of the next instruction.
func (s *Session) rip() uint64 { return s.cpu().LinearRIP() }

// syncBreakpoints makes the machine's breakpoints the union of the user's
// and the internal ones.
func (s *Session) syncBreakpoints() {
	want := map[uint64]bool{}
	for _, b := range s.bps {
		want[b.addr] = true
	}
	for a := range s.internal {
		want[a] = true
	}
	for a := range s.hostBPs {
		if !want[a] {
			s.m.ClearBreakpoint(a)
			delete(s.hostBPs, a)
		}
	}
	for a := range want {
		if !s.hostBPs[a] {
			s.m.SetBreakpoint(a)
			s.hostBPs[a] = true
		}
	}
}

// syncWatchpoints puts the user's watchpoints on the machine.
func (s *Session) syncWatchpoints() {
	s.m.ClearWatchpoints()
	for _, w := range s.watches {
		if w.pending {
			continue
		}
		s.m.AddWatchpoint(w.addr, w.n, w.read, w.write)
	}
}

// step executes one instruction, also when RIP sits on a breakpoint that
// has not stopped the machine yet (after `set rip`).
func (s *Session) step() emu.Stop {
	if s.trace != nil {
		s.traceLine()
	}
	before := s.cpu().Instret
	st := s.rec.StepCPU(s.sel)
	if st.Reason == emu.StopBreakpoint && s.cpu().Instret == before {
		st = s.rec.StepCPU(s.sel)
	}
	if s.placedStop(st) {
		st = emu.Stop{Reason: emu.StopStep, Time: st.Time, CPU: s.sel}
	}
	if st.Reason == emu.StopIdle {
		// HLT with interrupts on: let time pass to the next interrupt.
		st = s.rec.Run(s.m.Now() + 1)
		if st.Reason == emu.StopTimeLimit {
			st = emu.Stop{Reason: emu.StopStep, Time: s.m.Now(), CPU: s.sel}
		}
	}
	return st
}

// stepped reports whether a step's stop lets stepping go on.
func stepped(st emu.Stop) bool { return st.Reason == emu.StopStep }

func (s *Session) cmdStep(args string) error {
	n, err := parseCount(args, 1)
	if err != nil {
		return err
	}
	var st emu.Stop
	for i := uint64(0); i < n; i++ {
		st = s.step()
		if !stepped(st) {
			break
		}
		if i&0xFFF == 0xFFF {
			s.poll()
		}
	}
	s.reportStop(st)
	return nil
}

// callLen returns the length of the CALL at RIP (0 when it is not a call).
func (s *Session) callLen() int {
	b := make([]byte, 15)
	n := s.readVirtPartial(s.rip(), b)
	if n == 0 {
		return 0
	}
	in, err := decode(b[:n], s.cpu().Mode())
	if err != nil || !isCall(in) {
		return 0
	}
	return in.Len
}

func (s *Session) cmdNext(args string) error {
	n, err := parseCount(args, 1)
	if err != nil {
		return err
	}
	var st emu.Stop
	for i := uint64(0); i < n; i++ {
		if l := s.callLen(); l > 0 {
			ret := s.rip() + uint64(l)
			sp := s.cpu().GPR[cpu.RSP]
			st = s.runTo(ret, func() bool { return s.cpu().GPR[cpu.RSP] >= sp })
		} else {
			st = s.step()
		}
		if !stepped(st) {
			break
		}
	}
	s.reportStop(st)
	return nil
}

func (s *Session) cmdContinue(args string) error {
	if args != "" {
		return fmt.Errorf("continue takes no arguments (got %q)", args)
	}
	s.reportStop(s.cont(nil))
	return nil
}

func (s *Session) cmdUntil(args string) error {
	if args == "" {
		return errors.New("usage: until ADDR|SYM")
	}
	a, err := s.codeAddr(args)
	if err != nil {
		return err
	}
	s.reportStop(s.runTo(a, nil))
	return nil
}

// frameReturn finds the current function's return address and the stack
// pointer above its frame: at the entry (push rbp not executed yet) the
// return address is at [rsp], right after push rbp at [rsp+8], and in the
// body at [rbp+8].
func (s *Session) frameReturn() (ret, above uint64, err error) {
	c := s.cpu()
	rip, rsp, rbp := s.rip(), c.GPR[cpu.RSP], c.GPR[cpu.RBP]
	slot := rbp + 8
	if _, sym, hasSym, ok := s.m.Symbols().Where(rip); ok && hasSym {
		var first [1]byte
		switch {
		case rip == sym.Addr:
			slot = rsp // nothing pushed yet, frame pointer or not
		case rip == sym.Addr+1 && s.readVirt(sym.Addr, first[:]) == nil && first[0] == 0x55:
			slot = rsp + 8 // after push rbp
		}
	}
	ret, err = s.readU64(slot)
	if err != nil {
		return 0, 0, fmt.Errorf("finish: cannot read the return address at %#x: %w", slot, err)
	}
	return ret, slot + 8, nil
}

func (s *Session) cmdFinish(string) error {
	ret, above, err := s.frameReturn()
	if err != nil {
		return err
	}
	s.printf("Run till exit to %s\n", s.name(ret))
	st := s.runTo(ret, func() bool { return s.cpu().GPR[cpu.RSP] >= above })
	s.reportStop(st)
	if stepped(st) {
		s.printf("Value returned: rax = %#x\n", s.cpu().GPR[cpu.RAX])
	}
	return nil
}

// runTo runs until an internal breakpoint at addr is hit with done() true
// (nil: always); user breakpoints and other stops end it too. A stop at
// addr is reported as StopStep.
func (s *Session) runTo(addr uint64, done func() bool) emu.Stop {
	s.internal[addr]++
	s.syncBreakpoints()
	defer func() {
		if s.internal[addr]--; s.internal[addr] <= 0 {
			delete(s.internal, addr)
		}
		s.syncBreakpoints()
	}()
	return s.cont(func() bool {
		return s.rip() == addr && (done == nil || done())
	})
}

// cont runs until a user breakpoint whose condition holds, a watchpoint,
// another stop of the machine, or an internal stop (at says so).
func (s *Session) cont(at func() bool) emu.Stop {
	if s.trace != nil {
		return s.contTraced(at)
	}
	// Leave a breakpoint we stand on: the CPU ignores it for one instruction.
	// With several processors, an internal stop is the stepping
	// processor's only; a user breakpoint selects the processor that hit it.
	for {
		st := s.rec.Run(emu.Forever)
		if s.placedStop(st) {
			continue
		}
		if st.Reason != emu.StopBreakpoint {
			return st
		}
		if at != nil && st.CPU == s.sel && at() {
			return emu.Stop{Reason: emu.StopStep, Time: st.Time, CPU: s.sel}
		}
		prev := s.sel
		s.sel = st.CPU
		if s.userBreak() {
			return st
		}
		s.sel = prev
	}
}

// contTraced is cont one instruction at a time, tracing each.
func (s *Session) contTraced(at func() bool) emu.Stop {
	for i := 0; ; i++ {
		st := s.step()
		if i&0xFFF == 0xFFF {
			s.poll()
		}
		switch st.Reason {
		case emu.StopStep:
			if at != nil && s.hostBPs[s.rip()] && at() {
				return st
			}
			continue
		case emu.StopBreakpoint:
			if at != nil && at() {
				return emu.Stop{Reason: emu.StopStep, Time: st.Time, CPU: s.sel}
			}
			if s.userBreak() {
				return st
			}
			continue
		}
		return st
	}
}

// userBreak decides whether the machine, stopped at a host breakpoint,
// stops for the user: a breakpoint there whose condition holds. It counts
// the hit and deletes a temporary breakpoint.
func (s *Session) userBreak() bool {
	rip := s.rip()
	for i, b := range s.bps {
		if b.addr != rip {
			continue
		}
		if b.cond != nil {
			v, err := b.cond.eval(s)
			if err != nil {
				s.printf("Breakpoint %d: condition %q: %v (stopping)\n", b.id, b.condS, err)
			} else if v == 0 {
				continue
			}
		}
		b.hits++
		if b.temp {
			s.bps = append(s.bps[:i:i], s.bps[i+1:]...)
			s.syncBreakpoints()
			s.printf("Temporary breakpoint %d, %s%s\n", b.id, s.name(rip), s.onCPU())
		} else {
			s.printf("Breakpoint %d, %s%s\n", b.id, s.name(rip), s.onCPU())
		}
		return true
	}
	return false
}

// reportStop prints why the machine stopped and where it is.
func (s *Session) reportStop(st emu.Stop) {
	s.lastStop, s.stopped = st, true
	defer func() { s.bugStop = false }()
	switch st.Reason {
	case emu.StopBreakpoint, emu.StopWatchpoint, emu.StopTripleFault, emu.StopError:
		// The processor whose instruction stopped the machine.
		if st.CPU >= 0 && st.CPU < len(s.m.CPUs) {
			s.sel = st.CPU
		}
	}
	if s.smp() && st.Diag != "" && !strings.HasPrefix(st.Diag, "cpu ") {
		st.Diag = fmt.Sprintf("cpu %d: %s", st.CPU, st.Diag)
	}
	switch st.Reason {
	case emu.StopStep, emu.StopBreakpoint:
	case emu.StopWatchpoint:
		// The diagnosis names the accessed address: count the watchpoint
		// that holds it.
		id := 0
		if _, rest, ok := strings.Cut(st.Diag, " at "); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				if a, err := strconv.ParseUint(f[0], 0, 64); err == nil {
					for _, w := range s.watches {
						if a >= w.addr && a < w.addr+w.n {
							w.hits++
							id = w.id
							break
						}
					}
				}
			}
		}
		if id != 0 {
			s.printf("Watchpoint %d: %s\n", id, s.nameDiag(st.Diag))
		} else {
			s.printf("Watchpoint: %s\n", s.nameDiag(st.Diag))
		}
	case emu.StopRequested:
		if s.bugStop {
			bc, _ := s.m.BugCheck()
			s.printf("The guest bug-checked at %d ns: %s\n(analyze explains it; continue shows the stop screen)\n", bc.Time, FormatBugCheck(bc))
		} else {
			s.printf("Interrupted at %d ns\n", st.Time)
		}
	case emu.StopDebugExit:
		s.printf("The guest wrote isa-debug-exit: exit status %d\n", st.Status)
	case emu.StopDeadHalt:
		if bc, ok := s.m.BugCheck(); ok {
			s.printf("The guest bug-checked: %s (analyze explains it)\n", FormatBugCheck(bc))
		} else {
			s.printf("Stopped: %s\n", st.Diag)
		}
	default:
		s.printf("Stopped: %s\n", st)
	}
	s.printWhere()
}

// nameDiag names the hex addresses of a CPU diagnosis.
func (s *Session) nameDiag(d string) string {
	f := strings.Fields(d)
	for i, w := range f {
		if strings.HasPrefix(w, "0x") {
			if v, err := strconv.ParseUint(w, 0, 64); err == nil {
				if n := s.name(v); strings.Contains(n, "!") || strings.Contains(n, "+") {
					f[i] = w + " <" + n + ">"
				}
			}
		}
	}
	return strings.Join(f, " ")
}

// printWhere prints the next instruction (with several processors, on
// which one).
func (s *Session) printWhere() {
	rip := s.rip()
	line, _ := s.disasLine(rip, true)
	if s.smp() {
		s.printf("[cpu %d] ", s.sel)
	}
	s.printf("%s\n", line)
}

// onCPU names the selected processor on a machine with several.
func (s *Session) onCPU() string {
	if !s.smp() {
		return ""
	}
	return fmt.Sprintf(" on cpu %d", s.sel)
}

func (s *Session) cmdBreak(args string) error  { return s.addBreak(args, false) }
func (s *Session) cmdTbreak(args string) error { return s.addBreak(args, true) }

func (s *Session) addBreak(args string, temp bool) error {
	if args == "" {
		return errors.New("usage: break ADDR|SYM[+OFF] [if EXPR]")
	}
	spec, condS := args, ""
	if i := strings.Index(args, " if "); i >= 0 {
		spec, condS = strings.TrimSpace(args[:i]), strings.TrimSpace(args[i+4:])
	} else if strings.HasSuffix(args, " if") {
		return errors.New("break: `if` needs an expression")
	}
	a, err := s.codeAddr(spec)
	if err != nil {
		return err
	}
	var cond node
	if condS != "" {
		if cond, err = parseExpr(condS); err != nil {
			return err
		}
	}
	b := &breakpoint{id: s.nextID, addr: a, spec: spec, cond: cond, condS: condS, temp: temp, pending: s.inUnplacedKernel(a)}
	s.nextID++
	s.bps = append(s.bps, b)
	s.syncBreakpoints()
	kind := "Breakpoint"
	if temp {
		kind = "Temporary breakpoint"
	}
	s.printf("%s %d at %#x <%s>", kind, b.id, a, s.name(a))
	if condS != "" {
		s.printf(" if %s", condS)
	}
	if b.pending {
		s.printf(" (pending: moves with the kernel's base when the kernel reports it)")
	}
	s.printf("\n")
	return nil
}

// inUnplacedKernel reports whether a lies in the kernel image's link
// addresses while the kernel has not reported where it runs: the image
// may move away from there (kaslr) once it has started.
func (s *Session) inUnplacedKernel(a uint64) bool {
	r := s.m.Symbols()
	start, end := r.KernelLinkRange()
	return !r.KernelBaseKnown() && r.KernelReportsBase() && start < end && a >= start && a < end
}

// kernelPlaced moves the pending breakpoints by the slide the kernel just
// reported, so that a breakpoint set by symbol before boot stops where
// that code runs now.
func (s *Session) kernelPlaced() {
	slide := s.m.Symbols().KernelSlide()
	for _, b := range s.bps {
		if !b.pending {
			continue
		}
		b.pending = false
		if slide == 0 {
			continue
		}
		b.addr += slide
		s.printf("Breakpoint %d moved with the kernel's base to %#x <%s>\n", b.id, b.addr, s.name(b.addr))
	}
	for _, w := range s.watches {
		if !w.pending {
			continue
		}
		w.pending = false
		if slide == 0 {
			continue
		}
		w.addr += slide
		s.printf("Watchpoint %d armed at the kernel's base: [%#x, %#x) <%s>\n", w.id, w.addr, w.addr+w.n, s.name(w.addr))
	}
	s.syncBreakpoints()
	s.syncWatchpoints()
}

// placedStop handles a stop that only served to move the pending
// breakpoints (the kernel reported its base): it moves them and reports
// whether the stop is otherwise nothing.
func (s *Session) placedStop(st emu.Stop) bool {
	if !s.placing {
		return false
	}
	s.placing = false
	s.kernelPlaced()
	return st.Reason == emu.StopRequested && !s.bugStop
}

// codeAddr resolves a breakpoint location and checks that it can hold an
// instruction: mapped and executable now, or (before the kernel maps
// itself) inside the kernel file's executable segments.
func (s *Session) codeAddr(spec string) (uint64, error) {
	a, err := s.evalAddr(spec)
	if err != nil {
		return 0, err
	}
	w, werr := s.walk(a)
	switch {
	case werr == nil && w.nx:
		return 0, fmt.Errorf("%#x <%s> is not executable (the page is NX)", a, s.name(a))
	case werr == nil:
		return a, nil
	case inRanges(s.execRange, a):
		return a, nil // the kernel's text, not mapped yet
	}
	return 0, fmt.Errorf("%#x <%s> is not mapped: %v", a, s.name(a), werr)
}

func (s *Session) cmdDelete(args string) error {
	if args == "" {
		s.bps, s.watches = nil, nil
		s.syncBreakpoints()
		s.syncWatchpoints()
		return nil
	}
	var ids []int
	for _, f := range strings.Fields(args) {
		id, err := strconv.Atoi(f)
		if err != nil {
			return fmt.Errorf("delete: %q is not a breakpoint number", f)
		}
		if !s.hasID(id) {
			return fmt.Errorf("delete: no breakpoint or watchpoint %d", id)
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		for i, b := range s.bps {
			if b.id == id {
				s.bps = append(s.bps[:i:i], s.bps[i+1:]...)
				break
			}
		}
		for i, w := range s.watches {
			if w.id == id {
				s.watches = append(s.watches[:i:i], s.watches[i+1:]...)
				break
			}
		}
	}
	s.syncBreakpoints()
	s.syncWatchpoints()
	return nil
}

func (s *Session) hasID(id int) bool {
	for _, b := range s.bps {
		if b.id == id {
			return true
		}
	}
	for _, w := range s.watches {
		if w.id == id {
			return true
		}
	}
	return false
}

// maxWatchLen bounds one watchpoint's range.
const maxWatchLen = 1 << 20

func (s *Session) cmdWatch(args string) error {
	f := strings.Fields(args)
	if len(f) < 2 || len(f) > 3 {
		return errors.New("usage: watch r|w|rw ADDR [LEN]")
	}
	w := &watchpoint{n: 8}
	switch f[0] {
	case "r":
		w.read = true
	case "w":
		w.write = true
	case "rw", "a":
		w.read, w.write = true, true
	default:
		return fmt.Errorf("watch: %q is not r, w or rw", f[0])
	}
	a, err := s.evalAddr(f[1])
	if err != nil {
		return err
	}
	if len(f) == 3 {
		n, err := s.evalAddr(f[2])
		if err != nil {
			return err
		}
		if n == 0 || n > maxWatchLen {
			return fmt.Errorf("watch: length %d is outside [1, %d]", n, maxWatchLen)
		}
		w.n = n
	}
	if a+w.n < a {
		return fmt.Errorf("watch: [%#x, +%d) wraps around", a, w.n)
	}
	w.addr, w.id, w.pending = a, s.nextID, s.inUnplacedKernel(a)
	s.nextID++
	s.watches = append(s.watches, w)
	s.syncWatchpoints()
	s.printf("Watchpoint %d: %s [%#x, %#x) <%s>", w.id, f[0], a, a+w.n, s.name(a))
	if w.pending {
		s.printf(" (pending: armed at the kernel's base when the kernel reports it)")
	}
	s.printf("\n")
	return nil
}

func (s *Session) infoBreak() error {
	if len(s.bps) == 0 && len(s.watches) == 0 {
		s.printf("No breakpoints or watchpoints.\n")
		return nil
	}
	s.printf("Num  Type        Address             Hits  What\n")
	for _, b := range s.bps {
		kind := "breakpoint"
		if b.temp {
			kind = "tbreakpoint"
		}
		s.printf("%-4d %-11s 0x%016x  %-4d  %s", b.id, kind, b.addr, b.hits, s.name(b.addr))
		if b.condS != "" {
			s.printf(" if %s", b.condS)
		}
		if b.pending {
			s.printf(" (pending: moves with the kernel's base)")
		}
		s.printf("\n")
	}
	for _, w := range s.watches {
		kind := map[[2]bool]string{{true, false}: "read watch", {false, true}: "watch", {true, true}: "acc watch"}[[2]bool{w.read, w.write}]
		s.printf("%-4d %-11s 0x%016x  %-4d  %d bytes <%s>", w.id, kind, w.addr, w.hits, w.n, s.name(w.addr))
		if w.pending {
			s.printf(" (pending: armed at the kernel's base)")
		}
		s.printf("\n")
	}
	return nil
}

func (s *Session) cmdTrace(args string) error {
	f := strings.Fields(args)
	if len(f) == 0 || len(f) > 2 || (f[0] != "on" && f[0] != "off") || (f[0] == "off" && len(f) > 1) {
		return errors.New("usage: trace on [FILE] | trace off")
	}
	if f[0] == "off" {
		s.traceOff()
		s.printf("Tracing off.\n")
		return nil
	}
	if len(f) == 2 {
		file, err := os.Create(f[1])
		if err != nil {
			return err
		}
		s.traceOff()
		s.trace, s.traceFile = file, file
		s.printf("Tracing to %s.\n", f[1])
		return nil
	}
	s.traceOff()
	s.trace = consoleWriter{s}
	s.printf("Tracing to the console.\n")
	return nil
}

// consoleWriter writes to the output of the command running now.
type consoleWriter struct{ s *Session }

func (c consoleWriter) Write(p []byte) (int, error) { return c.s.out.Write(p) }

func (s *Session) traceOff() {
	if s.traceFile != nil {
		s.traceFile.Close()
	}
	s.trace, s.traceFile = nil, nil
}

// traceLine writes the instruction about to execute: time, RIP, symbol,
// disassembly.
func (s *Session) traceLine() {
	rip := s.rip()
	text, _ := s.disasText(rip)
	fmt.Fprintf(s.trace, "%12d 0x%016x %-40s %s\n", s.m.Now(), rip, s.name(rip), text)
}

func (s *Session) cmdRecord(args string) error {
	switch args {
	case "on":
		if err := s.recordOn(); err != nil {
			return err
		}
		s.printf("Recording from %d ns.\n", s.m.Now())
	case "off":
		s.recordOff()
		s.printf("Recording off.\n")
	case "":
		if s.on {
			s.printf("Recording is on.\n")
		} else {
			s.printf("Recording is off.\n")
		}
	default:
		return errors.New("usage: record on|off")
	}
	return nil
}

func (s *Session) cmdReverseStep(args string) error {
	n, err := parseCount(args, 1)
	if err != nil {
		return err
	}
	st, err := s.rec.ReverseStep(n)
	if err != nil {
		return err
	}
	if st.Reason == emu.StopStep || st.Reason == 0 && st.Time == 0 {
		st = emu.Stop{Reason: emu.StopStep, Time: s.m.Now()}
	}
	s.reportStop(st)
	return nil
}

func (s *Session) cmdReverseContinue(string) error {
	st, err := s.rec.ReverseContinue()
	if err != nil {
		return err
	}
	s.reportStop(st)
	return nil
}

func (s *Session) cmdWhoWrote(args string) error {
	f := strings.Fields(args)
	if len(f) == 0 || len(f) > 2 {
		return errors.New("usage: whowrote ADDR [LEN]")
	}
	a, err := s.evalAddr(f[0])
	if err != nil {
		return err
	}
	n := uint64(1)
	if len(f) == 2 {
		if n, err = s.evalAddr(f[1]); err != nil {
			return err
		}
		if n == 0 || n > 4096 {
			return fmt.Errorf("whowrote: length %d is outside [1, 4096]", n)
		}
	}
	w, err := s.rec.WhoWrote(a, n)
	if err != nil {
		return err
	}
	s.printf("%s", s.formatWrite(a, w))
	return nil
}

// idle paces the guest's idle time on a terminal (so that a shell waiting
// for input does not spin), waking for typed input or Ctrl-C; in scripts
// guest time skips to the next deadline at once.
func (s *Session) idle(now, next uint64, ok bool) (uint64, bool) {
	if !s.cfg.Interactive {
		return next, ok
	}
	d := time.Duration(50 * time.Millisecond)
	if ok && time.Duration(next-now) < d {
		d = time.Duration(next - now)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	start := time.Now()
	select {
	case <-s.wake:
		s.poll()
	case <-t.C:
	}
	return now + uint64(time.Since(start)), true
}

// env: registers, symbols and memory for expressions.

func (s *Session) reg(name string) (uint64, bool) {
	c := s.cpu()
	name = strings.ToLower(name)
	if i, ok := gprIndex[name]; ok {
		return c.GPR[i], true
	}
	if i, ok := gpr32Index[name]; ok {
		return c.GPR[i] & 0xFFFFFFFF, true
	}
	switch name {
	case "rip", "pc":
		return c.RIP, true
	case "eip":
		return c.RIP & 0xFFFFFFFF, true
	case "rflags", "eflags", "flags":
		return c.Snapshot().RFLAGS, true
	case "cr0":
		return c.CR0, true
	case "cr2":
		return c.CR2, true
	case "cr3":
		return c.CR3, true
	case "cr4":
		return c.CR4, true
	case "cr8":
		return c.CR8, true
	case "efer":
		return c.EFER, true
	case "cpl":
		return uint64(c.CPL), true
	case "fs_base":
		return c.Seg[cpu.FS].Base, true
	case "gs_base":
		return c.Seg[cpu.GS].Base, true
	case "kernel_gs_base":
		return c.KernelGSBase, true
	case "time":
		return s.m.Now(), true
	}
	if i, ok := segIndex[name]; ok {
		return uint64(c.Seg[i].Selector), true
	}
	return 0, false
}

var (
	gprIndex   = map[string]int{}
	gpr32Index = map[string]int{}
	gprNames   = [16]string{"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"}
	segNames   = [6]string{"es", "cs", "ss", "ds", "fs", "gs"}
	segIndex   = map[string]int{}
)

func init() {
	for i, n := range gprNames {
		gprIndex[n] = i
		if i < 8 {
			gpr32Index["e"+n[1:]] = i
		} else {
			gpr32Index[n+"d"] = i
		}
	}
	gprIndex["sp"], gprIndex["fp"] = cpu.RSP, cpu.RBP
	for i, n := range segNames {
		segIndex[n] = i
	}
}

func (s *Session) sym(name string) (uint64, error) {
	a, err := s.m.Symbols().Address(name)
	if err == nil {
		return a, nil
	}
	if errors.Is(err, errNoSym) || strings.Contains(err.Error(), "no symbol") || strings.Contains(err.Error(), "no driver") {
		msg := fmt.Sprintf("no symbol %q", name)
		if sug := suggest(name, s.symbolNames(), 3); len(sug) > 0 {
			msg += "; did you mean " + strings.Join(sug, ", ") + "?"
		}
		return 0, errors.New(msg)
	}
	return 0, err
}

var errNoSym = emu.ErrNoSymbol

func (s *Session) symbolNames() []string {
	names := s.m.Symbols().Names()
	names = append(names, gprNames[:]...)
	return names
}

func (s *Session) mem(addr uint64) (uint64, error) { return s.readU64(addr) }

// evalAddr evaluates an expression (a symbol, a register, arithmetic).
func (s *Session) evalAddr(src string) (uint64, error) { return evalExpr(src, s) }

// name renders an address as module!symbol+off (or hex). A driver the
// guest has not reported yet (its driver_entry is running) is found on
// the kernel's module list.
func (s *Session) name(a uint64) string {
	res := s.m.Symbols()
	if _, _, _, ok := res.Where(a); ok || a < abi.DriverAreaBase || a-abi.DriverAreaBase >= abi.DriverAreaSize {
		return res.Name(a)
	}
	if m, ok := s.guestModule(a); ok {
		if sym, found := m.Syms.Containing(a); found && sym.Addr >= m.Base {
			return fmt.Sprintf("%s!%s+%#x", m.Name, sym.Name, a-sym.Addr)
		}
		return fmt.Sprintf("%s+%#x", m.Name, a-m.Base)
	}
	return res.Name(a)
}

// guestModule finds the module holding a on the kernel's module list.
func (s *Session) guestModule(a uint64) (emu.Module, bool) {
	k, err := s.kdbg()
	if err != nil {
		return emu.Module{}, false
	}
	p, err := s.readU64(k[abi.KdbgModuleList])
	for n := 0; err == nil && p != 0 && n < maxListWalk; n++ {
		base, e1 := s.readU64(p + k[abi.KdbgModuleBaseOff])
		pages, e2 := s.readU64(p + k[abi.KdbgModulePagesOff])
		if e1 == nil && e2 == nil && a >= base && a-base < pages*4096 {
			name, err := s.readString(p+k[abi.KdbgModuleNameOff], int(min(k[abi.KdbgModuleNameMax], 256)))
			if err != nil {
				return emu.Module{}, false
			}
			name = strings.TrimSuffix(name, ".ko")
			key := fmt.Sprintf("%s@%#x", name, base)
			m, ok := s.guessed[key]
			if !ok {
				m = emu.Module{Name: name, Base: base, Size: pages * 4096}
				if obj := s.m.Symbols().Object(name); obj != nil {
					m.Syms, _ = emu.DriverSymbols(obj, base)
				}
				if s.guessed == nil {
					s.guessed = map[string]emu.Module{}
				}
				s.guessed[key] = m
			}
			return m, true
		}
		p, err = s.readU64(p + k[abi.KdbgModuleNextOff])
	}
	return emu.Module{}, false
}

// FormatBugCheck renders a bug-check event as Windows prints a stop code:
// the code, the parameters in parentheses and the code's name.
func FormatBugCheck(e emu.Event) string {
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
			fmt.Fprintf(&b, "0x%016x", a)
		}
		b.WriteString(")")
	}
	if n, ok := bugCheckNames[e.Args[0]]; ok {
		b.WriteString(" " + n)
	}
	return b.String()
}

var bugCheckNames = map[uint64]string{
	abi.BugManuallyInitiated:           "MANUALLY_INITIATED_CRASH",
	abi.BugUnexpectedKernelModeTrap:    "UNEXPECTED_KERNEL_MODE_TRAP",
	abi.BugKmodeExceptionNotHandled:    "KMODE_EXCEPTION_NOT_HANDLED",
	abi.BugPageFaultInNonpagedArea:     "PAGE_FAULT_IN_NONPAGED_AREA",
	abi.BugIrqlNotLessOrEqual:          "IRQL_NOT_LESS_OR_EQUAL",
	abi.BugCriticalStructureCorruption: "CRITICAL_STRUCTURE_CORRUPTION",
	abi.BugBadPoolCaller:               "BAD_POOL_CALLER",
}
