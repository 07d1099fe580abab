package cpu

// The eight group-1 arithmetic/logic instructions, TEST, INC and DEC, in every form.

// Group-1 operations, in the order of the ModRM reg field of opcodes 80-83.
const (
	aluADD = iota
	aluOR
	aluADC
	aluSBB
	aluAND
	aluSUB
	aluXOR
	aluCMP
	aluTEST
)

func init() {
	for i, name := range []string{"ADD", "OR", "ADC", "SBB", "AND", "SUB", "XOR", "CMP", "TEST"} {
		op := uint8(i)
		register(name, func(u *uop, d *decodeInfo) bool { return xlateALU(u, op) })
	}
	register("INC", xlateIncDec)
	register("DEC", xlateIncDec)
}

// intArgs reports whether every register or memory argument of u is 1, 2, 4 or 8 bytes
// wide (so handlers can rely on it; anything else from the decoder becomes #UD).
func intArgs(u *uop) bool {
	for i := 0; i < int(u.nargs) && i < 3; i++ {
		if u.kind[i] == kReg || u.kind[i] == kMem {
			switch u.sz[i] {
			case 1, 2, 4, 8:
			default:
				return false
			}
		}
	}
	return true
}

// xlateALU picks the form handler for a two-operand ALU instruction.
func xlateALU(u *uop, op uint8) bool {
	if !intArgs(u) {
		return false
	}
	u.aux = op
	k0, k1 := u.kind[0], u.kind[1]
	switch {
	case k0 == kReg && k1 == kReg:
		u.fn = aluRR
		if u.sz[0] == 8 {
			switch op {
			case aluADD:
				u.fn = addRR64
			case aluSUB:
				u.fn = subRR64
			case aluCMP:
				u.fn = cmpRR64
			case aluXOR:
				u.fn = xorRR64
			}
		}
	case k0 == kReg && k1 == kMem:
		u.fn = aluRM
	case k0 == kMem && k1 == kReg:
		u.fn = aluMR
	case k0 == kReg && k1 == kImm:
		u.imm &= sizeMask[u.sz[0]]
		u.fn = aluRI
		if u.sz[0] == 8 {
			switch op {
			case aluADD:
				u.fn = addRI64
			case aluSUB:
				u.fn = subRI64
			case aluCMP:
				u.fn = cmpRI64
			}
		}
	case k0 == kMem && k1 == kImm:
		u.imm &= sizeMask[u.sz[0]]
		u.fn = aluMI
	}
	return u.fn != nil
}

// alu computes a op b at size bytes, sets the flags and returns the result.
func (c *CPU) alu(op uint8, a, b uint64, size uint8) uint64 {
	m := sizeMask[size]
	var r uint64
	switch op {
	case aluADD:
		r = (a + b) & m
		c.setFlagsAdd(a, b, r, size)
	case aluOR:
		r = a | b
		c.setFlagsLogic(r, size)
	case aluADC:
		r = (a + b + b2u(c.cf())) & m
		c.setFlagsAdd(a, b, r, size)
	case aluSBB:
		r = (a - b - b2u(c.cf())) & m
		c.setFlagsSub(a, b, r, size)
	case aluAND, aluTEST:
		r = a & b
		c.setFlagsLogic(r, size)
	case aluSUB, aluCMP:
		r = (a - b) & m
		c.setFlagsSub(a, b, r, size)
	case aluXOR:
		r = a ^ b
		c.setFlagsLogic(r, size)
	}
	return r
}

// aluRR is OP r, r.
func aluRR(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	r := c.alu(u.aux, c.reg(u.r[0], s), c.reg(u.r[1], s), s)
	if u.aux < aluCMP {
		c.setReg(u.r[0], s, r)
	}
	return nil
}

// aluRM is OP r, m.
func aluRM(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	b, f := c.read(c.ea(u), s)
	if f != nil {
		return f
	}
	r := c.alu(u.aux, c.reg(u.r[0], s), b, s)
	if u.aux < aluCMP {
		c.setReg(u.r[0], s, r)
	}
	return nil
}

// aluMR is OP m, r.
func aluMR(c *CPU, u *uop) *Fault {
	s := u.sz[1]
	addr := c.ea(u)
	a, f := c.read(addr, s)
	if f != nil {
		return f
	}
	lf := c.lf
	r := c.alu(u.aux, a, c.reg(u.r[1], s), s)
	if u.aux < aluCMP {
		if f := c.write(addr, s, r); f != nil {
			c.lf = lf
			return f
		}
	}
	return nil
}

// aluRI is OP r, imm.
func aluRI(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	r := c.alu(u.aux, c.reg(u.r[0], s), u.imm, s)
	if u.aux < aluCMP {
		c.setReg(u.r[0], s, r)
	}
	return nil
}

// aluMI is OP m, imm.
func aluMI(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	addr := c.ea(u)
	a, f := c.read(addr, s)
	if f != nil {
		return f
	}
	lf := c.lf
	r := c.alu(u.aux, a, u.imm, s)
	if u.aux < aluCMP {
		if f := c.write(addr, s, r); f != nil {
			c.lf = lf
			return f
		}
	}
	return nil
}

// Specialised 64-bit register forms for the hot loops.

func addRR64(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15], c.GPR[u.r[1]&15]
	r := a + b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, cv: (a & b) | ((a | b) &^ r), msb: 63, kind: lfArith}
	return nil
}

func subRR64(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15], c.GPR[u.r[1]&15]
	r := a - b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: 63, kind: lfArith}
	return nil
}

func cmpRR64(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15], c.GPR[u.r[1]&15]
	r := a - b
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: 63, kind: lfArith}
	return nil
}

func xorRR64(c *CPU, u *uop) *Fault {
	r := c.GPR[u.r[0]&15] ^ c.GPR[u.r[1]&15]
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, msb: 63, kind: lfArith}
	return nil
}

func addRI64(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15], u.imm
	r := a + b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, cv: (a & b) | ((a | b) &^ r), msb: 63, kind: lfArith}
	return nil
}

func subRI64(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15], u.imm
	r := a - b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: 63, kind: lfArith}
	return nil
}

func cmpRI64(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15], u.imm
	r := a - b
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: 63, kind: lfArith}
	return nil
}

func xlateIncDec(u *uop, d *decodeInfo) bool {
	if !intArgs(u) {
		return false
	}
	if d.name == "DEC" {
		u.aux = 1
	}
	switch u.kind[0] {
	case kReg:
		u.fn = incDecR
		switch {
		case u.sz[0] == 8 && u.aux == 1:
			u.fn = decR64
		case u.sz[0] == 4 && u.aux == 1:
			u.fn = decR32
		case u.sz[0] == 8:
			u.fn = incR64
		case u.sz[0] == 4:
			u.fn = incR32
		}
	case kMem:
		u.fn = incDecM
	}
	return u.fn != nil
}

func (c *CPU) incDec(dec bool, a uint64, s uint8) uint64 {
	if dec {
		r := (a - 1) & sizeMask[s]
		c.setFlagsDec(a, r, s)
		return r
	}
	r := (a + 1) & sizeMask[s]
	c.setFlagsInc(a, r, s)
	return r
}

// incDecR is INC/DEC r.
func incDecR(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	c.setReg(u.r[0], s, c.incDec(u.aux == 1, c.reg(u.r[0], s), s))
	return nil
}

// incDecM is INC/DEC m.
func incDecM(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	addr := c.ea(u)
	a, f := c.read(addr, s)
	if f != nil {
		return f
	}
	lf, fl := c.lf, c.RFLAGS
	r := c.incDec(u.aux == 1, a, s)
	if f := c.write(addr, s, r); f != nil {
		c.lf, c.RFLAGS = lf, fl
		return f
	}
	return nil
}

// keepCF folds a pending carry into RFLAGS.CF before an INC/DEC replaces the lazy state.
func (c *CPU) keepCF() {
	if c.lf.kind == lfArith {
		c.RFLAGS = c.RFLAGS&^FlagCF | c.lf.cv>>(c.lf.msb&63)&1
	}
}

// decR64 is DEC r64.
func decR64(c *CPU, u *uop) *Fault {
	c.keepCF()
	a := c.GPR[u.r[0]&15]
	r := a - 1
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, cv: (^a & 1) | (^(a ^ 1) & r), msb: 63, kind: lfKeepCF}
	return nil
}

// decR32 is DEC r32.
func decR32(c *CPU, u *uop) *Fault {
	c.keepCF()
	a := uint64(uint32(c.GPR[u.r[0]&15]))
	r := uint64(uint32(a - 1))
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, cv: (^a & 1) | (^(a ^ 1) & r), msb: 31, kind: lfKeepCF}
	return nil
}

// incR64 is INC r64.
func incR64(c *CPU, u *uop) *Fault {
	c.keepCF()
	a := c.GPR[u.r[0]&15]
	r := a + 1
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, cv: (a & 1) | ((a | 1) &^ r), msb: 63, kind: lfKeepCF}
	return nil
}

// incR32 is INC r32.
func incR32(c *CPU, u *uop) *Fault {
	c.keepCF()
	a := uint64(uint32(c.GPR[u.r[0]&15]))
	r := uint64(uint32(a + 1))
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, cv: (a & 1) | ((a | 1) &^ r), msb: 31, kind: lfKeepCF}
	return nil
}
