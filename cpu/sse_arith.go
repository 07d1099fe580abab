package cpu

import "math"

// SSE/SSE2 floating-point arithmetic, compares and ordered/unordered compares into EFLAGS,
// scalar (SS/SD: the low element, the rest of the destination unchanged) and packed
// (PS/PD). The per-element work is in sse_fp.go.

// fpOp computes a new destination value from MXCSR, the destination, the source and imm8,
// and returns it with the exception flags raised; the handler commits them before writing.
// (Values and flags travel by value: a pointer through these indirect calls would move the
// environment to the heap on every execution.)
type fpOp func(mx uint32, d *[2]uint64, s0, s1 uint64, imm uint8) ([2]uint64, uint32)

// xlateFP builds the translator of "OP xmm, xmm/m[, imm8]" for a floating-point operation;
// scalar memory operands are memSize bytes (16 for packed forms).
func xlateFP(op fpOp, memSize uint8, withImm bool) translator {
	h := func(c *CPU, u *uop) *Fault {
		if f := c.sseCheck(); f != nil {
			return f
		}
		s0, s1, f := c.xsrc(u, 1)
		if f != nil {
			return f
		}
		d := &c.XMM[u.r[0]&15]
		r, fl := op(c.MXCSR, d, s0, s1, uint8(u.imm))
		if f := c.fpCommit(fl); f != nil {
			return f
		}
		*d = r
		return nil
	}
	return func(u *uop, d *decodeInfo) bool {
		want := uint8(2)
		if withImm {
			want = 3
		}
		if u.nargs != want || u.kind[0] != kXMM || !xmmOrMem(u, 1) || withImm && u.kind[2] != kImm {
			return false
		}
		if u.kind[1] == kMem {
			u.sz[1] = memSize
		}
		u.fn = h
		lazyRegForm(u)
		return true
	}
}

// Element operations: one lane, MXCSR in, result and flags out.
type (
	elem32 func(mx uint32, a, b uint32, imm uint8) (uint32, uint32)
	elem64 func(mx uint32, a, b uint64, imm uint8) (uint64, uint32)
)

func fpSS(f elem32) fpOp {
	return func(mx uint32, d *[2]uint64, s0, s1 uint64, imm uint8) ([2]uint64, uint32) {
		r, fl := f(mx, uint32(d[0]), uint32(s0), imm)
		return [2]uint64{d[0]&^0xFFFFFFFF | uint64(r), d[1]}, fl
	}
}

func fpSD(f elem64) fpOp {
	return func(mx uint32, d *[2]uint64, s0, s1 uint64, imm uint8) ([2]uint64, uint32) {
		r, fl := f(mx, d[0], s0, imm)
		return [2]uint64{r, d[1]}, fl
	}
}

func fpPS(f elem32) fpOp {
	return func(mx uint32, d *[2]uint64, s0, s1 uint64, imm uint8) ([2]uint64, uint32) {
		r0, f0 := f(mx, uint32(d[0]), uint32(s0), imm)
		r1, f1 := f(mx, uint32(d[0]>>32), uint32(s0>>32), imm)
		r2, f2 := f(mx, uint32(d[1]), uint32(s1), imm)
		r3, f3 := f(mx, uint32(d[1]>>32), uint32(s1>>32), imm)
		return [2]uint64{uint64(r0) | uint64(r1)<<32, uint64(r2) | uint64(r3)<<32}, f0 | f1 | f2 | f3
	}
}

func fpPD(f elem64) fpOp {
	return func(mx uint32, d *[2]uint64, s0, s1 uint64, imm uint8) ([2]uint64, uint32) {
		r0, f0 := f(mx, d[0], s0, imm)
		r1, f1 := f(mx, d[1], s1, imm)
		return [2]uint64{r0, r1}, f0 | f1
	}
}

// fpOps registers the SS, SD, PS and PD forms of one element operation.
func fpOps(name string, f32 elem32, f64 elem64, withImm bool) {
	sd := name + "SD"
	if name == "CMP" {
		sd = "CMPSD_XMM"
	}
	register(name+"SS", xlateFP(fpSS(f32), 4, withImm))
	register(sd, xlateFP(fpSD(f64), 8, withImm))
	register(name+"PS", xlateFP(fpPS(f32), 16, withImm))
	register(name+"PD", xlateFP(fpPD(f64), 16, withImm))
}

func init() {
	for _, o := range []struct {
		name string
		op   int
	}{{"ADD", fopAdd}, {"SUB", fopSub}, {"MUL", fopMul}, {"DIV", fopDiv}} {
		op := o.op
		fpOps(o.name, func(mx uint32, a, b uint32, _ uint8) (uint32, uint32) {
			e := fpEnv{mx: mx}
			r := e.arith32(op, a, b)
			return r, e.flags
		}, func(mx uint32, a, b uint64, _ uint8) (uint64, uint32) {
			e := fpEnv{mx: mx}
			r := e.arith64(op, a, b)
			return r, e.flags
		}, false)
	}
	for _, o := range []struct {
		name  string
		isMax bool
	}{{"MIN", false}, {"MAX", true}} {
		isMax := o.isMax
		fpOps(o.name, func(mx uint32, a, b uint32, _ uint8) (uint32, uint32) {
			e := fpEnv{mx: mx}
			r := e.minmax32(a, b, isMax)
			return r, e.flags
		}, func(mx uint32, a, b uint64, _ uint8) (uint64, uint32) {
			e := fpEnv{mx: mx}
			r := e.minmax64(a, b, isMax)
			return r, e.flags
		}, false)
	}
	// SQRT: the source only (the destination supplies the untouched upper elements).
	fpOps("SQRT", func(mx uint32, a, b uint32, _ uint8) (uint32, uint32) {
		e := fpEnv{mx: mx}
		r := e.sqrt32(b)
		return r, e.flags
	}, func(mx uint32, a, b uint64, _ uint8) (uint64, uint32) {
		e := fpEnv{mx: mx}
		r := e.sqrt64(b)
		return r, e.flags
	}, false)
	// CMP: all-ones or all-zeros per element, predicate in imm8[2:0].
	fpOps("CMP", func(mx uint32, a, b uint32, imm uint8) (uint32, uint32) {
		e := fpEnv{mx: mx}
		r := uint32(laneMask(e.cmp32(a, b, imm)))
		return r, e.flags
	}, func(mx uint32, a, b uint64, imm uint8) (uint64, uint32) {
		e := fpEnv{mx: mx}
		r := laneMask(e.cmp64(a, b, imm))
		return r, e.flags
	}, true)

	for _, n := range []string{"COMISS", "UCOMISS", "COMISD", "UCOMISD"} {
		name := n
		register(name, func(u *uop, d *decodeInfo) bool {
			if u.kind[0] != kXMM || !xmmOrMem(u, 1) {
				return false
			}
			u.sz[1] = 4
			if name[len(name)-1] == 'D' {
				u.sz[1] = 8
				u.aux |= 2
			}
			if name[0] == 'C' {
				u.aux |= 4 // signalling on QNaN too
			}
			u.fn = comis
			lazyRegForm(u)
			return true
		})
	}
}

// comis is COMISS/UCOMISS/COMISD/UCOMISD: ZF,PF,CF = 111 unordered, 000 greater, 001 less,
// 100 equal; OF, SF and AF are cleared. UCOMIS raises IE only for SNaN, COMIS for any NaN.
func comis(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	s, _, f := c.xsrc(u, 1)
	if f != nil {
		return f
	}
	e := fpEnv{mx: c.MXCSR}
	d := c.XMM[u.r[0]&15][0]
	var lt, eq, unord bool
	if u.aux&2 != 0 {
		unord = isNaN64(d) || isNaN64(s)
		if isSNaN64(d) || isSNaN64(s) || unord && u.aux&4 != 0 {
			e.flags |= mxIE
		}
		if !unord {
			d, s = e.in64(d), e.in64(s)
			x, y := math.Float64frombits(d), math.Float64frombits(s)
			lt, eq = x < y, x == y
		}
	} else {
		a, b := uint32(d), uint32(s)
		unord = isNaN32(a) || isNaN32(b)
		if isSNaN32(a) || isSNaN32(b) || unord && u.aux&4 != 0 {
			e.flags |= mxIE
		}
		if !unord {
			a, b = e.in32(a), e.in32(b)
			x, y := math.Float32frombits(a), math.Float32frombits(b)
			lt, eq = x < y, x == y
		}
	}
	if f := c.fpCommit(e.flags); f != nil {
		return f
	}
	var fl uint64
	switch {
	case unord:
		fl = FlagZF | FlagPF | FlagCF
	case lt:
		fl = FlagCF
	case eq:
		fl = FlagZF
	}
	c.setFlagsBits(fl, flagsArith)
	return nil
}

// RCPSS/RCPPS and RSQRTSS/RSQRTPS return approximations (relative error at most
// 1.5*2^-12, the precision of the result left to the implementation). Ours is the
// correctly rounded value (round to nearest, whatever MXCSR.RC says), with the special
// cases of the SDM: no exception flag is ever raised, a denormal source counts as zero of
// its sign, a result too small to be normal is a zero of the source's sign, 1/(+-0) is
// +-infinity, 1/sqrt of a negative non-zero (infinity included) is the QNaN indefinite,
// 1/sqrt(-0) is -infinity, and a NaN comes back quieted.
func init() {
	register("RCPSS", xlateFP(fpSS(approxElem(rcp32)), 4, false))
	register("RCPPS", xlateFP(fpPS(approxElem(rcp32)), 16, false))
	register("RSQRTSS", xlateFP(fpSS(approxElem(rsqrt32)), 4, false))
	register("RSQRTPS", xlateFP(fpPS(approxElem(rsqrt32)), 16, false))
}

func approxElem(f func(uint32) uint32) elem32 {
	return func(_ uint32, _, b uint32, _ uint8) (uint32, uint32) { return f(b), 0 }
}

// approx32 rounds the reciprocal (of the square root when sqrt) of single-precision a.
func approx32(a uint32, sqrt bool) uint32 {
	sign := a & f32Sign
	switch {
	case isNaN32(a):
		return a | f32Quiet
	case a&f32Exp == 0: // zero or denormal
		return sign | f32Exp
	case sqrt && sign != 0:
		return f32QNaN
	case a&^f32Sign == f32Exp:
		return sign
	}
	x := float64(math.Float32frombits(a))
	if sqrt {
		x = math.Sqrt(x)
	}
	r := math.Float32bits(float32(1 / x))
	if r&f32Exp == 0 {
		return sign
	}
	return r
}

func rcp32(a uint32) uint32   { return approx32(a, false) }
func rsqrt32(a uint32) uint32 { return approx32(a, true) }
