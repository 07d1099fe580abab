package cpu

// XSAVE, XRSTOR and XSAVEOPT for the state components this CPU has: x87 (bit 0), SSE
// (bit 1) and, when protection keys are advertised, PKRU (bit 9), in the standard
// (non-compacted) format: the FXSAVE layout in bytes 0-511, the XSAVE header at 512
// (XSTATE_BV, then XCOMP_BV and reserved bytes that must be zero), and PKRU at its
// architectural offset 0xA80 (CPUID.(EAX=0DH,ECX=9)), past the offsets of the AVX, MPX
// and AVX-512 components this CPU does not have. SDM Vol. 1 ch. 13.

const (
	xsHeader   = 512
	xsAreaSize = 576
	xcr0x87    = 1
	xcr0SSE    = 2
	xcr0PKRU   = 1 << 9
	// xsPKRU and xsPKRUSize place the PKRU component in the standard format.
	xsPKRU     = 0xA80
	xsPKRUSize = 8
)

// xcr0Supported is the mask of XCR0 bits XSETBV accepts (CPUID.(EAX=0DH,ECX=0):EAX).
func xcr0Supported() uint64 {
	if hasPKU() {
		return xcr0x87 | xcr0SSE | xcr0PKRU
	}
	return xcr0x87 | xcr0SSE
}

// xsaveSize is the size of a standard-format XSAVE area holding the components of mask.
func xsaveSize(mask uint64) uint32 {
	if mask&xcr0PKRU != 0 {
		return xsPKRU + xsPKRUSize
	}
	return xsAreaSize
}

func init() {
	mem := func(fn handler) translator {
		return func(u *uop, d *decodeInfo) bool {
			if u.kind[0] != kMem || u.lock {
				return false
			}
			u.fn = fn
			return true
		}
	}
	for _, n := range []string{"XSAVE", "XSAVE64"} {
		register(n, mem(xsave))
	}
	for _, n := range []string{"XSAVEOPT", "XSAVEOPT64"} {
		register(n, mem(xsaveopt))
	}
	for _, n := range []string{"XRSTOR", "XRSTOR64"} {
		register(n, mem(xrstor))
	}
}

// xsaveCheck is the common fault order: #UD without CR4.OSXSAVE, #NM with CR0.TS, #GP(0)
// on an address not 64-byte aligned. It returns the address and RFBM = XCR0 & EDX:EAX.
func (c *CPU) xsaveCheck(u *uop) (uint64, uint64, *Fault) {
	if c.CR4&CR4OSXSAVE == 0 {
		return 0, 0, c.ud()
	}
	if c.CR0&CR0TS != 0 {
		return 0, 0, c.raise(VecNM)
	}
	addr := c.ea(u)
	if addr&63 != 0 {
		return 0, 0, c.gp(0)
	}
	rfbm := c.XCR0 & (c.GPR[RDX]<<32 | c.GPR[RAX]&0xFFFFFFFF)
	return addr, rfbm, nil
}

// xinuse is the state components the processor considers in use (SDM Vol. 1 §13.6
// lets a processor report a component in use even in its initial configuration). As on
// the x86-64 hosts this is checked against, a component is in use unless XRSTOR put it
// in its initial configuration and it still is: FNINIT or zeroed registers alone do not
// make it "not in use".
func (c *CPU) xinuse() uint64 {
	v := uint64(xcr0x87 | xcr0SSE)
	if c.XInit&xcr0x87 != 0 && c.FCW == fcwDefault && c.FSW == 0 && c.FTW == 0 && c.FPR == [8][2]uint64{} {
		v &^= xcr0x87
	}
	if c.XInit&xcr0SSE != 0 && c.XMM == [16][2]uint64{} {
		v &^= xcr0SSE
	}
	if hasPKU() && (c.XInit&xcr0PKRU == 0 || c.PKRU != 0) {
		v |= xcr0PKRU
	}
	return v
}

func xsave(c *CPU, u *uop) *Fault    { return c.xsaveOp(u, false) }
func xsaveopt(c *CPU, u *uop) *Fault { return c.xsaveOp(u, true) }

// xsaveOp is XSAVE and XSAVEOPT (which may skip components in their initial
// configuration or unmodified since the last XRSTOR; this CPU tracks neither, so it
// writes what XSAVE writes). XSTATE_BV bits of requested components become XINUSE; its
// other bits and the rest of the header stay as they are.
func (c *CPU) xsaveOp(u *uop, opt bool) *Fault {
	addr, rfbm, f := c.xsaveCheck(u)
	if f != nil {
		return f
	}
	if f := c.probeWrite(addr, xsAreaSize); f != nil {
		return f
	}
	if rfbm&xcr0PKRU != 0 {
		if f := c.probeWrite(addr+xsPKRU, xsPKRUSize); f != nil {
			return f
		}
	}
	inuse := c.xinuse()
	save := rfbm
	if opt {
		save &= inuse
	}
	if save&xcr0x87 != 0 {
		// FCW, FSW, abridged FTW; FOP, FIP and FDP are not tracked and store as zero.
		if f := c.write(addr, 8, uint64(c.FCW)|uint64(c.FSW)<<16|uint64(c.FTW)<<32); f != nil {
			return f
		}
		if f := c.write(addr+8, 8, 0); f != nil {
			return f
		}
		if f := c.write(addr+16, 8, 0); f != nil {
			return f
		}
		for i := 0; i < 8; i++ {
			a := addr + fxST + 16*uint64(i)
			r := c.ST(i)
			if f := c.write(a, 8, r[0]); f != nil {
				return f
			}
			if f := c.write(a+8, 8, r[1]&0xFFFF); f != nil {
				return f
			}
		}
	}
	if rfbm&xcr0SSE != 0 {
		// MXCSR and MXCSR_MASK go with the SSE component whether or not it is in use.
		if f := c.write(addr+fxMXCSR, 8, uint64(c.MXCSR)|mxcsrMask<<32); f != nil {
			return f
		}
	}
	if save&xcr0SSE != 0 {
		for i := 0; i < c.fxRegs(); i++ {
			a := addr + fxXMM + 16*uint64(i)
			if f := c.write(a, 8, c.XMM[i][0]); f != nil {
				return f
			}
			if f := c.write(a+8, 8, c.XMM[i][1]); f != nil {
				return f
			}
		}
	}
	if save&xcr0PKRU != 0 {
		if f := c.write(addr+xsPKRU, 8, uint64(c.PKRU)); f != nil {
			return f
		}
	}
	bv, f := c.read(addr+xsHeader, 8)
	if f != nil {
		return f
	}
	return c.write(addr+xsHeader, 8, bv&^rfbm|inuse&rfbm)
}

// xrstor is XRSTOR (standard format): #GP(0) when XCOMP_BV or header bytes 16-23 are
// not zero, when XSTATE_BV sets a bit XCR0 does not, or when the MXCSR image sets a
// reserved bit, with nothing loaded. A requested component whose XSTATE_BV bit is clear
// gets its initial configuration.
func xrstor(c *CPU, u *uop) *Fault {
	addr, rfbm, f := c.xsaveCheck(u)
	if f != nil {
		return f
	}
	var hdr [3]uint64
	for i := range hdr {
		if hdr[i], f = c.read(addr+xsHeader+8*uint64(i), 8); f != nil {
			return f
		}
	}
	bv := hdr[0]
	if hdr[1] != 0 || hdr[2] != 0 || bv&^c.XCR0 != 0 {
		return c.gp(0)
	}
	var q fxImage
	n := c.fxRegs()
	for i := 0; i < fxXMM/8+2*n; i++ {
		if q[i], f = c.read(addr+8*uint64(i), 8); f != nil {
			return f
		}
	}
	mx := uint32(q[fxMXCSR/8])
	if rfbm&xcr0SSE != 0 && mx&^mxcsrMask != 0 {
		return c.gp(0)
	}
	var pkru uint64
	if rfbm&bv&xcr0PKRU != 0 {
		if pkru, f = c.read(addr+xsPKRU, 4); f != nil {
			return f
		}
	}
	// Components outside RFBM keep their state and their in-use tracking.
	c.XInit = c.XInit&^rfbm | rfbm&^bv&(xcr0x87|xcr0SSE|xcr0PKRU)
	if rfbm&xcr0PKRU != 0 {
		// Bits 63:32 of the component are reserved and ignored; the initial PKRU is 0.
		c.PKRU = uint32(pkru)
		if c.mem != nil {
			c.mem.SetPKRU(c.PKRU)
		}
	}
	if rfbm&xcr0x87 != 0 {
		if bv&xcr0x87 != 0 {
			c.FCW = uint16(q[0])&fcwWritable | fcwOnes
			c.FSW = uint16(q[0] >> 16)
			c.FTW = uint8(q[0] >> 32)
			for i := 0; i < 8; i++ {
				*c.ST(i) = [2]uint64{q[fxST/8+2*i], q[fxST/8+2*i+1] & 0xFFFF}
			}
		} else {
			c.FCW, c.FSW, c.FTW = fcwDefault, 0, 0
			c.FPR = [8][2]uint64{}
		}
		c.x87SyncES()
		c.x87StatusLoaded()
	}
	if rfbm&xcr0SSE != 0 {
		c.MXCSR = mx
		for i := 0; i < n; i++ {
			if bv&xcr0SSE != 0 {
				c.XMM[i] = [2]uint64{q[fxXMM/8+2*i], q[fxXMM/8+2*i+1]}
			} else {
				c.XMM[i] = [2]uint64{}
			}
		}
	}
	return nil
}
