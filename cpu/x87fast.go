package cpu

import (
	"math"
	"math/bits"
)

// The x87 arithmetic's common case without math/big: normal operands, a normal
// result, the precision control at 64 bits and rounding to nearest (the state every
// compiler's long double code runs in). The significands are multiplied, divided,
// added or square-rooted exactly enough in 128-bit integers (a round bit and a sticky
// bit below the 64 kept), then rounded to nearest even. Anything else (another
// precision or rounding control, a result that would overflow or be tiny) returns
// ok=false and goes the general way (roundOp), whose results these equal
// (TestX87FastMatchesBig).

// x87Fast turns the fast path on (tests compare it with the general path).
var x87Fast = true

// x87FastOK reports whether the precision and rounding controls allow the fast path.
func (c *CPU) x87FastOK() bool { return c.FCW&0x0F00 == 0x0300 }

// x87Pack rounds the significand man (MSB at bit 63) with the bits below it in rem
// (round bit at rem's bit 63, sticky: any other bit) to nearest even, at unbiased
// exponent e; ok=false when the result is not a normal extended value.
func x87Pack(neg bool, e int, man, rem uint64) (r f80, pe, up, ok bool) {
	if rem != 0 {
		pe = true
		if rem>>63 != 0 && (rem<<1 != 0 || man&1 != 0) {
			up = true
			man++
			if man == 0 {
				man = 1 << 63
				e++
			}
		}
	}
	if e < -16382 || e > 16383 {
		return r, false, false, false
	}
	return f80{man: man, se: boolSign(neg) | uint16(e+16383)}, pe, up, true
}

// x87FastArith is x87Arith's arithmetic (opAdd, opSub, opMul, opDiv) of two normal
// operands; ok=false leaves it to the general path.
func x87FastArith(op int, a, b f80) (r f80, fl uint16, c1, ok bool) {
	ea, eb := a.exp()-16383, b.exp()-16383
	ma, mb := a.man, b.man
	var pe bool
	switch op {
	case opMul:
		hi, lo := bits.Mul64(ma, mb)
		e := ea + eb
		if hi>>63 != 0 {
			e++
		} else {
			hi, lo = hi<<1|lo>>63, lo<<1
		}
		r, pe, c1, ok = x87Pack(a.sign() != b.sign(), e, hi, lo)
	case opDiv:
		neg := a.sign() != b.sign()
		var man, rem uint64
		e := ea - eb
		if ma >= mb {
			// The quotient is in [1, 2): 65 bits, the last one the round bit.
			q0, r0 := bits.Div64(ma-mb, 0, mb)
			man = 1<<63 | q0>>1
			if q0&1 != 0 {
				rem = 1 << 63
			}
			if r0 != 0 {
				rem |= 1
			}
		} else {
			// In [1/2, 1): 64 bits, then the round bit from the remainder.
			q, r0 := bits.Div64(ma, 0, mb)
			man = q
			e--
			if r0 >= mb-r0 { // 2*r0 >= mb
				rem = 1 << 63
				if r0 != mb-r0 {
					rem |= 1
				}
			} else if r0 != 0 {
				rem = 1
			}
		}
		r, pe, c1, ok = x87Pack(neg, e, man, rem)
	case opAdd, opSub:
		sa, sb := a.sign(), b.sign() != (op == opSub)
		// x is the operand of larger magnitude.
		xe, xm, xs, ye, ym := ea, ma, sa, eb, mb
		if eb > ea || eb == ea && mb > ma {
			xe, xm, xs, ye, ym = eb, mb, sb, ea, ma
		}
		d := uint(xe - ye)
		// y aligned to x: hi:lo with a sticky bit jammed into lo's bit 0.
		var yh, yl uint64
		switch {
		case d == 0:
			yh = ym
		case d < 64:
			yh, yl = ym>>d, ym<<(64-d)
		case d < 128:
			yl = ym >> (d - 64)
			if ym<<(128-d) != 0 {
				yl |= 1
			}
		default:
			yl = 1
		}
		e := xe
		var hi, lo uint64
		if sa == sb {
			var carry uint64
			lo, carry = bits.Add64(0, yl, 0)
			hi, carry = bits.Add64(xm, yh, carry)
			if carry != 0 {
				lo = lo>>1 | hi<<63 | lo&1
				hi = hi>>1 | 1<<63
				e++
			}
		} else {
			var borrow uint64
			lo, borrow = bits.Sub64(0, yl, 0)
			hi, _ = bits.Sub64(xm, yh, borrow)
			if hi == 0 && lo == 0 {
				// An exact zero: +0 when rounding to nearest.
				return f80{}, 0, false, true
			}
			n := bits.LeadingZeros64(hi)
			if hi == 0 {
				n = 64 + bits.LeadingZeros64(lo)
			}
			if n >= 64 {
				hi, lo = lo<<(n-64), 0
			} else if n > 0 {
				hi, lo = hi<<n|lo>>(64-n), lo<<n
			}
			e -= n
		}
		r, pe, c1, ok = x87Pack(xs, e, hi, lo)
	default:
		return r, 0, false, false
	}
	if !ok {
		return r, 0, false, false
	}
	if pe {
		fl = fswPE
	}
	return r, fl, c1, true
}

// x87FastSqrt is the square root of a positive normal v; ok=false leaves it to the
// general path.
//
// v = x * 2^(2k) with x = m'/2^63 in [1, 4) (m' the significand m, or 2m when v's
// exponent is odd), so sqrt(v) = sqrt(x) * 2^k, and the result's significand is
// q = floor(sqrt(N)) with N = m' * 2^63, q in [2^63, 2^64). x is split exactly into xh
// (m's top 53 bits) and xl (its other 11) as float64 values. y = sqrt(xh) rounded to
// float64 lies in [1, 2) (sqrt(4 - 2^-51) is below 2 - 2^-53, so it never rounds to
// 2), and xh - y*y is a float64 exactly (the remainder of a correctly rounded square
// root is), so FMA gives it exactly: the residual x - y*y is xh - y*y + xl, exact when
// it is zero (the root is then y itself, no rounding) and otherwise within 2^-53 of
// itself. The root's distance from y, in units of the result's last place, is
// t = (x - y*y)/(2y) * 2^63, computed as (x - y*y) * y * (1/xh) * 2^62 with 1/xh
// computed alongside the root: |t| < 2^12, and the relative errors (below 2^-50 from
// 1/(2y) ~ y/2xh, 2^-52 from dropping the higher terms of the series, 2^-52 from the
// roundings) leave t within 2^-36 of its true value.
func x87FastSqrt(v f80) (r f80, fl uint16, c1, ok bool) {
	e := v.exp() - 16383
	m := v.man
	odd := e & 1
	unit := float64(1 + odd) // x = m'/2^63 = unit * m/2^63
	xh := float64(int64(m>>11)) * (0x1p-52 * unit)
	xl := float64(int64(m&0x7FF)) * (0x1p-63 * unit)
	y := math.Sqrt(xh)
	rx := 1 / xh
	res := math.FMA(-y, y, xh) + xl
	// y's significand at the result's scale: its 53 bits, then 11 zeros.
	q := (math.Float64bits(y)&(1<<52-1) | 1<<52) << 11
	if res == 0 {
		return f80{man: q, se: uint16(e>>1 + 16383)}, 0, false, true
	}
	t := res * (y * rx * 0x1p62)
	fi := math.Floor(t)
	frac := t - fi
	q += uint64(int64(fi))
	// N = m' * 2^63 for the exact comparisons below.
	nh, nl := m>>1, m<<63
	if odd != 0 {
		nh, nl = m, 0
	}
	// The fraction of sqrt(N) decides the rounding (it is never exactly a half: N - q*q
	// would be q + 1/4). Well away from 0, 1/2 and 1 (2^-30, far beyond the error) t
	// tells it; near a half or an integer the exact remainder does.
	const eps = 0x1p-30
	var rem uint64
	switch {
	case frac > eps && frac < 0.5-eps:
		rem = 1
	case frac > 0.5+eps && frac < 1-eps:
		rem = 1<<63 | 1
	case frac > 0.25 && frac < 0.75:
		// Near the half: q is the root's integer part, and the root is past the half
		// exactly when N - q*q > q.
		h, l := bits.Mul64(q, q)
		rl, b := bits.Sub64(nl, l, 0)
		rh, _ := bits.Sub64(nh, h, b)
		rem = 1
		if rh != 0 || rl > q {
			rem = 1<<63 | 1
		}
	default:
		// Near an integer: q becomes the nearest one; the root is q exactly, a little
		// above it, or a little below it (its integer part q-1, past the half).
		if frac > 0.5 {
			if q == math.MaxUint64 {
				return r, 0, false, false
			}
			q++
		}
		h, l := bits.Mul64(q, q)
		switch {
		case h == nh && l == nl:
		case h < nh || h == nh && l < nl:
			rem = 1
		default:
			q--
			rem = 1<<63 | 1
		}
	}
	if q>>63 == 0 {
		return r, 0, false, false
	}
	r, pe, c1, ok := x87Pack(false, e>>1, q, rem)
	if !ok {
		return r, 0, false, false
	}
	if pe {
		fl = fswPE
	}
	return r, fl, c1, true
}
