package cpu

// MUL, IMUL (one, two and three operands), DIV and IDIV (SDM Vol. 2A/2B).
//
// Flags: MUL/IMUL set CF = OF = "the upper half is significant"; SF/ZF/AF/PF are
// undefined and follow the low half of the result here. DIV/IDIV leave every flag
// unchanged (all undefined). A zero divisor or a quotient that does not fit the
// destination raises #DE before any register changes.

import "math/bits"

func init() {
	register("MUL", sized(xlateMulDiv))
	register("IMUL", sized(xlateIMUL))
	register("DIV", sized(xlateMulDiv))
	register("IDIV", sized(xlateMulDiv))
}

func xlateMulDiv(u *uop, d *decodeInfo) bool {
	if u.nargs != 1 || (u.kind[0] != kReg && u.kind[0] != kMem) {
		return false
	}
	switch d.name {
	case "MUL":
		u.fn = mul1
	case "IMUL":
		u.fn = imul1
	case "DIV":
		u.fn = div1
	case "IDIV":
		u.fn = idiv1
	}
	return true
}

func xlateIMUL(u *uop, d *decodeInfo) bool {
	switch u.nargs {
	case 1:
		return xlateMulDiv(u, d)
	case 2:
		if u.kind[0] != kReg {
			return false
		}
		switch u.kind[1] {
		case kReg:
			u.fn = imulRR
			if u.sz[0] == 8 {
				u.fn = imulRR64
			}
		case kMem:
			u.fn = imulRM
		}
	case 3:
		if u.kind[0] != kReg || u.kind[2] != kImm {
			return false
		}
		u.imm &= sizeMask[u.sz[0]]
		switch u.kind[1] {
		case kReg:
			u.fn = imulRRI
		case kMem:
			u.fn = imulRMI
		}
	}
	return u.fn != nil
}

// mul1 is MUL r/m: AX = AL*src, DX:AX = AX*src, EDX:EAX = EAX*src or RDX:RAX = RAX*src.
func mul1(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	b, f := c.readArg(u, 0)
	if f != nil {
		return f
	}
	a := c.reg(RAX, s)
	var hi, lo uint64
	switch s {
	case 1:
		p := a * b
		c.setReg(RAX, 2, p)
		hi, lo = p>>8, p&0xFF
	case 2:
		p := a * b
		c.setReg(RAX, 2, p)
		c.setReg(RDX, 2, p>>16)
		hi, lo = p>>16, p&0xFFFF
	case 4:
		p := a * b
		c.setReg(RAX, 4, p)
		c.setReg(RDX, 4, p>>32)
		hi, lo = p>>32, p&0xFFFFFFFF
	default:
		hi, lo = bits.Mul64(a, b)
		c.GPR[RAX], c.GPR[RDX] = lo, hi
	}
	c.setFlagsCO(lo, s, hi != 0, hi != 0, false)
	return nil
}

// imul64 returns the signed 128-bit product of a and b as (hi, lo).
func imul64(a, b uint64) (hi, lo uint64) {
	hi, lo = bits.Mul64(a, b)
	if int64(a) < 0 {
		hi -= b
	}
	if int64(b) < 0 {
		hi -= a
	}
	return hi, lo
}

// imulTrunc multiplies the signed size-byte values a and b and returns the product
// truncated to size and whether it overflowed that size.
func imulTrunc(a, b uint64, s uint8) (uint64, bool) {
	if s == 8 {
		hi, lo := imul64(a, b)
		return lo, hi != uint64(int64(lo)>>63)
	}
	p := int64(signExt(a, s)) * int64(signExt(b, s))
	r := uint64(p) & sizeMask[s]
	return r, uint64(p) != signExt(r, s)
}

// imul1 is IMUL r/m (one operand, double-width result in AH:AL, DX:AX, EDX:EAX, RDX:RAX).
func imul1(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	b, f := c.readArg(u, 0)
	if f != nil {
		return f
	}
	a := c.reg(RAX, s)
	var lo uint64
	var ovf bool
	if s == 8 {
		var hi uint64
		hi, lo = imul64(a, b)
		c.GPR[RAX], c.GPR[RDX] = lo, hi
		ovf = hi != uint64(int64(lo)>>63)
	} else {
		p := uint64(int64(signExt(a, s)) * int64(signExt(b, s)))
		lo = p & sizeMask[s]
		ovf = p != signExt(lo, s)
		if s == 1 {
			c.setReg(RAX, 2, p)
		} else {
			c.setReg(RAX, s, p)
			c.setReg(RDX, s, p>>(8*s))
		}
	}
	c.setFlagsCO(lo, s, ovf, ovf, false)
	return nil
}

// imulRR64 is IMUL r64, r64.
func imulRR64(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15], c.GPR[u.r[1]&15]
	hi, lo := imul64(a, b)
	c.GPR[u.r[0]&15] = lo
	ovf := hi != uint64(int64(lo)>>63)
	c.setFlagsCO(lo, 8, ovf, ovf, false)
	return nil
}

// imulRR is IMUL r, r (16/32-bit).
func imulRR(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	r, ovf := imulTrunc(c.reg(u.r[0], s), c.reg(u.r[1], s), s)
	c.setReg(u.r[0], s, r)
	c.setFlagsCO(r, s, ovf, ovf, false)
	return nil
}

// imulRM is IMUL r, m.
func imulRM(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	b, f := c.read(c.ea(u), s)
	if f != nil {
		return f
	}
	r, ovf := imulTrunc(c.reg(u.r[0], s), b, s)
	c.setReg(u.r[0], s, r)
	c.setFlagsCO(r, s, ovf, ovf, false)
	return nil
}

// imulRRI is IMUL r, r, imm.
func imulRRI(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	r, ovf := imulTrunc(c.reg(u.r[1], s), u.imm, s)
	c.setReg(u.r[0], s, r)
	c.setFlagsCO(r, s, ovf, ovf, false)
	return nil
}

// imulRMI is IMUL r, m, imm.
func imulRMI(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	b, f := c.read(c.ea(u), s)
	if f != nil {
		return f
	}
	r, ovf := imulTrunc(b, u.imm, s)
	c.setReg(u.r[0], s, r)
	c.setFlagsCO(r, s, ovf, ovf, false)
	return nil
}

// de returns #DE.
func (c *CPU) de() *Fault { return c.raise(VecDE) }

// div1 is DIV r/m: unsigned divide of AX, DX:AX, EDX:EAX or RDX:RAX.
func div1(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	b, f := c.readArg(u, 0)
	if f != nil {
		return f
	}
	if b == 0 {
		return c.de()
	}
	switch s {
	case 1:
		a := c.reg(RAX, 2)
		q := a / b
		if q > 0xFF {
			return c.de()
		}
		c.setReg(RAX, 2, (a%b)<<8|q)
	case 2, 4:
		w := 8 * uint(s)
		a := c.reg(RDX, s)<<w | c.reg(RAX, s)
		q := a / b
		if q > sizeMask[s] {
			return c.de()
		}
		c.setReg(RAX, s, q)
		c.setReg(RDX, s, a%b)
	default:
		hi := c.GPR[RDX]
		if hi >= b {
			return c.de()
		}
		q, r := bits.Div64(hi, c.GPR[RAX], b)
		c.GPR[RAX], c.GPR[RDX] = q, r
	}
	return nil
}

// idiv1 is IDIV r/m: signed divide, quotient truncated toward zero, remainder with the
// dividend's sign.
func idiv1(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	bu, f := c.readArg(u, 0)
	if f != nil {
		return f
	}
	if bu == 0 {
		return c.de()
	}
	b := int64(signExt(bu, s))
	switch s {
	case 1, 2, 4:
		var a int64
		if s == 1 {
			a = int64(int16(c.reg(RAX, 2)))
		} else {
			w := 8 * uint(s)
			a = int64(signExt(c.reg(RDX, s)<<w|c.reg(RAX, s), 2*s))
		}
		// Go defines MinInt64 / -1 as MinInt64 (no panic); the range check catches it.
		q := a / b
		r := a % b
		lim := int64(1) << (8*s - 1)
		if q >= lim || q < -lim {
			return c.de()
		}
		if s == 1 {
			c.setReg(RAX, 2, uint64(r)<<8|uint64(q)&0xFF)
		} else {
			c.setReg(RAX, s, uint64(q))
			c.setReg(RDX, s, uint64(r))
		}
	default:
		hi, lo := c.GPR[RDX], c.GPR[RAX]
		neg := int64(hi) < 0
		if neg {
			lo = -lo
			hi = ^hi
			if lo == 0 {
				hi++
			}
		}
		d := uint64(b)
		if b < 0 {
			d = -d
		}
		if hi >= d {
			return c.de()
		}
		q, r := bits.Div64(hi, lo, d)
		if neg != (b < 0) {
			if q > 1<<63 {
				return c.de()
			}
			q = -q
		} else if q >= 1<<63 {
			return c.de()
		}
		if neg {
			r = -r
		}
		c.GPR[RAX], c.GPR[RDX] = q, r
	}
	return nil
}
