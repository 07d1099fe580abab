package cpu

// Segment descriptors and segment-register loads (SDM Vol. 3A ch. 3 and §5.5-5.8).

// Descriptor type values (Attr & attrType) for system descriptors (S=0).
const (
	sysLDT      = 0x2
	sysTSSAvail = 0x9
	sysTSSBusy  = 0xB
	sysCallGate = 0xC
	sysIntGate  = 0xE
	sysTrapGate = 0xF
)

// descAttr extracts Attr (see Segment) from a raw 8-byte descriptor.
func descAttr(d uint64) uint16 {
	return uint16(d>>40)&0xFF | uint16(d>>52&0xF)<<12
}

// descBase extracts the 32-bit base of a raw descriptor.
func descBase(d uint64) uint64 {
	return (d>>16)&0xFFFFFF | (d>>56&0xFF)<<24
}

// descLimit extracts the byte-granular limit of a raw descriptor.
func descLimit(d uint64) uint32 {
	l := uint32(d&0xFFFF) | uint32(d>>48&0xF)<<16
	if d&(1<<55) != 0 {
		l = l<<12 | 0xFFF
	}
	return l
}

func attrDPL(a uint16) uint8 { return uint8(a>>5) & 3 }

func isCode(a uint16) bool { return a&attrS != 0 && a&0x8 != 0 }

// readDesc reads the 8-byte descriptor that selector sel names (GDT or LDT by TI) and
// returns it with its linear address. Beyond the table limit -> #GP(sel).
func (c *CPU) readDesc(sel uint16) (uint64, uint64, *Fault) {
	idx := uint64(sel &^ 7)
	var base, limit uint64
	if sel&4 != 0 {
		if c.LDTR.Selector&^3 == 0 {
			return 0, 0, c.gp(uint32(sel &^ 3))
		}
		base, limit = c.LDTR.Base, uint64(c.LDTR.Limit)
	} else {
		base, limit = c.GDTR.Base, uint64(c.GDTR.Limit)
	}
	if idx+7 > limit {
		return 0, 0, c.gp(uint32(sel &^ 3))
	}
	d, f := c.readSys(base+idx, 8)
	if f != nil {
		return 0, 0, f
	}
	return d, base + idx, nil
}

// readDesc16 reads a 16-byte long-mode system descriptor (TSS, LDT, call gate) and
// returns its low 8 bytes and bits 32..63 of the base.
func (c *CPU) readDesc16(sel uint16) (uint64, uint64, uint64, *Fault) {
	lo, addr, f := c.readDesc(sel)
	if f != nil {
		return 0, 0, 0, f
	}
	if sel&4 == 0 && uint64(sel&^7)+15 > uint64(c.GDTR.Limit) {
		return 0, 0, 0, c.gp(uint32(sel &^ 3))
	}
	hi, f := c.readSys(addr+8, 8)
	if f != nil {
		return 0, 0, 0, f
	}
	return lo, hi & 0xFFFFFFFF, addr, nil
}

// setAccessed sets the accessed bit of the descriptor at addr if it is clear.
func (c *CPU) setAccessed(addr, d uint64) *Fault {
	if d&(1<<40) != 0 {
		return nil
	}
	return c.writeSys(addr+5, 1, (d>>40|1)&0xFF)
}

// segFromDesc builds the hidden part of a segment register.
func segFromDesc(sel uint16, d uint64) Segment {
	return Segment{Selector: sel, Base: descBase(d), Limit: descLimit(d), Attr: descAttr(d) | 1}
}

// loadDataSeg loads DS, ES, FS, GS or SS with selector sel, with the protected-mode checks
// (SDM Vol. 2A "MOV", "POP"): #GP(sel) for wrong types or privileges, #NP(sel) / #SS(sel)
// when not present. A null selector loads an unusable segment (not for SS outside 64-bit
// mode, and in 64-bit mode only at CPL<3 or with RPL=CPL).
func (c *CPU) loadDataSeg(seg uint8, sel uint16) *Fault {
	if c.realMode() {
		c.loadRealSeg(seg, sel)
		return nil
	}
	rpl := uint8(sel & 3)
	if sel&^3 == 0 {
		if seg == SS && (!c.long || c.CPL == 3 || rpl != c.CPL) {
			return c.gp(0)
		}
		// Intel clears the base (AMD keeps it for FS/GS).
		c.Seg[seg] = Segment{Selector: sel}
		return nil
	}
	d, addr, f := c.readDesc(sel)
	if f != nil {
		return f
	}
	a := descAttr(d)
	dpl := attrDPL(a)
	if seg == SS {
		// Writable data segment with RPL = DPL = CPL.
		if a&attrS == 0 || a&0x8 != 0 || a&0x2 == 0 || rpl != c.CPL || dpl != c.CPL {
			return c.gp(uint32(sel &^ 3))
		}
		if a&attrP == 0 {
			return c.ss(uint32(sel &^ 3))
		}
	} else {
		// Data or readable code; for data and non-conforming code, DPL >= max(CPL, RPL).
		if a&attrS == 0 || (a&0x8 != 0 && a&0x2 == 0) {
			return c.gp(uint32(sel &^ 3))
		}
		conforming := a&0xC == 0xC
		if !conforming && (dpl < c.CPL || dpl < rpl) {
			return c.gp(uint32(sel &^ 3))
		}
		if a&attrP == 0 {
			return c.raiseCode(VecNP, uint32(sel&^3))
		}
	}
	if f := c.setAccessed(addr, d); f != nil {
		return f
	}
	s := segFromDesc(sel, d)
	if c.long && (seg == FS || seg == GS) {
		s.Base = uint64(uint32(s.Base))
	}
	c.Seg[seg] = s
	return nil
}

// loadCS installs a code segment for a far transfer whose checks the caller has done,
// at privilege cpl, and updates the decode mode.
func (c *CPU) loadCS(sel uint16, d uint64, cpl uint8) {
	s := segFromDesc(sel&^3|uint16(cpl), d)
	c.Seg[CS] = s
	if c.CPL != cpl {
		c.setCPL(cpl)
	}
	c.updateMode()
}
