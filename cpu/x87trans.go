package cpu

// The x87 transcendental instructions: FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X
// and FYL2XP1 (SDM Vol. 1 §8.3.8, Vol. 2 instruction pages). Results are extended
// precision whatever the precision control (which covers only the basic arithmetic and
// FSQRT) and are rounded by the rounding control from a far more precise value
// (x87math.go). FSIN, FCOS, FSINCOS and FPTAN reduce their operand by the 66-bit pi of
// the hardware's constant ROM, so their results near multiples of pi/2 match the
// reference hosts rather than the true functions; an operand of magnitude 2^63 or more
// leaves the stack alone and sets C2.

import "math/big"

func init() {
	reg := func(name string, fn handler) {
		register(name, func(u *uop, d *decodeInfo) bool {
			if u.lock {
				return false
			}
			u.fn = x87Wrap(fn)
			return true
		})
	}
	reg("FSIN", ftrig(trigSin))
	reg("FCOS", ftrig(trigCos))
	reg("FSINCOS", ftrig(trigSinCos))
	reg("FPTAN", ftrig(trigTan))
	reg("FPATAN", fbinlog(binAtan))
	reg("FYL2X", fbinlog(binYL2X))
	reg("FYL2XP1", fbinlog(binYL2XP1))
	reg("F2XM1", f2xm1)
}

const (
	trigSin = iota
	trigCos
	trigSinCos
	trigTan
)

// transRound rounds v to extended precision with the rounding control. d is the
// direction of the true value from v when v may be exactly representable although the
// true value is not (the leading term of a series for a tiny argument): v is then moved
// by far less than its last bit, so the rounding sees it inexact on the right side.
func (c *CPU) transRound(v *big.Float, d int) (f80, uint16, bool) {
	if d != 0 && v.Sign() != 0 {
		w := newF(v.Prec() + 64).Set(v)
		n := newF(64).SetMantExp(big.NewFloat(float64(d)), v.MantExp(nil)-int(v.Prec())-40)
		v = w.Add(w, n)
	}
	r, fl := roundOp(func(z *big.Float) { z.Set(v) }, fmtExtended, 64, c.roundMode(), c.FCW&fswUE != 0, c.FCW&fswOE != 0)
	return f80FromRounded(r), fl, r.c1
}

// x87Unmasked reports whether flags hold an unmasked invalid, denormal or divide-by-zero
// exception (which stops an instruction before it writes a result), recording them.
func (c *CPU) x87Stop(fl uint16) bool {
	if pre := fl & (fswIE | fswDE | fswZE); pre&^c.FCW != 0 {
		c.x87Except(pre)
		return true
	}
	return false
}

// two63 is 2^63, the bound of the trigonometric instructions' operand.
var two63 = new(big.Float).SetMantExp(big.NewFloat(1), 63)

// ftrig is FSIN, FCOS (ST(0) replaced), FSINCOS (ST(0) = sine, then cosine pushed) and
// FPTAN (ST(0) = tangent, then 1.0 pushed).
func ftrig(kind int) handler {
	push := kind == trigSinCos || kind == trigTan
	return func(c *CPU, u *uop) *Fault {
		if c.stEmpty(0) || push && !c.stEmpty(7) {
			// Stack underflow (C1 = 0) or, for the pushing forms, overflow (C1 = 1).
			over := !c.stEmpty(0)
			c.setC1(over)
			c.FSW &^= fswC2
			if c.x87Except(fswIE | fswSF) {
				return nil
			}
			c.setST(0, f80Indefinite)
			if push {
				c.x87Push()
				c.setST(0, f80Indefinite)
			}
			return nil
		}
		v := c.st(0)
		var r0, r1 f80 // ST(0) result, and the pushed one
		var fl uint16
		var c1 bool
		c.FSW &^= fswC2
		one := f80One
		switch v.class() {
		case fcUnsupported, fcInf:
			r0, r1, fl = f80Indefinite, f80Indefinite, fswIE
		case fcSNaN:
			r0, r1, fl = v.quiet(), v.quiet(), fswIE
		case fcQNaN:
			r0, r1 = v, v
		case fcZero:
			switch kind {
			case trigSin:
				r0 = v
			case trigCos:
				r0 = one
			case trigSinCos:
				r0, r1 = v, one
			case trigTan:
				r0, r1 = v, one
			}
		default:
			if v.class() == fcDenormal {
				fl = fswDE
				if c.x87Stop(fl) {
					return nil
				}
			}
			x := v.toBig()
			if new(big.Float).Abs(x).Cmp(two63) >= 0 {
				// Out of range: nothing changes but C2 (and a denormal flag cannot occur).
				c.FSW |= fswC2
				return nil
			}
			var f0, f1 uint16
			switch kind {
			case trigSin, trigCos, trigSinCos:
				s, co, ds, dc := sinCos66(x)
				switch kind {
				case trigSin:
					r0, f0, c1 = c.transRound(s, ds)
				case trigCos:
					r0, f0, c1 = c.transRound(co, dc)
				default:
					// C1 tells the rounding of the sine (as on the reference hosts).
					r0, f0, c1 = c.transRound(s, ds)
					r1, f1, _ = c.transRound(co, dc)
				}
			case trigTan:
				t, d := tan66(x)
				r0, f0, c1 = c.transRound(t, d)
				r1 = one
			}
			fl |= f0 | f1
		}
		if c.x87Stop(fl) {
			return nil
		}
		c.x87Except(fl)
		c.setC1(c1)
		c.setST(0, r0)
		if push {
			c.x87Push()
			c.setST(0, r1)
		}
		return nil
	}
}

// f2xm1 is F2XM1: ST(0) = 2^ST(0) - 1, defined for -1 <= ST(0) <= 1.
func f2xm1(c *CPU, u *uop) *Fault {
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
		r = v // 2^+inf - 1 = +inf
		if v.sign() {
			r = f80{man: 1 << 63, se: 0xBFFF} // 2^-inf - 1 = -1
		}
	default:
		if v.class() == fcDenormal {
			fl = fswDE
			if c.x87Stop(fl) {
				return nil
			}
		}
		x := v.toBig()
		ax := new(big.Float).Abs(x)
		if ax.Cmp(big.NewFloat(1)) > 0 {
			// Beyond the defined range the reference hosts return the operand, inexact.
			r, fl = v, fl|fswPE
			break
		}
		z, d := newF(64), 0
		switch {
		case ax.Cmp(big.NewFloat(1)) == 0:
			// 2^1 - 1 = 1 and 2^-1 - 1 = -1/2, but the microcode's polynomial lands just
			// below each (1 rounds down toward zero, -1/2 away from it), inexact.
			z.SetFloat64(1)
			if v.sign() {
				z.SetFloat64(-0.5)
			}
			d = -1
		default:
			z = expm1Big(newF(transPrec+32).Mul(x, constLn2()))
		}
		var f uint16
		r, f, c1 = c.transRound(z, d)
		fl |= f
	}
	if c.x87Stop(fl) {
		return nil
	}
	c.x87Except(fl)
	c.setC1(c1)
	c.setST(0, r)
	return nil
}

const (
	binAtan = iota
	binYL2X
	binYL2XP1
)

// fbinlog is FPATAN (ST(1) = the angle of (ST(0), ST(1))), FYL2X (ST(1) = ST(1) *
// log2 ST(0)) and FYL2XP1 (ST(1) = ST(1) * log2(ST(0) + 1)); each pops the stack.
func fbinlog(kind int) handler {
	return func(c *CPU, u *uop) *Fault {
		if c.stEmpty(0) || c.stEmpty(1) {
			if c.stackUnderflow() {
				return nil
			}
			c.setST(1, f80Indefinite)
			c.x87Pop()
			return nil
		}
		x, y := c.st(0), c.st(1)
		r, fl, c1 := c.binlog(kind, x, y)
		if c.x87Stop(fl) {
			return nil
		}
		c.x87Except(fl)
		c.setC1(c1)
		c.setST(1, r)
		c.x87Pop()
		return nil
	}
}

func f80Inf(neg bool) f80  { return f80{man: 1 << 63, se: 0x7FFF | boolSign(neg)} }
func f80Zero(neg bool) f80 { return f80{se: boolSign(neg)} }

// binlog computes FPATAN, FYL2X or FYL2XP1 of ST(0) = x and ST(1) = y.
func (c *CPU) binlog(kind int, x, y f80) (f80, uint16, bool) {
	cx, cy := x.class(), y.class()
	if cx == fcUnsupported || cy == fcUnsupported {
		return f80Indefinite, fswIE, false
	}
	if cx == fcSNaN || cx == fcQNaN || cy == fcSNaN || cy == fcQNaN {
		var fl uint16
		if cx == fcSNaN || cy == fcSNaN {
			fl = fswIE
		}
		return nanResult(x, y), fl, false
	}
	var fl uint16
	if cx == fcDenormal || cy == fcDenormal {
		fl = fswDE
	}
	if kind == binAtan {
		return c.fpatanValue(x, y, fl)
	}
	// y * L with L = log2(x) or log2(x + 1): the special values of L first.
	xs := x.sign()
	switch {
	case kind == binYL2X && xs && cx != fcZero, kind == binYL2XP1 && xs && cx == fcInf:
		return f80Indefinite, fswIE, false // the logarithm of a negative number
	}
	var L *big.Float // finite non-zero logarithm, or nil with the special below
	lInf, lZero, lNeg, pole := false, false, false, false
	switch kind {
	case binYL2X:
		switch {
		case cx == fcZero:
			lInf, lNeg, pole = true, true, true
		case cx == fcInf:
			lInf = true
		default:
			lnm, e := lnBig(x.toBig())
			if lnm.Sign() == 0 {
				if e == 0 {
					lZero = true
				} else {
					L = newF(64).SetInt64(int64(e))
				}
			} else {
				L = lnm.Quo(lnm, constLn2())
				L.Add(L, newF(64).SetInt64(int64(e)))
			}
		}
	case binYL2XP1:
		xb := x.toBig()
		switch {
		case cx == fcZero:
			lZero, lNeg = true, xs
		case cx == fcInf:
			lInf = true
		default:
			if xb.Cmp(big.NewFloat(-1)) <= 0 {
				// Beyond the defined range (and at -1) the reference hosts take the
				// logarithm as some negative finite value: an infinite or zero y gives
				// the product's sign, any other y the operand x, inexact.
				switch cy {
				case fcInf:
					return f80Inf(!y.sign()), 0, false
				case fcZero:
					return f80Zero(!y.sign()), 0, false
				}
				return x, fl | fswPE, false
			}
			{
				L = log1pBig(xb)
				L.Quo(L, constLn2())
			}
		}
	}
	if L != nil {
		lNeg = L.Sign() < 0
	}
	neg := y.sign() != lNeg
	switch {
	case lInf && cy == fcZero, lZero && cy == fcInf:
		return f80Indefinite, fswIE, false
	case lInf:
		if pole && cy != fcInf {
			fl = fswZE // the logarithm's pole times a finite non-zero y (no DE)
		}
		return f80Inf(neg), fl, false
	case cy == fcInf:
		return f80Inf(neg), fl, false
	case lZero, cy == fcZero:
		return f80Zero(neg), fl, false
	}
	if fl&^c.FCW&fswDE != 0 {
		return f80{}, fl, false
	}
	p := newF(transPrec+32).Mul(y.toBig(), L)
	r, f, c1 := c.transRound(p, 0)
	{
		// Inexact even when exact (a power of two), and so underflowing when tiny (as
		// the reference hosts report).
		f |= fswPE
		if r.exp() == 0 && r.man != 0 {
			f |= fswUE
		}
	}
	return r, fl | f, c1
}

// fpatanValue is FPATAN's result for non-NaN x = ST(0) and y = ST(1): the angle of
// (x, y) in [-pi, pi], with the signed zeros and infinities of IEEE atan2.
func (c *CPU) fpatanValue(x, y f80, fl uint16) (f80, uint16, bool) {
	cx, cy := x.class(), y.class()
	pi := constPi()
	frac := func(num, den int64) *big.Float {
		v := newF(transPrec).Mul(pi, big.NewFloat(float64(num)))
		return v.Quo(v, big.NewFloat(float64(den)))
	}
	var v *big.Float
	d := 0
	switch {
	case cy == fcZero:
		if !x.sign() {
			return f80Zero(y.sign()), fl, false
		}
		v = frac(1, 1)
	case cy == fcInf && cx == fcInf:
		if x.sign() {
			v = frac(3, 4)
		} else {
			v = frac(1, 4)
		}
	case cy == fcInf, cx == fcZero:
		v = frac(1, 2)
	case cx == fcInf:
		if !x.sign() {
			return f80Zero(y.sign()), fl, false
		}
		v = frac(1, 1)
	default:
		if fl&^c.FCW&fswDE != 0 {
			return f80{}, fl, false
		}
		v, d = atan2Big(y.toBig(), x.toBig())
		r, f, c1 := c.transRound(v, d)
		return r, fl | f, c1
	}
	if y.sign() {
		v.Neg(v)
	}
	r, f, c1 := c.transRound(v, 0)
	return r, fl | f, c1
}
