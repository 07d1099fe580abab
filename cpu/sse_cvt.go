package cpu

import "math"

// SSE/SSE2 conversions (CVT*). Integer results that are NaN or out of range are the
// "integer indefinite" value (only the sign bit set) with IE; inexact results set PE.
// CVT* round under MXCSR.RC, CVTT* truncate.

func init() {
	register("CVTSI2SS", xlateCvtI2F(false))
	register("CVTSI2SD", xlateCvtI2F(true))
	register("CVTSS2SI", xlateCvtF2I(false, false))
	register("CVTTSS2SI", xlateCvtF2I(false, true))
	register("CVTSD2SI", xlateCvtF2I(true, false))
	register("CVTTSD2SI", xlateCvtF2I(true, true))

	register("CVTSS2SD", xlateFP(func(mx uint32, d *[2]uint64, s0, s1 uint64, imm uint8) ([2]uint64, uint32) {
		e := fpEnv{mx: mx}
		r := [2]uint64{e.f32ToF64(uint32(s0)), d[1]}
		return r, e.flags
	}, 4, false))
	register("CVTSD2SS", xlateFP(func(mx uint32, d *[2]uint64, s0, s1 uint64, imm uint8) ([2]uint64, uint32) {
		e := fpEnv{mx: mx}
		r := [2]uint64{d[0]&^0xFFFFFFFF | uint64(e.f64ToF32(s0)), d[1]}
		return r, e.flags
	}, 8, false))
	register("CVTPS2PD", xlateFP(func(mx uint32, d *[2]uint64, s0, s1 uint64, imm uint8) ([2]uint64, uint32) {
		e := fpEnv{mx: mx}
		r := [2]uint64{e.f32ToF64(uint32(s0)), e.f32ToF64(uint32(s0 >> 32))}
		return r, e.flags
	}, 8, false))
	register("CVTPD2PS", xlateFP(func(mx uint32, d *[2]uint64, s0, s1 uint64, imm uint8) ([2]uint64, uint32) {
		e := fpEnv{mx: mx}
		r := [2]uint64{uint64(e.f64ToF32(s0)) | uint64(e.f64ToF32(s1))<<32, 0}
		return r, e.flags
	}, 16, false))
	register("CVTDQ2PS", xlateFP(func(mx uint32, d *[2]uint64, s0, s1 uint64, imm uint8) ([2]uint64, uint32) {
		e := fpEnv{mx: mx}
		r := [2]uint64{
			uint64(e.i64ToF32(int64(int32(s0)))) | uint64(e.i64ToF32(int64(int32(s0>>32))))<<32,
			uint64(e.i64ToF32(int64(int32(s1)))) | uint64(e.i64ToF32(int64(int32(s1>>32))))<<32,
		}
		return r, e.flags
	}, 16, false))
	register("CVTDQ2PD", xlateFP(func(mx uint32, d *[2]uint64, s0, s1 uint64, imm uint8) ([2]uint64, uint32) {
		e := fpEnv{mx: mx}
		r := [2]uint64{math.Float64bits(float64(int32(s0))), math.Float64bits(float64(int32(s0 >> 32)))}
		return r, e.flags
	}, 8, false))
	for _, trunc := range []bool{false, true} {
		t := trunc
		ps2dq := func(mx uint32, d *[2]uint64, s0, s1 uint64, imm uint8) ([2]uint64, uint32) {
			e := fpEnv{mx: mx}
			c := func(v uint64) uint64 {
				return e.f64ToInt(e.f32ToF64Raw(uint32(v)), 4, t) | e.f64ToInt(e.f32ToF64Raw(uint32(v>>32)), 4, t)<<32
			}
			r := [2]uint64{c(s0), c(s1)}
			return r, e.flags
		}
		pd2dq := func(mx uint32, d *[2]uint64, s0, s1 uint64, imm uint8) ([2]uint64, uint32) {
			e := fpEnv{mx: mx}
			r := [2]uint64{e.f64ToInt(s0, 4, t) | e.f64ToInt(s1, 4, t)<<32, 0}
			return r, e.flags
		}
		if t {
			register("CVTTPS2DQ", xlateFP(ps2dq, 16, false))
			register("CVTTPD2DQ", xlateFP(pd2dq, 16, false))
		} else {
			register("CVTPS2DQ", xlateFP(ps2dq, 16, false))
			register("CVTPD2DQ", xlateFP(pd2dq, 16, false))
		}
	}
}

// i64ToF64 converts a signed integer to double under MXCSR.RC (PE when inexact).
func (e *fpEnv) i64ToF64(v int64) uint64 {
	r := float64(v)
	return e.round64(r, intErr(v, r), 0)
}

// i64ToF32 converts a signed integer to single under MXCSR.RC.
func (e *fpEnv) i64ToF32(v int64) uint32 {
	if v == 0 {
		return 0
	}
	r := float64(v)
	return e.round32(r, intErr(v, r))
}

// intErr returns the sign of v - r for r = round(float64(v)).
func intErr(v int64, r float64) int {
	if r >= 0x1p63 {
		return -1
	}
	switch w := int64(r); {
	case v > w:
		return 1
	case v < w:
		return -1
	}
	return 0
}

// f64ToInt converts a double to a size-byte signed integer (rounding under MXCSR.RC, or
// truncating); NaN and out-of-range values give the integer indefinite with IE.
func (e *fpEnv) f64ToInt(a uint64, size uint8, trunc bool) uint64 {
	indef := uint64(1) << (size*8 - 1)
	if isNaN64(a) {
		e.flags |= mxIE
		return indef
	}
	if isDen64(a) && e.mx&mxDAZ != 0 {
		a &= f64Sign
	}
	x := math.Float64frombits(a)
	var r float64
	rc := e.rc()
	if trunc {
		rc = rcZero
	}
	switch rc {
	case rcNearest:
		r = math.RoundToEven(x)
	case rcDown:
		r = math.Floor(x)
	case rcUp:
		r = math.Ceil(x)
	default:
		r = math.Trunc(x)
	}
	lim := float64(indef) // 2^31 or 2^63
	if !(r >= -lim && r < lim) {
		e.flags |= mxIE
		return indef
	}
	if r != x {
		e.flags |= mxPE
	}
	return uint64(int64(r)) & sizeMask[size]
}

// f32ToF64Raw widens a single to double for integer conversion: NaNs stay NaNs, DAZ and
// DE do not apply here.
func (e *fpEnv) f32ToF64Raw(a uint32) uint64 {
	if isNaN32(a) {
		return f64QNaN
	}
	if isDen32(a) && e.mx&mxDAZ != 0 {
		return uint64(a&f32Sign) << 32
	}
	return math.Float64bits(float64(math.Float32frombits(a)))
}

// f32ToF64 is CVTSS2SD on one element: exact; NaNs keep their payload, quieted.
func (e *fpEnv) f32ToF64(a uint32) uint64 {
	if isNaN32(a) {
		if isSNaN32(a) {
			e.flags |= mxIE
		}
		a |= f32Quiet
		return uint64(a&f32Sign)<<32 | f64Exp | uint64(a&f32Frac)<<29
	}
	a = e.in32(a)
	return math.Float64bits(float64(math.Float32frombits(a)))
}

// f64ToF32 is CVTSD2SS on one element: rounded under MXCSR.RC; NaNs keep the top of
// their payload, quieted.
func (e *fpEnv) f64ToF32(a uint64) uint32 {
	if isNaN64(a) {
		if isSNaN64(a) {
			e.flags |= mxIE
		}
		return uint32(a>>32)&f32Sign | f32Exp | f32Quiet | uint32(a>>29)&f32Frac
	}
	a = e.in64(a)
	if a&^f64Sign == 0 {
		return uint32(a >> 32)
	}
	if isInf64(a) {
		return uint32(a>>32)&f32Sign | f32Exp
	}
	return e.round32(math.Float64frombits(a), 0)
}

// xlateCvtI2F handles CVTSI2SS/CVTSI2SD xmm, r/m32|64.
func xlateCvtI2F(double bool) translator {
	return func(u *uop, d *decodeInfo) bool {
		if u.kind[0] != kXMM || (u.kind[1] != kReg && u.kind[1] != kMem) || (u.sz[1] != 4 && u.sz[1] != 8) {
			return false
		}
		if double {
			u.aux |= 2
		}
		u.fn = cvtsi2s
		lazyRegForm(u)
		return true
	}
}

// cvtsi2s is CVTSI2SS/CVTSI2SD: the low element of the destination from a signed integer.
func cvtsi2s(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	var v uint64
	if u.kind[1] == kReg {
		v = c.reg(u.r[1], u.sz[1])
	} else {
		var f *Fault
		if v, f = c.read(c.ea(u), u.sz[1]); f != nil {
			return f
		}
	}
	n := int64(v)
	if u.sz[1] == 4 {
		n = int64(int32(v))
	}
	e := fpEnv{mx: c.MXCSR}
	d := &c.XMM[u.r[0]&15]
	var r uint64
	if u.aux&2 != 0 {
		r = e.i64ToF64(n)
	} else {
		r = d[0]&^0xFFFFFFFF | uint64(e.i64ToF32(n))
	}
	if f := c.fpCommit(e.flags); f != nil {
		return f
	}
	d[0] = r
	return nil
}

// xlateCvtF2I handles CVT(T)SS2SI / CVT(T)SD2SI r32|64, xmm/m.
func xlateCvtF2I(double, trunc bool) translator {
	return func(u *uop, d *decodeInfo) bool {
		if u.kind[0] != kReg || !xmmOrMem(u, 1) || (u.sz[0] != 4 && u.sz[0] != 8) {
			return false
		}
		u.sz[1] = 4
		if double {
			u.aux |= 2
			u.sz[1] = 8
		}
		if trunc {
			u.aux |= 4
		}
		u.fn = cvts2si
		lazyRegForm(u)
		return true
	}
}

// cvts2si converts the low element of the source to a signed integer register.
func cvts2si(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	s, _, f := c.xsrc(u, 1)
	if f != nil {
		return f
	}
	e := fpEnv{mx: c.MXCSR}
	if u.aux&2 == 0 {
		s = e.f32ToF64Raw(uint32(s))
	}
	r := e.f64ToInt(s, u.sz[0], u.aux&4 != 0)
	if f := c.fpCommit(e.flags); f != nil {
		return f
	}
	c.setReg(u.r[0], u.sz[0], r)
	return nil
}
