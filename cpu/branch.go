package cpu

// Near control transfer: JMP, Jcc, CALL, RET, LOOP/LOOPE/LOOPNE, JCXZ/JECXZ/JRCXZ.
// In 64-bit mode near branches always use 64-bit operands: 66h is ignored (Intel behaviour).

func init() {
	register("JMP", xlateJMP)
	register("CALL", xlateCALL)
	register("RET", xlateRET)
	for cc, name := range []string{"JO", "JNO", "JB", "JAE", "JE", "JNE", "JBE", "JA",
		"JS", "JNS", "JP", "JNP", "JL", "JGE", "JLE", "JG"} {
		cc := uint8(cc)
		register(name, func(u *uop, d *decodeInfo) bool { return xlateJcc(u, d, cc) })
	}
	register("LOOP", xlateLoop)
	register("LOOPE", xlateLoop)
	register("LOOPNE", xlateLoop)
	register("JCXZ", xlateLoop)
	register("JECXZ", xlateLoop)
	register("JRCXZ", xlateLoop)
}

// branchSize fixes the operand size of a near branch: 8 in 64-bit mode, else the decoded size.
func branchSize(u *uop, d *decodeInfo) {
	if d.mode == 64 {
		u.osize = 8
	}
}

func xlateJMP(u *uop, d *decodeInfo) bool {
	branchSize(u, d)
	switch u.kind[0] {
	case kRel:
		u.fn = jmpRel
	case kReg, kMem:
		if d.mode == 64 {
			u.sz[0] = 8
		}
		u.fn = jmpRM
	}
	return u.fn != nil
}

// jmpTarget masks a branch target to the operand size (16/32-bit code).
func (c *CPU) jmpTarget(t uint64, osize uint8) uint64 {
	if osize == 8 {
		return t
	}
	return t & sizeMask[osize]
}

// jmpRel is JMP rel8/rel32.
func jmpRel(c *CPU, u *uop) *Fault {
	t := c.jmpTarget(c.RIP+u.imm, u.osize)
	if c.long && !canonical(t) {
		return c.gp(0)
	}
	c.RIP = t
	return nil
}

// jmpRM is JMP r/m (near absolute indirect).
func jmpRM(c *CPU, u *uop) *Fault {
	t, f := c.readArg(u, 0)
	if f != nil {
		return f
	}
	if c.long && !canonical(t) {
		return c.gp(0)
	}
	c.RIP = t
	return nil
}

func xlateJcc(u *uop, d *decodeInfo, cc uint8) bool {
	if u.kind[0] != kRel {
		return false
	}
	branchSize(u, d)
	u.aux = cc
	switch cc {
	case 4:
		u.fn = jeRel
	case 5:
		u.fn = jneRel
	default:
		u.fn = jccRel
	}
	return true
}

// jccRel is Jcc rel.
func jccRel(c *CPU, u *uop) *Fault {
	if c.cond(u.aux) {
		return jmpRel(c, u)
	}
	return nil
}

// jeRel is JE/JZ rel.
func jeRel(c *CPU, u *uop) *Fault {
	if c.zf() {
		return jmpRel(c, u)
	}
	return nil
}

// jneRel is JNE/JNZ rel.
func jneRel(c *CPU, u *uop) *Fault {
	if !c.zf() {
		return jmpRel(c, u)
	}
	return nil
}

func xlateCALL(u *uop, d *decodeInfo) bool {
	branchSize(u, d)
	switch u.kind[0] {
	case kRel:
		u.fn = callRel
	case kReg, kMem:
		if d.mode == 64 {
			u.sz[0] = 8
		}
		u.fn = callRM
	}
	return u.fn != nil
}

// callRel is CALL rel32.
func callRel(c *CPU, u *uop) *Fault {
	t := c.jmpTarget(c.RIP+u.imm, u.osize)
	if c.long && !canonical(t) {
		return c.gp(0)
	}
	if f := c.push(c.RIP, u.osize); f != nil {
		return f
	}
	c.RIP = t
	return nil
}

// callRM is CALL r/m.
func callRM(c *CPU, u *uop) *Fault {
	t, f := c.readArg(u, 0)
	if f != nil {
		return f
	}
	if c.long && !canonical(t) {
		return c.gp(0)
	}
	if f := c.push(c.RIP, u.osize); f != nil {
		return f
	}
	c.RIP = t
	return nil
}

func xlateRET(u *uop, d *decodeInfo) bool {
	branchSize(u, d)
	if u.kind[0] == kImm {
		u.imm &= 0xFFFF
	} else {
		u.imm = 0
	}
	u.fn = ret
	return true
}

// ret is RET / RET imm16.
func ret(c *CPU, u *uop) *Fault {
	sp := c.GPR[RSP]
	t, f := c.pop(u.osize)
	if f != nil {
		return f
	}
	if c.long && !canonical(t) {
		c.GPR[RSP] = sp
		return c.gp(0)
	}
	c.RIP = c.jmpTarget(t, u.osize)
	if u.imm != 0 {
		ss := c.stackAddrSize()
		c.setReg(RSP, ss, c.GPR[RSP]+u.imm)
	}
	return nil
}

func xlateLoop(u *uop, d *decodeInfo) bool {
	if u.kind[0] != kRel {
		return false
	}
	branchSize(u, d)
	switch d.name {
	case "LOOP":
		u.aux = 0
	case "LOOPE":
		u.aux = 1
	case "LOOPNE":
		u.aux = 2
	default:
		u.aux = 3
	}
	u.fn = loop
	return true
}

// loop is LOOP/LOOPE/LOOPNE/JrCXZ; the counter width is the address size.
func loop(c *CPU, u *uop) *Fault {
	n := c.reg(RCX, u.asize)
	if u.aux == 3 {
		if n == 0 {
			return jmpRel(c, u)
		}
		return nil
	}
	n = (n - 1) & sizeMask[u.asize]
	c.setReg(RCX, u.asize, n)
	take := n != 0
	switch u.aux {
	case 1:
		take = take && c.zf()
	case 2:
		take = take && !c.zf()
	}
	if take {
		return jmpRel(c, u)
	}
	return nil
}
