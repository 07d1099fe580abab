package cpu

import "github.com/kppemu/kppemu/mmu"

// Data movement: MOV (general, segment, control and debug register forms), LEA, NOP.

func init() {
	register("MOV", xlateMOV)
	register("LEA", xlateLEA)
	register("NOP", xlateNOP)
	register("PAUSE", xlateNOP)
}

func xlateNOP(u *uop, d *decodeInfo) bool {
	u.fn = handleNOP
	return true
}

func xlateMOV(u *uop, d *decodeInfo) bool {
	k0, k1 := u.kind[0], u.kind[1]
	if (k0 == kReg || k0 == kMem) && (k1 == kReg || k1 == kMem || k1 == kImm) && !intArgs(u) {
		return false
	}
	switch {
	case k0 == kReg && k1 == kReg:
		if u.sz[0] == 8 {
			u.fn = movRR64
		} else {
			u.fn = movRR
		}
	case k0 == kReg && k1 == kMem:
		if u.sz[0] == 8 {
			u.fn = movRM64
		} else {
			u.fn = movRM
		}
	case k0 == kMem && k1 == kReg:
		u.fn = movMR
		if u.sz[1] == 8 {
			u.fn = movMR64
		}
	case k0 == kReg && k1 == kImm:
		u.imm &= sizeMask[u.sz[0]]
		u.fn = movRI
	case k0 == kMem && k1 == kImm:
		u.imm &= sizeMask[u.sz[0]]
		u.fn = movMI
	case k0 == kSeg && (k1 == kReg || k1 == kMem):
		if u.r[0] == CS {
			return false
		}
		u.sz[1] = 2
		u.fn = movSregRM
	case (k0 == kReg || k0 == kMem) && k1 == kSeg:
		if k0 == kMem {
			u.sz[0] = 2
		}
		u.fn = movRMSreg
	case k0 == kCR && k1 == kReg:
		u.fn = movCRReg
	case k0 == kReg && k1 == kCR:
		u.fn = movRegCR
	case k0 == kDR && k1 == kReg:
		u.fn = movDRReg
	case k0 == kReg && k1 == kDR:
		u.fn = movRegDR
	}
	return u.fn != nil
}

// movRR64 is MOV r64, r64.
func movRR64(c *CPU, u *uop) *Fault {
	c.GPR[u.r[0]&15] = c.GPR[u.r[1]&15]
	return nil
}

// movRR is MOV r, r (8/16/32-bit).
func movRR(c *CPU, u *uop) *Fault {
	c.setReg(u.r[0], u.sz[0], c.reg(u.r[1], u.sz[0]))
	return nil
}

// movRM64 is MOV r64, m64 (the TLB-hit path of c.read spelled out: the hottest load).
func movRM64(c *CPU, u *uop) *Fault {
	addr := c.ea(u)
	if !c.memSlow && canonical(addr) {
		if v, ok := c.mem.TryRead64(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0); ok {
			c.GPR[u.r[0]&15] = v
			return nil
		}
	}
	v, f := c.readSlow(addr, 8)
	if f != nil {
		return f
	}
	c.GPR[u.r[0]&15] = v
	return nil
}

// movMR64 is MOV m64, r64 (the TLB-hit path of c.write spelled out: the hottest store).
func movMR64(c *CPU, u *uop) *Fault {
	addr, v := c.ea(u), c.GPR[u.r[1]&15]
	if !c.memSlow && canonical(addr) {
		if c.mem.TryWrite64(mmu.VAddr(addr), v, c.user, c.RFLAGS&FlagAC != 0) {
			return nil
		}
	}
	return c.writeSlow(addr, 8, v)
}

// movRM is MOV r, m.
func movRM(c *CPU, u *uop) *Fault {
	v, f := c.read(c.ea(u), u.sz[0])
	if f != nil {
		return f
	}
	c.setReg(u.r[0], u.sz[0], v)
	return nil
}

// movMR is MOV m, r.
func movMR(c *CPU, u *uop) *Fault {
	return c.write(c.ea(u), u.sz[1], c.reg(u.r[1], u.sz[1]))
}

// movRI is MOV r, imm.
func movRI(c *CPU, u *uop) *Fault {
	c.setReg(u.r[0], u.sz[0], u.imm)
	return nil
}

// movMI is MOV m, imm.
func movMI(c *CPU, u *uop) *Fault {
	return c.write(c.ea(u), u.sz[0], u.imm)
}

// movSregRM is MOV Sreg, r/m16. MOV SS blocks interrupts and debug traps for one instruction.
func movSregRM(c *CPU, u *uop) *Fault {
	v, f := c.readArg(u, 1)
	if f != nil {
		return f
	}
	if f := c.loadDataSeg(u.r[0], uint16(v)); f != nil {
		return f
	}
	if u.r[0] == SS {
		c.setShadow()
		c.SSShadow = true
		c.noTrap = true
	}
	return nil
}

// movRMSreg is MOV r/m, Sreg (register destinations are zero-extended from 16 bits).
func movRMSreg(c *CPU, u *uop) *Fault {
	v := uint64(c.Seg[u.r[1]%6].Selector)
	if u.kind[0] == kReg {
		sz := u.sz[0]
		if sz < 2 {
			sz = 2
		}
		c.setReg(u.r[0], sz, v)
		return nil
	}
	return c.write(c.ea(u), 2, v)
}

// setShadow starts an interrupt shadow covering the next instruction.
func (c *CPU) setShadow() {
	c.IntrShadow = true
	c.setPending(pendShadow)
}

func xlateLEA(u *uop, d *decodeInfo) bool {
	if u.kind[0] != kReg || u.kind[1] != kMem {
		return false
	}
	u.fn = lea
	return true
}

// lea is LEA r, m: the effective address (no segment base), truncated to the operand size.
func lea(c *CPU, u *uop) *Fault {
	c.setReg(u.r[0], u.sz[0], c.offset(u))
	return nil
}
