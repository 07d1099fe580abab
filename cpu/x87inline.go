package cpu

import (
	"github.com/kppemu/kppemu/mmu"
	"golang.org/x/arch/x86/x86asm"
)

// Inline x87 block steps (stepX87): the register forms compiled long double code runs
// most (FXCH, FLD and FST/FSTP of a register, the register arithmetic, FSQRT, FCHS,
// FABS, FLDZ, FLD1) and the loads, stores and arithmetic of memory at a flat address,
// run by the block loop through one direct call (x87Run) per run of them instead of an
// indirect call per instruction.
// x87Run computes exactly what the specialised handlers (x87hot.go) compute in their
// common case, under the same conditions; at a step outside it, it stops before that
// step has changed anything, and the loop runs the step's handler as a lazy step (which
// checks again and takes its general path).

// Sub-kinds of stepX87 (blockOp.cc). The operands: op.d and op.s are stack indexes
// (destination and source; FXCH, FLD, FST and FSTP use op.d), op.jcc the arithmetic
// (opAdd, opSub, opMul, opDiv), op.msb 1 when its operands are reversed (FSUBR, FDIVR),
// op.sm the memory operand's size in bytes.
const (
	x87sFxch    = iota // FXCH ST(d)
	x87sFldST          // FLD ST(d)
	x87sFstST          // FST ST(d)
	x87sFstpST         // FSTP ST(d)
	x87sArith          // ST(d) = ST(d) op ST(s)
	x87sArithP         // the same, then pop
	x87sSqrt           // FSQRT
	x87sChs            // FCHS
	x87sAbs            // FABS
	x87sLdz            // FLDZ
	x87sLd1            // FLD1
	x87sFldM           // FLD m32fp/m64fp
	x87sFildM          // FILD m16int/m32int/m64int
	x87sFstM           // FST m32fp/m64fp
	x87sFstpM          // FSTP m32fp/m64fp
	x87sArithM         // ST(0) = ST(0) op m32fp/m64fp
	x87sFldM80         // FLD m80fp
	x87sFstpM80        // FSTP m80fp
	x87sCom            // FCOM, FUCOM ST(d), popping op.s times
	x87sComi           // FCOMI, FUCOMI ST(d), popping op.s times

	// An integer inline step (op.kind x87Passable) inside a run of x87 steps (x87Runs).
	x87sInt
)

// x87Names maps the mnemonics with inline forms to their sub-kind (x87Kind refines it
// by operand); the arithmetic ones to x87sArith.
var x87Names = func() (t [4096]uint8) {
	for i := range t {
		t[i] = 0xFF
	}
	set := func(op x86asm.Op, k uint8) { t[uint16(op)&4095] = k }
	set(x86asm.FXCH, x87sFxch)
	set(x86asm.FLD, x87sFldST)
	set(x86asm.FST, x87sFstST)
	set(x86asm.FSTP, x87sFstpST)
	set(x86asm.FILD, x87sFildM)
	set(x86asm.FSQRT, x87sSqrt)
	set(x86asm.FCHS, x87sChs)
	set(x86asm.FABS, x87sAbs)
	set(x86asm.FLDZ, x87sLdz)
	set(x86asm.FLD1, x87sLd1)
	for _, op := range []x86asm.Op{x86asm.FCOM, x86asm.FCOMP, x86asm.FCOMPP, x86asm.FUCOM, x86asm.FUCOMP, x86asm.FUCOMPP} {
		set(op, x87sCom)
	}
	for _, op := range []x86asm.Op{x86asm.FCOMI, x86asm.FCOMIP, x86asm.FUCOMI, x86asm.FUCOMIP} {
		set(op, x87sComi)
	}
	for _, op := range []x86asm.Op{x86asm.FADD, x86asm.FSUB, x86asm.FSUBR, x86asm.FMUL, x86asm.FDIV,
		x86asm.FDIVR, x86asm.FADDP, x86asm.FSUBP, x86asm.FSUBRP, x86asm.FMULP, x86asm.FDIVP, x86asm.FDIVRP} {
		set(op, x87sArith)
	}
	return t
}()

// x87ArithOf is the arithmetic of an x87 mnemonic: the operation, whether its operands are
// reversed and whether it pops.
func x87ArithOf(op uint16) (arith int, rev, pop bool) {
	switch x86asm.Op(op) {
	case x86asm.FADD:
		return opAdd, false, false
	case x86asm.FSUB:
		return opSub, false, false
	case x86asm.FSUBR:
		return opSub, true, false
	case x86asm.FMUL:
		return opMul, false, false
	case x86asm.FDIV:
		return opDiv, false, false
	case x86asm.FDIVR:
		return opDiv, true, false
	case x86asm.FADDP:
		return opAdd, false, true
	case x86asm.FSUBP:
		return opSub, false, true
	case x86asm.FSUBRP:
		return opSub, true, true
	case x86asm.FMULP:
		return opMul, false, true
	case x86asm.FDIVP:
		return opDiv, false, true
	}
	return opDiv, true, true // FDIVRP
}

// x87Kind returns stepX87 and sets op's operands when lazy step u (a specialised x87
// form, x87Specialise) has an inline form, or returns stepLazy.
func x87Kind(op *blockOp, u *uop) uint8 {
	k := x87Names[u.op&4095]
	if k == 0xFF || !specialiseOn || u.lock {
		return stepLazy
	}
	mem := u.nargs > 0 && u.kind[0] == kMem
	if mem {
		// The memory forms at a flat address (no segment base, not RIP-relative).
		if !u.eaFlat || u.nargs != 1 {
			return stepLazy
		}
		sz := u.sz[0]
		op.sm = uint64(sz)
		switch k {
		case x87sFldST:
			k = x87sFldM
			if sz == 10 {
				k = x87sFldM80
			}
		case x87sFstST:
			k = x87sFstM
		case x87sFstpST:
			k = x87sFstpM
			if sz == 10 {
				k = x87sFstpM80
			}
		case x87sArith:
			if _, _, pop := x87ArithOf(u.op); pop {
				return stepLazy
			}
			k = x87sArithM
		case x87sFildM:
		default:
			return stepLazy
		}
		switch k {
		case x87sFildM:
			if sz != 2 && sz != 4 && sz != 8 {
				return stepLazy
			}
		case x87sFldM80, x87sFstpM80:
		default:
			if sz != 4 && sz != 8 {
				return stepLazy
			}
		}
	} else {
		for i := 0; i < int(u.nargs); i++ {
			if u.kind[i] != kST {
				return stepLazy
			}
		}
		switch k {
		case x87sFxch:
			op.d = u.aux & 7 // x87Specialise's index
		case x87sFldST, x87sFstST, x87sFstpST:
			if u.nargs != 1 {
				return stepLazy
			}
			op.d = u.r[0] & 7
		case x87sArith:
			// x87Specialise's dst<<3 | src.
			op.d, op.s = u.aux>>3&7, u.aux&7
		case x87sFildM:
			return stepLazy
		case x87sCom, x87sComi:
			// fcomFast's index; the pops.
			op.d = u.aux & 7
			op.s = 0
			switch x86asm.Op(u.op) {
			case x86asm.FCOMP, x86asm.FUCOMP, x86asm.FCOMIP, x86asm.FUCOMIP:
				op.s = 1
			case x86asm.FCOMPP, x86asm.FUCOMPP:
				op.s = 2
			}
		default:
			if u.nargs != 0 {
				return stepLazy
			}
		}
	}
	if k == x87sArith || k == x87sArithM {
		arith, rev, pop := x87ArithOf(u.op)
		op.jcc = uint8(arith)
		op.msb = 0
		if rev {
			op.msb = 1
		}
		if pop {
			k = x87sArithP
		}
	}
	op.cc = k
	return stepX87
}

// x87Runs sets the run length (op.imm) of every inline x87 step of a block: the steps
// from it to the last inline x87 step before a step that is neither one nor an integer
// step x87Run runs too (x87Passable), which x87Run runs in one call. A store of a
// counter between two x87 loads or the loop's counter update does not end the run.
func x87Runs(ops []blockOp) {
	n, gap := uint64(0), uint64(0)
	for i := len(ops) - 1; i >= 0; i-- {
		switch {
		case ops[i].kind == stepX87:
			if n == 0 {
				n = 1
			} else {
				n += gap + 1
			}
			gap = 0
			ops[i].imm = n
		case x87Passable(ops[i].kind):
			gap++
			if n != 0 {
				ops[i].cc = x87sInt // its kind's operands do not use cc
			}
		default:
			n, gap = 0, 0
		}
	}
}

// x87Passable reports whether x87Run runs integer inline steps of kind k (x87Int).
func x87Passable(k uint8) bool {
	switch k {
	case stepMov, stepAdd, stepSub, stepAnd, stepOr, stepXor, stepLea, stepLd32, stepLd64, stepSt32, stepSt64:
		return true
	}
	return false
}

// x87Int runs integer inline step op (x87Passable) inside a run of x87 steps, exactly as
// the block loop does (runChain), and reports whether it completed: a load or store that
// is not a TLB hit has changed nothing, and the block loop runs it.
func (c *CPU) x87Int(op *blockOp) bool {
	switch op.kind {
	case stepMov:
		c.GPR[op.d&15] = c.GPR[op.s&15]&op.sm + op.imm
	case stepAdd:
		a, b := c.GPR[op.d&15]&op.m, c.GPR[op.s&15]&op.sm+op.imm
		r := (a + b) & op.m
		c.GPR[op.d&15] = r
		c.lf = lazyFlags{res: r, cv: (a & b) | ((a | b) &^ r), msb: op.msb, kind: lfArith}
	case stepSub:
		a, b := c.GPR[op.d&15]&op.m, c.GPR[op.s&15]&op.sm+op.imm
		r := (a - b) & op.m
		c.GPR[op.d&15] = r
		c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: op.msb, kind: lfArith}
	case stepAnd:
		r := c.GPR[op.d&15] & op.m & (c.GPR[op.s&15]&op.sm + op.imm)
		c.GPR[op.d&15] = r
		c.lf = lazyFlags{res: r, msb: op.msb, kind: lfArith}
	case stepOr:
		r := c.GPR[op.d&15]&op.m | (c.GPR[op.s&15]&op.sm + op.imm)
		c.GPR[op.d&15] = r
		c.lf = lazyFlags{res: r, msb: op.msb, kind: lfArith}
	case stepXor:
		r := c.GPR[op.d&15]&op.m ^ (c.GPR[op.s&15]&op.sm + op.imm)
		c.GPR[op.d&15] = r
		c.lf = lazyFlags{res: r, msb: op.msb, kind: lfArith}
	case stepLea:
		u := &op.u
		c.GPR[op.d&15] = (c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp) & op.m
	case stepLd32, stepLd64:
		u := &op.u
		addr := c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp
		if c.memSlow || !canonical(addr) {
			return false
		}
		var v uint64
		var ok bool
		if op.kind == stepLd32 {
			v, ok = c.mem.TryRead32(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
		} else {
			v, ok = c.mem.TryRead64(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
		}
		if !ok {
			return false
		}
		c.GPR[op.d&15] = v
	case stepSt32, stepSt64:
		u := &op.u
		addr := c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp
		if c.memSlow || !canonical(addr) {
			return false
		}
		v := c.GPR[op.s&15]&op.sm + op.imm
		if op.kind == stepSt32 {
			return c.mem.TryWrite32(mmu.VAddr(addr), v, c.user, c.RFLAGS&FlagAC != 0)
		}
		return c.mem.TryWrite64(mmu.VAddr(addr), v, c.user, c.RFLAGS&FlagAC != 0)
	default:
		return false
	}
	return true
}

// x87Run runs the inline x87 steps ops (and the integer steps between them, x87Int) in
// order and returns how many completed; the step it stopped at has changed nothing (the
// loop runs it: an x87 step by its handler, an integer step as its own kind). The
// conditions every step shares are checked once: CR0.EM and CR0.TS clear, no exception
// pending (FSW.ES and B clear; no step here sets them), and for the arithmetic and FSQRT
// the control word's precision at 64 bits with rounding to nearest (no step here
// changes it). FSW and FTW are kept in locals and stored on the way out.
func (c *CPU) x87Run(ops []blockOp) int {
	fsw, ftw := c.FSW, uint(c.FTW)
	if c.CR0&(CR0EM|CR0TS) != 0 || fsw&(fswES|fswB) != 0 {
		return 0
	}
	fcw := c.FCW
	near64 := fcw&0xF00 == 0x300 // the precision and rounding controls of x87FastArith
	pem := fcw&fswPE != 0        // a precision exception is masked
	for k := range ops {
		op := &ops[k]
		top := uint(fsw>>11) & 7
		switch op.cc {
		case x87sInt:
			// An integer step between x87 steps (x87Runs).
			if !c.x87Int(op) {
				goto stop
			}
		case x87sFxch:
			p := (top + uint(op.d)) & 7
			if ftw>>top&(ftw>>p)&1 == 0 {
				goto stop
			}
			// Word by word: a 16-byte copy would wait on the two 8-byte stores that
			// wrote the register last (no store forwarding).
			t0, t1 := c.FPR[top][0], c.FPR[top][1]
			c.FPR[top][0], c.FPR[top][1] = c.FPR[p][0], c.FPR[p][1]
			c.FPR[p][0], c.FPR[p][1] = t0, t1
			fsw &^= fswC1
		case x87sFldST:
			p, n := (top+uint(op.d))&7, (top+7)&7
			if ftw>>p&1 == 0 || ftw>>n&1 != 0 {
				goto stop
			}
			c.FPR[n][0], c.FPR[n][1] = c.FPR[p][0], c.FPR[p][1]
			ftw |= 1 << n
			fsw = x87TopPush(fsw)
		case x87sFstST, x87sFstpST:
			if ftw>>top&1 == 0 {
				goto stop
			}
			p := (top + uint(op.d)) & 7
			c.FPR[p][0], c.FPR[p][1] = c.FPR[top][0], c.FPR[top][1]
			ftw |= 1 << p
			if op.cc == x87sFstpST {
				ftw &^= 1 << top
				fsw = x87TopPop(fsw)
			} else {
				fsw &^= fswC1
			}
		case x87sArith, x87sArithP:
			pd, ps := (top+uint(op.d))&7, (top+uint(op.s))&7
			rd, rs := &c.FPR[pd], &c.FPR[ps]
			if !near64 || ftw>>pd&(ftw>>ps)&1 == 0 || !f80Normal(rd) || !f80Normal(rs) {
				goto stop
			}
			a, b := f80{man: rd[0], se: uint16(rd[1])}, f80{man: rs[0], se: uint16(rs[1])}
			if op.msb != 0 {
				a, b = b, a
			}
			r, fl, c1, ok := x87FastArith(int(op.jcc), a, b)
			if !ok || fl != 0 && !pem {
				goto stop
			}
			rd[0], rd[1] = r.man, uint64(r.se)
			fsw = x87Status(fsw, fl, c1)
			if op.cc == x87sArithP {
				ftw &^= 1 << top
				fsw = fsw&^0x3800 | (fsw+0x800)&0x3800
			}
		case x87sSqrt:
			r := &c.FPR[top]
			if ftw>>top&1 == 0 || !near64 || !f80Normal(r) || r[1]&0x8000 != 0 {
				goto stop
			}
			v, fl, c1, ok := x87FastSqrt(f80{man: r[0], se: uint16(r[1])})
			if !ok || fl != 0 && !pem {
				goto stop
			}
			r[0], r[1] = v.man, uint64(v.se)
			fsw = x87Status(fsw, fl, c1)
		case x87sChs, x87sAbs:
			if ftw>>top&1 == 0 {
				goto stop
			}
			if op.cc == x87sChs {
				c.FPR[top][1] ^= 0x8000
			} else {
				c.FPR[top][1] &^= 0x8000
			}
			fsw &^= fswC1
		case x87sLdz, x87sLd1:
			n := (top + 7) & 7
			if ftw>>n&1 != 0 {
				goto stop
			}
			if op.cc == x87sLdz {
				c.FPR[n][0], c.FPR[n][1] = 0, 0
			} else {
				c.FPR[n][0], c.FPR[n][1] = f80One.man, uint64(f80One.se)
			}
			ftw |= 1 << n
			fsw = x87TopPush(fsw)
		case x87sFldM, x87sFildM:
			n := (top + 7) & 7
			if ftw>>n&1 != 0 {
				goto stop
			}
			u := &op.u
			addr := c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp
			var v f80
			var ok bool
			if op.cc == x87sFldM {
				v, ok = c.x87ReadFast(u, addr)
			} else {
				v, ok = c.x87ReadIntFast(u, addr)
			}
			if !ok {
				goto stop
			}
			c.FPR[n][0], c.FPR[n][1] = v.man, uint64(v.se)
			ftw |= 1 << n
			fsw = x87TopPush(fsw)
		case x87sFstM, x87sFstpM:
			if ftw>>top&1 == 0 || c.memSlow {
				goto stop
			}
			r := &c.FPR[top]
			out, pe, c1, ok := f80ToFloat(f80{man: r[0], se: uint16(r[1])}, int(op.sm)*8, fcw>>10&3)
			if !ok || pe && !pem {
				goto stop
			}
			u := &op.u
			addr := c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp
			if !canonical(addr) {
				goto stop
			}
			ac := c.RFLAGS&FlagAC != 0
			if op.sm == 8 {
				ok = c.mem.TryWrite64(mmu.VAddr(addr), out, c.user, ac)
			} else {
				ok = c.mem.TryWrite32(mmu.VAddr(addr), out, c.user, ac)
			}
			if !ok {
				goto stop
			}
			var fl uint16
			if pe {
				fl = fswPE
			}
			fsw = x87Status(fsw, fl, c1)
			if op.cc == x87sFstpM {
				ftw &^= 1 << top
				fsw = fsw&^0x3800 | (fsw+0x800)&0x3800
			}
		case x87sArithM:
			rd := &c.FPR[top]
			if !near64 || ftw>>top&1 == 0 || !f80Normal(rd) {
				goto stop
			}
			u := &op.u
			addr := c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp
			b, ok := c.x87ReadFast(u, addr)
			if !ok || b.se&0x7FFF == 0 {
				goto stop
			}
			a := f80{man: rd[0], se: uint16(rd[1])}
			if op.msb != 0 {
				a, b = b, a
			}
			r, fl, c1, ok := x87FastArith(int(op.jcc), a, b)
			if !ok || fl != 0 && !pem {
				goto stop
			}
			rd[0], rd[1] = r.man, uint64(r.se)
			fsw = x87Status(fsw, fl, c1)
		case x87sFldM80:
			n := (top + 7) & 7
			u := &op.u
			addr := c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp
			if ftw>>n&1 != 0 {
				goto stop
			}
			v, ok := c.x87ReadFast(u, addr)
			if !ok {
				goto stop
			}
			c.FPR[n][0], c.FPR[n][1] = v.man, uint64(v.se)
			ftw |= 1 << n
			fsw = x87TopPush(fsw)
		case x87sFstpM80:
			u := &op.u
			addr := c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp
			if ftw>>top&1 == 0 || c.memSlow || !canonical(addr) || addr&0xFFF > 0xFF6 {
				goto stop
			}
			// Both parts in one page, through one TLB entry: the second write is a hit
			// when the first is. (Were it not, the general handler would write the
			// same ten bytes again, into a page the first write found writable.)
			ac := c.RFLAGS&FlagAC != 0
			if !c.mem.TryWrite16(mmu.VAddr(addr+8), c.FPR[top][1]&0xFFFF, c.user, ac) ||
				!c.mem.TryWrite64(mmu.VAddr(addr), c.FPR[top][0], c.user, ac) {
				goto stop
			}
			ftw &^= 1 << top
			fsw = x87TopPop(fsw)
		case x87sCom, x87sComi:
			// fcomFast's common case: zero, normal and infinite operands.
			p := (top + uint(op.d)) & 7
			if ftw>>top&(ftw>>p)&1 == 0 {
				goto stop
			}
			a := f80{man: c.FPR[top][0], se: uint16(c.FPR[top][1])}
			b := f80{man: c.FPR[p][0], se: uint16(c.FPR[p][1])}
			if !x87Ordinary(a) || !x87Ordinary(b) {
				goto stop
			}
			res := x87Order(a, b)
			if op.cc == x87sComi {
				var fl uint64
				switch res {
				case -1:
					fl = FlagCF
				case 0:
					fl = FlagZF
				}
				c.setFlagsBits(fl, FlagZF|FlagPF|FlagCF|FlagOF|FlagSF|FlagAF)
			} else {
				fsw &^= fswC3 | fswC2 | fswC1 | fswC0
				switch res {
				case -1:
					fsw |= fswC0
				case 0:
					fsw |= fswC3
				}
			}
			for i := uint8(0); i < op.s; i++ {
				ftw &^= 1 << (uint(fsw>>11) & 7)
				fsw = fsw&^0x3800 | (fsw+0x800)&0x3800
			}
		default:
			goto stop
		}
		continue
	stop:
		c.FSW, c.FTW = fsw, uint8(ftw)
		return k
	}
	c.FSW, c.FTW = fsw, uint8(ftw)
	return len(ops)
}

// x87Status is FSW after an instruction that sets the exception flags fl (PE at most)
// and C1 = c1.
func x87Status(fsw, fl uint16, c1 bool) uint16 {
	fsw = fsw&^fswC1 | fl
	if c1 {
		fsw |= fswC1
	}
	return fsw
}
