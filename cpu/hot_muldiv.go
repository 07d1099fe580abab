package cpu

import (
	"math/bits"

	"github.com/kppemu/kppemu/mmu"
)

// Specialised handlers for the one-operand multiplies and the divides (MUL, IMUL, DIV,
// IDIV r/m): the 32- and 64-bit register forms without the general handlers' switches on
// the operand's kind and size, and the memory forms through one TLB probe. Each computes
// exactly what mul1, imul1, div1 and idiv1 compute; a divide that raises #DE runs the
// general handler, which raises it with nothing changed.
//
// The divides are lazy steps of a block (uop.lazy): they read no RIP, clock or count, and
// a fault returned by a lazy step has the skipped state set before it is delivered
// (runChain's stepLazy). The multiplies' register forms are pure steps (pureOps).

var (
	opMUL  = uint16(opByName["MUL"])
	opDIV  = uint16(opByName["DIV"])
	opIDIV = uint16(opByName["IDIV"])
)

// specialiseMulDiv picks a handler of this file for u, a MUL, IMUL, DIV or IDIV with one
// operand, and marks a divide lazy (its register form too); it reports whether it did.
func specialiseMulDiv(u *uop) bool {
	if u.nargs != 1 || u.lock {
		return false
	}
	k, s := u.kind[0], u.sz[0]
	reg := k == kReg && u.r[0]&0x10 == 0 && (s == 4 || s == 8)
	mem := k == kMem && u.eaForm != eaRIP && (s == 4 || s == 8)
	var fn handler
	switch u.op {
	case opMUL:
		switch {
		case reg:
			fn = pick(s, mulR32, mulR64)
		case mem:
			fn = pick(s, mulM32, mulM64)
		}
	case opIMUL:
		switch {
		case reg:
			fn = pick(s, imul1R32, imul1R64)
		case mem:
			fn = pick(s, imul1M32, imul1M64)
		}
	case opDIV, opIDIV:
		if k == kReg || k == kMem && u.eaForm != eaRIP {
			// Every size: the general handler reads its operand through readArg (a
			// register or c.read) and raises #DE before changing anything.
			u.lazy = true
		}
		switch {
		case reg && u.op == opDIV:
			fn = pick(s, divR32, divR64)
		case reg:
			fn = pick(s, idivR32, idivR64)
		case mem && u.op == opDIV:
			fn = pick(s, divM32, divM64)
		case mem:
			fn = pick(s, idivM32, idivM64)
		}
	default:
		return false
	}
	if fn == nil {
		return false
	}
	u.fn = fn
	return true
}

// mulFlags sets the flags of a MUL or IMUL whose low half is lo (msb its top bit):
// CF = OF = ovf (setFlagsCO).
func (c *CPU) mulFlags(lo uint64, msb uint8, ovf bool) {
	c.lf = lazyFlags{res: lo, cv: b2u(ovf) << (msb & 63), msb: msb, kind: lfArith}
}

func (c *CPU) mul32(b uint64) {
	p := uint64(uint32(c.GPR[RAX])) * uint64(uint32(b))
	lo, hi := p&0xFFFFFFFF, p>>32
	c.GPR[RAX], c.GPR[RDX] = lo, hi
	c.mulFlags(lo, 31, hi != 0)
}

func (c *CPU) mul64(b uint64) {
	hi, lo := bits.Mul64(c.GPR[RAX], b)
	c.GPR[RAX], c.GPR[RDX] = lo, hi
	c.mulFlags(lo, 63, hi != 0)
}

func (c *CPU) imul1_32(b uint64) {
	p := uint64(int64(int32(c.GPR[RAX])) * int64(int32(b)))
	lo := p & 0xFFFFFFFF
	c.GPR[RAX], c.GPR[RDX] = lo, p>>32&0xFFFFFFFF
	c.mulFlags(lo, 31, p != uint64(int64(int32(lo))))
}

func (c *CPU) imul1_64(b uint64) {
	hi, lo := imul64(c.GPR[RAX], b)
	c.GPR[RAX], c.GPR[RDX] = lo, hi
	c.mulFlags(lo, 63, hi != uint64(int64(lo)>>63))
}

func mulR32(c *CPU, u *uop) *Fault   { c.mul32(c.GPR[u.r[0]&15]); return nil }
func mulR64(c *CPU, u *uop) *Fault   { c.mul64(c.GPR[u.r[0]&15]); return nil }
func imul1R32(c *CPU, u *uop) *Fault { c.imul1_32(c.GPR[u.r[0]&15]); return nil }
func imul1R64(c *CPU, u *uop) *Fault { c.imul1_64(c.GPR[u.r[0]&15]); return nil }

func mulM32(c *CPU, u *uop) *Fault {
	b, f := c.load32(c.ea(u))
	if f != nil {
		return f
	}
	c.mul32(b)
	return nil
}

func mulM64(c *CPU, u *uop) *Fault {
	b, f := c.load64(c.ea(u))
	if f != nil {
		return f
	}
	c.mul64(b)
	return nil
}

func imul1M32(c *CPU, u *uop) *Fault {
	b, f := c.load32(c.ea(u))
	if f != nil {
		return f
	}
	c.imul1_32(b)
	return nil
}

func imul1M64(c *CPU, u *uop) *Fault {
	b, f := c.load64(c.ea(u))
	if f != nil {
		return f
	}
	c.imul1_64(b)
	return nil
}

// div32 divides EDX:EAX by b (32 bits) and reports whether it did (else #DE is due and
// nothing changed).
func (c *CPU) div32(b uint64) bool {
	b &= 0xFFFFFFFF
	hi := c.GPR[RDX] & 0xFFFFFFFF
	if hi >= b { // a zero divisor, or a quotient wider than 32 bits
		return false
	}
	a := hi<<32 | c.GPR[RAX]&0xFFFFFFFF
	c.GPR[RAX], c.GPR[RDX] = a/b, a%b
	return true
}

func (c *CPU) div64(b uint64) bool {
	hi := c.GPR[RDX]
	if hi >= b {
		return false
	}
	q, r := bits.Div64(hi, c.GPR[RAX], b)
	c.GPR[RAX], c.GPR[RDX] = q, r
	return true
}

func (c *CPU) idiv32(bu uint64) bool {
	b := int64(int32(bu))
	a := int64(c.GPR[RDX]<<32 | c.GPR[RAX]&0xFFFFFFFF)
	if b == 0 || b == -1 && a == -1<<63 {
		return false
	}
	q, r := a/b, a%b
	if q != int64(int32(q)) {
		return false
	}
	c.GPR[RAX], c.GPR[RDX] = uint64(q)&0xFFFFFFFF, uint64(r)&0xFFFFFFFF
	return true
}

func (c *CPU) idiv64(bu uint64) bool {
	hi, lo := c.GPR[RDX], c.GPR[RAX]
	if hi != uint64(int64(lo)>>63) || bu == 0 {
		// A dividend wider than RAX (or a zero divisor): the general handler.
		return false
	}
	a, b := int64(lo), int64(bu)
	if b == -1 && a == -1<<63 {
		return false
	}
	c.GPR[RAX], c.GPR[RDX] = uint64(a/b), uint64(a%b)
	return true
}

func divR32(c *CPU, u *uop) *Fault {
	if c.div32(c.GPR[u.r[0]&15]) {
		return nil
	}
	return div1(c, u)
}

func divR64(c *CPU, u *uop) *Fault {
	if c.div64(c.GPR[u.r[0]&15]) {
		return nil
	}
	return div1(c, u)
}

func idivR32(c *CPU, u *uop) *Fault {
	if c.idiv32(c.GPR[u.r[0]&15]) {
		return nil
	}
	return idiv1(c, u)
}

func idivR64(c *CPU, u *uop) *Fault {
	if c.idiv64(c.GPR[u.r[0]&15]) {
		return nil
	}
	return idiv1(c, u)
}

// divMem reads the divisor of a memory divide on the TLB-hit path (ok false: the general
// handler runs the instruction).
func (c *CPU) divMem(u *uop, s uint8) (uint64, bool) {
	if c.memSlow {
		return 0, false
	}
	addr := c.ea(u)
	if !canonical(addr) {
		return 0, false
	}
	if s == 4 {
		return c.mem.TryRead32(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
	}
	return c.mem.TryRead64(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
}

func divM32(c *CPU, u *uop) *Fault {
	if b, ok := c.divMem(u, 4); ok && c.div32(b) {
		return nil
	}
	return div1(c, u)
}

func divM64(c *CPU, u *uop) *Fault {
	if b, ok := c.divMem(u, 8); ok && c.div64(b) {
		return nil
	}
	return div1(c, u)
}

func idivM32(c *CPU, u *uop) *Fault {
	if b, ok := c.divMem(u, 4); ok && c.idiv32(b) {
		return nil
	}
	return idiv1(c, u)
}

func idivM64(c *CPU, u *uop) *Fault {
	if b, ok := c.divMem(u, 8); ok && c.idiv64(b) {
		return nil
	}
	return idiv1(c, u)
}
