package cpu

import "math"

// Specialised handlers (as in hot_sse.go) for more SSE/SSE2 forms compiled code runs:
// MIN/MAX and CMP of every shape (SS, SD, PS, PD), SQRTSS/SQRTPS/SQRTPD, CVTSI2SS,
// CVT(T)SS2SI, CVTSD2SI and CVT(T)PS2DQ. Each does its common case in straight-line code
// (SSE on, a register or TLB-hit source, operands for which the operation raises no flag
// but PE) and leaves everything else to the general handler, unchanged.

func init() {
	set := func(pick func(u *uop) handler, names ...string) {
		for _, n := range names {
			sseSpecial[opByName[n]&4095] = pick
		}
	}
	// OP xmm, xmm/m (nargs 2, or 3 with an immediate).
	xx := func(h handler, args uint8) func(u *uop) handler {
		return func(u *uop) handler {
			if u.nargs == args && u.kind[0] == kXMM && xmmOrMem(u, 1) && (args == 2 || u.kind[2] == kImm) {
				return h
			}
			return nil
		}
	}
	set(xx(minmaxFast(false, false, false), 2), "MINSS")
	set(xx(minmaxFast(false, false, true), 2), "MAXSS")
	set(xx(minmaxFast(true, false, false), 2), "MINSD")
	set(xx(minmaxFast(true, false, true), 2), "MAXSD")
	set(xx(minmaxFast(false, true, false), 2), "MINPS")
	set(xx(minmaxFast(false, true, true), 2), "MAXPS")
	set(xx(minmaxFast(true, true, false), 2), "MINPD")
	set(xx(minmaxFast(true, true, true), 2), "MAXPD")
	set(xx(cmpFast(false, false), 3), "CMPSS")
	set(xx(cmpFast(true, false), 3), "CMPSD_XMM")
	set(xx(cmpFast(false, true), 3), "CMPPS")
	set(xx(cmpFast(true, true), 3), "CMPPD")
	set(xx(sqrtssFast, 2), "SQRTSS")
	set(xx(sqrtpsFast, 2), "SQRTPS")
	set(xx(sqrtpdFast, 2), "SQRTPD")
	set(xx(cvtps2dqFast(false), 2), "CVTPS2DQ")
	set(xx(cvtps2dqFast(true), 2), "CVTTPS2DQ")
	set(xx(cvtpd2dqFast(false), 2), "CVTPD2DQ")
	set(xx(cvtpd2dqFast(true), 2), "CVTTPD2DQ")
	set(xx(cvtps2pdFast, 2), "CVTPS2PD")
	set(xx(cvtpd2psFast, 2), "CVTPD2PS")
	set(func(u *uop) handler {
		if u.kind[0] == kXMM && (u.kind[1] == kReg || u.kind[1] == kMem) && (u.sz[1] == 4 || u.sz[1] == 8) {
			return cvtsi2ssFast
		}
		return nil
	}, "CVTSI2SS")
	set(func(u *uop) handler {
		if u.kind[0] == kReg && xmmOrMem(u, 1) && (u.sz[0] == 4 || u.sz[0] == 8) {
			return cvts2siFast
		}
		return nil
	}, "CVTSS2SI", "CVTTSS2SI", "CVTSD2SI")
}

// xmmSrcN is source argument 1 of a scalar (n 4 or 8 bytes) or packed (16) operation: an
// XMM register, or memory on a TLB hit (m128 aligned unless the form allows otherwise).
func (c *CPU) xmmSrcN(u *uop, n uint8) (lo, hi uint64, ok bool) {
	switch {
	case u.kind[1] == kXMM:
		x := &c.XMM[u.r[1]&15]
		return x[0], x[1], true
	case n == 16:
		return c.xmmLd128(u)
	case n == 8:
		lo, ok = c.xmmLd64(u)
	default:
		lo, ok = c.xmmLd32(u)
	}
	return lo, 0, ok
}

// minmaxFast is MIN/MAX SS, SD, PS or PD for operands that are normal numbers, zeros or
// infinities (no flag): each element is the destination's when it is strictly below
// (above) the source's, else the source's, as fpEnv.minmax32/64.
func minmaxFast(double, packed, isMax bool) handler {
	n := uint8(4)
	switch {
	case packed:
		n = 16
	case double:
		n = 8
	}
	return func(c *CPU, u *uop) *Fault {
		if c.sseOn() {
			if s0, s1, ok := c.xmmSrcN(u, n); ok {
				d := &c.XMM[u.r[0]&15]
				switch {
				case double && packed:
					if plainInf64(d[0]) && plainInf64(d[1]) && plainInf64(s0) && plainInf64(s1) {
						d[0], d[1] = minmax64(d[0], s0, isMax), minmax64(d[1], s1, isMax)
						return nil
					}
				case double:
					if plainInf64(d[0]) && plainInf64(s0) {
						d[0] = minmax64(d[0], s0, isMax)
						return nil
					}
				case packed:
					if plainInf32x2(d[0]) && plainInf32x2(d[1]) && plainInf32x2(s0) && plainInf32x2(s1) {
						d[0], d[1] = minmax32x2(d[0], s0, isMax), minmax32x2(d[1], s1, isMax)
						return nil
					}
				default:
					if plainInf32(uint32(d[0])) && plainInf32(uint32(s0)) {
						d[0] = d[0]&^0xFFFFFFFF | minmax32x2(d[0], s0, isMax)&0xFFFFFFFF
						return nil
					}
				}
			}
		}
		return c.sseSlow(u)
	}
}

// plainInf64 reports a double that is neither a NaN nor a denormal; plainInf32x2 the same
// of both single-precision lanes of q.
func plainInf64(a uint64) bool {
	e := a >> 52 & 0x7FF
	return a<<1 <= f64Exp<<1 && (e != 0 || a<<1 == 0)
}

func plainInf32x2(q uint64) bool {
	return plainInf32(uint32(q)) && plainInf32(uint32(q>>32))
}

func plainInf32(a uint32) bool {
	return a<<1 <= f32Exp<<1 && (a&f32Exp != 0 || a<<1 == 0)
}

func minmax64(a, b uint64, isMax bool) uint64 {
	x, y := math.Float64frombits(a), math.Float64frombits(b)
	if isMax && x > y || !isMax && x < y {
		return a
	}
	return b
}

func minmax32x2(a, b uint64, isMax bool) uint64 {
	r := b
	x0, y0 := math.Float32frombits(uint32(a)), math.Float32frombits(uint32(b))
	x1, y1 := math.Float32frombits(uint32(a>>32)), math.Float32frombits(uint32(b>>32))
	if isMax && x0 > y0 || !isMax && x0 < y0 {
		r = r&^0xFFFFFFFF | a&0xFFFFFFFF
	}
	if isMax && x1 > y1 || !isMax && x1 < y1 {
		r = r&0xFFFFFFFF | a&^0xFFFFFFFF
	}
	return r
}

// cmpFast is CMP SS, SD, PS or PD with predicate imm8[2:0] for operands that are not NaNs
// or denormals (no flag; UNORD is false and ORD true).
func cmpFast(double, packed bool) handler {
	n := uint8(4)
	switch {
	case packed:
		n = 16
	case double:
		n = 8
	}
	return func(c *CPU, u *uop) *Fault {
		if c.sseOn() {
			if s0, s1, ok := c.xmmSrcN(u, n); ok {
				d := &c.XMM[u.r[0]&15]
				p := uint8(u.imm & 7)
				switch {
				case double && packed:
					if plainInf64(d[0]) && plainInf64(d[1]) && plainInf64(s0) && plainInf64(s1) {
						d[0], d[1] = cmp64(d[0], s0, p), cmp64(d[1], s1, p)
						return nil
					}
				case double:
					if plainInf64(d[0]) && plainInf64(s0) {
						d[0] = cmp64(d[0], s0, p)
						return nil
					}
				case packed:
					if plainInf32x2(d[0]) && plainInf32x2(d[1]) && plainInf32x2(s0) && plainInf32x2(s1) {
						d[0], d[1] = cmp32x2(d[0], s0, p), cmp32x2(d[1], s1, p)
						return nil
					}
				default:
					if plainInf32(uint32(d[0])) && plainInf32(uint32(s0)) {
						d[0] = d[0]&^0xFFFFFFFF | cmp32x2(d[0], s0, p)&0xFFFFFFFF
						return nil
					}
				}
			}
		}
		return c.sseSlow(u)
	}
}

// cmpOrdered is predicate p (EQ, LT, LE, UNORD, NEQ, NLT, NLE, ORD) of ordered operands.
func cmpOrdered(p uint8, lt, eq bool) bool {
	switch p & 7 {
	case 0:
		return eq
	case 1:
		return lt
	case 2:
		return lt || eq
	case 3:
		return false
	case 4:
		return !eq
	case 5:
		return !lt
	case 6:
		return !lt && !eq
	}
	return true
}

func cmp64(a, b uint64, p uint8) uint64 {
	x, y := math.Float64frombits(a), math.Float64frombits(b)
	return laneMask(cmpOrdered(p, x < y, x == y))
}

func cmp32x2(a, b uint64, p uint8) uint64 {
	x0, y0 := math.Float32frombits(uint32(a)), math.Float32frombits(uint32(b))
	x1, y1 := math.Float32frombits(uint32(a>>32)), math.Float32frombits(uint32(b>>32))
	return laneMask(cmpOrdered(p, x0 < y0, x0 == y0))&0xFFFFFFFF | laneMask(cmpOrdered(p, x1 < y1, x1 == y1))<<32
}

// sqrt32Quick is the square root of single-precision a when a is a positive normal
// number (the root is then normal and its flag, PE, is the residual's): the host's
// double root rounded to single (double rounding is harmless for a square root: 53 >=
// 2*24+2 bits), and whether it is inexact.
func sqrt32Quick(a uint32) (r uint32, inexact, ok bool) {
	if a>>23-1 >= 0xFE { // sign set, zero or denormal exponent, or all-ones
		return 0, false, false
	}
	x := float64(math.Float32frombits(a))
	s := float32(math.Sqrt(x))
	return math.Float32bits(s), float64(s)*float64(s) != x, true
}

// sqrtssFast, sqrtpsFast and sqrtpdFast are SQRTSS, SQRTPS and SQRTPD xmm, xmm/m for
// positive normal sources (PE the only flag, which must be masked to be set here).
func sqrtssFast(c *CPU, u *uop) *Fault {
	if c.sseOn() && c.MXCSR&(mxRCBits|mxPM) == mxPM {
		if b, _, ok := c.xmmSrcN(u, 4); ok {
			if r, pe, ok := sqrt32Quick(uint32(b)); ok {
				if pe {
					c.MXCSR |= mxPE
				}
				d := &c.XMM[u.r[0]&15]
				d[0] = d[0]&^0xFFFFFFFF | uint64(r)
				return nil
			}
		}
	}
	return c.sseSlow(u)
}

func sqrtpsFast(c *CPU, u *uop) *Fault {
	if c.sseOn() && c.MXCSR&(mxRCBits|mxPM) == mxPM {
		if b0, b1, ok := c.xmmSrcN(u, 16); ok {
			r0, p0, ok0 := sqrt32Quick(uint32(b0))
			r1, p1, ok1 := sqrt32Quick(uint32(b0 >> 32))
			r2, p2, ok2 := sqrt32Quick(uint32(b1))
			r3, p3, ok3 := sqrt32Quick(uint32(b1 >> 32))
			if ok0 && ok1 && ok2 && ok3 {
				if p0 || p1 || p2 || p3 {
					c.MXCSR |= mxPE
				}
				c.XMM[u.r[0]&15] = [2]uint64{uint64(r0) | uint64(r1)<<32, uint64(r2) | uint64(r3)<<32}
				return nil
			}
		}
	}
	return c.sseSlow(u)
}

func sqrtpdFast(c *CPU, u *uop) *Fault {
	const lo, hi = 1023 - 900, 1023 + 1000
	if c.sseOn() && c.MXCSR&(mxRCBits|mxPM) == mxPM {
		if b0, b1, ok := c.xmmSrcN(u, 16); ok && b0>>63 == 0 && (b0>>52)-lo < hi-lo && b1>>63 == 0 && (b1>>52)-lo < hi-lo {
			x0, x1 := math.Float64frombits(b0), math.Float64frombits(b1)
			r0, r1 := math.Sqrt(x0), math.Sqrt(x1)
			if c.MXCSR&mxPE == 0 && (math.FMA(r0, r0, -x0) != 0 || math.FMA(r1, r1, -x1) != 0) {
				c.MXCSR |= mxPE
			}
			c.XMM[u.r[0]&15] = [2]uint64{math.Float64bits(r0), math.Float64bits(r1)}
			return nil
		}
	}
	return c.sseSlow(u)
}

// cvtsi2ssFast is CVTSI2SS xmm, r/m32|64 for an integer of at most 24 significant bits
// (exact under every rounding mode, no flag).
func cvtsi2ssFast(c *CPU, u *uop) *Fault {
	if c.sseOn() {
		var v uint64
		ok := true
		switch {
		case u.kind[1] == kReg:
			v = c.GPR[u.r[1]&15]
		case u.sz[1] == 8:
			v, ok = c.xmmLd64(u)
		default:
			v, ok = c.xmmLd32(u)
		}
		n := int64(v)
		if u.sz[1] == 4 {
			n = int64(int32(v))
		}
		if ok && n >= -1<<24 && n <= 1<<24 {
			d := &c.XMM[u.r[0]&15]
			d[0] = d[0]&^0xFFFFFFFF | uint64(math.Float32bits(float32(n)))
			return nil
		}
	}
	return c.sseSlow(u)
}

// cvtRound is x rounded to an integer as CVT* does under MXCSR rounding-control rc, or
// truncated.
func cvtRound(x float64, rc uint32, trunc bool) float64 {
	switch {
	case trunc || rc == rcZero:
		return math.Trunc(x)
	case rc == rcNearest:
		return math.RoundToEven(x)
	case rc == rcDown:
		return math.Floor(x)
	}
	return math.Ceil(x)
}

// cvts2siFast is CVTSS2SI, CVTTSS2SI and CVTSD2SI r32|64, xmm/m (u.aux as cvts2si: 2 for a
// double source, 4 to truncate) for a normal source or a zero whose rounded value fits
// (PE when it drops a fraction: the precision exception must be masked).
func cvts2siFast(c *CPU, u *uop) *Fault {
	if c.sseOn() {
		var x float64
		ok := false
		if u.aux&2 != 0 {
			var a uint64
			if a, _, ok = c.xmmSrcN(u, 8); ok {
				e := a >> 52 & 0x7FF
				ok = e < 1023+30 && (e != 0 || a<<1 == 0)
				x = math.Float64frombits(a)
			}
		} else {
			var a uint64
			if a, _, ok = c.xmmSrcN(u, 4); ok {
				e := a >> 23 & 0xFF
				ok = e < 127+30 && (e != 0 || uint32(a)<<1 == 0)
				x = float64(math.Float32frombits(uint32(a)))
			}
		}
		if ok {
			r := cvtRound(x, c.MXCSR>>13&3, u.aux&4 != 0)
			if r != x {
				if c.MXCSR&mxPM == 0 {
					return c.sseSlow(u)
				}
				c.MXCSR |= mxPE
			}
			if u.sz[0] == 4 {
				c.GPR[u.r[0]&15] = uint64(uint32(int32(r)))
			} else {
				c.GPR[u.r[0]&15] = uint64(int64(r))
			}
			return nil
		}
	}
	return c.sseSlow(u)
}

// cvtps2dqFast is CVTPS2DQ and CVTTPS2DQ (trunc) xmm, xmm/m128 for lanes that are normal
// numbers or zeros below 2^30 in magnitude (PE when one drops a fraction, masked).
func cvtps2dqFast(trunc bool) handler {
	return func(c *CPU, u *uop) *Fault {
		if c.sseOn() {
			if s0, s1, ok := c.xmmSrcN(u, 16); ok {
				rc := c.MXCSR >> 13 & 3
				var r [4]uint64
				inexact := false
				for i, v := range [4]uint32{uint32(s0), uint32(s0 >> 32), uint32(s1), uint32(s1 >> 32)} {
					if e := v >> 23 & 0xFF; e >= 127+30 || e == 0 && v<<1 != 0 {
						return c.sseSlow(u)
					}
					x := float64(math.Float32frombits(v))
					y := cvtRound(x, rc, trunc)
					inexact = inexact || y != x
					r[i] = uint64(uint32(int32(y)))
				}
				if inexact {
					if c.MXCSR&mxPM == 0 {
						return c.sseSlow(u)
					}
					c.MXCSR |= mxPE
				}
				c.XMM[u.r[0]&15] = [2]uint64{r[0] | r[1]<<32, r[2] | r[3]<<32}
				return nil
			}
		}
		return c.sseSlow(u)
	}
}

// cvtpd2dqFast is CVTPD2DQ and CVTTPD2DQ (trunc) xmm, xmm/m128 for lanes that are normal
// numbers or zeros below 2^30 in magnitude (PE when one drops a fraction, masked); the
// upper quadword is zeroed.
func cvtpd2dqFast(trunc bool) handler {
	return func(c *CPU, u *uop) *Fault {
		if c.sseOn() {
			if s0, s1, ok := c.xmmSrcN(u, 16); ok {
				e0, e1 := s0>>52&0x7FF, s1>>52&0x7FF
				if e0 < 1023+30 && (e0 != 0 || s0<<1 == 0) && e1 < 1023+30 && (e1 != 0 || s1<<1 == 0) {
					rc := c.MXCSR >> 13 & 3
					x0, x1 := math.Float64frombits(s0), math.Float64frombits(s1)
					y0, y1 := cvtRound(x0, rc, trunc), cvtRound(x1, rc, trunc)
					if y0 != x0 || y1 != x1 {
						if c.MXCSR&mxPM == 0 {
							return c.sseSlow(u)
						}
						c.MXCSR |= mxPE
					}
					c.XMM[u.r[0]&15] = [2]uint64{uint64(uint32(int32(y0))) | uint64(uint32(int32(y1)))<<32, 0}
					return nil
				}
			}
		}
		return c.sseSlow(u)
	}
}

// cvtps2pdFast is CVTPS2PD xmm, xmm/m64 for lanes that are normal numbers or zeros
// (exact, no flag).
func cvtps2pdFast(c *CPU, u *uop) *Fault {
	if c.sseOn() {
		if s, _, ok := c.xmmSrcN(u, 8); ok && plain32(uint32(s)) && plain32(uint32(s>>32)) {
			c.XMM[u.r[0]&15] = [2]uint64{math.Float64bits(float64(math.Float32frombits(uint32(s)))),
				math.Float64bits(float64(math.Float32frombits(uint32(s >> 32))))}
			return nil
		}
	}
	return c.sseSlow(u)
}

// cvtpd2psFast is CVTPD2PS xmm, xmm/m128 for lanes that are zeros or normal numbers in
// [2^-120, 2^120), rounded to nearest (their single-precision values are normal; PE when
// one is inexact, masked); the upper quadword is zeroed.
func cvtpd2psFast(c *CPU, u *uop) *Fault {
	const lo, hi = 1023 - 120, 1023 + 120
	if c.sseOn() && c.MXCSR&(mxRCBits|mxPM) == mxPM {
		if s0, s1, ok := c.xmmSrcN(u, 16); ok {
			e0, e1 := s0>>52&0x7FF, s1>>52&0x7FF
			if (e0-lo < hi-lo || s0<<1 == 0) && (e1-lo < hi-lo || s1<<1 == 0) {
				x0, x1 := math.Float64frombits(s0), math.Float64frombits(s1)
				r0, r1 := float32(x0), float32(x1)
				if float64(r0) != x0 || float64(r1) != x1 {
					c.MXCSR |= mxPE
				}
				c.XMM[u.r[0]&15] = [2]uint64{uint64(math.Float32bits(r0)) | uint64(math.Float32bits(r1))<<32, 0}
				return nil
			}
		}
	}
	return c.sseSlow(u)
}
