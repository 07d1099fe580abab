package cpu

// Shifts and rotates: SHL/SAL, SHR, SAR, ROL, ROR, RCL, RCR (group 2), SHLD, SHRD
// (SDM Vol. 2B "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR", "SHLD", "SHRD").
//
// The count is masked to 5 bits (6 with a 64-bit operand). A masked count of 0 changes
// neither the operand nor any flag, but a 32-bit register destination is still written
// (its upper half cleared, as on hardware). Shifts set CF to the last bit shifted out, SF/ZF/PF
// from the result, AF = 0 (undefined); OF is defined for a count of 1 only and is computed
// by the count-1 formula for every count (what Intel parts do). Rotates change only CF
// and OF. RCL/RCR rotate through CF over 9/17 bits for 8/16-bit operands (count mod 9/17).
// For SHLD/SHRD of 16-bit operands with a count above 16 (undefined) the operands are
// treated as a 48-bit concatenation dst:src:dst.

// Group-2 operations in ModRM reg order.
const (
	shROL = iota
	shROR
	shRCL
	shRCR
	shSHL
	shSHR
	shSAL
	shSAR
)

func init() {
	for _, n := range []struct {
		name string
		op   uint8
	}{{"ROL", shROL}, {"ROR", shROR}, {"RCL", shRCL}, {"RCR", shRCR}, {"SHL", shSHL}, {"SHR", shSHR}, {"SAR", shSAR}} {
		op := n.op
		register(n.name, func(u *uop, d *decodeInfo) bool { return xlateShift(u, op) && gprSizes(u) })
	}
	register("SHLD", sized(xlateShiftD))
	register("SHRD", sized(xlateShiftD))
}

// countMask is the shift-count mask for an operand of size bytes.
func countMask(size uint8) uint64 {
	if size == 8 {
		return 63
	}
	return 31
}

func xlateShift(u *uop, op uint8) bool {
	u.aux = op
	if u.nargs != 2 {
		return false
	}
	byCL := false
	switch u.kind[1] {
	case kImm:
		u.imm &= countMask(u.sz[0])
	case kReg:
		if u.r[1] != RCX || u.sz[1] != 1 {
			return false
		}
		byCL = true
	default:
		return false
	}
	switch u.kind[0] {
	case kReg:
		switch {
		case byCL:
			u.fn = shiftRC
		case op == shSHL:
			u.fn = shlRI
		case op == shSHR:
			u.fn = shrRI
		case op == shSAR:
			u.fn = sarRI
		default:
			u.fn = shiftRI
		}
	case kMem:
		if byCL {
			u.fn = shiftMC
		} else {
			u.fn = shiftMI
		}
	}
	return u.fn != nil
}

// shift computes op on a (size bytes) by the masked count n != 0, sets the flags and
// returns the result.
func (c *CPU) shift(op uint8, a, n uint64, s uint8) uint64 {
	w := uint64(s) * 8
	m := sizeMask[s]
	msb := w - 1
	switch op {
	case shSHL, shSAL:
		r := (a << n) & m
		cf := (a<<(n-1))>>msb&1 != 0
		c.setFlagsCO(r, s, cf, (r>>msb&1 != 0) != cf, false)
		return r
	case shSHR:
		r := a >> n
		c.setFlagsCO(r, s, a>>(n-1)&1 != 0, a>>msb&1 != 0, false)
		return r
	case shSAR:
		sa := int64(signExt(a, s))
		r := uint64(sa>>n) & m
		c.setFlagsCO(r, s, uint64(sa>>(n-1))&1 != 0, false, false)
		return r
	case shROL:
		k := n % w
		r := (a<<k | a>>(w-k)) & m
		cf := r&1 != 0
		c.setFlagsBits(b2u(cf)*FlagCF|b2u((r>>msb&1 != 0) != cf)*FlagOF, FlagCF|FlagOF)
		return r
	case shROR:
		k := n % w
		r := (a>>k | a<<(w-k)) & m
		c.setFlagsBits(r>>msb&1*FlagCF|(r>>msb^r>>(msb-1))&1*FlagOF, FlagCF|FlagOF)
		return r
	case shRCL:
		r, cf, of := rcl(a, rcCount(n, s), b2u(c.cf()), s)
		c.setFlagsBits(cf*FlagCF|of*FlagOF, FlagCF|FlagOF)
		return r
	case shRCR:
		r, cf, of := rcr(a, rcCount(n, s), b2u(c.cf()), s)
		c.setFlagsBits(cf*FlagCF|of*FlagOF, FlagCF|FlagOF)
		return r
	}
	return a
}

// rcCount reduces the masked count n of RCL/RCR of size s bytes modulo the width plus one
// (8 and 16 bits; at 32 and 64 bits the mask keeps it below the width).
func rcCount(n uint64, s uint8) uint64 {
	if s < 4 {
		return n % (uint64(s)*8 + 1)
	}
	return n
}

// rcl and rcr are RCL and RCR of a, size s bytes, through the carry flag cf (0 or 1) by
// k, the count masked and, at 8 and 16 bits, reduced modulo the width plus one (rcCount;
// so 0 <= k <= the width): the result and the CF and OF they leave (0 or 1). The
// general handler (shift), the lazy-flag one (shiftFast) and the 32/64-bit one (rcx)
// share them.
func rcl(a, k, cf uint64, s uint8) (r, cfOut, of uint64) {
	msb := uint64(s)*8 - 1
	r = a
	if k != 0 {
		j := (msb + 1 - k) & 63 // the width minus k
		r = (a<<(k&63) | cf<<((k-1)&63) | a>>1>>j) & sizeMask[s&15]
		cf = a >> j & 1
	}
	return r, cf, (r>>(msb&63) ^ cf) & 1
}

func rcr(a, k, cf uint64, s uint8) (r, cfOut, of uint64) {
	msb := uint64(s)*8 - 1
	r = a
	if k != 0 {
		j := (msb + 1 - k) & 63
		r = (a>>(k&63) | cf<<j | a<<1<<j) & sizeMask[s&15]
		cf = a >> ((k - 1) & 63) & 1
	}
	return r, cf, (r>>(msb&63) ^ r>>((msb-1)&63)) & 1
}

// zeroCount handles a masked count of 0 on a register: nothing changes except that a
// 32-bit destination is still written, so its upper half is cleared.
func (c *CPU) zeroCount(u *uop) *Fault {
	if u.sz[0] == 4 {
		c.GPR[u.r[0]&15] &= 0xFFFFFFFF
	}
	return nil
}

// shlRI is SHL r, imm.
func shlRI(c *CPU, u *uop) *Fault {
	n := u.imm
	if n == 0 {
		return c.zeroCount(u)
	}
	s := u.sz[0]
	a := c.reg(u.r[0], s)
	r := (a << n) & sizeMask[s]
	msb := uint64(s)*8 - 1
	cf := (a<<(n-1))>>msb&1 != 0
	c.setReg(u.r[0], s, r)
	c.setFlagsCO(r, s, cf, (r>>msb&1 != 0) != cf, false)
	return nil
}

// shrRI is SHR r, imm.
func shrRI(c *CPU, u *uop) *Fault {
	n := u.imm
	if n == 0 {
		return c.zeroCount(u)
	}
	s := u.sz[0]
	a := c.reg(u.r[0], s)
	r := a >> n
	c.setReg(u.r[0], s, r)
	c.setFlagsCO(r, s, a>>(n-1)&1 != 0, a>>(uint64(s)*8-1)&1 != 0, false)
	return nil
}

// sarRI is SAR r, imm.
func sarRI(c *CPU, u *uop) *Fault {
	n := u.imm
	if n == 0 {
		return c.zeroCount(u)
	}
	s := u.sz[0]
	sa := int64(signExt(c.reg(u.r[0], s), s))
	r := uint64(sa>>n) & sizeMask[s]
	c.setReg(u.r[0], s, r)
	c.setFlagsCO(r, s, uint64(sa>>(n-1))&1 != 0, false, false)
	return nil
}

// shiftRI is a rotate of a register by an immediate count.
func shiftRI(c *CPU, u *uop) *Fault {
	if u.imm == 0 {
		return c.zeroCount(u)
	}
	s := u.sz[0]
	c.setReg(u.r[0], s, c.shift(u.aux, c.reg(u.r[0], s), u.imm, s))
	return nil
}

// shiftRC is a shift or rotate of a register by CL.
func shiftRC(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	n := c.GPR[RCX] & countMask(s)
	if n == 0 {
		return c.zeroCount(u)
	}
	c.setReg(u.r[0], s, c.shift(u.aux, c.reg(u.r[0], s), n, s))
	return nil
}

// shiftMem is a shift or rotate of memory by n (the operand is read and written even
// when n is 0, as hardware does for the access checks).
func (c *CPU) shiftMem(u *uop, n uint64) *Fault {
	s := u.sz[0]
	addr := c.ea(u)
	a, f := c.read(addr, s)
	if f != nil {
		return f
	}
	if n == 0 {
		return c.write(addr, s, a)
	}
	lf, fl := c.saveFlags()
	r := c.shift(u.aux, a, n, s)
	if f := c.write(addr, s, r); f != nil {
		c.restoreFlags(lf, fl)
		return f
	}
	return nil
}

// shiftMI is a shift or rotate of memory by an immediate count.
func shiftMI(c *CPU, u *uop) *Fault { return c.shiftMem(u, u.imm) }

// shiftMC is a shift or rotate of memory by CL.
func shiftMC(c *CPU, u *uop) *Fault { return c.shiftMem(u, c.GPR[RCX]&countMask(u.sz[0])) }

func xlateShiftD(u *uop, d *decodeInfo) bool {
	if u.nargs != 3 || u.kind[1] != kReg || (u.kind[0] != kReg && u.kind[0] != kMem) {
		return false
	}
	if d.name == "SHRD" {
		u.aux = 1
	}
	switch u.kind[2] {
	case kImm:
		u.imm &= countMask(u.sz[0])
	case kReg:
		if u.r[2] != RCX {
			return false
		}
		u.aux |= 2
	default:
		return false
	}
	u.sz[1] = u.sz[0]
	if u.kind[0] == kReg {
		u.fn = shiftDR
	} else {
		u.fn = shiftDM
	}
	return true
}

// shiftD computes SHLD (right=false) or SHRD of dst by n != 0 bits filled from src, sets
// the flags and returns the result.
func (c *CPU) shiftD(right bool, dst, src, n uint64, s uint8) uint64 {
	w := uint64(s) * 8
	msb := w - 1
	var r uint64
	var cf bool
	switch {
	case s == 2 && !right:
		t := dst<<32 | src<<16 | dst
		r = t >> (32 - n) & 0xFFFF
		cf = t>>(48-n)&1 != 0
	case s == 2:
		t := dst | src<<16 | dst<<32
		r = t >> n & 0xFFFF
		cf = t>>(n-1)&1 != 0
	case !right:
		r = (dst<<n | src>>(w-n)) & sizeMask[s]
		cf = dst>>(w-n)&1 != 0
	default:
		r = (dst>>n | src<<(w-n)) & sizeMask[s]
		cf = dst>>(n-1)&1 != 0
	}
	c.setFlagsCO(r, s, cf, (r^dst)>>msb&1 != 0, false)
	return r
}

// shiftDR is SHLD/SHRD r, r, imm/CL.
func shiftDR(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	n := u.imm
	if u.aux&2 != 0 {
		n = c.GPR[RCX] & countMask(s)
	}
	if n == 0 {
		return c.zeroCount(u)
	}
	c.setReg(u.r[0], s, c.shiftD(u.aux&1 != 0, c.reg(u.r[0], s), c.reg(u.r[1], s), n, s))
	return nil
}

// shiftDM is SHLD/SHRD m, r, imm/CL.
func shiftDM(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	n := u.imm
	if u.aux&2 != 0 {
		n = c.GPR[RCX] & countMask(s)
	}
	addr := c.ea(u)
	a, f := c.read(addr, s)
	if f != nil {
		return f
	}
	if n == 0 {
		return c.write(addr, s, a)
	}
	lf, fl := c.saveFlags()
	r := c.shiftD(u.aux&1 != 0, a, c.reg(u.r[1], s), n, s)
	if f := c.write(addr, s, r); f != nil {
		c.restoreFlags(lf, fl)
		return f
	}
	return nil
}
