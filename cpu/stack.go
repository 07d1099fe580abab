package cpu

// PUSH and POP (register, memory, immediate and segment forms).

func init() {
	register("PUSH", xlatePUSH)
	register("POP", xlatePOP)
}

// stackOpSize is the operand size of a stack operation: 8 (or 2 with 66h) in 64-bit mode.
func stackOpSize(u *uop, d *decodeInfo) uint8 {
	if d.mode == 64 {
		if u.osize == 2 {
			return 2
		}
		return 8
	}
	return u.osize
}

func xlatePUSH(u *uop, d *decodeInfo) bool {
	u.osize = stackOpSize(u, d)
	switch u.kind[0] {
	case kReg:
		u.fn = pushR
		if d.mode == 64 && u.osize == 8 && specialiseOn {
			u.fn = pushR64
			u.lazy = true
		}
	case kMem:
		u.fn = pushM
	case kImm:
		u.imm &= sizeMask[u.osize]
		u.fn = pushI
	case kSeg:
		u.fn = pushSeg
	}
	return u.fn != nil
}

// pushR is PUSH r.
func pushR(c *CPU, u *uop) *Fault { return c.push(c.reg(u.r[0], u.osize), u.osize) }

// pushM is PUSH m.
func pushM(c *CPU, u *uop) *Fault {
	v, f := c.read(c.ea(u), u.osize)
	if f != nil {
		return f
	}
	return c.push(v, u.osize)
}

// pushI is PUSH imm (sign-extended to the operand size).
func pushI(c *CPU, u *uop) *Fault { return c.push(u.imm, u.osize) }

// pushSeg is PUSH Sreg (zero-extended selector).
func pushSeg(c *CPU, u *uop) *Fault {
	return c.push(uint64(c.Seg[u.r[0]%6].Selector), u.osize)
}

func xlatePOP(u *uop, d *decodeInfo) bool {
	u.osize = stackOpSize(u, d)
	switch u.kind[0] {
	case kReg:
		u.fn = popR
		if d.mode == 64 && u.osize == 8 && specialiseOn {
			u.fn = popR64
			u.lazy = true
		}
	case kMem:
		u.fn = popM
	case kSeg:
		if u.r[0] == CS {
			return false
		}
		u.fn = popSeg
	}
	return u.fn != nil
}

// popR is POP r.
func popR(c *CPU, u *uop) *Fault {
	v, f := c.pop(u.osize)
	if f != nil {
		return f
	}
	c.setReg(u.r[0], u.osize, v)
	return nil
}

// popM is POP m: RSP is incremented before the destination address is computed.
func popM(c *CPU, u *uop) *Fault {
	sp := c.GPR[RSP]
	v, f := c.pop(u.osize)
	if f != nil {
		return f
	}
	if f := c.write(c.ea(u), u.osize, v); f != nil {
		c.GPR[RSP] = sp
		return f
	}
	return nil
}

// popSeg is POP Sreg.
func popSeg(c *CPU, u *uop) *Fault {
	sp := c.GPR[RSP]
	v, f := c.pop(u.osize)
	if f != nil {
		return f
	}
	if f := c.loadDataSeg(u.r[0], uint16(v)); f != nil {
		c.GPR[RSP] = sp
		return f
	}
	if u.r[0] == SS {
		c.setShadow()
		c.SSShadow = true
		c.noTrap = true
	}
	return nil
}
