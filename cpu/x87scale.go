package cpu

// x87 FSCALE, FXTRACT, FPREM and FPREM1 (SDM Vol. 2 instruction pages): exact
// operations on exponents and remainders, whose only rounding is a result beyond the
// exponent range.

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
	reg("FSCALE", fscale)
	reg("FXTRACT", fxtract)
	reg("FPREM", fprem(false))
	reg("FPREM1", fprem(true))
}

// x87Specials handles the operands of a two-operand instruction that are not numbers: an
// unsupported encoding (IE, the indefinite) or a NaN (IE for a signalling one, the
// NaN result of SDM Vol. 1 Table 4-7). ok is false when the caller computes.
func x87Specials(a, b f80) (r f80, fl uint16, ok bool) {
	ca, cb := a.class(), b.class()
	if ca == fcUnsupported || cb == fcUnsupported {
		return f80Indefinite, fswIE, true
	}
	if ca == fcSNaN || ca == fcQNaN || cb == fcSNaN || cb == fcQNaN {
		if ca == fcSNaN || cb == fcSNaN {
			fl = fswIE
		}
		return nanResult(a, b), fl, true
	}
	return f80{}, 0, false
}

// fscale is FSCALE: ST(0) = ST(0) * 2^trunc(ST(1)).
func fscale(c *CPU, u *uop) *Fault {
	if c.stEmpty(0) || c.stEmpty(1) {
		if c.stackUnderflow() {
			return nil
		}
		c.setST(0, f80Indefinite)
		return nil
	}
	a, s := c.st(0), c.st(1)
	r, fl, c1 := c.scaleValue(a, s)
	if c.x87Stop(fl) {
		return nil
	}
	c.x87Except(fl)
	c.setC1(c1)
	c.setST(0, r)
	return nil
}

func (c *CPU) scaleValue(a, s f80) (f80, uint16, bool) {
	if r, fl, ok := x87Specials(a, s); ok {
		return r, fl, false
	}
	ca, cs := a.class(), s.class()
	var fl uint16
	if ca == fcDenormal || cs == fcDenormal {
		fl = fswDE
	}
	switch {
	case cs == fcInf && !s.sign(): // * 2^+inf
		if ca == fcZero {
			return f80Indefinite, fswIE, false
		}
		return f80Inf(a.sign()), fl, false
	case cs == fcInf: // * 2^-inf
		if ca == fcInf {
			return f80Indefinite, fswIE, false
		}
		return f80Zero(a.sign()), fl, false
	case ca == fcZero || ca == fcInf:
		return a, fl, false
	}
	if fl&^c.FCW&fswDE != 0 {
		return f80{}, fl, false
	}
	// The scale, truncated toward zero and clamped far beyond the exponent range.
	n := int64(0)
	sb := s.toBig()
	if sb.MantExp(nil) > 24 {
		n = 1 << 24
	} else {
		n, _ = sb.Int64()
	}
	if s.sign() && n > 0 {
		n = -n
	}
	x := a.toBig()
	// An unmasked underflow or overflow delivers the result with its exponent moved by
	// 24576 into range; a result even that cannot bring into range is a zero (UE) or an
	// infinity (OE, rounded up) of its sign whatever the rounding control, as the
	// reference hosts deliver it.
	ue, oe := c.FCW&fswUE != 0, c.FCW&fswOE != 0
	if e := x.MantExp(nil) - 1 + int(n); e < fmtExtended.emin-3*(1<<13) && !ue {
		return f80Zero(a.sign()), fl | fswUE | fswPE, false
	} else if e > fmtExtended.emax+3*(1<<13) && !oe {
		return f80Inf(a.sign()), fl | fswOE | fswPE, true
	}
	// SetMantExp is exact (it keeps the operand's precision); z.Set then rounds.
	sc := new(big.Float).SetMantExp(x, int(n))
	r, rf := roundOp(func(z *big.Float) { z.Set(sc) }, fmtExtended, 64, c.roundMode(), ue, oe)
	return f80FromRounded(r), fl | rf, r.c1
}

// fxtract is FXTRACT: ST(0) = its unbiased exponent, then its significand (with the
// sign, exponent 0) pushed.
func fxtract(c *CPU, u *uop) *Fault {
	if c.stEmpty(0) || !c.stEmpty(7) {
		over := !c.stEmpty(0)
		c.setC1(over)
		if c.x87Except(fswIE | fswSF) {
			return nil
		}
		c.setST(0, f80Indefinite)
		c.x87Push()
		c.setST(0, f80Indefinite)
		return nil
	}
	v := c.st(0)
	var e, m f80
	var fl uint16
	switch v.class() {
	case fcUnsupported:
		e, m, fl = f80Indefinite, f80Indefinite, fswIE
	case fcSNaN:
		e, m, fl = v.quiet(), v.quiet(), fswIE
	case fcQNaN:
		e, m = v, v
	case fcInf:
		e, m = f80Inf(false), v
	case fcZero:
		e, m, fl = f80Inf(true), v, fswZE
	default:
		x := v.toBig()
		if v.class() == fcDenormal {
			fl = fswDE
		}
		ex := x.MantExp(nil) - 1 // x = 1.f * 2^ex
		e = f80FromInt(int64(ex))
		mb := new(big.Float).SetMantExp(x, -ex)
		m = f80Of(mb)
	}
	if c.x87Stop(fl) {
		return nil
	}
	c.x87Except(fl)
	c.setC1(false)
	c.setST(0, e)
	c.x87Push()
	c.setST(0, m)
	return nil
}

// f80Of packs a finite non-zero value that fits the extended format exactly.
func f80Of(x *big.Float) f80 {
	r, _ := roundOp(func(z *big.Float) { z.Set(x) }, fmtExtended, 64, big.ToNearestEven, true, true)
	return f80FromRounded(r)
}

// fprem is FPREM (round1 false: the quotient truncated, as the 8087 did) and FPREM1
// (the quotient rounded to nearest, the IEEE remainder): ST(0) = ST(0) - Q * ST(1).
// When the exponents differ by 64 or more, one step reduces the difference only to
// fremPartialBits (C2 = 1: run it again); otherwise the remainder is complete (C2 = 0)
// and C0, C3, C1 hold the quotient's bits 2, 1, 0.
func fprem(round1 bool) handler {
	return func(c *CPU, u *uop) *Fault {
		// C0 and C3 keep their values unless there is a remainder (as the reference
		// hosts leave them for a NaN or invalid operand).
		c.FSW &^= fswC2
		if c.stEmpty(0) || c.stEmpty(1) {
			if c.stackUnderflow() {
				return nil
			}
			c.setST(0, f80Indefinite)
			return nil
		}
		a, b := c.st(0), c.st(1)
		r, fl, q, partial, done := c.premValue(a, b, round1)
		if c.x87Stop(fl) {
			return nil
		}
		c.x87Except(fl)
		c.FSW &^= fswC1
		if !done {
			return nil
		}
		if k := r.class(); k == fcQNaN || k == fcSNaN {
			c.setST(0, r)
			return nil
		}
		c.FSW &^= fswC0 | fswC3
		if partial {
			c.FSW |= fswC2
		} else {
			if q&4 != 0 {
				c.FSW |= fswC0
			}
			if q&2 != 0 {
				c.FSW |= fswC3
			}
			if q&1 != 0 {
				c.FSW |= fswC1
			}
		}
		c.setST(0, r)
		return nil
	}
}

// fremPartialBits is how far one partial FPREM/FPREM1 step leaves the exponents apart:
// it removes the quotient's bits above the low fremPartialBits.
const fremPartialBits = 32

// premValue computes one FPREM/FPREM1 step: the result, flags, the low quotient bits,
// whether the reduction is partial, and whether there is a result at all.
func (c *CPU) premValue(a, b f80, round1 bool) (r f80, fl uint16, q uint64, partial, done bool) {
	if r, fl, ok := x87Specials(a, b); ok {
		return r, fl, 0, false, true
	}
	ca, cb := a.class(), b.class()
	switch {
	case ca == fcInf || cb == fcZero:
		return f80Indefinite, fswIE, 0, false, true
	}
	if ca == fcDenormal || cb == fcDenormal {
		fl = fswDE
	}
	if fl&^c.FCW&fswDE != 0 {
		return f80{}, fl, 0, false, false
	}
	if ca == fcZero || cb == fcInf {
		return a, fl, 0, false, true
	}
	x, y := a.toBig(), b.toBig()
	ex, ey := x.MantExp(nil), y.MantExp(nil)
	d := ex - ey
	ay := new(big.Float).Abs(y)
	ax := new(big.Float).Abs(x)
	if d >= 64 {
		// Partial: subtract the multiple of y * 2^(d - n) given by the truncated
		// quotient, which leaves an exponent difference below n.
		partial = true
		n := fremPartialBits + (d-fremPartialBits)%fremPartialBits
		sc := new(big.Float).SetMantExp(ay, d-n)
		qv := new(big.Float).SetPrec(uint(d+64)).Quo(ax, sc)
		qi, _ := qv.Int(nil)
		rem := new(big.Float).SetPrec(uint(d+192)).Mul(new(big.Float).SetInt(qi), sc)
		rem.Sub(new(big.Float).SetPrec(uint(d+192)).Set(ax), rem)
		if a.sign() {
			rem.Neg(rem)
		}
		res, rf := c.exactX87(rem, a.sign())
		return res, fl | rf, 0, true, true
	}
	// Complete: the quotient has at most 64 bits; the remainder is exact.
	prec := uint(max(d, 0) + 200)
	qv := new(big.Float).SetPrec(prec).Quo(ax, ay)
	mode := big.ToZero
	if round1 {
		mode = big.ToNearestEven
	}
	qi, _ := roundToInt(qv, mode)
	rem := new(big.Float).SetPrec(prec+64).Mul(new(big.Float).SetInt(qi), ay)
	rem.Sub(new(big.Float).SetPrec(prec+64).Set(ax), rem)
	if a.sign() {
		rem.Neg(rem)
	}
	res, rf := c.exactX87(rem, a.sign())
	q = new(big.Int).And(qi, big.NewInt(7)).Uint64()
	return res, fl | rf, q, false, true
}

// exactX87 packs an exactly representable result (a zero takes the sign zeroSign): only
// a denormal result with underflow unmasked changes it (scaled, UE).
func (c *CPU) exactX87(v *big.Float, zeroSign bool) (f80, uint16) {
	if v.Sign() == 0 {
		return f80Zero(zeroSign), 0
	}
	r, fl := roundOp(func(z *big.Float) { z.Set(v) }, fmtExtended, 64, big.ToNearestEven, c.FCW&fswUE != 0, true)
	return f80FromRounded(r), fl
}
