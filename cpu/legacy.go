package cpu

// Far-pointer loads (LDS/LES/LFS/LGS/LSS) and the 32-bit-only legacy integer
// instructions: PUSHA/PUSHAD, POPA/POPAD, BOUND and the BCD adjustments DAA, DAS, AAA,
// AAS, AAM, AAD (SDM Vol. 2A/2B). x86asm does not decode the 32-bit-only ones in 64-bit
// mode (they #UD there, as on hardware).

func init() {
	for _, n := range []string{"LDS", "LES", "LFS", "LGS", "LSS"} {
		register(n, xlateLoadFar)
	}
	for _, n := range []string{"PUSHA", "PUSHAD"} {
		register(n, func(u *uop, d *decodeInfo) bool { u.fn = pusha; return d.mode != 64 })
	}
	for _, n := range []string{"POPA", "POPAD"} {
		register(n, func(u *uop, d *decodeInfo) bool { u.fn = popa; return d.mode != 64 })
	}
	register("BOUND", func(u *uop, d *decodeInfo) bool {
		u.fn = bound
		return d.mode != 64 && u.kind[0] == kReg && u.kind[1] == kMem
	})
	reg32 := func(name string, fn handler) {
		register(name, func(u *uop, d *decodeInfo) bool {
			u.fn = fn
			u.imm &= 0xFF
			return d.mode != 64
		})
	}
	reg32("DAA", daa)
	reg32("DAS", das)
	reg32("AAA", aaa)
	reg32("AAS", aas)
	reg32("AAM", aam)
	reg32("AAD", aad)
}

func xlateLoadFar(u *uop, d *decodeInfo) bool {
	if u.nargs != 2 || u.kind[0] != kReg || u.kind[1] != kMem {
		return false
	}
	switch d.name {
	case "LDS":
		u.aux = DS
	case "LES":
		u.aux = ES
	case "LFS":
		u.aux = FS
	case "LGS":
		u.aux = GS
	default:
		u.aux = SS
	}
	u.fn = loadFar
	return true
}

// loadFar is LxS r, m16:16/32/64: the offset (operand size) then the selector.
func loadFar(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	addr := c.ea(u)
	off, f := c.read(addr, s)
	if f != nil {
		return f
	}
	sel, f := c.read(c.linearAdd(addr, uint64(s)), 2)
	if f != nil {
		return f
	}
	if f := c.loadDataSeg(u.aux, uint16(sel)); f != nil {
		return f
	}
	c.setReg(u.r[0], s, off)
	return nil
}

// linearAdd returns the linear address n bytes after the memory operand at addr
// (wrapping at 4 GiB outside 64-bit mode).
func (c *CPU) linearAdd(addr, n uint64) uint64 {
	if c.long {
		return addr + n
	}
	return uint64(uint32(addr + n))
}

// pusha is PUSHA/PUSHAD: AX/EAX, CX, DX, BX, the original SP, BP, SI, DI.
func pusha(c *CPU, u *uop) *Fault {
	s := u.osize
	ss := c.stackAddrSize()
	m := sizeMask[ss]
	sp := c.GPR[RSP] & m
	for i := uint8(0); i < 8; i++ {
		sp = (sp - uint64(s)) & m
		if f := c.writeStack(sp, s, c.GPR[i]); f != nil {
			return f
		}
	}
	c.setReg(RSP, ss, sp)
	return nil
}

// popa is POPA/POPAD: DI, SI, BP, (SP skipped), BX, DX, CX, AX.
func popa(c *CPU, u *uop) *Fault {
	s := u.osize
	ss := c.stackAddrSize()
	m := sizeMask[ss]
	sp := c.GPR[RSP] & m
	var v [8]uint64
	for i := 7; i >= 0; i-- {
		x, f := c.readStack(sp, s)
		if f != nil {
			return f
		}
		v[i] = x
		sp = (sp + uint64(s)) & m
	}
	for i := uint8(0); i < 8; i++ {
		if i != RSP {
			c.setReg(i, s, v[i])
		}
	}
	c.setReg(RSP, ss, sp)
	return nil
}

// bound is BOUND r, m: #BR unless lower <= r <= upper (signed; the bounds are the two
// operand-size words at m).
func bound(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	addr := c.ea(u)
	lo, f := c.read(addr, s)
	if f != nil {
		return f
	}
	hi, f := c.read(c.linearAdd(addr, uint64(s)), s)
	if f != nil {
		return f
	}
	v := int64(signExt(c.reg(u.r[0], s), s))
	if v < int64(signExt(lo, s)) || v > int64(signExt(hi, s)) {
		return c.raise(VecBR)
	}
	return nil
}

// daa is DAA: decimal adjust AL after addition.
func daa(c *CPU, u *uop) *Fault {
	al := c.GPR[RAX] & 0xFF
	oldAL, oldCF := al, c.cf()
	cf, af := false, false
	if al&0xF > 9 || c.af() {
		cf = oldCF || al > 0xF9
		al = (al + 6) & 0xFF
		af = true
	}
	if oldAL > 0x99 || oldCF {
		al = (al + 0x60) & 0xFF
		cf = true
	} else {
		cf = false
	}
	c.setReg(RAX, 1, al)
	c.setFlagsCO(al, 1, cf, false, af)
	return nil
}

// das is DAS: decimal adjust AL after subtraction.
func das(c *CPU, u *uop) *Fault {
	al := c.GPR[RAX] & 0xFF
	oldAL, oldCF := al, c.cf()
	cf, af := false, false
	if al&0xF > 9 || c.af() {
		cf = oldCF || al < 6
		al = (al - 6) & 0xFF
		af = true
	}
	if oldAL > 0x99 || oldCF {
		al = (al - 0x60) & 0xFF
		cf = true
	}
	c.setReg(RAX, 1, al)
	c.setFlagsCO(al, 1, cf, false, af)
	return nil
}

// aaa is AAA: ASCII adjust after addition.
func aaa(c *CPU, u *uop) *Fault {
	ax := c.GPR[RAX] & 0xFFFF
	adj := ax&0xF > 9 || c.af()
	if adj {
		ax += 0x106
	}
	ax &^= 0xF0
	c.setReg(RAX, 2, ax)
	c.setFlagsCO(ax&0xFF, 1, adj, false, adj)
	return nil
}

// aas is AAS: ASCII adjust after subtraction.
func aas(c *CPU, u *uop) *Fault {
	ax := c.GPR[RAX] & 0xFFFF
	adj := ax&0xF > 9 || c.af()
	if adj {
		// SDM: AX = AX - 6 (a borrow out of AL reaches AH), then AH = AH - 1.
		ax = (ax - 6) & 0xFFFF
		ax = ax&0xFF | ((ax>>8-1)&0xFF)<<8
	}
	ax &^= 0xF0
	c.setReg(RAX, 2, ax)
	c.setFlagsCO(ax&0xFF, 1, adj, false, adj)
	return nil
}

// aam is AAM imm8: AH = AL / imm8, AL = AL mod imm8 (#DE when imm8 is 0).
func aam(c *CPU, u *uop) *Fault {
	if u.imm == 0 {
		return c.de()
	}
	al := c.GPR[RAX] & 0xFF
	r := al % u.imm
	c.setReg(RAX, 2, (al/u.imm)<<8|r)
	c.setFlagsLogic(r, 1)
	return nil
}

// aad is AAD imm8: AL = AL + AH*imm8, AH = 0.
func aad(c *CPU, u *uop) *Fault {
	ax := c.GPR[RAX]
	al := (ax&0xFF + (ax>>8&0xFF)*u.imm) & 0xFF
	c.setReg(RAX, 2, al)
	c.setFlagsLogic(al, 1)
	return nil
}
