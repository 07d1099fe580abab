package cpu

import "github.com/kppemu/kppemu/mmu"

// Operand helpers for instruction handlers.
//
// Registers: c.reg(r, size) / c.setReg(r, size, v) with r as packed in uop.r (0..15, or
// 0x10|n for AH/CH/DH/BH); 32-bit writes zero-extend into the full register, 8/16-bit
// writes merge (SDM Vol. 1 §3.4.1.1).
//
// Memory: c.ea(u) is the linear address of u's memory operand (segment base included
// where it applies, truncated to the address size, RIP-relative from the next RIP).
// c.read(addr, size) / c.write(addr, size, v) access guest-linear memory at the current
// CPL with RFLAGS.AC (SMAP), checking canonical form in 64-bit mode (#GP(0), or #SS(0)
// for stack accesses through c.readStack/c.writeStack). c.readSys / c.writeSys are implicit
// supervisor accesses (descriptor tables, TSS). Multi-byte buffers: c.readBuf / c.writeBuf.
//
// Generic operands by argument position: c.readArg(u, i) / c.writeArg(u, i, v) handle
// register, memory and immediate arguments at size u.sz[i] (memory arguments compute
// the address each call; read-modify-write handlers should compute c.ea(u) once and use
// c.read/c.write).
//
// Stack: c.push(v, size) / c.pop(size) use RSP (or ESP/SP per SS.B outside 64-bit mode).

// reg returns register r truncated to size bytes.
func (c *CPU) reg(r uint8, size uint8) uint64 {
	switch size {
	case 8:
		return c.GPR[r&15]
	case 4:
		return uint64(uint32(c.GPR[r&15]))
	case 2:
		return uint64(uint16(c.GPR[r&15]))
	}
	if r&0x10 != 0 {
		return (c.GPR[r&3] >> 8) & 0xFF
	}
	return c.GPR[r&15] & 0xFF
}

// setReg writes the low size bytes of v to register r (32-bit writes zero-extend).
func (c *CPU) setReg(r uint8, size uint8, v uint64) {
	switch size {
	case 8:
		c.GPR[r&15] = v
	case 4:
		c.GPR[r&15] = uint64(uint32(v))
	case 2:
		c.GPR[r&15] = c.GPR[r&15]&^0xFFFF | v&0xFFFF
	default:
		if r&0x10 != 0 {
			c.GPR[r&3] = c.GPR[r&3]&^0xFF00 | (v&0xFF)<<8
		} else {
			c.GPR[r&15] = c.GPR[r&15]&^0xFF | v&0xFF
		}
	}
}

// canonical reports whether a 64-bit linear address is canonical (48-bit).
func canonical(a uint64) bool { return (a+(1<<47))>>48 == 0 }

// ea returns the linear address of u's memory operand.
func (c *CPU) ea(u *uop) uint64 {
	if u.eaFlat {
		return c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp
	}
	return c.eaAny(u)
}

// flatEA sets u.eaFlat and the masks for a memory operand with a 64-bit address, no
// segment base and no RIP (set after translation: translators may change the segment).
func flatEA(u *uop) {
	mem := false
	for i := 0; i < int(u.nargs) && i < len(u.kind); i++ {
		mem = mem || u.kind[i] == kMem
	}
	if !mem || u.asize != 8 || u.addSeg {
		return
	}
	switch u.eaForm {
	case eaBase:
		u.bmask = ^uint64(0)
	case eaBaseIndex:
		u.bmask, u.imask = ^uint64(0), ^uint64(0)
	case eaIndex:
		u.imask = ^uint64(0)
	case eaDisp:
	default:
		return
	}
	u.eaFlat = true
}

// ripNext is the RIP a RIP-relative operand of u is relative to (the next instruction's
// address): c.RIP, or in a lazy block step (block.go), which runs without RIP set, the
// address its block's start and its offset give, as setStep sets it.
func (c *CPU) ripNext(u *uop) uint64 {
	if op := c.lazyOp; op != nil {
		return (c.blkRIP + op.rel + uint64(u.len)) & c.ipMask
	}
	return c.RIP
}

// eaAny is ea for every form.
func (c *CPU) eaAny(u *uop) uint64 {
	if u.eaForm == eaRIP && u.asize == 8 && !u.addSeg {
		return c.ripNext(u) + u.disp // RIP-relative in 64-bit mode (the common case first)
	}
	var a uint64
	switch u.eaForm {
	case eaBase:
		a = c.GPR[u.base&15] + u.disp
	case eaBaseIndex:
		a = c.GPR[u.base&15] + c.GPR[u.index&15]<<u.scale + u.disp
	case eaRIP:
		a = c.ripNext(u) + u.disp
	case eaIndex:
		a = c.GPR[u.index&15]<<u.scale + u.disp
	default:
		a = u.disp
	}
	if u.asize == 4 {
		a = uint64(uint32(a))
	} else if u.asize == 2 {
		a = uint64(uint16(a))
	}
	if u.addSeg {
		a += c.Seg[u.seg%6].Base
		if !c.long {
			a = uint64(uint32(a))
		}
	}
	return a
}

// offset returns u's memory operand's effective address without the segment base (LEA).
func (c *CPU) offset(u *uop) uint64 {
	var a uint64
	switch u.eaForm {
	case eaBase:
		a = c.GPR[u.base&15] + u.disp
	case eaBaseIndex:
		a = c.GPR[u.base&15] + c.GPR[u.index&15]<<u.scale + u.disp
	case eaRIP:
		a = c.ripNext(u) + u.disp
	case eaIndex:
		a = c.GPR[u.index&15]<<u.scale + u.disp
	default:
		a = u.disp
	}
	if u.asize == 4 {
		a = uint64(uint32(a))
	} else if u.asize == 2 {
		a = uint64(uint16(a))
	}
	return a
}

// linear adds segment seg's base to offset off as an access through seg would.
func (c *CPU) linear(seg uint8, off uint64) uint64 {
	if c.long {
		if seg == FS || seg == GS {
			return off + c.Seg[seg].Base
		}
		return off
	}
	return uint64(uint32(off + c.Seg[seg%6].Base))
}

func (c *CPU) acFlag() bool { return c.RFLAGS&FlagAC != 0 }

// read reads size bytes (1, 2, 4, 8) at linear address addr.
func (c *CPU) read(addr uint64, size uint8) (uint64, *Fault) {
	if !c.memSlow && canonical(addr) {
		va, ac := mmu.VAddr(addr), c.RFLAGS&FlagAC != 0
		var v uint64
		var ok bool
		switch size {
		case 8:
			v, ok = c.mem.TryRead64(va, c.user, ac)
		case 4:
			v, ok = c.mem.TryRead32(va, c.user, ac)
		case 2:
			v, ok = c.mem.TryRead16(va, c.user, ac)
		default:
			v, ok = c.mem.TryRead8(va, c.user, ac)
		}
		if ok {
			return v, nil
		}
	}
	return c.readSlow(addr, size)
}

// readSlow is read's TLB-miss, split, MMIO, checking and watchpoint path.
func (c *CPU) readSlow(addr uint64, size uint8) (uint64, *Fault) {
	c.syncLazy()
	if c.long && !canonical(addr) {
		return 0, c.gp(0)
	}
	if c.acChk && addr&uint64(size-1) != 0 {
		return 0, c.raiseCode(VecAC, 0)
	}
	if c.watchOn {
		c.checkWatch(addr, size, false)
	}
	if c.dr.any {
		c.checkDataBP(addr, size, false)
	}
	var v uint64
	var f *mmu.Fault
	ac := c.RFLAGS&FlagAC != 0
	switch size {
	case 8:
		v, f = c.mem.Read64(mmu.VAddr(addr), c.user, ac)
	case 4:
		v, f = c.mem.Read32(mmu.VAddr(addr), c.user, ac)
	case 2:
		v, f = c.mem.Read16(mmu.VAddr(addr), c.user, ac)
	default:
		v, f = c.mem.Read8(mmu.VAddr(addr), c.user, ac)
	}
	if f != nil {
		return 0, c.pageFault(uint64(f.Addr), f.Code)
	}
	return v, nil
}

// write writes the low size bytes (1, 2, 4, 8) of v at linear address addr.
func (c *CPU) write(addr uint64, size uint8, v uint64) *Fault {
	if !c.memSlow && canonical(addr) {
		va, ac := mmu.VAddr(addr), c.RFLAGS&FlagAC != 0
		var ok bool
		switch size {
		case 8:
			ok = c.mem.TryWrite64(va, v, c.user, ac)
		case 4:
			ok = c.mem.TryWrite32(va, v, c.user, ac)
		case 2:
			ok = c.mem.TryWrite16(va, v, c.user, ac)
		default:
			ok = c.mem.TryWrite8(va, v, c.user, ac)
		}
		if ok {
			return nil
		}
	}
	return c.writeSlow(addr, size, v)
}

// writeSlow is write's TLB-miss, split, MMIO, code-page, checking and watchpoint path.
func (c *CPU) writeSlow(addr uint64, size uint8, v uint64) *Fault {
	c.syncLazy()
	if c.long && !canonical(addr) {
		return c.gp(0)
	}
	if c.acChk && addr&uint64(size-1) != 0 {
		return c.raiseCode(VecAC, 0)
	}
	if c.watchOn {
		c.checkWatch(addr, size, true)
	}
	if c.dr.any {
		c.checkDataBP(addr, size, true)
	}
	var f *mmu.Fault
	ac := c.RFLAGS&FlagAC != 0
	switch size {
	case 8:
		f = c.mem.Write64(mmu.VAddr(addr), v, c.user, ac)
	case 4:
		f = c.mem.Write32(mmu.VAddr(addr), v, c.user, ac)
	case 2:
		f = c.mem.Write16(mmu.VAddr(addr), v, c.user, ac)
	default:
		f = c.mem.Write8(mmu.VAddr(addr), v, c.user, ac)
	}
	if f != nil {
		return c.pageFault(uint64(f.Addr), f.Code)
	}
	c.checkMMIOWrite(addr)
	return nil
}

// checkMMIOWrite ends the Run slice after an instruction that wrote outside RAM (a device
// register), so the machine recomputes its deadlines. Only slow-path writes can reach MMIO.
func (c *CPU) checkMMIOWrite(addr uint64) {
	pa, mf := c.mem.Translate(mmu.VAddr(addr), mmu.Write, c.user, c.RFLAGS&FlagAC != 0)
	if mf == nil && uint64(pa) >= uint64(len(c.mem.RAM())) {
		c.stop(Exit{Reason: ExitBudget, Diag: "mmio"})
	}
}

// readBuf reads len(buf) bytes at linear address addr.
func (c *CPU) readBuf(addr uint64, buf []byte) *Fault {
	if c.long && (!canonical(addr) || !canonical(addr+uint64(len(buf))-1)) {
		return c.gp(0)
	}
	if c.watchOn {
		c.checkWatch(addr, uint8(len(buf)), false)
	}
	if c.dr.any {
		c.checkDataBP(addr, uint8(len(buf)), false)
	}
	if f := c.mem.Read(mmu.VAddr(addr), buf, mmu.Read, c.user, c.acFlag()); f != nil {
		return c.pageFault(uint64(f.Addr), f.Code)
	}
	return nil
}

// writeBuf writes buf at linear address addr (all pages are checked before any byte is written).
func (c *CPU) writeBuf(addr uint64, buf []byte) *Fault {
	if c.long && (!canonical(addr) || !canonical(addr+uint64(len(buf))-1)) {
		return c.gp(0)
	}
	if c.watchOn {
		c.checkWatch(addr, uint8(len(buf)), true)
	}
	if c.dr.any {
		c.checkDataBP(addr, uint8(len(buf)), true)
	}
	if f := c.mem.Write(mmu.VAddr(addr), buf, c.user, c.acFlag()); f != nil {
		return c.pageFault(uint64(f.Addr), f.Code)
	}
	c.checkMMIOWrite(addr)
	return nil
}

// readSys is an implicit supervisor read (GDT, IDT, TSS): user=false, no AC override.
func (c *CPU) readSys(addr uint64, size uint8) (uint64, *Fault) {
	if c.long && !canonical(addr) {
		return 0, c.gp(0)
	}
	v, f := c.mem.ReadN(mmu.VAddr(addr), int(size), false, false)
	if f != nil {
		return 0, c.pageFault(uint64(f.Addr), f.Code)
	}
	return v, nil
}

// writeSys is an implicit supervisor write (descriptor accessed bits, TSS busy bit).
func (c *CPU) writeSys(addr uint64, size uint8, v uint64) *Fault {
	if c.long && !canonical(addr) {
		return c.gp(0)
	}
	if f := c.mem.WriteN(mmu.VAddr(addr), int(size), v, false, false); f != nil {
		return c.pageFault(uint64(f.Addr), f.Code)
	}
	return nil
}

// readArg reads argument i of u (register, memory or immediate) at size u.sz[i].
func (c *CPU) readArg(u *uop, i int) (uint64, *Fault) {
	switch u.kind[i] {
	case kReg:
		return c.reg(u.r[i], u.sz[i]), nil
	case kMem:
		return c.read(c.ea(u), u.sz[i])
	case kImm:
		return u.imm & sizeMask[u.sz[i]], nil
	}
	return 0, c.ud()
}

// writeArg writes argument i of u (register or memory) at size u.sz[i].
func (c *CPU) writeArg(u *uop, i int, v uint64) *Fault {
	switch u.kind[i] {
	case kReg:
		c.setReg(u.r[i], u.sz[i], v)
		return nil
	case kMem:
		return c.write(c.ea(u), u.sz[i], v)
	}
	return c.ud()
}

// stackAddrSize returns the stack-pointer width in bytes: 8 in 64-bit mode, else 4 or 2 by SS.B.
func (c *CPU) stackAddrSize() uint8 {
	if c.long {
		return 8
	}
	if c.Seg[SS].Attr&attrDB != 0 {
		return 4
	}
	return 2
}

// stackLinear returns the linear address of stack offset sp.
func (c *CPU) stackLinear(sp uint64) uint64 {
	if c.long {
		return sp
	}
	return uint64(uint32(sp + c.Seg[SS].Base))
}

// readStack reads size bytes at stack offset sp (#SS(0) on non-canonical addresses).
func (c *CPU) readStack(sp uint64, size uint8) (uint64, *Fault) {
	a := c.stackLinear(sp)
	if c.long && !canonical(a) {
		return 0, c.ss(0)
	}
	return c.read(a, size)
}

// writeStack writes size bytes at stack offset sp (#SS(0) on non-canonical addresses).
func (c *CPU) writeStack(sp uint64, size uint8, v uint64) *Fault {
	a := c.stackLinear(sp)
	if c.long && !canonical(a) {
		return c.ss(0)
	}
	return c.write(a, size, v)
}

// push pushes the low size bytes of v.
func (c *CPU) push(v uint64, size uint8) *Fault {
	if c.long {
		sp := c.GPR[RSP] - uint64(size)
		if !canonical(sp) {
			return c.ss(0)
		}
		if size == 8 && !c.memSlow && c.mem.TryWrite64(mmu.VAddr(sp), v, c.user, c.RFLAGS&FlagAC != 0) {
			c.GPR[RSP] = sp
			return nil
		}
		if f := c.write(sp, size, v); f != nil {
			return f
		}
		c.GPR[RSP] = sp
		return nil
	}
	ss := c.stackAddrSize()
	sp := (c.GPR[RSP] - uint64(size)) & sizeMask[ss]
	if f := c.write(c.stackLinear(sp), size, v); f != nil {
		return f
	}
	c.setReg(RSP, ss, sp)
	return nil
}

// pop pops size bytes.
func (c *CPU) pop(size uint8) (uint64, *Fault) {
	if c.long {
		sp := c.GPR[RSP]
		if !canonical(sp) {
			return 0, c.ss(0)
		}
		if size == 8 && !c.memSlow {
			if v, ok := c.mem.TryRead64(mmu.VAddr(sp), c.user, c.RFLAGS&FlagAC != 0); ok {
				c.GPR[RSP] = sp + 8
				return v, nil
			}
		}
		v, f := c.read(sp, size)
		if f != nil {
			return 0, f
		}
		c.GPR[RSP] = sp + uint64(size)
		return v, nil
	}
	ss := c.stackAddrSize()
	sp := c.GPR[RSP] & sizeMask[ss]
	v, f := c.read(c.stackLinear(sp), size)
	if f != nil {
		return 0, f
	}
	c.setReg(RSP, ss, sp+uint64(size))
	return v, nil
}

func mmuVAddr(a uint64) mmu.VAddr { return mmu.VAddr(a) }

// read128 reads 16 bytes at addr (SSE). aligned: #GP(0) unless addr is 16-byte aligned
// (MOVDQA, MOVAPS, ...).
func (c *CPU) read128(addr uint64, aligned bool) (lo, hi uint64, f *Fault) {
	if aligned && addr&15 != 0 {
		return 0, 0, c.gp(0)
	}
	if addr&0xFFF <= 0xFF0 {
		if lo, f = c.read(addr, 8); f != nil {
			return 0, 0, f
		}
		if hi, f = c.read(addr+8, 8); f != nil {
			return 0, 0, f
		}
		return lo, hi, nil
	}
	var b [16]byte
	if f = c.readBuf(addr, b[:]); f != nil {
		return 0, 0, f
	}
	return leU64(b[:8]), leU64(b[8:]), nil
}

// write128 writes 16 bytes at addr (SSE); both halves are checked before either is written.
func (c *CPU) write128(addr uint64, lo, hi uint64, aligned bool) *Fault {
	if aligned && addr&15 != 0 {
		return c.gp(0)
	}
	var b [16]byte
	putU64(b[:8], lo)
	putU64(b[8:], hi)
	return c.writeBuf(addr, b[:])
}

func leU64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func putU64(b []byte, v uint64) {
	_ = b[7]
	for i := 0; i < 8; i++ {
		b[i] = byte(v >> (8 * i))
	}
}

// sseCheck returns the fault an SSE instruction raises before executing: #UD when
// CR0.EM=1 or CR4.OSFXSR=0, #NM when CR0.TS=1 (SDM Vol. 3A §13.1).
func (c *CPU) sseCheck() *Fault {
	if c.CR0&CR0EM != 0 || c.CR4&CR4OSFXSR == 0 {
		return c.ud()
	}
	if c.CR0&CR0TS != 0 {
		return c.raise(VecNM)
	}
	return nil
}

// fpuCheck returns the fault an x87/FXSAVE-class instruction raises before executing:
// #NM when CR0.EM=1 or CR0.TS=1.
func (c *CPU) fpuCheck() *Fault {
	if c.CR0&(CR0EM|CR0TS) != 0 {
		return c.raise(VecNM)
	}
	return nil
}
