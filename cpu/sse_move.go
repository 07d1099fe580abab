package cpu

// SSE/SSE2 data movement: MOVD/MOVQ, the 128-bit moves, scalar moves, half moves,
// non-temporal stores and the sign-mask extractions.

func init() {
	register("MOVD", xlateMovDQ)
	register("MOVQ", xlateMovDQ)
	for _, n := range []string{"MOVDQA", "MOVAPS", "MOVAPD", "MOVNTDQ", "MOVNTPS", "MOVNTPD"} {
		register(n, xlateMov128(false))
	}
	for _, n := range []string{"MOVDQU", "MOVUPS", "MOVUPD"} {
		register(n, xlateMov128(true))
	}
	register("MOVSS", xlateMovScalar)
	register("MOVSD_XMM", xlateMovScalar)
	registerAll(xlateMovHalf, "MOVHPS", "MOVHPD", "MOVLPS", "MOVLPD")
	register("MOVHLPS", xlateMovHL)
	register("MOVLHPS", xlateMovHL)
	register("MOVNTI", func(u *uop, d *decodeInfo) bool {
		if u.kind[0] != kMem || u.kind[1] != kReg {
			return false
		}
		u.fn = movnti
		return true
	})
	registerAll(xlateMovMsk, "MOVMSKPS", "MOVMSKPD", "PMOVMSKB")
}

// xlateMovDQ handles every MOVD/MOVQ form: to an XMM register from a GPR, memory or XMM
// register (the rest of the register zeroed), and from an XMM register to a GPR or memory.
func xlateMovDQ(u *uop, d *decodeInfo) bool {
	switch {
	case u.kind[0] == kXMM && (u.kind[1] == kReg || u.kind[1] == kMem || u.kind[1] == kXMM):
		u.fn = movToXmm
		if u.kind[1] == kXMM {
			u.sz[1] = 8 // MOVQ xmm, xmm
		}
	case (u.kind[0] == kReg || u.kind[0] == kMem) && u.kind[1] == kXMM:
		u.fn = movFromXmm
	default:
		return false
	}
	return true
}

// movToXmm is MOVD/MOVQ xmm, r/m (and MOVQ xmm, xmm): zero-extends into the register.
func movToXmm(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	var v uint64
	switch u.kind[1] {
	case kReg:
		v = c.reg(u.r[1], u.sz[1])
	case kXMM:
		v = c.XMM[u.r[1]&15][0]
	default:
		var f *Fault
		if v, f = c.read(c.ea(u), u.sz[1]); f != nil {
			return f
		}
	}
	c.XMM[u.r[0]&15] = [2]uint64{v, 0}
	return nil
}

// movFromXmm is MOVD/MOVQ r/m, xmm (and MOVQ xmm/m64, xmm with 66 0F D6).
func movFromXmm(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	v := c.XMM[u.r[1]&15][0]
	switch u.kind[0] {
	case kReg:
		c.setReg(u.r[0], u.sz[0], v)
		return nil
	case kXMM:
		c.XMM[u.r[0]&15] = [2]uint64{v, 0}
		return nil
	}
	return c.write(c.ea(u), u.sz[0], v)
}

// xlateMov128 handles the full-register moves; unaligned allows misaligned memory.
func xlateMov128(unaligned bool) translator {
	return func(u *uop, d *decodeInfo) bool {
		if unaligned {
			u.aux |= sseUnaligned
		}
		switch {
		case u.kind[0] == kXMM && xmmOrMem(u, 1):
			u.fn = mov128Load
		case u.kind[0] == kMem && u.kind[1] == kXMM:
			u.fn = mov128Store
		default:
			return false
		}
		return true
	}
}

// mov128Load is MOVDQA/MOVDQU/MOVAPS/... xmm, xmm/m128.
func mov128Load(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	s0, s1, f := c.xsrc(u, 1)
	if f != nil {
		return f
	}
	c.XMM[u.r[0]&15] = [2]uint64{s0, s1}
	return nil
}

// mov128Store is MOVDQA/MOVDQU/MOVAPS/MOVNTDQ/... m128, xmm.
func mov128Store(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	x := &c.XMM[u.r[1]&15]
	return c.store128(c.ea(u), x[0], x[1], u.aux&sseUnaligned == 0)
}

// xlateMovScalar handles MOVSS and MOVSD (F2 0F 10/11).
func xlateMovScalar(u *uop, d *decodeInfo) bool {
	var m uint64 = 0xFFFFFFFF
	sz := uint8(4)
	if d.name == "MOVSD_XMM" {
		m, sz = ^uint64(0), 8
	}
	u.imm2 = m
	switch {
	case u.kind[0] == kXMM && u.kind[1] == kXMM:
		u.fn = movScalarRR
	case u.kind[0] == kXMM && u.kind[1] == kMem:
		u.sz[1] = sz
		u.fn = movScalarLoad
	case u.kind[0] == kMem && u.kind[1] == kXMM:
		u.sz[0] = sz
		u.fn = movScalarStore
	default:
		return false
	}
	return true
}

// movScalarRR is MOVSS/MOVSD xmm, xmm: merges the low element (imm2 is its mask).
func movScalarRR(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	d := &c.XMM[u.r[0]&15]
	d[0] = d[0]&^u.imm2 | c.XMM[u.r[1]&15][0]&u.imm2
	return nil
}

// movScalarLoad is MOVSS/MOVSD xmm, m: the rest of the register is zeroed.
func movScalarLoad(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	v, f := c.read(c.ea(u), u.sz[1])
	if f != nil {
		return f
	}
	c.XMM[u.r[0]&15] = [2]uint64{v, 0}
	return nil
}

// movScalarStore is MOVSS/MOVSD m, xmm.
func movScalarStore(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	return c.write(c.ea(u), u.sz[0], c.XMM[u.r[1]&15][0])
}

// xlateMovHalf handles MOVHPS/MOVHPD/MOVLPS/MOVLPD, which have memory forms only.
func xlateMovHalf(u *uop, d *decodeInfo) bool {
	if d.name == "MOVHPS" || d.name == "MOVHPD" {
		u.imm2 = 1
	}
	switch {
	case u.kind[0] == kXMM && u.kind[1] == kMem:
		u.sz[1] = 8
		u.fn = movHalfLoad
	case u.kind[0] == kMem && u.kind[1] == kXMM:
		u.sz[0] = 8
		u.fn = movHalfStore
	default:
		return false
	}
	return true
}

// movHalfLoad is MOVHPS/MOVLPS/... xmm, m64: replaces one quadword (imm2: 0 low, 1 high).
func movHalfLoad(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	v, f := c.read(c.ea(u), 8)
	if f != nil {
		return f
	}
	c.XMM[u.r[0]&15][u.imm2&1] = v
	return nil
}

// movHalfStore is MOVHPS/MOVLPS/... m64, xmm.
func movHalfStore(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	return c.write(c.ea(u), 8, c.XMM[u.r[1]&15][u.imm2&1])
}

// xlateMovHL handles MOVHLPS (0F 12 /r, register form) and MOVLHPS (0F 16 /r).
func xlateMovHL(u *uop, d *decodeInfo) bool {
	if u.kind[0] != kXMM || u.kind[1] != kXMM {
		return false
	}
	if d.name == "MOVHLPS" {
		u.fn = movhlps
	} else {
		u.fn = movlhps
	}
	lazyRegForm(u)
	return true
}

// movhlps is MOVHLPS xmm1, xmm2: low quadword of xmm1 = high quadword of xmm2.
func movhlps(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	c.XMM[u.r[0]&15][0] = c.XMM[u.r[1]&15][1]
	return nil
}

// movlhps is MOVLHPS xmm1, xmm2: high quadword of xmm1 = low quadword of xmm2.
func movlhps(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	c.XMM[u.r[0]&15][1] = c.XMM[u.r[1]&15][0]
	return nil
}

// movnti is MOVNTI m32/m64, r (SSE2): an ordinary store here.
func movnti(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	return c.write(c.ea(u), u.sz[0], c.reg(u.r[1], u.sz[0]))
}

// xlateMovMsk handles MOVMSKPS/MOVMSKPD/PMOVMSKB r32/r64, xmm.
func xlateMovMsk(u *uop, d *decodeInfo) bool {
	if u.kind[0] != kReg || u.kind[1] != kXMM || u.sz[0] < 4 {
		return false
	}
	switch d.name {
	case "MOVMSKPS":
		u.fn = movmskps
	case "MOVMSKPD":
		u.fn = movmskpd
	default:
		u.fn = pmovmskb
	}
	lazyRegForm(u)
	return true
}

func movmskps(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	x := &c.XMM[u.r[1]&15]
	v := x[0]>>31&1 | x[0]>>62&2 | x[1]>>29&4 | x[1]>>60&8
	c.setReg(u.r[0], u.sz[0], v)
	return nil
}

func movmskpd(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	x := &c.XMM[u.r[1]&15]
	c.setReg(u.r[0], u.sz[0], x[0]>>63|x[1]>>63<<1)
	return nil
}

// pmovmskb is PMOVMSKB r, xmm: the most significant bit of each byte.
func pmovmskb(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	x := &c.XMM[u.r[1]&15]
	c.setReg(u.r[0], u.sz[0], sseMsb8(x[0])|sseMsb8(x[1])<<8)
	return nil
}

// sseMsb8 gathers the top bit of each byte of v into an 8-bit mask.
func sseMsb8(v uint64) uint64 {
	v = v >> 7 & 0x0101010101010101
	return v * 0x0102040810204080 >> 56
}
