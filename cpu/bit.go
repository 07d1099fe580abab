package cpu

// Bit instructions: BT, BTS, BTR, BTC, BSF, BSR, LZCNT, TZCNT, POPCNT, BSWAP
// (SDM Vol. 2A/2B).
//
// BT*: CF = the selected bit, ZF unchanged, OF/SF/AF/PF undefined (left as they are).
// With a register bit offset and a memory operand the offset is a signed integer of the
// operand size that may address bits outside the operand: the byte address moves by
// (offset >> log2(width)) * (width/8). With an immediate offset, or a register operand,
// the offset is taken modulo the operand width.
//
// BSF/BSR with a zero source set ZF and leave the destination unchanged (AMD documents
// this; it is what the host does). LZCNT/TZCNT set CF when the source is zero and ZF when
// the result is zero. POPCNT clears every arithmetic flag except ZF (source == 0).

import "math/bits"

const (
	btTest = iota
	btSet
	btReset
	btComplement
)

func init() {
	register("BT", func(u *uop, d *decodeInfo) bool { return xlateBT(u, btTest) && gprSizes(u) })
	register("BTS", func(u *uop, d *decodeInfo) bool { return xlateBT(u, btSet) && gprSizes(u) })
	register("BTR", func(u *uop, d *decodeInfo) bool { return xlateBT(u, btReset) && gprSizes(u) })
	register("BTC", func(u *uop, d *decodeInfo) bool { return xlateBT(u, btComplement) && gprSizes(u) })
	register("BSF", sized(xlateBitScan))
	register("BSR", sized(xlateBitScan))
	register("LZCNT", sized(xlateBitScan))
	register("TZCNT", sized(xlateBitScan))
	register("POPCNT", sized(xlateBitScan))
	register("BSWAP", func(u *uop, d *decodeInfo) bool {
		if u.kind[0] != kReg {
			return false
		}
		u.fn = bswap
		return true
	})
}

func xlateBT(u *uop, op uint8) bool {
	u.aux = op
	if u.nargs != 2 {
		return false
	}
	w := uint64(u.sz[0]) * 8
	switch {
	case u.kind[0] == kReg && u.kind[1] == kReg:
		u.fn = btRR
	case u.kind[0] == kReg && u.kind[1] == kImm:
		u.imm &= w - 1
		u.fn = btRI
	case u.kind[0] == kMem && u.kind[1] == kReg:
		u.fn = btMR
	case u.kind[0] == kMem && u.kind[1] == kImm:
		u.imm &= w - 1
		u.fn = btMI
	}
	return u.fn != nil
}

// setCFOnly sets CF and keeps ZF/SF/PF as they are (pending lazy flags stay pending:
// lfKeepCF takes CF from RFLAGS).
func (c *CPU) setCFOnly(cf uint64) {
	c.RFLAGS = c.RFLAGS&^FlagCF | cf&1
	if c.lf.kind == lfArith {
		c.lf.kind = lfKeepCF
	}
}

// btApply applies bit operation op to bit n of a and returns the new value.
func btApply(op uint8, a, n uint64) uint64 {
	switch op {
	case btSet:
		return a | 1<<n
	case btReset:
		return a &^ (1 << n)
	case btComplement:
		return a ^ 1<<n
	}
	return a
}

// btRR is BTx r, r.
func btRR(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	n := c.reg(u.r[1], s) & (uint64(s)*8 - 1)
	a := c.reg(u.r[0], s)
	c.setCFOnly(a >> n)
	if u.aux != btTest {
		c.setReg(u.r[0], s, btApply(u.aux, a, n))
	}
	return nil
}

// btRI is BTx r, imm.
func btRI(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	a := c.reg(u.r[0], s)
	c.setCFOnly(a >> u.imm)
	if u.aux != btTest {
		c.setReg(u.r[0], s, btApply(u.aux, a, u.imm))
	}
	return nil
}

// btMem is BTx on the operand-size word at linear address addr, bit n.
func (c *CPU) btMem(u *uop, addr, n uint64) *Fault {
	s := u.sz[0]
	a, f := c.read(addr, s)
	if f != nil {
		return f
	}
	if u.aux != btTest {
		if f := c.write(addr, s, btApply(u.aux, a, n)); f != nil {
			return f
		}
	}
	c.setCFOnly(a >> n)
	return nil
}

// btMI is BTx m, imm.
func btMI(c *CPU, u *uop) *Fault { return c.btMem(u, c.ea(u), u.imm) }

// btMR is BTx m, r: the signed bit offset selects a word relative to the operand.
func btMR(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	off := int64(signExt(c.reg(u.r[1], s), s))
	var sh uint
	switch s {
	case 2:
		sh = 4
	case 4:
		sh = 5
	default:
		sh = 6
	}
	ea := c.offset(u) + uint64(off>>sh)*uint64(s)
	ea &= sizeMask[u.asize]
	addr := ea
	if u.addSeg {
		addr = c.linear(u.seg, ea)
	}
	return c.btMem(u, addr, uint64(off)&(uint64(s)*8-1))
}

const (
	scanBSF = iota
	scanBSR
	scanLZCNT
	scanTZCNT
	scanPOPCNT
)

func xlateBitScan(u *uop, d *decodeInfo) bool {
	switch d.name {
	case "BSF":
		u.aux = scanBSF
	case "BSR":
		u.aux = scanBSR
	case "LZCNT":
		u.aux = scanLZCNT
	case "TZCNT":
		u.aux = scanTZCNT
	default:
		u.aux = scanPOPCNT
	}
	if u.nargs != 2 || u.kind[0] != kReg || (u.kind[1] != kReg && u.kind[1] != kMem) {
		return false
	}
	u.sz[1] = u.sz[0]
	u.fn = bitScan
	return true
}

// bitScan is BSF/BSR/LZCNT/TZCNT/POPCNT r, r/m.
func bitScan(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	v, f := c.readArg(u, 1)
	if f != nil {
		return f
	}
	w := uint64(s) * 8
	switch u.aux {
	case scanBSF:
		c.setFlagsLogic(v, s)
		if v != 0 {
			c.setReg(u.r[0], s, uint64(bits.TrailingZeros64(v)))
		}
	case scanBSR:
		c.setFlagsLogic(v, s)
		if v != 0 {
			c.setReg(u.r[0], s, uint64(bits.Len64(v)-1))
		}
	case scanLZCNT:
		r := w - uint64(bits.Len64(v))
		c.setReg(u.r[0], s, r)
		c.setFlagsCO(r, s, v == 0, false, false)
	case scanTZCNT:
		r := w
		if v != 0 {
			r = uint64(bits.TrailingZeros64(v))
		}
		c.setReg(u.r[0], s, r)
		c.setFlagsCO(r, s, v == 0, false, false)
	default:
		c.setReg(u.r[0], s, uint64(bits.OnesCount64(v)))
		c.setFlagsBits(b2u(v == 0)*FlagZF, flagsArith)
	}
	return nil
}

// bswap is BSWAP r32/r64 (with a 16-bit operand, undefined, the register's low word
// becomes 0 as on current hardware).
func bswap(c *CPU, u *uop) *Fault {
	r := u.r[0] & 15
	switch u.sz[0] {
	case 8:
		c.GPR[r] = bits.ReverseBytes64(c.GPR[r])
	case 4:
		c.GPR[r] = uint64(bits.ReverseBytes32(uint32(c.GPR[r])))
	default:
		c.GPR[r] &^= 0xFFFF
	}
	return nil
}
