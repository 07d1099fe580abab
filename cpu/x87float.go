package cpu

// x87 floating point: 80-bit extended values, rounding to the precision and rounding
// controls, and conversions to and from single, double and integer formats, on top of
// math/big (exact operands, one correctly rounded result). SDM Vol. 1 ch. 4 and 8.

import (
	"math/big"
	"math/bits"
)

// f80 is an extended-precision value: the 64-bit significand (explicit integer bit)
// and sign<<15 | biased exponent.
type f80 struct {
	man uint64
	se  uint16
}

func (v f80) sign() bool { return v.se&0x8000 != 0 }
func (v f80) exp() int   { return int(v.se & 0x7FFF) }

// Value classes.
const (
	fcZero = iota
	fcDenormal
	fcNormal
	fcInf
	fcQNaN
	fcSNaN
	fcUnsupported // unnormals, pseudo-NaN/infinity/denormal with exponent 0 and J set is a pseudo-denormal (treated as denormal)
)

func (v f80) class() int {
	e, m := v.exp(), v.man
	switch {
	case e == 0 && m == 0:
		return fcZero
	case e == 0:
		return fcDenormal // including pseudo-denormals (J=1), which hardware accepts
	case e == 0x7FFF:
		switch {
		case m>>63 == 0:
			return fcUnsupported
		case m<<1 == 0:
			return fcInf
		case m>>62&1 != 0:
			return fcQNaN
		}
		return fcSNaN
	case m>>63 == 0:
		return fcUnsupported
	}
	return fcNormal
}

// FSW exception and condition bits.
const (
	fswIE = 1 << 0
	fswDE = 1 << 1
	fswZE = 1 << 2
	fswOE = 1 << 3
	fswUE = 1 << 4
	fswPE = 1 << 5
	fswSF = 1 << 6
	fswC0 = 1 << 8
	fswC1 = 1 << 9
	fswC2 = 1 << 10
	fswC3 = 1 << 14
)

var (
	f80Indefinite = f80{man: 0xC000000000000000, se: 0xFFFF}
	f80One        = f80{man: 1 << 63, se: 0x3FFF}
)

// toBig returns the exact value of a finite v (zero, denormal, normal).
func (v f80) toBig() *big.Float {
	z := new(big.Float).SetPrec(64).SetUint64(v.man)
	e := v.exp()
	if e == 0 {
		e = 1
	}
	z.SetMantExp(z, e-16383-63)
	if v.sign() {
		z.Neg(z)
	}
	return z
}

// quiet returns the QNaN of a NaN.
func (v f80) quiet() f80 { v.man |= 1 << 62; return v }

// fmtSpec is a binary format for rounding: precision, exponent range and bias.
type fmtSpec struct {
	prec       int // significand bits of the format (24, 53, 64)
	emin, emax int // unbiased exponents of the smallest and largest normal
}

var (
	fmtSingle   = fmtSpec{24, -126, 127}
	fmtDouble   = fmtSpec{53, -1022, 1023}
	fmtExtended = fmtSpec{64, -16382, 16383}
)

// rounded is a rounded finite or infinite result, before packing.
type rounded struct {
	neg  bool
	kind int    // fcZero, fcDenormal, fcNormal, fcInf
	exp  int    // unbiased exponent of the MSB (normal), or emin (denormal)
	man  uint64 // significand with its MSB at bit 63 for normals; denormals shifted right
	c1   bool   // rounded up in magnitude
}

func (c *CPU) roundMode() big.RoundingMode {
	switch c.FCW >> 10 & 3 {
	case 1:
		return big.ToNegativeInf
	case 2:
		return big.ToPositiveInf
	case 3:
		return big.ToZero
	}
	return big.ToNearestEven
}

// x87Prec is the precision control's significand width.
func (c *CPU) x87Prec() int {
	switch c.FCW >> 8 & 3 {
	case 0:
		return 24
	case 2:
		return 53
	}
	return 64
}

// roundOp rounds the value op computes into format f with at most prec significand bits,
// in rounding mode m: op fills z (whose precision and mode are set) with the correctly
// rounded result of the exact operation, and may be called again at a lower precision
// for a tiny result. zeroNeg is the sign of an exact zero result. It returns the
// rounded result and the exception flags (PE, UE, OE as masked responses: the caller
// handles unmasked OE/UE by its own scaling).
func roundOp(op func(z *big.Float), f fmtSpec, prec int, m big.RoundingMode, ueMasked, oeMasked bool) (r rounded, flags uint16) {
	z := new(big.Float).SetPrec(uint(prec)).SetMode(m)
	op(z)
	if z.Sign() == 0 {
		r.neg = z.Signbit()
		r.kind = fcZero
		if z.Acc() != big.Exact {
			flags |= fswPE
		}
		return r, flags
	}
	r.neg = z.Sign() < 0
	e := z.MantExp(nil) - 1 // z = 1.x * 2^e
	bias := 0
	if e < f.emin {
		if !ueMasked {
			bias = 3 * (1 << 13) // scale into range (24576 for extended)
			if f.prec != 64 {
				bias = map[int]int{24: 192, 53: 1536}[f.prec]
			}
		} else {
			// Tiny: the significand keeps the bits down to the denormal LSB, and the
			// precision control still rounds at its fixed place in the significand
			// field (so a denormal has fewer significant bits under PC=24/53).
			avail := e - (f.emin - f.prec + 1) + 1 - (f.prec - prec)
			if avail < prec {
				if avail < 1 {
					// At most one unit of the last place: zero or the smallest value,
					// by the rounding mode (round to nearest: above half of it).
					flags |= fswPE | fswUE
					r.kind = fcZero
					up := (m == big.ToPositiveInf && !r.neg) || (m == big.ToNegativeInf && r.neg)
					if m == big.ToNearestEven && avail == 0 {
						zz := new(big.Float).SetPrec(512)
						op(zz)
						half := new(big.Float).SetMantExp(big.NewFloat(1), f.emin-prec)
						up = new(big.Float).Abs(zz).Cmp(half) > 0
					}
					if up {
						r.kind = fcDenormal
						r.exp = f.emin
						r.man = 1 << uint(64-prec)
						r.c1 = true
					}
					return r, flags
				}
				z = new(big.Float).SetPrec(uint(avail)).SetMode(m)
				op(z)
				e = z.MantExp(nil) - 1
			}
		}
	} else if e > f.emax && !oeMasked {
		bias = -3 * (1 << 13)
		if f.prec != 64 {
			bias = -map[int]int{24: 192, 53: 1536}[f.prec]
		}
	}
	acc := z.Acc()
	if acc != big.Exact {
		flags |= fswPE
		r.c1 = (acc == big.Above) != r.neg
	}
	mt := new(big.Float).Abs(z)
	mt.SetMantExp(mt, 63-e)
	u, _ := mt.Uint64()
	e += bias
	if bias > 0 {
		flags |= fswUE
	} else if bias < 0 {
		flags |= fswOE
	}
	if e > f.emax {
		flags |= fswOE | fswPE
		// Masked overflow: infinity, or the largest finite value when rounding toward zero
		// (or away from the sign's infinity).
		if m == big.ToZero || (m == big.ToNegativeInf && !r.neg) || (m == big.ToPositiveInf && r.neg) {
			r.kind, r.exp = fcNormal, f.emax
			r.man = ^uint64(0) << (64 - prec)
			r.c1 = false
		} else {
			r.kind = fcInf
			r.c1 = true
		}
		return r, flags
	}
	if e < f.emin {
		// Denormal (masked underflow): shift to the emin scale.
		u >>= uint(f.emin - e)
		if flags&fswPE != 0 {
			flags |= fswUE
		}
		if u == 0 {
			r.kind = fcZero
			return r, flags
		}
		r.kind, r.exp, r.man = fcDenormal, f.emin, u
		return r, flags
	}
	r.kind, r.exp, r.man = fcNormal, e, u
	return r, flags
}

// f80FromRounded packs an extended result.
func f80FromRounded(r rounded) f80 {
	s := uint16(0)
	if r.neg {
		s = 0x8000
	}
	switch r.kind {
	case fcZero:
		return f80{se: s}
	case fcInf:
		return f80{man: 1 << 63, se: s | 0x7FFF}
	case fcDenormal:
		return f80{man: r.man, se: s}
	}
	return f80{man: r.man, se: s | uint16(r.exp+16383)}
}

// f80FromFloat converts an IEEE single (bits 32) or double (bits 64) exactly. snan
// reports a signalling NaN (converted to a QNaN); denormal a denormal operand.
func f80FromFloat(v uint64, bits int) (r f80, snan, denormal bool) {
	var sign uint16
	var e int
	var frac uint64
	var fb, ebias, emaxb int
	if bits == 32 {
		sign = uint16(v>>31&1) << 15
		e, frac, fb, ebias, emaxb = int(v>>23&0xFF), v&(1<<23-1), 23, 127, 0xFF
	} else {
		sign = uint16(v>>63&1) << 15
		e, frac, fb, ebias, emaxb = int(v>>52&0x7FF), v&(1<<52-1), 52, 1023, 0x7FF
	}
	switch {
	case e == 0 && frac == 0:
		return f80{se: sign}, false, false
	case e == 0:
		// Denormal: normalise.
		n := 63 - fb
		m := frac << uint(n)
		ex := 1 - ebias + 16383
		for m>>63 == 0 {
			m <<= 1
			ex--
		}
		return f80{man: m, se: sign | uint16(ex)}, false, true
	case e == emaxb:
		m := 1<<63 | frac<<uint(63-fb)
		if frac == 0 {
			return f80{man: m, se: sign | 0x7FFF}, false, false
		}
		// NaNs keep their quiet bit: the instruction decides (FLD quiets a signalling NaN,
		// arithmetic reports it).
		qn := frac>>(fb-1)&1 != 0
		return f80{man: m, se: sign | 0x7FFF}, !qn, false
	}
	return f80{man: 1<<63 | frac<<uint(63-fb), se: sign | uint16(e-ebias+16383)}, false, false
}

// floatFromF80 rounds v to single (32) or double (64) for FST: the result bits and the
// exception flags (IE for a signalling NaN or unsupported value, DE, UE, OE, PE) and
// whether it rounded up.
func (c *CPU) floatFromF80(v f80, bits int) (out uint64, flags uint16, c1 bool) {
	f, fb, ebias := fmtSingle, 23, 127
	if bits == 64 {
		f, fb, ebias = fmtDouble, 52, 1023
	}
	signBit := uint64(0)
	if v.sign() {
		signBit = 1 << uint(bits-1)
	}
	expAll := uint64(1)<<uint(bits-1-fb) - 1
	switch v.class() {
	case fcZero:
		return signBit, 0, false
	case fcInf:
		return signBit | expAll<<uint(fb), 0, false
	case fcQNaN, fcSNaN:
		fl := uint16(0)
		if v.class() == fcSNaN {
			fl = fswIE
		}
		return signBit | expAll<<uint(fb) | 1<<uint(fb-1) | (v.man<<2>>2)>>uint(63-fb), fl, false
	case fcUnsupported:
		// The default NaN.
		return 1<<uint(bits-1) | expAll<<uint(fb) | 1<<uint(fb-1), fswIE, false
	}
	if x87Fast {
		if out, pe, c1, ok := f80ToFloat(v, bits, c.FCW>>10&3); ok {
			if pe {
				flags = fswPE
			}
			return out, flags, c1
		}
	}
	x := v.toBig()
	r, fl := roundOp(func(z *big.Float) { z.Set(x) }, f, f.prec, c.roundMode(), c.FCW&fswUE != 0, c.FCW&fswOE != 0)
	flags |= fl
	switch r.kind {
	case fcZero:
		return signBit, flags, r.c1
	case fcInf:
		return signBit | expAll<<uint(fb), flags, r.c1
	case fcDenormal:
		return signBit | r.man>>uint(63-fb), flags, r.c1
	}
	return signBit | uint64(r.exp+ebias)<<uint(fb) | (r.man<<1>>1)>>uint(63-fb), flags, r.c1
}

// intFromF80 converts v to a signed integer of size bytes with the rounding control
// (or truncation): IE and the integer indefinite when it is a NaN, infinite or out of
// range; PE when inexact.
func (c *CPU) intFromF80(v f80, size int, trunc bool) (uint64, uint16, bool) {
	indefinite := uint64(1) << uint(8*size-1)
	switch v.class() {
	case fcZero:
		return 0, 0, false
	case fcInf, fcQNaN, fcSNaN, fcUnsupported:
		return indefinite, fswIE, false
	}
	var flags uint16
	if x87Fast {
		rc := c.FCW >> 10 & 3
		if trunc {
			rc = 3
		}
		if out, pe, c1, ok := f80ToInt(v, size, rc); ok {
			if pe {
				flags = fswPE
			}
			return out, flags, c1
		}
	}
	x := v.toBig()
	m := c.roundMode()
	if trunc {
		m = big.ToZero
	}
	i, exact := roundToInt(x, m)
	lim := new(big.Int).Lsh(big.NewInt(1), uint(8*size-1))
	if i.Cmp(lim) >= 0 || i.Cmp(new(big.Int).Neg(lim)) < 0 {
		return indefinite, flags | fswIE, false
	}
	c1 := false
	if !exact {
		flags |= fswPE
		if v.sign() {
			c1 = new(big.Float).SetInt(i).Cmp(x) < 0
		} else {
			c1 = new(big.Float).SetInt(i).Cmp(x) > 0
		}
	}
	return uint64(i.Int64()) & sizeMask[size], flags, c1
}

// roundToInt rounds x to an integer in mode m.
func roundToInt(x *big.Float, m big.RoundingMode) (*big.Int, bool) {
	t, acc := x.Int(nil) // toward zero
	if acc == big.Exact {
		return t, true
	}
	frac := new(big.Float).Sub(x, new(big.Float).SetInt(t)) // in (-1, 1), same sign as x
	neg := x.Sign() < 0
	away := false
	switch m {
	case big.ToNearestEven:
		h := new(big.Float).Abs(frac).Cmp(big.NewFloat(0.5))
		away = h > 0 || h == 0 && t.Bit(0) == 1
	case big.ToPositiveInf:
		away = !neg
	case big.ToNegativeInf:
		away = neg
	}
	if away {
		if neg {
			t.Sub(t, big.NewInt(1))
		} else {
			t.Add(t, big.NewInt(1))
		}
	}
	return t, false
}

// f80FromInt converts a signed integer exactly.
func f80FromInt(i int64) f80 {
	if i == 0 {
		return f80{}
	}
	var s uint16
	u := uint64(i)
	if i < 0 {
		s, u = 0x8000, uint64(-i)
	}
	n := bits.LeadingZeros64(u)
	return f80{man: u << uint(n), se: s | uint16(16383+63-n)}
}

// sqrtOp returns an op for roundOp computing the square root of x >= 0 correctly
// rounded in any mode (big.Float.Sqrt does not report its accuracy): a truncated root
// with extra bits, plus a sticky bit when it is not exact.
func sqrtOp(x *big.Float) func(z *big.Float) {
	s := new(big.Float).SetPrec(256).SetMode(big.ToZero).Sqrt(x)
	sq := new(big.Float).SetPrec(1024).Mul(s, s)
	if c := sq.Cmp(x); c != 0 {
		e := s.MantExp(nil)
		d := new(big.Float).SetMantExp(big.NewFloat(1), e-300)
		if c > 0 {
			d.Neg(d) // the truncated root came out above: step just below it
		}
		s = new(big.Float).SetPrec(1024).Add(s, d)
	}
	return func(z *big.Float) { z.Set(s) }
}
