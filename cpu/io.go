package cpu

// Port I/O: IN, OUT, INS, OUTS (with REP). Access is allowed when CPL <= IOPL, else
// through the TSS I/O permission bitmap (SDM Vol. 1 §19.5). An OUT that reaches a device
// ends the Run slice after the instruction so the machine can recompute device deadlines;
// one to a port no device decodes (the Bus says so through PortDecoder) changes nothing
// outside the CPU and does not.

import "github.com/kppemu/kppemu/mmu"

func init() {
	register("IN", xlateIO)
	register("OUT", xlateIO)
	for _, n := range []string{"INSB", "INSW", "INSD"} {
		register(n, xlateStrIO)
	}
	for _, n := range []string{"OUTSB", "OUTSW", "OUTSD"} {
		register(n, xlateStrIO)
	}
}

func xlateIO(u *uop, d *decodeInfo) bool {
	in := d.name == "IN"
	data, port := 0, 1
	if !in {
		data, port = 1, 0
	}
	if u.kind[data] != kReg {
		return false
	}
	u.osize = u.sz[data]
	switch u.kind[port] {
	case kImm:
		u.imm &= 0xFF
		u.aux = 0
	case kReg:
		u.aux = 1 // DX
	default:
		return false
	}
	if in {
		u.fn = in_
	} else {
		u.fn = out
	}
	return true
}

// ioAllowed checks I/O privilege for size bytes at port.
func (c *CPU) ioAllowed(port uint16, size uint8) *Fault {
	if c.CPL <= c.iopl() {
		return nil
	}
	// I/O permission bitmap: offset at TSS+0x66; every bit for the ports must be clear.
	if c.TR.Limit < 0x67 {
		return c.gp(0)
	}
	off, f := c.readSys(c.TR.Base+0x66, 2)
	if f != nil {
		return f
	}
	byteOff := off + uint64(port>>3)
	if byteOff+1 > uint64(c.TR.Limit) {
		return c.gp(0)
	}
	w, f := c.readSys(c.TR.Base+byteOff, 2)
	if f != nil {
		return f
	}
	if (w>>(port&7))&(1<<size-1) != 0 {
		return c.gp(0)
	}
	return nil
}

func (c *CPU) ioPort(u *uop) uint16 {
	if u.aux == 1 {
		return uint16(c.GPR[RDX])
	}
	return uint16(u.imm)
}

func (c *CPU) portIn(port uint16, size uint8) uint64 {
	if c.cfg.IO == nil {
		return sizeMask[size]
	}
	return uint64(c.cfg.IO.In(port, int(size))) & sizeMask[size]
}

func (c *CPU) portOut(port uint16, size uint8, v uint64) {
	if c.cfg.IO != nil {
		if d, ok := c.cfg.IO.(PortDecoder); ok && !d.Decodes(port, int(size)) {
			return
		}
		c.cfg.IO.Out(port, int(size), uint32(v))
	}
	c.stop(Exit{Reason: ExitBudget, Diag: "io"})
}

// PortDecoder is an optional interface of a Bus: Decodes reports whether a device
// decodes any of the size ports from port.
type PortDecoder interface {
	Decodes(port uint16, size int) bool
}

// in_ is IN AL/AX/EAX, imm8/DX.
func in_(c *CPU, u *uop) *Fault {
	port := c.ioPort(u)
	if f := c.ioAllowed(port, u.osize); f != nil {
		return f
	}
	c.setReg(RAX, u.osize, c.portIn(port, u.osize))
	return nil
}

// out is OUT imm8/DX, AL/AX/EAX.
func out(c *CPU, u *uop) *Fault {
	port := c.ioPort(u)
	if f := c.ioAllowed(port, u.osize); f != nil {
		return f
	}
	c.portOut(port, u.osize, c.reg(RAX, u.osize))
	return nil
}

func xlateStrIO(u *uop, d *decodeInfo) bool {
	switch d.name[len(d.name)-1] {
	case 'B':
		u.osize = 1
	case 'W':
		u.osize = 2
	default:
		u.osize = 4
	}
	if d.name[:2] == "IN" {
		u.fn = ins
	} else {
		u.fn = outs
	}
	return true
}

// strStep returns the per-element pointer increment (DF).
func (c *CPU) strStep(size uint8) uint64 {
	if c.RFLAGS&FlagDF != 0 {
		return -uint64(size)
	}
	return uint64(size)
}

// ins is INS m, DX (REP: RCX times; progress is kept if an element faults).
func ins(c *CPU, u *uop) *Fault {
	port := uint16(c.GPR[RDX])
	if f := c.ioAllowed(port, u.osize); f != nil {
		return f
	}
	as := u.asize
	for {
		if u.rep && c.reg(RCX, as) == 0 {
			return nil
		}
		a := c.linear(ES, c.reg(RDI, as))
		if c.long && !canonical(a) {
			return c.gp(0)
		}
		// Probe the destination before consuming the port read.
		if _, mf := c.mem.Translate(mmu.VAddr(a), mmu.Write, c.user, c.acFlag()); mf != nil {
			return c.pageFault(uint64(mf.Addr), mf.Code)
		}
		if f := c.write(a, u.osize, c.portIn(port, u.osize)); f != nil {
			return f
		}
		c.setReg(RDI, as, c.reg(RDI, as)+c.strStep(u.osize))
		if !u.rep {
			return nil
		}
		c.setReg(RCX, as, c.reg(RCX, as)-1)
	}
}

// outs is OUTS DX, m (segment overridable, default DS).
func outs(c *CPU, u *uop) *Fault {
	port := uint16(c.GPR[RDX])
	if f := c.ioAllowed(port, u.osize); f != nil {
		return f
	}
	as := u.asize
	seg := uint8(DS)
	if u.segOvr {
		seg = u.seg
	}
	for {
		if u.rep && c.reg(RCX, as) == 0 {
			return nil
		}
		v, f := c.read(c.linear(seg, c.reg(RSI, as)), u.osize)
		if f != nil {
			return f
		}
		c.portOut(port, u.osize, v)
		c.setReg(RSI, as, c.reg(RSI, as)+c.strStep(u.osize))
		if !u.rep {
			return nil
		}
		c.setReg(RCX, as, c.reg(RCX, as)-1)
	}
}
