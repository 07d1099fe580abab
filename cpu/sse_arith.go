package cpu

import "math"

// SSE/SSE2 floating-point arithmetic, compares and ordered/unordered compares into EFLAGS,
// scalar (SS/SD: the low element, the rest of the destination unchanged) and packed
// (PS/PD). The per-element work is in sse_fp.go.

// fpOp computes a new destination value from the destination, the source and imm8,
// collecting exception flags in e; the handler commits them before writing.
type fpOp func(e *fpEnv, d *[2]uint64, s0, s1 uint64, imm uint8) [2]uint64

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
		e := fpEnv{mx: c.MXCSR}
		d := &c.XMM[u.r[0]&15]
		r := op(&e, d, s0, s1, uint8(u.imm))
		if f := c.fpCommit(&e); f != nil {
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
		return true
	}
}

// Element-wise builders.

func fpSS(f func(e *fpEnv, a, b uint32) uint32) fpOp {
	return func(e *fpEnv, d *[2]uint64, s0, s1 uint64, imm uint8) [2]uint64 {
		return [2]uint64{d[0]&^0xFFFFFFFF | uint64(f(e, uint32(d[0]), uint32(s0))), d[1]}
	}
}

func fpSD(f func(e *fpEnv, a, b uint64) uint64) fpOp {
	return func(e *fpEnv, d *[2]uint64, s0, s1 uint64, imm uint8) [2]uint64 {
		return [2]uint64{f(e, d[0], s0), d[1]}
	}
}

func fpPS(f func(e *fpEnv, a, b uint32) uint32) fpOp {
	return func(e *fpEnv, d *[2]uint64, s0, s1 uint64, imm uint8) [2]uint64 {
		return [2]uint64{
			uint64(f(e, uint32(d[0]), uint32(s0))) | uint64(f(e, uint32(d[0]>>32), uint32(s0>>32)))<<32,
			uint64(f(e, uint32(d[1]), uint32(s1))) | uint64(f(e, uint32(d[1]>>32), uint32(s1>>32)))<<32,
		}
	}
}

func fpPD(f func(e *fpEnv, a, b uint64) uint64) fpOp {
	return func(e *fpEnv, d *[2]uint64, s0, s1 uint64, imm uint8) [2]uint64 {
		return [2]uint64{f(e, d[0], s0), f(e, d[1], s1)}
	}
}

func init() {
	for _, o := range []struct {
		name string
		op   int
	}{{"ADD", fopAdd}, {"SUB", fopSub}, {"MUL", fopMul}, {"DIV", fopDiv}} {
		op := o.op
		f32 := func(e *fpEnv, a, b uint32) uint32 { return e.arith32(op, a, b) }
		f64 := func(e *fpEnv, a, b uint64) uint64 { return e.arith64(op, a, b) }
		register(o.name+"SS", xlateFP(fpSS(f32), 4, false))
		register(o.name+"SD", xlateFP(fpSD(f64), 8, false))
		register(o.name+"PS", xlateFP(fpPS(f32), 16, false))
		register(o.name+"PD", xlateFP(fpPD(f64), 16, false))
	}
	for _, o := range []struct {
		name  string
		isMax bool
	}{{"MIN", false}, {"MAX", true}} {
		isMax := o.isMax
		f32 := func(e *fpEnv, a, b uint32) uint32 { return e.minmax32(a, b, isMax) }
		f64 := func(e *fpEnv, a, b uint64) uint64 { return e.minmax64(a, b, isMax) }
		register(o.name+"SS", xlateFP(fpSS(f32), 4, false))
		register(o.name+"SD", xlateFP(fpSD(f64), 8, false))
		register(o.name+"PS", xlateFP(fpPS(f32), 16, false))
		register(o.name+"PD", xlateFP(fpPD(f64), 16, false))
	}
	// SQRT: the source only (the destination supplies the untouched upper elements).
	sq32 := func(e *fpEnv, a, b uint32) uint32 { return e.sqrt32(b) }
	sq64 := func(e *fpEnv, a, b uint64) uint64 { return e.sqrt64(b) }
	register("SQRTSS", xlateFP(fpSS(sq32), 4, false))
	register("SQRTSD", xlateFP(fpSD(sq64), 8, false))
	register("SQRTPS", xlateFP(fpPS(sq32), 16, false))
	register("SQRTPD", xlateFP(fpPD(sq64), 16, false))

	// CMP: all-ones or all-zeros per element.
	register("CMPSS", xlateFP(func(e *fpEnv, d *[2]uint64, s0, s1 uint64, imm uint8) [2]uint64 {
		return [2]uint64{d[0]&^0xFFFFFFFF | laneMask(e.cmp32(uint32(d[0]), uint32(s0), imm))&0xFFFFFFFF, d[1]}
	}, 4, true))
	register("CMPSD_XMM", xlateFP(func(e *fpEnv, d *[2]uint64, s0, s1 uint64, imm uint8) [2]uint64 {
		return [2]uint64{laneMask(e.cmp64(d[0], s0, imm)), d[1]}
	}, 8, true))
	register("CMPPS", xlateFP(func(e *fpEnv, d *[2]uint64, s0, s1 uint64, imm uint8) [2]uint64 {
		c := func(a, b uint64) uint64 {
			return laneMask(e.cmp32(uint32(a), uint32(b), imm))&0xFFFFFFFF |
				laneMask(e.cmp32(uint32(a>>32), uint32(b>>32), imm))<<32
		}
		return [2]uint64{c(d[0], s0), c(d[1], s1)}
	}, 16, true))
	register("CMPPD", xlateFP(func(e *fpEnv, d *[2]uint64, s0, s1 uint64, imm uint8) [2]uint64 {
		return [2]uint64{laneMask(e.cmp64(d[0], s0, imm)), laneMask(e.cmp64(d[1], s1, imm))}
	}, 16, true))

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
	if f := c.fpCommit(&e); f != nil {
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
