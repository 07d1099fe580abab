package cpu

import (
	hostcpu "golang.org/x/sys/cpu"

	"github.com/kppemu/kppemu/cpu/jit"
	"github.com/kppemu/kppemu/mmu"
)

// Translation of the multiply/divide, shift/rotate, bit, byte-swap, sign-extension and
// exchange instructions (and of the LOCK forms: there is one processor per goroutine and
// no cache model, so a locked read-modify-write is the plain one, as in the interpreter).
//
// Each follows the interpreter's handler flag for flag, the undefined ones included
// (muldiv.go, shift.go, bit.go, xchg.go): the host instruction computes what it defines
// and the rest is fixed up explicitly. What the host would fault on (a divide error) or
// what the interpreter computes in a way of its own that is not worth repeating (a
// signed 128-bit dividend, a 16-bit shift by more than its width) exits to the
// interpreter before anything changes.

var (
	jopMUL, jopDIV, jopIDIV, jopRCL, jopRCR, jopSHLD, jopSHRD = jop("MUL"), jop("DIV"), jop("IDIV"), jop("RCL"), jop("RCR"), jop("SHLD"), jop("SHRD")
	jopBT, jopBTS, jopBTR, jopBTC, jopBSWAP                   = jop("BT"), jop("BTS"), jop("BTR"), jop("BTC"), jop("BSWAP")
	jopBSF, jopBSR, jopTZCNT, jopLZCNT, jopPOPCNT             = jop("BSF"), jop("BSR"), jop("TZCNT"), jop("LZCNT"), jop("POPCNT")
	jopCBW, jopCWDE, jopCDQE, jopCWD, jopCDQ, jopCQO          = jop("CBW"), jop("CWDE"), jop("CDQE"), jop("CWD"), jop("CDQ"), jop("CQO")
	jopXCHG, jopXADD, jopCMPXCHG                              = jop("XCHG"), jop("XADD"), jop("CMPXCHG")
)

// jitHostLAHF: the host runs LAHF in 64-bit mode (capture uses it).
var jitHostLAHF = hostcpu.X86.HasLAHF

// jitLockOK reports whether u is a LOCK form the translator runs as the plain
// instruction: a read-modify-write of memory by an instruction that allows the prefix.
func jitLockOK(u *uop) bool {
	if u.kind[0] != kMem {
		return false
	}
	switch u.op {
	case jopADD, jopOR, jopADC, jopSBB, jopAND, jopSUB, jopXOR, jopINC, jopDEC, jopNEG, jopNOT,
		jopBTS, jopBTR, jopBTC, jopXCHG, jopXADD, jopCMPXCHG:
		return true
	}
	return false
}

// isShiftOp reports whether op is one of the group-2 shifts and rotates.
func isShiftOp(op uint16) bool {
	return op == jopSHL || op == jopSHR || op == jopSAR || op == jopROL || op == jopROR || op == jopRCL || op == jopRCR
}

// aluOwns reports whether u is one of the forms aluInsn translates.
func (x *xlator) aluOwns(u *uop) bool {
	switch u.op {
	case jopMUL, jopDIV, jopIDIV, jopRCL, jopRCR, jopSHLD, jopSHRD, jopBT, jopBTS, jopBTR, jopBTC, jopBSWAP,
		jopBSF, jopBSR, jopTZCNT, jopLZCNT, jopPOPCNT, jopCBW, jopCWDE, jopCDQE, jopCWD, jopCDQ, jopCQO,
		jopXCHG, jopXADD, jopCMPXCHG:
		return true
	case jopIMUL:
		return u.nargs == 1
	}
	if isShiftOp(u.op) {
		// The register-by-immediate shifts are shift()'s, but for the 8/16-bit rotates.
		rot := u.op == jopROL || u.op == jopROR
		return !(u.kind[0] == kReg && u.kind[1] == kImm) || rot && u.sz[0] < 4
	}
	return false
}

// aluInsn translates the instructions aluOwns claims.
func (x *xlator) aluInsn(u *uop) bool {
	switch u.op {
	case jopMUL, jopIMUL, jopDIV, jopIDIV:
		return x.mulDiv(u)
	case jopSHLD, jopSHRD:
		return x.shiftDouble(u)
	case jopBT, jopBTS, jopBTR, jopBTC:
		return x.bitTest(u)
	case jopBSF, jopBSR, jopTZCNT, jopLZCNT, jopPOPCNT:
		return x.bitScan(u)
	case jopBSWAP:
		return x.bswap(u)
	case jopCBW, jopCWDE, jopCDQE, jopCWD, jopCDQ, jopCQO:
		return x.signExtendAcc(u)
	case jopXCHG:
		return x.xchg(u)
	case jopXADD:
		return x.xadd(u)
	case jopCMPXCHG:
		return x.cmpxchg(u)
	}
	if isShiftOp(u.op) {
		return x.shiftAny(u)
	}
	return false
}

// rmwMem computes u's memory operand, probes it for a read (RSI) and, when write, for a
// write (RDI), and loads its size-byte value into h.
func (x *xlator) rmwMem(u *uop, size uint8, write bool, h jit.Reg) bool {
	if !x.ea(u, true) {
		return false
	}
	x.probe(mmu.Read, size, jit.RSI)
	if write {
		x.probe(mmu.Write, size, jit.RDI)
	}
	x.loadMem(h, jit.RSI, size)
	return true
}

// branchState is what a translation remembers at a two-way branch inside one
// instruction, to merge the two paths' register-cache and flag states after it.
type branchState struct {
	rc regCache
	fl flagState
}

func (x *xlator) fork() branchState { return branchState{x.rc, x.fl} }

// join merges the state of the path that ended in b with the current one: a cached
// register dirty on either path is dirty, the host flags hold the guest's on neither,
// and AF needs its fix-up if either path needs it.
func (x *xlator) join(b branchState) {
	x.rc.dirty |= b.rc.dirty
	x.fl = flagState{afDirty: x.fl.afDirty || b.fl.afDirty}
}

// mulDiv translates MUL, one-operand IMUL, DIV and IDIV.
func (x *xlator) mulDiv(u *uop) bool {
	s := u.sz[0]
	if u.nargs != 1 || !isInt(s) {
		return false
	}
	switch u.kind[0] {
	case kReg:
		x.loadReg(jit.RCX, u.r[0], s)
	case kMem:
		if !x.rmwMem(u, s, false, jit.RCX) {
			return false
		}
	default:
		return false
	}
	switch u.op {
	case jopMUL, jopIMUL:
		x.mul(u.op == jopIMUL, s)
	case jopDIV:
		x.div(s)
	default:
		x.idiv(s)
	}
	return true
}

// mul multiplies the accumulator by RCX: CF = OF = the upper half is significant, SF,
// ZF and PF from the low half, AF = 0.
func (x *xlator) mul(signed bool, s uint8) {
	a := x.a
	x.loadReg(jit.RAX, RAX, s)
	if signed {
		a.Imul1(s, jit.RCX)
	} else {
		a.Mul(s, jit.RCX)
	}
	if s == 1 {
		x.storeReg(RAX, 2, jit.RAX)
	} else {
		x.storeReg(RAX, s, jit.RAX)
		x.storeReg(RDX, s, jit.RDX)
	}
	x.captureFix(fArith, func() {
		a.AluRI(4, jit.AND, jit.RCX, FlagCF|FlagOF)
		a.TestRR(s, jit.RAX, jit.RAX)
		a.Pushfq()
		a.Pop(jit.RDX)
		a.AluRI(4, jit.AND, jit.RDX, FlagSF|FlagZF|FlagPF)
		a.AluRR(4, jit.OR, jit.RCX, jit.RDX)
	})
}

// div divides the accumulator pair by RCX, unsigned. A zero divisor or a quotient too
// wide (both: the upper half of the dividend is not below the divisor) exits to the
// interpreter, which raises #DE. The flags do not change.
func (x *xlator) div(s uint8) {
	a := x.a
	x.clobber()
	slow := x.stub()
	if s == 1 {
		x.loadReg(jit.RAX, RAX, 2)
		a.MovRR(4, jit.RDX, jit.RAX)
		a.ShiftRI(4, jit.SHR, jit.RDX, 8)
	} else {
		x.loadReg(jit.RAX, RAX, s)
		x.loadReg(jit.RDX, RDX, s)
	}
	a.AluRR(s, jit.CMP, jit.RDX, jit.RCX)
	a.Jcc(jit.CondAE, slow)
	a.Div(s, jit.RCX)
	if s == 1 {
		x.storeReg(RAX, 2, jit.RAX)
		return
	}
	x.storeReg(RAX, s, jit.RAX)
	x.storeReg(RDX, s, jit.RDX)
}

// idiv divides the accumulator pair by RCX, signed. Operands of 8 to 32 bits are
// divided in 64 bits (exact, and unable to fault once the divisor is neither 0 nor -1),
// the quotient checked against the operand size; a 64-bit division runs on the host
// only when the dividend is the sign extension of RAX. Everything else exits to the
// interpreter (#DE or the rare wide dividend). The flags do not change.
func (x *xlator) idiv(s uint8) {
	a := x.a
	x.clobber()
	slow := x.stub()
	switch s {
	case 1:
		x.loadReg(jit.RAX, RAX, 2)
		a.Movsx(8, 2, jit.RAX, jit.RAX)
	case 2, 4:
		x.loadReg(jit.RAX, RAX, s)
		x.loadReg(jit.RDX, RDX, s)
		if s == 2 {
			a.Movsx(8, 2, jit.RDX, jit.RDX)
		}
		a.ShiftRI(8, jit.SHL, jit.RDX, 8*s)
		a.AluRR(8, jit.OR, jit.RAX, jit.RDX)
	default:
		x.loadReg(jit.RAX, RAX, 8)
		x.loadReg(jit.RDX, RDX, 8)
	}
	if s < 8 {
		a.Movsx(8, s, jit.RCX, jit.RCX)
	}
	a.Lea(8, jit.RSI, jit.M(jit.RCX, 1))
	a.AluRI(8, jit.CMP, jit.RSI, 1)
	a.Jcc(jit.CondBE, slow) // divisor 0 or -1
	if s == 8 {
		a.MovRR(8, jit.RSI, jit.RAX)
		a.ShiftRI(8, jit.SAR, jit.RSI, 63)
		a.AluRR(8, jit.CMP, jit.RSI, jit.RDX)
		a.Jcc(jit.CondNE, slow)
	} else {
		a.MovRR(8, jit.RDX, jit.RAX)
		a.ShiftRI(8, jit.SAR, jit.RDX, 63)
	}
	a.Idiv(8, jit.RCX)
	switch s {
	case 1, 2, 4:
		a.Movsx(8, s, jit.RSI, jit.RAX)
		a.AluRR(8, jit.CMP, jit.RSI, jit.RAX)
		a.Jcc(jit.CondNE, slow) // the quotient does not fit
	}
	switch s {
	case 1:
		a.Movzx(1, jit.RAX, jit.RAX)
		a.Movzx(1, jit.RDX, jit.RDX)
		a.ShiftRI(4, jit.SHL, jit.RDX, 8)
		a.AluRR(4, jit.OR, jit.RAX, jit.RDX)
		x.storeReg(RAX, 2, jit.RAX)
	case 4:
		a.MovRR(4, jit.RAX, jit.RAX)
		a.MovRR(4, jit.RDX, jit.RDX)
		fallthrough
	default:
		x.storeReg(RAX, s, jit.RAX)
		x.storeReg(RDX, s, jit.RDX)
	}
}

// signExtendAcc translates CBW, CWDE, CDQE (the accumulator sign-extended in place) and
// CWD, CDQ, CQO (its sign into RDX). The flags do not change.
func (x *xlator) signExtendAcc(u *uop) bool {
	a := x.a
	switch u.op {
	case jopCBW:
		x.loadReg(jit.RAX, RAX, 1)
		a.Movsx(4, 1, jit.RAX, jit.RAX)
		x.storeReg(RAX, 2, jit.RAX)
	case jopCWDE:
		x.loadReg(jit.RAX, RAX, 2)
		a.Movsx(4, 2, jit.RAX, jit.RAX)
		x.storeReg(RAX, 4, jit.RAX)
	case jopCDQE:
		x.loadReg(jit.RAX, RAX, 4)
		a.Movsx(8, 4, jit.RAX, jit.RAX)
		x.storeReg(RAX, 8, jit.RAX)
	default:
		x.clobber() // the SAR
		switch u.op {
		case jopCWD:
			x.loadReg(jit.RAX, RAX, 2)
			a.Movsx(4, 2, jit.RAX, jit.RAX)
			a.ShiftRI(4, jit.SAR, jit.RAX, 31)
			x.storeReg(RDX, 2, jit.RAX)
		case jopCDQ:
			x.loadReg(jit.RAX, RAX, 4)
			a.ShiftRI(4, jit.SAR, jit.RAX, 31)
			x.storeReg(RDX, 4, jit.RAX)
		default:
			x.loadReg(jit.RAX, RAX, 8)
			a.ShiftRI(8, jit.SAR, jit.RAX, 63)
			x.storeReg(RDX, 8, jit.RAX)
		}
	}
	return true
}

// bswap translates BSWAP r32/r64 (and the 16-bit form, which clears the low word).
func (x *xlator) bswap(u *uop) bool {
	s := u.sz[0]
	if u.kind[0] != kReg {
		return false
	}
	switch s {
	case 2:
		x.storeRegImm(u.r[0], 2, 0)
	case 4, 8:
		x.loadReg(jit.RAX, u.r[0], s)
		x.a.Bswap(s, jit.RAX)
		x.storeReg(u.r[0], s, jit.RAX)
	default:
		return false
	}
	return true
}

// xchg translates XCHG r, r and XCHG m, r (the decoder puts the memory operand first).
func (x *xlator) xchg(u *uop) bool {
	if u.nargs != 2 || u.kind[1] != kReg {
		return false
	}
	switch u.kind[0] {
	case kReg:
		s := u.sz[0]
		if !isInt(s) {
			return false
		}
		x.loadReg(jit.RAX, u.r[0], s)
		x.loadReg(jit.RCX, u.r[1], s)
		x.storeReg(u.r[0], s, jit.RCX)
		x.storeReg(u.r[1], s, jit.RAX)
	case kMem:
		s := u.sz[1]
		if !isInt(s) || !x.rmwMem(u, s, true, jit.RCX) {
			return false
		}
		x.loadReg(jit.RDX, u.r[1], s)
		x.a.Store(s, jit.M(jit.RDI, 0), jit.RDX)
		x.storeReg(u.r[1], s, jit.RCX)
	default:
		return false
	}
	return true
}

// xadd translates XADD r/m, r: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP (flags of
// the ADD).
func (x *xlator) xadd(u *uop) bool {
	a := x.a
	if u.nargs != 2 || u.kind[1] != kReg {
		return false
	}
	s := u.sz[1]
	if !isInt(s) {
		return false
	}
	if !x.loadDst(u, s) {
		return false
	}
	x.loadReg(jit.RCX, u.r[1], s)
	a.MovRR(8, jit.RDX, jit.RAX)
	a.AluRR(s, jit.ADD, jit.RAX, jit.RCX)
	x.storeReg(u.r[1], s, jit.RDX)
	if u.kind[0] == kReg {
		x.storeReg(u.r[0], s, jit.RAX)
	} else {
		a.Store(s, jit.M(jit.RDI, 0), jit.RAX)
	}
	x.capture(false)
	return true
}

// cmpxchg translates CMPXCHG r/m, r: the flags of CMP acc, dest; equal: dest = src;
// else the accumulator = dest (a memory destination is probed for the write either
// way, as the interpreter always writes it).
func (x *xlator) cmpxchg(u *uop) bool {
	a := x.a
	if u.nargs != 2 || u.kind[1] != kReg {
		return false
	}
	s := u.sz[1]
	if !isInt(s) || s == 1 && (u.r[1]&0x10 != 0 || u.kind[0] == kReg && u.r[0]&0x10 != 0) {
		return false // high-byte registers: not worth the register cache's care
	}
	switch u.kind[0] {
	case kReg:
		x.loadReg(jit.RSI, u.r[0], s)
	case kMem:
		if !x.rmwMem(u, s, true, jit.RSI) {
			return false
		}
	default:
		return false
	}
	x.loadReg(jit.RAX, RAX, s)
	a.AluRR(s, jit.CMP, jit.RAX, jit.RSI)
	x.capture(false) // clobbers RAX and RCX
	ne, done := a.NewLabel(), a.NewLabel()
	a.Jcc(jit.CondNE, ne)
	b := x.fork()
	x.loadReg(jit.RDX, u.r[1], s)
	if u.kind[0] == kReg {
		x.storeReg(u.r[0], s, jit.RDX)
	} else {
		a.Store(s, jit.M(jit.RDI, 0), jit.RDX)
	}
	a.Jmp(done)
	eq := x.fork()
	x.rc, x.fl = b.rc, b.fl
	a.Bind(ne)
	x.storeReg(RAX, s, jit.RSI)
	a.Bind(done)
	fl := x.fl
	x.join(eq)
	if fl.host && eq.fl.host {
		x.fl.host = true // MOVs on both paths: the CMP's flags are still there
	}
	return true
}

// shiftAny translates SHL, SHR, SAR, ROL, ROR, RCL and RCR of a register or memory by
// an immediate count or CL.
func (x *xlator) shiftAny(u *uop) bool {
	a := x.a
	s := u.sz[0]
	if u.nargs != 2 || !isInt(s) {
		return false
	}
	byCL := u.kind[1] == kReg
	if byCL && (u.r[1] != RCX || u.sz[1] != 1) || !byCL && u.kind[1] != kImm {
		return false
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
	case jopROR:
		op = jit.ROR
	case jopRCL:
		op = jit.RCL
	default:
		op = jit.RCR
	}
	w := s * 8
	cmask := uint8(countMask(s))
	n := uint8(u.imm) & cmask
	rot := op == jit.ROL || op == jit.ROR || op == jit.RCL || op == jit.RCR
	if !byCL && !rot && n >= w {
		return false // the interpreter's own results for an 8/16-bit shift by its width or more
	}
	mem := u.kind[0] == kMem
	if !x.loadDst(u, s) {
		return false
	}
	if !byCL && n == 0 {
		x.zeroCount(u, s)
		return true
	}
	var skip jit.Label
	var before branchState
	if byCL {
		x.clobber()
		x.loadReg(jit.RCX, RCX, 1)
		if !rot && s < 4 {
			slow := x.stub()
			a.MovRR(4, jit.RDX, jit.RCX)
			a.AluRI(4, jit.AND, jit.RDX, 31)
			a.AluRI(4, jit.CMP, jit.RDX, int64(w))
			a.Jcc(jit.CondAE, slow)
		}
		skip = a.NewLabel()
		a.TestRI(1, jit.RCX, int64(cmask))
		a.Jcc(jit.CondE, skip)
		before = x.fork()
	}
	a.MovRR(8, jit.RSI, jit.RAX) // the original, for SHR's OF
	if op == jit.RCL || op == jit.RCR {
		x.needCF()
	}
	if byCL {
		a.ShiftRCL(s, op, jit.RAX)
	} else {
		a.ShiftRI(s, op, jit.RAX, n)
	}
	if mem {
		a.Store(s, jit.M(jit.RDI, 0), jit.RAX)
	} else {
		x.storeReg(u.r[0], s, jit.RAX)
	}
	msb := w - 1
	// setOF sets RCX's OF (bit 11) to bit 0 of RDI and clears its AF.
	setOF := func() {
		a.AluRI(4, jit.AND, jit.RDI, 1)
		a.ShiftRI(4, jit.SHL, jit.RDI, 11)
		a.AluRI(4, jit.AND, jit.RCX, ^int64(FlagOF|FlagAF))
		a.AluRR(4, jit.OR, jit.RCX, jit.RDI)
	}
	// msbXorCF sets OF to MSB(result) ^ CF.
	msbXorCF := func() {
		a.MovRR(8, jit.RDI, jit.RAX)
		a.ShiftRI(8, jit.SHR, jit.RDI, msb)
		a.AluRR(4, jit.XOR, jit.RDI, jit.RCX)
		setOF()
	}
	// topTwo sets OF to MSB(result) ^ MSB-1(result).
	topTwo := func() {
		a.MovRR(8, jit.RDI, jit.RAX)
		a.ShiftRI(8, jit.SHR, jit.RDI, msb-1)
		a.MovRR(8, jit.RDX, jit.RDI)
		a.ShiftRI(8, jit.SHR, jit.RDX, 1)
		a.AluRR(4, jit.XOR, jit.RDI, jit.RDX)
		setOF()
	}
	// setCF sets RCX's CF to bit 0 of RDX.
	setCF := func() {
		a.AluRI(4, jit.AND, jit.RDX, 1)
		a.AluRI(4, jit.AND, jit.RCX, ^int64(FlagCF))
		a.AluRR(4, jit.OR, jit.RCX, jit.RDX)
	}
	switch op {
	case jit.SHL, jit.RCL:
		mask := uint32(fArith)
		if rot {
			mask = fRot
		}
		x.captureFix(mask, msbXorCF)
	case jit.SHR:
		x.captureFix(fArith, func() {
			a.MovRR(8, jit.RDI, jit.RSI)
			a.ShiftRI(8, jit.SHR, jit.RDI, msb)
			setOF()
		})
	case jit.SAR:
		x.captureFix(fArith, func() { a.AluRI(4, jit.AND, jit.RCX, ^int64(FlagOF|FlagAF)) })
	case jit.ROL: // CF = LSB(result) whatever the count
		x.captureFix(fRot, func() {
			a.MovRR(4, jit.RDX, jit.RAX)
			setCF()
			msbXorCF()
		})
	case jit.ROR: // CF = MSB(result)
		x.captureFix(fRot, func() {
			a.MovRR(8, jit.RDX, jit.RAX)
			a.ShiftRI(8, jit.SHR, jit.RDX, msb)
			setCF()
			topTwo()
		})
	case jit.RCR:
		x.captureFix(fRot, topTwo)
	}
	if byCL {
		done := a.NewLabel()
		a.Jmp(done)
		shifted := x.fork()
		x.rc, x.fl = before.rc, before.fl
		a.Bind(skip)
		x.zeroCount(u, s)
		a.Bind(done)
		x.join(shifted)
	}
	return true
}

// shiftDouble translates SHLD and SHRD r/m, r, imm/CL: CF the last bit shifted out,
// SF/ZF/PF from the result, AF = 0, OF = the sign changed. A 16-bit operand shifted by
// more than 16 exits to the interpreter.
func (x *xlator) shiftDouble(u *uop) bool {
	a := x.a
	s := u.sz[0]
	if u.nargs != 3 || u.kind[1] != kReg || s < 2 || !isInt(s) {
		return false
	}
	byCL := u.kind[2] == kReg
	if byCL && u.r[2]&15 != RCX || !byCL && u.kind[2] != kImm {
		return false
	}
	right := u.op == jopSHRD
	cmask := uint8(countMask(s))
	n := uint8(u.imm) & cmask
	if !byCL && s == 2 && n > 16 {
		return false
	}
	mem := u.kind[0] == kMem
	if !x.loadDst(u, s) {
		return false
	}
	if !byCL && n == 0 {
		x.zeroCount(u, s)
		return true
	}
	x.loadReg(jit.RDX, u.r[1], s)
	var skip jit.Label
	var before branchState
	if byCL {
		x.clobber()
		x.loadReg(jit.RCX, RCX, 1)
		if s == 2 {
			slow := x.stub()
			a.MovRR(4, jit.RSI, jit.RCX)
			a.AluRI(4, jit.AND, jit.RSI, 31)
			a.AluRI(4, jit.CMP, jit.RSI, 16)
			a.Jcc(jit.CondA, slow)
		}
		skip = a.NewLabel()
		a.TestRI(1, jit.RCX, int64(cmask))
		a.Jcc(jit.CondE, skip)
		before = x.fork()
	}
	a.MovRR(8, jit.RSI, jit.RAX)
	switch {
	case byCL && right:
		a.ShrdRCL(s, jit.RAX, jit.RDX)
	case byCL:
		a.ShldRCL(s, jit.RAX, jit.RDX)
	case right:
		a.ShrdRI(s, jit.RAX, jit.RDX, n)
	default:
		a.ShldRI(s, jit.RAX, jit.RDX, n)
	}
	if mem {
		a.Store(s, jit.M(jit.RDI, 0), jit.RAX)
	} else {
		x.storeReg(u.r[0], s, jit.RAX)
	}
	x.captureFix(fArith, func() {
		a.MovRR(8, jit.RDI, jit.RAX)
		a.AluRR(8, jit.XOR, jit.RDI, jit.RSI)
		a.ShiftRI(8, jit.SHR, jit.RDI, s*8-1)
		a.AluRI(4, jit.AND, jit.RDI, 1)
		a.ShiftRI(4, jit.SHL, jit.RDI, 11)
		a.AluRI(4, jit.AND, jit.RCX, ^int64(FlagOF|FlagAF))
		a.AluRR(4, jit.OR, jit.RCX, jit.RDI)
	})
	if byCL {
		done := a.NewLabel()
		a.Jmp(done)
		shifted := x.fork()
		x.rc, x.fl = before.rc, before.fl
		a.Bind(skip)
		x.zeroCount(u, s)
		a.Bind(done)
		x.join(shifted)
	}
	return true
}

// bitTest translates BT, BTS, BTR and BTC: CF = the selected bit, the other flags
// unchanged. With memory and a register offset, the signed offset selects the word.
func (x *xlator) bitTest(u *uop) bool {
	a := x.a
	s := u.sz[0]
	if u.nargs != 2 || s < 2 || !isInt(s) || u.kind[1] == kReg && !isInt(u.sz[1]) {
		return false
	}
	op := jit.BitOp(0)
	switch u.op {
	case jopBTS:
		op = jit.BTS
	case jopBTR:
		op = jit.BTR
	case jopBTC:
		op = jit.BTC
	}
	write := op != jit.BT
	switch {
	case u.kind[0] == kReg && u.kind[1] == kReg:
		x.loadReg(jit.RAX, u.r[0], s)
		x.loadReg(jit.RCX, u.r[1], s)
	case u.kind[0] == kReg && u.kind[1] == kImm:
		x.loadReg(jit.RAX, u.r[0], s)
	case u.kind[0] == kMem && u.kind[1] == kImm:
		if !x.rmwMem(u, s, write, jit.RAX) {
			return false
		}
	case u.kind[0] == kMem && u.kind[1] == kReg:
		if u.asize != 8 && u.asize != 4 || !x.ea(u, false) {
			return false
		}
		x.clobber()
		// The offset's word: (offset >> log2(width)) * size bytes from the operand.
		x.loadReg(jit.RCX, u.r[1], s)
		if s < 8 {
			a.Movsx(8, s, jit.RCX, jit.RCX)
		}
		sh, lg := uint8(6), uint8(3)
		switch s {
		case 2:
			sh, lg = 4, 1
		case 4:
			sh, lg = 5, 2
		}
		a.ShiftRI(8, jit.SAR, jit.RCX, sh)
		a.Lea(u.asize, jit.RAX, jit.MI(jit.RAX, jit.RCX, lg, 0))
		if u.addSeg {
			if u.seg != FS && u.seg != GS {
				return false
			}
			a.Load(8, jit.RCX, jit.M(hCPU, offSegBase+segSize*int32(u.seg)))
			a.Lea(8, jit.RAX, jit.MI(jit.RAX, jit.RCX, 0, 0))
		}
		x.probe(mmu.Read, s, jit.RSI)
		if write {
			x.probe(mmu.Write, s, jit.RDI)
		}
		x.loadMem(jit.RAX, jit.RSI, s)
		x.loadReg(jit.RCX, u.r[1], s) // the probes took RCX; the bit within the word
	default:
		return false
	}
	x.clobber()
	if u.kind[1] == kReg {
		a.BitRR(s, op, jit.RAX, jit.RCX)
	} else {
		a.BitRI(s, op, jit.RAX, uint8(u.imm)&(s*8-1))
	}
	x.captureFix(FlagCF, func() {})
	if write {
		if u.kind[0] == kReg {
			x.storeReg(u.r[0], s, jit.RAX)
		} else {
			a.Store(s, jit.M(jit.RDI, 0), jit.RAX)
		}
	}
	return true
}

// bitScan translates BSF, BSR, TZCNT, LZCNT and POPCNT r, r/m.
func (x *xlator) bitScan(u *uop) bool {
	a := x.a
	s := u.sz[0]
	if u.nargs != 2 || u.kind[0] != kReg || s < 2 || !isInt(s) {
		return false
	}
	if u.op == jopPOPCNT && !hostcpu.X86.HasPOPCNT {
		return false
	}
	switch u.kind[1] {
	case kReg:
		x.loadReg(jit.RSI, u.r[1], s)
	case kMem:
		if !x.rmwMem(u, s, false, jit.RSI) {
			return false
		}
	default:
		return false
	}
	hs := s // the host operation's size: the source is zero-extended to 32 bits at least
	if hs == 2 {
		hs = 4
	}
	w := uint64(s) * 8
	switch u.op {
	case jopBSF, jopBSR:
		// The flags of a logic operation on the source; a zero source leaves the
		// destination alone.
		a.TestRR(s, jit.RSI, jit.RSI)
		x.capture(true)
		skip := a.NewLabel()
		a.Jcc(jit.CondE, skip)
		flc := x.fl
		if u.op == jopBSF {
			a.Bsf(hs, jit.RAX, jit.RSI)
		} else {
			a.Bsr(hs, jit.RAX, jit.RSI)
		}
		x.storeReg(u.r[0], s, jit.RAX)
		a.Bind(skip)
		x.fl = flagState{afDirty: flc.afDirty}
	case jopTZCNT, jopLZCNT:
		// The count; CF = the source is zero, OF = AF = 0, SF/ZF/PF from the count.
		x.clobber()
		if u.op == jopTZCNT {
			a.MovImm(jit.RAX, w)
			a.Bsf(hs, jit.RDX, jit.RSI)
			a.Cmovcc(8, jit.CondNE, jit.RAX, jit.RDX)
		} else {
			a.MovImm(jit.RAX, ^uint64(0))
			a.Bsr(hs, jit.RDX, jit.RSI)
			a.Cmovcc(8, jit.CondE, jit.RDX, jit.RAX)
			a.MovImm(jit.RAX, w-1)
			a.AluRR(4, jit.SUB, jit.RAX, jit.RDX)
		}
		a.TestRR(s, jit.RAX, jit.RAX)
		x.captureFix(fArith, func() {
			a.AluRI(4, jit.AND, jit.RCX, ^int64(FlagAF|FlagCF))
			a.AluRI(s, jit.CMP, jit.RSI, 1)
			a.AluRI(4, jit.ADC, jit.RCX, 0)
		})
		x.storeReg(u.r[0], s, jit.RAX)
	default:
		// The host's POPCNT sets the flags as the interpreter does: ZF = the source is
		// zero, the others clear.
		a.Popcnt(hs, jit.RAX, jit.RSI)
		x.storeReg(u.r[0], s, jit.RAX)
		x.capture(false)
	}
	return true
}

// loadDst loads the destination operand of a read-modify-write instruction into RAX (a
// memory destination through the TLB-hit path, which keeps its address for the store).
func (x *xlator) loadDst(u *uop, s uint8) bool {
	switch u.kind[0] {
	case kReg:
		x.loadReg(jit.RAX, u.r[0], s)
	case kMem:
		return x.rmwMem(u, s, true, jit.RAX)
	default:
		return false
	}
	return true
}

// zeroCount ends a shift by a zero count: nothing changes, but a 32-bit register
// destination is still written (its upper half cleared).
func (x *xlator) zeroCount(u *uop, s uint8) {
	if u.kind[0] == kReg && s == 4 {
		x.storeReg(u.r[0], 4, jit.RAX)
	}
}
