package cpu

import (
	"math"
	"math/bits"
)

// The SSE floating-point core (SDM Vol. 1 §4.8, §11.5): values are handled as raw IEEE bits
// so that NaN payloads, signed zeros and the MXCSR controls come out exactly as the hardware
// produces them.
//
//   - NaNs: an SNaN operand raises IE; the result is the first source (destination) operand
//     if it is a NaN, else the second, quieted (Vol. 1 Table 4-7). Invalid operations on
//     non-NaNs return the default NaN (negative QNaN).
//   - DAZ treats denormal inputs as signed zeros (no DE), before anything else (MIN/MAX
//     return the flushed operand); otherwise a denormal input raises DE, unless the same
//     element raises IE or ZE, which take priority (Vol. 1 §11.5.2).
//   - Rounding: double-precision results are computed with Go's round-to-nearest arithmetic
//     plus the exact sign of the rounding error (TwoSum, FMA residuals, scaled so that they do
//     not underflow); directed rounding modes step the result one ulp when the error says so.
//     Single-precision results are computed exactly (or with a known error sign) in double
//     precision and rounded to single in software under MXCSR.RC.
//   - Tininess is detected after rounding with an unbounded exponent (Vol. 1 §4.9.1.5): for
//     double-precision results that land on the smallest normal (or overflow under a
//     directed mode) the exact value is re-rounded scaled into the normal range. A tiny
//     result raises UE when it is inexact (or always, with FTZ, which flushes it to a
//     signed zero and raises UE and PE).
//   - Every rule here was checked against the host CPU (sse_golden_test.go holds a sample).
//   - Exceptions: flags accumulate in an fpEnv; the instruction commits them to MXCSR and
//     raises #XM (CR4.OSXMMEXCPT=1) or #UD when one of them is unmasked, leaving the
//     destination unchanged (see fpCommit). Unmasked overflow and underflow deliver no
//     exponent-adjusted result: the handler sees the operands, as for the other classes.

// MXCSR bits (SDM Vol. 1 §10.2.3).
const (
	mxIE     = 1 << 0
	mxDE     = 1 << 1
	mxZE     = 1 << 2
	mxOE     = 1 << 3
	mxUE     = 1 << 4
	mxPE     = 1 << 5
	mxDAZ    = 1 << 6
	mxIM     = 1 << 7
	mxOM     = 1 << 10
	mxUM     = 1 << 11
	mxRCBits = 3 << 13
	mxFZ     = 1 << 15

	mxcsrMask    = 0xFFFF // MXCSR_MASK: every defined bit, DAZ included
	mxcsrDefault = 0x1F80
)

// Rounding-control values (MXCSR.RC).
const (
	rcNearest = 0
	rcDown    = 1
	rcUp      = 2
	rcZero    = 3
)

// IEEE encodings.
const (
	f64Sign  = 1 << 63
	f64Exp   = 0x7FF0000000000000
	f64Frac  = 1<<52 - 1
	f64Quiet = 1 << 51
	f64QNaN  = 0xFFF8000000000000 // default NaN
	f64Min   = 0x0010000000000000 // smallest normal

	f32Sign  = 1 << 31
	f32Exp   = 0x7F800000
	f32Frac  = 1<<23 - 1
	f32Quiet = 1 << 22
	f32QNaN  = 0xFFC00000
	f32Max   = 0x7F7FFFFF
)

// fpEnv carries MXCSR into an operation and collects the exception flags it raises.
type fpEnv struct {
	mx    uint32
	flags uint32
}

func (e *fpEnv) rc() uint32 { return e.mx >> 13 & 3 }

// fpCommit records the exception flags an instruction raised and decides whether it
// completes (SDM Vol. 1 §11.5.3): an unmasked pre-computation exception (IE, ZE, DE) sets
// only the pre-computation flags; otherwise an unmasked post-computation one (OE, UE, PE)
// sets all of them; either way the destination is left unchanged and #XM is raised (#UD
// when CR4.OSXMMEXCPT=0). With everything masked the flags are ORed in and the result is
// written.
func (c *CPU) fpCommit(flags uint32) *Fault {
	if flags == 0 {
		return nil
	}
	unmasked := flags &^ (c.MXCSR >> 7) & 0x3F
	if unmasked == 0 {
		c.MXCSR |= flags
		return nil
	}
	const pre = mxIE | mxZE | mxDE
	if unmasked&pre != 0 {
		c.MXCSR |= flags & pre
	} else {
		c.MXCSR |= flags
	}
	if c.CR4&CR4OSXMMEXCPT != 0 {
		return c.raise(VecXM)
	}
	return c.ud()
}

func isNaN64(a uint64) bool  { return a&^f64Sign > f64Exp }
func isSNaN64(a uint64) bool { return isNaN64(a) && a&f64Quiet == 0 }
func isInf64(a uint64) bool  { return a&^f64Sign == f64Exp }
func isDen64(a uint64) bool  { return a&f64Exp == 0 && a&f64Frac != 0 }
func isNaN32(a uint32) bool  { return a&^f32Sign > f32Exp }
func isSNaN32(a uint32) bool { return isNaN32(a) && a&f32Quiet == 0 }
func isDen32(a uint32) bool  { return a&f32Exp == 0 && a&f32Frac != 0 }

// in64 applies DAZ (denormal -> signed zero) or raises DE for a denormal input.
func (e *fpEnv) in64(a uint64) uint64 {
	if isDen64(a) {
		if e.mx&mxDAZ != 0 {
			return a & f64Sign
		}
		e.flags |= mxDE
	}
	return a
}

func (e *fpEnv) in32(a uint32) uint32 {
	if isDen32(a) {
		if e.mx&mxDAZ != 0 {
			return a & f32Sign
		}
		e.flags |= mxDE
	}
	return a
}

// daz64 applies DAZ alone (no DE).
func (e *fpEnv) daz64(a uint64) uint64 {
	if e.mx&mxDAZ != 0 && isDen64(a) {
		return a & f64Sign
	}
	return a
}

func (e *fpEnv) daz32(a uint32) uint32 {
	if e.mx&mxDAZ != 0 && isDen32(a) {
		return a & f32Sign
	}
	return a
}

// nan64 applies the two-operand NaN rules; ok reports that the result is a NaN.
func (e *fpEnv) nan64(a, b uint64) (r uint64, ok bool) {
	an, bn := isNaN64(a), isNaN64(b)
	if !an && !bn {
		return 0, false
	}
	if isSNaN64(a) || isSNaN64(b) {
		e.flags |= mxIE
	}
	if an {
		return a | f64Quiet, true
	}
	return b | f64Quiet, true
}

func (e *fpEnv) nan32(a, b uint32) (r uint32, ok bool) {
	an, bn := isNaN32(a), isNaN32(b)
	if !an && !bn {
		return 0, false
	}
	if isSNaN32(a) || isSNaN32(b) {
		e.flags |= mxIE
	}
	if an {
		return a | f32Quiet, true
	}
	return b | f32Quiet, true
}

// Arithmetic operations.
const (
	fopAdd = iota
	fopSub
	fopMul
	fopDiv
)

func signOf(x float64) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// fast64 is arith64's common case: rounding to nearest, both operands and the
// result normal and far from overflow and underflow (so that DAZ, FTZ, UE, OE and DE
// cannot arise and the residuals below are exact): the host's arithmetic, PE when the
// residual is not zero.
func (e *fpEnv) fast64(op int, a, b uint64) (uint64, bool) {
	const lo, hi = 1023 - 900, 1023 + 1000 // biased exponents of 2^-900 and 2^1000
	ea, eb := a>>52&0x7FF, b>>52&0x7FF
	if e.mx&mxRCBits != 0 || ea-lo >= hi-lo || eb-lo >= hi-lo {
		return 0, false
	}
	x, y := math.Float64frombits(a), math.Float64frombits(b)
	var r float64
	var inexact bool
	switch op {
	case fopAdd, fopSub:
		if op == fopSub {
			y = -y
		}
		r = x + y
		bb := r - x
		inexact = (x-(r-bb))+(y-bb) != 0
	case fopMul:
		r = x * y
		inexact = math.FMA(x, y, -r) != 0
	case fopDiv:
		r = x / y
		inexact = math.FMA(-r, y, x) != 0
	default:
		return 0, false
	}
	u := math.Float64bits(r)
	if er := u >> 52 & 0x7FF; er-lo >= hi-lo {
		return 0, false
	}
	if inexact {
		e.flags |= mxPE
	}
	return u, true
}

// fast32 is arith32's common case: rounding to nearest, operands normal with
// exponents within 2^±60 (products and quotients stay in range) and a normal
// result: computed in double precision, exactly for the sum (exponents at most 28
// apart) and the product, correctly rounded for the quotient (53 bits are enough for
// rounding to single afterwards to be the correct rounding), then rounded to single;
// PE when the single result differs from the exact value.
func (e *fpEnv) fast32(op int, a, b uint32) (uint32, bool) {
	const lo, hi = 127 - 60, 127 + 60
	ea, eb := a>>23&0xFF, b>>23&0xFF
	if e.mx&mxRCBits != 0 || ea-lo > hi-lo || eb-lo > hi-lo {
		return 0, false
	}
	x := float64(math.Float32frombits(a))
	y := float64(math.Float32frombits(b))
	var v float64
	var r float32
	var inexact bool
	switch op {
	case fopAdd, fopSub:
		if d := int(ea) - int(eb); d > 28 || d < -28 {
			return 0, false
		}
		if op == fopSub {
			y = -y
		}
		v = x + y
		r = float32(v)
		inexact = float64(r) != v
	case fopMul:
		v = x * y
		r = float32(v)
		inexact = float64(r) != v
	case fopDiv:
		v = x / y
		r = float32(v)
		inexact = math.FMA(-float64(r), y, x) != 0
	default:
		return 0, false
	}
	u := math.Float32bits(r)
	if er := u >> 23 & 0xFF; er == 0 || er == 0xFF {
		return 0, false
	}
	if inexact {
		e.flags |= mxPE
	}
	return u, true
}

// twoSumErr returns the sign of (x + y) - s where s is the rounded sum (Knuth's TwoSum).
func twoSumErr(x, y, s float64) int {
	bb := s - x
	return signOf((x - (s - bb)) + (y - bb))
}

// mulErr returns the sign of x*y - p for finite nonzero x, y and p = round(x*y), scaling
// to mantissas so that the residual cannot underflow.
func mulErr(x, y, p float64) int {
	if a := math.Abs(p); a > 0x1p-900 && a < 0x1p1000 {
		return signOf(math.FMA(x, y, -p)) // the residual is far from underflow
	}
	mx, ex := math.Frexp(x)
	my, ey := math.Frexp(y)
	q := math.Ldexp(p, -(ex + ey))
	return signOf(math.FMA(mx, my, -q))
}

// divErr returns the sign of x/y - q for finite nonzero x, y and q = round(x/y).
func divErr(x, y, q float64) int {
	if a, b := math.Abs(x), math.Abs(y); a > 0x1p-900 && a < 0x1p1000 && b > 0x1p-900 && b < 0x1p1000 {
		return signOf(math.FMA(-q, y, x)) * signOf(y) // exact remainder, far from underflow
	}
	mx, ex := math.Frexp(x)
	my, ey := math.Frexp(y)
	qq := math.Ldexp(q, -(ex - ey))
	return signOf(math.FMA(-qq, my, mx)) * signOf(my)
}

// sqrtErr returns the sign of sqrt(x) - r for finite x > 0 and r = round(sqrt(x)).
func sqrtErr(x, r float64) int {
	m, e := math.Frexp(x)
	if e&1 != 0 {
		m *= 2
		e--
	}
	rr := math.Ldexp(r, -e/2)
	return -signOf(math.FMA(rr, rr, -m))
}

// arith64 is a double-precision ADD/SUB/MUL/DIV.
func (e *fpEnv) arith64(op int, a, b uint64) uint64 {
	if r, ok := e.fast64(op, a, b); ok {
		return r
	}
	if r, ok := e.nan64(a, b); ok {
		return r
	}
	f0 := e.flags // DE is not reported together with IE or ZE
	a, b = e.in64(a), e.in64(b)
	if op == fopSub {
		b ^= f64Sign
		op = fopAdd
	}
	x, y := math.Float64frombits(a), math.Float64frombits(b)
	ai, bi := isInf64(a), isInf64(b)
	var r float64
	err := 0
	switch op {
	case fopAdd:
		if ai && bi && (a^b)&f64Sign != 0 {
			e.flags = f0 | mxIE
			return f64QNaN
		}
		r = x + y
		if ai || bi {
			return math.Float64bits(r)
		}
		if r == 0 {
			if (a^b)&f64Sign != 0 { // exact cancellation: +0, or -0 when rounding down
				if e.rc() == rcDown {
					return f64Sign
				}
				return 0
			}
			return math.Float64bits(r)
		}
		if math.IsInf(r, 0) {
			err = -signOf(r)
		} else {
			err = twoSumErr(x, y, r)
		}
	case fopMul:
		xz, yz := a&^f64Sign == 0, b&^f64Sign == 0
		if ai && yz || bi && xz {
			e.flags = f0 | mxIE
			return f64QNaN
		}
		r = x * y
		if ai || bi || xz || yz {
			return math.Float64bits(r)
		}
		err = mulErr(x, y, r)
	case fopDiv:
		xz, yz := a&^f64Sign == 0, b&^f64Sign == 0
		if xz && yz || ai && bi {
			e.flags = f0 | mxIE
			return f64QNaN
		}
		if yz && !ai {
			e.flags = f0 | mxZE
			return (a^b)&f64Sign | f64Exp
		}
		r = x / y
		if ai || bi || xz {
			return math.Float64bits(r)
		}
		err = divErr(x, y, r)
	}
	hint := 0
	if err != 0 {
		hint = e.boundary64(op, x, y, r, err)
	}
	return e.round64(r, err, hint)
}

// Hints from an operation's exact-range analysis to round64.
const (
	hintTiny   = 1 << iota // tiny after rounding with an unbounded exponent
	hintNoOver             // the round-to-nearest overflow does not overflow under MXCSR.RC
	hintExact              // exact when rounded with an unbounded exponent (PE for unmasked O/U)
)

// round64 finishes a double-precision result: r is the round-to-nearest result of a finite
// exact value v with sign(v - r) = err. It applies MXCSR.RC, FTZ and the O/U/P flags.
// hint settles the cases the bounded result cannot decide (see boundary64).
func (e *fpEnv) round64(r float64, err int, hint int) uint64 {
	if err == 0 {
		b := math.Float64bits(r)
		if b&^f64Sign < f64Min && b&^f64Sign != 0 { // exact tiny result
			if e.mx&mxFZ != 0 && e.mx&mxUM != 0 {
				e.flags |= mxUE | mxPE
				return b & f64Sign
			}
			if e.mx&mxUM == 0 {
				e.flags |= mxUE
			}
		}
		return b
	}
	over := math.IsInf(r, 0) && hint&hintNoOver == 0
	r = e.step(r, err)
	b := math.Float64bits(r)
	if over || isInf64(b) {
		e.flags |= e.postFlag(mxOE, hint&hintExact == 0)
		return b
	}
	if b&^f64Sign < f64Min || hint&hintTiny != 0 {
		e.flags |= e.postFlag(mxUE, hint&hintExact == 0)
		if e.mx&mxFZ != 0 && e.mx&mxUM != 0 {
			return b & f64Sign
		}
		return b
	}
	e.flags |= mxPE
	return b
}

// postFlag returns the flags an inexact overflow or underflow (flag) raises: with the
// exception masked, the flag and PE; unmasked, the flag, and PE only if rounding to the
// destination precision with an unbounded exponent is inexact (unbInexact), as the
// hardware reports it to the #XM handler.
func (e *fpEnv) postFlag(flag uint32, unbInexact bool) uint32 {
	if e.mx&(flag<<7) == 0 && !unbInexact {
		return flag
	}
	return flag | mxPE
}

// boundary64 computes the hints for a MUL/DIV (or ADD, for overflow) result r with
// rounding-error sign err whose rounding under MXCSR.RC lands on the smallest normal or
// overflowed to infinity: the exact value is recomputed scaled into the normal range
// (m * 2^exp) and rounded there with an unbounded exponent (SDM Vol. 1 §4.9.1.4-5).
func (e *fpEnv) boundary64(op int, x, y, r float64, err int) int {
	rs := math.Abs(e.step(r, err))
	inf := math.IsInf(r, 0)
	hint := 0
	if e.mx&(mxOM|mxUM) != mxOM|mxUM && (inf || rs <= 0x1p-1022) {
		// Unmasked overflow/underflow: PE depends on the unbounded-exponent rounding.
		if _, merr, _ := scaled64(op, x, y); merr == 0 {
			hint = hintExact
		}
	}
	if !(rs == 0x1p-1022 && op != fopAdd) && !(inf && e.rc() != rcNearest) {
		return hint
	}
	m, merr, exp := scaled64(op, x, y)
	mu := math.Abs(e.step(m, merr))
	if inf {
		if mu < math.Ldexp(1, 1024-exp) {
			return hint | hintNoOver
		}
		return hint
	}
	if mu < math.Ldexp(1, -1022-exp) {
		return hint | hintTiny
	}
	return hint
}

// scaled64 recomputes x op y scaled into the normal range: the exact value is
// m * 2^exp plus an error of sign merr (ADD halves the operands, which is exact for the
// large values it is used on; MUL and DIV work on the Frexp mantissas).
func scaled64(op int, x, y float64) (m float64, merr, exp int) {
	switch op {
	case fopAdd:
		m = x*0.5 + y*0.5
		merr, exp = twoSumErr(x*0.5, y*0.5, m), 1
	case fopMul:
		mx, ex := math.Frexp(x)
		my, ey := math.Frexp(y)
		m = mx * my
		merr, exp = signOf(math.FMA(mx, my, -m)), ex+ey
	default:
		mx, ex := math.Frexp(x)
		my, ey := math.Frexp(y)
		m = mx / my
		merr, exp = signOf(math.FMA(-m, my, mx))*signOf(my), ex-ey
	}
	return m, merr, exp
}

// step applies MXCSR.RC to a round-to-nearest result r of an exact value with
// sign(exact - r) = err: directed modes move r one ulp when the error says so.
func (e *fpEnv) step(r float64, err int) float64 {
	switch e.rc() {
	case rcDown:
		if err < 0 {
			r = math.Nextafter(r, math.Inf(-1))
		}
	case rcUp:
		if err > 0 {
			r = math.Nextafter(r, math.Inf(1))
		}
	case rcZero:
		if err < 0 && r > 0 || err > 0 && r < 0 {
			r = math.Nextafter(r, 0)
		}
	}
	return r
}

// arith32 is a single-precision ADD/SUB/MUL/DIV: computed in double precision (exactly for
// MUL, with the error sign otherwise) and rounded to single.
func (e *fpEnv) arith32(op int, a, b uint32) uint32 {
	if r, ok := e.fast32(op, a, b); ok {
		return r
	}
	if r, ok := e.nan32(a, b); ok {
		return r
	}
	f0 := e.flags // DE is not reported together with IE or ZE
	a, b = e.in32(a), e.in32(b)
	if op == fopSub {
		b ^= f32Sign
		op = fopAdd
	}
	x := float64(math.Float32frombits(a))
	y := float64(math.Float32frombits(b))
	ai, bi := a&^f32Sign == f32Exp, b&^f32Sign == f32Exp
	xz, yz := a&^f32Sign == 0, b&^f32Sign == 0
	var v float64
	err := 0
	switch op {
	case fopAdd:
		if ai && bi && (a^b)&f32Sign != 0 {
			e.flags = f0 | mxIE
			return f32QNaN
		}
		if ai || bi {
			return math.Float32bits(float32(x + y))
		}
		v = x + y
		if v == 0 {
			if (a^b)&f32Sign != 0 {
				if e.rc() == rcDown {
					return f32Sign
				}
				return 0
			}
			return a // both zeros of the same sign
		}
		err = twoSumErr(x, y, v)
	case fopMul:
		if ai && yz || bi && xz {
			e.flags = f0 | mxIE
			return f32QNaN
		}
		v = x * y
		if ai || bi || xz || yz {
			return (a^b)&f32Sign | math.Float32bits(float32(math.Abs(v)))
		}
	case fopDiv:
		if xz && yz || ai && bi {
			e.flags = f0 | mxIE
			return f32QNaN
		}
		if yz && !ai {
			e.flags = f0 | mxZE
			return (a^b)&f32Sign | f32Exp
		}
		v = x / y
		if ai || bi || xz {
			return (a^b)&f32Sign | math.Float32bits(float32(math.Abs(v)))
		}
		err = signOf(math.FMA(-v, y, x)) * signOf(y)
	}
	return e.round32(v, err)
}

// round32 rounds the finite nonzero value v (plus an error of sign err, smaller than half
// an ulp of v) to single precision under MXCSR.RC, FTZ and the O/U/P flags.
func (e *fpEnv) round32(v float64, err int) uint32 {
	b := math.Float64bits(v)
	sign := uint32(b>>63) << 31
	if err < 0 && b>>63 != 0 || err > 0 && b>>63 == 0 {
		err = 1 // error away from zero (in magnitude)
	} else if err != 0 {
		err = -1
	}
	exp := int(b >> 52 & 0x7FF)
	mant := b & f64Frac
	if exp == 0 { // double denormal: normalise so that bit 52 leads
		sh := bits.LeadingZeros64(mant) - 11
		mant <<= uint(sh)
		exp = 1 - sh
	} else {
		mant |= 1 << 52
	}
	exp -= 1023 // v = mant * 2^(exp-52)
	// Two guard bits below the 53-bit mantissa hold the error: magnitude +-1/4 ulp.
	m := mant << 2
	if err > 0 {
		m++
	} else if err < 0 {
		m--
	}
	e32 := exp + 127 // biased single exponent if normal
	shift := uint(29 + 2)
	tiny := false
	if e32 < 1 {
		// Tininess after rounding: round to 24 bits with an unbounded exponent.
		if e32 < 0 {
			tiny = true
		} else if k, _ := e.roundMag(m, shift, sign); k < 1<<24 {
			tiny = true
		}
		shift += uint(1 - e32)
	}
	k, inexact := e.roundMag(m, shift, sign)
	var r uint32
	if e32 < 1 {
		r = uint32(k) // denormal (a carry into bit 23 makes it the smallest normal)
	} else {
		if uint64(e32-1)<<23+k >= 0xFF<<23 {
			e.flags |= e.postFlag(mxOE, m&(1<<31-1) != 0)
			return sign | e.overflow32(sign)
		}
		r = uint32(uint64(e32-1)<<23 + k)
	}
	if tiny {
		if e.mx&mxFZ != 0 && e.mx&mxUM != 0 {
			e.flags |= mxUE | mxPE
			return sign
		}
		if e.mx&mxUM == 0 { // unmasked: reported even when exact
			e.flags |= e.postFlag(mxUE, m&(1<<31-1) != 0)
			return sign | r
		}
		if inexact {
			e.flags |= mxUE
		}
	}
	if inexact {
		e.flags |= mxPE
	}
	return sign | r
}

// overflow32 is the magnitude of an overflowed single result under MXCSR.RC.
func (e *fpEnv) overflow32(sign uint32) uint32 {
	switch e.rc() {
	case rcZero:
		return f32Max
	case rcDown:
		if sign == 0 {
			return f32Max
		}
	case rcUp:
		if sign != 0 {
			return f32Max
		}
	}
	return f32Exp
}

// roundMag drops the low shift bits of magnitude m under MXCSR.RC (sign is the value's
// sign bit) and reports whether any dropped bit was set.
func (e *fpEnv) roundMag(m uint64, shift uint, sign uint32) (uint64, bool) {
	if shift >= 64 {
		if m == 0 {
			return 0, false
		}
		if e.roundsUp(0, false, false, sign) {
			return 1, true
		}
		return 0, true
	}
	k := m >> shift
	rest := m & (1<<shift - 1)
	if rest == 0 {
		return k, false
	}
	half := uint64(1) << (shift - 1)
	if e.roundsUp(k, rest > half, rest == half, sign) {
		k++
	}
	return k, true
}

// roundsUp decides whether an inexact magnitude k+fraction rounds up (away from zero).
func (e *fpEnv) roundsUp(k uint64, aboveHalf, isHalf bool, sign uint32) bool {
	switch e.rc() {
	case rcNearest:
		return aboveHalf || isHalf && k&1 != 0
	case rcDown:
		return sign != 0
	case rcUp:
		return sign == 0
	}
	return false
}

// sqrt64 is SQRTSD on one element.
func (e *fpEnv) sqrt64(a uint64) uint64 {
	if isNaN64(a) {
		if isSNaN64(a) {
			e.flags |= mxIE
		}
		return a | f64Quiet
	}
	a = e.daz64(a)
	if a&^f64Sign == 0 {
		return a
	}
	if a&f64Sign != 0 {
		e.flags |= mxIE
		return f64QNaN
	}
	a = e.in64(a)
	if isInf64(a) {
		return a
	}
	x := math.Float64frombits(a)
	r := math.Sqrt(x)
	return e.round64(r, sqrtErr(x, r), 0)
}

// sqrt32 is SQRTSS on one element.
func (e *fpEnv) sqrt32(a uint32) uint32 {
	if isNaN32(a) {
		if isSNaN32(a) {
			e.flags |= mxIE
		}
		return a | f32Quiet
	}
	a = e.daz32(a)
	if a&^f32Sign == 0 {
		return a
	}
	if a&f32Sign != 0 {
		e.flags |= mxIE
		return f32QNaN
	}
	a = e.in32(a)
	if a == f32Exp {
		return a
	}
	x := float64(math.Float32frombits(a))
	r := math.Sqrt(x)
	return e.round32(r, -signOf(math.FMA(r, r, -x)))
}

// minmax64 is MINSD/MAXSD on one element: the second operand unless the first is strictly
// less (greater); any NaN raises IE and returns the second operand unchanged.
func (e *fpEnv) minmax64(a, b uint64, isMax bool) uint64 {
	a, b = e.daz64(a), e.daz64(b) // even the NaN case returns a flushed second operand
	if isNaN64(a) || isNaN64(b) {
		e.flags |= mxIE
		return b
	}
	a, b = e.in64(a), e.in64(b)
	x, y := math.Float64frombits(a), math.Float64frombits(b)
	if isMax && x > y || !isMax && x < y {
		return a
	}
	return b
}

func (e *fpEnv) minmax32(a, b uint32, isMax bool) uint32 {
	a, b = e.daz32(a), e.daz32(b)
	if isNaN32(a) || isNaN32(b) {
		e.flags |= mxIE
		return b
	}
	a, b = e.in32(a), e.in32(b)
	x, y := math.Float32frombits(a), math.Float32frombits(b)
	if isMax && x > y || !isMax && x < y {
		return a
	}
	return b
}

// cmpPred evaluates CMPPS/CMPSS predicate p (imm8 bits 2:0) from the relation of two values.
// Predicates LT, LE, NLT, NLE signal on QNaN operands as well; the others only on SNaN.
func (e *fpEnv) cmpPred(p uint8, lt, eq, unord, snan bool) bool {
	p &= 7
	if snan || unord && (p == 1 || p == 2 || p == 5 || p == 6) {
		e.flags |= mxIE
	}
	switch p {
	case 0:
		return eq
	case 1:
		return lt
	case 2:
		return lt || eq
	case 3:
		return unord
	case 4:
		return !eq
	case 5:
		return !lt
	case 6:
		return !lt && !eq
	}
	return !unord
}

// cmp64 compares two doubles for CMPSD/CMPPD.
func (e *fpEnv) cmp64(a, b uint64, p uint8) bool {
	unord := isNaN64(a) || isNaN64(b)
	if !unord {
		a, b = e.in64(a), e.in64(b)
	}
	x, y := math.Float64frombits(a), math.Float64frombits(b)
	return e.cmpPred(p, !unord && x < y, !unord && x == y, unord, isSNaN64(a) || isSNaN64(b))
}

func (e *fpEnv) cmp32(a, b uint32, p uint8) bool {
	unord := isNaN32(a) || isNaN32(b)
	if !unord {
		a, b = e.in32(a), e.in32(b)
	}
	x, y := math.Float32frombits(a), math.Float32frombits(b)
	return e.cmpPred(p, !unord && x < y, !unord && x == y, unord, isSNaN32(a) || isSNaN32(b))
}
