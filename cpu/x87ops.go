package cpu

// x87 data transfer, arithmetic and comparison instructions (SDM Vol. 1 ch. 8, Vol. 2
// instruction pages). The register stack: FPR holds the physical registers (ST(i) is
// physical (TOP+i) mod 8) and the abridged tag word FTW marks those in use.
// Exceptions: a masked one sets its FSW flag and the instruction completes with the
// masked response; an unmasked IE, DE or ZE leaves the destination alone, an unmasked
// OE or UE stores the result with its exponent scaled; either way FSW.ES is set and the
// next waiting x87 instruction raises #MF (CR0.NE=1). The instruction and data
// pointers and the opcode are not tracked (FNSAVE stores them as zero). The
// transcendental instructions are in x87trans.go.

import "math/big"

func init() {
	reg := func(name string, fn func(u *uop) handler) {
		register(name, func(u *uop, d *decodeInfo) bool {
			if u.lock {
				return false
			}
			u.fn = fn(u)
			if u.fn == nil {
				return false
			}
			x87Specialise(name, u)
			return true
		})
	}
	// x86asm reports no memory size for m80fp (DB /5, DB /7).
	m80 := func(u *uop) {
		if u.kind[0] == kMem && u.sz[0] == 0 {
			u.sz[0] = 10
		}
	}
	reg("FLD", func(u *uop) handler { m80(u); return x87Wrap(fld) })
	reg("FST", func(u *uop) handler { return x87Wrap(fstOp(false)) })
	reg("FSTP", func(u *uop) handler { m80(u); return x87Wrap(fstOp(true)) })
	reg("FILD", func(u *uop) handler { return x87Wrap(fild) })
	reg("FIST", func(u *uop) handler { return x87Wrap(fistOp(false, false)) })
	reg("FISTP", func(u *uop) handler { return x87Wrap(fistOp(true, false)) })
	reg("FISTTP", func(u *uop) handler { return x87Wrap(fistOp(true, true)) })
	for name, op := range map[string]int{"FADD": opAdd, "FSUB": opSub, "FSUBR": opSubR, "FMUL": opMul,
		"FDIV": opDiv, "FDIVR": opDivR} {
		op := op
		reg(name, func(u *uop) handler { return x87Wrap(farith(op, false, false)) })
		reg(name+"P", func(u *uop) handler { return x87Wrap(farith(op, true, false)) })
		reg("FI"+name[1:], func(u *uop) handler { return x87Wrap(farith(op, false, true)) })
	}
	reg("FLDZ", func(u *uop) handler { return x87Wrap(fldConst(f80{})) })
	reg("FLD1", func(u *uop) handler { return x87Wrap(fldConst(f80One)) })
	reg("FCHS", func(u *uop) handler { return x87Wrap(fsign(func(v f80) f80 { v.se ^= 0x8000; return v })) })
	reg("FABS", func(u *uop) handler { return x87Wrap(fsign(func(v f80) f80 { v.se &^= 0x8000; return v })) })
	reg("FXCH", func(u *uop) handler { return x87Wrap(fxch) })
	reg("FSQRT", func(u *uop) handler { return x87Wrap(fsqrt) })
	reg("FRNDINT", func(u *uop) handler { return x87Wrap(frndint) })
	reg("FNOP", func(u *uop) handler { return x87WrapKeepC1(func(c *CPU, u *uop) *Fault { return nil }) })
	reg("FINCSTP", func(u *uop) handler { return x87Wrap(fincdec(1)) })
	reg("FDECSTP", func(u *uop) handler { return x87Wrap(fincdec(-1)) })
	reg("FFREE", func(u *uop) handler { return x87Wrap(ffree) })
	for _, n := range []string{"FCOM", "FCOMP", "FCOMPP", "FUCOM", "FUCOMP", "FUCOMPP", "FICOM", "FICOMP",
		"FCOMI", "FCOMIP", "FUCOMI", "FUCOMIP"} {
		n := n
		reg(n, func(u *uop) handler {
			if n == "FCOMI" || n == "FCOMIP" || n == "FUCOMI" || n == "FUCOMIP" {
				return x87WrapKeepC1(fcom(n)) // C1 changes only on a stack underflow
			}
			return x87Wrap(fcom(n))
		})
	}
	reg("FTST", func(u *uop) handler { return x87Wrap(ftst) })
	reg("FXAM", func(u *uop) handler { return x87Wrap(fxam) })
}

const (
	opAdd = iota
	opSub
	opSubR
	opMul
	opDiv
	opDivR
)

// x87Wrap adds the checks every waiting x87 instruction makes first: #NM with CR0.EM or
// CR0.TS, then #MF for a pending unmasked exception.
func x87Wrap(fn handler) handler {
	return func(c *CPU, u *uop) *Fault {
		if f := c.fpuCheck(); f != nil {
			return f
		}
		if f := c.x87Pending(); f != nil {
			return f
		}
		c.FSW &^= fswC1 // set again where the instruction defines it
		return fn(c, u)
	}
}

// x87WrapKeepC1 is x87Wrap for the instructions that leave C1 alone.
func x87WrapKeepC1(fn handler) handler {
	return func(c *CPU, u *uop) *Fault {
		if f := c.fpuCheck(); f != nil {
			return f
		}
		if f := c.x87Pending(); f != nil {
			return f
		}
		return fn(c, u)
	}
}

func (c *CPU) x87Top() int { return int(c.FSW>>11) & 7 }

func (c *CPU) stEmpty(i int) bool { return c.FTW>>((c.x87Top()+i)&7)&1 == 0 }

func (c *CPU) stTag(i int, full bool) {
	p := uint((c.x87Top() + i) & 7)
	if full {
		c.FTW |= 1 << p
	} else {
		c.FTW &^= 1 << p
	}
}

func (c *CPU) st(i int) f80 {
	r := &c.FPR[(int(c.FSW>>11)+i)&7]
	return f80{man: r[0], se: uint16(r[1])}
}

func (c *CPU) setST(i int, v f80) {
	p := (int(c.FSW>>11) + i) & 7
	c.FPR[p] = [2]uint64{v.man, uint64(v.se)}
	c.FTW |= 1 << p
}

// x87Push makes room for a new ST(0) (the physical registers keep their contents).
func (c *CPU) x87Push() {
	c.x87SetTop(c.x87Top() - 1)
}

// x87Pop frees ST(0) and increments TOP.
func (c *CPU) x87Pop() {
	c.stTag(0, false)
	c.x87SetTop(c.x87Top() + 1)
}

// x87Except records exception flags in FSW (and ES) and reports whether an unmasked IE,
// DE or ZE among them must leave the destination unchanged.
func (c *CPU) x87Except(fl uint16) bool {
	c.FSW |= fl & 0x7F
	c.x87SyncES()
	return fl&^c.FCW&(fswIE|fswDE|fswZE) != 0
}

// setC1 writes the condition bit C1 (round-up indication, stack fault direction).
func (c *CPU) setC1(v bool) {
	if v {
		c.FSW |= fswC1
	} else {
		c.FSW &^= fswC1
	}
}

// stackUnderflow is the masked or unmasked response to reading an empty register: IE
// and SF with C1=0. It reports whether the destination must stay unchanged.
func (c *CPU) stackUnderflow() bool {
	c.setC1(false)
	return c.x87Except(fswIE | fswSF)
}

// st0Underflow handles an empty ST(0) for an instruction that replaces it:
// a stack underflow, whose masked response loads the indefinite. It reports
// whether ST(0) was empty (the instruction is then complete).
func (c *CPU) st0Underflow() bool {
	if !c.stEmpty(0) {
		return false
	}
	if !c.stackUnderflow() {
		c.setST(0, f80Indefinite)
	}
	return true
}

// x87Load pushes v (FLD, FILD, constants): an occupied ST(7) is a stack overflow.
func (c *CPU) x87Load(v f80, flags uint16) {
	if !c.stEmpty(7) {
		c.setC1(true)
		if c.x87Except(fswIE | fswSF) {
			return
		}
		c.x87Push()
		c.setST(0, f80Indefinite)
		return
	}
	// A denormal single or double source sets DE but is loaded even when DE is
	// unmasked (as the reference hosts do); an unmasked IE (signalling NaN) stops it.
	if flags != 0 && c.x87Except(flags) && flags&^c.FCW&fswIE != 0 {
		return
	}
	c.setC1(false)
	c.x87Push()
	c.setST(0, v)
}

// loadOperand reads a memory or register floating-point source operand.
func (c *CPU) loadOperand(u *uop, i int, integer bool) (v f80, flags uint16, empty bool, f *Fault) {
	if u.kind[i] == kST {
		if c.stEmpty(int(u.r[i])) {
			return f80{}, 0, true, nil
		}
		return c.st(int(u.r[i])), 0, false, nil
	}
	addr := c.ea(u)
	sz := int(u.sz[i])
	if integer {
		raw, f := c.read(addr, uint8(sz))
		if f != nil {
			return v, 0, false, f
		}
		shift := uint(64 - 8*sz)
		return f80FromInt(int64(raw<<shift) >> shift), 0, false, nil
	}
	switch sz {
	case 4, 8:
		raw, f := c.read(addr, uint8(sz))
		if f != nil {
			return v, 0, false, f
		}
		r, snan, den := f80FromFloat(raw, sz*8)
		if snan {
			flags |= fswIE
		}
		if den {
			flags |= fswDE
		}
		return r, flags, false, nil
	case 10:
		lo, f := c.read(addr, 8)
		if f != nil {
			return v, 0, false, f
		}
		hi, f := c.read(addr+8, 2)
		if f != nil {
			return v, 0, false, f
		}
		return f80{man: lo, se: uint16(hi)}, 0, false, nil
	}
	return v, 0, false, c.ud()
}

// fld is FLD m32fp/m64fp/m80fp/ST(i).
func fld(c *CPU, u *uop) *Fault {
	v, fl, empty, f := c.loadOperand(u, 0, false)
	if f != nil {
		return f
	}
	if empty {
		if c.stackUnderflow() {
			return nil
		}
		c.x87Push()
		c.setST(0, f80Indefinite)
		return nil
	}
	if v.class() == fcSNaN && u.kind[0] == kMem && u.sz[0] != 10 {
		v = v.quiet() // converting a signalling NaN (IE) gives its quiet form
	}
	c.x87Load(v, fl)
	return nil
}

func fldConst(v f80) handler {
	return func(c *CPU, u *uop) *Fault { c.x87Load(v, 0); return nil }
}

// fild is FILD m16int/m32int/m64int.
func fild(c *CPU, u *uop) *Fault {
	v, _, _, f := c.loadOperand(u, 0, true)
	if f != nil {
		return f
	}
	c.x87Load(v, 0)
	return nil
}

// fstOp is FST/FSTP m32fp/m64fp/m80fp (FSTP only)/ST(i).
func fstOp(pop bool) handler {
	return func(c *CPU, u *uop) *Fault {
		if c.stEmpty(0) {
			if c.stackUnderflow() {
				return nil
			}
			return c.x87Store(u, f80Indefinite, pop)
		}
		return c.x87Store(u, c.st(0), pop)
	}
}

func (c *CPU) x87Store(u *uop, v f80, pop bool) *Fault {
	if u.kind[0] == kST {
		c.setC1(false)
		c.setST(int(u.r[0]), v)
		if pop {
			c.x87Pop()
		}
		return nil
	}
	addr := c.ea(u)
	switch u.sz[0] {
	case 4, 8:
		bits := int(u.sz[0]) * 8
		out, fl, c1 := c.floatFromF80(v, bits)
		if fl&^c.FCW&(fswIE|fswDE) != 0 {
			c.x87Except(fl)
			return nil
		}
		if fl&^c.FCW&(fswOE|fswUE) != 0 {
			// Unmasked overflow/underflow to memory: nothing is stored (and no PE).
			c.x87Except(fl & (fswOE | fswUE))
			return nil
		}
		if f := c.write(addr, u.sz[0], out); f != nil {
			return f
		}
		c.x87Except(fl)
		c.setC1(c1)
	case 10:
		if f := c.probeWrite(addr, 10); f != nil {
			return f
		}
		if f := c.write(addr, 8, v.man); f != nil {
			return f
		}
		if f := c.write(addr+8, 2, uint64(v.se)); f != nil {
			return f
		}
		c.setC1(false)
	default:
		return c.ud()
	}
	if pop {
		c.x87Pop()
	}
	return nil
}

// fistOp is FIST/FISTP (rounding control) and FISTTP (truncation).
func fistOp(pop, trunc bool) handler {
	return func(c *CPU, u *uop) *Fault {
		v := c.st(0)
		var out uint64
		var fl uint16
		var c1 bool
		if c.stEmpty(0) {
			if c.stackUnderflow() {
				return nil
			}
			out = uint64(1) << (8*u.sz[0] - 1)
		} else {
			out, fl, c1 = c.intFromF80(v, int(u.sz[0]), trunc)
			if fl&^c.FCW&(fswIE|fswDE) != 0 {
				c.x87Except(fl)
				return nil
			}
		}
		if f := c.write(c.ea(u), u.sz[0], out); f != nil {
			return f
		}
		c.x87Except(fl)
		c.setC1(c1)
		if pop {
			c.x87Pop()
		}
		return nil
	}
}

// nanResult is the masked response to a NaN operand of an arithmetic operation: the
// QNaN of the NaN operand, or of the one with the larger significand when both are
// NaNs (SDM Vol. 1 Table 4-7).
func nanResult(a, b f80) f80 {
	an := a.class() == fcQNaN || a.class() == fcSNaN
	bn := b.class() == fcQNaN || b.class() == fcSNaN
	switch {
	case an && bn && a.class() != b.class():
		// A signalling and a quiet NaN: the quiet one.
		if a.class() == fcQNaN {
			return a
		}
		return b
	case an && bn:
		ma, mb := a.quiet().man, b.quiet().man
		if mb > ma || mb == ma && a.sign() && !b.sign() {
			return b.quiet()
		}
		return a.quiet()
	case an:
		return a.quiet()
	}
	return b.quiet()
}

// x87Arith computes a op b (op: opAdd, opSub, opMul, opDiv; reversed forms swap a and b
// before calling) with the precision and rounding controls.
func (c *CPU) x87Arith(op int, a, b f80, memDE bool) (f80, uint16, bool) {
	ca, cb := a.class(), b.class()
	if ca == fcUnsupported || cb == fcUnsupported {
		return f80Indefinite, fswIE, false
	}
	if ca == fcSNaN || ca == fcQNaN || cb == fcSNaN || cb == fcQNaN {
		var fl uint16
		if ca == fcSNaN || cb == fcSNaN {
			fl = fswIE
		}
		return nanResult(a, b), fl, false
	}
	// A denormal operand reports DE unless the operation is invalid or divides by
	// zero; an unmasked DE stops it before any result.
	var fl uint16
	if ca == fcDenormal || cb == fcDenormal || memDE {
		fl = fswDE
	}
	deStop := fl&^c.FCW != 0
	neg := a.sign() != b.sign()
	switch op {
	case opAdd, opSub:
		bs := b.sign() != (op == opSub)
		if ca == fcInf || cb == fcInf {
			if ca == fcInf && cb == fcInf && a.sign() != bs {
				return f80Indefinite, fswIE, false
			}
			if ca == fcInf {
				return a, fl, false
			}
			return f80{man: 1 << 63, se: 0x7FFF | boolSign(bs)}, fl, false
		}
		if ca == fcZero && cb == fcZero {
			s := a.sign() && bs
			if a.sign() != bs {
				s = c.roundMode() == big.ToNegativeInf
			}
			return f80{se: boolSign(s)}, fl, false
		}
	case opMul:
		if ca == fcInf || cb == fcInf {
			if ca == fcZero || cb == fcZero {
				return f80Indefinite, fswIE, false
			}
			return f80{man: 1 << 63, se: 0x7FFF | boolSign(neg)}, fl, false
		}
		if ca == fcZero || cb == fcZero {
			return f80{se: boolSign(neg)}, fl, false
		}
	case opDiv:
		switch {
		case ca == fcInf && cb == fcInf, ca == fcZero && cb == fcZero:
			return f80Indefinite, fswIE, false
		case ca == fcInf:
			return f80{man: 1 << 63, se: 0x7FFF | boolSign(neg)}, fl, false
		case cb == fcInf:
			return f80{se: boolSign(neg)}, fl, false
		case cb == fcZero:
			return f80{man: 1 << 63, se: 0x7FFF | boolSign(neg)}, fswZE, false
		case ca == fcZero:
			return f80{se: boolSign(neg)}, fl, false
		}
	}
	if deStop {
		return f80{}, fl, false
	}
	if ca == fcNormal && cb == fcNormal && c.x87FastOK() && x87Fast {
		if r, rf, c1, ok := x87FastArith(op, a, b); ok {
			return r, fl | rf, c1
		}
	}
	x, y := a.toBig(), b.toBig()
	var fn func(z *big.Float)
	switch op {
	case opAdd:
		fn = func(z *big.Float) { z.Add(x, y) }
	case opSub:
		// x - y as x + (-y): big.Float's Sub of a zero x negates after rounding, which
		// rounds the wrong way in the directed modes.
		ny := new(big.Float).Neg(y)
		fn = func(z *big.Float) { z.Add(x, ny) }
	case opMul:
		fn = func(z *big.Float) { z.Mul(x, y) }
	case opDiv:
		fn = func(z *big.Float) { z.Quo(x, y) }
	}
	r, rf := roundOp(fn, fmtExtended, c.x87Prec(), c.roundMode(), c.FCW&fswUE != 0, c.FCW&fswOE != 0)
	if r.kind == fcZero && rf&fswPE == 0 && (op == opAdd || op == opSub) {
		// An exact zero sum of non-zero operands: +0, or -0 when rounding down.
		r.neg = c.roundMode() == big.ToNegativeInf
	}
	return f80FromRounded(r), fl | rf, r.c1
}

func boolSign(b bool) uint16 {
	if b {
		return 0x8000
	}
	return 0
}

// farith is FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR in their forms: ST(0) op m32fp/m64fp (or
// m16int/m32int for the FI forms), ST(0) op ST(i), ST(i) op ST(0), and the popping
// ST(i) op ST(0) forms.
func farith(op int, pop, integer bool) handler {
	return func(c *CPU, u *uop) *Fault {
		// Destination and source register indexes, or a memory source.
		dst, src := 0, -1
		var mem f80
		var mfl uint16
		switch {
		case u.nargs == 0: // FADDP with no operands: ST(1), ST(0)
			dst, src = 1, 0
		case u.kind[0] == kMem:
			v, fl, _, f := c.loadOperand(u, 0, integer)
			if f != nil {
				return f
			}
			mem, mfl = v, fl
		case u.nargs == 1:
			dst, src = 0, int(u.r[0])
		default:
			dst, src = int(u.r[0]), int(u.r[1])
		}
		if c.stEmpty(dst) || src >= 0 && c.stEmpty(src) {
			if c.stackUnderflow() {
				return nil
			}
			c.setST(dst, f80Indefinite)
			if pop {
				c.x87Pop()
			}
			return nil
		}
		a := c.st(dst)
		b := mem
		if src >= 0 {
			b = c.st(src)
		}
		rev := op == opSubR || op == opDivR
		base := op
		switch op {
		case opSubR:
			base = opSub
		case opDivR:
			base = opDiv
		}
		// For "ST(i), ST(0)" forms the SDM's operation is DEST = DEST op SRC with DEST =
		// ST(i): a and b above are already (dest, src).
		if rev {
			a, b = b, a
		}
		r, fl, c1 := c.x87Arith(base, a, b, mfl&fswDE != 0)
		fl |= mfl &^ fswDE
		if pre := fl & (fswIE | fswDE | fswZE); pre&^c.FCW != 0 {
			// An unmasked invalid, denormal or divide-by-zero exception stops the
			// operation before it produces a result (or its precision flags).
			c.x87Except(pre)
			return nil
		}
		if c.x87Except(fl) {
			return nil
		}
		c.setC1(c1)
		c.setST(dst, r)
		if pop {
			c.x87Pop()
		}
		return nil
	}
}

// fsign is FCHS/FABS.
func fsign(fn func(f80) f80) handler {
	return func(c *CPU, u *uop) *Fault {
		if c.st0Underflow() {
			return nil
		}
		c.setC1(false)
		c.setST(0, fn(c.st(0)))
		return nil
	}
}

// fxch is FXCH ST(i).
func fxch(c *CPU, u *uop) *Fault {
	i := 1
	if u.nargs > 0 {
		i = int(u.r[u.nargs-1])
		if u.nargs == 2 && u.r[1] == 0 {
			i = int(u.r[0])
		}
	}
	if c.stEmpty(0) || c.stEmpty(i) {
		if c.stackUnderflow() {
			return nil
		}
		if c.stEmpty(0) {
			c.setST(0, f80Indefinite)
		}
		if c.stEmpty(i) {
			c.setST(i, f80Indefinite)
		}
	}
	c.setC1(false)
	a, b := c.st(0), c.st(i)
	c.setST(0, b)
	c.setST(i, a)
	return nil
}

// fsqrt is FSQRT.
func fsqrt(c *CPU, u *uop) *Fault {
	if c.st0Underflow() {
		return nil
	}
	v := c.st(0)
	var r f80
	var fl uint16
	var c1 bool
	switch v.class() {
	case fcUnsupported:
		r, fl = f80Indefinite, fswIE
	case fcSNaN:
		r, fl = v.quiet(), fswIE
	case fcQNaN, fcZero:
		r = v
	case fcInf:
		r = v
		if v.sign() {
			r, fl = f80Indefinite, fswIE
		}
	default:
		if v.sign() {
			r, fl = f80Indefinite, fswIE
			break
		}
		if v.class() == fcDenormal {
			fl |= fswDE
			if fswDE&^c.FCW != 0 {
				c.x87Except(fl)
				return nil
			}
		}
		if v.class() == fcNormal && c.x87FastOK() && x87Fast {
			var rf uint16
			var ok bool
			if r, rf, c1, ok = x87FastSqrt(v); ok {
				fl |= rf
				break
			}
		}
		x := v.toBig()
		rr, rf := roundOp(sqrtOp(x), fmtExtended, c.x87Prec(), c.roundMode(), true, true)
		r, c1 = f80FromRounded(rr), rr.c1
		fl |= rf &^ fswUE
	}
	if c.x87Except(fl) {
		return nil
	}
	c.setC1(c1)
	c.setST(0, r)
	return nil
}

// frndint is FRNDINT: ST(0) rounded to an integer with the rounding control.
func frndint(c *CPU, u *uop) *Fault {
	if c.st0Underflow() {
		return nil
	}
	v := c.st(0)
	var fl uint16
	c1 := false
	switch v.class() {
	case fcUnsupported:
		v, fl = f80Indefinite, fswIE
	case fcSNaN:
		v, fl = v.quiet(), fswIE
	case fcDenormal, fcNormal:
		if v.class() == fcDenormal {
			fl |= fswDE
			if fswDE&^c.FCW != 0 {
				c.x87Except(fl)
				return nil
			}
		}
		x := v.toBig()
		i, exact := roundToInt(x, c.roundMode())
		if !exact {
			fl |= fswPE
			c1 = new(big.Float).Abs(new(big.Float).SetInt(i)).Cmp(new(big.Float).Abs(x)) > 0
		}
		r, _ := roundOp(func(z *big.Float) { z.SetInt(i) }, fmtExtended, 64, big.ToNearestEven, true, true)
		if i.Sign() == 0 {
			r.neg = v.sign()
		}
		v = f80FromRounded(r)
	}
	if c.x87Except(fl) {
		return nil
	}
	c.setC1(c1)
	c.setST(0, v)
	return nil
}

// fincdec is FINCSTP/FDECSTP: TOP changes, tags and contents do not; C1 = 0.
func fincdec(d int) handler {
	return func(c *CPU, u *uop) *Fault {
		c.setC1(false)
		c.x87SetTop(c.x87Top() + d)
		return nil
	}
}

// ffree is FFREE ST(i).
func ffree(c *CPU, u *uop) *Fault {
	c.stTag(int(u.r[0]), false)
	return nil
}

// x87Compare compares a with b: -1, 0, 1 or 2 (unordered), with IE for a signalling NaN
// (or any NaN when ordered is set) or an unsupported operand, and DE.
func x87Compare(a, b f80, ordered bool) (int, uint16) {
	ca, cb := a.class(), b.class()
	var fl uint16
	if ca == fcUnsupported || cb == fcUnsupported {
		return 2, fswIE
	}
	if ca == fcSNaN || ca == fcQNaN || cb == fcSNaN || cb == fcQNaN {
		if ordered || ca == fcSNaN || cb == fcSNaN {
			fl |= fswIE
		}
		return 2, fl
	}
	if ca == fcDenormal || cb == fcDenormal {
		fl |= fswDE
	}
	if x87Fast {
		return x87Order(a, b), fl
	}
	val := func(v f80, cl int) *big.Float {
		if cl == fcInf {
			if v.sign() {
				return big.NewFloat(-1).SetInf(true)
			}
			return new(big.Float).SetInf(false)
		}
		return v.toBig()
	}
	return val(a, ca).Cmp(val(b, cb)), fl
}

// fcom is the FCOM/FUCOM/FICOM family (C3 C2 C0) and FCOMI/FUCOMI (ZF PF CF).
func fcom(name string) handler {
	ordered := name[1] != 'U'
	integer := name[1] == 'I' && name != "FCOMI" && name != "FCOMIP"
	eflags := name == "FCOMI" || name == "FCOMIP" || name == "FUCOMI" || name == "FUCOMIP"
	pops := 0
	switch name {
	case "FCOMP", "FUCOMP", "FICOMP", "FCOMIP", "FUCOMIP":
		pops = 1
	case "FCOMPP", "FUCOMPP":
		pops = 2
	}
	return func(c *CPU, u *uop) *Fault {
		src := 1
		var b f80
		var mfl uint16
		empty := c.stEmpty(0)
		switch {
		case u.nargs > 0 && u.kind[u.nargs-1] == kMem:
			v, fl, _, f := c.loadOperand(u, int(u.nargs-1), integer)
			if f != nil {
				return f
			}
			b, mfl, src = v, fl, -1
		case u.nargs > 0:
			src = int(u.r[u.nargs-1])
		}
		if src >= 0 {
			empty = empty || c.stEmpty(src)
			b = c.st(src)
		}
		res, fl := 2, uint16(0)
		if empty {
			c.setC1(false)
			fl = fswIE | fswSF
		} else {
			res, fl = x87Compare(c.st(0), b, ordered)
			if fl&fswIE != 0 {
				fl &^= fswDE
			} else {
				fl |= mfl
			}
		}
		blocked := c.x87Except(fl)
		if eflags {
			var z, p, cf uint64
			switch res {
			case -1:
				cf = FlagCF
			case 0:
				z = FlagZF
			case 2:
				z, p, cf = FlagZF, FlagPF, FlagCF
			}
			c.setFlagsBits(z|p|cf, FlagZF|FlagPF|FlagCF|FlagOF|FlagSF|FlagAF)
		} else {
			c.FSW &^= fswC3 | fswC2 | fswC0
			switch res {
			case -1:
				c.FSW |= fswC0
			case 0:
				c.FSW |= fswC3
			case 2:
				c.FSW |= fswC3 | fswC2 | fswC0
			}
		}
		if blocked {
			return nil // the condition codes are set, the stack is not popped
		}
		for i := 0; i < pops; i++ {
			c.x87Pop()
		}
		return nil
	}
}

// ftst is FTST: compares ST(0) with 0.0.
func ftst(c *CPU, u *uop) *Fault {
	res, fl := 2, uint16(fswIE|fswSF)
	if !c.stEmpty(0) {
		res, fl = x87Compare(c.st(0), f80{}, true)
	}
	c.setC1(false)
	c.x87Except(fl) // the condition codes are set even for an unmasked exception
	c.FSW &^= fswC3 | fswC2 | fswC0
	switch res {
	case -1:
		c.FSW |= fswC0
	case 0:
		c.FSW |= fswC3
	case 2:
		c.FSW |= fswC3 | fswC2 | fswC0
	}
	return nil
}

// fxam is FXAM: the class of ST(0) in C3 C2 C0 and its sign in C1.
func fxam(c *CPU, u *uop) *Fault {
	v := c.st(0)
	c.FSW &^= fswC3 | fswC2 | fswC1 | fswC0
	if v.sign() {
		c.FSW |= fswC1
	}
	var bits uint16
	if c.stEmpty(0) {
		bits = fswC3 | fswC0
	} else {
		switch v.class() {
		case fcUnsupported:
			bits = 0
		case fcQNaN, fcSNaN:
			bits = fswC0
		case fcNormal:
			bits = fswC2
		case fcInf:
			bits = fswC2 | fswC0
		case fcZero:
			bits = fswC3
		case fcDenormal:
			bits = fswC3 | fswC2
		}
	}
	c.FSW |= bits
	return nil
}
