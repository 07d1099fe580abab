package cpu

// Register, immediate and register-memory forms of the group-1 instructions (ADD, SUB,
// AND, OR, XOR, CMP, TEST) at 32 and 64 bits, one handler per operation and form, so the
// hottest integer code runs without the operation and size switches of basicalu.go. They
// compute exactly what aluRR/aluRI/aluRM compute; specialise (hot.go) picks them.

func addRR32(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15]&0xFFFFFFFF, c.GPR[u.r[1]&15]&0xFFFFFFFF
	r := (a + b) & 0xFFFFFFFF
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, cv: (a & b) | ((a | b) &^ r), msb: 31, kind: lfArith}
	return nil
}

func addRI32(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15]&0xFFFFFFFF, u.imm
	r := (a + b) & 0xFFFFFFFF
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, cv: (a & b) | ((a | b) &^ r), msb: 31, kind: lfArith}
	return nil
}

func addRM32(c *CPU, u *uop) *Fault {
	b, f := c.load32(c.ea(u))
	if f != nil {
		return f
	}
	a := c.GPR[u.r[0]&15] & 0xFFFFFFFF
	r := (a + b) & 0xFFFFFFFF
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, cv: (a & b) | ((a | b) &^ r), msb: 31, kind: lfArith}
	return nil
}

func subRR32(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15]&0xFFFFFFFF, c.GPR[u.r[1]&15]&0xFFFFFFFF
	r := (a - b) & 0xFFFFFFFF
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: 31, kind: lfArith}
	return nil
}

func subRI32(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15]&0xFFFFFFFF, u.imm
	r := (a - b) & 0xFFFFFFFF
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: 31, kind: lfArith}
	return nil
}

func subRM32(c *CPU, u *uop) *Fault {
	b, f := c.load32(c.ea(u))
	if f != nil {
		return f
	}
	a := c.GPR[u.r[0]&15] & 0xFFFFFFFF
	r := (a - b) & 0xFFFFFFFF
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: 31, kind: lfArith}
	return nil
}

func andRR32(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15]&0xFFFFFFFF, c.GPR[u.r[1]&15]&0xFFFFFFFF
	r := a & b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, msb: 31, kind: lfArith}
	return nil
}

func andRI32(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15]&0xFFFFFFFF, u.imm
	r := a & b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, msb: 31, kind: lfArith}
	return nil
}

func andRM32(c *CPU, u *uop) *Fault {
	b, f := c.load32(c.ea(u))
	if f != nil {
		return f
	}
	a := c.GPR[u.r[0]&15] & 0xFFFFFFFF
	r := a & b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, msb: 31, kind: lfArith}
	return nil
}

func orRR32(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15]&0xFFFFFFFF, c.GPR[u.r[1]&15]&0xFFFFFFFF
	r := a | b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, msb: 31, kind: lfArith}
	return nil
}

func orRI32(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15]&0xFFFFFFFF, u.imm
	r := a | b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, msb: 31, kind: lfArith}
	return nil
}

func orRM32(c *CPU, u *uop) *Fault {
	b, f := c.load32(c.ea(u))
	if f != nil {
		return f
	}
	a := c.GPR[u.r[0]&15] & 0xFFFFFFFF
	r := a | b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, msb: 31, kind: lfArith}
	return nil
}

func xorRR32(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15]&0xFFFFFFFF, c.GPR[u.r[1]&15]&0xFFFFFFFF
	r := a ^ b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, msb: 31, kind: lfArith}
	return nil
}

func xorRI32(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15]&0xFFFFFFFF, u.imm
	r := a ^ b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, msb: 31, kind: lfArith}
	return nil
}

func xorRM32(c *CPU, u *uop) *Fault {
	b, f := c.load32(c.ea(u))
	if f != nil {
		return f
	}
	a := c.GPR[u.r[0]&15] & 0xFFFFFFFF
	r := a ^ b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, msb: 31, kind: lfArith}
	return nil
}

func cmpRR32(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15]&0xFFFFFFFF, c.GPR[u.r[1]&15]&0xFFFFFFFF
	r := (a - b) & 0xFFFFFFFF
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: 31, kind: lfArith}
	return nil
}

func cmpRI32(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15]&0xFFFFFFFF, u.imm
	r := (a - b) & 0xFFFFFFFF
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: 31, kind: lfArith}
	return nil
}

func cmpRM32(c *CPU, u *uop) *Fault {
	b, f := c.load32(c.ea(u))
	if f != nil {
		return f
	}
	a := c.GPR[u.r[0]&15] & 0xFFFFFFFF
	r := (a - b) & 0xFFFFFFFF
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: 31, kind: lfArith}
	return nil
}

func testRR32(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15]&0xFFFFFFFF, c.GPR[u.r[1]&15]&0xFFFFFFFF
	r := a & b
	c.lf = lazyFlags{res: r, msb: 31, kind: lfArith}
	return nil
}

func testRI32(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15]&0xFFFFFFFF, u.imm
	r := a & b
	c.lf = lazyFlags{res: r, msb: 31, kind: lfArith}
	return nil
}

func testRM32(c *CPU, u *uop) *Fault {
	b, f := c.load32(c.ea(u))
	if f != nil {
		return f
	}
	a := c.GPR[u.r[0]&15] & 0xFFFFFFFF
	r := a & b
	c.lf = lazyFlags{res: r, msb: 31, kind: lfArith}
	return nil
}

func addRM64(c *CPU, u *uop) *Fault {
	b, f := c.load64(c.ea(u))
	if f != nil {
		return f
	}
	a := c.GPR[u.r[0]&15]
	r := a + b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, cv: (a & b) | ((a | b) &^ r), msb: 63, kind: lfArith}
	return nil
}

func subRM64(c *CPU, u *uop) *Fault {
	b, f := c.load64(c.ea(u))
	if f != nil {
		return f
	}
	a := c.GPR[u.r[0]&15]
	r := a - b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: 63, kind: lfArith}
	return nil
}

func andRR64(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15], c.GPR[u.r[1]&15]
	r := a & b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, msb: 63, kind: lfArith}
	return nil
}

func andRI64(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15], u.imm
	r := a & b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, msb: 63, kind: lfArith}
	return nil
}

func andRM64(c *CPU, u *uop) *Fault {
	b, f := c.load64(c.ea(u))
	if f != nil {
		return f
	}
	a := c.GPR[u.r[0]&15]
	r := a & b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, msb: 63, kind: lfArith}
	return nil
}

func orRR64(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15], c.GPR[u.r[1]&15]
	r := a | b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, msb: 63, kind: lfArith}
	return nil
}

func orRI64(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15], u.imm
	r := a | b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, msb: 63, kind: lfArith}
	return nil
}

func orRM64(c *CPU, u *uop) *Fault {
	b, f := c.load64(c.ea(u))
	if f != nil {
		return f
	}
	a := c.GPR[u.r[0]&15]
	r := a | b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, msb: 63, kind: lfArith}
	return nil
}

func xorRI64(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15], u.imm
	r := a ^ b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, msb: 63, kind: lfArith}
	return nil
}

func xorRM64(c *CPU, u *uop) *Fault {
	b, f := c.load64(c.ea(u))
	if f != nil {
		return f
	}
	a := c.GPR[u.r[0]&15]
	r := a ^ b
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, msb: 63, kind: lfArith}
	return nil
}

func cmpRM64(c *CPU, u *uop) *Fault {
	b, f := c.load64(c.ea(u))
	if f != nil {
		return f
	}
	a := c.GPR[u.r[0]&15]
	r := a - b
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: 63, kind: lfArith}
	return nil
}

func testRR64(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15], c.GPR[u.r[1]&15]
	r := a & b
	c.lf = lazyFlags{res: r, msb: 63, kind: lfArith}
	return nil
}

func testRI64(c *CPU, u *uop) *Fault {
	a, b := c.GPR[u.r[0]&15], u.imm
	r := a & b
	c.lf = lazyFlags{res: r, msb: 63, kind: lfArith}
	return nil
}

func testRM64(c *CPU, u *uop) *Fault {
	b, f := c.load64(c.ea(u))
	if f != nil {
		return f
	}
	a := c.GPR[u.r[0]&15]
	r := a & b
	c.lf = lazyFlags{res: r, msb: 63, kind: lfArith}
	return nil
}

// aluRR32Fns are the RR forms at 32 bits by group-1 operation.
var aluRR32Fns = [...]handler{
	aluADD:  addRR32,
	aluSUB:  subRR32,
	aluAND:  andRR32,
	aluOR:   orRR32,
	aluXOR:  xorRR32,
	aluCMP:  cmpRR32,
	aluTEST: testRR32,
}

// aluRI32Fns are the RI forms at 32 bits by group-1 operation.
var aluRI32Fns = [...]handler{
	aluADD:  addRI32,
	aluSUB:  subRI32,
	aluAND:  andRI32,
	aluOR:   orRI32,
	aluXOR:  xorRI32,
	aluCMP:  cmpRI32,
	aluTEST: testRI32,
}

// aluRM32Fns are the RM forms at 32 bits by group-1 operation.
var aluRM32Fns = [...]handler{
	aluADD:  addRM32,
	aluSUB:  subRM32,
	aluAND:  andRM32,
	aluOR:   orRM32,
	aluXOR:  xorRM32,
	aluCMP:  cmpRM32,
	aluTEST: testRM32,
}

// aluRR64Fns are the RR forms at 64 bits by group-1 operation.
var aluRR64Fns = [...]handler{
	aluADD:  addRR64,
	aluSUB:  subRR64,
	aluAND:  andRR64,
	aluOR:   orRR64,
	aluXOR:  xorRR64,
	aluCMP:  cmpRR64,
	aluTEST: testRR64,
}

// aluRI64Fns are the RI forms at 64 bits by group-1 operation.
var aluRI64Fns = [...]handler{
	aluADD:  addRI64,
	aluSUB:  subRI64,
	aluAND:  andRI64,
	aluOR:   orRI64,
	aluXOR:  xorRI64,
	aluCMP:  cmpRI64,
	aluTEST: testRI64,
}

// aluRM64Fns are the RM forms at 64 bits by group-1 operation.
var aluRM64Fns = [...]handler{
	aluADD:  addRM64,
	aluSUB:  subRM64,
	aluAND:  andRM64,
	aluOR:   orRM64,
	aluXOR:  xorRM64,
	aluCMP:  cmpRM64,
	aluTEST: testRM64,
}
