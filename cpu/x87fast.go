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
func x87FastSqrt(v f80) (r f80, fl uint16, c1, ok bool) {
	// v = m * 2^E with E = exp-63; N = m << s (s 63 or 64, making E-s even) lies in
	// [2^126, 2^128), and sqrt(v) = sqrt(N) * 2^((E-s)/2) with sqrt(N) in [2^63, 2^64).
	E := v.exp() - 16383 - 63
	s := uint(64)
	if (E-64)&1 != 0 {
		s = 63
	}
	nh, nl := v.man>>(64-s), v.man<<s
	// An estimate q0 from float64 (within 3080 of the root, as x, N's top 63 bits
	// rounded to float64, is within (1+2^-9)*2^-53 of N and the root of it within
	// 1.5*(1+2^-9)*2^-53 of sqrt(N)), then one Newton step in float64, d = (N - q0*q0) / 2q0
	// with the residual exact in 128-bit integers (below 2^77 in magnitude; its bits
	// from 2^16 up, a signed 62-bit integer, go to float64) and 1/2q0 as y/2x, 1/x
	// computed alongside the root: q0 + d is within 2^-38 of sqrt(N) (the step leaves
	// (q0-sqrt(N))^2/2q0 < 2^-40, the float64 arithmetic less than 2^-39).
	x := float64(int64(nh>>1)) * 0x1p65
	y := math.Sqrt(x)
	rx := 1 / x
	q0 := uint64(math.MaxUint64)
	if y < 0x1p64 {
		q0 = uint64(int64(y-0x1p63)) | 1<<63 // y is at least 2^63
	}
	h0, l0 := bits.Mul64(q0, q0)
	rl0, b0 := bits.Sub64(nl, l0, 0)
	rh0, _ := bits.Sub64(nh, h0, b0)
	d := float64(int64(rh0<<48|rl0>>16)) * (y * rx * 0x1p15)
	fi := math.Floor(d)
	frac := d - fi
	q := q0 + uint64(int64(fi))
	// The fraction of sqrt(N) decides the rounding (it is never exactly a half: N - q*q
	// would be q + 1/4). Well away from 0, 1/2 and 1 (2^-30, far beyond the error) d
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
	r, pe, c1, ok := x87Pack(false, (E-int(s))/2+63, q, rem)
	if !ok {
		return r, 0, false, false
	}
	if pe {
		fl = fswPE
	}
	return r, fl, c1, true
}
