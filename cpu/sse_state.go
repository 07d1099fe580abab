package cpu

import "github.com/kppemu/kppemu/mmu"

// MXCSR access, FXSAVE/FXRSTOR, and the x87 control-state instructions (there is no x87
// arithmetic: FNINIT, FLDCW/FNSTCW, FNSTSW, FNCLEX and FWAIT keep the control, status and
// tag words that FXSAVE saves), EMMS.

func init() {
	memOnly := func(fn handler) translator {
		return func(u *uop, d *decodeInfo) bool {
			if u.kind[0] != kMem {
				return false
			}
			u.fn = fn
			return true
		}
	}
	register("LDMXCSR", memOnly(ldmxcsr))
	register("STMXCSR", memOnly(stmxcsr))
	register("FXSAVE", memOnly(fxsave))
	register("FXSAVE64", memOnly(fxsave))
	register("FXRSTOR", memOnly(fxrstor))
	register("FXRSTOR64", memOnly(fxrstor))
	// FLDCW, FNSTCW and FNSTSW run as lazy block steps (x87hot.go): they reach memory
	// through c.read and c.write, a fault is their only other exit, and FLDCW's
	// pending-exception check (which may signal FERR#) is left to its general form.
	lazy := func(t translator) translator {
		return func(u *uop, d *decodeInfo) bool {
			if !t(u, d) {
				return false
			}
			u.lazy = specialiseOn
			return true
		}
	}
	register("FLDCW", lazy(memOnly(fldcwLazy)))
	register("FNSTCW", lazy(memOnly(fnstcw)))
	register("FNSTSW", lazy(func(u *uop, d *decodeInfo) bool {
		if u.kind[0] == kReg && u.r[0] == RAX && u.sz[0] == 2 || u.kind[0] == kMem {
			u.fn = fnstsw
			return true
		}
		return false
	}))
	noArgs := func(fn handler) translator {
		return func(u *uop, d *decodeInfo) bool {
			u.fn = fn
			return u.nargs == 0
		}
	}
	register("FNINIT", noArgs(fninit))
	register("FNCLEX", noArgs(fnclex))
	register("FWAIT", noArgs(fwait))
	register("EMMS", noArgs(emms))
}

// x87 control-word bits that exist (bit 6 reads as 1, bits 7 and 13-15 as 0).
const (
	fcwWritable = 0x1F3F
	fcwOnes     = 0x0040
	fcwDefault  = 0x037F
)

// ldmxcsr is LDMXCSR m32: #GP(0) if a reserved bit is set.
func ldmxcsr(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	v, f := c.read(c.ea(u), 4)
	if f != nil {
		return f
	}
	if v&^mxcsrMask != 0 {
		return c.gp(0)
	}
	c.MXCSR = uint32(v)
	return nil
}

// stmxcsr is STMXCSR m32.
func stmxcsr(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	return c.write(c.ea(u), 4, uint64(c.MXCSR))
}

// FXSAVE area layout (SDM Vol. 1 §10.5.1, Tables 10-2/10-3). The x87 instruction and data
// pointers and the last opcode are not tracked (no x87 arithmetic) and save as zero, which
// makes the REX.W and legacy pointer formats identical.
const (
	fxFCW       = 0
	fxFSW       = 2
	fxFTW       = 4
	fxMXCSR     = 24
	fxMXCSRMask = 28
	fxST        = 32
	fxXMM       = 160
	fxSize      = 512
)

// fxRegs returns how many XMM registers FXSAVE/FXRSTOR transfer: 16 in 64-bit mode, else 8.
func (c *CPU) fxRegs() int {
	if c.long {
		return 16
	}
	return 8
}

// fxImage is the FXSAVE area as quadwords (bytes 0-415).
type fxImage [fxXMM/8 + 2*16]uint64

// fxsave is FXSAVE/FXSAVE64 m512byte: writes bytes 0-415 (0-287 outside 64-bit mode); the
// reserved and available bytes after them are left as they are. Both pages are checked
// for writability before anything is written.
func fxsave(c *CPU, u *uop) *Fault {
	if f := c.fpuCheck(); f != nil {
		return f
	}
	addr := c.ea(u)
	if addr&15 != 0 {
		return c.gp(0)
	}
	n := c.fxRegs()
	size := uint64(fxXMM + 16*n)
	if f := c.probeWrite(addr, size); f != nil {
		return f
	}
	var q fxImage
	q[fxFCW/8] = uint64(c.FCW) | uint64(c.FSW)<<16 | uint64(c.FTW)<<32
	q[fxMXCSR/8] = uint64(c.MXCSR) | mxcsrMask<<32
	for i := 0; i < 8; i++ {
		r := c.ST(i)
		q[fxST/8+2*i] = r[0]
		q[fxST/8+2*i+1] = r[1] & 0xFFFF
	}
	for i := 0; i < n; i++ {
		q[fxXMM/8+2*i] = c.XMM[i][0]
		q[fxXMM/8+2*i+1] = c.XMM[i][1]
	}
	for i := uint64(0); i < size/8; i++ {
		if f := c.write(addr+8*i, 8, q[i]); f != nil {
			return f
		}
	}
	return nil
}

// probeWrite checks that [addr, addr+size) (at most two pages) is writable at the current
// privilege, raising the fault a write would.
func (c *CPU) probeWrite(addr, size uint64) *Fault {
	last := addr + size - 1
	if c.long && (!canonical(addr) || !canonical(last)) {
		return c.gp(0)
	}
	if !c.long {
		last = uint64(uint32(last))
	}
	second := last &^ 0xFFF // the first byte accessed in the last page
	if second < addr {
		second = addr
	}
	for _, a := range [2]uint64{addr, second} {
		if _, f := c.mem.Translate(mmuVAddr(a), mmu.Write, c.user, c.acFlag()); f != nil {
			return c.pageFault(uint64(f.Addr), f.Code)
		}
	}
	return nil
}

// fxrstor is FXRSTOR/FXRSTOR64 m512byte: #GP(0) on misalignment or reserved MXCSR bits,
// with nothing loaded.
func fxrstor(c *CPU, u *uop) *Fault {
	if f := c.fpuCheck(); f != nil {
		return f
	}
	addr := c.ea(u)
	if addr&15 != 0 {
		return c.gp(0)
	}
	n := c.fxRegs()
	var q fxImage
	for i := 0; i < fxXMM/8+2*n; i++ {
		v, f := c.read(addr+8*uint64(i), 8)
		if f != nil {
			return f
		}
		q[i] = v
	}
	mx := uint32(q[fxMXCSR/8])
	if mx&^mxcsrMask != 0 {
		return c.gp(0)
	}
	c.FCW = uint16(q[0])&fcwWritable | fcwOnes
	c.FSW = uint16(q[0] >> 16)
	c.FTW = uint8(q[0] >> 32)
	c.x87SyncES()
	c.x87StatusLoaded()
	c.MXCSR = mx
	for i := 0; i < 8; i++ {
		*c.ST(i) = [2]uint64{q[fxST/8+2*i], q[fxST/8+2*i+1] & 0xFFFF}
	}
	for i := 0; i < n; i++ {
		c.XMM[i] = [2]uint64{q[fxXMM/8+2*i], q[fxXMM/8+2*i+1]}
	}
	return nil
}

// fninit is FNINIT: FCW=037FH, FSW=0, every register tagged empty.
func fninit(c *CPU, u *uop) *Fault {
	if f := c.fpuCheck(); f != nil {
		return f
	}
	c.x87SetTop(0)
	c.FCW, c.FSW, c.FTW = fcwDefault, 0, 0
	return nil
}

// fnclex is FNCLEX: clears the exception flags, ES and B in FSW.
func fnclex(c *CPU, u *uop) *Fault {
	if f := c.fpuCheck(); f != nil {
		return f
	}
	c.FSW &^= 0x80FF
	return nil
}

// fldcw is FLDCW m16 (a waiting instruction).
func fldcw(c *CPU, u *uop) *Fault {
	if f := c.fpuCheck(); f != nil {
		return f
	}
	if f := c.x87Pending(); f != nil {
		return f
	}
	v, f := c.read(c.x87Addr(u), 2)
	if f != nil {
		return f
	}
	c.FCW = uint16(v)&fcwWritable | fcwOnes
	c.x87SyncES()
	return nil
}

// fldcwLazy is fldcw as a lazy step: with an exception pending the state the block
// skipped is synced first.
func fldcwLazy(c *CPU, u *uop) *Fault {
	if c.FSW&fswES != 0 {
		c.syncLazy()
	}
	return fldcw(c, u)
}

// fnstcw is FNSTCW m16.
func fnstcw(c *CPU, u *uop) *Fault {
	if f := c.fpuCheck(); f != nil {
		return f
	}
	return c.write(c.x87Addr(u), 2, uint64(c.FCW))
}

// fnstsw is FNSTSW m16 / FNSTSW AX.
func fnstsw(c *CPU, u *uop) *Fault {
	if f := c.fpuCheck(); f != nil {
		return f
	}
	if u.kind[0] == kReg {
		c.setReg(RAX, 2, uint64(c.FSW))
		return nil
	}
	return c.write(c.x87Addr(u), 2, uint64(c.FSW))
}

// fwait is FWAIT: #NM when CR0.MP and CR0.TS are both set, else the pending-exception check.
func fwait(c *CPU, u *uop) *Fault {
	if c.CR0&(CR0MP|CR0TS) == CR0MP|CR0TS {
		return c.raise(VecNM)
	}
	return c.x87Pending()
}

// FSW bits beyond the exception flags.
const (
	fswES = 1 << 7  // exception summary
	fswB  = 1 << 15 // busy (mirrors ES)
)

// x87SyncES recomputes FSW.ES and FSW.B from the exception flags and masks, as the hardware
// does whenever FCW or FSW is loaded (checked on the host: FLDENV with an unmasked flag
// sets them, with the flag masked clears them).
func (c *CPU) x87SyncES() {
	if c.FSW&^c.FCW&0x3F != 0 {
		c.FSW |= fswES | fswB
	} else {
		c.FSW &^= fswES | fswB
	}
}

// x87Pending is the check a waiting x87 instruction makes first: a pending unmasked
// exception (FSW.ES) raises #MF when CR0.NE=1; with CR0.NE=0 it signals FERR# (unless
// IGNNE# is asserted) and the instruction proceeds (x87ferr.go).
func (c *CPU) x87Pending() *Fault {
	if c.FSW&fswES != 0 {
		if c.CR0&CR0NE != 0 {
			return c.raise(VecMF)
		}
		c.signalFERR()
	}
	return nil
}

// emms is EMMS: tags every x87 register empty (#UD with CR0.EM, #NM with CR0.TS).
func emms(c *CPU, u *uop) *Fault {
	if c.CR0&CR0EM != 0 {
		return c.ud()
	}
	if c.CR0&CR0TS != 0 {
		return c.raise(VecNM)
	}
	if f := c.x87Pending(); f != nil {
		return f
	}
	c.FTW = 0
	return nil
}
