package cpu

// Specialised handlers for the shifts and rotates shift.go's general handlers run that
// hot_int.go's do not: every group-2 operation of an 8/16-bit register by CL, and RCL/RCR
// of a 32/64-bit register by CL or an immediate. They compute what shiftRC and shiftRI
// compute (shift.go's rules), with the flags as lazy records instead of materialising
// them.

// shiftFast is c.shift (op on a, size s bytes, by the masked count n != 0) with the flags
// it sets written as a lazy record (the rotates' CF and OF through setCFOF).
func (c *CPU) shiftFast(op uint8, a, n uint64, s uint8) uint64 {
	w := uint64(s) * 8
	m := sizeMask[s&15]
	msb := (w - 1) & 63
	switch op {
	case shSHL, shSAL:
		r := (a << n) & m
		cf := (a << ((n - 1) & 63)) >> msb & 1
		c.lf = lazyFlags{res: r, cv: cf<<msb | (r>>msb&1)<<(msb-1), msb: uint8(msb), kind: lfArith}
		return r
	case shSHR:
		r := a >> n
		cf := a >> ((n - 1) & 63) & 1
		c.lf = lazyFlags{res: r, cv: cf<<msb | (cf^a>>msb&1)<<(msb-1), msb: uint8(msb), kind: lfArith}
		return r
	case shSAR:
		sa := int64(a<<(63-msb)) >> (63 - msb)
		r := uint64(sa>>n) & m
		cf := uint64(sa>>((n-1)&63)) & 1
		c.lf = lazyFlags{res: r, cv: cf<<msb | cf<<(msb-1), msb: uint8(msb), kind: lfArith}
		return r
	case shROL:
		k := n % w
		r := (a<<k | a>>(w-k)) & m
		cf := r & 1
		c.setCFOF(cf, (r>>msb&1)^cf)
		return r
	case shROR:
		k := n % w
		r := (a>>k | a<<(w-k)) & m
		c.setCFOF(r>>msb&1, (r>>msb^r>>(msb-1))&1)
		return r
	case shRCL:
		r, cf, of := rcl(a, rcCount(n, s), b2u(c.cf()), s)
		c.setCFOF(cf, of)
		return r
	case shRCR:
		r, cf, of := rcr(a, rcCount(n, s), b2u(c.cf()), s)
		c.setCFOF(cf, of)
		return r
	}
	return a
}

// shiftRCn is a shift or rotate of an 8/16-bit register by CL.
func shiftRCn(c *CPU, u *uop) *Fault {
	n := c.GPR[RCX] & 31
	if n == 0 {
		return nil
	}
	s := u.sz[0]
	c.setReg(u.r[0], s, c.shiftFast(u.aux, c.reg(u.r[0], s), n, s))
	return nil
}

// rcxRC is RCL or RCR of a 32/64-bit register by CL; rcxRI by an immediate (both
// masked to the operand's width, so the rotate is within w bits plus CF: no modulo).
func rcxRC(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	return c.rcx(u, c.GPR[RCX]&countMask(s), s)
}

func rcxRI(c *CPU, u *uop) *Fault { return c.rcx(u, u.imm, u.sz[0]) }

func (c *CPU) rcx(u *uop, k uint64, s uint8) *Fault {
	d := u.r[0] & 15
	m := sizeMask[s&15]
	a := c.GPR[d] & m
	if k == 0 {
		c.GPR[d] = a
		return nil
	}
	var cf uint64
	if c.lf.kind == lfArith {
		cf = c.lf.cv >> (c.lf.msb & 63) & 1
	} else {
		cf = c.RFLAGS & FlagCF
	}
	var r, of uint64
	if u.aux == shRCL {
		r, cf, of = rcl(a, k, cf, s)
	} else {
		r, cf, of = rcr(a, k, cf, s)
	}
	c.GPR[d] = r
	c.setCFOF(cf, of)
	return nil
}

// btxRRh and btxRIh are BTS, BTR and BTC (u.aux) of a 32/64-bit register with a
// register or an immediate bit offset: what btRR and btRI compute, without the switches
// on the operand size.
func btxRRh(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	return c.btx(u, c.GPR[u.r[1]&15]&(uint64(s)*8-1), s)
}

func btxRIh(c *CPU, u *uop) *Fault { return c.btx(u, u.imm, u.sz[0]) }

func (c *CPU) btx(u *uop, n uint64, s uint8) *Fault {
	d := u.r[0] & 15
	a := c.GPR[d] & sizeMask[s&15]
	c.setCFOnly(a >> (n & 63))
	bit := uint64(1) << (n & 63)
	switch u.aux {
	case btSet:
		a |= bit
	case btReset:
		a &^= bit
	default:
		a ^= bit
	}
	c.GPR[d] = a
	return nil
}
