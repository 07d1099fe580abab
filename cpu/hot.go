package cpu

import "github.com/kppemu/kppemu/mmu"

// Specialised handlers for the forms that dominate compiled integer code.
//
// A translator picks a handler that is right for every form of its mnemonic; specialise
// then replaces it, for the commonest forms (32- and 64-bit register, immediate and
// register-memory ALU operations, MOV loads and stores, shifts and rotates by an
// immediate, MOVZX, NOT, LEA), by one that does the same thing without switching on the operation or operand
// size at run time. Each specialised handler computes exactly what the general one does;
// the differential tests run both (specialiseOn false keeps the general ones).

// specialiseOn selects the specialised handlers (tests turn it off to compare).
var specialiseOn = true

// specialise replaces u's handler by a specialised one when u has a form listed above.
func specialise(u *uop) {
	if !specialiseOn || u.nargs == 0 || specialiseInt(u) || u.lock {
		return
	}
	if specialiseSSE(u) {
		return
	}
	if u.kind[0] == kMem {
		s := u.sz[0]
		if u.nargs != 2 {
			return
		}
		if (u.op == opCMP || u.op == opTEST) && u.kind[1] == kImm {
			// CMP/TEST m8/m32/m64, imm.
			test := u.op == opTEST
			switch s {
			case 1:
				u.fn = pickTest(test, cmpMI8, testMI8)
			case 4:
				u.fn = pickTest(test, cmpMI32, testMI32)
			case 8:
				u.fn = pickTest(test, cmpMI64, testMI64)
			}
			return
		}
		if u.op == opMOV && s == 1 {
			// Byte stores: MOV m8, imm8 and MOV m8, r8 (not AH..BH).
			switch {
			case u.kind[1] == kImm:
				u.fn = movMI8
			case u.kind[1] == kReg && u.r[1]&0x10 == 0:
				u.fn = movMR8
			}
			return
		}
		// Stores: MOV m32/m64, r and MOV m32/m64, imm.
		if u.op != opMOV || s != 4 && s != 8 {
			return
		}
		switch {
		case u.kind[1] == kReg && u.sz[1] == s:
			u.fn = pick(s, movMR32, movMR64)
		case u.kind[1] == kImm:
			u.fn = pick(s, movMI32, movMI64)
		}
		return
	}
	if u.kind[0] != kReg {
		return
	}
	s := u.sz[0]
	if s != 4 && s != 8 || u.r[0]&0x10 != 0 {
		return
	}
	k1 := u.kind[1]
	switch u.op {
	case opADD, opSUB, opAND, opOR, opXOR, opCMP, opTEST:
		if u.nargs != 2 || u.aux > aluTEST || u.aux == aluADC || u.aux == aluSBB {
			return
		}
		switch {
		case k1 == kReg && u.sz[1] == s:
			u.fn = pick(s, aluRR32Fns[u.aux], aluRR64Fns[u.aux])
		case k1 == kImm:
			u.fn = pick(s, aluRI32Fns[u.aux], aluRI64Fns[u.aux])
		case k1 == kMem && u.sz[1] == s:
			u.fn = pick(s, aluRM32Fns[u.aux], aluRM64Fns[u.aux])
		}
	case opMOV:
		switch {
		case k1 == kMem && u.sz[1] == s:
			u.fn = pick(s, movRM32, movRM64)
		case k1 == kReg && u.sz[1] == s:
			u.fn = pick(s, movRR32, movRR64)
		case k1 == kImm:
			u.fn = movRI64 // u.imm is already truncated to the operand size
		}
	case opMOVZX:
		switch {
		case k1 == kReg && u.sz[1] == 1 && u.r[1]&0x10 == 0:
			u.fn = movzxRR8q
		case k1 == kMem && u.sz[1] == 1:
			u.fn = movzxRM8
		case k1 == kMem && u.sz[1] == 2:
			u.fn = movzxRM16
		}
	case opMOVSXD:
		if s == 8 && k1 == kReg && u.sz[1] == 4 {
			u.fn = movsxdRR
		}
	case opNOT:
		if u.nargs == 1 {
			u.fn = pick(s, notR32, notR64)
		}
	case opLEA:
		if k1 == kMem && u.asize == 8 && s == 8 {
			u.fn = leaQ
		}
	case opSHL, opSHR, opSAR, opROL, opROR:
		if u.nargs != 2 || k1 != kImm || u.imm == 0 {
			return
		}
		switch u.aux {
		case shSHL:
			u.fn = pick(s, shlRI32, shlRI64)
		case shSHR:
			u.fn = pick(s, shrRI32, shrRI64)
		case shSAR:
			u.fn = pick(s, sarRI32, sarRI64)
		case shROL:
			u.fn = pick(s, rolRI32, rolRI64)
		case shROR:
			u.fn = pick(s, rorRI32, rorRI64)
		}
	}
}

// lazyOps are the mnemonics whose forms with one memory operand and register or
// immediate others have handlers that reach memory only through c.read, c.write and
// their TLB-hit shortcuts (readSlow and writeSlow call syncLazy), and read no other
// state that a lazy block step skips (block.go).
var lazyOps = func() (t [4096]bool) {
	for _, n := range []string{"ADD", "ADC", "SUB", "SBB", "AND", "OR", "XOR", "CMP", "TEST",
		"MOV", "MOVZX", "MOVSX", "MOVSXD"} {
		t[opByName[n]] = true
	}
	return t
}()

// markLazy sets u.lazy for the forms lazyOps describes (with a LOCK prefix too: the
// handlers are the same). A RIP-relative operand's address is eaAny's, which finds a
// lazy step's RIP from its block's start and its offset.
func markLazy(u *uop) {
	markLazyInt(u)
	if !lazyOps[u.op&4095] || u.nargs != 2 {
		return
	}
	mem := 0
	for i := 0; i < 2; i++ {
		switch u.kind[i] {
		case kMem:
			mem++
		case kReg, kImm:
		default:
			return
		}
	}
	u.lazy = mem == 1
}

func pickTest(test bool, cmp, tst handler) handler {
	if test {
		return tst
	}
	return cmp
}

func pick(size uint8, h32, h64 handler) handler {
	if size == 8 {
		return h64
	}
	return h32
}

// load32 and load64 are c.read at a fixed size (the TLB-hit path first).
func (c *CPU) load32(addr uint64) (uint64, *Fault) {
	if !c.memSlow && canonical(addr) {
		if v, ok := c.mem.TryRead32(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0); ok {
			return v, nil
		}
	}
	return c.readSlow(addr, 4)
}

func (c *CPU) load64(addr uint64) (uint64, *Fault) {
	if !c.memSlow && canonical(addr) {
		if v, ok := c.mem.TryRead64(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0); ok {
			return v, nil
		}
	}
	return c.readSlow(addr, 8)
}

// movRR32 is MOV r32, r32 (the upper half cleared).
func movRR32(c *CPU, u *uop) *Fault {
	c.GPR[u.r[0]&15] = c.GPR[u.r[1]&15] & 0xFFFFFFFF
	return nil
}

// movRI64 is MOV r32/r64, imm (imm already truncated: a 32-bit write clears the upper half).
func movRI64(c *CPU, u *uop) *Fault {
	c.GPR[u.r[0]&15] = u.imm
	return nil
}

// movRM32 is MOV r32, m32.
func movRM32(c *CPU, u *uop) *Fault {
	v, f := c.load32(c.ea(u))
	if f != nil {
		return f
	}
	c.GPR[u.r[0]&15] = v
	return nil
}

// movzxRR8q is MOVZX r32/r64, r8 (not AH..BH).
func movzxRR8q(c *CPU, u *uop) *Fault {
	c.GPR[u.r[0]&15] = c.GPR[u.r[1]&15] & 0xFF
	return nil
}

// movzxRM8 is MOVZX r32/r64, m8.
func movzxRM8(c *CPU, u *uop) *Fault {
	addr := c.ea(u)
	if !c.memSlow && canonical(addr) {
		if v, ok := c.mem.TryRead8(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0); ok {
			c.GPR[u.r[0]&15] = v
			return nil
		}
	}
	v, f := c.readSlow(addr, 1)
	if f != nil {
		return f
	}
	c.GPR[u.r[0]&15] = v
	return nil
}

// movzxRM16 is MOVZX r32/r64, m16.
func movzxRM16(c *CPU, u *uop) *Fault {
	addr := c.ea(u)
	if !c.memSlow && canonical(addr) {
		if v, ok := c.mem.TryRead16(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0); ok {
			c.GPR[u.r[0]&15] = v
			return nil
		}
	}
	v, f := c.readSlow(addr, 2)
	if f != nil {
		return f
	}
	c.GPR[u.r[0]&15] = v
	return nil
}

// movsxdRR is MOVSXD r64, r32.
func movsxdRR(c *CPU, u *uop) *Fault {
	c.GPR[u.r[0]&15] = uint64(int64(int32(c.GPR[u.r[1]&15])))
	return nil
}

// notR32 and notR64 are NOT r (no flags).
func notR32(c *CPU, u *uop) *Fault {
	c.GPR[u.r[0]&15] = ^c.GPR[u.r[0]&15] & 0xFFFFFFFF
	return nil
}

func notR64(c *CPU, u *uop) *Fault {
	c.GPR[u.r[0]&15] = ^c.GPR[u.r[0]&15]
	return nil
}

// leaQ is LEA r64, m with a 64-bit address size.
func leaQ(c *CPU, u *uop) *Fault {
	if u.eaFlat {
		c.GPR[u.r[0]&15] = c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<u.scale + u.disp
		return nil
	}
	var a uint64
	switch u.eaForm {
	case eaBase:
		a = c.GPR[u.base&15] + u.disp
	case eaBaseIndex:
		a = c.GPR[u.base&15] + c.GPR[u.index&15]<<u.scale + u.disp
	case eaRIP:
		a = c.RIP + u.disp
	case eaIndex:
		a = c.GPR[u.index&15]<<u.scale + u.disp
	default:
		a = u.disp
	}
	c.GPR[u.r[0]&15] = a
	return nil
}

// Shifts and rotates of a register by an immediate count (already masked, not zero), with
// the flags of shift (shift.go).

func shlRI32(c *CPU, u *uop) *Fault {
	n := u.imm
	a := c.GPR[u.r[0]&15] & 0xFFFFFFFF
	r := (a << n) & 0xFFFFFFFF
	cf := (a << (n - 1)) >> 31 & 1
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, cv: cf<<31 | (r>>31)<<30, msb: 31, kind: lfArith}
	return nil
}

func shlRI64(c *CPU, u *uop) *Fault {
	n := u.imm
	a := c.GPR[u.r[0]&15]
	r := a << n
	cf := (a << (n - 1)) >> 63
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, cv: cf<<63 | (r>>63)<<62, msb: 63, kind: lfArith}
	return nil
}

func shrRI32(c *CPU, u *uop) *Fault {
	n := u.imm
	a := c.GPR[u.r[0]&15] & 0xFFFFFFFF
	r := a >> n
	cf := a >> (n - 1) & 1
	of := a >> 31
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, cv: cf<<31 | (cf^of)<<30, msb: 31, kind: lfArith}
	return nil
}

func shrRI64(c *CPU, u *uop) *Fault {
	n := u.imm
	a := c.GPR[u.r[0]&15]
	r := a >> n
	cf := a >> (n - 1) & 1
	of := a >> 63
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, cv: cf<<63 | (cf^of)<<62, msb: 63, kind: lfArith}
	return nil
}

func sarRI32(c *CPU, u *uop) *Fault {
	n := u.imm
	sa := int64(int32(c.GPR[u.r[0]&15]))
	r := uint64(sa>>n) & 0xFFFFFFFF
	cf := uint64(sa>>(n-1)) & 1
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, cv: cf<<31 | cf<<30, msb: 31, kind: lfArith}
	return nil
}

func sarRI64(c *CPU, u *uop) *Fault {
	n := u.imm
	sa := int64(c.GPR[u.r[0]&15])
	r := uint64(sa >> n)
	cf := uint64(sa>>(n-1)) & 1
	c.GPR[u.r[0]&15] = r
	c.lf = lazyFlags{res: r, cv: cf<<63 | cf<<62, msb: 63, kind: lfArith}
	return nil
}

// setCFOF sets CF and OF (0 or 1) and keeps every other arithmetic flag, without
// materialising lazy flags: in a lazy state the carry vector's bits msb and msb-1 carry
// CF and OF, and AF (bit 3) and the result are untouched.
func (c *CPU) setCFOF(cf, of uint64) {
	if c.lf.kind == lfNone {
		c.RFLAGS = c.RFLAGS&^(FlagCF|FlagOF) | cf*FlagCF | of*FlagOF
		return
	}
	m := c.lf.msb & 63
	c.lf.cv = c.lf.cv&^(3<<((m-1)&63)) | cf<<m | (cf^of)<<((m-1)&63)
	c.lf.kind = lfArith
}

func rolRI32(c *CPU, u *uop) *Fault {
	k := u.imm & 31
	a := c.GPR[u.r[0]&15] & 0xFFFFFFFF
	r := (a<<k | a>>(32-k)) & 0xFFFFFFFF
	c.GPR[u.r[0]&15] = r
	cf := r & 1
	c.setCFOF(cf, r>>31^cf)
	return nil
}

func rolRI64(c *CPU, u *uop) *Fault {
	k := u.imm & 63
	a := c.GPR[u.r[0]&15]
	r := a<<k | a>>(64-k)
	c.GPR[u.r[0]&15] = r
	cf := r & 1
	c.setCFOF(cf, r>>63^cf)
	return nil
}

func rorRI32(c *CPU, u *uop) *Fault {
	k := u.imm & 31
	a := c.GPR[u.r[0]&15] & 0xFFFFFFFF
	r := (a>>k | a<<(32-k)) & 0xFFFFFFFF
	c.GPR[u.r[0]&15] = r
	c.setCFOF(r>>31, (r>>31^r>>30)&1)
	return nil
}

func rorRI64(c *CPU, u *uop) *Fault {
	k := u.imm & 63
	a := c.GPR[u.r[0]&15]
	r := a>>k | a<<(64-k)
	c.GPR[u.r[0]&15] = r
	c.setCFOF(r>>63, (r>>63^r>>62)&1)
	return nil
}

// store32 and store64 are c.write at a fixed size (the TLB-hit path first).
func (c *CPU) store32(addr, v uint64) *Fault {
	if !c.memSlow && canonical(addr) {
		if c.mem.TryWrite32(mmu.VAddr(addr), v, c.user, c.RFLAGS&FlagAC != 0) {
			return nil
		}
	}
	return c.writeSlow(addr, 4, v)
}

func (c *CPU) store64(addr, v uint64) *Fault {
	if !c.memSlow && canonical(addr) {
		if c.mem.TryWrite64(mmu.VAddr(addr), v, c.user, c.RFLAGS&FlagAC != 0) {
			return nil
		}
	}
	return c.writeSlow(addr, 8, v)
}

// movMR32 is MOV m32, r32.
func movMR32(c *CPU, u *uop) *Fault { return c.store32(c.ea(u), c.GPR[u.r[1]&15]&0xFFFFFFFF) }

// movMI32 and movMI64 are MOV m, imm (imm already truncated or sign-extended to the size).
func movMI32(c *CPU, u *uop) *Fault { return c.store32(c.ea(u), u.imm) }

func movMI64(c *CPU, u *uop) *Fault { return c.store64(c.ea(u), u.imm) }

// pushR64 is PUSH r64 in 64-bit mode (the TLB-hit path first). A non-canonical stack
// address never hits (the TLB holds canonical translations only), so push raises its #SS.
func pushR64(c *CPU, u *uop) *Fault {
	v := c.GPR[u.r[0]&15]
	sp := c.GPR[RSP] - 8
	if !c.memSlow && c.mem.TryWrite64(mmu.VAddr(sp), v, c.user, c.RFLAGS&FlagAC != 0) {
		c.GPR[RSP] = sp
		return nil
	}
	c.syncLazy()
	return c.push(v, 8)
}

// popR64 is POP r64 in 64-bit mode (the TLB-hit path first); POP RSP loads the popped
// value, as popR does.
func popR64(c *CPU, u *uop) *Fault {
	sp := c.GPR[RSP]
	if !c.memSlow {
		if v, ok := c.mem.TryRead64(mmu.VAddr(sp), c.user, c.RFLAGS&FlagAC != 0); ok {
			c.GPR[RSP] = sp + 8
			c.GPR[u.r[0]&15] = v
			return nil
		}
	}
	c.syncLazy()
	return popR(c, u)
}

// load8 and store8 are c.read and c.write of a byte (the TLB-hit path first).
func (c *CPU) load8(addr uint64) (uint64, *Fault) {
	if !c.memSlow && canonical(addr) {
		if v, ok := c.mem.TryRead8(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0); ok {
			return v, nil
		}
	}
	return c.readSlow(addr, 1)
}

func (c *CPU) store8(addr, v uint64) *Fault {
	if !c.memSlow && canonical(addr) {
		if c.mem.TryWrite8(mmu.VAddr(addr), v, c.user, c.RFLAGS&FlagAC != 0) {
			return nil
		}
	}
	return c.writeSlow(addr, 1, v)
}

// movMI8 is MOV m8, imm8.
func movMI8(c *CPU, u *uop) *Fault { return c.store8(c.ea(u), u.imm) }

// movMR8 is MOV m8, r8 (AL..R15B).
func movMR8(c *CPU, u *uop) *Fault { return c.store8(c.ea(u), c.GPR[u.r[1]&15]&0xFF) }

// cmpMI8, cmpMI32 and cmpMI64 are CMP m, imm (imm truncated to the size).
func cmpMI8(c *CPU, u *uop) *Fault {
	a, f := c.load8(c.ea(u))
	if f != nil {
		return f
	}
	b := u.imm
	r := (a - b) & 0xFF
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: 7, kind: lfArith}
	return nil
}

func cmpMI32(c *CPU, u *uop) *Fault {
	a, f := c.load32(c.ea(u))
	if f != nil {
		return f
	}
	b := u.imm
	r := (a - b) & 0xFFFFFFFF
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: 31, kind: lfArith}
	return nil
}

func cmpMI64(c *CPU, u *uop) *Fault {
	a, f := c.load64(c.ea(u))
	if f != nil {
		return f
	}
	b := u.imm
	r := a - b
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: 63, kind: lfArith}
	return nil
}

// testMI8, testMI32 and testMI64 are TEST m, imm.
func testMI8(c *CPU, u *uop) *Fault {
	a, f := c.load8(c.ea(u))
	if f != nil {
		return f
	}
	c.lf = lazyFlags{res: a & u.imm, msb: 7, kind: lfArith}
	return nil
}

func testMI32(c *CPU, u *uop) *Fault {
	a, f := c.load32(c.ea(u))
	if f != nil {
		return f
	}
	c.lf = lazyFlags{res: a & u.imm, msb: 31, kind: lfArith}
	return nil
}

func testMI64(c *CPU, u *uop) *Fault {
	a, f := c.load64(c.ea(u))
	if f != nil {
		return f
	}
	c.lf = lazyFlags{res: a & u.imm, msb: 63, kind: lfArith}
	return nil
}
