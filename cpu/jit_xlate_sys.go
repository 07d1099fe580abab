package cpu

import (
	"unsafe"

	"github.com/kppemu/kppemu/cpu/jit"
	"github.com/kppemu/kppemu/mmu"
)

// Translation of the flag instructions with privilege rules (PUSHF, POPF, CLI, STI),
// of CLD and STD, of RDTSC, and of the string instructions. Each checks at run time what the interpreter
// would check (CPL against IOPL, a pending request, DF, the TLB) and leaves the
// instruction to the interpreter, before anything of it has happened, whenever the
// outcome is not the plain one: a fault, a change of TF or AC (which change how
// every later instruction runs), an interrupt that becomes deliverable. Where an
// instruction makes work pending (STI's interrupt shadow), the block ends right after
// it and the run loop takes the pending work at exactly the interpreter's instruction.

// Offsets in the CPU struct of the state these translations read and write.
var (
	offCPL         = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.CPL))
	offINTRLine    = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.INTRLine))
	offIntrShadow  = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.IntrShadow))
	offKernelGS    = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.KernelGSBase))
	offCR4         = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.CR4))
	offClock       = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.Clock))
	offTSCOffset   = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.TSCOffset))
	offEntryBudget = int32(unsafe.Offsetof(CPU{}.jit) + unsafe.Offsetof(jitState{}.entryBudget))
)

// Mnemonics of this file's instructions (the dispatch in jit_xlate.go looks them up
// here).
var (
	jopPUSHF  = opSet("PUSHF", "PUSHFQ")
	jopPOPF   = opSet("POPF", "POPFQ")
	jopCLI    = jop("CLI")
	jopSTI    = jop("STI")
	jopPAUSE  = jop("PAUSE")
	jopSWAPGS = jop("SWAPGS")
	jopCLD    = jop("CLD")
	jopSTD    = jop("STD")
	jopRDTSC  = jop("RDTSC")
	jopString = opSet("MOVSB", "MOVSW", "MOVSD", "MOVSQ", "STOSB", "STOSW", "STOSD", "STOSQ",
		"LODSB", "LODSW", "LODSD", "LODSQ", "CMPSB", "CMPSW", "CMPSD", "CMPSQ", "SCASB", "SCASW", "SCASD", "SCASQ")
)

func opSet(names ...string) map[uint16]bool {
	m := make(map[uint16]bool)
	for _, n := range names {
		if op, ok := opByName[n]; ok {
			m[uint16(op)] = true
		}
	}
	return m
}

// jitSysOp reports whether u is one of the instructions of this file.
func jitSysOp(u *uop) bool {
	return jopPUSHF[u.op] || jopPOPF[u.op] || u.op == jopCLI || u.op == jopSTI || u.op == jopPAUSE ||
		u.op == jopSWAPGS || jopString[u.op] || u.op == jopSYSCALL || u.op == jopSYSRET ||
		u.op == jopCLD || u.op == jopSTD || u.op == jopRDTSC
}

// jitRepOK reports whether an instruction with a repeat prefix may be translated:
// PAUSE (F3 90) and the string instructions.
func jitRepOK(u *uop) bool { return u.op == jopPAUSE || jopString[u.op] }

// sys translates the instructions of this file.
func (x *xlator) sys(u *uop) bool {
	switch {
	case jopPUSHF[u.op]:
		return x.pushf(u)
	case jopPOPF[u.op]:
		return x.popf(u)
	case u.op == jopCLI:
		return x.cli()
	case u.op == jopSTI:
		return x.sti()
	case u.op == jopPAUSE:
		return true // a spin-wait hint: nothing else happens (as in the interpreter)
	case u.op == jopSWAPGS:
		return x.swapgs()
	case jopString[u.op]:
		return x.str(u)
	case u.op == jopCLD:
		x.a.AluMI(8, jit.AND, jit.M(hCPU, offRFLAGS), ^int64(FlagDF))
		x.clobber()
		return true
	case u.op == jopSTD:
		x.a.AluMI(8, jit.OR, jit.M(hCPU, offRFLAGS), FlagDF)
		x.clobber()
		return true
	case u.op == jopRDTSC:
		return x.rdtsc()
	case u.op == jopSYSCALL:
		return x.syscall()
	case u.op == jopSYSRET:
		return x.sysret(u)
	}
	return false
}

// rdtsc translates RDTSC: EDX:EAX = Clock + TSCOffset, Clock being this instruction's
// (as the interpreter counts it, the instruction included). Go's Clock is that of the
// last entry into generated code, and the budget tells how many instructions ran since:
// Go entered with jitState.entryBudget, and every translation charges its whole count
// at its top (a helper exit's way back charges what is left of it), so before this
// instruction entryBudget - R12 - (the translation's instructions from this one on)
// ran. With CR4.TSD set outside CPL 0 the interpreter raises the #GP.
func (x *xlator) rdtsc() bool {
	a := x.a
	x.clobber()
	slow := x.stub()
	ok := a.NewLabel()
	a.TestMI(4, jit.M(hCPU, offCR4), CR4TSD)
	a.Jcc(jit.CondE, ok)
	a.AluMI(1, jit.CMP, jit.M(hCPU, offCPL), 0)
	a.Jcc(jit.CondNE, slow)
	a.Bind(ok)
	a.Load(8, jit.RAX, jit.M(hCPU, offClock))
	a.AluRM(8, jit.ADD, jit.RAX, jit.M(hCPU, offTSCOffset))
	a.AluRM(8, jit.ADD, jit.RAX, jit.M(hCPU, offEntryBudget))
	a.AluRR(8, jit.SUB, jit.RAX, hBudget)
	if k := 1 - (int64(x.limit) - int64(x.done)); k != 0 {
		a.AluRI(8, jit.ADD, jit.RAX, k)
	}
	a.MovRR(8, jit.RDX, jit.RAX)
	a.ShiftRI(8, jit.SHR, jit.RDX, 32)
	a.MovRR(4, jit.RAX, jit.RAX)
	x.storeReg(RAX, 8, jit.RAX)
	x.storeReg(RDX, 8, jit.RDX)
	return true
}

// exitAfter emits an exit to Go after the current instruction (it has run: RIP is
// the next one's, and the budget gets back the instructions of the block after it).
// It is emitted inline; the code that falls through continues the block.
func (x *xlator) exitAfter() { x.exitRan(x.next) }

// exitRan emits an exit to Go, with RIP at ip, after the current instruction has run
// (a REP instruction with elements left runs again: ip is its own address).
func (x *xlator) exitRan(ip uint64) {
	a := x.a
	x.writeBack(x.rc.dirty)
	x.fixAF(x.fl)
	x.flushMX(x.mx)
	if rest := int64(x.limit) - int64(x.done) - 1; rest > 0 {
		a.AluRI(8, jit.ADD, hBudget, rest)
	}
	x.setRIP(ip)
	a.MovImm(jit.RAX, jitExitEnd)
	a.Ret()
}

// privCheck exits to the interpreter (which raises the #GP) when CPL > IOPL. It leaves
// RFLAGS in RCX.
func (x *xlator) privCheck() {
	a := x.a
	x.clobber()
	slow := x.stub()
	a.LoadZx(1, jit.RAX, jit.M(hCPU, offCPL))
	a.Load(8, jit.RCX, jit.M(hCPU, offRFLAGS))
	a.MovRR(4, jit.RDX, jit.RCX)
	a.ShiftRI(4, jit.SHR, jit.RDX, 12)
	a.AluRI(4, jit.AND, jit.RDX, 3)
	a.AluRR(4, jit.CMP, jit.RAX, jit.RDX)
	a.Jcc(jit.CondA, slow)
}

// cli translates CLI. Interrupts cannot be pending when IF is 1 in generated code
// (the run loop takes them before it enters), so clearing IF is all there is to it,
// unless another goroutine has asked for something in between: then the interpreter
// runs it.
func (x *xlator) cli() bool {
	a := x.a
	x.privCheck()
	a.AluMI(4, jit.CMP, jit.M(hCPU, offPending), 0)
	a.Jcc(jit.CondNE, x.stubs[len(x.stubs)-1].l)
	a.AluRI(8, jit.AND, jit.RCX, ^int64(FlagIF))
	a.Store(8, jit.M(hCPU, offRFLAGS), jit.RCX)
	return true
}

// sti translates STI: nothing when IF is already 1; else IF is set and the interrupt
// shadow covers the next instruction. When INTR is low and the next instruction is in
// this translation, it runs right after this one without the run loop in between (or
// exits to the interpreter, which runs it at once, the budget covering it): the shadow
// has nothing to hold back, as no interrupt can become pending in between, and it ends
// with that instruction, so the block goes on as if there were none. Otherwise the shadow is set as the interpreter sets it (pendShadow, and
// pendIntr when INTR is asserted, as syncPending sets them), and the block ends so that
// the run loop runs the next instruction through its shadow path.
func (x *xlator) sti() bool {
	a := x.a
	x.privCheck()
	done := a.NewLabel()
	a.TestRI(4, jit.RCX, FlagIF)
	a.Jcc(jit.CondNE, done)
	a.AluRI(8, jit.OR, jit.RCX, FlagIF)
	a.Store(8, jit.M(hCPU, offRFLAGS), jit.RCX)
	next := x.i+1 < x.limit
	if next {
		a.AluMI(1, jit.CMP, jit.M(hCPU, offINTRLine), 0)
		a.Jcc(jit.CondE, done)
	}
	a.StoreImm(1, jit.M(hCPU, offIntrShadow), 1)
	a.LockAluMI(4, jit.OR, jit.M(hCPU, offPending), pendShadow)
	if !next {
		noIntr := a.NewLabel()
		a.AluMI(1, jit.CMP, jit.M(hCPU, offINTRLine), 0)
		a.Jcc(jit.CondE, noIntr)
		a.LockAluMI(4, jit.OR, jit.M(hCPU, offPending), pendIntr)
		a.Bind(noIntr)
	} else {
		a.LockAluMI(4, jit.OR, jit.M(hCPU, offPending), pendIntr)
	}
	x.exitAfter()
	a.Bind(done)
	return true
}

// pushf translates PUSHFQ: RFLAGS with the arithmetic flags from the slot, VM and RF
// as 0.
func (x *xlator) pushf(u *uop) bool {
	a := x.a
	if u.osize != 8 {
		return false
	}
	x.loadReg(jit.RAX, RSP, 8)
	a.Lea(8, jit.RAX, jit.M(jit.RAX, -8))
	x.probe(mmu.Write, 8, jit.RDI)
	arith := int64(fArith)
	if x.fl.afDirty {
		arith &^= FlagAF // the slot's AF is the host's: the guest's is 0
	}
	a.Load(8, jit.RCX, jit.M(hCPU, offFlagSlot))
	a.AluRI(4, jit.AND, jit.RCX, arith)
	a.Load(8, jit.RDX, jit.M(hCPU, offRFLAGS))
	a.AluRI(8, jit.AND, jit.RDX, ^int64(fArith|FlagVM|FlagRF))
	a.AluRR(8, jit.OR, jit.RCX, jit.RDX)
	a.Store(8, jit.M(jit.RDI, 0), jit.RCX)
	x.storeReg(RSP, 8, jit.RAX)
	return true
}

// popf translates POPFQ when it leaves TF, AC and IOPL as they are, and IF too unless
// it may change it (CPL <= IOPL) and no interrupt becomes deliverable: setting IF with
// INTR asserted, or clearing it with work pending, is left to the interpreter. The
// other flags it may write (the arithmetic ones, DF, NT, ID) it writes; RF it clears.
func (x *xlator) popf(u *uop) bool {
	a := x.a
	if u.osize != 8 {
		return false
	}
	x.loadReg(jit.RAX, RSP, 8)
	x.probe(mmu.Read, 8, jit.RSI)
	slow := x.stubs[len(x.stubs)-1].l
	a.Load(8, jit.RSI, jit.M(jit.RSI, 0)) // the popped value
	a.Load(8, jit.RCX, jit.M(hCPU, offRFLAGS))
	a.MovRR(8, jit.RDX, jit.RSI)
	a.AluRR(8, jit.XOR, jit.RDX, jit.RCX) // what would change
	a.TestRI(4, jit.RDX, FlagTF|FlagAC|FlagIOPL)
	a.Jcc(jit.CondNE, slow)
	write := int64(fArith | FlagDF | FlagNT | FlagID)
	ifSame := a.NewLabel()
	a.TestRI(4, jit.RDX, FlagIF)
	a.Jcc(jit.CondE, ifSame)
	// IF differs: it is written only when CPL <= IOPL; the interpreter takes the
	// other case, and the cases that make an interrupt deliverable or drop one.
	a.LoadZx(1, jit.RDI, jit.M(hCPU, offCPL))
	a.MovRR(4, jit.RDX, jit.RCX)
	a.ShiftRI(4, jit.SHR, jit.RDX, 12)
	a.AluRI(4, jit.AND, jit.RDX, 3)
	a.AluRR(4, jit.CMP, jit.RDI, jit.RDX)
	a.Jcc(jit.CondA, slow)
	a.AluMI(4, jit.CMP, jit.M(hCPU, offPending), 0)
	a.Jcc(jit.CondNE, slow)
	toOne := a.NewLabel()
	a.TestRI(4, jit.RSI, FlagIF)
	a.Jcc(jit.CondNE, toOne)
	a.AluRI(8, jit.AND, jit.RCX, ^int64(FlagIF)) // 1 -> 0: nothing was pending
	a.Jmp(ifSame)
	a.Bind(toOne)
	a.AluMI(1, jit.CMP, jit.M(hCPU, offINTRLine), 0)
	a.Jcc(jit.CondNE, slow)
	a.AluRI(8, jit.OR, jit.RCX, FlagIF)
	a.Bind(ifSame)
	a.AluRI(4, jit.AND, jit.RSI, write)
	a.AluRI(8, jit.AND, jit.RCX, ^(write | FlagRF))
	a.AluRR(8, jit.OR, jit.RCX, jit.RSI)
	a.Store(8, jit.M(hCPU, offRFLAGS), jit.RCX)
	a.Store(8, jit.M(hCPU, offFlagSlot), jit.RCX)
	a.Lea(8, jit.RAX, jit.M(jit.RAX, 8))
	x.storeReg(RSP, 8, jit.RAX)
	x.fl = flagState{}
	return true
}

// swapgs translates SWAPGS (CPL 0; in 64-bit mode, where generated code runs): GS's
// base and KernelGSBase trade places. Memory operands read GS's base afresh each time.
func (x *xlator) swapgs() bool {
	a := x.a
	x.clobber()
	slow := x.stub()
	a.AluMI(1, jit.CMP, jit.M(hCPU, offCPL), 0)
	a.Jcc(jit.CondNE, slow)
	gs := jit.M(hCPU, offSegBase+segSize*GS)
	a.Load(8, jit.RAX, gs)
	a.Load(8, jit.RCX, jit.M(hCPU, offKernelGS))
	a.Store(8, gs, jit.RCX)
	a.Store(8, jit.M(hCPU, offKernelGS), jit.RAX)
	return true
}

// pushMem translates PUSH m64: the read comes first (its fault wins), then the write.
func (x *xlator) pushMem(u *uop) bool {
	a := x.a
	if u.osize != 8 || u.sz[0] != 8 {
		return false
	}
	if !x.ea(u, true) {
		return false
	}
	x.probe(mmu.Read, 8, jit.RSI)
	a.Load(8, jit.RSI, jit.M(jit.RSI, 0))
	x.loadReg(jit.RAX, RSP, 8)
	a.Lea(8, jit.RAX, jit.M(jit.RAX, -8))
	x.probe(mmu.Write, 8, jit.RDI)
	a.Store(8, jit.M(jit.RDI, 0), jit.RSI)
	x.storeReg(RSP, 8, jit.RAX)
	return true
}

// str translates MOVS and STOS, with or without REP, of 64-bit addresses. One
// execution moves what the interpreter's does: one element, or with REP min(RCX,
// strChunk) elements, after which RIP stays on the instruction while RCX is not 0 (the
// block ends there and the next dispatch resumes it). It runs in generated code only
// when DF is 0 and each of its ranges lies in one page that hits the TLB (no fault,
// device or code page possible); otherwise the interpreter runs it, from the start of
// the execution. The copy is the host's REP MOVS/STOS, whose element-by-element result
// on overlapping ranges is the guest's.
func (x *xlator) str(u *uop) bool {
	a := x.a
	op, s := u.aux&0xF, u.osize
	rep := u.aux&strRep != 0
	if u.asize != 8 || !isInt(s) || op != strSTOS && (u.seg == FS || u.seg == GS) {
		return false
	}
	switch op {
	case strLODS:
		return x.lods(s, rep)
	case strCMPS, strSCAS:
		return x.strCompare(op, s, rep, u.aux&strRepNE != 0)
	case strMOVS, strSTOS:
	default:
		return false
	}
	sh := uint8(0)
	for 1<<sh < s {
		sh++
	}
	x.clobber()
	slow := x.stub()
	done := a.NewLabel()
	a.TestMI(4, jit.M(hCPU, offRFLAGS), FlagDF)
	a.Jcc(jit.CondNE, slow)
	// RDX: the bytes this execution moves.
	if rep {
		x.loadReg(jit.RDX, RCX, 8)
		a.TestRR(8, jit.RDX, jit.RDX)
		a.Jcc(jit.CondE, done) // no iteration: nothing happens
		a.MovImm(jit.RSI, strChunk)
		a.AluRR(8, jit.CMP, jit.RDX, jit.RSI)
		a.Cmovcc(8, jit.CondA, jit.RDX, jit.RSI)
		if sh > 0 {
			a.ShiftRI(8, jit.SHL, jit.RDX, sh)
		}
	} else {
		a.MovImm(jit.RDX, uint64(s))
	}
	if op == strMOVS {
		x.loadReg(jit.RAX, RSI, 8)
		x.probeRange(mmu.Read, jit.RSI, slow)
	}
	x.loadReg(jit.RAX, RDI, 8)
	x.probeRange(mmu.Write, jit.RDI, slow)
	a.MovRR(8, jit.RCX, jit.RDX)
	if sh > 0 {
		a.ShiftRI(8, jit.SHR, jit.RCX, sh)
	}
	if op == strSTOS {
		x.loadReg(jit.RAX, RAX, 8)
		a.RepStos(s)
	} else {
		a.RepMovs(s)
	}
	x.loadReg(jit.RAX, RDI, 8)
	a.AluRR(8, jit.ADD, jit.RAX, jit.RDX)
	x.storeReg(RDI, 8, jit.RAX)
	if op == strMOVS {
		x.loadReg(jit.RAX, RSI, 8)
		a.AluRR(8, jit.ADD, jit.RAX, jit.RDX)
		x.storeReg(RSI, 8, jit.RAX)
	}
	if rep {
		if sh > 0 {
			a.ShiftRI(8, jit.SHR, jit.RDX, sh)
		}
		x.loadReg(jit.RAX, RCX, 8)
		a.AluRR(8, jit.SUB, jit.RAX, jit.RDX)
		x.storeReg(RCX, 8, jit.RAX) // a move: the flags stay the SUB's
		a.Jcc(jit.CondE, done)
		x.exitRan(x.ip)
	}
	a.Bind(done)
	return true
}

// probeRange is probe for a run of RDX bytes (1 or more) at the linear address in
// RAX, which must lie in one page: it leaves the host address in out or exits to the
// interpreter through slow. It clobbers RCX, out and the host flags; RAX and RDX are
// kept.
func (x *xlator) probeRange(acc mmu.Access, out jit.Reg, slow jit.Label) {
	a := x.a
	tbl, pk := offTLBR, offPKR
	if acc == mmu.Write {
		tbl, pk = offTLBW, offPKW
	}
	a.Lea(8, jit.RCX, jit.MI(jit.RAX, jit.RDX, 0, -1))
	a.AluRR(8, jit.XOR, jit.RCX, jit.RAX)
	a.ShiftRI(8, jit.SHR, jit.RCX, 12)
	a.Jcc(jit.CondNE, slow) // the run crosses a page boundary (or wraps)
	a.MovRR(8, out, jit.RAX)
	a.ShiftRI(8, jit.SHR, out, 12)
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
	a.AluRM(8, jit.CMP, out, jit.M(jit.RCX, int32(mmu.TLBTagOffset)))
	a.Jcc(jit.CondNE, slow)
	a.Load(4, out, jit.M(hCPU, pk))
	a.TestMR(4, jit.M(jit.RCX, int32(mmu.TLBPKOffset)), out)
	a.Jcc(jit.CondNE, slow)
	a.Load(8, out, jit.M(jit.RCX, int32(mmu.TLBPageOffset)))
	a.TestRR(8, out, out)
	a.Jcc(jit.CondE, slow)
	a.MovRR(4, jit.RCX, jit.RAX)
	a.AluRI(4, jit.AND, jit.RCX, 0xFFF)
	a.AluRR(8, jit.ADD, out, jit.RCX)
}

// strBytes starts a string translation: it exits through a new stub unless DF is 0, and,
// with REP, jumps to done when RCX is 0 (no iteration: nothing happens); it leaves in
// RDX the bytes this execution covers: one element, or with REP min(RCX, strChunk)
// elements of s = 1<<sh bytes. It returns the stub.
func (x *xlator) strBytes(s, sh uint8, rep bool, done jit.Label) jit.Label {
	a := x.a
	x.clobber()
	slow := x.stub()
	a.TestMI(4, jit.M(hCPU, offRFLAGS), FlagDF)
	a.Jcc(jit.CondNE, slow)
	if !rep {
		a.MovImm(jit.RDX, uint64(s))
		return slow
	}
	x.loadReg(jit.RDX, RCX, 8)
	a.TestRR(8, jit.RDX, jit.RDX)
	a.Jcc(jit.CondE, done)
	a.MovImm(jit.RSI, strChunk)
	a.AluRR(8, jit.CMP, jit.RDX, jit.RSI)
	a.Cmovcc(8, jit.CondA, jit.RDX, jit.RSI)
	if sh > 0 {
		a.ShiftRI(8, jit.SHL, jit.RDX, sh)
	}
	return slow
}

// addReg adds host register v to guest register g (64-bit; the host flags change).
func (x *xlator) addReg(g uint8, v jit.Reg, tmp jit.Reg) {
	x.loadReg(tmp, g, 8)
	x.a.AluRR(8, jit.ADD, tmp, v)
	x.storeReg(g, 8, tmp)
}

// lods translates LODS, with or without REP, of 64-bit addresses: the accumulator gets
// the last element of the execution (one, or with REP min(RCX, strChunk)), RSI moves
// past them. Like str, it runs when DF is 0 and the range lies in one page that hits the
// TLB, else the interpreter runs the execution.
func (x *xlator) lods(s uint8, rep bool) bool {
	a := x.a
	sh := log2Size(s)
	done := a.NewLabel()
	slow := x.strBytes(s, sh, rep, done)
	x.loadReg(jit.RAX, RSI, 8)
	x.probeRange(mmu.Read, jit.RSI, slow)
	// The last element: at RSI + bytes - s.
	a.AluRR(8, jit.ADD, jit.RSI, jit.RDX)
	a.Lea(8, jit.RSI, jit.M(jit.RSI, -int32(s)))
	x.loadMem(jit.RCX, jit.RSI, s)
	x.storeReg(RAX, s, jit.RCX)
	x.addReg(RSI, jit.RDX, jit.RAX)
	if rep {
		if sh > 0 {
			a.ShiftRI(8, jit.SHR, jit.RDX, sh)
		}
		x.loadReg(jit.RAX, RCX, 8)
		a.AluRR(8, jit.SUB, jit.RAX, jit.RDX)
		x.storeReg(RCX, 8, jit.RAX)
		a.Jcc(jit.CondE, done)
		x.exitRan(x.ip)
	}
	a.Bind(done)
	return true
}

// strCompare translates CMPS and SCAS, with or without REPE/REPNE, of 64-bit addresses,
// with the host's instruction of the same name: one execution compares up to the
// elements the interpreter's does (one, or with a repeat prefix min(RCX, strChunk)),
// stopping where the repeat condition fails, and leaves the flags of the last
// comparison. With elements left and the condition holding, RIP stays on the
// instruction (the block ends there). It runs when DF is 0 and each range it could
// read lies in one page that hits the TLB, else the interpreter runs the execution.
func (x *xlator) strCompare(op, s uint8, rep, repne bool) bool {
	a := x.a
	sh := log2Size(s)
	done := a.NewLabel()
	slow := x.strBytes(s, sh, rep, done)
	if op == strCMPS {
		x.loadReg(jit.RAX, RSI, 8)
		x.probeRange(mmu.Read, jit.RSI, slow)
	}
	x.loadReg(jit.RAX, RDI, 8)
	x.probeRange(mmu.Read, jit.RDI, slow)
	if op == strSCAS {
		x.loadReg(jit.RAX, RAX, s)
	}
	if !rep {
		// One element: the pointers move by s, then the comparison sets the flags.
		x.loadReg(jit.RCX, RDI, 8)
		a.Lea(8, jit.RCX, jit.M(jit.RCX, int32(s)))
		x.storeReg(RDI, 8, jit.RCX)
		if op == strCMPS {
			x.loadReg(jit.RCX, RSI, 8)
			a.Lea(8, jit.RCX, jit.M(jit.RCX, int32(s)))
			x.storeReg(RSI, 8, jit.RCX)
			a.Cmps(s, jit.RepNone)
		} else {
			a.Scas(s, jit.RepNone)
		}
		x.capture(false)
		a.Bind(done)
		return true
	}
	a.MovRR(8, jit.RCX, jit.RDX)
	if sh > 0 {
		a.ShiftRI(8, jit.SHR, jit.RCX, sh)
	}
	a.MovRR(8, jit.RDX, jit.RCX) // RDX: the elements this execution may compare
	prefix, stop := jit.RepE, jit.CondNE
	if repne {
		prefix, stop = jit.RepNE, jit.CondE
	}
	if op == strCMPS {
		a.Cmps(s, prefix)
	} else {
		a.Scas(s, prefix)
	}
	// SIL: the repeat condition ended the scan; RDI: the elements not compared.
	a.Setcc(stop, jit.RSI)
	a.MovRR(8, jit.RDI, jit.RCX)
	x.spill(false)
	x.clobber()
	a.AluRR(8, jit.SUB, jit.RDX, jit.RDI) // compared
	x.loadReg(jit.RAX, RCX, 8)
	a.AluRR(8, jit.SUB, jit.RAX, jit.RDX)
	x.storeReg(RCX, 8, jit.RAX)
	if sh > 0 {
		a.ShiftRI(8, jit.SHL, jit.RDX, sh)
	}
	x.addReg(RDI, jit.RDX, jit.RCX)
	if op == strCMPS {
		x.addReg(RSI, jit.RDX, jit.RCX)
	}
	a.TestRR(1, jit.RSI, jit.RSI)
	a.Jcc(jit.CondNE, done)
	a.TestRR(8, jit.RAX, jit.RAX)
	a.Jcc(jit.CondE, done)
	x.exitRan(x.ip)
	a.Bind(done)
	return true
}

// log2Size returns log2 of an element size (1, 2, 4 or 8).
func log2Size(s uint8) uint8 {
	sh := uint8(0)
	for 1<<sh < s {
		sh++
	}
	return sh
}
