package cpu

// Far control transfers and privilege changes: far JMP/CALL/RET, IRET, INT n/INT3/INTO/
// INT1, SYSCALL/SYSRET (SDM Vol. 2 instruction pages, Vol. 3A ch. 5-6).
// 64-bit call gates work in IA-32e mode; task switches and 32-bit call gates are not
// supported (#GP(selector)).

func init() {
	register("LJMP", xlateFar)
	register("LCALL", xlateFar)
	register("LRET", func(u *uop, d *decodeInfo) bool {
		u.imm &= 0xFFFF
		if u.kind[0] != kImm {
			u.imm = 0
		}
		u.fn = lret
		return true
	})
	for _, n := range []string{"IRET", "IRETD", "IRETQ"} {
		register(n, func(u *uop, d *decodeInfo) bool { u.fn = iret; return true })
	}
	register("INT", func(u *uop, d *decodeInfo) bool {
		u.imm &= 0xFF
		u.fn = intn
		return true
	})
	register("INTO", func(u *uop, d *decodeInfo) bool {
		if d.mode == 64 {
			return false
		}
		u.fn = into
		return true
	})
	register("ICEBP", func(u *uop, d *decodeInfo) bool { u.fn = int1; return true })
	register("SYSCALL", func(u *uop, d *decodeInfo) bool { u.fn = syscallInsn; return true })
	register("SYSRET", func(u *uop, d *decodeInfo) bool { u.fn = sysret; return true })
}

func xlateFar(u *uop, d *decodeInfo) bool {
	if d.name == "LCALL" {
		u.aux = 1
	}
	switch {
	case u.kind[0] == kImm && u.kind[1] == kImm: // ptr16:16/32: selector, offset
		u.imm, u.imm2 = u.imm&0xFFFF, u.imm2&sizeMask[u.osize]
		u.fn = farPtr
	case u.kind[0] == kMem: // m16:16/32/64: offset, then selector
		u.fn = farMem
	default:
		return false
	}
	return true
}

// farPtr is JMP/CALL ptr16:32.
func farPtr(c *CPU, u *uop) *Fault {
	return c.farTransfer(uint16(u.imm), u.imm2, u.osize, u.aux == 1)
}

// farMem is JMP/CALL m16:xx.
func farMem(c *CPU, u *uop) *Fault {
	a := c.ea(u)
	off, f := c.read(a, u.osize)
	if f != nil {
		return f
	}
	sel, f := c.read(a+uint64(u.osize), 2)
	if f != nil {
		return f
	}
	return c.farTransfer(uint16(sel), off, u.osize, u.aux == 1)
}

// checkCodeTarget validates a code-segment descriptor for a same-privilege far JMP/CALL.
func (c *CPU) checkCodeTarget(sel uint16) (uint64, uint64, *Fault) {
	if sel&^3 == 0 {
		return 0, 0, c.gp(0)
	}
	d, addr, f := c.readDesc(sel)
	if f != nil {
		return 0, 0, f
	}
	a := descAttr(d)
	dpl := attrDPL(a)
	if !isCode(a) {
		return 0, 0, c.gp(uint32(sel &^ 3)) // call gates, TSS, task gates, data
	}
	if a&0x4 != 0 { // conforming
		if dpl > c.CPL {
			return 0, 0, c.gp(uint32(sel &^ 3))
		}
	} else if uint8(sel&3) > c.CPL || dpl != c.CPL {
		return 0, 0, c.gp(uint32(sel &^ 3))
	}
	if a&attrP == 0 {
		return 0, 0, c.raiseCode(VecNP, uint32(sel&^3))
	}
	if c.EFER&EFERLMA != 0 && a&attrL != 0 && a&attrDB != 0 {
		return 0, 0, c.gp(uint32(sel &^ 3))
	}
	return d, addr, nil
}

// checkOffset checks a far-transfer target offset against the new code segment.
func (c *CPU) checkOffset(d uint64, off uint64) *Fault {
	if c.EFER&EFERLMA != 0 && descAttr(d)&attrL != 0 {
		if !canonical(off) {
			return c.gp(0)
		}
		return nil
	}
	if off > uint64(descLimit(d)) {
		return c.gp(0)
	}
	return nil
}

// farTransfer is far JMP (call=false) or CALL to sel:off.
func (c *CPU) farTransfer(sel uint16, off uint64, osize uint8, call bool) *Fault {
	if c.realMode() {
		return c.farReal(sel, off, osize, call)
	}
	if sel&^3 != 0 && c.EFER&EFERLMA != 0 {
		if d, _, f := c.readDesc(sel); f == nil && descAttr(d)&(attrS|attrType) == sysCallGate {
			return c.callGate(sel, call)
		}
	}
	d, addr, f := c.checkCodeTarget(sel)
	if f != nil {
		return f
	}
	if descAttr(d)&attrL == 0 || c.EFER&EFERLMA == 0 {
		off &= 0xFFFFFFFF
	}
	if f := c.checkOffset(d, off); f != nil {
		return f
	}
	if call {
		sp := c.GPR[RSP]
		if f := c.push(uint64(c.Seg[CS].Selector), osize); f != nil {
			return f
		}
		if f := c.push(c.RIP, osize); f != nil {
			c.GPR[RSP] = sp
			return f
		}
	}
	if f := c.setAccessed(addr, d); f != nil {
		return f
	}
	c.loadCS(sel, d, c.CPL)
	c.RIP = off
	return nil
}

// callGate is a far CALL or JMP through a 64-bit call gate (SDM Vol. 3A §5.8.3.1, §5.8.6).
// CALL to a more privileged non-conforming segment switches to the TSS stack for the
// new CPL (SS = null selector) and pushes the caller's SS, RSP, CS and RIP.
func (c *CPU) callGate(gsel uint16, call bool) *Fault {
	lo, hi, _, f := c.readDesc16(gsel)
	if f != nil {
		return f
	}
	ga := descAttr(lo)
	gdpl := attrDPL(ga)
	if gdpl < c.CPL || gdpl < uint8(gsel&3) {
		return c.gp(uint32(gsel &^ 3))
	}
	if ga&attrP == 0 {
		return c.raiseCode(VecNP, uint32(gsel&^3))
	}
	sel := uint16(lo >> 16)
	target := lo&0xFFFF | (lo>>48&0xFFFF)<<16 | hi<<32
	if sel&^3 == 0 {
		return c.gp(0)
	}
	d, addr, f := c.readDesc(sel)
	if f != nil {
		return f
	}
	a := descAttr(d)
	dpl := attrDPL(a)
	if !isCode(a) || a&attrL == 0 || a&attrDB != 0 || dpl > c.CPL {
		return c.gp(uint32(sel &^ 3))
	}
	conforming := a&0x4 != 0
	if !call && !conforming && dpl != c.CPL {
		return c.gp(uint32(sel &^ 3))
	}
	if a&attrP == 0 {
		return c.raiseCode(VecNP, uint32(sel&^3))
	}
	if !canonical(target) {
		return c.gp(0)
	}
	if !call {
		if f := c.setAccessed(addr, d); f != nil {
			return f
		}
		c.loadCS(sel, d, c.CPL)
		c.RIP = target
		return nil
	}
	newCPL := c.CPL
	if !conforming {
		newCPL = dpl
	}
	var frame [32]byte
	putU64(frame[0:], c.RIP)
	putU64(frame[8:], uint64(c.Seg[CS].Selector))
	rsp, n := c.GPR[RSP], 16
	if newCPL < c.CPL {
		v, f := c.readSys(c.TR.Base+4+8*uint64(newCPL), 8)
		if f != nil {
			return f
		}
		putU64(frame[16:], c.GPR[RSP])
		putU64(frame[24:], uint64(c.Seg[SS].Selector))
		rsp, n = v, 32
	}
	if !canonical(rsp) || !canonical(rsp-uint64(n)) {
		return c.ss(0)
	}
	if f := c.writeFrame(rsp-uint64(n), frame[:n], newCPL); f != nil {
		return f
	}
	if f := c.setAccessed(addr, d); f != nil {
		return f
	}
	if newCPL < c.CPL {
		c.Seg[SS] = Segment{Selector: uint16(newCPL), Attr: attrP | attrS | 0x3 | uint16(newCPL)<<5}
	}
	c.GPR[RSP] = rsp - uint64(n)
	c.loadCS(sel, d, newCPL)
	c.RIP = target
	return nil
}

// returnCS validates the code segment popped by RET far / IRET and returns its descriptor.
func (c *CPU) returnCS(sel uint16) (uint64, *Fault) {
	rpl := uint8(sel & 3)
	if sel&^3 == 0 {
		return 0, c.gp(0)
	}
	if rpl < c.CPL {
		return 0, c.gp(uint32(sel &^ 3))
	}
	d, _, f := c.readDesc(sel)
	if f != nil {
		return 0, f
	}
	a := descAttr(d)
	if !isCode(a) {
		return 0, c.gp(uint32(sel &^ 3))
	}
	if a&0x4 != 0 {
		if attrDPL(a) > rpl {
			return 0, c.gp(uint32(sel &^ 3))
		}
	} else if attrDPL(a) != rpl {
		return 0, c.gp(uint32(sel &^ 3))
	}
	if a&attrP == 0 {
		return 0, c.raiseCode(VecNP, uint32(sel&^3))
	}
	if c.EFER&EFERLMA != 0 && a&attrL != 0 && a&attrDB != 0 {
		return 0, c.gp(uint32(sel &^ 3))
	}
	return d, nil
}

// returnSS validates the stack segment for a return to privilege cpl. In 64-bit mode a
// null SS is allowed for CPL < 3 when the target is 64-bit code.
func (c *CPU) returnSS(sel uint16, cpl uint8, target64 bool) (Segment, *Fault) {
	if sel&^3 == 0 {
		if c.EFER&EFERLMA != 0 && target64 && cpl < 3 && uint8(sel&3) == cpl {
			return Segment{Selector: sel, Attr: attrP | attrS | 0x3 | uint16(cpl)<<5 | attrDB}, nil
		}
		return Segment{}, c.gp(0)
	}
	if uint8(sel&3) != cpl {
		return Segment{}, c.gp(uint32(sel &^ 3))
	}
	d, addr, f := c.readDesc(sel)
	if f != nil {
		return Segment{}, f
	}
	a := descAttr(d)
	if a&attrS == 0 || a&0x8 != 0 || a&0x2 == 0 || attrDPL(a) != cpl {
		return Segment{}, c.gp(uint32(sel &^ 3))
	}
	if a&attrP == 0 {
		return Segment{}, c.ss(uint32(sel &^ 3))
	}
	if f := c.setAccessed(addr, d); f != nil {
		return Segment{}, f
	}
	return segFromDesc(sel, d), nil
}

// nullOuterSegs nulls data segment registers not accessible at the new (outer) CPL
// (SDM Vol. 2A "RET", "IRET": DPL < CPL for data or non-conforming code).
func (c *CPU) nullOuterSegs() {
	for _, s := range [...]uint8{ES, DS, FS, GS} {
		a := c.Seg[s].Attr
		if a&attrP == 0 {
			continue
		}
		if attrDPL(a) < c.CPL && !(isCode(a) && a&0x4 != 0) {
			base := c.Seg[s].Base
			c.Seg[s] = Segment{}
			if c.long && (s == FS || s == GS) {
				c.Seg[s].Base = base // the 64-bit bases survive (they are MSRs)
			}
		}
	}
}

// lret is RET far [imm16].
func lret(c *CPU, u *uop) *Fault {
	sz := u.osize
	if c.realMode() {
		return c.lretReal(sz, u.imm)
	}
	sp := c.GPR[RSP]
	ss := c.stackAddrSize()
	off, f := c.readStack(sp&sizeMask[ss], sz)
	if f != nil {
		return f
	}
	selv, f := c.readStack((sp+uint64(sz))&sizeMask[ss], sz)
	if f != nil {
		return f
	}
	sel := uint16(selv)
	d, f := c.returnCS(sel)
	if f != nil {
		return f
	}
	newCPL := uint8(sel & 3)
	target64 := c.EFER&EFERLMA != 0 && descAttr(d)&attrL != 0
	if !target64 {
		off &= 0xFFFFFFFF
	}
	if f := c.checkOffset(d, off); f != nil {
		return f
	}
	nsp := sp + 2*uint64(sz) + u.imm
	if newCPL == c.CPL {
		c.setReg(RSP, ss, nsp)
		c.loadCS(sel, d, newCPL)
		c.RIP = off
		return nil
	}
	// Return to an outer privilege level: pop SS:RSP too.
	rsp, f := c.readStack(nsp&sizeMask[ss], sz)
	if f != nil {
		return f
	}
	ssv, f := c.readStack((nsp+uint64(sz))&sizeMask[ss], sz)
	if f != nil {
		return f
	}
	newSS, f := c.returnSS(uint16(ssv), newCPL, target64)
	if f != nil {
		return f
	}
	c.loadCS(sel, d, newCPL)
	c.Seg[SS] = newSS
	if c.long || newSS.Attr&attrDB != 0 {
		c.GPR[RSP] = rsp + u.imm
		if !c.long {
			c.GPR[RSP] &= 0xFFFFFFFF
		}
	} else {
		c.setReg(RSP, 2, rsp+u.imm)
	}
	c.RIP = off
	c.nullOuterSegs()
	return nil
}

// popFlagsMask returns the RFLAGS bits POPF/IRET may change at the current privilege.
func (c *CPU) popFlagsMask() uint64 {
	m := uint64(FlagCF | FlagPF | FlagAF | FlagZF | FlagSF | FlagTF | FlagDF | FlagOF | FlagNT | FlagAC | FlagID)
	iopl := uint8(c.RFLAGS>>12) & 3
	if c.CPL == 0 {
		m |= FlagIOPL | FlagIF
	} else if c.CPL <= iopl {
		m |= FlagIF
	}
	return m
}

// iret is IRET/IRETD/IRETQ (protected and IA-32e mode; no task return, no virtual-8086).
func iret(c *CPU, u *uop) *Fault {
	sz := u.osize
	if c.realMode() {
		return c.iretReal(sz)
	}
	if c.RFLAGS&FlagNT != 0 {
		return c.gp(0) // task return (and NT in IA-32e mode) is not supported
	}
	ss := c.stackAddrSize()
	sp := c.GPR[RSP]
	at := func(i uint64) (uint64, *Fault) { return c.readStack((sp+i*uint64(sz))&sizeMask[ss], sz) }
	rip, f := at(0)
	if f != nil {
		return f
	}
	csv, f := at(1)
	if f != nil {
		return f
	}
	fl, f := at(2)
	if f != nil {
		return f
	}
	sel := uint16(csv)
	d, f := c.returnCS(sel)
	if f != nil {
		return f
	}
	newCPL := uint8(sel & 3)
	target64 := c.EFER&EFERLMA != 0 && descAttr(d)&attrL != 0
	if !target64 {
		rip &= 0xFFFFFFFF
	}
	if f := c.checkOffset(d, rip); f != nil {
		return f
	}
	// IA-32e mode pops SS:RSP unconditionally from 64-bit mode; protected mode only on a
	// privilege change.
	popSS := newCPL != c.CPL || c.long
	var newSS Segment
	var rsp uint64
	if popSS {
		if rsp, f = at(3); f != nil {
			return f
		}
		ssv, f := at(4)
		if f != nil {
			return f
		}
		if newSS, f = c.returnSS(uint16(ssv), newCPL, target64); f != nil {
			return f
		}
	}
	// Commit: flags are checked against the old CPL.
	mask := c.popFlagsMask() | FlagRF
	if sz == 2 {
		mask &= 0xFFFF
	}
	nf := c.Flags()&^mask | fl&mask
	if !c.dr.exec[0] && !c.dr.exec[1] && !c.dr.exec[2] && !c.dr.exec[3] {
		nf &^= FlagRF // RF only matters to instruction breakpoints; it clears after one instruction
	}
	oldCPL := c.CPL
	c.loadCS(sel, d, newCPL)
	if popSS {
		c.Seg[SS] = newSS
		if c.long || newSS.Attr&attrDB != 0 {
			c.GPR[RSP] = rsp
			if !c.long {
				c.GPR[RSP] &= 0xFFFFFFFF
			}
		} else {
			c.setReg(RSP, 2, rsp)
		}
	} else {
		c.setReg(RSP, ss, sp+3*uint64(sz))
	}
	c.RIP = rip
	c.NMIBlocked = false
	c.writeFlagsRaw(nf)
	if newCPL > oldCPL {
		c.nullOuterSegs()
	}
	return nil
}

// intn is INT imm8 (and INT3, which x86asm reports as INT 3).
func intn(c *CPU, u *uop) *Fault {
	c.noTrap = true
	return c.deliverEvent(uint8(u.imm), 0, false, evSoftware)
}

// into is INTO: #OF trap when OF=1 (not valid in 64-bit mode).
func into(c *CPU, u *uop) *Fault {
	if c.of() {
		c.noTrap = true
		return c.deliverEvent(VecOF, 0, false, evSoftware)
	}
	return nil
}

// int1 is INT1/ICEBP (F1): a #DB trap without the gate-DPL check. A data
// breakpoint trap held back by a MOV SS / POP SS shadow is reported by this
// #DB (its B bits in DR6) rather than by a second one in the handler.
func int1(c *CPU, u *uop) *Fault {
	c.noTrap = true
	if c.dr.trap != 0 {
		c.DR[6] = c.DR[6]&^0xF | c.dr.trap
		c.dr.trap = 0
		c.clrPending(pendDBTrap)
	}
	return c.deliverEvent(VecDB, 0, false, evTrap)
}

// syscallInsn is SYSCALL (SDM Vol. 2B): 64-bit mode only on Intel; AMD CPUs also run it
// in compatibility and legacy mode (syscallAMD).
func syscallInsn(c *CPU, u *uop) *Fault {
	if c.EFER&EFERSCE == 0 {
		return c.ud()
	}
	if !c.long {
		if c.cfg.Vendor == VendorAMD && c.Seg[CS].Attr&attrDB != 0 {
			return c.syscallAMD()
		}
		return c.ud()
	}
	fl := c.Flags()
	c.GPR[RCX] = c.RIP
	c.GPR[R11] = fl &^ FlagRF
	sel := uint16(c.STAR>>32) & 0xFFFC
	c.Seg[CS] = Segment{Selector: sel, Limit: 0xFFFFFFFF, Attr: attrP | attrS | 0xB | attrL | attrG}
	c.Seg[SS] = Segment{Selector: sel + 8, Limit: 0xFFFFFFFF, Attr: attrP | attrS | 0x3 | attrDB | attrG}
	c.enterLong64(0)
	c.RIP = c.LSTAR
	c.writeFlagsRaw(fl &^ (c.FMASK | FlagRF))
	return nil
}

// enterLong64 is setCPL(cpl) and updateMode for SYSCALL and SYSRETQ, which go from 64-bit
// mode to 64-bit code (CS.L set) and write RFLAGS after it: the mode, the instruction
// pointer's mask and the code base stay as they are, and writeFlagsRaw recomputes the
// alignment check that depends on the privilege level.
func (c *CPU) enterLong64(cpl uint8) {
	c.CPL = cpl
	c.user = cpl == 3
	c.resync()
}

// sysret is SYSRET / SYSRETQ: return to CPL 3.
func sysret(c *CPU, u *uop) *Fault {
	if c.EFER&EFERSCE == 0 || !c.long {
		return c.ud()
	}
	if c.CPL != 0 {
		return c.gp(0)
	}
	base := uint16(c.STAR >> 48)
	var cs Segment
	var rip uint64
	if u.osize == 8 {
		rip = c.GPR[RCX]
		if !canonical(rip) {
			return c.gp(0) // Intel raises #GP in ring 0 here
		}
		cs = Segment{Selector: (base + 16) | 3, Limit: 0xFFFFFFFF, Attr: attrP | attrS | 0xB | 3<<5 | attrL | attrG}
	} else {
		rip = c.GPR[RCX] & 0xFFFFFFFF
		cs = Segment{Selector: base | 3, Limit: 0xFFFFFFFF, Attr: attrP | attrS | 0xB | 3<<5 | attrDB | attrG}
	}
	fl := c.GPR[R11]&0x3C7FD7 | flagRsv1
	c.Seg[CS] = cs
	c.Seg[SS] = Segment{Selector: (base + 8) | 3, Limit: 0xFFFFFFFF, Attr: attrP | attrS | 0x3 | 3<<5 | attrDB | attrG}
	if u.osize == 8 {
		c.enterLong64(3)
	} else {
		c.setCPL(3)
		c.updateMode()
	}
	c.RIP = rip
	c.writeFlagsRaw(fl)
	return nil
}
