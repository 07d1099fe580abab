// Package cpu is the x86-64 processor core of kppemu (Intel SDM Vol. 1-3): registers, lazy
// flags, a decode cache of translated micro-ops, the execution loop, exception and
// interrupt delivery, system instructions, MSRs and CPUID. It runs real-address mode and
// 16-bit code (realmode.go: AP trampolines, real-mode test images, unreal mode), 16- and
// 32-bit protected mode, compatibility mode and 64-bit long mode.
//
// Files: cpu.go (CPU, Run loop), block.go (block dispatch), state.go (architectural State),
// decode.go (the only user of
// x86asm; translation registry and decode cache), flags.go (lazy flags), operand.go
// (register/memory/stack helpers), fault.go (Fault), exception.go (IDT delivery, #DF and
// triple fault), segments.go (descriptors), debugreg.go (DR0-DR7), msr.go, cpuid.go, and
// one file per instruction group: movs.go, basicalu.go, branch.go, stack.go, far.go (far
// transfers, IRET, INT, SYSCALL), flagsinstr.go, io.go, system.go; the integer and SSE
// groups (alu.go, shift.go, muldiv.go, bit.go, movx.go, xchg.go, string.go, sse*.go, ...)
// plug into the same registry.
//
// The run loop checks one pending-work word per instruction (interrupts, NMI, stop
// requests, single-step, interrupt shadow, breakpoints in the current page, halt, code
// and paging changes); otherwise it runs blocks of decoded instructions keyed by physical
// address and mode (block.go), one indirect call per instruction, chained to their
// successors.
package cpu

import (
	"fmt"
	"runtime/debug"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"
	"github.com/kppemu/kppemu/mmu"
)

// Bus is the port-I/O bus. size is 1, 2 or 4.
type Bus interface {
	In(port uint16, size int) uint32
	Out(port uint16, size int, v uint32)
}

// IntrController is the external interrupt controller: Ack is the INTA cycle and returns
// the vector of the pending external interrupt.
type IntrController interface{ Ack() uint8 }

// MSRHandler serves platform MSRs (IA32_APIC_BASE = 0x1B, the x2APIC registers, ...).
// HasMSR reports whether idx is one of them in the platform's configuration; for those,
// false from ReadMSR or WriteMSR is #GP(0).
type MSRHandler interface {
	HasMSR(idx uint32) bool
	ReadMSR(idx uint32) (uint64, bool)
	WriteMSR(idx uint32, v uint64) bool
}

// Config wires a CPU to its machine. Mem is required; the others may be nil.
type Config struct {
	Mem    *mmu.MMU
	IO     Bus
	Intr   IntrController
	MSR    MSRHandler
	Seed   uint64
	Logger hclog.Logger
	// APICID is the processor's initial APIC ID (CPUID.1:EBX[31:24]).
	APICID uint8
	// CPUs is the number of processors of the machine (0 counts as 1): the topology
	// CPUID reports (leaves 1, 0xB, 0x80000008) is one package of CPUs cores with one
	// thread each, as QEMU's -smp CPUs.
	CPUs int
	// X2APIC and TSCDeadline advertise the local APIC's x2APIC mode and TSC-deadline
	// timer (CPUID.1:ECX bits 21 and 24); the platform's APIC must implement them.
	X2APIC, TSCDeadline bool
	// Vendor selects the CPUID vendor string and the vendor-specific behaviours
	// (vendor.go); the zero value is Intel.
	Vendor Vendor
}

// ExitReason says why Run returned.
type ExitReason int

const (
	// ExitBudget: the instruction budget ran out, or an I/O write ended the slice early
	// (the machine recomputes its device deadlines and calls Run again).
	ExitBudget ExitReason = iota
	// ExitHalt: HLT with IF=1; a pending INTR or NMI wakes the CPU on the next Run.
	ExitHalt
	// ExitDeadHalt: HLT with IF=0 and nothing pending: only an NMI can wake it.
	ExitDeadHalt
	// ExitTripleFault: shutdown after a triple fault; Diag names the faults and RIPs.
	ExitTripleFault
	// ExitRequested: RequestExit was called.
	ExitRequested
	// ExitBreakpoint: RIP reached a host breakpoint; the instruction has not executed.
	ExitBreakpoint
	// ExitWatchpoint: an instruction touched a watched range; it has completed.
	ExitWatchpoint
	// ExitShutdown: the CPU stopped for another reason (internal error); Diag says why.
	ExitShutdown
)

var exitNames = [...]string{"budget", "halt", "dead-halt", "triple-fault", "requested", "breakpoint", "watchpoint", "shutdown"}

func (r ExitReason) String() string {
	if int(r) < len(exitNames) {
		return exitNames[r]
	}
	return fmt.Sprintf("ExitReason(%d)", int(r))
}

// Exit is the outcome of Run or Step.
type Exit struct {
	Reason ExitReason
	Diag   string
	Watch  WatchHit // the access that hit a watchpoint (ExitWatchpoint)
}

// WatchHit is a data access that touched a watched range.
type WatchHit struct {
	Addr  uint64 // linear address of the access
	Size  uint8  // bytes accessed
	Write bool   // a write (else a read)
	RIP   uint64 // the accessing instruction
}

// Bits of CPU.pending: the one word checked before every instruction.
const (
	pendIntr   = 1 << iota // INTR asserted and RFLAGS.IF=1
	pendNMI                // NMI pending and not blocked
	pendStop               // c.exit holds a reason to stop after this instruction
	pendReq                // RequestExit (set from any goroutine)
	pendTF                 // RFLAGS.TF=1: #DB after the next instruction
	pendShadow             // interrupt shadow for the next instruction
	pendBP                 // the current linear code page holds host breakpoints (markBP)
	pendHalt               // halted
	pendDRExec             // DR7 enables an instruction breakpoint
	pendDBTrap             // a data breakpoint fired: #DB trap before the next instruction
	pendResync             // paging, mode, privilege or code changed: leave the block (resync)
)

// CPU is one x86-64 logical processor. State is the architectural part; everything else is
// a cache or wiring.
type CPU struct {
	State

	mem   *mmu.MMU
	cfg   Config
	log   hclog.Logger
	lf    lazyFlags
	fault Fault // storage behind the *Fault the raise helpers return

	pending uint32 // pend* bits; written with atomics, read once per instruction
	exit    Exit   // reason for pendStop

	ip0     uint64 // RIP of the executing instruction
	noTrap  bool   // the instruction suppresses the single-step trap after it (INT n, MOV SS)
	mode    uint8  // decode mode: 32 or 64 (16 for 16-bit protected-mode code)
	long    bool   // 64-bit mode (EFER.LMA && CS.L)
	user    bool   // CPL == 3, for MMU access checks
	acChk   bool   // alignment checking on: CR0.AM && RFLAGS.AC && CPL == 3
	memSlow bool   // acChk || watchpoints: data accesses take the checking path
	ipMask  uint64 // RIP wrap mask: all ones in 64-bit mode, 0xFFFFFFFF otherwise

	// Decode cache (decode.go).
	pages map[uint64]*codePage
	// pageCache is a direct-mapped cache of pages by frame number in front of the map
	// (a page change costs a map lookup otherwise); flushDecode clears it with the map.
	pageCache [64]*codePage
	icLin     uint64    // linear page of the current code page, or icInvalid
	icPage    *codePage // decoded entries of that page
	icBase    uint64    // CS base added to RIP to form the linear fetch address
	decEpoch  uint32    // counts decode-cache flushes: a block link of another epoch is stale
	blockArena
	// The running block's start (runChain): RIP, Clock and Instret before its first step.
	blkRIP, blkClock, blkInstret uint64
	runLeft                      uint64 // the budget left to runChain
	// blkSSE is sseGate's answer for the running block (0 if it has no inline SSE steps).
	blkSSE uint8
	// lazyOp is the lazy block step being run (block.go), until syncLazy sets the state
	// it skipped; nil otherwise.
	lazyOp   *blockOp
	xmmTmp   [2]uint64 // an inline SSE step's m128 source (xmmSrcP)
	noBlocks bool      // SetBlockDispatch(false): one instruction per run-loop iteration
	accel    Accel     // execution tier (accel.go)
	jit      jitState
	udSeen   map[string]bool
	// quietUD: decoding ahead for a block; an undecodable instruction is not reported
	// (it is reported if it ever runs).
	quietUD bool

	// Host debugging.
	breakpoints map[uint64]bool
	bpPages     map[uint64]int // linear page -> number of breakpoints in it
	bpSkip      uint64         // linear RIP whose breakpoint the next instruction ignores (resume)
	bpSkipValid bool
	watches     []watch
	watchOn     bool

	dr drState // hardware breakpoints (debugreg.go)

	// tprHook mirrors CR8 writes to the local APIC TPR; tprView, when not nil, is the
	// APIC's TPR register (SetTPRView).
	tprHook func(tpr uint8)
	tprView *uint32
	// ferrHook drives the FERR# output (x87ferr.go).
	ferrHook func(level bool)
}

type watch struct {
	start, end  uint64 // [start, end)
	read, write bool
}

// New builds a CPU wired to cfg and resets it.
func New(cfg Config) *CPU {
	c := &CPU{mem: cfg.Mem, cfg: cfg, log: cfg.Logger}
	if c.log == nil {
		c.log = hclog.NewNullLogger()
	}
	c.pages = make(map[uint64]*codePage)
	c.udSeen = make(map[string]bool)
	c.breakpoints = make(map[uint64]bool)
	c.bpPages = make(map[uint64]int)
	if c.mem != nil {
		c.mem.SetCodeInvalidator(c.invalidateCode)
	}
	c.Reset()
	return c
}

// Reset puts the CPU in its power-on state, except that it starts in 32-bit protected mode
// with flat 4 GiB segments, CR0=PE|ET, paging off: the state a Multiboot loader builds
// on. InitReset gives the architectural INIT state (real mode, waiting for a SIPI).
func (c *CPU) Reset() {
	clock := c.Clock
	c.State = State{}
	c.Clock = clock
	c.RFLAGS = flagRsv1
	c.lf = lazyFlags{}
	c.CR0 = CR0PE | CR0ET
	c.MXCSR = 0x1F80
	c.FCW = 0x37F
	c.XCR0 = 1
	c.PAT = 0x0007040600070406
	c.MiscEnable = 1
	c.resetMTRRs()
	c.DR[6] = 0xFFFF0FF0
	c.DR[7] = 0x400
	for i := range c.Seg {
		c.Seg[i] = Segment{Limit: 0xFFFFFFFF, Attr: attrP | attrS | attrDB | attrG | 0x3} // data RW accessed
	}
	c.Seg[CS].Attr = attrP | attrS | attrDB | attrG | 0xB // code RX accessed
	c.GDTR.Limit = 0xFFFF
	c.IDTR.Limit = 0xFFFF
	c.LDTR = Segment{Attr: attrP | 2, Limit: 0xFFFF}
	c.TR = Segment{Attr: attrP | 0xB, Limit: 0xFFFF}
	c.RandState = c.cfg.Seed ^ 0x9E3779B97F4A7C15
	atomic.StoreUint32(&c.pending, 0)
	c.exit = Exit{}
	c.afterStateLoad()
}

// afterStateLoad recomputes every cache derived from State and drops decoded code.
func (c *CPU) afterStateLoad() {
	c.flushDecode()
	c.updateMode()
	c.user = c.CPL == 3
	c.updateAC()
	c.pushControl()
	c.syncPending()
	c.updateDR()
}

// pushControl hands the paging-relevant registers to the MMU.
func (c *CPU) pushControl() {
	if c.mem != nil {
		c.mem.SetControl(mmu.Control{CR0: c.CR0, CR3: c.CR3, CR4: c.CR4, EFER: c.EFER})
		c.mem.SetPKRU(c.PKRU)
	}
	c.resync()
}

// updateMode derives the decode mode from EFER.LMA and CS.L/CS.D; a change drops decoded code.
func (c *CPU) updateMode() {
	var m uint8 = 16
	c.long = false
	switch {
	case c.EFER&EFERLMA != 0 && c.Seg[CS].Attr&attrL != 0:
		m = 64
		c.long = true
	case c.Seg[CS].Attr&attrDB != 0:
		m = 32
	}
	if c.long {
		c.ipMask = ^uint64(0)
		c.icBase = 0
	} else {
		c.ipMask = 0xFFFFFFFF
		c.icBase = c.Seg[CS].Base
	}
	if m != c.mode {
		c.mode = m
		c.flushDecode()
	}
	c.resync()
}

// setCPL changes the current privilege level.
func (c *CPU) setCPL(cpl uint8) {
	c.CPL = cpl
	c.user = cpl == 3
	c.resync()
	c.updateAC()
}

// updateAC recomputes whether data accesses are alignment-checked (#AC).
func (c *CPU) updateAC() {
	c.acChk = c.CR0&CR0AM != 0 && c.RFLAGS&FlagAC != 0 && c.CPL == 3
	c.memSlow = c.acChk || c.watchOn || c.dr.any
}

// syncPending recomputes the pending bits that derive from State.
func (c *CPU) syncPending() {
	var set, clr uint32
	if c.INTRLine && c.RFLAGS&FlagIF != 0 {
		set |= pendIntr
	} else {
		clr |= pendIntr
	}
	if c.PendingNMI && !c.NMIBlocked {
		set |= pendNMI
	} else {
		clr |= pendNMI
	}
	if c.RFLAGS&FlagTF != 0 {
		set |= pendTF
	} else {
		clr |= pendTF
	}
	if c.IntrShadow {
		set |= pendShadow
	} else {
		clr |= pendShadow
	}
	if c.Halted {
		set |= pendHalt
	} else {
		clr |= pendHalt
	}
	// Most calls (POPF, CLI/STI, a device re-asserting its line) change nothing: the
	// atomic read-modify-writes are only needed when a bit flips.
	if p := atomic.LoadUint32(&c.pending); p&set == set && p&clr == 0 {
		return
	}
	atomic.AndUint32(&c.pending, ^clr)
	atomic.OrUint32(&c.pending, set)
}

func (c *CPU) setPending(bits uint32) { atomic.OrUint32(&c.pending, bits) }
func (c *CPU) clrPending(bits uint32) { atomic.AndUint32(&c.pending, ^bits) }

// stop ends the current Run after the current instruction with e (first reason wins).
func (c *CPU) stop(e Exit) {
	if atomic.LoadUint32(&c.pending)&pendStop == 0 {
		c.exit = e
		c.setPending(pendStop)
	}
}

// SetINTR sets the level of the INTR input (the interrupt controller's output). It is
// sampled between instructions when RFLAGS.IF=1.
func (c *CPU) SetINTR(level bool) {
	c.INTRLine = level
	c.syncPending()
}

// NMI latches a non-maskable interrupt.
func (c *CPU) NMI() {
	c.PendingNMI = true
	c.syncPending()
}

// RequestExit ends the current Run after the current instruction. Safe from any goroutine.
func (c *CPU) RequestExit() { atomic.OrUint32(&c.pending, pendReq) }

// SetBlockDispatch turns block dispatch (block.go) on (the default) or off. Off, every
// instruction is looked up on its own; the two must give the same execution, which the
// machine's tests compare.
func (c *CPU) SetBlockDispatch(on bool) { c.noBlocks = !on }

// SetTPRHook registers f to be called with the new TPR (CR8[3:0]) on every MOV to CR8, so
// the local APIC's TPR can mirror it.
func (c *CPU) SetTPRHook(f func(tpr uint8)) { c.tprHook = f }

// SetTPRView gives the CPU the local APIC's TPR register (bits 7:0), with the promise that
// the hook of SetTPRHook, called with v while the register holds v<<4, changes nothing
// (the APIC's outputs always follow its registers): a MOV to CR8 that leaves the TPR as
// it is then skips the hook, in both tiers.
func (c *CPU) SetTPRView(p *uint32) { c.tprView = p }

// Snapshot returns the architectural state (lazy flags materialised).
func (c *CPU) Snapshot() State {
	c.materialize()
	return c.State
}

// Restore loads s and drops every cache.
func (c *CPU) Restore(s State) {
	c.State = s
	c.lf = lazyFlags{}
	atomic.StoreUint32(&c.pending, 0)
	c.exit = Exit{}
	c.afterStateLoad()
}

// SetBreakpoint sets a host breakpoint at linear address rip (no guest memory is written).
func (c *CPU) SetBreakpoint(rip uint64) {
	if !c.breakpoints[rip] {
		c.breakpoints[rip] = true
		c.bpPages[rip&^0xFFF]++
	}
	c.icLin = icInvalid // the next instruction checks its page's marks
	c.clrPending(pendBP)
}

// ClearBreakpoint removes the host breakpoint at rip.
func (c *CPU) ClearBreakpoint(rip uint64) {
	if c.breakpoints[rip] {
		delete(c.breakpoints, rip)
		if c.bpPages[rip&^0xFFF]--; c.bpPages[rip&^0xFFF] <= 0 {
			delete(c.bpPages, rip&^0xFFF)
		}
	}
	c.icLin = icInvalid
	c.clrPending(pendBP)
}

// AddWatchpoint watches linear range [addr, addr+n) for reads and/or writes by instructions.
func (c *CPU) AddWatchpoint(addr, n uint64, read, write bool) {
	c.watches = append(c.watches, watch{addr, addr + n, read, write})
	c.watchOn = true
	c.updateAC()
}

// ClearWatchpoints removes every watchpoint.
func (c *CPU) ClearWatchpoints() {
	c.watches = nil
	c.watchOn = false
	c.updateAC()
}

func (c *CPU) checkWatch(addr uint64, size uint8, write bool) {
	end := addr + uint64(size)
	for _, w := range c.watches {
		if addr < w.end && end > w.start && (write && w.write || !write && w.read) {
			kind := "read"
			if write {
				kind = "write"
			}
			c.stop(Exit{Reason: ExitWatchpoint, Diag: fmt.Sprintf("%s of %d bytes at %#x by instruction at %#x", kind, size, addr, c.ip0),
				Watch: WatchHit{Addr: addr, Size: size, Write: write, RIP: c.ip0}})
			return
		}
	}
}

// Step executes one instruction (delivering a pending interrupt first, if any).
func (c *CPU) Step() Exit { return c.Run(1) }

// Run executes up to budget instructions. Clock and Instret advance by one per instruction.
// A guest can never make it panic: any internal error becomes ExitShutdown with a diagnosis.
func (c *CPU) Run(budget uint64) (ex Exit) {
	defer func() {
		if r := recover(); r != nil {
			c.lazyOp = nil
			ex = Exit{Reason: ExitShutdown, Diag: fmt.Sprintf("internal error at RIP %#x: %v\n%s", c.ip0, r, debug.Stack())}
			c.log.Error("cpu internal error", "rip", fmt.Sprintf("%#x", c.ip0), "err", r)
		}
	}()
	if c.bpSkipValid && c.bpSkip != c.RIP+c.icBase {
		c.bpSkipValid = false // the debugger moved RIP away from the breakpoint it stopped at
	}
	// Each iteration runs one instruction (or the service path's work), or a block of
	// them (block.go), and takes what it ran from the budget.
	for n := budget; n > 0; {
		if p := atomic.LoadUint32(&c.pending); p == pendResync && len(c.bpPages) == 0 {
			// Nothing to service: the page is translated again (which renews its
			// code mark) and the instruction runs on the block path.
			c.clrPending(pendResync)
			c.icLin = icInvalid
		} else if p != 0 {
			if len(c.bpPages) > 0 {
				c.markBP()
			}
			stop, done := c.service()
			if stop {
				return c.takeExit()
			}
			n--
			if !done {
				c.execOne()
			}
			continue
		}
		lin := c.RIP + c.icBase
		if lin&^0xFFF != c.icLin {
			if len(c.bpPages) > 0 && c.markBP() {
				continue // this page holds breakpoints: check every instruction
			}
			if !c.enterPage(lin) {
				n--
				c.execOne()
				continue
			}
		}
		var b *block
		if !c.noBlocks {
			b = c.blockAt(lin & 0xFFF)
		}
		if b == nil || b.ops[0].cnt > n {
			n--
			c.execOne()
			continue
		}
		if c.accel == AccelJIT {
			if m, ok := c.jitDispatch(b, n); ok {
				n = m
				continue
			}
		}
		n = c.runBlock(b, n)
	}
	if atomic.LoadUint32(&c.pending)&(pendStop|pendReq) != 0 {
		return c.takeExit()
	}
	return Exit{Reason: ExitBudget}
}

// takeExit returns and clears the stop reason.
func (c *CPU) takeExit() Exit {
	p := atomic.LoadUint32(&c.pending)
	if p&pendStop != 0 {
		e := c.exit
		c.exit = Exit{}
		c.clrPending(pendStop)
		return e
	}
	if p&pendReq != 0 {
		c.clrPending(pendReq)
		return Exit{Reason: ExitRequested}
	}
	return Exit{Reason: ExitBudget}
}

// service handles pending work before an instruction. stop: Run must return. done: an
// instruction was executed here (single-step and shadow paths).
func (c *CPU) service() (stop, done bool) {
	p := atomic.LoadUint32(&c.pending)
	if p&pendResync != 0 {
		c.clrPending(pendResync)
	}
	if p&(pendStop|pendReq) != 0 {
		return true, false
	}
	if p&pendBP != 0 {
		rip := c.LinearRIP()
		if c.breakpoints[rip] {
			if c.bpSkipValid && c.bpSkip == rip {
				c.bpSkipValid = false
			} else {
				c.bpSkip, c.bpSkipValid = rip, true
				c.stop(Exit{Reason: ExitBreakpoint, Diag: fmt.Sprintf("breakpoint at %#x", rip)})
				return true, false
			}
		}
	}
	if c.Shutdown {
		c.stop(Exit{Reason: ExitTripleFault, Diag: c.ShutdownMsg})
		return true, false
	}
	// A MOV SS / POP SS shadow holds back the data-breakpoint trap of the
	// load (and of the shadowed instruction) until after the instruction that
	// follows it (SDM Vol. 3A §6.8.3). When that instruction is INT n, INT3,
	// INTO or SYSCALL, the trap is therefore taken on the first instruction
	// of the handler it entered, as the SDM describes for debug exceptions
	// deferred by MOV SS / POP SS; INT1 reports it in its own #DB (int1).
	if p&pendDBTrap != 0 && !(p&pendShadow != 0 && c.SSShadow) {
		// Data breakpoints of the previous instruction: a trap, RIP at the next one.
		c.clrPending(pendDBTrap)
		c.DR[6] = c.DR[6]&^0xF | c.dr.trap
		c.dr.trap = 0
		c.ip0 = c.RIP
		if f := c.deliverEvent(VecDB, 0, false, evTrap); f != nil {
			c.exception(f)
		}
		return atomic.LoadUint32(&c.pending)&(pendStop|pendReq) != 0, true
	}
	if p&pendDRExec != 0 && !c.Halted {
		if c.RFLAGS&FlagRF != 0 {
			// RF suppresses instruction breakpoints for one instruction (the IRET target).
			c.RFLAGS &^= FlagRF
		} else if hit := c.execBreakpoint(c.RIP + c.icBase); hit != 0 {
			c.DR[6] = c.DR[6]&^0xF | hit
			c.ip0 = c.RIP
			c.RFLAGS |= FlagRF // the saved image resumes past the breakpoint
			f := c.deliverEvent(VecDB, 0, false, evException)
			c.RFLAGS &^= FlagRF
			if f != nil {
				c.exception(f)
			}
			return atomic.LoadUint32(&c.pending)&(pendStop|pendReq) != 0, true
		}
	}
	if p&pendShadow != 0 {
		// The instruction after STI / MOV SS runs with interrupts blocked.
		c.IntrShadow = false
		c.SSShadow = false
		c.clrPending(pendShadow)
		c.execTraced()
		return atomic.LoadUint32(&c.pending)&(pendStop|pendReq) != 0, true
	}
	if p&pendNMI != 0 {
		c.PendingNMI = false
		c.NMIBlocked = true
		c.wake()
		c.syncPending()
		c.ip0 = c.RIP
		if f := c.deliverEvent(VecNMI, 0, false, evNMI); f != nil {
			c.exception(f)
		}
	} else if p&pendIntr != 0 {
		c.wake()
		vec := uint8(0xFF)
		if c.cfg.Intr != nil {
			vec = c.cfg.Intr.Ack()
		}
		c.ip0 = c.RIP
		if f := c.deliverEvent(vec, 0, false, evExternal); f != nil {
			c.exception(f)
		}
	}
	if atomic.LoadUint32(&c.pending)&(pendStop|pendReq) != 0 {
		return true, false
	}
	if c.Halted {
		if c.RFLAGS&FlagIF != 0 {
			return c.haltExit(ExitHalt), false
		}
		return c.haltExit(ExitDeadHalt), false
	}
	if atomic.LoadUint32(&c.pending)&pendTF != 0 {
		c.execTraced()
		return atomic.LoadUint32(&c.pending)&(pendStop|pendReq) != 0, true
	}
	return false, false
}

func (c *CPU) haltExit(r ExitReason) bool {
	c.exit = Exit{Reason: r}
	c.setPending(pendStop)
	return true
}

func (c *CPU) wake() {
	if c.Halted {
		c.Halted = false
		c.clrPending(pendHalt)
	}
}

// execTraced executes one instruction and raises the single-step #DB trap after it when
// RFLAGS.TF was set before it (SDM Vol. 3B §17.3.1.4). INT n/INT3/INTO enter their
// handler with TF clear and report no trap; MOV SS/POP SS delay it by one instruction.
func (c *CPU) execTraced() {
	tf := c.RFLAGS&FlagTF != 0
	c.noTrap = false
	faulted := c.execOne()
	if tf && !faulted && !c.noTrap {
		c.DR[6] |= 1 << 14 // BS
		if atomic.LoadUint32(&c.pending)&pendDBTrap != 0 {
			// Data breakpoints hit by the same instruction (or held back by a
			// MOV SS shadow) are reported in the same #DB.
			c.clrPending(pendDBTrap)
			c.DR[6] = c.DR[6]&^0xF | c.dr.trap
			c.dr.trap = 0
		}
		if f := c.deliverEvent(VecDB, 0, false, evTrap); f != nil {
			c.exception(f)
		}
	}
}

// execOne fetches, decodes (through the cache) and executes one instruction; it reports
// whether the instruction raised an exception.
func (c *CPU) execOne() bool {
	c.ip0 = c.RIP
	c.Clock++
	c.Instret++
	u, f := c.fetch()
	if f != nil {
		c.exception(f)
		return true
	}
	c.RIP = (c.RIP + uint64(u.len)) & c.ipMask
	if f := u.fn(c, u); f != nil {
		c.RIP = c.ip0
		c.exception(f)
		return true
	}
	return false
}

// Mode returns the current code size in bits: 64 in 64-bit mode, 32 or 16 otherwise (for
// disassemblers and debuggers).
func (c *CPU) Mode() int { return int(c.mode) }

// LinearRIP returns the linear address of the next instruction (RIP plus the CS base
// outside 64-bit mode).
func (c *CPU) LinearRIP() uint64 {
	if c.long {
		return c.RIP
	}
	return (c.RIP + c.Seg[CS].Base) & 0xFFFFFFFF
}
