package cpu

import (
	"math/bits"
	"sync/atomic"
	"unsafe"

	"github.com/kppemu/kppemu/mmu"
)

// Block dispatch.
//
// The run loop executes straight-line runs of decoded instructions ("blocks") instead of
// looking every instruction up in the decode cache. A block starts at a physical page
// offset, holds the instructions that follow it in the same page up to the first control
// transfer (or maxBlockOps), and is valid while its page's generation and the decode mode
// are those it was built at; it is found through the current code page (codePage.blk),
// so a block is keyed by physical address and mode.
//
// Every instruction still runs exactly as on the one-at-a-time path: ip0, Clock, Instret
// and RIP are what they would be there whenever anything can look at them (they follow
// from the block's start and the step's offset and count; register-only instructions and
// the TLB-hit paths of loads and stores skip setting them: see stepFull), and after an
// instruction that can the block is left when the pending-work word is non-zero
// (interrupt, stop, single-step, code write, paging or mode change: see pendResync) or
// when RIP is not the next instruction's (a branch taken, an exception, a REP chunk). So
// interrupts are taken at the same instruction, faults are precise and a write into the
// block being executed takes effect at the next instruction, as before.
//
// A compare or test (of registers, or with memory) followed by a conditional branch is
// fused into one step that executes both (and counts both); it is always the last entry
// of its block and runs only when the budget has room for both instructions.
//
// Host breakpoints cost nothing in pages that hold none: pendBP is set only while RIP is
// in a linear page with a breakpoint (markBP, on every page change and with any other
// pending work), and then every instruction of that page takes the checking path.

// maxBlockOps bounds the length of a block.
const maxBlockOps = 64

// block is a decoded straight-line run of instructions in one physical page.
type block struct {
	gen  uint32 // codePage generation the block was built at
	mode uint8  // decode mode it was built for
	off  uint16 // page offset of its first instruction
	cnt  uint64 // instructions in the whole block (a fused pair counts two)
	ops  []blockOp
	jit  *jitBlock // translation (jit_hook.go), made on first dispatch with the tier on
	// lo, hi bound the page offsets of the bytes the block was decoded from (codePage.drop).
	lo, hi  uint16
	jitSeen bool // dispatched once with the tier on (not translated then)
	sse     bool // the block has inline SSE steps (stepXmov to stepXsqrtsd): runChain checks sseGate
	// succ caches the blocks that followed this one (the fall-through and a branch
	// target, in this page or another), so that chaining skips the run loop, the page
	// translation and the page's block table; an entry is used only while its
	// generation and mode are current and, for another page, while the TLB still
	// translates its linear page to the entry's frame.
	succ [2]blockLink
}

// blockLink is a cached successor of a block: block b, which starts at linear address
// lin in code page p, as the decode cache of epoch dec holds it.
type blockLink struct {
	b   *block
	p   *codePage
	lin uint64
	dec uint32
}

// blockOp is one step of a block: an instruction, or a fused pair (cnt 2) whose second
// instruction is u.pair. The uop is a copy of the decode cache's, kept in the block so
// that a block's instructions sit next to each other in memory.
type blockOp struct {
	kind uint8 // stepFull, stepPure, stepLazy, stepBranch or an inline kind (stepMov...)

	// An inline step (stepMov and after) is run by the loop itself: destination
	// register d, source register s masked with sm plus imm (sm 0 for an immediate),
	// result mask m and its most significant bit msb.
	d, s, msb uint8
	cc        uint8 // a group-1 operation (stepAluRM, stepCmpMBr)
	jcc       uint8 // the condition of an inline fused branch
	memFirst  bool  // stepCmpMBr: memory is the first operand (else the second); stepRmw: rmwStep's window
	m, sm     uint64
	imm       uint64

	u    uop
	cnt  uint64 // instructions this step executes
	done uint64 // instructions of the block up to and including this step
	rel  uint64 // offset of the step's first instruction from the block's start
	at   uint64 // instructions of the block up to and including the step's first one

	// A branch step (stepBranch), the block's last: br runs it without the
	// bookkeeping of a full step and returns brTaken when the branch (a Jcc or JMP
	// relative, alone or the second instruction of a fused pair) is taken; jrel is the
	// branch's offset from the block's start, jlen its length, jimm its displacement
	// and josz its operand size.
	br   handler
	jrel uint64
	jimm uint64
	jlen uint8
	josz uint8
	// self: the branch, when taken, goes to the block's own start (a 64-bit jump whose
	// target is jrel+jlen+jimm = 0 from it), so the loop runs the block again without
	// bringing RIP, ip0, Clock and Instret up to date (see branch in runChain).
	self bool
}

// Kinds of block steps. A full step's RIP, ip0, Clock and Instret are set before its
// handler runs, as on the one-instruction path. A pure step (pureUop: a register-only
// instruction that cannot fault, reads neither RIP nor the clock and sets no pending
// work) runs without them: the next step that is not pure, or the end of the block,
// brings them up to date first. A lazy step (uop.lazy: a load or store whose TLB-hit
// path needs none of them) runs without them too, and its slow path, the only one that
// can fault, touch a device, write code or set pending work, calls syncLazy first.
//
// A branch step (stepBranch) is a block's last step when it is a relative JMP or Jcc,
// alone or fused with the compare or ALU instruction before it: its handler (blockOp.br)
// computes the condition only, runs lazily (its memory slow path calls syncLazy), and
// the run loop sets RIP, ip0, Clock and Instret for the end of the block. A block that
// branches back to its own start runs again without looking up its successor.
//
// The commonest pure steps are inline steps: the loop computes them itself, without a
// call (see inlineKind).
const (
	stepFull = iota
	stepPure
	stepLazy
	stepBranch
	stepMov // MOV r32/r64 from a register, a zero-extended register or an immediate
	stepAdd
	stepSub
	stepAnd
	stepOr
	stepXor
	stepLea // LEA r64 with a flat 64-bit address (uop.eaFlat)
	// LEA r32/r64, [RIP+disp] (64-bit address): as stepLea (the uop's masks are 0), plus
	// the block's start (op.sm all ones; 0 for stepLea) and op.imm (the instruction's
	// offset in the block and its length; 0 for stepLea), masked with op.m.
	stepLeaRIP

	// Loads and stores at a flat 64-bit address (uop.eaFlat): MOV r32/r64 from m32/m64,
	// MOVZX r32/r64 from m8/m16, MOV m8/m32/m64 from a register or an immediate. The loop
	// runs their TLB-hit path; anything else runs their handler as a lazy step.
	stepLd8
	stepLd16
	stepLd32
	stepLd64
	stepSt8
	stepSt32
	stepSt64

	// CMP or TEST of a register with a register or an immediate, fused with a Jcc
	// (condition op.jcc): a branch step run inline.
	stepCmpBr
	stepTestBr

	// More inline steps: a taken JMP rel (a branch step); shifts and rotates of a
	// 32/64-bit register by an immediate count (op.imm, not zero); a group-1 operation
	// (op.cc) of a 32/64-bit register with memory at a flat address; CMP or TEST (op.cc:
	// aluCMP or aluTEST) of memory at a flat address with an immediate, or of a register
	// with memory, fused with a Jcc (condition in op.jcc): a branch step.
	stepJmp
	stepShl
	stepShr
	stepSar
	stepRol
	stepRor
	stepAluRM
	stepCmpMBr

	// PUSH and POP of a 64-bit register in 64-bit mode (pushR64, popR64).
	stepPush
	stepPop

	// A JMP rel to the same page in the middle of a block (64-bit mode, the interpreter
	// only): the block's next step is at the target, so there is nothing to do.
	stepJmpOn

	// ADD, SUB, AND, OR or XOR (op.cc) of memory at a flat address with a register or an
	// immediate, at every size (memKindInt).
	stepRmw

	// Near control transfers in 64-bit mode with a 64-bit stack (ctlKind): CALL rel
	// (stepCallOn: to the same page in the middle of a block, which goes on at the
	// target; the interpreter only), RET and RET imm16 (op.imm), and JMP or CALL (op.cc 1)
	// through a register (op.d) or memory at a flat address (op.memFirst). Each runs on
	// TLB hits for its stack and memory accesses with a canonical target, else as a full
	// step by its handler.
	stepCall
	stepCallOn
	stepRet
	stepInd

	// A load at a flat address of op.msb+1 bits into register op.d, merged, sign-extended
	// or moved on a condition, or LEAVE in 64-bit mode (ldxStep, memKindLdx).
	stepLdx

	// SHLD (op.cc 0) or SHRD (op.cc 1) of a 32/64-bit register op.d or of memory at a
	// flat address (op.memFirst) with register op.s, by op.imm or by CL (masked with
	// op.sm) (shdStep, hot_int.go).
	stepShd

	// BT, BTS, BTR or BTC (op.cc) of memory at a flat address with an immediate bit
	// offset or a register one (btStep, hot_int.go).
	stepBt

	// An x87 instruction of the forms x87Run runs (sub-kind in op.cc; x87inline.go).
	stepX87

	// SSE/SSE2 forms (sseKind, hot_sse.go): XMM destination op.d, source XMM op.s or memory
	// at a flat address (op.memFirst), on their common case when the block's SSE gate
	// allows it (sseGate); else the uop's handler runs as a lazy step.
	stepXmov    // MOVAPS/MOVDQA/MOVUPD... xmm, xmm/m128
	stepXst     // MOVAPS/MOVDQA/MOVUPD... m128, xmm
	stepXmovl   // MOVSS/MOVSD xmm, xmm (the low element's mask in op.m)
	stepXld     // MOVSS/MOVSD/MOVD/MOVQ xmm, m32/m64 and MOVQ xmm, xmm (the rest zeroed)
	stepXst64   // MOVSS/MOVSD/MOVD/MOVQ m32/m64, xmm
	stepXsd     // ADDSD, SUBSD, MULSD, DIVSD (op.cc)
	stepXpd     // ADDPD, SUBPD, MULPD, DIVPD (op.cc)
	stepXss     // ADDSS, SUBSS, MULSS, DIVSS (op.cc)
	stepXps     // ADDPS, SUBPS, MULPS, DIVPS (op.cc)
	stepXlogic  // AND, ANDN, OR, XOR of 128 bits (op.cc)
	stepXlanes  // PADD, PSUB of B/W/D/Q lanes (op.imm)
	stepXunpck  // UNPCKLPD/PUNPCKLQDQ (op.cc 0), UNPCKHPD/PUNPCKHQDQ (op.cc 1)
	stepXminmax // MINSD, MAXSD xmm, xmm (op.cc 0, 1)
	stepXshift  // PSLL/PSRL/PSRA W/D/Q xmm, imm8
	stepXgpr    // MOVD/MOVQ xmm, r32/r64 (op.cc 0) and r32/r64, xmm (op.cc 1): size mask op.m
	stepXcomi   // COMISD, UCOMISD (op.msb 63), COMISS, UCOMISS (op.msb 31)
	stepXcvtsi  // CVTSI2SD xmm, r/m32 (op.msb 31) or r/m64
	stepXcvttsd // CVTTSD2SI r32/r64 (size mask op.m), xmm/m64
	stepXcvtdq  // CVTDQ2PD (op.cc 0), CVTDQ2PS (op.cc 1)
	stepXpshufd // PSHUFD xmm, xmm/m128, imm8 (op.imm)
	stepXileave // PUNPCKL/PUNPCKH BW, WD, DQ, UNPCKLPS/UNPCKHPS (op.imm)
	stepXpcmp   // PCMPEQ/PCMPGT B, W, D (pcmpStep: op.cc 1 for GT, lanes' top bits op.imm)
	stepXpack   // PACKUSWB (op.cc 0), PACKSSWB (1), PACKSSDW (2)
	stepXop     // a packed operation of registerXop (xopOf) with xmm/m128 (not of another class)
	stepXopImm  // the same of registerXopImm (xopImmOf), with its imm8 in op.imm
	stepXmovOp  // MOVDQA/MOVAPS... xmm, xmm whose next step works on its destination (fuseXmov)
	stepXsqrtsd // SQRTSD xmm, xmm/m64 (the last inline SSE step)

	// CLI, SWAPGS and PUSHFQ in 64-bit mode (op.cc: sysCli, sysSwapgs, sysPushf; sysStep,
	// hot_int.go), on their common case (no fault, the push a TLB hit), else by their
	// handler as a full step.
	stepSys

	// The end of a block: buildBlock puts one after a block's last step (outside b.ops,
	// in the same array), so that runChain walks the steps with a pointer and needs no
	// index, bounds check or count.
	stepEnd
)

// nextOp returns the step after op in its block (the end step after the last one).
func nextOp(op *blockOp) *blockOp {
	return (*blockOp)(unsafe.Add(unsafe.Pointer(op), unsafe.Sizeof(blockOp{})))
}

// memKind returns the inline kind of lazy step u (a load or store at a flat address) and
// sets op's operands for it, or returns stepLazy.
func memKind(op *blockOp, u *uop) uint8 {
	if k := x87Kind(op, u); k != stepLazy {
		return k
	}
	if specialiseOn && u.op == opLEAVE && u.osize == 8 {
		op.cc = ldxLeave
		return stepLdx
	}
	if specialiseOn && (u.op == opPUSH || u.op == opPOP) && u.nargs == 1 && u.kind[0] == kReg && u.osize == 8 {
		// The lazy forms of PUSH and POP are those of pushR64 and popR64.
		op.d = u.r[0] & 15
		if u.op == opPUSH {
			return stepPush
		}
		return stepPop
	}
	if specialiseOn && u.eaFlat && u.kind[0] == kMem && u.op != opMOV {
		return memKindInt(op, u)
	}
	if !specialiseOn || !u.eaFlat || u.nargs != 2 && u.nargs != 3 || u.lock {
		return stepLazy
	}
	k0, k1 := u.kind[0], u.kind[1]
	switch {
	case k0 == kReg && k1 == kMem && u.r[0]&0x10 == 0 && (u.sz[0] == 4 || u.sz[0] == 8):
		op.d = u.r[0] & 15
		switch {
		case u.op == opMOV && u.sz[1] == u.sz[0]:
			if u.sz[0] == 4 {
				return stepLd32
			}
			return stepLd64
		case u.op == opMOVZX && u.sz[1] == 1:
			return stepLd8
		case u.op == opMOVZX && u.sz[1] == 2:
			return stepLd16
		case u.sz[1] == u.sz[0] && (u.op == opADD || u.op == opSUB || u.op == opAND || u.op == opOR ||
			u.op == opXOR || u.op == opCMP || u.op == opTEST) && u.aux <= aluTEST && u.aux != aluADC && u.aux != aluSBB:
			op.cc, op.m, op.msb = u.aux, sizeMask[u.sz[0]], u.sz[0]*8-1
			return stepAluRM
		}
	case k0 == kMem && u.op == opMOV && (u.sz[0] == 1 || u.sz[0] == 4 || u.sz[0] == 8):
		sz := u.sz[0]
		switch {
		case k1 == kReg && u.sz[1] == sz && u.r[1]&0x10 == 0:
			op.s, op.sm, op.imm = u.r[1]&15, sizeMask[sz], 0
		case k1 == kImm:
			op.s, op.sm, op.imm = 0, 0, u.imm&sizeMask[sz]
		default:
			return stepLazy
		}
		switch sz {
		case 1:
			return stepSt8
		case 4:
			return stepSt32
		}
		return stepSt64
	}
	return memKindLdx(op, u)
}

// lazyMiss runs inline load or store step op by its handler, as a lazy step (the access
// was not a TLB hit); hit reports that it completed without leaving its TLB-hit path
// after all (nothing to check after it).
func (c *CPU) lazyMiss(op *blockOp) (f *Fault, hit bool) {
	c.lazyOp = op
	f = op.u.fn(c, &op.u)
	if c.lazyOp != nil {
		if f == nil {
			c.lazyOp = nil
			return nil, true
		}
		c.syncLazy()
	}
	return f, false
}

// inlineKind returns the inline step kind of pure step u and sets op's operands for it,
// or returns stepPure when u has no inline form. The inline steps compute exactly what
// the specialised handlers (hot.go, hot_alu.go) compute.
func inlineKind(op *blockOp, u *uop) uint8 {
	if u.nargs == 3 {
		return inlineKindInt(op, u)
	}
	if !specialiseOn || u.kind[0] != kReg || u.r[0]&0x10 != 0 || u.nargs != 2 {
		return stepPure
	}
	sz := u.sz[0]
	if sz != 4 && sz != 8 {
		return stepPure
	}
	op.d = u.r[0] & 15
	op.m = sizeMask[sz]
	op.msb = sz*8 - 1
	op.s, op.sm, op.imm = 0, 0, 0
	k1 := u.kind[1]
	src := func() bool {
		switch {
		case k1 == kReg && u.sz[1] == sz && u.r[1]&0x10 == 0:
			op.s, op.sm = u.r[1]&15, op.m
		case k1 == kImm:
			op.imm = u.imm
		default:
			return false
		}
		return true
	}
	switch u.op {
	case opMOV:
		if src() {
			return stepMov
		}
	case opMOVZX:
		if k1 == kReg && (u.sz[1] == 1 && u.r[1]&0x10 == 0 || u.sz[1] == 2) {
			op.s, op.sm = u.r[1]&15, sizeMask[u.sz[1]]
			return stepMov
		}
	case opLEA:
		if k1 == kMem && u.asize == 8 && u.eaFlat {
			return stepLea
		}
		if leaRIPStep(u) {
			op.sm, op.imm = ^uint64(0), op.rel+uint64(u.len)
			return stepLeaRIP
		}
	case opSHL, opSHR, opSAR, opROL, opROR:
		if k1 != kImm || u.imm == 0 {
			return stepPure
		}
		op.imm = u.imm
		switch u.aux {
		case shSHL:
			return stepShl
		case shSHR:
			return stepShr
		case shSAR:
			return stepSar
		case shROL:
			return stepRol
		case shROR:
			return stepRor
		}
	case opADD, opSUB, opAND, opOR, opXOR:
		if !src() {
			return stepPure
		}
		switch u.aux {
		case aluADD:
			return stepAdd
		case aluSUB:
			return stepSub
		case aluAND:
			return stepAnd
		case aluOR:
			return stepOr
		case aluXOR:
			return stepXor
		}
	}
	return stepPure
}

// brTaken is what a branch step's handler returns for a taken branch; it is never
// delivered as a fault.
var brTaken = &Fault{Vector: 0xFF}

// runBlock executes b's instructions while the budget n lasts, then the blocks that follow
// it (block links), and returns what is left of the budget. It returns to the run loop
// for pending work, a fault, a successor it cannot link or a budget too small for a
// fused pair.
func (c *CPU) runBlock(b *block, n uint64) uint64 {
	c.runLeft = n
	c.runChain(b)
	return c.runLeft
}

// runChain is runBlock with the budget in c.runLeft, so that its loops keep only c, b,
// the steps and the step index live across the handler calls.
//
// Within a block RIP, ip0, Clock and Instret follow from the block's start (c.blkRIP,
// c.blkClock, c.blkInstret) and each step's offset and count (setStep), so a full step
// sees exactly the state the one-instruction path gives it; pure and lazy steps skip that
// work (see stepFull).
func (c *CPU) runChain(b *block) {
blocks:
	for {
		if b.cnt > c.runLeft {
			c.runLeft = c.runPartial(b, c.runLeft)
			return
		}
		c.blkRIP, c.blkClock, c.blkInstret = c.RIP, c.Clock, c.Instret
		c.blkSSE = 0
		if b.sse {
			c.blkSSE = c.sseGate()
		}
		ops := b.ops
	steps:
		for op := &ops[0]; ; op = nextOp(op) {
		top:
			var f *Fault
			var taken bool
			var next, jip uint64
			var fr, fcv uint64 // an inline fused compare's result and carry vector
			switch op.kind {
			case stepMov:
				c.GPR[op.d&15] = c.GPR[op.s&15]&op.sm + op.imm
				continue
			case stepEnd:
				break steps
			case stepAdd:
				a, b := c.GPR[op.d&15]&op.m, c.GPR[op.s&15]&op.sm+op.imm
				r := (a + b) & op.m
				c.GPR[op.d&15] = r
				c.lf = lazyFlags{res: r, cv: (a & b) | ((a | b) &^ r), msb: op.msb, kind: lfArith}
				continue
			case stepSub:
				a, b := c.GPR[op.d&15]&op.m, c.GPR[op.s&15]&op.sm+op.imm
				r := (a - b) & op.m
				c.GPR[op.d&15] = r
				c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: op.msb, kind: lfArith}
				continue
			case stepAnd:
				r := c.GPR[op.d&15] & op.m & (c.GPR[op.s&15]&op.sm + op.imm)
				c.GPR[op.d&15] = r
				c.lf = lazyFlags{res: r, msb: op.msb, kind: lfArith}
				continue
			case stepOr:
				r := c.GPR[op.d&15]&op.m | (c.GPR[op.s&15]&op.sm + op.imm)
				c.GPR[op.d&15] = r
				c.lf = lazyFlags{res: r, msb: op.msb, kind: lfArith}
				continue
			case stepXor:
				r := c.GPR[op.d&15]&op.m ^ (c.GPR[op.s&15]&op.sm + op.imm)
				c.GPR[op.d&15] = r
				c.lf = lazyFlags{res: r, msb: op.msb, kind: lfArith}
				continue
			case stepLea, stepLeaRIP:
				u := &op.u
				c.GPR[op.d&15] = (c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp + c.blkRIP&op.sm + op.imm) & op.m
				continue
			case stepShl:
				n, msb := op.imm&63, op.msb&63
				a := c.GPR[op.d&15] & op.m
				r := (a << n) & op.m
				cf := (a << ((n - 1) & 63)) >> msb & 1
				c.GPR[op.d&15] = r
				c.lf = lazyFlags{res: r, cv: cf<<msb | (r>>msb)<<(msb-1), msb: op.msb, kind: lfArith}
				continue
			case stepShr:
				n, msb := op.imm&63, op.msb&63
				a := c.GPR[op.d&15] & op.m
				r := a >> n
				cf := a >> ((n - 1) & 63) & 1
				of := a >> msb
				c.GPR[op.d&15] = r
				c.lf = lazyFlags{res: r, cv: cf<<msb | (cf^of)<<(msb-1), msb: op.msb, kind: lfArith}
				continue
			case stepSar:
				n, msb := op.imm&63, op.msb&63
				sa := int64(c.GPR[op.d&15]<<(63-msb)) >> (63 - msb)
				r := uint64(sa>>n) & op.m
				cf := uint64(sa>>((n-1)&63)) & 1
				c.GPR[op.d&15] = r
				c.lf = lazyFlags{res: r, cv: cf<<msb | cf<<(msb-1), msb: op.msb, kind: lfArith}
				continue
			case stepRol:
				msb := op.msb & 63
				k := op.imm & uint64(msb)
				a := c.GPR[op.d&15] & op.m
				r := (a<<k | a>>((uint64(msb)+1-k)&127)) & op.m
				c.GPR[op.d&15] = r
				cf := r & 1
				c.setCFOF(cf, r>>msb^cf)
				continue
			case stepRor:
				msb := op.msb & 63
				k := op.imm & uint64(msb)
				a := c.GPR[op.d&15] & op.m
				r := (a>>k | a<<((uint64(msb)+1-k)&127)) & op.m
				c.GPR[op.d&15] = r
				c.setCFOF(r>>msb, (r>>msb^r>>(msb-1))&1)
				continue
			case stepAluRM:
				u := &op.u
				addr := c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp
				if !c.memSlow && canonical(addr) {
					var bv uint64
					var ok bool
					if op.msb == 31 {
						bv, ok = c.mem.TryRead32(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
					} else {
						bv, ok = c.mem.TryRead64(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
					}
					if ok {
						a := c.GPR[op.d&15] & op.m
						var r, cv uint64
						switch op.cc {
						case aluADD:
							r = (a + bv) & op.m
							cv = (a & bv) | ((a | bv) &^ r)
							c.GPR[op.d&15] = r
						case aluSUB, aluCMP:
							r = (a - bv) & op.m
							cv = (^a & bv) | (^(a ^ bv) & r)
							if op.cc == aluSUB {
								c.GPR[op.d&15] = r
							}
						case aluAND, aluTEST:
							r = a & bv
							if op.cc == aluAND {
								c.GPR[op.d&15] = r
							}
						case aluOR:
							r = a | bv
							c.GPR[op.d&15] = r
						default: // aluXOR
							r = a ^ bv
							c.GPR[op.d&15] = r
						}
						c.lf = lazyFlags{res: r, cv: cv, msb: op.msb, kind: lfArith}
						continue
					}
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepLd8, stepLd16, stepLd32, stepLd64:
				u := &op.u
				addr := c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp
				if !c.memSlow && canonical(addr) {
					var v uint64
					var ok bool
					switch op.kind {
					case stepLd32:
						v, ok = c.mem.TryRead32(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
					case stepLd64:
						v, ok = c.mem.TryRead64(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
					case stepLd8:
						v, ok = c.mem.TryRead8(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
					default:
						v, ok = c.mem.TryRead16(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
					}
					if ok {
						c.GPR[op.d&15] = v
						continue
					}
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepSt8, stepSt32, stepSt64:
				u := &op.u
				addr := c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp
				if !c.memSlow && canonical(addr) {
					v := c.GPR[op.s&15]&op.sm + op.imm
					var ok bool
					switch op.kind {
					case stepSt64:
						ok = c.mem.TryWrite64(mmu.VAddr(addr), v, c.user, c.RFLAGS&FlagAC != 0)
					case stepSt32:
						ok = c.mem.TryWrite32(mmu.VAddr(addr), v, c.user, c.RFLAGS&FlagAC != 0)
					default:
						ok = c.mem.TryWrite8(mmu.VAddr(addr), v, c.user, c.RFLAGS&FlagAC != 0)
					}
					if ok {
						continue
					}
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepLdx:
				if c.ldxStep(op) {
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepRmw:
				if c.rmwStep(op) {
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepShd:
				if c.shdStep(op) {
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepBt:
				if c.btStep(op) {
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepX87:
				// A run of them (op.imm steps, with the integer steps between them
				// that x87Run runs too: x87Runs) in one call.
				run := unsafe.Slice(op, int(op.imm))
				k := c.x87Run(run)
				if k == len(run) {
					op = &run[k-1]
					continue
				}
				op = &run[k]
				if op.kind != stepX87 {
					// An integer step of the run off its TLB-hit path: the loop
					// runs it as its own kind.
					goto top
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepPure:
				op.u.fn(c, &op.u)
				continue
			case stepLazy:
				c.lazyOp = op
				f = op.u.fn(c, &op.u)
				if c.lazyOp != nil {
					if f == nil {
						// The TLB-hit path: nothing but registers, flags and RAM
						// changed.
						c.lazyOp = nil
						continue
					}
					c.syncLazy()
				}
			case stepCmpBr, stepTestBr:
				a, bv := c.GPR[op.d&15]&op.m, c.GPR[op.s&15]&op.sm+op.imm
				if op.kind == stepTestBr {
					fr, fcv = a&bv, 0
				} else {
					fr = (a - bv) & op.m
					fcv = (^a & bv) | (^(a ^ bv) & fr)
				}
				goto cond
			case stepPush:
				sp := c.GPR[RSP] - 8
				if !c.memSlow && c.mem.TryWrite64(mmu.VAddr(sp), c.GPR[op.d&15], c.user, c.RFLAGS&FlagAC != 0) {
					c.GPR[RSP] = sp
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepPop:
				sp := c.GPR[RSP]
				if !c.memSlow {
					if v, ok := c.mem.TryRead64(mmu.VAddr(sp), c.user, c.RFLAGS&FlagAC != 0); ok {
						c.GPR[RSP] = sp + 8
						c.GPR[op.d&15] = v
						continue
					}
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepCmpMBr:
				u := &op.u
				addr := c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp
				if !c.memSlow && canonical(addr) {
					var mv uint64
					var ok bool
					switch op.msb {
					case 7:
						mv, ok = c.mem.TryRead8(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
					case 15:
						mv, ok = c.mem.TryRead16(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
					case 31:
						mv, ok = c.mem.TryRead32(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
					default:
						mv, ok = c.mem.TryRead64(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
					}
					if ok {
						a, bv := mv, c.GPR[op.s&15]&op.sm+op.imm
						if !op.memFirst {
							a, bv = bv, mv
						}
						if op.cc == aluTEST {
							fr, fcv = a&bv, 0
						} else {
							fr = (a - bv) & op.m
							fcv = (^a & bv) | (^(a ^ bv) & fr)
						}
						goto cond
					}
				}
				// Not a TLB hit: the pair's handler, as a lazy branch step.
				c.lazyOp = op
				f = op.br(c, &op.u)
				c.lazyOp = nil
				if f != nil && f != brTaken {
					break
				}
				taken = f == brTaken
				goto branch
			case stepJmp:
				taken = true
				goto branch
			case stepJmpOn:
				continue
			case stepSys:
				if c.sysStep(op) {
					continue
				}
				c.setStep(op)
				f = op.u.fn(c, &op.u)
			case stepCall, stepCallOn:
				if c.callStep(op) {
					if op.kind == stepCallOn {
						continue
					}
					taken = true
					goto branch
				}
				c.setStep(op)
				f = op.u.fn(c, &op.u)
			case stepRet, stepInd:
				if next = c.retStep(op); next != 0 {
					jip = c.blkRIP + op.jrel
					goto leave
				}
				c.setStep(op)
				f = op.u.fn(c, &op.u)
			case stepBranch:
				c.lazyOp = op
				f = op.br(c, &op.u)
				c.lazyOp = nil
				if f != nil && f != brTaken {
					break
				}
				taken = f == brTaken
				goto branch
			case stepXmov:
				if c.blkSSE != 0 {
					if !op.memFirst {
						c.XMM[op.d&15] = c.XMM[op.s&15]
						continue
					}
					if lo, hi, ok := c.xmmHit128(op); ok {
						c.XMM[op.d&15] = [2]uint64{lo, hi}
						continue
					}
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXmovOp:
				if c.blkSSE != 0 {
					// The copy and the next step in one: that step's operation on the
					// copied value (fuseXmov); with the gate on neither can fail.
					n := nextOp(op)
					v := c.XMM[op.s&15]
					d := &c.XMM[op.d&15]
					switch n.kind {
					case stepXshift:
						d[0], d[1] = pshiftInline(v[0], n), pshiftInline(v[1], n)
					default: // stepXlogic with a register source
						w := c.XMM[n.s&15]
						if n.s&15 == op.d&15 {
							w = v
						}
						switch n.cc {
						case xlAnd:
							d[0], d[1] = v[0]&w[0], v[1]&w[1]
						case xlAndn:
							d[0], d[1] = ^v[0]&w[0], ^v[1]&w[1]
						case xlOr:
							d[0], d[1] = v[0]|w[0], v[1]|w[1]
						default:
							d[0], d[1] = v[0]^w[0], v[1]^w[1]
						}
					}
					op = n
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXst:
				if c.blkSSE != 0 && c.xmmStore128(op) {
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXst64:
				if c.blkSSE != 0 && c.xmmStore(op) {
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXmovl:
				if c.blkSSE != 0 {
					d := &c.XMM[op.d&15]
					d[0] = d[0]&^op.m | c.XMM[op.s&15][0]&op.m
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXld:
				if c.blkSSE != 0 {
					if v, ok := c.xmmHit64(op); ok {
						c.XMM[op.d&15] = [2]uint64{v, 0}
						continue
					}
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXsd:
				if c.blkSSE&sseGateArith != 0 && c.sdStep(op) {
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXpd:
				if c.blkSSE&sseGateArith != 0 && c.pdStep(op) {
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXss:
				if c.blkSSE&sseGateArith != 0 && c.ssStep(op) {
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXps:
				if c.blkSSE&sseGateArith != 0 && c.psStep(op) {
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXlogic:
				if c.blkSSE != 0 {
					if sp := c.xmmSrcP(op); sp != nil {
						s0, s1 := sp[0], sp[1]
						d := &c.XMM[op.d&15]
						switch op.cc {
						case xlAnd:
							d[0], d[1] = d[0]&s0, d[1]&s1
						case xlAndn:
							d[0], d[1] = ^d[0]&s0, ^d[1]&s1
						case xlOr:
							d[0], d[1] = d[0]|s0, d[1]|s1
						default:
							d[0], d[1] = d[0]^s0, d[1]^s1
						}
						continue
					}
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXlanes:
				if c.blkSSE != 0 {
					if !op.memFirst {
						// The register form here, without a call (lanesStep).
						sx := &c.XMM[op.s&15]
						s0, s1 := sx[0], sx[1]
						d := &c.XMM[op.d&15]
						h := op.imm &^ 1
						if op.imm&1 == 0 {
							d[0], d[1] = sseAddLanes(d[0], s0, h), sseAddLanes(d[1], s1, h)
						} else {
							d[0], d[1] = sseSubLanes(d[0], s0, h), sseSubLanes(d[1], s1, h)
						}
						continue
					}
					if c.lanesStep(op) {
						continue
					}
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXunpck:
				if c.blkSSE != 0 {
					if sp := c.xmmSrcP(op); sp != nil {
						s0, s1 := sp[0], sp[1]
						d := &c.XMM[op.d&15]
						if op.cc == 0 {
							d[1] = s0
						} else {
							d[0], d[1] = d[1], s1
						}
						continue
					}
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXminmax:
				if c.blkSSE != 0 && c.minmaxStep(op) {
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXshift:
				if c.blkSSE != 0 {
					d := &c.XMM[op.d&15]
					d[0], d[1] = pshiftInline(d[0], op), pshiftInline(d[1], op)
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXgpr:
				if c.blkSSE != 0 {
					if op.cc == 0 {
						c.XMM[op.d&15] = [2]uint64{c.GPR[op.s&15] & op.m, 0}
					} else {
						c.GPR[op.d&15] = c.XMM[op.s&15][0] & op.m
					}
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXcomi:
				if c.blkSSE != 0 && c.comiStep(op) {
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXcvtsi:
				if c.blkSSE != 0 && c.cvtsiStep(op) {
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXcvttsd:
				if c.blkSSE != 0 && c.cvttStep(op) {
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXcvtdq:
				if c.blkSSE != 0 && c.cvtdqStep(op, c.blkSSE) {
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXpshufd:
				if c.blkSSE != 0 && c.pshufdStep(op) {
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXileave:
				if c.blkSSE != 0 && c.ileaveStep(op) {
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXpcmp:
				if c.blkSSE != 0 && c.pcmpStep(op) {
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXpack:
				if c.blkSSE != 0 && c.packStep(op) {
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXop:
				if c.blkSSE != 0 {
					if sp := c.xmmSrcP(op); sp != nil {
						xopOf[op.u.op&4095](&c.XMM[op.d&15], sp[0], sp[1])
						continue
					}
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXopImm:
				if c.blkSSE != 0 {
					if sp := c.xmmSrcP(op); sp != nil {
						xopImmOf[op.u.op&4095](&c.XMM[op.d&15], sp[0], sp[1], uint8(op.imm))
						continue
					}
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepXsqrtsd:
				if c.blkSSE&sseGateArith != 0 && c.sqrtStep(op) {
					continue
				}
				var hit bool
				if f, hit = c.lazyMiss(op); hit {
					continue
				}
			case stepFull:
				// (A case of its own, so that the switch's jump table starts at 0.)
				fallthrough
			default:
				c.setStep(op)
				f = op.u.fn(c, &op.u)
				// A full step may change what the SSE gate depends on.
				if b.sse {
					c.blkSSE = c.sseGate()
				}
			}
			if f != nil {
				c.RIP = c.ip0
				c.exception(f)
				// What ran up to and including the faulting instruction (the first
				// one of a fused pair can fault).
				c.runLeft -= c.Clock - c.blkClock
				return
			}
			next = (c.ip0 + uint64(op.u.len)) & c.ipMask
			if p := atomic.LoadUint32(&c.pending); p != 0 {
				switch p {
				case pendShadow:
					// The next instruction runs in the interrupt shadow of this one
					// (STI, MOV SS) with nothing else pending. When it is the next
					// step of this block (which fits the budget) it runs here, as
					// the run loop's service path would run it, and the shadow ends;
					// otherwise the run loop takes it.
					if nextOp(op).kind == stepEnd || c.RIP != next {
						c.runLeft -= op.done
						return
					}
					c.IntrShadow = false
					c.SSShadow = false
					c.clrPending(pendShadow)
					continue
				case pendResync:
					// Paging, mode, privilege or code changed: the rest of this
					// block may be stale; the successor is looked up (and checked)
					// afresh.
					c.clrPending(pendResync)
					c.icLin = icInvalid // re-entering the page renews its code mark
					c.runLeft -= op.done
					goto chain
				default:
					c.runLeft -= op.done
					return
				}
			}
			if c.RIP != next {
				c.runLeft -= op.done
				goto chain
			}
			continue
		cond:
			// An inline fused compare and branch: its flags, and its condition (op.jcc)
			// from them (condArith, inlined).
			c.lf = lazyFlags{res: fr, cv: fcv, msb: op.msb, kind: lfArith}
			{
				msb := op.msb & 63
				var t bool
				switch op.jcc >> 1 {
				case 0: // O
					t = (fcv>>msb^fcv>>(msb-1))&1 != 0
				case 1: // B
					t = fcv>>msb&1 != 0
				case 2: // E
					t = fr == 0
				case 3: // BE
					t = fcv>>msb&1 != 0 || fr == 0
				case 4: // S
					t = fr>>msb&1 != 0
				case 5: // P
					t = bits.OnesCount8(uint8(fr))&1 == 0
				case 6: // L: SF != OF
					t = (fr>>msb^fcv>>msb^fcv>>(msb-1))&1 != 0
				default: // LE: ZF or SF != OF
					t = fr == 0 || (fr>>msb^fcv>>msb^fcv>>(msb-1))&1 != 0
				}
				taken = t != (op.jcc&1 != 0)
			}
		branch:
			// A branch step: a conditional branch not taken in the middle of a block goes
			// on with the block's next step; otherwise the block ends with this step.
			if !taken {
				if nextOp(op).kind != stepEnd && atomic.LoadUint32(&c.pending) == 0 {
					continue
				}
			} else if op.self && c.runLeft-op.done >= b.cnt && (c.accel != AccelJIT || c.jitStays(b, c.blkRIP)) &&
				atomic.LoadUint32(&c.pending) == 0 {
				// A taken branch back to the block's start with nothing pending and the
				// budget room for another run (in the translating tier, of a block it
				// leaves to the interpreter: jitStays) (what leave and blocks below do for it,
				// without the state that only a full step, a lazy step's slow path or the
				// block's end needs: they compute it from the block's start).
				c.blkClock += op.done
				c.blkInstret += op.done
				c.runLeft -= op.done
				if b.sse {
					c.blkSSE = c.sseGate()
				}
				op = &ops[0]
				goto top
			}
			jip = (c.blkRIP + op.jrel) & c.ipMask
			next = (jip + uint64(op.jlen)) & c.ipMask
			if taken {
				next = c.jmpTarget(next+op.jimm, op.josz)
				if c.long && !canonical(next) {
					c.Clock = c.blkClock + op.done
					c.Instret = c.blkInstret + op.done
					c.ip0 = jip
					c.RIP = jip
					c.exception(c.gp(0))
					c.runLeft -= op.done
					return
				}
			}
		leave:
			// The block ends with branch step op, at jip, going to next.
			c.Clock = c.blkClock + op.done
			c.Instret = c.blkInstret + op.done
			c.ip0 = jip
			c.RIP = next
			c.runLeft -= op.done
			if p := atomic.LoadUint32(&c.pending); p != 0 {
				if p != pendResync {
					return
				}
				c.clrPending(pendResync)
				c.icLin = icInvalid
				goto chain
			}
			if next == c.blkRIP && (c.accel != AccelJIT || c.jitStays(b, next)) {
				// A loop within the block: nothing changed that could make the block
				// stale (that sets pending work). (The translating tier looks at every
				// block it dispatches, but for those it leaves to the interpreter.)
				continue blocks
			}
			goto chain
		}
		if last := &ops[len(ops)-1]; last.kind != stepFull {
			// The block ended in a pure or lazy step (its length limit, the page's
			// end or an instruction that is not in it): nothing has set the state
			// after it.
			c.Clock = c.blkClock + b.cnt
			c.Instret = c.blkInstret + b.cnt
			rip := (c.blkRIP + last.rel) & c.ipMask
			c.ip0 = rip
			c.RIP = (rip + uint64(last.u.len)) & c.ipMask
		}
		c.runLeft -= b.cnt
	chain:
		if c.runLeft == 0 {
			return
		}
		lin := c.RIP + c.icBase
		l := &b.succ[0]
		if l.lin != lin || l.dec != c.decEpoch {
			l = &b.succ[1]
			if l.lin != lin || l.dec != c.decEpoch {
				if l = c.link(b, lin); l == nil {
					return
				}
			}
		}
		if (lin&^0xFFF != c.icLin || l.p != c.icPage) && !c.enterLinked(l, lin) {
			return
		}
		nb := l.b
		if nb.gen != l.p.gen || nb.mode != c.mode || nb.cnt == 0 || c.accel == AccelJIT && !c.jitStays(nb, c.RIP) {
			return
		}
		b = nb
	}
}

// setStep sets RIP (to the next instruction), ip0, Clock and Instret as they are when
// block step op of the running block starts.
func (c *CPU) setStep(op *blockOp) {
	c.Clock = c.blkClock + op.at
	c.Instret = c.blkInstret + op.at
	rip := (c.blkRIP + op.rel) & c.ipMask
	c.ip0 = rip
	c.RIP = (rip + uint64(op.u.len)) & c.ipMask
}

// syncLazy sets the state a lazy block step skipped (stepLazy) when one is running; the
// slow paths of lazy handlers call it before anything that reads or changes it.
func (c *CPU) syncLazy() {
	if op := c.lazyOp; op != nil {
		c.lazyOp = nil
		c.setStep(op)
	}
}

// link finds the block at linear address lin for chaining from b (translating lin's page
// when it is not the current code page, and building the block when there is none) and
// caches it as b's newest successor; nil when the run loop must take over (the page does
// not translate, holds host breakpoints, nothing can start at lin, or the translating
// tier is on and the block is not built yet, so that its dispatch translates it).
func (c *CPU) link(b *block, lin uint64) *blockLink {
	var nb *block
	if c.accel == AccelJIT {
		if lin&^0xFFF != c.icLin || c.icPage.blk == nil {
			return nil
		}
		if nb = c.icPage.blk[lin&0xFFF]; nb == nil {
			return nil
		}
	} else {
		if lin&^0xFFF != c.icLin && (len(c.bpPages) > 0 || !c.enterPage(lin)) {
			return nil
		}
		if nb = c.blockAt(lin & 0xFFF); nb == nil {
			return nil
		}
	}
	b.succ[1] = b.succ[0]
	b.succ[0] = blockLink{b: nb, p: c.icPage, lin: lin, dec: c.decEpoch}
	return &b.succ[0]
}

// enterLinked makes the page of the cached successor l, at linear address lin, the
// current code page, as enterPage would, when the TLB still translates lin's page to
// l's frame (a fetch there would hit and find that frame), l's block is current and
// nothing else needs the run loop; it reports whether it did. The frame's code mark
// needs no renewal: it was set when the block was built, and a write that clears it
// also changes the page's generation. A stale block must leave the page as it was: the
// run loop would otherwise build blocks in a page whose mark a write has cleared, and
// the next write there would not reach them.
func (c *CPU) enterLinked(l *blockLink, lin uint64) bool {
	if len(c.bpPages) > 0 || c.accel == AccelJIT {
		return false
	}
	pa, ok := c.mem.ExecHit(mmu.VAddr(lin), c.user)
	if !ok || pa>>12 != l.p.pfn || l.b.gen != l.p.gen {
		return false
	}
	c.icLin = lin &^ 0xFFF
	c.icPage = l.p
	return true
}

// superblock reports whether blocks being built go on after a conditional branch (whose
// step then leaves the block only when the branch is taken): in 64-bit mode, in the
// interpreter (the translating tier translates a block up to its first control transfer).
func (c *CPU) superblock() bool {
	return c.mode == 64 && c.accel != AccelJIT && specialiseOn
}

// runPartial executes the first instructions of b that fit in the budget n (less than the
// whole block) and returns what is left of it.
func (c *CPU) runPartial(b *block, n uint64) uint64 {
	for i := range b.ops {
		op := &b.ops[i]
		if n < op.cnt {
			return n
		}
		u := &op.u
		rip := c.RIP
		c.ip0 = rip
		clk := c.Clock
		c.Clock++
		c.Instret++
		next := (rip + uint64(u.len)) & c.ipMask
		c.RIP = next
		n -= op.cnt
		if f := u.fn(c, u); f != nil {
			c.RIP = c.ip0
			c.exception(f)
			// A fused pair whose first instruction faulted ran one instruction.
			return n + op.cnt - (c.Clock - clk)
		}
		if atomic.LoadUint32(&c.pending) != 0 || c.RIP != next {
			return n
		}
	}
	return n
}

// enterPage makes the page holding linear address lin the current code page; false when
// its translation faults (the one-instruction path then delivers the fault).
func (c *CPU) enterPage(lin uint64) bool {
	if !c.long {
		if lin > 0xFFFFFFFF {
			return false
		}
	} else if !canonical(lin) {
		return false
	}
	pa, _, mf := c.mem.Fetch(mmu.VAddr(lin), c.user)
	if mf != nil {
		return false
	}
	c.setCodePage(lin, uint64(pa)>>12)
	return true
}

// setCodePage makes physical page pfn, at linear address lin, the current code page.
func (c *CPU) setCodePage(lin, pfn uint64) *codePage {
	slot := &c.pageCache[pfn%uint64(len(c.pageCache))]
	p := *slot
	if p == nil || p.pfn != pfn {
		p = c.pages[pfn]
	}
	if p == nil {
		if len(c.pages) >= maxCodePages {
			// Bound the cache (32 KiB per page): start over rather than grow without limit.
			c.flushDecode()
		}
		p = &codePage{pfn: pfn}
		c.pages[pfn] = p
		slot = &c.pageCache[pfn%uint64(len(c.pageCache))]
	}
	*slot = p
	// The MMU clears the mark when it reports a write; marking again is idempotent.
	c.mem.MarkCode(pfn)
	c.icLin = lin &^ 0xFFF
	c.icPage = p
	return p
}

// blockAt returns the block at offset off of the current code page, building it when
// there is none or it is stale; nil when the instruction there must take the
// one-instruction path (it crosses the page, is undecodable, the page is not RAM).
func (c *CPU) blockAt(off uint64) *block {
	p := c.icPage
	if p.blk != nil {
		if b := p.blk[off]; b != nil && b.gen == p.gen && b.mode == c.mode {
			if len(b.ops) == 0 {
				return nil
			}
			return b
		}
	}
	b := c.buildBlock(p, off)
	if p.blk == nil {
		p.blk = new([4096]*block)
	}
	p.blk[off] = b
	if len(b.ops) == 0 {
		return nil
	}
	return b
}

// buildBlock decodes the block at offset off of page p. An empty block records that
// nothing can start there (until the page is written).
func (c *CPU) buildBlock(p *codePage, off uint64) *block {
	b := c.newBlock()
	b.gen, b.mode, b.off = p.gen, c.mode, uint16(off)
	ram := c.mem.RAM()
	base := p.pfn << 12
	if base+4096 > uint64(len(ram)) || base+4096 < base {
		return b
	}
	defer c.endBlock(b)
	page := ram[base : base+4096 : base+4096]
	for o := off; o < 4096 && len(b.ops) < maxBlockOps; {
		u := c.blockUop(p, o, page)
		if u == nil {
			break
		}
		rel := o - off
		o += uint64(u.len)
		if fuse, br := fusedHandler(u); fuse != nil && o < 4096 {
			if j := c.blockUop(p, o, page); j != nil && isJccRel(j) {
				b.ops = append(b.ops, blockOp{u: *u, cnt: 2, rel: rel})
				op := &b.ops[len(b.ops)-1]
				f := &op.u
				f.inner, f.fn, f.pair = u.fn, fuse, j
				if br != nil {
					op.kind, op.br = stepBranch, br
					op.jrel, op.jlen, op.jimm, op.josz = o-off, j.len, j.imm, j.osize
					cmpBranch(op, f)
					if o += uint64(j.len); c.superblock() && o < 4096 {
						continue // the block goes on after the branch
					}
				}
				break
			}
		}
		b.ops = append(b.ops, blockOp{u: *u, cnt: 1, rel: rel})
		op := &b.ops[len(b.ops)-1]
		op.kind = stepKind(op, &op.u)
		if op.kind == stepFull && c.mode == 64 && specialiseOn {
			op.kind = sysKind(op, &op.u)
		}
		if u.op == opJMP && u.kind[0] == kRel && c.mode == 64 && c.accel != AccelJIT && specialiseOn &&
			len(b.ops) < maxBlockOps-1 {
			// A direct jump within the page: the block goes on at its target (a step that
			// only counts). The translating tier translates a block from its start to its
			// first control transfer, so its blocks end here.
			if t := int64(o) + int64(u.imm); t >= 0 && t < 4096 {
				op.kind, op.br = stepJmpOn, jmpBr
				op.jrel, op.jlen, op.jimm, op.josz = rel, u.len, u.imm, u.osize
				o = uint64(t)
				continue
			}
		}
		if endsBlock(u) && c.mode == 64 && specialiseOn {
			if op.kind = ctlKind(op, u, rel); op.kind == stepCall && c.accel != AccelJIT && len(b.ops) < maxBlockOps-1 {
				// A CALL within the page: the block goes on at its target, as after a JMP.
				if t := int64(o) + int64(u.imm); t >= 0 && t < 4096 {
					op.kind = stepCallOn
					o = uint64(t)
					continue
				}
			}
		}
		if endsBlock(u) {
			if br := branchStep(u); br != nil {
				op := &b.ops[len(b.ops)-1]
				op.kind, op.br = stepBranch, br
				op.jrel, op.jlen, op.jimm, op.josz = rel, u.len, u.imm, u.osize
				if u.op == opJMP && specialiseOn {
					op.kind = stepJmp
				} else if c.superblock() {
					continue // a Jcc: the block goes on after it
				}
			}
			break
		}
	}
	if n := len(b.ops); n > 0 && b.ops[n-1].kind == stepJmpOn {
		// Nothing could be decoded at the target: the jump ends the block.
		b.ops[n-1].kind = stepJmp
	} else if n > 0 && b.ops[n-1].kind == stepCallOn {
		b.ops[n-1].kind = stepCall
	}
	for i := range b.ops {
		b.ops[i].at = b.cnt + 1
		b.cnt += b.ops[i].cnt
		b.ops[i].done = b.cnt
		if o := &b.ops[i]; o.josz == 8 && o.jrel+uint64(o.jlen)+o.jimm == 0 && o.kind != stepJmpOn && o.kind != stepCallOn {
			o.self = true
		}
		b.sse = b.sse || b.ops[i].kind >= stepXmov && b.ops[i].kind <= stepXsqrtsd
	}
	fuseXmov(b.ops)
	x87Runs(b.ops)
	p.addBlock(b)
	return b
}

// fuseXmov makes each register-to-register MOVDQA/MOVAPS/MOVAPD/... step (stepXmov) that
// the block's next step overwrites by an inline operation on it a stepXmovOp: a shift by an
// immediate (stepXshift) or a logic operation with a register source (stepXlogic) whose
// destination is the copy's. With the SSE gate on runChain computes both from the copied
// value and goes on after the second (neither can fail there, and the block fits the
// budget whole); otherwise the copy runs as its own lazy step and the second as usual.
func fuseXmov(ops []blockOp) {
	for i := 0; i+1 < len(ops); i++ {
		o, n := &ops[i], &ops[i+1]
		if o.kind != stepXmov || o.memFirst || n.d != o.d {
			continue
		}
		if n.kind == stepXshift || n.kind == stepXlogic && !n.memFirst {
			o.kind = stepXmovOp
		}
	}
}

// endBlock puts the end step after the steps of b, just built, and takes them from the
// arena.
func (c *CPU) endBlock(b *block) {
	a := &c.blockArena
	a.ops[len(b.ops)] = blockOp{kind: stepEnd}
	a.ops = a.ops[len(b.ops)+1:]
}

// blockArena hands out blocks and their op slices from chunks, so that building blocks
// allocates once per many blocks.
type blockArena struct {
	blocks []block
	ops    []blockOp
}

// newBlock returns a zero block whose ops slice has room for maxBlockOps entries, and the
// arena one more for the end step; the builder takes what it used from the arena.
func (c *CPU) newBlock() *block {
	a := &c.blockArena
	if len(a.blocks) == 0 {
		a.blocks = make([]block, 256)
	}
	if len(a.ops) < maxBlockOps+1 {
		a.ops = make([]blockOp, 64*maxBlockOps)
	}
	b := &a.blocks[0]
	a.blocks = a.blocks[1:]
	b.ops = a.ops[:0:maxBlockOps]
	return b
}

// blockUop returns the decoded instruction at offset off of page p (bytes page), from the
// cache when it is valid or its bytes are unchanged, else decoded and cached; nil when it
// does not fit in the page or does not decode to an implemented instruction.
func (c *CPU) blockUop(p *codePage, off uint64, page []byte) *uop {
	rem := page[off:]
	if u := p.u[off]; u != nil {
		if u.gen != p.gen {
			if int(u.len) > len(rem) || string(u.raw[:u.len]) != string(rem[:u.len]) {
				goto decode
			}
			u.gen = p.gen
			p.use(off, uint64(u.len))
		}
		if u.op == 0 || int(off)+int(u.len) > 4096 {
			return nil
		}
		return u
	}
decode:
	var win [15]byte
	n := copy(win[:], rem)
	c.quietUD = true
	u := c.decode(win[:n], n < 15)
	c.quietUD = false
	if u == nil || u.op == 0 || int(u.len) > n {
		return nil // not cached: the one-instruction path decodes (and reports) it
	}
	u.gen = p.gen
	copy(u.raw[:], win[:u.len])
	p.u[off] = u
	p.use(off, uint64(u.len))
	return u
}

// fusedHandler returns the handler that runs u together with a following conditional
// branch, or nil when u is not a flag-setting register instruction that cannot fault or
// a compare or test with memory; br is the pair's branch-step handler (blockOp.br), nil
// when the pair needs the full bookkeeping (a memory operand without a lazy handler).
func fusedHandler(u *uop) (fn, br handler) {
	if u.op == opCMP || u.op == opTEST {
		if !u.lock && u.nargs == 2 && (u.kind[0] == kMem && (u.kind[1] == kReg || u.kind[1] == kImm) ||
			u.kind[0] == kReg && u.kind[1] == kMem) {
			if u.lazy {
				return fusedMemJcc, fusedMemBr
			}
			return fusedMemJcc, nil
		}
	}
	if u.kind[0] != kReg || u.lock {
		return nil, nil
	}
	switch u.op {
	case opCMP, opTEST:
		if u.r[0]&0x10 != 0 {
			return nil, nil
		}
		switch {
		case u.kind[1] == kReg && u.r[1]&0x10 == 0:
			return fusedCmpRRJcc, fusedCmpRRBr
		case u.kind[1] == kImm:
			return fusedCmpRIJcc, fusedCmpRIBr
		}
	case opADD, opSUB, opAND, opOR, opXOR, opADC, opSBB:
		if u.kind[1] == kReg || u.kind[1] == kImm {
			return fusedOpJcc, fusedOpBr
		}
	case opINC, opDEC:
		if u.nargs == 1 {
			return fusedOpJcc, fusedOpBr
		}
	}
	return nil, nil
}

// pureOps are the mnemonics whose register and immediate forms only compute: they
// cannot fault, do not read RIP, ip0 or the clock, and set no pending work.
var pureOps = func() (t [4096]bool) {
	for _, n := range []string{"ADD", "ADC", "SUB", "SBB", "AND", "OR", "XOR", "CMP", "TEST",
		"MOV", "MOVZX", "MOVSX", "MOVSXD", "LEA", "NOT", "NEG", "INC", "DEC", "SHL", "SHR",
		"SAR", "ROL", "ROR", "IMUL", "XCHG", "BSWAP", "NOP", "CBW", "CWDE", "CDQE", "CWD",
		"CDQ", "CQO", "BT", "CMOVO", "CMOVNO", "CMOVB", "CMOVAE", "CMOVE", "CMOVNE", "CMOVBE",
		"CMOVA", "CMOVS", "CMOVNS", "CMOVP", "CMOVNP", "CMOVL", "CMOVGE", "CMOVLE", "CMOVG",
		"SETO", "SETNO", "SETB", "SETAE", "SETE", "SETNE", "SETBE", "SETA", "SETS", "SETNS",
		"SETP", "SETNP", "SETL", "SETGE", "SETLE", "SETG", "BSF", "BSR", "LZCNT", "TZCNT", "POPCNT",
		"BTS", "BTR", "BTC", "SHLD", "SHRD", "RCL", "RCR", "XADD", "CMPXCHG", "MUL"} {
		t[opByName[n]] = true
	}
	return t
}()

// stepKind returns the kind of block step u makes on its own (stepFull), and sets op's
// operands for an inline step.
func stepKind(op *blockOp, u *uop) uint8 {
	switch {
	case pureUop(u):
		return inlineKind(op, u)
	case u.lazy:
		if k := sseKind(op, u); k != stepLazy {
			return k
		}
		k := memKind(op, u)
		if k == stepRmw {
			op.memFirst = op.cc <= aluXOR || op.cc == rmwINC || op.cc == rmwDEC
		}
		return k
	}
	return stepFull
}

// pureUop reports whether u is a pure step of a block (blockOp): one of pureOps whose
// arguments are general registers and immediates (LEA's memory operand is only an
// address; one relative to RIP reads RIP), or NOP, which ignores its operand.
func pureUop(u *uop) bool {
	if !pureOps[u.op&4095] || u.lock {
		return false
	}
	switch u.op {
	case opNOP:
		return true
	case opLEA:
		return u.nargs == 2 && u.kind[0] == kReg && u.kind[1] == kMem && (u.eaForm != eaRIP || leaRIPStep(u))
	}
	for i := 0; i < int(u.nargs) && i < len(u.kind); i++ {
		if k := u.kind[i]; k != kReg && k != kImm {
			return false
		}
	}
	return true
}

// leaRIPStep reports whether u, a LEA of a RIP-relative address, becomes an inline step
// (stepLeaRIP, which needs no RIP: inlineKind makes one of every such u it sees): a
// 64-bit address into a 32/64-bit register.
func leaRIPStep(u *uop) bool {
	return specialiseOn && u.op == opLEA && u.nargs == 2 && u.eaForm == eaRIP && u.asize == 8 &&
		u.kind[0] == kReg && u.r[0]&0x10 == 0 && (u.sz[0] == 4 || u.sz[0] == 8) && u.kind[1] == kMem
}

// isJccRel reports whether u is a conditional near branch to a relative target.
func isJccRel(u *uop) bool { return isJccOp(u.op) && u.kind[0] == kRel }

// cmpBranch makes fused branch step op an inline one (stepCmpBr, stepTestBr) when its
// first instruction is CMP or TEST of a register with a register or an immediate.
func cmpBranch(op *blockOp, u *uop) {
	if !specialiseOn || u.op != opCMP && u.op != opTEST {
		return
	}
	if u.eaFlat && u.lazy && u.nargs == 2 {
		// With memory: CMP/TEST m8/m32/m64, imm and CMP/TEST r32/r64, m (the forms of
		// cmpMI*, testMI*, cmpRM*, testRM*).
		sz := u.sz[0]
		switch {
		case sz != 1 && sz != 2 && sz != 4 && sz != 8:
			return
		case u.kind[0] == kMem && u.kind[1] == kImm:
			op.memFirst, op.s, op.sm, op.imm = true, 0, 0, u.imm&sizeMask[sz]
		case u.kind[0] == kMem && u.kind[1] == kReg && u.r[1]&0x10 == 0 && u.sz[1] == sz:
			op.memFirst, op.s, op.sm, op.imm = true, u.r[1]&15, sizeMask[sz], 0
		case u.kind[0] == kReg && u.kind[1] == kMem && u.r[0]&0x10 == 0 && u.sz[1] == sz:
			op.memFirst, op.s, op.sm, op.imm = false, u.r[0]&15, sizeMask[sz], 0
		default:
			return
		}
		op.m, op.msb, op.cc, op.jcc = sizeMask[sz], sz*8-1, u.aux, u.pair.aux
		op.kind = stepCmpMBr
		return
	}
	if u.kind[0] != kReg || u.r[0]&0x10 != 0 {
		return
	}
	sz := u.sz[0]
	op.d, op.m, op.msb, op.jcc = u.r[0]&15, sizeMask[sz], sz*8-1, u.pair.aux
	switch {
	case u.kind[1] == kReg && u.r[1]&0x10 == 0:
		op.s, op.sm, op.imm = u.r[1]&15, op.m, 0
	case u.kind[1] == kImm:
		op.s, op.sm, op.imm = 0, 0, u.imm&op.m
	default:
		return
	}
	op.kind = stepCmpBr
	if u.aux == aluTEST {
		op.kind = stepTestBr
	}
}

// branchStep returns the branch-step handler (blockOp.br) of u when it is a relative
// JMP or Jcc, else nil.
func branchStep(u *uop) handler {
	if u.kind[0] != kRel || u.nargs != 1 {
		return nil
	}
	switch {
	case u.op == opJMP:
		return jmpBr
	case isJccOp(u.op):
		switch u.aux {
		case 4:
			return jeBr
		case 5:
			return jneBr
		}
		return jccBr
	}
	return nil
}

// Branch-step handlers: they compute what the pair's first instruction computes and
// report whether the branch is taken (brTaken); the run loop does the rest.

func jmpBr(c *CPU, u *uop) *Fault { return brTaken }

func jccBr(c *CPU, u *uop) *Fault {
	if c.cond(u.aux) {
		return brTaken
	}
	return nil
}

func jeBr(c *CPU, u *uop) *Fault {
	if c.zf() {
		return brTaken
	}
	return nil
}

func jneBr(c *CPU, u *uop) *Fault {
	if !c.zf() {
		return brTaken
	}
	return nil
}

func fusedOpBr(c *CPU, u *uop) *Fault {
	u.inner(c, u)
	if c.cond(u.pair.aux) {
		return brTaken
	}
	return nil
}

func fusedMemBr(c *CPU, u *uop) *Fault {
	if f := u.inner(c, u); f != nil {
		return f
	}
	if c.cond(u.pair.aux) {
		return brTaken
	}
	return nil
}

func fusedCmpRRBr(c *CPU, u *uop) *Fault { return c.cmpBr(u, c.GPR[u.r[1]&15]) }

func fusedCmpRIBr(c *CPU, u *uop) *Fault { return c.cmpBr(u, u.imm) }

// cmpBr is CMP or TEST (u.aux) of register u.r[0] with b at size u.sz[0], then the
// condition of the pair's Jcc.
func (c *CPU) cmpBr(u *uop, b uint64) *Fault {
	m := sizeMask[u.sz[0]]
	a := c.GPR[u.r[0]&15] & m
	b &= m
	msb := u.sz[0]*8 - 1
	var r, cv uint64
	if u.aux == aluTEST {
		r = a & b
	} else {
		r = (a - b) & m
		cv = (^a & b) | (^(a ^ b) & r)
	}
	c.lf = lazyFlags{res: r, cv: cv, msb: msb, kind: lfArith}
	if condArith(u.pair.aux, r, cv, msb) {
		return brTaken
	}
	return nil
}

// fusedOpJcc is a register ALU instruction (u.inner, which cannot fault) followed by Jcc
// rel.
func fusedOpJcc(c *CPU, u *uop) *Fault {
	u.inner(c, u)
	return c.fusedJcc(u.pair)
}

// fusedMemJcc is CMP/TEST with a memory operand (u.inner) followed by Jcc rel. When the
// compare faults the branch has not started: one instruction ran (runChain and runPartial
// count it from the clock).
func fusedMemJcc(c *CPU, u *uop) *Fault {
	if f := u.inner(c, u); f != nil {
		return f
	}
	return c.fusedJcc(u.pair)
}

// fusedCmpRRJcc is CMP/TEST r, r followed by Jcc rel.
func fusedCmpRRJcc(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	m := sizeMask[s]
	a, b := c.GPR[u.r[0]&15]&m, c.GPR[u.r[1]&15]&m
	msb := s*8 - 1
	var r, cv uint64
	if u.aux == aluTEST {
		r = a & b
	} else {
		r = (a - b) & m
		cv = (^a & b) | (^(a ^ b) & r)
	}
	c.lf = lazyFlags{res: r, cv: cv, msb: msb, kind: lfArith}
	return c.fusedJccIf(u.pair, condArith(u.pair.aux, r, cv, msb))
}

// fusedCmpRIJcc is CMP/TEST r, imm followed by Jcc rel.
func fusedCmpRIJcc(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	m := sizeMask[s]
	a, b := c.GPR[u.r[0]&15]&m, u.imm&m
	msb := s*8 - 1
	var r, cv uint64
	if u.aux == aluTEST {
		r = a & b
	} else {
		r = (a - b) & m
		cv = (^a & b) | (^(a ^ b) & r)
	}
	c.lf = lazyFlags{res: r, cv: cv, msb: msb, kind: lfArith}
	return c.fusedJccIf(u.pair, condArith(u.pair.aux, r, cv, msb))
}

// fusedJcc starts the branch j of a fused pair as the run loop starts an instruction and
// executes it (jccRel inlined).
func (c *CPU) fusedJcc(j *uop) *Fault { return c.fusedJccIf(j, c.cond(j.aux)) }

// condArith is c.cond(cc) for arithmetic lazy flags (kind lfArith) held in res, cv and
// msb (flags.go), without reading them back from the CPU.
func condArith(cc uint8, res, cv uint64, msb8 uint8) bool {
	msb := msb8 & 63
	var r bool
	switch cc >> 1 {
	case 0: // O
		r = (cv>>msb^cv>>(msb-1))&1 != 0
	case 1: // B
		r = cv>>msb&1 != 0
	case 2: // E
		r = res == 0
	case 3: // BE
		r = cv>>msb&1 != 0 || res == 0
	case 4: // S
		r = res>>msb&1 != 0
	case 5: // P
		r = bits.OnesCount8(uint8(res))&1 == 0
	case 6: // L: SF != OF
		r = (res>>msb^cv>>msb^cv>>(msb-1))&1 != 0
	case 7: // LE: ZF or SF != OF
		r = res == 0 || (res>>msb^cv>>msb^cv>>(msb-1))&1 != 0
	}
	return r != (cc&1 != 0)
}

// fusedJccIf is fusedJcc with the branch's condition already evaluated (taken).
func (c *CPU) fusedJccIf(j *uop, taken bool) *Fault {
	rip := c.RIP
	c.ip0 = rip
	c.Clock++
	c.Instret++
	next := (rip + uint64(j.len)) & c.ipMask
	c.RIP = next
	if !taken {
		return nil
	}
	t := c.jmpTarget(next+j.imm, j.osize)
	if c.long && !canonical(t) {
		return c.gp(0)
	}
	c.RIP = t
	return nil
}

// markBP sets pendBP when RIP is in a linear page that holds a host breakpoint and clears
// it otherwise; it reports whether it is set.
func (c *CPU) markBP() bool {
	if c.bpPages[c.LinearRIP()&^0xFFF] > 0 {
		c.setPending(pendBP)
		return true
	}
	c.clrPending(pendBP)
	return false
}

// resync ends the current block after this instruction and makes the next fetch translate
// RIP again (paging, mode, privilege or code changes).
func (c *CPU) resync() {
	c.icLin = icInvalid
	if atomic.LoadUint32(&c.pending)&pendResync == 0 {
		c.setPending(pendResync)
	}
}
