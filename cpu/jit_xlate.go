package cpu

import (
	"unsafe"

	"github.com/kppemu/kppemu/cpu/jit"
	"github.com/kppemu/kppemu/mmu"
)

// Translation of decoded blocks to amd64 code (see jit_hook.go for the tier's contract).
//
// Host registers in generated code: RBX points at the CPU, R12 holds the instruction
// budget left; RAX, RCX, RDX, RSI and RDI are scratch; R8-R11 and R13-R15 hold the
// guest registers a block uses most (the register cache, below). The TLB arrays for
// data reads and writes and the protection-key masks are in jitState, set by
// jitDispatch. Other guest registers live in c.GPR and are loaded and stored around
// each instruction.
//
// Flags: while generated code runs, the guest's arithmetic flags live in
// jitState.flagSlot (the Go side copies them in from RFLAGS before entering and back
// after). A flag-setting guest instruction runs as the same host instruction, and the
// host flags it leaves are spilled to the slot (LAHF, SETO; see capture), unless a later
// instruction of the block overwrites them all before anything can see them. Flags the
// interpreter computes in its own way where the architecture leaves them undefined (AF
// after logic operations, OF after multi-bit shifts, SF/ZF/PF after IMUL) are computed
// explicitly, so both tiers agree bit for bit. While the host flags still hold the
// guest's, a conditional branch, SETcc, CMOVcc or ADC/SBB uses them directly.
//
// Precise exceptions: every instruction probes the TLB for all of its memory accesses
// before it changes anything; a probe that misses exits to Go with RIP at the
// instruction and the flags folded in, and the interpreter runs that instruction.

// Offsets in the CPU struct of what generated code reads and writes.
var (
	offGPR      = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.GPR))
	offRIP      = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.RIP))
	offRFLAGS   = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.RFLAGS))
	offSegBase  = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.Seg) + unsafe.Offsetof(Segment{}.Base))
	segSize     = int32(unsafe.Sizeof(Segment{}))
	offTLBX     = int32(unsafe.Offsetof(CPU{}.jit) + unsafe.Offsetof(jitState{}.tlbX))
	offPending  = int32(unsafe.Offsetof(CPU{}.pending))
	offJCache   = int32(unsafe.Offsetof(CPU{}.jit) + unsafe.Offsetof(jitState{}.jcBase))
	offFlagSlot = int32(unsafe.Offsetof(CPU{}.jit) + unsafe.Offsetof(jitState{}.flagSlot))
	offTLBR     = int32(unsafe.Offsetof(CPU{}.jit) + unsafe.Offsetof(jitState{}.tlbR))
	offTLBW     = int32(unsafe.Offsetof(CPU{}.jit) + unsafe.Offsetof(jitState{}.tlbW))
	offPKR      = int32(unsafe.Offsetof(CPU{}.jit) + unsafe.Offsetof(jitState{}.pkR))
	offPKW      = int32(unsafe.Offsetof(CPU{}.jit) + unsafe.Offsetof(jitState{}.pkW))
	offResume   = int32(unsafe.Offsetof(CPU{}.jit) + unsafe.Offsetof(jitState{}.resume))
	offResumeIP = int32(unsafe.Offsetof(CPU{}.jit) + unsafe.Offsetof(jitState{}.resumeRIP))
)

// Host registers with a fixed role.
const (
	hCPU    = jit.RBX
	hBudget = jit.R12
)

// Flag masks.
const (
	fArith = FlagCF | FlagPF | FlagAF | FlagZF | FlagSF | FlagOF
	fRot   = FlagCF | FlagOF
)

// Mnemonic numbers the translator recognises (x86asm op values, looked up by name).
var (
	jopMOV, jopLEA, jopNOP, jopMOVZX, jopMOVSX, jopMOVSXD         = jop("MOV"), jop("LEA"), jop("NOP"), jop("MOVZX"), jop("MOVSX"), jop("MOVSXD")
	jopADD, jopOR, jopADC, jopSBB, jopAND, jopSUB, jopXOR, jopCMP = jop("ADD"), jop("OR"), jop("ADC"), jop("SBB"), jop("AND"), jop("SUB"), jop("XOR"), jop("CMP")
	jopTEST, jopINC, jopDEC, jopNEG, jopNOT                       = jop("TEST"), jop("INC"), jop("DEC"), jop("NEG"), jop("NOT")
	jopPUSH, jopPOP, jopCALL, jopRET, jopJMP                      = jop("PUSH"), jop("POP"), jop("CALL"), jop("RET"), jop("JMP")
	jopLEAVE                                                      = jop("LEAVE")
	jopSHL, jopSHR, jopSAR, jopROL, jopROR, jopIMUL               = jop("SHL"), jop("SHR"), jop("SAR"), jop("ROL"), jop("ROR"), jop("IMUL")
	jopJcc, jopSETcc, jopCMOVcc                                   = ccOps("J"), ccOps("SET"), ccOps("CMOV")
)

func jop(name string) uint16 { return uint16(opByName[name]) }

// ccOps maps the ops prefix+cc (JO, JNO, ... JG) to their condition code + 1.
func ccOps(prefix string) map[uint16]uint8 {
	m := make(map[uint16]uint8)
	for i, n := range []string{"O", "NO", "B", "AE", "E", "NE", "BE", "A", "S", "NS", "P", "NP", "L", "GE", "LE", "G"} {
		if op, ok := opByName[prefix+n]; ok {
			m[uint16(op)] = uint8(i) + 1
		}
	}
	return m
}

// ccFlags are the flags condition code pair cc>>1 reads.
var ccFlags = [8]uint32{FlagOF, FlagCF, FlagZF, FlagCF | FlagZF, FlagSF, FlagPF, FlagSF | FlagOF, FlagSF | FlagOF | FlagZF}

// flagState is what translation knows about the guest's arithmetic flags. They live in
// jitState.flagSlot (RFLAGS' arithmetic bits are stale while generated code runs).
type flagState struct {
	host    bool // the host flags hold the guest's (AF aside)
	afDirty bool // the slot's AF is the host's after a logic instruction: clear it on exit
}

// xlStub is an out-of-line exit to the interpreter.
type xlStub struct {
	l     jit.Label
	ip    uint64 // RIP of the instruction that exits
	rest  uint64 // instructions translated before it (the budget gets back the others)
	fl    flagState
	dirty uint16 // cached registers to store back
	mx    bool   // x.mx when it was made: the exit stores the host's MXCSR (flushMX)
	// A helper stub (hstub): the interpreter runs the instruction and generated code
	// goes on at back, the end of the instruction's own code, with RIP at next.
	helper bool
	next   uint64
	back   jit.Label
}

// xlator holds the state of one block translation.
type xlator struct {
	c         *CPU
	a         *jit.Asm
	fl        flagState
	stubs     []xlStub
	done      uint64 // instructions translated before the current one
	ip        uint64 // RIP of the current instruction
	next      uint64 // RIP after it
	end       bool   // the current instruction ended the block (wrote RIP and exited)
	ops       []*uop // the block's instructions (a fused pair's two)
	i         int    // index of the current one
	limit     int    // instructions the translation covers (the first pass finds out)
	start     uint64 // RIP of the block
	selfLoop  bool   // the block jumps to its own start
	loopDirty uint16 // cached registers dirty at the top of the block
	exitL     jit.Label
	entryL    jit.Label
	loopL     jit.Label // after the cached registers are loaded
	budgetL   jit.Label // the budget does not cover the block
	pend      []xlPend  // exits for pending work at backward jumps
	chains    []xlChain
	rc        regCache
	stopped   bool        // the translation stops in front of an instruction it does not translate
	helper    []bool      // by op index: the instruction is a helper exit (see helper)
	nhelp     int         // helper exits in the translation
	joins     []jit.Label // where the current instruction's helper stubs come back (hstub)
	sseOK     bool        // an SSE instruction has checked CR0 and CR4 on the way here (jit_xlate_sse.go)
	mx        bool        // the host's MXCSR is the guest's, with the flags raised since (flushMX)
}

// xlPend is the exit of a backward jump that finds work pending.
type xlPend struct {
	l     jit.Label
	ip    uint64 // the jump's target
	dirty uint16 // cached registers to store back
}

// xlChain is a jump at the end of a block that the Go side links to its target.
type xlChain struct {
	stub    jit.Label // returns the slot's address to Go
	stubOff int
	slot    *uintptr // where the jump finds its target
	target  uint64
}

// jitTranslate translates as much of block b (at RIP, in the current code page) as it
// can.
func (c *CPU) jitTranslate(b *block) *jitBlock {
	if len(c.jit.arena) == 0 {
		c.jit.arena = make([]jitBlock, 256)
	}
	res := &c.jit.arena[0]
	c.jit.arena = c.jit.arena[1:]
	*res = jitBlock{epoch: c.jit.buf.Epoch(), lin: c.RIP}
	code := c.jitAssemble(b)
	if p := c.jit.prof; p != nil && c.jit.x.stopped {
		p.stops[c.jit.x.ip] = true
		if code == nil && c.jit.x.done > 0 {
			p.shorts[c.RIP] = c.jit.x.done
		}
	}
	if code == nil {
		c.jit.untranslatable++
		return res
	}
	base, ok := c.jit.buf.Next(len(code))
	if !ok {
		c.jitReset()
		res.epoch = c.jit.buf.Epoch()
		if base, ok = c.jit.buf.Next(len(code)); !ok {
			return res
		}
	}
	x := &c.jit.x
	for _, s := range x.chains {
		// Until it is linked, the jump goes to the stub that asks Go to link it.
		*s.slot = base + uintptr(s.stubOff)
		c.jit.sites[uintptr(unsafe.Pointer(s.slot))] = jitSite{slot: s.slot, from: c.RIP &^ 0xFFF}
	}
	if jitDumpHook != nil {
		jitDumpHook(c.RIP, code)
	}
	entry, err := c.jit.buf.Stage(code)
	if err != nil || entry != base {
		c.log.Error("jit: writing a block", "rip", c.RIP, "err", err)
		return res
	}
	c.jit.translated++
	res.xentry = entry
	res.entry = entry + uintptr(x.a.Offset(x.entryL))
	res.cnt = x.done
	res.page = c.icPage
	return res
}

// jitMinPrefix is the fewest instructions translated in front of one that is not for the
// translation to be used.
const jitMinPrefix = 4

// jitReset drops every translation (the arena is full, or the tier is turned off).
func (c *CPU) jitReset() {
	c.jit.buf.Reset()
	clear(c.jit.sites)
	c.jit.keep = nil
	c.jit.linkSite = 0
	c.jit.slots = nil
	c.jitClearJC()
}

// jitAssemble assembles the code of block b; nil when its first instruction is not
// translated.
func (c *CPU) jitAssemble(b *block) []byte {
	x := &c.jit.x
	*x = xlator{c: c, a: &c.jit.asm, stubs: x.stubs[:0], chains: x.chains[:0], ops: x.ops[:0], pend: x.pend[:0], helper: x.helper[:0]}
	a := x.a
	a.Reset()
	x.exitL = a.NewLabel()
	x.entryL = a.NewLabel()
	// The checked entry, for chains from other pages: RIP's page must still be
	// translated (instruction TLB) to the physical page the block was built from, and
	// that page must be unchanged since.
	vpn := c.RIP >> 12
	slot := int32(vpn&(mmu.TLBSets-1)) * int32(mmu.TLBEntrySize)
	a.Load(8, jit.RCX, jit.M(hCPU, offTLBX))
	a.MovImm(jit.RAX, vpn)
	a.AluRM(8, jit.CMP, jit.RAX, jit.M(jit.RCX, slot+int32(mmu.TLBTagOffset)))
	a.Jcc(jit.CondNE, x.exitL)
	a.MovImm(jit.RAX, c.icPage.pfn<<12)
	a.AluRM(8, jit.CMP, jit.RAX, jit.M(jit.RCX, slot+int32(mmu.TLBPAOffset)))
	a.Jcc(jit.CondNE, x.exitL)
	a.MovImm(jit.RAX, uint64(uintptr(unsafe.Pointer(&c.icPage.gen))))
	a.AluMI(4, jit.CMP, jit.M(jit.RAX, 0), int64(int32(b.gen)))
	a.Jcc(jit.CondNE, x.exitL)
	x.start = c.RIP
	x.ops = x.ops[:0]
	for i := range b.ops {
		x.ops = append(x.ops, &b.ops[i].u)
		if b.ops[i].cnt == 2 {
			x.ops = append(x.ops, b.ops[i].u.pair)
		}
	}
	for range x.ops {
		x.helper = append(x.helper, false)
	}
	a.Bind(x.entryL)
	// The first pass finds how many instructions translate; the second, knowing where
	// the block ends, caches the registers it uses most and leaves out flag spills that
	// nothing can see.
	body := a.Mark()
	x.limit = len(x.ops)
	x.rc = regCache{}
	for i := range x.rc.host {
		x.rc.host[i] = jit.NoReg
	}
	x.prologue()
	stopped := x.body()
	n, self := x.done, x.selfLoop
	a.Rollback(body)
	x.stubs, x.chains, x.pend, x.fl, x.end, x.done, x.nhelp = x.stubs[:0], x.chains[:0], x.pend[:0], flagState{}, false, 0, 0
	x.limit = int(n)
	x.allocRegs(self)
	if self {
		// Around the loop the cached registers are not stored back: wherever the block
		// is left, all of them may be dirty.
		for g, h := range x.rc.host {
			if h != jit.NoReg {
				x.rc.dirty |= 1 << g
			}
		}
	}
	x.loopDirty = x.rc.dirty
	subAt := x.prologue()
	x.stopped = stopped
	if st := x.body(); x.done != n || st != stopped {
		c.log.Error("jit: the two passes disagree", "rip", c.RIP)
		return nil
	}
	if x.done == 0 || stopped && x.done < jitMinPrefix || x.nhelp*jitHelperCost > int(x.done) {
		// A short run of translated code in front of an instruction the interpreter
		// must run, or one with helper exits between few others, costs more to enter
		// and leave than it saves.
		return nil
	}
	switch {
	case stopped:
		// The instruction left to the interpreter runs at once (execOne, as after a
		// missed probe), and the run loop dispatches the one after it: the rest of the
		// block is translated on its own rather than interpreted behind it.
		x.exitTo(x.ip, jitExitSlow)
	case !x.end:
		x.chain(x.ip)
	}
	for _, s := range x.stubs {
		a.Bind(s.l)
		x.writeBack(s.dirty)
		x.fixAF(s.fl)
		x.flushMX(s.mx)
		a.AluRI(8, jit.ADD, hBudget, int64(x.done-s.rest))
		x.setRIP(s.ip)
		if s.helper {
			x.helperTail(s.next, int64(x.done-s.rest))
			a.Jmp(s.back)
			continue
		}
		a.MovImm(jit.RAX, jitExitSlow)
		a.Ret()
	}
	for i := range x.chains {
		a.Bind(x.chains[i].stub)
		x.setRIP(x.chains[i].target)
		a.MovImm(jit.RAX, uint64(uintptr(unsafe.Pointer(x.chains[i].slot))))
		a.Ret()
	}
	// The exit before the block starts (checked entry failed, budget too small): RIP is
	// the block's start (jumps into the block do not store it).
	a.Bind(x.exitL)
	x.setRIP(x.start)
	a.MovImm(jit.RAX, jitExitEnd)
	a.Ret()
	a.Bind(x.budgetL)
	x.writeBack(x.loopDirty) // a loop onto itself comes back here with its registers
	a.AluRI(8, jit.ADD, hBudget, 0x7FFFFFFF)
	addAt := a.Len() - 4
	a.Jmp(x.exitL)
	for _, p := range x.pend {
		a.Bind(p.l)
		x.writeBack(p.dirty)
		x.setRIP(p.ip)
		a.MovImm(jit.RAX, jitExitEnd)
		a.Ret()
	}
	code, err := a.Finish()
	if err != nil {
		c.log.Error("jit: assembling a block", "rip", c.RIP, "err", err)
		return nil
	}
	for i := range x.chains {
		x.chains[i].stubOff = a.Offset(x.chains[i].stub)
	}
	putU32(code[subAt:], uint32(x.done))
	putU32(code[addAt:], uint32(x.done))
	return code
}

// prologue emits the budget check at the top of the block (where it loops onto
// itself too) and returns the offset of the count immediate.
func (x *xlator) prologue() (subAt int) {
	a := x.a
	x.loopL = a.NewLabel()
	x.budgetL = a.NewLabel()
	a.Bind(x.loopL)
	a.AluRI(8, jit.SUB, hBudget, 0x7FFFFFFF)
	subAt = a.Len() - 4
	a.Jcc(jit.CondB, x.budgetL)
	return subAt
}

// body translates the instructions of the block up to x.limit; it reports whether
// it stopped at one it does not translate.
func (x *xlator) body() (stopped bool) {
	a := x.a
	x.ip = x.start
	x.sseOK, x.mx = false, false
	for x.i = 0; x.i < x.limit && !x.end; x.i++ {
		u := x.ops[x.i]
		x.next = x.ip + uint64(u.len)
		mark := a.Mark()
		nstubs, nchains, npend := len(x.stubs), len(x.chains), len(x.pend)
		fl, rc, sseOK, mx := x.fl, x.rc, x.sseOK, x.mx
		x.joins = x.joins[:0]
		if !x.insn(u) {
			a.Rollback(mark)
			x.stubs, x.chains, x.pend = x.stubs[:nstubs], x.chains[:nchains], x.pend[:npend]
			x.fl, x.rc, x.sseOK, x.mx = fl, rc, sseOK, mx
			if !x.helperExit(u) {
				return true
			}
		} else if len(x.joins) > 0 {
			// The instruction's helper stubs come back here, with Go's MXCSR in the host
			// and every cached register reloaded (see hstub).
			x.flushMX(x.mx)
			for _, l := range x.joins {
				a.Bind(l)
			}
			x.mx, x.sseOK = false, false
		}
		x.done++
		x.ip = x.next
	}
	return x.i < len(x.ops) && !x.end
}

// jitHelperCost is the instructions of generated code one helper exit must be worth:
// a block with more helper exits than that allows is left to the interpreter.
const jitHelperCost = 4

// helperExit emits a helper exit for u, an instruction the translator does not generate
// code for, when the interpreter may run it in the middle of a translation: everything
// but the control transfers and the instructions that stop or trap (block enders; a
// repeated string instruction with elements left stays at its RIP, which ends the
// translation's run as a jump would). The registers and flags go to the CPU, RIP is u's and the
// budget gets back u and what follows it; Go runs u (jitHelper) and, when nothing
// stands in the way, enters the code after the exit again, which charges the budget
// for the rest of the block once more and reloads the cached registers (u may have
// written any of them).
func (x *xlator) helperExit(u *uop) bool {
	if !jitHelperOK(u) {
		return false
	}
	a := x.a
	x.writeBack(x.rc.dirty)
	x.fixAF(x.fl)
	x.flushMX(x.mx)
	rest := int64(x.limit) - int64(x.done) // u and the instructions after it
	a.AluRI(8, jit.ADD, hBudget, rest)
	x.setRIP(x.ip)
	x.helperTail(x.next, rest)
	x.fl = flagState{}
	x.sseOK = false // the instruction may have changed CR0 or CR4
	x.mx = false    // Go ran with its own MXCSR
	x.helper[x.i] = true
	x.nhelp++
	return true
}

// hstub returns the label of an out-of-line helper exit for the current instruction
// (one helperExit allows), for an instruction whose plain case its own code runs: the
// interpreter runs it, as a helper exit's, and generated code goes on at the end of the
// instruction's code, where the register cache holds what the instruction's own code
// leaves (the helper's way back reloads every cached register; a register the
// instruction's code marked dirty is stored again, with the same value, at the next
// exit) and the flags are in the slot. The instruction must not write the flags, so that
// the slot's AF is right whether or not the exit cleared it. body binds the way back.
func (x *xlator) hstub() jit.Label {
	l := x.a.NewLabel()
	back := x.a.NewLabel()
	x.stubs = append(x.stubs, xlStub{l: l, ip: x.ip, rest: x.done, fl: x.fl, dirty: x.rc.dirty, mx: x.mx,
		helper: true, next: x.next, back: back})
	x.joins = append(x.joins, back)
	return l
}

// helperTail emits the end of a helper exit whose registers, flags and RIP are stored
// and whose budget is given back (rest: the instruction and those after it): the way
// back to Go and the way in again, which charges the budget again and reloads the
// cached registers.
func (x *xlator) helperTail(next uint64, rest int64) {
	a := x.a
	resume := a.NewLabel()
	a.LeaLabel(jit.RAX, resume)
	a.Store(8, jit.M(hCPU, offResume), jit.RAX)
	if int64(next) == int64(int32(next)) {
		a.StoreImm(8, jit.M(hCPU, offResumeIP), int64(next))
	} else {
		a.MovImm(jit.RAX, next)
		a.Store(8, jit.M(hCPU, offResumeIP), jit.RAX)
	}
	a.MovImm(jit.RAX, jitExitHelper)
	a.Ret()
	a.Bind(resume)
	if rest > 1 {
		a.AluRI(8, jit.SUB, hBudget, rest-1)
	}
	for g, h := range x.rc.host {
		if h != jit.NoReg {
			a.Load(8, h, gpr(uint8(g), 8))
		}
	}
}

// jitHelperOK reports whether u may run as a helper exit (see helperExit).
func jitHelperOK(u *uop) bool {
	return !endsBlock(u) && u.op != 0
}

// chain ends the block with a jump to the block at target, through a slot (a word
// outside the code) that the Go side links to the target's code; until then the slot
// leads to a stub that sets RIP and returns the slot's address, asking for the link.
// RIP is not stored on the way: the target's own exits store it. A backward jump
// first checks for pending work (a request from another goroutine; everything else
// that sets it runs in Go), so that a loop cannot run past it for the whole budget.
func (x *xlator) chain(target uint64) {
	a := x.a
	self := target == x.start
	if self {
		x.selfLoop = true
	} else {
		x.writeBack(x.rc.dirty)
	}
	x.fixAF(x.fl)
	x.flushMX(x.mx)
	if target <= x.ip {
		l := a.NewLabel()
		a.AluMI(4, jit.CMP, jit.M(hCPU, offPending), 0)
		a.Jcc(jit.CondNE, l)
		x.pend = append(x.pend, xlPend{l: l, ip: target, dirty: x.rc.dirty})
	}
	if self {
		// A loop onto itself keeps its registers in the host registers: the block
		// then starts with every cached register dirty (see jitAssemble).
		a.Jmp(x.loopL)
		return
	}
	slot := x.c.jitSlot()
	a.MovImm(jit.RAX, uint64(uintptr(unsafe.Pointer(slot))))
	a.JmpMem(jit.M(jit.RAX, 0))
	x.chains = append(x.chains, xlChain{stub: a.NewLabel(), slot: slot, target: target})
}

// jumpIndirect ends the block with a jump to the address in RDI (canonical, already
// stored in RIP), through the jump cache: a hit goes to the checked entry of the block
// translated for that address, a miss returns to Go.
func (x *xlator) jumpIndirect() {
	a := x.a
	x.writeBack(x.rc.dirty)
	x.fixAF(x.fl)
	x.flushMX(x.mx)
	a.MovRR(8, jit.RCX, jit.RDI)
	a.ShiftRI(8, jit.SHR, jit.RCX, 12)
	a.AluRR(8, jit.XOR, jit.RCX, jit.RDI)
	a.AluRI(4, jit.AND, jit.RCX, jitJCSize-1)
	a.ShiftRI(4, jit.SHL, jit.RCX, 4)
	a.AluRM(8, jit.ADD, jit.RCX, jit.M(hCPU, offJCache))
	a.AluRM(8, jit.CMP, jit.RDI, jit.M(jit.RCX, 0))
	miss := a.NewLabel()
	a.Jcc(jit.CondNE, miss)
	a.JmpMem(jit.M(jit.RCX, 8))
	a.Bind(miss)
	a.MovImm(jit.RAX, jitExitEnd)
	a.Ret()
	x.end = true
}

// jitSlot returns a new link slot. Slots come in chunks that never move.
func (c *CPU) jitSlot() *uintptr {
	if len(c.jit.slotFree) == 0 {
		chunk := make([]uintptr, 4096)
		c.jit.slots = append(c.jit.slots, chunk)
		c.jit.slotFree = chunk
	}
	s := &c.jit.slotFree[0]
	c.jit.slotFree = c.jit.slotFree[1:]
	return s
}

func putU32(b []byte, v uint32) {
	_ = b[3]
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

// exitTo sets RIP to ip and returns code to Go.
func (x *xlator) exitTo(ip uint64, code uint64) {
	x.writeBack(x.rc.dirty)
	x.fixAF(x.fl)
	x.flushMX(x.mx)
	x.setRIP(ip)
	x.a.MovImm(jit.RAX, code)
	x.a.Ret()
}

func (x *xlator) setRIP(ip uint64) {
	if int64(ip) == int64(int32(ip)) {
		x.a.StoreImm(8, jit.M(hCPU, offRIP), int64(ip))
		return
	}
	x.a.MovImm(jit.RAX, ip)
	x.a.Store(8, jit.M(hCPU, offRIP), jit.RAX)
}

// fixAF clears the slot's AF when the last flag-setting instruction was a logic one
// (the host leaves AF undefined there, the interpreter clears it). It clobbers the host
// flags.
func (x *xlator) fixAF(fl flagState) {
	if fl.afDirty {
		x.a.AluMI(4, jit.AND, jit.M(hCPU, offFlagSlot), ^int64(FlagAF))
	}
}

// flushMX stores the host's MXCSR into the guest's when mx (x.mx where the code
// leaves for Go or another block): since the first SSE floating-point instruction of
// the stretch loaded the guest's MXCSR into the host (sse), the host's holds the
// guest's controls and its flags with those raised since ORed in, exactly what the
// guest's must become. The trampoline gives the host its own back on the way to Go.
func (x *xlator) flushMX(mx bool) {
	if mx {
		x.a.Stmxcsr(jit.M(hCPU, offMXCSR))
	}
}

// clobber notes that the host flags no longer hold the guest's.
func (x *xlator) clobber() { x.fl.host = false }

// capture spills the host flags, which hold all the guest's arithmetic flags (AF
// aside, when afDirty), to the slot. It leaves the host flags alone and clobbers RAX
// and RCX (the caller has stored what they held; RCX is kept free for other spills). When nothing can see the flags
// before the next instruction that rewrites them all, it does nothing.
//
// The spill is LAHF and SETO stored into the slot's two low bytes in its layout (bits
// 0-7, and OF at bit 11 with bits 8-10 clear; the slot's other bits are not the
// guest's and are never read): a few simple instructions where PUSHFQ is a slow one (the early amd64 processors without LAHF in
// 64-bit mode get PUSHFQ).
func (x *xlator) capture(afDirty bool) {
	if x.flagsDead() {
		x.fl = flagState{afDirty: x.fl.afDirty}
		return
	}
	x.spill(afDirty)
}

// spill is capture without the liveness test: for an instruction that may itself leave
// the block after setting the flags (a repeated compare-string instruction).
func (x *xlator) spill(afDirty bool) {
	a := x.a
	if !jitHostLAHF {
		a.Pushfq()
		a.PopMem(jit.M(hCPU, offFlagSlot))
		x.fl = flagState{host: true, afDirty: afDirty}
		return
	}
	a.Lahf()
	a.Setcc(jit.CondO, jit.RAX)
	a.StoreAH(jit.M(hCPU, offFlagSlot))
	a.Lea(4, jit.RAX, jit.MI(jit.NoReg, jit.RAX, 3, 0)) // AL = OF << 3
	a.Store(1, jit.M(hCPU, offFlagSlot+1), jit.RAX)
	x.fl = flagState{host: true, afDirty: afDirty}
}

// captureFix spills the host flags after fix has corrected them in RCX (which holds
// them when it runs); mask is the flags the instruction writes (the others keep
// their values from the slot).
func (x *xlator) captureFix(mask uint32, fix func()) {
	a := x.a
	if x.flagsDead() {
		x.fl = flagState{afDirty: x.fl.afDirty}
		return
	}
	a.Pushfq()
	a.Pop(jit.RCX)
	fix()
	if mask != fArith {
		a.AluRI(4, jit.AND, jit.RCX, int64(mask))
		a.Load(8, jit.RDX, jit.M(hCPU, offFlagSlot))
		a.AluRI(4, jit.AND, jit.RDX, ^int64(mask))
		a.AluRR(4, jit.OR, jit.RCX, jit.RDX)
		a.Store(8, jit.M(hCPU, offFlagSlot), jit.RCX)
		x.fl = flagState{afDirty: x.fl.afDirty}
		return
	}
	a.Store(8, jit.M(hCPU, offFlagSlot), jit.RCX)
	x.fl = flagState{}
}

// flagsDead reports whether the flags the current instruction sets are overwritten
// by a later instruction of the block before anything reads them or the block can be
// left (an exit to Go needs them in the slot).
func (x *xlator) flagsDead() bool {
	for k := x.i + 1; k < x.limit; k++ {
		if x.helper[k] {
			// The interpreter may read them, and the block is left there (for good
			// when the run loop must take over), whatever flagUse says of the form.
			return false
		}
		switch flagUse(x.ops[k]) {
		case flagsKill:
			return true
		case flagsUse:
			return false
		}
	}
	return false
}

// What an instruction does with the flags, for flagsDead.
const (
	flagsNone = iota // does not read them and cannot exit the block (it may write some, see ROL)
	flagsKill        // writes all of them before anything can exit, without reading them
	flagsUse         // anything else (reads, may exit, or unknown)
)

// flagUse classifies u for flagsDead; it must only say flagsKill or flagsNone of forms
// the translator translates (the block is known to include u).
func flagUse(u *uop) int {
	regs := u.kind[0] == kReg && (u.nargs < 2 || u.kind[1] == kReg || u.kind[1] == kImm) &&
		(u.nargs < 3 || u.kind[2] == kImm)
	switch {
	case !regs:
		if u.op == jopLEA || u.op == jopNOP {
			return flagsNone
		}
		return flagsUse
	case u.op == jopMOV || u.op == jopMOVZX || u.op == jopMOVSX || u.op == jopMOVSXD || u.op == jopNOT:
		return flagsNone
	case u.op == jopADD || u.op == jopSUB || u.op == jopAND || u.op == jopOR || u.op == jopXOR ||
		u.op == jopCMP || u.op == jopTEST || u.op == jopNEG || u.op == jopIMUL:
		return flagsKill
	case u.op == jopSHL || u.op == jopSHR || u.op == jopSAR:
		if u.kind[1] == kImm && u.imm&31 != 0 {
			return flagsKill
		}
	case u.op == jopROL || u.op == jopROR:
		if u.kind[1] == kImm {
			// CF and OF only, read from nothing: when the flags of an earlier
			// instruction are dead past it, so are its own (the same later
			// instruction kills both), and it leaves the slot alone.
			return flagsNone
		}
	}
	return flagsUse
}

// cond emits what evaluates guest condition cc and returns the host condition to test
// right after it.
func (x *xlator) cond(cc uint8) jit.Cond {
	if x.fl.host {
		return jit.Cond(cc)
	}
	a := x.a
	a.Load(4, jit.RCX, jit.M(hCPU, offFlagSlot))
	switch cc >> 1 {
	case 6, 7: // L, LE: SF != OF (OF is bit 11, SF bit 7)
		a.MovRR(4, jit.RDX, jit.RCX)
		a.ShiftRI(4, jit.SHR, jit.RDX, 4)
		a.AluRR(4, jit.XOR, jit.RDX, jit.RCX)
		a.AluRI(4, jit.AND, jit.RDX, FlagSF)
		if cc>>1 == 7 {
			a.AluRI(4, jit.AND, jit.RCX, FlagZF)
			a.AluRR(4, jit.OR, jit.RDX, jit.RCX)
		}
	default:
		a.AluRI(4, jit.AND, jit.RCX, int64(ccFlags[cc>>1]))
	}
	x.clobber()
	if cc&1 != 0 {
		return jit.CondE
	}
	return jit.CondNE
}

// gpr returns the memory operand of guest register r (packed as in uop.r) at size.
func gpr(r, size uint8) jit.Mem {
	if size == 1 && r&0x10 != 0 {
		return jit.M(hCPU, offGPR+8*int32(r&3)+1)
	}
	return jit.M(hCPU, offGPR+8*int32(r&15))
}

// Register cache: the guest registers a block uses most live in host registers
// (cacheRegs) for the whole block, loaded at its entry and stored back, when written,
// wherever the block can be left (its end, and every exit to the interpreter). Every
// access to a guest register goes through loadReg, storeReg and storeRegImm.

// cacheRegs are the host registers that hold cached guest registers.
var cacheRegs = [...]jit.Reg{jit.R8, jit.R9, jit.R10, jit.R11, jit.R13, jit.R14, jit.R15}

// regCache maps guest registers to host registers during a translation.
type regCache struct {
	host  [16]jit.Reg // cacheRegs member, or jit.NoReg
	dirty uint16      // guest registers written since the block's entry
}

// cached returns the host register holding guest register r (as packed in uop.r) for
// an access of size bytes, or NoReg. High-byte registers (AH..BH) are never accessed
// in a host register: syncHigh handles them.
func (x *xlator) cached(r, size uint8) jit.Reg {
	if size == 1 && r&0x10 != 0 {
		return jit.NoReg
	}
	return x.rc.host[r&15]
}

// syncHigh makes the memory copy of the register under high-byte register r current
// before a memory access to it; write: the access writes it, so the cached copy is
// reloaded after (see reloadHigh).
func (x *xlator) syncHigh(r uint8) {
	g := r & 3
	if h := x.rc.host[g]; h != jit.NoReg && x.rc.dirty&(1<<g) != 0 {
		x.a.Store(8, gpr(g, 8), h)
		x.rc.dirty &^= 1 << g
	}
}

func (x *xlator) reloadHigh(r uint8) {
	g := r & 3
	if h := x.rc.host[g]; h != jit.NoReg {
		x.a.Load(8, h, gpr(g, 8))
	}
}

// loadReg loads guest register r at size into h, zero-extended.
func (x *xlator) loadReg(h jit.Reg, r, size uint8) {
	if c := x.cached(r, size); c != jit.NoReg {
		switch size {
		case 8, 4:
			x.a.MovRR(size, h, c)
		default:
			x.a.Movzx(size, h, c)
		}
		return
	}
	if size == 1 && r&0x10 != 0 {
		x.syncHigh(r)
	}
	switch size {
	case 8, 4:
		x.a.Load(size, h, gpr(r, size))
	default:
		x.a.LoadZx(size, h, gpr(r, size))
	}
}

// storeReg stores h to guest register r at size (a 4-byte store writes the whole
// register: h must hold a zero-extended value).
func (x *xlator) storeReg(r, size uint8, h jit.Reg) {
	if size == 4 {
		size = 8
	}
	if c := x.cached(r, size); c != jit.NoReg {
		x.a.MovRR(size, c, h)
		x.rc.dirty |= 1 << (r & 15)
		return
	}
	if size == 1 && r&0x10 != 0 {
		x.syncHigh(r)
		x.a.Store(1, gpr(r, 1), h)
		x.reloadHigh(r)
		return
	}
	x.a.Store(size, gpr(r, size), h)
}

// storeRegImm writes the constant v to guest register r at size 1 or 2.
func (x *xlator) storeRegImm(r, size uint8, v int64) {
	if c := x.cached(r, size); c != jit.NoReg {
		x.a.MovImmSized(size, c, v)
		x.rc.dirty |= 1 << (r & 15)
		return
	}
	if size == 1 && r&0x10 != 0 {
		x.syncHigh(r)
		x.a.StoreImm(1, gpr(r, 1), v)
		x.reloadHigh(r)
		return
	}
	x.a.StoreImm(size, gpr(r, size), v)
}

// writeBack stores the cached registers in dirty to memory.
func (x *xlator) writeBack(dirty uint16) {
	for g := 0; g < 16; g++ {
		if dirty&(1<<g) != 0 {
			x.a.Store(8, gpr(uint8(g), 8), x.rc.host[g])
		}
	}
}

// allocRegs picks the guest registers the block uses most (at least twice, or once
// in a block that loops onto itself, where the loads stay outside the loop) for the
// host registers of the cache and loads them.
func (x *xlator) allocRegs(self bool) {
	least := 2
	if self {
		least = 1
	}
	for i := range x.rc.host {
		x.rc.host[i] = jit.NoReg
	}
	x.rc.dirty = 0
	var uses [16]int
	for _, u := range x.ops[:x.limit] {
		for i := 0; i < int(u.nargs) && i < 3; i++ {
			if u.kind[i] == kReg {
				if u.sz[i] == 1 && u.r[i]&0x10 != 0 {
					uses[u.r[i]&3] -= 100 // high-byte accesses go through memory
				} else {
					uses[u.r[i]&15]++
				}
			}
			if u.kind[i] == kMem {
				if u.eaForm == eaBase || u.eaForm == eaBaseIndex {
					uses[u.base&15]++
				}
				if u.eaForm == eaIndex || u.eaForm == eaBaseIndex {
					uses[u.index&15]++
				}
			}
		}
		if u.op == jopPUSH || u.op == jopPOP || u.op == jopCALL || u.op == jopRET {
			uses[RSP] += 2
		}
	}
	for _, h := range cacheRegs {
		best := -1
		for g := range uses {
			if uses[g] >= least && x.rc.host[g] == jit.NoReg && (best < 0 || uses[g] > uses[best]) {
				best = g
			}
		}
		if best < 0 {
			break
		}
		x.rc.host[best] = h
		x.a.Load(8, h, gpr(uint8(best), 8))
		uses[best] = -1
	}
}

// loadMem loads size bytes at [p] into h, zero-extended.
func (x *xlator) loadMem(h jit.Reg, p jit.Reg, size uint8) {
	switch size {
	case 8, 4:
		x.a.Load(size, h, jit.M(p, 0))
	default:
		x.a.LoadZx(size, h, jit.M(p, 0))
	}
}

// stub returns the label of an exit to the interpreter for the current instruction.
func (x *xlator) stub() jit.Label {
	l := x.a.NewLabel()
	x.stubs = append(x.stubs, xlStub{l: l, ip: x.ip, rest: x.done, fl: x.fl, dirty: x.rc.dirty, mx: x.mx})
	return l
}

// ea emits the computation of u's memory operand address into RAX (linear when
// seg, else the offset, as LEA wants). false: a form the translator leaves alone.
func (x *xlator) ea(u *uop, seg bool) bool {
	a := x.a
	if u.asize != 8 && u.asize != 4 {
		return false
	}
	disp := u.disp
	if u.asize == 4 {
		disp = uint64(int64(int32(uint32(disp))))
	}
	switch u.eaForm {
	case eaDisp, eaRIP:
		v := u.disp
		if u.eaForm == eaRIP {
			v += x.next
		}
		if u.asize == 4 {
			v = uint64(uint32(v))
		}
		a.MovImm(jit.RAX, v)
	case eaBase:
		x.loadReg(jit.RAX, u.base, 8)
		if disp != 0 || u.asize == 4 {
			a.Lea(u.asize, jit.RAX, jit.M(jit.RAX, int32(disp)))
		}
	case eaBaseIndex:
		x.loadReg(jit.RAX, u.base, 8)
		x.loadReg(jit.RCX, u.index, 8)
		a.Lea(u.asize, jit.RAX, jit.MI(jit.RAX, jit.RCX, u.scale, int32(disp)))
	case eaIndex:
		x.loadReg(jit.RCX, u.index, 8)
		a.Lea(u.asize, jit.RAX, jit.MI(jit.NoReg, jit.RCX, u.scale, int32(disp)))
	default:
		return false
	}
	if seg && u.addSeg {
		if u.seg != FS && u.seg != GS {
			return false
		}
		a.Load(8, jit.RCX, jit.M(hCPU, offSegBase+segSize*int32(u.seg)))
		a.Lea(8, jit.RAX, jit.MI(jit.RAX, jit.RCX, 0, 0))
	}
	return true
}

// probe emits the inline TLB hit test of a size-byte access of kind acc at the linear
// address in RAX, leaving the host address in out (RSI or RDI) or exiting to the
// interpreter. It clobbers RCX, RDX, out and the host flags; RAX is kept.
//
// The tag compared is that of the access's last byte: an access that crosses into the
// next page (or out of the canonical range, whose tags the TLB never holds) misses.
func (x *xlator) probe(acc mmu.Access, size uint8, out jit.Reg) {
	a := x.a
	x.clobber()
	slow := x.stub()
	tbl, pk := offTLBR, offPKR
	if acc == mmu.Write {
		tbl, pk = offTLBW, offPKW
	}
	a.Lea(8, jit.RDX, jit.M(jit.RAX, int32(size)-1))
	a.ShiftRI(8, jit.SHR, jit.RDX, 12)
	a.MovRR(4, jit.RCX, jit.RAX)
	if mmu.TLBEntrySize == 32 {
		a.ShiftRI(4, jit.SHR, jit.RCX, 12-5)
		a.AluRI(4, jit.AND, jit.RCX, (mmu.TLBSets-1)<<5)
	} else {
		a.ShiftRI(4, jit.SHR, jit.RCX, 12)
		a.AluRI(4, jit.AND, jit.RCX, mmu.TLBSets-1)
		a.ImulRRI(4, jit.RCX, jit.RCX, int64(mmu.TLBEntrySize))
	}
	a.AluRM(8, jit.ADD, jit.RCX, jit.M(hCPU, tbl))
	a.AluRM(8, jit.CMP, jit.RDX, jit.M(jit.RCX, int32(mmu.TLBTagOffset)))
	a.Jcc(jit.CondNE, slow)
	a.Load(4, jit.RDX, jit.M(hCPU, pk))
	a.TestMR(4, jit.M(jit.RCX, int32(mmu.TLBPKOffset)), jit.RDX)
	a.Jcc(jit.CondNE, slow)
	a.Load(8, out, jit.M(jit.RCX, int32(mmu.TLBPageOffset)))
	a.TestRR(8, out, out)
	a.Jcc(jit.CondE, slow)
	a.MovRR(4, jit.RDX, jit.RAX)
	a.AluRI(4, jit.AND, jit.RDX, 0xFFF)
	a.AluRR(8, jit.ADD, out, jit.RDX)
}

// canonicalCheck exits to the interpreter unless the value in r is a canonical address.
// It clobbers RDX and the host flags.
func (x *xlator) canonicalCheck(r jit.Reg) {
	a := x.a
	x.clobber()
	slow := x.stub()
	a.MovRR(8, jit.RDX, r)
	a.ShiftRI(8, jit.SAR, jit.RDX, 47)
	a.AluRI(8, jit.ADD, jit.RDX, 1)
	a.AluRI(8, jit.CMP, jit.RDX, 1)
	a.Jcc(jit.CondA, slow)
}

func isInt(s uint8) bool { return s == 1 || s == 2 || s == 4 || s == 8 }

// insn translates one instruction; false when it is left to the interpreter (nothing
// has been emitted that matters: the caller rolls back).
func (x *xlator) insn(u *uop) bool {
	if _, ok := jitSSEOps[u.op]; ok {
		// Before the prefix checks: F2 and F3 are these instructions' opcode bytes.
		return !u.lock && x.sse(u)
	}
	branch := u.op == jopCALL || u.op == jopRET || u.op == jopJMP || jopJcc[u.op] != 0
	if u.lock && !jitLockOK(u) || (u.rep || u.repne) && !branch && !jitRepOK(u) {
		return false
	}
	switch {
	case x.aluOwns(u):
		return x.aluInsn(u)
	case u.op == jopNOP:
		return true
	case u.op == jopMOV && (u.kind[0] == kCR || u.kind[1] == kCR):
		return x.movCR(u)
	case u.op == jopMOV:
		return x.mov(u)
	case u.op == jopLEA:
		return x.lea(u)
	case u.op == jopMOVZX || u.op == jopMOVSX || u.op == jopMOVSXD:
		return x.movx(u)
	case u.op == jopADD || u.op == jopOR || u.op == jopADC || u.op == jopSBB || u.op == jopAND ||
		u.op == jopSUB || u.op == jopXOR || u.op == jopCMP || u.op == jopTEST:
		return x.alu(u)
	case u.op == jopINC || u.op == jopDEC || u.op == jopNEG || u.op == jopNOT:
		return x.unary(u)
	case u.op == jopSHL || u.op == jopSHR || u.op == jopSAR || u.op == jopROL || u.op == jopROR:
		return x.shift(u)
	case u.op == jopIMUL:
		return x.imul(u)
	case u.op == jopPUSH && u.kind[0] == kMem:
		return x.pushMem(u)
	case u.op == jopPUSH:
		return x.push(u)
	case u.op == jopPOP:
		return x.pop(u)
	case u.op == jopLEAVE:
		return x.leave(u)
	case u.op == jopJMP && u.kind[0] == kRel:
		return x.jmp(u)
	case u.op == jopCALL && u.kind[0] == kRel:
		return x.call(u)
	case u.op == jopJMP || u.op == jopCALL:
		return x.jmpInd(u, u.op == jopCALL)
	case u.op == jopRET:
		return x.ret(u)
	case jopJcc[u.op] != 0:
		return x.jcc(u, jopJcc[u.op]-1)
	case jopSETcc[u.op] != 0:
		return x.setcc(u, jopSETcc[u.op]-1)
	case jopCMOVcc[u.op] != 0:
		return x.cmov(u, jopCMOVcc[u.op]-1)
	case jitSysOp(u):
		x.sseOK = false
		return x.sys(u)
	case jitSysRegOp(u):
		return x.sysReg(u)
	}
	return false
}

// mov translates MOV between registers, memory and immediates.
func (x *xlator) mov(u *uop) bool {
	a := x.a
	k0, k1 := u.kind[0], u.kind[1]
	s := u.sz[0]
	if !isInt(s) || k1 != kImm && !isInt(u.sz[1]) {
		return false
	}
	if d := x.cached(u.r[0], s); k0 == kReg && d != jit.NoReg && s >= 4 && (k1 == kReg || k1 == kImm) {
		// A 32/64-bit move into a cached register: straight into its host register.
		if k1 == kReg {
			x.loadReg(d, u.r[1], s)
		} else {
			a.MovImm(d, u.imm&sizeMask[s])
		}
		x.rc.dirty |= 1 << (u.r[0] & 15)
		return true
	}
	switch {
	case k0 == kReg && k1 == kReg:
		x.loadReg(jit.RAX, u.r[1], s)
		x.storeReg(u.r[0], s, jit.RAX)
	case k0 == kReg && k1 == kImm:
		v := u.imm & sizeMask[s]
		if s >= 4 {
			a.MovImm(jit.RAX, v)
			x.storeReg(u.r[0], s, jit.RAX)
		} else {
			x.storeRegImm(u.r[0], s, int64(v))
		}
	case k0 == kReg && k1 == kMem:
		if !x.ea(u, true) {
			return false
		}
		x.probe(mmu.Read, s, jit.RSI)
		x.loadMem(jit.RCX, jit.RSI, s)
		x.storeReg(u.r[0], s, jit.RCX)
	case k0 == kMem && k1 == kReg:
		if !x.ea(u, true) {
			return false
		}
		x.probe(mmu.Write, s, jit.RDI)
		x.loadReg(jit.RCX, u.r[1], s)
		a.Store(s, jit.M(jit.RDI, 0), jit.RCX)
	case k0 == kMem && k1 == kImm:
		if !x.ea(u, true) {
			return false
		}
		x.probe(mmu.Write, s, jit.RDI)
		v := int64(u.imm & sizeMask[s])
		if s == 8 {
			v = int64(u.imm)
			if v != int64(int32(v)) {
				return false
			}
		}
		a.StoreImm(s, jit.M(jit.RDI, 0), v)
	default:
		return false
	}
	return true
}

// lea translates LEA r, m.
func (x *xlator) lea(u *uop) bool {
	s := u.sz[0]
	if u.kind[0] != kReg || u.kind[1] != kMem || s < 2 || !isInt(s) {
		return false
	}
	if !x.ea(u, false) {
		return false
	}
	if s == 4 {
		x.a.MovRR(4, jit.RAX, jit.RAX) // zero-extend
	}
	x.storeReg(u.r[0], s, jit.RAX)
	return true
}

// movx translates MOVZX, MOVSX and MOVSXD.
func (x *xlator) movx(u *uop) bool {
	a := x.a
	d, s := u.sz[0], u.sz[1]
	if u.kind[0] != kReg || !isInt(d) || !isInt(s) || d < 2 {
		return false
	}
	switch u.kind[1] {
	case kReg:
		x.loadReg(jit.RAX, u.r[1], s)
	case kMem:
		if !x.ea(u, true) {
			return false
		}
		x.probe(mmu.Read, s, jit.RSI)
		x.loadMem(jit.RAX, jit.RSI, s)
	default:
		return false
	}
	sx := u.aux != 0
	if sx && s < d {
		ds := d
		if ds == 2 {
			ds = 4 // the low word is what is stored
		}
		a.Movsx(ds, s, jit.RAX, jit.RAX)
	}
	x.storeReg(u.r[0], d, jit.RAX)
	return true
}

// aluOps maps the ALU mnemonics to host ALU operations (TEST: 8).
func aluOp(op uint16) (jit.ALU, bool) {
	switch op {
	case jopADD:
		return jit.ADD, true
	case jopOR:
		return jit.OR, true
	case jopADC:
		return jit.ADC, true
	case jopSBB:
		return jit.SBB, true
	case jopAND:
		return jit.AND, true
	case jopSUB:
		return jit.SUB, true
	case jopXOR:
		return jit.XOR, true
	case jopCMP:
		return jit.CMP, true
	}
	return 0, false
}

// needCF puts the guest CF in the host CF (ADC, SBB, INC, DEC).
func (x *xlator) needCF() {
	if !x.fl.host {
		x.a.BtMI(8, jit.M(hCPU, offFlagSlot), 0)
	}
}

// alu translates ADD, OR, ADC, SBB, AND, SUB, XOR, CMP and TEST.
func (x *xlator) alu(u *uop) bool {
	a := x.a
	test := u.op == jopTEST
	op, _ := aluOp(u.op)
	s := u.sz[0]
	k0, k1 := u.kind[0], u.kind[1]
	if !isInt(s) || k1 != kImm && !isInt(u.sz[1]) {
		return false
	}
	logic := test || op == jit.AND || op == jit.OR || op == jit.XOR
	writes := !test && op != jit.CMP
	carry := op == jit.ADC || op == jit.SBB
	imm := int64(u.imm & sizeMask[s])
	if s == 8 {
		imm = int64(u.imm)
		if imm != int64(int32(imm)) {
			return false
		}
	}
	emit := func(dst, src jit.Reg, useImm bool) {
		switch {
		case test && useImm:
			a.TestRI(s, dst, imm)
		case test:
			a.TestRR(s, dst, src)
		case useImm:
			a.AluRI(s, op, dst, imm)
		default:
			a.AluRR(s, op, dst, src)
		}
	}
	if d := x.cached(u.r[0], s); k0 == kReg && d != jit.NoReg && (k1 == kReg || k1 == kImm) {
		// The destination lives in a host register: operate on it directly (a host
		// 32-bit operation zero-extends and an 8/16-bit one merges, as the guest's do).
		src := jit.RCX
		if k1 == kReg {
			if sc := x.cached(u.r[1], s); sc != jit.NoReg {
				src = sc
			} else {
				x.loadReg(jit.RCX, u.r[1], s)
			}
		}
		if carry {
			x.needCF()
		}
		emit(d, src, k1 == kImm)
		x.capture(logic)
		if writes {
			x.rc.dirty |= 1 << (u.r[0] & 15)
		}
		return true
	}
	switch {
	case k0 == kReg && (k1 == kReg || k1 == kImm):
		if carry {
			x.needCF() // before the loads: it may clobber RCX and RDX
		}
		x.loadReg(jit.RAX, u.r[0], s)
		if k1 == kReg {
			x.loadReg(jit.RCX, u.r[1], s)
		}
		emit(jit.RAX, jit.RCX, k1 == kImm)
	case k0 == kReg && k1 == kMem:
		if !x.ea(u, true) {
			return false
		}
		x.probe(mmu.Read, s, jit.RSI)
		if carry {
			x.needCF()
		}
		x.loadMem(jit.RCX, jit.RSI, s)
		x.loadReg(jit.RAX, u.r[0], s)
		emit(jit.RAX, jit.RCX, false)
	case k0 == kMem && (k1 == kReg || k1 == kImm):
		if !x.ea(u, true) {
			return false
		}
		x.probe(mmu.Read, s, jit.RSI)
		if writes {
			x.probe(mmu.Write, s, jit.RDI)
		}
		if carry {
			x.needCF()
		}
		x.loadMem(jit.RAX, jit.RSI, s)
		if k1 == kReg {
			x.loadReg(jit.RCX, u.r[1], s)
		}
		emit(jit.RAX, jit.RCX, k1 == kImm)
	default:
		return false
	}
	if writes {
		if k0 == kReg {
			x.storeReg(u.r[0], s, jit.RAX)
		} else {
			a.Store(s, jit.M(jit.RDI, 0), jit.RAX)
		}
	}
	x.capture(logic)
	return true
}

// unary translates INC, DEC, NEG and NOT on a register or memory.
func (x *xlator) unary(u *uop) bool {
	a := x.a
	s := u.sz[0]
	if u.nargs != 1 || !isInt(s) {
		return false
	}
	flags := u.op != jopNOT
	incdec := u.op == jopINC || u.op == jopDEC
	switch u.kind[0] {
	case kReg:
		x.loadReg(jit.RAX, u.r[0], s)
	case kMem:
		if !x.ea(u, true) {
			return false
		}
		x.probe(mmu.Read, s, jit.RSI)
		x.probe(mmu.Write, s, jit.RDI)
		x.loadMem(jit.RAX, jit.RSI, s)
	default:
		return false
	}
	if incdec {
		x.needCF() // INC and DEC keep CF: the host's must be the guest's
	}
	switch u.op {
	case jopINC:
		a.Inc(s, jit.RAX)
	case jopDEC:
		a.Dec(s, jit.RAX)
	case jopNEG:
		a.Neg(s, jit.RAX)
	default:
		a.Not(s, jit.RAX)
	}
	if u.kind[0] == kReg {
		x.storeReg(u.r[0], s, jit.RAX)
	} else {
		a.Store(s, jit.M(jit.RDI, 0), jit.RAX)
	}
	if flags {
		x.capture(false)
	}
	return true
}

// shift translates SHL, SHR, SAR, ROL and ROR of a register by an immediate count.
func (x *xlator) shift(u *uop) bool {
	a := x.a
	s := u.sz[0]
	if u.kind[0] != kReg || u.kind[1] != kImm || !isInt(s) {
		return false
	}
	w := uint64(s) * 8
	n := u.imm & 31
	if s == 8 {
		n = u.imm & 63
	}
	rot := u.op == jopROL || u.op == jopROR
	if n >= w || rot && s < 4 {
		return false // the architecturally undefined corners stay with the interpreter
	}
	if n == 0 {
		if s == 4 {
			x.loadReg(jit.RAX, u.r[0], 4)
			x.storeReg(u.r[0], 4, jit.RAX)
		}
		return true
	}
	var op jit.Shift
	switch u.op {
	case jopSHL:
		op = jit.SHL
	case jopSHR:
		op = jit.SHR
	case jopSAR:
		op = jit.SAR
	case jopROL:
		op = jit.ROL
	default:
		op = jit.ROR
	}
	msb := uint8(w - 1)
	if h := x.cached(u.r[0], s); h != jit.NoReg && s >= 4 && x.flagsDead() {
		// Nothing sees the flags: the host shifts the cached register in place (a
		// 32-bit shift clears the upper half, as the guest's does).
		a.ShiftRI(s, op, h, uint8(n))
		x.rc.dirty |= 1 << (u.r[0] & 15)
		x.fl = flagState{afDirty: x.fl.afDirty}
		return true
	}
	x.loadReg(jit.RAX, u.r[0], s)
	if op == jit.SHR {
		x.a.MovRR(8, jit.RSI, jit.RAX) // OF is the original sign bit
	}
	a.ShiftRI(s, op, jit.RAX, uint8(n))
	// setOF sets RCX's OF (bit 11) to bit 0 of RDI.
	setOF := func() {
		a.AluRI(4, jit.AND, jit.RDI, 1)
		a.ShiftRI(4, jit.SHL, jit.RDI, 11)
		a.AluRI(4, jit.AND, jit.RCX, ^int64(FlagOF|FlagAF))
		a.AluRR(4, jit.OR, jit.RCX, jit.RDI)
	}
	switch op {
	case jit.SHL, jit.ROL: // OF = MSB(result) ^ CF
		mask := uint32(fArith)
		if rot {
			mask = fRot
		}
		x.captureFix(mask, func() {
			a.MovRR(8, jit.RDI, jit.RAX)
			a.ShiftRI(8, jit.SHR, jit.RDI, msb)
			a.AluRR(4, jit.XOR, jit.RDI, jit.RCX)
			setOF()
		})
	case jit.SHR: // OF = MSB(original)
		x.captureFix(fArith, func() {
			a.MovRR(8, jit.RDI, jit.RSI)
			a.ShiftRI(8, jit.SHR, jit.RDI, msb)
			setOF()
		})
	case jit.SAR: // OF = 0
		x.captureFix(fArith, func() {
			a.AluRI(4, jit.AND, jit.RCX, ^int64(FlagOF|FlagAF))
		})
	case jit.ROR: // OF = MSB(result) ^ MSB-1(result)
		x.captureFix(fRot, func() {
			a.MovRR(8, jit.RDI, jit.RAX)
			a.ShiftRI(8, jit.SHR, jit.RDI, msb-1)
			a.MovRR(8, jit.RDX, jit.RDI)
			a.ShiftRI(8, jit.SHR, jit.RDX, 1)
			a.AluRR(4, jit.XOR, jit.RDI, jit.RDX)
			setOF()
		})
	}
	x.storeReg(u.r[0], s, jit.RAX)
	return true
}

// imul translates the two- and three-operand IMUL forms.
func (x *xlator) imul(u *uop) bool {
	a := x.a
	s := u.sz[0]
	if u.kind[0] != kReg || s < 2 || !isInt(s) || u.nargs < 2 || u.nargs > 3 {
		return false
	}
	three := u.nargs == 3
	if three && u.kind[2] != kImm {
		return false
	}
	imm := int64(u.imm & sizeMask[s])
	if three {
		imm = int64(signExt(u.imm&sizeMask[s], s))
		if imm != int64(int32(imm)) {
			return false
		}
	}
	switch u.kind[1] {
	case kReg:
		x.loadReg(jit.RCX, u.r[1], s)
	case kMem:
		if !x.ea(u, true) {
			return false
		}
		x.probe(mmu.Read, s, jit.RSI)
		x.loadMem(jit.RCX, jit.RSI, s)
	default:
		return false
	}
	if three {
		a.ImulRRI(s, jit.RAX, jit.RCX, imm)
	} else {
		x.loadReg(jit.RAX, u.r[0], s)
		a.ImulRR(s, jit.RAX, jit.RCX)
	}
	// CF = OF from the host; SF, ZF, PF from the (truncated) result; AF = 0.
	x.captureFix(fArith, func() {
		a.AluRI(4, jit.AND, jit.RCX, FlagCF|FlagOF)
		a.TestRR(s, jit.RAX, jit.RAX)
		a.Pushfq()
		a.Pop(jit.RDX)
		a.AluRI(4, jit.AND, jit.RDX, FlagSF|FlagZF|FlagPF)
		a.AluRR(4, jit.OR, jit.RCX, jit.RDX)
	})
	if s == 2 {
		x.storeReg(u.r[0], 2, jit.RAX)
	} else {
		if s == 4 {
			a.MovRR(4, jit.RAX, jit.RAX)
		}
		x.storeReg(u.r[0], s, jit.RAX)
	}
	return true
}

// push translates PUSH r64 / PUSH imm (64-bit operand size).
func (x *xlator) push(u *uop) bool {
	a := x.a
	if u.osize != 8 || u.kind[0] != kReg && u.kind[0] != kImm {
		return false
	}
	x.loadReg(jit.RAX, RSP, 8)
	a.Lea(8, jit.RAX, jit.M(jit.RAX, -8))
	x.probe(mmu.Write, 8, jit.RDI)
	if u.kind[0] == kReg {
		x.loadReg(jit.RCX, u.r[0], 8)
		a.Store(8, jit.M(jit.RDI, 0), jit.RCX)
	} else {
		v := int64(u.imm)
		if v != int64(int32(v)) {
			return false
		}
		a.StoreImm(8, jit.M(jit.RDI, 0), v)
	}
	x.storeReg(RSP, 8, jit.RAX)
	return true
}

// pop translates POP r64.
func (x *xlator) pop(u *uop) bool {
	a := x.a
	if u.osize != 8 || u.kind[0] != kReg {
		return false
	}
	x.loadReg(jit.RAX, RSP, 8)
	x.probe(mmu.Read, 8, jit.RSI)
	a.Load(8, jit.RCX, jit.M(jit.RSI, 0))
	a.Lea(8, jit.RAX, jit.M(jit.RAX, 8))
	x.storeReg(RSP, 8, jit.RAX)
	x.storeReg(u.r[0], 8, jit.RCX)
	return true
}

// leave translates LEAVE in 64-bit mode: RBP popped from where it points, RSP above it
// (nothing changes when the read leaves for the interpreter).
func (x *xlator) leave(u *uop) bool {
	a := x.a
	if u.osize != 8 {
		return false
	}
	x.loadReg(jit.RAX, RBP, 8)
	x.probe(mmu.Read, 8, jit.RSI)
	a.Load(8, jit.RCX, jit.M(jit.RSI, 0))
	a.Lea(8, jit.RAX, jit.M(jit.RAX, 8))
	x.storeReg(RSP, 8, jit.RAX)
	x.storeReg(RBP, 8, jit.RCX)
	return true
}

// relTarget returns the target of a relative branch; false when it is not canonical
// (the interpreter raises the #GP).
func (x *xlator) relTarget(u *uop) (uint64, bool) {
	if u.kind[0] != kRel || u.osize != 8 {
		return 0, false
	}
	t := x.next + u.imm
	return t, canonical(t)
}

// jmp translates JMP rel.
func (x *xlator) jmp(u *uop) bool {
	t, ok := x.relTarget(u)
	if !ok {
		return false
	}
	x.chain(t)
	x.end = true
	return true
}

// jcc translates Jcc rel: both ways end the block.
func (x *xlator) jcc(u *uop, cc uint8) bool {
	t, ok := x.relTarget(u)
	if !ok {
		return false
	}
	a := x.a
	taken := a.NewLabel()
	a.Jcc(x.cond(cc), taken)
	x.chain(x.next)
	a.Bind(taken)
	x.chain(t)
	x.end = true
	return true
}

// call translates CALL rel.
func (x *xlator) call(u *uop) bool {
	a := x.a
	t, ok := x.relTarget(u)
	if !ok {
		return false
	}
	x.loadReg(jit.RAX, RSP, 8)
	a.Lea(8, jit.RAX, jit.M(jit.RAX, -8))
	x.probe(mmu.Write, 8, jit.RDI)
	a.MovImm(jit.RCX, x.next)
	a.Store(8, jit.M(jit.RDI, 0), jit.RCX)
	x.storeReg(RSP, 8, jit.RAX)
	x.chain(t)
	x.end = true
	return true
}

// ret translates RET (near, no immediate).
func (x *xlator) ret(u *uop) bool {
	a := x.a
	if u.osize != 8 || u.imm != 0 {
		return false
	}
	x.loadReg(jit.RAX, RSP, 8)
	x.probe(mmu.Read, 8, jit.RSI)
	a.Load(8, jit.RDI, jit.M(jit.RSI, 0))
	x.canonicalCheck(jit.RDI)
	a.Lea(8, jit.RAX, jit.M(jit.RAX, 8))
	x.storeReg(RSP, 8, jit.RAX)
	a.Store(8, jit.M(hCPU, offRIP), jit.RDI)
	x.jumpIndirect()
	return true
}

// jmpInd translates JMP r/m64 and CALL r/m64.
func (x *xlator) jmpInd(u *uop, call bool) bool {
	a := x.a
	if u.osize != 8 || u.sz[0] != 8 {
		return false
	}
	switch u.kind[0] {
	case kReg:
		x.loadReg(jit.RDI, u.r[0], 8)
	case kMem:
		if !x.ea(u, true) {
			return false
		}
		x.probe(mmu.Read, 8, jit.RSI)
		a.Load(8, jit.RDI, jit.M(jit.RSI, 0))
	default:
		return false
	}
	x.canonicalCheck(jit.RDI)
	if call {
		x.loadReg(jit.RAX, RSP, 8)
		a.Lea(8, jit.RAX, jit.M(jit.RAX, -8))
		x.probe(mmu.Write, 8, jit.RSI) // RDI (the target) is kept
		a.MovImm(jit.RCX, x.next)
		a.Store(8, jit.M(jit.RSI, 0), jit.RCX)
		x.storeReg(RSP, 8, jit.RAX)
	}
	a.Store(8, jit.M(hCPU, offRIP), jit.RDI)
	x.jumpIndirect()
	return true
}

// setcc translates SETcc r8.
func (x *xlator) setcc(u *uop, cc uint8) bool {
	if u.kind[0] != kReg || u.sz[0] != 1 {
		return false
	}
	hc := x.cond(cc)
	x.a.Setcc(hc, jit.RAX)
	x.storeReg(u.r[0], 1, jit.RAX)
	return true
}

// cmov translates CMOVcc r, r.
func (x *xlator) cmov(u *uop, cc uint8) bool {
	s := u.sz[0]
	if u.kind[0] != kReg || u.kind[1] != kReg || s < 2 || !isInt(s) {
		return false
	}
	hc := x.cond(cc) // may clobber RCX and RDX
	x.loadReg(jit.RAX, u.r[0], s)
	x.loadReg(jit.RSI, u.r[1], s)
	x.a.Cmovcc(s, hc, jit.RAX, jit.RSI)
	x.storeReg(u.r[0], s, jit.RAX)
	return true
}

// jitDumpHook, when set (diagnostics), sees the code of every translation.
var jitDumpHook func(rip uint64, code []byte)
