package cpu

// Exchanges: XCHG, XADD, CMPXCHG, CMPXCHG8B, CMPXCHG16B (SDM Vol. 2A/2D).
//
// There is one CPU and no cache model, so LOCK (explicit, or implicit for XCHG with
// memory) needs nothing beyond doing the read-modify-write inside one handler; the decoder
// rejects LOCK where the SDM does not allow it.
//
// CMPXCHG with a register destination writes only what the outcome names: the
// destination on success, the accumulator on failure (so a 32-bit form zero-extends only
// that register). A memory destination is always written (with its old value on failure),
// as the SDM says the processor does.

func init() {
	register("XCHG", sized(xlateXCHG))
	register("XADD", sized(xlateXADD))
	register("CMPXCHG", sized(xlateCMPXCHG))
	register("CMPXCHG8B", func(u *uop, d *decodeInfo) bool {
		if u.kind[0] != kMem {
			return false
		}
		u.fn = cmpxchg8b
		return true
	})
	register("CMPXCHG16B", func(u *uop, d *decodeInfo) bool {
		if u.kind[0] != kMem || d.mode != 64 {
			return false
		}
		u.fn = cmpxchg16b
		return true
	})
}

func xlateXCHG(u *uop, d *decodeInfo) bool {
	if u.nargs != 2 {
		return false
	}
	switch {
	case u.kind[0] == kReg && u.kind[1] == kReg:
		if u.sz[0] == 8 {
			u.fn = xchgRR64
		} else {
			u.fn = xchgRR
		}
	case u.kind[0] == kMem && u.kind[1] == kReg:
		u.fn = xchgMR
	case u.kind[0] == kReg && u.kind[1] == kMem:
		u.kind[0], u.kind[1] = kMem, kReg
		u.r[1] = u.r[0]
		u.sz[0], u.sz[1] = u.sz[1], u.sz[0]
		u.fn = xchgMR
	}
	return u.fn != nil
}

// xchgRR64 is XCHG r64, r64.
func xchgRR64(c *CPU, u *uop) *Fault {
	a, b := u.r[0]&15, u.r[1]&15
	c.GPR[a], c.GPR[b] = c.GPR[b], c.GPR[a]
	return nil
}

// xchgRR is XCHG r, r (8/16/32-bit; 32-bit writes zero-extend both registers, even
// XCHG EAX, EAX encoded as 87 C0).
func xchgRR(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	a, b := c.reg(u.r[0], s), c.reg(u.r[1], s)
	c.setReg(u.r[0], s, b)
	c.setReg(u.r[1], s, a)
	return nil
}

// xchgMR is XCHG m, r (implicitly locked).
func xchgMR(c *CPU, u *uop) *Fault {
	s := u.sz[1]
	addr := c.ea(u)
	a, f := c.read(addr, s)
	if f != nil {
		return f
	}
	if f := c.write(addr, s, c.reg(u.r[1], s)); f != nil {
		return f
	}
	c.setReg(u.r[1], s, a)
	return nil
}

func xlateXADD(u *uop, d *decodeInfo) bool {
	if u.nargs != 2 || u.kind[1] != kReg {
		return false
	}
	switch u.kind[0] {
	case kReg:
		u.fn = xaddRR
	case kMem:
		u.fn = xaddMR
	}
	return u.fn != nil
}

// xaddRR is XADD r, r: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP.
func xaddRR(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	a, b := c.reg(u.r[0], s), c.reg(u.r[1], s)
	r := (a + b) & sizeMask[s]
	c.setReg(u.r[1], s, a)
	c.setReg(u.r[0], s, r)
	c.setFlagsAdd(a, b, r, s)
	return nil
}

// xaddMR is XADD m, r.
func xaddMR(c *CPU, u *uop) *Fault {
	s := u.sz[1]
	addr := c.ea(u)
	a, f := c.read(addr, s)
	if f != nil {
		return f
	}
	b := c.reg(u.r[1], s)
	r := (a + b) & sizeMask[s]
	if f := c.write(addr, s, r); f != nil {
		return f
	}
	c.setReg(u.r[1], s, a)
	c.setFlagsAdd(a, b, r, s)
	return nil
}

func xlateCMPXCHG(u *uop, d *decodeInfo) bool {
	if u.nargs != 2 || u.kind[1] != kReg {
		return false
	}
	switch u.kind[0] {
	case kReg:
		u.fn = cmpxchgRR
	case kMem:
		u.fn = cmpxchgMR
	}
	return u.fn != nil
}

// cmpxchgRR is CMPXCHG r, r.
func cmpxchgRR(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	acc, d := c.reg(RAX, s), c.reg(u.r[0], s)
	c.setFlagsSub(acc, d, (acc-d)&sizeMask[s], s)
	if acc == d {
		c.setReg(u.r[0], s, c.reg(u.r[1], s))
	} else {
		c.setReg(RAX, s, d)
	}
	return nil
}

// cmpxchgMR is CMPXCHG m, r.
func cmpxchgMR(c *CPU, u *uop) *Fault {
	s := u.sz[1]
	addr := c.ea(u)
	d, f := c.read(addr, s)
	if f != nil {
		return f
	}
	acc := c.reg(RAX, s)
	nv := d
	if acc == d {
		nv = c.reg(u.r[1], s)
	}
	if f := c.write(addr, s, nv); f != nil {
		return f
	}
	c.setFlagsSub(acc, d, (acc-d)&sizeMask[s], s)
	if acc != d {
		c.setReg(RAX, s, d)
	}
	return nil
}

// cmpxchg8b is CMPXCHG8B m64: compare EDX:EAX with m64; equal: m64 = ECX:EBX, ZF=1;
// else EDX:EAX = m64, ZF=0. Only ZF changes.
func cmpxchg8b(c *CPU, u *uop) *Fault {
	addr := c.ea(u)
	m, f := c.read(addr, 8)
	if f != nil {
		return f
	}
	cmp := c.reg(RDX, 4)<<32 | c.reg(RAX, 4)
	eq := m == cmp
	nv := m
	if eq {
		nv = c.reg(RCX, 4)<<32 | c.reg(RBX, 4)
	}
	if f := c.write(addr, 8, nv); f != nil {
		return f
	}
	if !eq {
		c.setReg(RAX, 4, m)
		c.setReg(RDX, 4, m>>32)
	}
	c.setFlagsBits(b2u(eq)*FlagZF, FlagZF)
	return nil
}

// cmpxchg16b is CMPXCHG16B m128: like CMPXCHG8B with RDX:RAX and RCX:RBX; the operand
// must be 16-byte aligned (#GP(0)).
func cmpxchg16b(c *CPU, u *uop) *Fault {
	addr := c.ea(u)
	lo, hi, f := c.read128(addr, true)
	if f != nil {
		return f
	}
	eq := lo == c.GPR[RAX] && hi == c.GPR[RDX]
	nlo, nhi := lo, hi
	if eq {
		nlo, nhi = c.GPR[RBX], c.GPR[RCX]
	}
	// An aligned 16-byte operand lies in one page: once the first half is written the
	// second cannot fault, so the store is all-or-nothing.
	if f := c.write(addr, 8, nlo); f != nil {
		return f
	}
	if f := c.write(addr+8, 8, nhi); f != nil {
		return f
	}
	if !eq {
		c.GPR[RAX], c.GPR[RDX] = lo, hi
	}
	c.setFlagsBits(b2u(eq)*FlagZF, FlagZF)
	return nil
}
