package cpu

// Extending and conditional moves, flag-register helpers and stack frames: MOVZX, MOVSX,
// MOVSXD, CMOVcc, SETcc, CBW/CWDE/CDQE, CWD/CDQ/CQO, LAHF, SAHF, CLC, STC, CMC, CLD, STD,
// ENTER, LEAVE (SDM Vol. 2A/2B).

var ccNames = [16]string{"O", "NO", "B", "AE", "E", "NE", "BE", "A", "S", "NS", "P", "NP", "L", "GE", "LE", "G"}

func init() {
	register("MOVZX", sized(xlateMOVX))
	register("MOVSX", sized(xlateMOVX))
	register("MOVSXD", sized(xlateMOVX))
	for cc, n := range ccNames {
		cc := uint8(cc)
		register("CMOV"+n, func(u *uop, d *decodeInfo) bool { return xlateCMOV(u, cc) && gprSizes(u) })
		register("SET"+n, func(u *uop, d *decodeInfo) bool { return xlateSET(u, cc) && gprSizes(u) })
	}
	reg0 := func(name string, fn handler) {
		register(name, func(u *uop, d *decodeInfo) bool { u.fn = fn; return true })
	}
	reg0("CBW", cbw)
	reg0("CWDE", cwde)
	reg0("CDQE", cdqe)
	reg0("CWD", cwd)
	reg0("CDQ", cdq)
	reg0("CQO", cqo)
	reg0("LAHF", lahf)
	reg0("SAHF", sahf)
	reg0("CLC", clc)
	reg0("STC", stc)
	reg0("CMC", cmc)
	reg0("CLD", cld)
	reg0("STD", std)
	register("ENTER", xlateENTER)
	register("LEAVE", func(u *uop, d *decodeInfo) bool {
		u.osize = stackOpSize(u, d)
		u.fn = leave
		return true
	})
}

func xlateMOVX(u *uop, d *decodeInfo) bool {
	if u.nargs != 2 || u.kind[0] != kReg {
		return false
	}
	sx := d.name != "MOVZX"
	if d.name == "MOVSXD" && u.sz[0] != 8 {
		sx = false // MOVSXD r32, r/m32 is a plain 32-bit move; r16 takes the low word
	}
	if u.sz[1] == 0 || u.sz[1] > u.sz[0] && u.sz[0] != 2 {
		return false
	}
	u.aux = uint8(b2u(sx))
	switch u.kind[1] {
	case kReg:
		switch {
		case !sx && u.sz[1] == 1 && u.r[1]&0x10 == 0:
			u.fn = movzxRR8
		case !sx:
			u.fn = movzxRR
		default:
			u.fn = movsxRR
		}
	case kMem:
		if sx {
			u.fn = movsxRM
		} else {
			u.fn = movzxRM
		}
	}
	return u.fn != nil
}

// movzxRR8 is MOVZX r, r8 (not AH..BH).
func movzxRR8(c *CPU, u *uop) *Fault {
	c.setReg(u.r[0], u.sz[0], c.GPR[u.r[1]&15]&0xFF)
	return nil
}

// movzxRR is MOVZX r, r8/r16.
func movzxRR(c *CPU, u *uop) *Fault {
	c.setReg(u.r[0], u.sz[0], c.reg(u.r[1], u.sz[1]))
	return nil
}

// movsxRR is MOVSX/MOVSXD r, r.
func movsxRR(c *CPU, u *uop) *Fault {
	c.setReg(u.r[0], u.sz[0], signExt(c.reg(u.r[1], u.sz[1]), u.sz[1]))
	return nil
}

// movzxRM is MOVZX r, m8/m16 (and MOVSXD r32, m32).
func movzxRM(c *CPU, u *uop) *Fault {
	v, f := c.read(c.ea(u), u.sz[1])
	if f != nil {
		return f
	}
	c.setReg(u.r[0], u.sz[0], v)
	return nil
}

// movsxRM is MOVSX/MOVSXD r, m.
func movsxRM(c *CPU, u *uop) *Fault {
	v, f := c.read(c.ea(u), u.sz[1])
	if f != nil {
		return f
	}
	c.setReg(u.r[0], u.sz[0], signExt(v, u.sz[1]))
	return nil
}

func xlateCMOV(u *uop, cc uint8) bool {
	u.aux = cc
	if u.nargs != 2 || u.kind[0] != kReg {
		return false
	}
	switch u.kind[1] {
	case kReg:
		u.fn = cmovRR
	case kMem:
		u.fn = cmovRM
	}
	return u.fn != nil
}

// cmovRR is CMOVcc r, r. A 32-bit destination is zero-extended even when the condition
// is false.
func cmovRR(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	if c.cond(u.aux) {
		c.setReg(u.r[0], s, c.reg(u.r[1], s))
	} else if s == 4 {
		c.GPR[u.r[0]&15] &= 0xFFFFFFFF
	}
	return nil
}

// cmovRM is CMOVcc r, m: the source is read (and may fault) whatever the condition.
func cmovRM(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	v, f := c.read(c.ea(u), s)
	if f != nil {
		return f
	}
	if c.cond(u.aux) {
		c.setReg(u.r[0], s, v)
	} else if s == 4 {
		c.GPR[u.r[0]&15] &= 0xFFFFFFFF
	}
	return nil
}

func xlateSET(u *uop, cc uint8) bool {
	u.aux = cc
	switch u.kind[0] {
	case kReg:
		u.fn = setccR
	case kMem:
		u.fn = setccM
	}
	return u.fn != nil
}

// setccR is SETcc r8.
func setccR(c *CPU, u *uop) *Fault {
	c.setReg(u.r[0], 1, b2u(c.cond(u.aux)))
	return nil
}

// setccM is SETcc m8.
func setccM(c *CPU, u *uop) *Fault { return c.write(c.ea(u), 1, b2u(c.cond(u.aux))) }

// cbw is CBW: AX = sign-extend(AL).
func cbw(c *CPU, u *uop) *Fault {
	c.setReg(RAX, 2, signExt(c.GPR[RAX], 1))
	return nil
}

// cwde is CWDE: EAX = sign-extend(AX).
func cwde(c *CPU, u *uop) *Fault {
	c.setReg(RAX, 4, signExt(c.GPR[RAX], 2))
	return nil
}

// cdqe is CDQE: RAX = sign-extend(EAX).
func cdqe(c *CPU, u *uop) *Fault {
	c.GPR[RAX] = signExt(c.GPR[RAX], 4)
	return nil
}

// cwd is CWD: DX = sign of AX.
func cwd(c *CPU, u *uop) *Fault {
	c.setReg(RDX, 2, uint64(int64(int16(c.GPR[RAX]))>>15))
	return nil
}

// cdq is CDQ: EDX = sign of EAX.
func cdq(c *CPU, u *uop) *Fault {
	c.setReg(RDX, 4, uint64(int64(int32(c.GPR[RAX]))>>31))
	return nil
}

// cqo is CQO: RDX = sign of RAX.
func cqo(c *CPU, u *uop) *Fault {
	c.GPR[RDX] = uint64(int64(c.GPR[RAX]) >> 63)
	return nil
}

// lahf is LAHF: AH = SF:ZF:0:AF:0:PF:1:CF.
func lahf(c *CPU, u *uop) *Fault {
	f := c.Flags()
	c.setReg(0x10|RAX, 1, f&(FlagSF|FlagZF|FlagAF|FlagPF|FlagCF)|flagRsv1)
	return nil
}

// sahf is SAHF: SF, ZF, AF, PF, CF = AH bits 7, 6, 4, 2, 0.
func sahf(c *CPU, u *uop) *Fault {
	c.setFlagsBits(c.GPR[RAX]>>8, FlagSF|FlagZF|FlagAF|FlagPF|FlagCF)
	return nil
}

// clc is CLC.
func clc(c *CPU, u *uop) *Fault {
	c.setCFOnly(0)
	return nil
}

// stc is STC.
func stc(c *CPU, u *uop) *Fault {
	c.setCFOnly(1)
	return nil
}

// cmc is CMC.
func cmc(c *CPU, u *uop) *Fault {
	c.setCFOnly(b2u(!c.cf()))
	return nil
}

// cld is CLD.
func cld(c *CPU, u *uop) *Fault {
	c.RFLAGS &^= FlagDF
	return nil
}

// std is STD.
func std(c *CPU, u *uop) *Fault {
	c.RFLAGS |= FlagDF
	return nil
}

func xlateENTER(u *uop, d *decodeInfo) bool {
	if u.nargs != 2 || u.kind[0] != kImm || u.kind[1] != kImm {
		return false
	}
	u.osize = stackOpSize(u, d)
	u.imm &= 0xFFFF
	u.imm2 &= 0x1F
	u.fn = enter
	return true
}

// enter is ENTER imm16, imm8: push RBP, copy level-1 outer frame pointers, push the new
// frame pointer, RBP = frame, RSP -= imm16. Registers change only if every access succeeds.
func enter(c *CPU, u *uop) *Fault {
	os := u.osize
	ss := c.stackAddrSize()
	m := sizeMask[ss]
	sp := c.GPR[RSP] & m
	bp := c.GPR[RBP] & m
	sp = (sp - uint64(os)) & m
	if f := c.writeStack(sp, os, c.GPR[RBP]); f != nil {
		return f
	}
	frame := sp
	if level := u.imm2; level > 0 {
		for i := uint64(1); i < level; i++ {
			bp = (bp - uint64(os)) & m
			v, f := c.readStack(bp, os)
			if f != nil {
				return f
			}
			sp = (sp - uint64(os)) & m
			if f := c.writeStack(sp, os, v); f != nil {
				return f
			}
		}
		sp = (sp - uint64(os)) & m
		if f := c.writeStack(sp, os, frame); f != nil {
			return f
		}
	}
	sp = (sp - u.imm) & m
	if c.long && !canonical(sp) {
		return c.ss(0)
	}
	c.setReg(RBP, os, frame)
	c.setReg(RSP, ss, sp)
	return nil
}

// leave is LEAVE: RSP = RBP, then pop RBP.
func leave(c *CPU, u *uop) *Fault {
	ss := c.stackAddrSize()
	sp := c.GPR[RSP]
	c.setReg(RSP, ss, c.GPR[RBP])
	v, f := c.pop(u.osize)
	if f != nil {
		c.GPR[RSP] = sp
		return f
	}
	c.setReg(RBP, u.osize, v)
	return nil
}
