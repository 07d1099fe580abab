package cpu

// Real-address mode (CR0.PE=0, SDM Vol. 3A ch. 20 and the "Real-Address Mode Operation"
// sections of the Vol. 2 instruction pages): segment registers hold a selector whose value
// times 16 is the base, interrupts and exceptions go through the interrupt vector table
// (4-byte IP:CS entries at IDTR.base), far transfers take the selector as a paragraph.
//
// A segment load in real mode changes only the selector and the base; the limit and the
// attributes of the hidden part stay as they were, which is how "big real" (unreal) mode
// works: load a 4 GiB data segment in protected mode, clear PE, and 32-bit addresses
// (67h) keep reaching all of memory. QEMU behaves the same way. The code segment's D bit
// survives too, so code that clears PE from a 32-bit segment keeps running 32-bit code
// until it reloads CS from protected mode. Segment limits are not checked (as in QEMU's
// TCG): an offset beyond 64 KiB reaches memory instead of raising #GP.
//
// INIT and SIPI (for the machine's application processors): InitReset puts the CPU in
// the wait-for-SIPI state with the INIT register values, StartupIPI starts it in real
// mode at CS = vector<<8, IP = 0.

// realMode reports whether the CPU is in real-address mode.
func (c *CPU) realMode() bool { return c.CR0&CR0PE == 0 }

// RealMode reports whether the CPU is in real-address mode (CR0.PE=0).
func (c *CPU) RealMode() bool { return c.realMode() }

// loadRealSeg is a segment-register load in real mode: selector and base only.
func (c *CPU) loadRealSeg(seg uint8, sel uint16) {
	s := &c.Seg[seg%6]
	s.Selector = sel
	s.Base = uint64(sel) << 4
	if s.Attr&attrP == 0 {
		// A segment left unusable by a null selector in protected mode becomes a usable
		// read/write data segment again.
		s.Attr = attrP | attrS | 0x3
		s.Limit = 0xFFFF
	}
}

// loadRealCS loads CS in real mode (far transfers, interrupt delivery, IRET).
func (c *CPU) loadRealCS(sel uint16) {
	c.Seg[CS].Selector = sel
	c.Seg[CS].Base = uint64(sel) << 4
	c.updateMode()
}

// farReal is a far JMP (call=false) or CALL to sel:off in real mode.
func (c *CPU) farReal(sel uint16, off uint64, osize uint8, call bool) *Fault {
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
	c.loadRealCS(sel)
	c.RIP = off & sizeMask[osize]
	return nil
}

// lretReal is RET far [imm16] in real mode: pops IP and CS.
func (c *CPU) lretReal(sz uint8, imm uint64) *Fault {
	sp := c.GPR[RSP]
	ss := c.stackAddrSize()
	off, f := c.readStack(sp&sizeMask[ss], sz)
	if f != nil {
		return f
	}
	sel, f := c.readStack((sp+uint64(sz))&sizeMask[ss], sz)
	if f != nil {
		return f
	}
	c.setReg(RSP, ss, sp+2*uint64(sz)+imm)
	c.loadRealCS(uint16(sel))
	c.RIP = off & sizeMask[sz]
	return nil
}

// iretReal is IRET/IRETD in real mode: pops IP, CS and FLAGS (SDM Vol. 2A "IRET":
// a 32-bit IRET leaves VM, VIF and VIP as they are).
func (c *CPU) iretReal(sz uint8) *Fault {
	sp := c.GPR[RSP]
	ss := c.stackAddrSize()
	var v [3]uint64
	for i := range v {
		x, f := c.readStack((sp+uint64(i)*uint64(sz))&sizeMask[ss], sz)
		if f != nil {
			return f
		}
		v[i] = x
	}
	old := c.Flags()
	var nf uint64
	if sz == 2 {
		nf = old&^0xFFFF | v[2]&0xFFFF
	} else {
		nf = old&(FlagVM|FlagVIF|FlagVIP) | v[2]&0x257FD5
	}
	nf = nf&^uint64(0x8028) | flagRsv1 // reserved bits 3, 5, 15 read 0, bit 1 reads 1
	c.setReg(RSP, ss, sp+3*uint64(sz))
	c.loadRealCS(uint16(v[1]))
	c.RIP = v[0] & sizeMask[sz]
	c.NMIBlocked = false
	c.writeFlagsRaw(nf)
	c.updateAC()
	return nil
}

// deliverReal delivers vector vec through the interrupt vector table (SDM Vol. 3A §20.1.4):
// FLAGS, CS and IP are pushed as 16-bit values, IF, TF, AC and RF are cleared, and CS:IP
// comes from the 4-byte entry at IDTR.base + 4*vec. Real mode pushes no error code.
func (c *CPU) deliverReal(vec uint8) *Fault {
	off := uint64(vec) * 4
	if off+3 > uint64(c.IDTR.Limit) {
		return c.gp(0)
	}
	ent, f := c.readSys(uint64(uint32(c.IDTR.Base+off)), 4)
	if f != nil {
		return f
	}
	fl := c.Flags()
	sp := c.GPR[RSP]
	for _, v := range [...]uint64{fl, uint64(c.Seg[CS].Selector), c.RIP} {
		if f := c.push(v, 2); f != nil {
			c.GPR[RSP] = sp
			if f.Vector == VecGP || f.Vector == VecPF {
				f.Vector = VecSS
			}
			return f
		}
	}
	c.loadRealCS(uint16(ent >> 16))
	c.RIP = ent & 0xFFFF
	c.writeFlagsRaw(fl &^ (FlagIF | FlagTF | FlagAC | FlagRF))
	c.updateAC()
	return nil
}

// InitReset is the INIT signal (SDM Vol. 3A §9.1.1, Table 9-1): the registers take their
// INIT values (real mode, CS:IP = F000:FFF0 with base FFFF0000, EDX = the processor
// signature), the x87, SSE and MXCSR state and the clock are kept, and the processor
// waits for a start-up IPI.
func (c *CPU) InitReset() {
	keep := c.State
	c.Reset()
	c.XMM, c.MXCSR, c.FCW, c.FSW, c.FTW, c.FPR = keep.XMM, keep.MXCSR, keep.FCW, keep.FSW, keep.FTW, keep.FPR
	c.Instret, c.RandState, c.TSCOffset = keep.Instret, keep.RandState, keep.TSCOffset
	c.CR0 = keep.CR0&(CR0CD|CR0NW) | CR0ET
	for i := range c.Seg {
		c.Seg[i] = Segment{Limit: 0xFFFF, Attr: attrP | attrS | 0x3}
	}
	c.Seg[CS] = Segment{Selector: 0xF000, Base: 0xFFFF0000, Limit: 0xFFFF, Attr: attrP | attrS | 0xB}
	c.RIP = 0xFFF0
	c.GPR[RDX] = uint64(cpuidSignature)
	c.LDTR = Segment{Limit: 0xFFFF, Attr: attrP | sysLDT}
	c.TR = Segment{Limit: 0xFFFF, Attr: attrP | sysTSSBusy}
	c.WaitSIPI = true
	c.Halted = true
	c.afterStateLoad()
}

// StartupIPI is a start-up IPI: a processor waiting for one starts in real mode at
// CS = vector<<8 (base vector<<12), IP = 0. It reports whether the processor started
// (a processor that is not waiting ignores the IPI).
func (c *CPU) StartupIPI(vector uint8) bool {
	if !c.WaitSIPI {
		return false
	}
	c.WaitSIPI = false
	c.Halted = false
	c.Seg[CS] = Segment{Selector: uint16(vector) << 8, Base: uint64(vector) << 12, Limit: 0xFFFF, Attr: attrP | attrS | 0xB}
	c.RIP = 0
	c.afterStateLoad()
	return true
}
