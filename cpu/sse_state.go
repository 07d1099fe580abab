package cpu

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
	register("FLDCW", memOnly(fldcw))
	register("FNSTCW", memOnly(fnstcw))
	register("FNSTSW", func(u *uop, d *decodeInfo) bool {
		if u.kind[0] == kReg && u.r[0] == RAX && u.sz[0] == 2 || u.kind[0] == kMem {
			u.fn = fnstsw
			return true
		}
		return false
	})
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

// fxsave is FXSAVE/FXSAVE64 m512byte: writes bytes 0-415 (0-287 outside 64-bit mode); the
// reserved and available bytes after them are left as they are.
func fxsave(c *CPU, u *uop) *Fault {
	if f := c.fpuCheck(); f != nil {
		return f
	}
	addr := c.ea(u)
	if addr&15 != 0 {
		return c.gp(0)
	}
	var b [fxXMM + 16*16]byte
	putU16(b[fxFCW:], c.FCW)
	putU16(b[fxFSW:], c.FSW)
	b[fxFTW] = c.FTW
	putU32(b[fxMXCSR:], c.MXCSR)
	putU32(b[fxMXCSRMask:], mxcsrMask)
	for i := 0; i < 8; i++ {
		putU64(b[fxST+16*i:], c.FPR[i][0])
		putU16(b[fxST+16*i+8:], uint16(c.FPR[i][1]))
	}
	n := c.fxRegs()
	for i := 0; i < n; i++ {
		putU64(b[fxXMM+16*i:], c.XMM[i][0])
		putU64(b[fxXMM+16*i+8:], c.XMM[i][1])
	}
	return c.writeBuf(addr, b[:fxXMM+16*n])
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
	var b [fxXMM + 16*16]byte
	n := c.fxRegs()
	if f := c.readBuf(addr, b[:fxXMM+16*n]); f != nil {
		return f
	}
	mx := leU32(b[fxMXCSR:])
	if mx&^mxcsrMask != 0 {
		return c.gp(0)
	}
	c.FCW = leU16(b[fxFCW:])&fcwWritable | fcwOnes
	c.FSW = leU16(b[fxFSW:])
	c.FTW = b[fxFTW]
	c.MXCSR = mx
	for i := 0; i < 8; i++ {
		c.FPR[i] = [2]uint64{leU64(b[fxST+16*i:]), uint64(leU16(b[fxST+16*i+8:]))}
	}
	for i := 0; i < n; i++ {
		c.XMM[i] = [2]uint64{leU64(b[fxXMM+16*i:]), leU64(b[fxXMM+16*i+8:])}
	}
	return nil
}

func putU16(b []byte, v uint16) { b[0], b[1] = byte(v), byte(v>>8) }

func putU32(b []byte, v uint32) {
	_ = b[3]
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

func leU16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }

func leU32(b []byte) uint32 {
	_ = b[3]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// fninit is FNINIT: FCW=037FH, FSW=0, every register tagged empty.
func fninit(c *CPU, u *uop) *Fault {
	if f := c.fpuCheck(); f != nil {
		return f
	}
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

// fldcw is FLDCW m16.
func fldcw(c *CPU, u *uop) *Fault {
	if f := c.fpuCheck(); f != nil {
		return f
	}
	v, f := c.read(c.ea(u), 2)
	if f != nil {
		return f
	}
	c.FCW = uint16(v)&fcwWritable | fcwOnes
	return nil
}

// fnstcw is FNSTCW m16.
func fnstcw(c *CPU, u *uop) *Fault {
	if f := c.fpuCheck(); f != nil {
		return f
	}
	return c.write(c.ea(u), 2, uint64(c.FCW))
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
	return c.write(c.ea(u), 2, uint64(c.FSW))
}

// fwait is FWAIT: #NM when CR0.MP and CR0.TS are both set; no x87 exception is ever pending.
func fwait(c *CPU, u *uop) *Fault {
	if c.CR0&(CR0MP|CR0TS) == CR0MP|CR0TS {
		return c.raise(VecNM)
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
	c.FTW = 0
	return nil
}
