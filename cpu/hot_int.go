package cpu

import (
	"encoding/binary"
	"math/bits"
	"sync/atomic"

	"github.com/kppemu/kppemu/mmu"
)

// Specialised handlers for the integer forms beyond hot.go's: read-modify-write of
// memory at every size (group-1 operations, INC, DEC, NEG, NOT, XADD) through one TLB
// probe, 8- and 16-bit register arithmetic, ADC and SBB, CMOVcc, SETcc, IMUL, MOVSX,
// shifts and rotates by CL, bit scans and counts, BT, and byte and word moves. Each
// computes exactly what the general handler of its instruction computes (the general
// handler is its fallback off the TLB-hit path); the differential tests run both.

// lazyIntOps are the mnemonics, besides lazyOps', whose handlers with one memory operand
// reach memory only through c.read and c.write (or their TLB-hit shortcuts) and read no
// state a lazy block step skips, so markLazy may mark them.
var lazyIntOps = func() (t [4096]bool) {
	for _, n := range []string{"INC", "DEC", "NEG", "NOT", "XADD", "XCHG", "CMPXCHG", "IMUL", "MUL",
		"BT", "BTS", "BTR", "BTC", "BSF", "BSR", "LZCNT", "TZCNT", "POPCNT", "SHL", "SHR", "SAR",
		"ROL", "ROR", "RCL", "RCR", "SHLD", "SHRD", "MOVBE", "CMOVO", "CMOVNO", "CMOVB", "CMOVAE", "CMOVE", "CMOVNE", "CMOVBE", "CMOVA",
		"CMOVS", "CMOVNS", "CMOVP", "CMOVNP", "CMOVL", "CMOVGE", "CMOVLE", "CMOVG", "SETO", "SETNO",
		"SETB", "SETAE", "SETE", "SETNE", "SETBE", "SETA", "SETS", "SETNS", "SETP", "SETNP", "SETL",
		"SETGE", "SETLE", "SETG"} {
		t[opByName[n]] = true
	}
	return t
}()

// markLazyInt sets u.lazy for the forms of lazyIntOps with exactly one memory operand
// (RIP-relative too: see markLazy) and register or immediate others; a LOCK prefix
// changes nothing in these handlers. LEAVE in 64-bit mode is lazy too: its handler
// reaches memory only through c.pop.
func markLazyInt(u *uop) {
	if u.op == opLEAVE && u.osize == 8 {
		u.lazy = true
		return
	}
	if !lazyIntOps[u.op&4095] || u.nargs == 0 {
		return
	}
	mem := 0
	for i := 0; i < int(u.nargs) && i < len(u.kind); i++ {
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

var (
	opLEAVE   = uint16(opByName["LEAVE"])
	opNEG     = uint16(opByName["NEG"])
	opXADD    = uint16(opByName["XADD"])
	opIMUL    = uint16(opByName["IMUL"])
	opMOVSX   = uint16(opByName["MOVSX"])
	opBT      = uint16(opByName["BT"])
	opBSF     = uint16(opByName["BSF"])
	opBSR     = uint16(opByName["BSR"])
	opTZCNT   = uint16(opByName["TZCNT"])
	opLZCNT   = uint16(opByName["LZCNT"])
	opPOPCNT  = uint16(opByName["POPCNT"])
	opXCHG    = uint16(opByName["XCHG"])
	isCMOVOp  = intOpSet("CMOVO", "CMOVNO", "CMOVB", "CMOVAE", "CMOVE", "CMOVNE", "CMOVBE", "CMOVA", "CMOVS", "CMOVNS", "CMOVP", "CMOVNP", "CMOVL", "CMOVGE", "CMOVLE", "CMOVG")
	isSETccOp = intOpSet("SETO", "SETNO", "SETB", "SETAE", "SETE", "SETNE", "SETBE", "SETA", "SETS", "SETNS", "SETP", "SETNP", "SETL", "SETGE", "SETLE", "SETG")
)

func intOpSet(names ...string) (t [4096]bool) {
	for _, n := range names {
		t[opByName[n]] = true
	}
	return t
}

// specialiseInt picks a handler of this file for u and reports whether it did.
func specialiseInt(u *uop) bool {
	if u.nargs == 0 || u.nargs > 3 {
		return false
	}
	if u.nargs == 1 && (u.op == opMUL || u.op == opIMUL || u.op == opDIV || u.op == opIDIV) {
		return specialiseMulDiv(u)
	}
	var fn handler
	k0, k1 := u.kind[0], u.kind[1]
	s := u.sz[0]
	low0 := k0 == kReg && u.r[0]&0x10 == 0
	low1 := k1 == kReg && u.r[1]&0x10 == 0
	switch u.op {
	case opADD, opOR, opADC, opSBB, opAND, opSUB, opXOR, opCMP, opTEST:
		if u.nargs != 2 || u.aux > aluTEST {
			return false
		}
		switch {
		case k0 == kMem && k1 == kReg && u.aux < aluCMP:
			fn = aluMRh
			if low1 && rmwMRFns[u.aux] != nil {
				fn = rmwMRFns[u.aux]
			}
		case k0 == kMem && k1 == kImm && u.aux < aluCMP:
			fn = aluMIh
			if rmwMIFns[u.aux] != nil {
				fn = rmwMIFns[u.aux]
			}
		case u.lock:
			return false
		case u.aux == aluADC || u.aux == aluSBB:
			if !low0 || k1 != kImm && !(low1 && u.sz[1] == s) {
				return false
			}
			switch {
			case u.aux == aluADC && k1 == kReg:
				fn = adcRR
			case u.aux == aluADC:
				fn = adcRI
			case k1 == kReg:
				fn = sbbRR
			default:
				fn = sbbRI
			}
		case low0 && (s == 1 || s == 2):
			switch {
			case low1 && u.sz[1] == s:
				fn = aluRRnFns[u.aux]
			case k1 == kImm:
				fn = aluRInFns[u.aux]
			}
		}
	case opINC, opDEC:
		if u.nargs != 1 {
			return false
		}
		switch {
		case k0 == kMem && u.op == opINC:
			fn = incMh
		case k0 == kMem:
			fn = decMh
		case low0 && (s == 1 || s == 2) && !u.lock:
			fn = incDecRn
		}
	case opNEG, opNOT:
		if u.nargs != 1 {
			return false
		}
		switch {
		case k0 == kMem && u.op == opNEG:
			fn = negMh
		case k0 == kMem:
			fn = notMh
		case u.lock || !low0:
		case u.op == opNEG:
			fn = negRh
		case s == 1 || s == 2:
			fn = notRn
		}
	case opXADD:
		if u.nargs == 2 && k0 == kMem && k1 == kReg {
			fn = xaddMh
		}
	case opPUSH:
		if u.nargs == 1 && u.osize == 8 && !u.lock && (k0 == kImm || k0 == kMem && u.eaForm != eaRIP) {
			// PUSH imm and PUSH m in 64-bit mode reach memory only through c.push and
			// c.read, as pushR64 does.
			u.lazy = true
			if k0 == kImm {
				fn = pushI64
			}
		}
	case opPOP:
		if u.nargs == 1 && u.osize == 8 && !u.lock && k0 == kMem && u.eaForm != eaRIP {
			u.lazy = true
		}
	}
	if fn != nil {
		u.fn = fn
		return true
	}
	if u.lock {
		return false
	}
	switch {
	case isCMOVOp[u.op&4095]:
		if u.nargs == 2 && k0 == kReg && (s == 4 || s == 8) {
			switch k1 {
			case kReg:
				fn = pick(s, cmovRR32, cmovRR64)
			case kMem:
				fn = pick(s, cmovRM32, cmovRM64)
			}
		}
	case isSETccOp[u.op&4095]:
		if u.nargs == 1 && low0 {
			fn = setccRh
		}
	case u.op == opIMUL:
		if k0 != kReg || s != 4 && s != 8 {
			break
		}
		switch {
		case u.nargs == 2 && k1 == kReg:
			fn = pick(s, imulRR32, imulRR64)
		case u.nargs == 2 && k1 == kMem:
			fn = pick(s, imulRM32, imulRM64)
		case u.nargs == 3 && u.kind[2] == kImm && k1 == kReg:
			fn = pick(s, imulRRI32, imulRRI64)
		}
	case u.op == opMOVSX:
		if u.nargs != 2 || k0 != kReg || s != 4 && s != 8 {
			break
		}
		switch {
		case k1 == kReg && low1 && u.sz[1] == 1:
			fn = pick(s, movsxRR8d, movsxRR8q)
		case k1 == kReg && u.sz[1] == 2:
			fn = pick(s, movsxRR16d, movsxRR16q)
		case k1 == kMem && u.sz[1] == 1:
			fn = pick(s, movsxRM8d, movsxRM8q)
		case k1 == kMem && u.sz[1] == 2:
			fn = pick(s, movsxRM16d, movsxRM16q)
		}
	case u.op == opMOVSXD:
		if u.nargs == 2 && k0 == kReg && s == 8 && k1 == kMem && u.sz[1] == 4 {
			fn = movsxdRM
		}
	case u.op == opMOV:
		if u.nargs != 2 {
			break
		}
		switch {
		case s == 1 && low0 && low1:
			fn = movRR8
		case s == 2 && k0 == kReg && k1 == kReg:
			fn = movRR16
		case s == 1 && low0 && k1 == kMem:
			fn = movRM8
		case s == 2 && k0 == kReg && k1 == kMem:
			fn = movRM16
		case s == 2 && k0 == kMem && k1 == kReg:
			fn = movMR16
		case s == 2 && k0 == kMem && k1 == kImm:
			fn = movMI16
		case s == 1 && low0 && k1 == kImm:
			fn = movRI8
		case s == 2 && k0 == kReg && k1 == kImm:
			fn = movRI16
		}
	case u.op == opSHL || u.op == opSHR || u.op == opSAR || u.op == opROL || u.op == opROR:
		switch {
		case u.nargs != 2 || k0 != kReg || k1 != kReg:
		case s == 4 || s == 8:
			fn = shiftCLFns[u.aux&7][s>>3]
		case s == 1 || s == 2:
			fn = shiftRCn
		}
	case u.op == opRCL || u.op == opRCR:
		switch {
		case u.nargs != 2 || k0 != kReg:
		case (s == 1 || s == 2) && k1 == kReg:
			fn = shiftRCn
		case (s == 4 || s == 8) && k1 == kReg:
			fn = rcxRC
		case (s == 4 || s == 8) && k1 == kImm:
			fn = rcxRI
		}
	case u.op == opBSF || u.op == opBSR || u.op == opTZCNT || u.op == opLZCNT || u.op == opPOPCNT:
		if u.nargs == 2 && k0 == kReg && (s == 4 || s == 8) && (k1 == kReg || k1 == kMem) {
			fn = scanFns[u.aux][s>>3]
		}
	case u.op == opBT:
		if u.nargs == 2 && k0 == kReg && (s == 4 || s == 8) {
			switch k1 {
			case kReg:
				fn = btRRh
			case kImm:
				fn = btRIh
			}
		}
	case u.op == opBTS || u.op == opBTR || u.op == opBTC:
		if u.nargs == 2 && k0 == kReg && (s == 4 || s == 8) {
			switch k1 {
			case kReg:
				fn = btxRRh
			case kImm:
				fn = btxRIh
			}
		}
	case u.op == opXCHG:
		if u.nargs == 2 && k0 == kReg && k1 == kReg && s == 4 {
			fn = xchgRR32
		}
	}
	if fn == nil {
		return false
	}
	u.fn = fn
	return true
}

// ldPage and stPage read and write size bytes at offset off of page p (off+size <= 4096).
func ldPage(p *[4096]byte, off uint64, size uint8) uint64 {
	switch size {
	case 8:
		return binary.LittleEndian.Uint64(p[off&0xFFF:])
	case 4:
		return uint64(binary.LittleEndian.Uint32(p[off&0xFFF:]))
	case 2:
		return uint64(binary.LittleEndian.Uint16(p[off&0xFFF:]))
	}
	return uint64(p[off&0xFFF])
}

func stPage(p *[4096]byte, off uint64, size uint8, v uint64) {
	switch size {
	case 8:
		binary.LittleEndian.PutUint64(p[off&0xFFF:], v)
	case 4:
		binary.LittleEndian.PutUint32(p[off&0xFFF:], uint32(v))
	case 2:
		binary.LittleEndian.PutUint16(p[off&0xFFF:], uint16(v))
	default:
		p[off&0xFFF] = byte(v)
	}
}

// aluMRh is OP m, r (ADD, OR, ADC, SBB, AND, SUB, XOR) with one TLB probe on a hit.
func aluMRh(c *CPU, u *uop) *Fault {
	s := u.sz[1]
	if p, off := c.rmwAt(u, s); p != nil {
		stPage(p, off, s, c.alu(u.aux, ldPage(p, off, s), c.reg(u.r[1], s), s))
		return nil
	}
	return aluMR(c, u)
}

// aluMIh is OP m, imm (ADD, OR, ADC, SBB, AND, SUB, XOR).
func aluMIh(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	if p, off := c.rmwAt(u, s); p != nil {
		stPage(p, off, s, c.alu(u.aux, ldPage(p, off, s), u.imm, s))
		return nil
	}
	return aluMI(c, u)
}

// rmwAt returns the RAM page and page offset of u's memory operand for a size-byte
// read-modify-write that is a TLB hit, else nil.
func (c *CPU) rmwAt(u *uop, size uint8) (*[4096]byte, uint64) {
	var addr uint64
	if u.eaFlat {
		addr = c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp
	} else {
		addr = c.eaAny(u)
	}
	if c.memSlow || !canonical(addr) {
		return nil, 0
	}
	return c.mem.TryWritePage(mmu.VAddr(addr), uint64(size), c.user, c.RFLAGS&FlagAC != 0), addr & 0xFFF
}

// ADD, SUB, AND, OR and XOR of memory with a register (not AH..BH) or an immediate, at
// every size, one handler per operation.

func addMRr(c *CPU, u *uop) *Fault {
	s := u.sz[1]
	p, off := c.rmwAt(u, s)
	if p == nil {
		return aluMR(c, u)
	}
	a, b := ldPage(p, off, s), c.GPR[u.r[1]&15]&sizeMask[s]
	r := (a + b) & sizeMask[s]
	stPage(p, off, s, r)
	c.lf = lazyFlags{res: r, cv: (a & b) | ((a | b) &^ r), msb: s*8 - 1, kind: lfArith}
	return nil
}

func addMIr(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	p, off := c.rmwAt(u, s)
	if p == nil {
		return aluMI(c, u)
	}
	a, b := ldPage(p, off, s), u.imm
	r := (a + b) & sizeMask[s]
	stPage(p, off, s, r)
	c.lf = lazyFlags{res: r, cv: (a & b) | ((a | b) &^ r), msb: s*8 - 1, kind: lfArith}
	return nil
}

func subMRr(c *CPU, u *uop) *Fault {
	s := u.sz[1]
	p, off := c.rmwAt(u, s)
	if p == nil {
		return aluMR(c, u)
	}
	a, b := ldPage(p, off, s), c.GPR[u.r[1]&15]&sizeMask[s]
	r := (a - b) & sizeMask[s]
	stPage(p, off, s, r)
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: s*8 - 1, kind: lfArith}
	return nil
}

func subMIr(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	p, off := c.rmwAt(u, s)
	if p == nil {
		return aluMI(c, u)
	}
	a, b := ldPage(p, off, s), u.imm
	r := (a - b) & sizeMask[s]
	stPage(p, off, s, r)
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: s*8 - 1, kind: lfArith}
	return nil
}

func andMRr(c *CPU, u *uop) *Fault {
	s := u.sz[1]
	p, off := c.rmwAt(u, s)
	if p == nil {
		return aluMR(c, u)
	}
	r := ldPage(p, off, s) & c.GPR[u.r[1]&15] & sizeMask[s]
	stPage(p, off, s, r)
	c.lf = lazyFlags{res: r, msb: s*8 - 1, kind: lfArith}
	return nil
}

func andMIr(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	p, off := c.rmwAt(u, s)
	if p == nil {
		return aluMI(c, u)
	}
	r := ldPage(p, off, s) & u.imm
	stPage(p, off, s, r)
	c.lf = lazyFlags{res: r, msb: s*8 - 1, kind: lfArith}
	return nil
}

func orMRr(c *CPU, u *uop) *Fault {
	s := u.sz[1]
	p, off := c.rmwAt(u, s)
	if p == nil {
		return aluMR(c, u)
	}
	r := (ldPage(p, off, s) | c.GPR[u.r[1]&15]) & sizeMask[s]
	stPage(p, off, s, r)
	c.lf = lazyFlags{res: r, msb: s*8 - 1, kind: lfArith}
	return nil
}

func orMIr(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	p, off := c.rmwAt(u, s)
	if p == nil {
		return aluMI(c, u)
	}
	r := ldPage(p, off, s) | u.imm
	stPage(p, off, s, r)
	c.lf = lazyFlags{res: r, msb: s*8 - 1, kind: lfArith}
	return nil
}

func xorMRr(c *CPU, u *uop) *Fault {
	s := u.sz[1]
	p, off := c.rmwAt(u, s)
	if p == nil {
		return aluMR(c, u)
	}
	r := (ldPage(p, off, s) ^ c.GPR[u.r[1]&15]) & sizeMask[s]
	stPage(p, off, s, r)
	c.lf = lazyFlags{res: r, msb: s*8 - 1, kind: lfArith}
	return nil
}

func xorMIr(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	p, off := c.rmwAt(u, s)
	if p == nil {
		return aluMI(c, u)
	}
	r := ldPage(p, off, s) ^ u.imm
	stPage(p, off, s, r)
	c.lf = lazyFlags{res: r, msb: s*8 - 1, kind: lfArith}
	return nil
}

// rmwMRFns and rmwMIFns are those handlers by group-1 operation (nil: aluMRh, aluMIh).
var rmwMRFns = [...]handler{aluADD: addMRr, aluSUB: subMRr, aluAND: andMRr, aluOR: orMRr, aluXOR: xorMRr, aluTEST: nil}

var rmwMIFns = [...]handler{aluADD: addMIr, aluSUB: subMIr, aluAND: andMIr, aluOR: orMIr, aluXOR: xorMIr, aluTEST: nil}

// pushI64 is PUSH imm in 64-bit mode (the TLB-hit path first).
func pushI64(c *CPU, u *uop) *Fault {
	sp := c.GPR[RSP] - 8
	if !c.memSlow && c.mem.TryWrite64(mmu.VAddr(sp), u.imm, c.user, c.RFLAGS&FlagAC != 0) {
		c.GPR[RSP] = sp
		return nil
	}
	c.syncLazy()
	return pushI(c, u)
}

// incMh and decMh are INC m and DEC m.
func incMh(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	if p, off := c.rmwAt(u, s); p != nil {
		a := ldPage(p, off, s)
		r := (a + 1) & sizeMask[s]
		stPage(p, off, s, r)
		c.setFlagsInc(a, r, s)
		return nil
	}
	return incDecM(c, u)
}

func decMh(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	if p, off := c.rmwAt(u, s); p != nil {
		a := ldPage(p, off, s)
		r := (a - 1) & sizeMask[s]
		stPage(p, off, s, r)
		c.setFlagsDec(a, r, s)
		return nil
	}
	return incDecM(c, u)
}

// negMh and notMh are NEG m and NOT m.
func negMh(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	if p, off := c.rmwAt(u, s); p != nil {
		a := ldPage(p, off, s)
		r := -a & sizeMask[s]
		stPage(p, off, s, r)
		c.setFlagsSub(0, a, r, s)
		return nil
	}
	return negM(c, u)
}

func notMh(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	if p, off := c.rmwAt(u, s); p != nil {
		stPage(p, off, s, ^ldPage(p, off, s))
		return nil
	}
	return notM(c, u)
}

// xaddMh is XADD m, r.
func xaddMh(c *CPU, u *uop) *Fault {
	s := u.sz[1]
	if p, off := c.rmwAt(u, s); p != nil {
		a := ldPage(p, off, s)
		b := c.reg(u.r[1], s)
		r := (a + b) & sizeMask[s]
		stPage(p, off, s, r)
		c.setReg(u.r[1], s, a)
		c.setFlagsAdd(a, b, r, s)
		return nil
	}
	return xaddMR(c, u)
}

// Register forms at 8 and 16 bits (AL..R15B, not AH..BH; AX..R15W): the result merges
// into the low bits of the destination.

// putN writes the low bits m of v into register r, keeping the others.
func (c *CPU) putN(r uint8, m, v uint64) { c.GPR[r&15] = c.GPR[r&15]&^m | v&m }

func addRRn(c *CPU, u *uop) *Fault {
	m := sizeMask[u.sz[0]]
	a, b := c.GPR[u.r[0]&15]&m, c.GPR[u.r[1]&15]&m
	r := (a + b) & m
	c.putN(u.r[0], m, r)
	c.lf = lazyFlags{res: r, cv: (a & b) | ((a | b) &^ r), msb: u.sz[0]*8 - 1, kind: lfArith}
	return nil
}

func addRIn(c *CPU, u *uop) *Fault {
	m := sizeMask[u.sz[0]]
	a, b := c.GPR[u.r[0]&15]&m, u.imm&m
	r := (a + b) & m
	c.putN(u.r[0], m, r)
	c.lf = lazyFlags{res: r, cv: (a & b) | ((a | b) &^ r), msb: u.sz[0]*8 - 1, kind: lfArith}
	return nil
}

func subRRn(c *CPU, u *uop) *Fault {
	m := sizeMask[u.sz[0]]
	a, b := c.GPR[u.r[0]&15]&m, c.GPR[u.r[1]&15]&m
	r := (a - b) & m
	c.putN(u.r[0], m, r)
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: u.sz[0]*8 - 1, kind: lfArith}
	return nil
}

func subRIn(c *CPU, u *uop) *Fault {
	m := sizeMask[u.sz[0]]
	a, b := c.GPR[u.r[0]&15]&m, u.imm&m
	r := (a - b) & m
	c.putN(u.r[0], m, r)
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: u.sz[0]*8 - 1, kind: lfArith}
	return nil
}

func cmpRRn(c *CPU, u *uop) *Fault {
	m := sizeMask[u.sz[0]]
	a, b := c.GPR[u.r[0]&15]&m, c.GPR[u.r[1]&15]&m
	r := (a - b) & m
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: u.sz[0]*8 - 1, kind: lfArith}
	return nil
}

func cmpRIn(c *CPU, u *uop) *Fault {
	m := sizeMask[u.sz[0]]
	a, b := c.GPR[u.r[0]&15]&m, u.imm&m
	r := (a - b) & m
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: u.sz[0]*8 - 1, kind: lfArith}
	return nil
}

func andRRn(c *CPU, u *uop) *Fault {
	m := sizeMask[u.sz[0]]
	r := c.GPR[u.r[0]&15] & c.GPR[u.r[1]&15] & m
	c.putN(u.r[0], m, r)
	c.lf = lazyFlags{res: r, msb: u.sz[0]*8 - 1, kind: lfArith}
	return nil
}

func andRIn(c *CPU, u *uop) *Fault {
	m := sizeMask[u.sz[0]]
	r := c.GPR[u.r[0]&15] & u.imm & m
	c.putN(u.r[0], m, r)
	c.lf = lazyFlags{res: r, msb: u.sz[0]*8 - 1, kind: lfArith}
	return nil
}

func testRRn(c *CPU, u *uop) *Fault {
	m := sizeMask[u.sz[0]]
	c.lf = lazyFlags{res: c.GPR[u.r[0]&15] & c.GPR[u.r[1]&15] & m, msb: u.sz[0]*8 - 1, kind: lfArith}
	return nil
}

func testRIn(c *CPU, u *uop) *Fault {
	m := sizeMask[u.sz[0]]
	c.lf = lazyFlags{res: c.GPR[u.r[0]&15] & u.imm & m, msb: u.sz[0]*8 - 1, kind: lfArith}
	return nil
}

func orRRn(c *CPU, u *uop) *Fault {
	m := sizeMask[u.sz[0]]
	r := (c.GPR[u.r[0]&15] | c.GPR[u.r[1]&15]) & m
	c.putN(u.r[0], m, r)
	c.lf = lazyFlags{res: r, msb: u.sz[0]*8 - 1, kind: lfArith}
	return nil
}

func orRIn(c *CPU, u *uop) *Fault {
	m := sizeMask[u.sz[0]]
	r := (c.GPR[u.r[0]&15] | u.imm) & m
	c.putN(u.r[0], m, r)
	c.lf = lazyFlags{res: r, msb: u.sz[0]*8 - 1, kind: lfArith}
	return nil
}

func xorRRn(c *CPU, u *uop) *Fault {
	m := sizeMask[u.sz[0]]
	r := (c.GPR[u.r[0]&15] ^ c.GPR[u.r[1]&15]) & m
	c.putN(u.r[0], m, r)
	c.lf = lazyFlags{res: r, msb: u.sz[0]*8 - 1, kind: lfArith}
	return nil
}

func xorRIn(c *CPU, u *uop) *Fault {
	m := sizeMask[u.sz[0]]
	r := (c.GPR[u.r[0]&15] ^ u.imm) & m
	c.putN(u.r[0], m, r)
	c.lf = lazyFlags{res: r, msb: u.sz[0]*8 - 1, kind: lfArith}
	return nil
}

// aluRRnFns and aluRInFns are the 8/16-bit register forms by group-1 operation (ADC and
// SBB have their own).
var aluRRnFns = [...]handler{
	aluADD: addRRn, aluOR: orRRn, aluADC: adcRR, aluSBB: sbbRR, aluAND: andRRn, aluSUB: subRRn,
	aluXOR: xorRRn, aluCMP: cmpRRn, aluTEST: testRRn,
}

var aluRInFns = [...]handler{
	aluADD: addRIn, aluOR: orRIn, aluADC: adcRI, aluSBB: sbbRI, aluAND: andRIn, aluSUB: subRIn,
	aluXOR: xorRIn, aluCMP: cmpRIn, aluTEST: testRIn,
}

// putSized writes v (already truncated to size s) into register r (not AH..BH) as
// setReg does: a 32-bit write clears the upper half, 8- and 16-bit writes merge.
func (c *CPU) putSized(r, s uint8, v uint64) {
	if s >= 4 {
		c.GPR[r&15] = v
		return
	}
	c.putN(r, sizeMask[s], v)
}

// adcRR, adcRI, sbbRR and sbbRI are ADC and SBB of a register (not AH..BH) with a
// register or an immediate, at every size.
func adcRR(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	m := sizeMask[s]
	a, b := c.GPR[u.r[0]&15]&m, c.GPR[u.r[1]&15]&m
	r := (a + b + b2u(c.cf())) & m
	c.putSized(u.r[0], s, r)
	c.lf = lazyFlags{res: r, cv: (a & b) | ((a | b) &^ r), msb: s*8 - 1, kind: lfArith}
	return nil
}

func adcRI(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	m := sizeMask[s]
	a, b := c.GPR[u.r[0]&15]&m, u.imm&m
	r := (a + b + b2u(c.cf())) & m
	c.putSized(u.r[0], s, r)
	c.lf = lazyFlags{res: r, cv: (a & b) | ((a | b) &^ r), msb: s*8 - 1, kind: lfArith}
	return nil
}

func sbbRR(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	m := sizeMask[s]
	a, b := c.GPR[u.r[0]&15]&m, c.GPR[u.r[1]&15]&m
	r := (a - b - b2u(c.cf())) & m
	c.putSized(u.r[0], s, r)
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: s*8 - 1, kind: lfArith}
	return nil
}

func sbbRI(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	m := sizeMask[s]
	a, b := c.GPR[u.r[0]&15]&m, u.imm&m
	r := (a - b - b2u(c.cf())) & m
	c.putSized(u.r[0], s, r)
	c.lf = lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: s*8 - 1, kind: lfArith}
	return nil
}

// incDecRn is INC/DEC r8/r16 (u.aux 1: DEC).
func incDecRn(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	m := sizeMask[s]
	a := c.GPR[u.r[0]&15] & m
	c.keepCF()
	var r, cv uint64
	if u.aux == 1 {
		r = (a - 1) & m
		cv = (^a & 1) | (^(a ^ 1) & r)
	} else {
		r = (a + 1) & m
		cv = (a & 1) | ((a | 1) &^ r)
	}
	c.putN(u.r[0], m, r)
	c.lf = lazyFlags{res: r, cv: cv, msb: s*8 - 1, kind: lfKeepCF}
	return nil
}

// negRh is NEG r (not AH..BH) at every size.
func negRh(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	m := sizeMask[s]
	a := c.GPR[u.r[0]&15] & m
	r := -a & m
	c.putSized(u.r[0], s, r)
	c.lf = lazyFlags{res: r, cv: a | r, msb: s*8 - 1, kind: lfArith}
	return nil
}

// notRn is NOT r8/r16.
func notRn(c *CPU, u *uop) *Fault {
	m := sizeMask[u.sz[0]]
	c.GPR[u.r[0]&15] ^= m
	return nil
}

// CMOVcc r32/r64, r/m: the source is read (and may fault) whatever the condition; a
// 32-bit destination is zero-extended even when the condition is false.

func cmovRR32(c *CPU, u *uop) *Fault {
	d := u.r[0] & 15
	v := c.GPR[d]
	if c.cond(u.aux) {
		v = c.GPR[u.r[1]&15]
	}
	c.GPR[d] = v & 0xFFFFFFFF
	return nil
}

func cmovRR64(c *CPU, u *uop) *Fault {
	if c.cond(u.aux) {
		c.GPR[u.r[0]&15] = c.GPR[u.r[1]&15]
	}
	return nil
}

func cmovRM32(c *CPU, u *uop) *Fault {
	v, f := c.load32(c.ea(u))
	if f != nil {
		return f
	}
	d := u.r[0] & 15
	if !c.cond(u.aux) {
		v = c.GPR[d] & 0xFFFFFFFF
	}
	c.GPR[d] = v
	return nil
}

func cmovRM64(c *CPU, u *uop) *Fault {
	v, f := c.load64(c.ea(u))
	if f != nil {
		return f
	}
	if c.cond(u.aux) {
		c.GPR[u.r[0]&15] = v
	}
	return nil
}

// setccRh is SETcc r8 (not AH..BH).
func setccRh(c *CPU, u *uop) *Fault {
	c.GPR[u.r[0]&15] = c.GPR[u.r[0]&15]&^0xFF | b2u(c.cond(u.aux))
	return nil
}

// IMUL r32/r64 forms: CF = OF = the product does not fit, SF/ZF/PF from the result, AF 0.

func (c *CPU) imulFlags32(p int64) uint64 {
	r := uint64(p) & 0xFFFFFFFF
	ovf := p != int64(int32(p))
	c.setFlagsCO(r, 4, ovf, ovf, false)
	return r
}

func (c *CPU) imulFlags64(a, b uint64) uint64 {
	hi, lo := imul64(a, b)
	ovf := hi != uint64(int64(lo)>>63)
	c.setFlagsCO(lo, 8, ovf, ovf, false)
	return lo
}

func imulRR32(c *CPU, u *uop) *Fault {
	p := int64(int32(c.GPR[u.r[0]&15])) * int64(int32(c.GPR[u.r[1]&15]))
	c.GPR[u.r[0]&15] = c.imulFlags32(p)
	return nil
}

func imulRRI32(c *CPU, u *uop) *Fault {
	p := int64(int32(c.GPR[u.r[1]&15])) * int64(int32(u.imm))
	c.GPR[u.r[0]&15] = c.imulFlags32(p)
	return nil
}

func imulRRI64(c *CPU, u *uop) *Fault {
	c.GPR[u.r[0]&15] = c.imulFlags64(c.GPR[u.r[1]&15], u.imm)
	return nil
}

func imulRM32(c *CPU, u *uop) *Fault {
	b, f := c.load32(c.ea(u))
	if f != nil {
		return f
	}
	p := int64(int32(c.GPR[u.r[0]&15])) * int64(int32(b))
	c.GPR[u.r[0]&15] = c.imulFlags32(p)
	return nil
}

func imulRM64(c *CPU, u *uop) *Fault {
	b, f := c.load64(c.ea(u))
	if f != nil {
		return f
	}
	c.GPR[u.r[0]&15] = c.imulFlags64(c.GPR[u.r[0]&15], b)
	return nil
}

// MOVSX r32/r64 from r8 (not AH..BH), r16, m8 and m16, and MOVSXD r64, m32.

func movsxRR8d(c *CPU, u *uop) *Fault {
	c.GPR[u.r[0]&15] = uint64(uint32(int32(int8(c.GPR[u.r[1]&15]))))
	return nil
}

func movsxRR8q(c *CPU, u *uop) *Fault {
	c.GPR[u.r[0]&15] = uint64(int64(int8(c.GPR[u.r[1]&15])))
	return nil
}

func movsxRR16d(c *CPU, u *uop) *Fault {
	c.GPR[u.r[0]&15] = uint64(uint32(int32(int16(c.GPR[u.r[1]&15]))))
	return nil
}

func movsxRR16q(c *CPU, u *uop) *Fault {
	c.GPR[u.r[0]&15] = uint64(int64(int16(c.GPR[u.r[1]&15])))
	return nil
}

func movsxRM8d(c *CPU, u *uop) *Fault {
	v, f := c.load8(c.ea(u))
	if f != nil {
		return f
	}
	c.GPR[u.r[0]&15] = uint64(uint32(int32(int8(v))))
	return nil
}

func movsxRM8q(c *CPU, u *uop) *Fault {
	v, f := c.load8(c.ea(u))
	if f != nil {
		return f
	}
	c.GPR[u.r[0]&15] = uint64(int64(int8(v)))
	return nil
}

func movsxRM16d(c *CPU, u *uop) *Fault {
	v, f := c.load16(c.ea(u))
	if f != nil {
		return f
	}
	c.GPR[u.r[0]&15] = uint64(uint32(int32(int16(v))))
	return nil
}

func movsxRM16q(c *CPU, u *uop) *Fault {
	v, f := c.load16(c.ea(u))
	if f != nil {
		return f
	}
	c.GPR[u.r[0]&15] = uint64(int64(int16(v)))
	return nil
}

func movsxdRM(c *CPU, u *uop) *Fault {
	v, f := c.load32(c.ea(u))
	if f != nil {
		return f
	}
	c.GPR[u.r[0]&15] = uint64(int64(int32(v)))
	return nil
}

// load16 and store16 are c.read and c.write of a word (the TLB-hit path first).
func (c *CPU) load16(addr uint64) (uint64, *Fault) {
	if !c.memSlow && canonical(addr) {
		if v, ok := c.mem.TryRead16(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0); ok {
			return v, nil
		}
	}
	return c.readSlow(addr, 2)
}

func (c *CPU) store16(addr, v uint64) *Fault {
	if !c.memSlow && canonical(addr) {
		if c.mem.TryWrite16(mmu.VAddr(addr), v, c.user, c.RFLAGS&FlagAC != 0) {
			return nil
		}
	}
	return c.writeSlow(addr, 2, v)
}

// Byte and word moves: MOV r8, r8/m8/imm (not AH..BH), MOV r16, r16/m16/imm, MOV m16, r16/imm.

func movRR8(c *CPU, u *uop) *Fault {
	c.putN(u.r[0], 0xFF, c.GPR[u.r[1]&15])
	return nil
}

func movRR16(c *CPU, u *uop) *Fault {
	c.putN(u.r[0], 0xFFFF, c.GPR[u.r[1]&15])
	return nil
}

func movRI8(c *CPU, u *uop) *Fault {
	c.putN(u.r[0], 0xFF, u.imm)
	return nil
}

func movRI16(c *CPU, u *uop) *Fault {
	c.putN(u.r[0], 0xFFFF, u.imm)
	return nil
}

func movRM8(c *CPU, u *uop) *Fault {
	v, f := c.load8(c.ea(u))
	if f != nil {
		return f
	}
	c.putN(u.r[0], 0xFF, v)
	return nil
}

func movRM16(c *CPU, u *uop) *Fault {
	v, f := c.load16(c.ea(u))
	if f != nil {
		return f
	}
	c.putN(u.r[0], 0xFFFF, v)
	return nil
}

func movMR16(c *CPU, u *uop) *Fault { return c.store16(c.ea(u), c.GPR[u.r[1]&15]&0xFFFF) }

func movMI16(c *CPU, u *uop) *Fault { return c.store16(c.ea(u), u.imm&0xFFFF) }

// Shifts and rotates of a 32/64-bit register by CL (shift.go's rules: a masked count of
// 0 changes no flag, but a 32-bit destination is still written).

func shlRC(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	d := u.r[0] & 15
	m := sizeMask[s]
	msb := uint64(s)*8 - 1
	a := c.GPR[d] & m
	n := c.GPR[RCX] & msb
	if n == 0 {
		c.GPR[d] = a
		return nil
	}
	r := (a << n) & m
	cf := (a << (n - 1)) >> msb & 1
	c.GPR[d] = r
	c.lf = lazyFlags{res: r, cv: cf<<msb | (r>>msb)<<(msb-1), msb: uint8(msb), kind: lfArith}
	return nil
}

func shrRC(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	d := u.r[0] & 15
	m := sizeMask[s]
	msb := uint64(s)*8 - 1
	a := c.GPR[d] & m
	n := c.GPR[RCX] & msb
	if n == 0 {
		c.GPR[d] = a
		return nil
	}
	r := a >> n
	cf := a >> (n - 1) & 1
	of := a >> msb
	c.GPR[d] = r
	c.lf = lazyFlags{res: r, cv: cf<<msb | (cf^of)<<(msb-1), msb: uint8(msb), kind: lfArith}
	return nil
}

func sarRC(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	d := u.r[0] & 15
	m := sizeMask[s]
	msb := uint64(s)*8 - 1
	n := c.GPR[RCX] & msb
	if n == 0 {
		c.GPR[d] &= m
		return nil
	}
	sa := int64(c.GPR[d]<<(63-msb)) >> (63 - msb)
	r := uint64(sa>>n) & m
	cf := uint64(sa>>(n-1)) & 1
	c.GPR[d] = r
	c.lf = lazyFlags{res: r, cv: cf<<msb | cf<<(msb-1), msb: uint8(msb), kind: lfArith}
	return nil
}

func rolRC(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	d := u.r[0] & 15
	m := sizeMask[s]
	msb := uint64(s)*8 - 1
	a := c.GPR[d] & m
	k := c.GPR[RCX] & msb
	if k == 0 {
		c.GPR[d] = a
		return nil
	}
	r := (a<<k | a>>(msb+1-k)) & m
	c.GPR[d] = r
	cf := r & 1
	c.setCFOF(cf, r>>msb^cf)
	return nil
}

func rorRC(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	d := u.r[0] & 15
	m := sizeMask[s]
	msb := uint64(s)*8 - 1
	a := c.GPR[d] & m
	k := c.GPR[RCX] & msb
	if k == 0 {
		c.GPR[d] = a
		return nil
	}
	r := (a>>k | a<<(msb+1-k)) & m
	c.GPR[d] = r
	c.setCFOF(r>>msb, (r>>msb^r>>(msb-1))&1)
	return nil
}

// shiftCLFns are the by-CL handlers by group-2 operation and size (index size>>3: 4
// bytes 0, 8 bytes 1); nil where the general handler stays.
var shiftCLFns = [8][2]handler{
	shROL: {rolRC, rolRC}, shROR: {rorRC, rorRC}, shSHL: {shlRC, shlRC}, shSHR: {shrRC, shrRC},
	shSAR: {sarRC, sarRC},
}

// Bit scans and counts of a 32/64-bit register or memory source (bit.go's rules).

func (c *CPU) scanSrc(u *uop) (uint64, *Fault) {
	if u.kind[1] == kReg {
		return c.GPR[u.r[1]&15] & sizeMask[u.sz[0]], nil
	}
	if u.sz[0] == 8 {
		return c.load64(c.ea(u))
	}
	return c.load32(c.ea(u))
}

func bsfH(c *CPU, u *uop) *Fault {
	v, f := c.scanSrc(u)
	if f != nil {
		return f
	}
	c.lf = lazyFlags{res: v, msb: u.sz[0]*8 - 1, kind: lfArith}
	if v != 0 {
		c.GPR[u.r[0]&15] = uint64(bits.TrailingZeros64(v))
	}
	return nil
}

func bsrH(c *CPU, u *uop) *Fault {
	v, f := c.scanSrc(u)
	if f != nil {
		return f
	}
	c.lf = lazyFlags{res: v, msb: u.sz[0]*8 - 1, kind: lfArith}
	if v != 0 {
		c.GPR[u.r[0]&15] = uint64(bits.Len64(v) - 1)
	}
	return nil
}

func tzcntH(c *CPU, u *uop) *Fault {
	v, f := c.scanSrc(u)
	if f != nil {
		return f
	}
	s := u.sz[0]
	r := uint64(s) * 8
	if v != 0 {
		r = uint64(bits.TrailingZeros64(v))
	}
	c.GPR[u.r[0]&15] = r
	c.setFlagsCO(r, s, v == 0, false, false)
	return nil
}

func lzcntH(c *CPU, u *uop) *Fault {
	v, f := c.scanSrc(u)
	if f != nil {
		return f
	}
	s := u.sz[0]
	r := uint64(s)*8 - uint64(bits.Len64(v))
	c.GPR[u.r[0]&15] = r
	c.setFlagsCO(r, s, v == 0, false, false)
	return nil
}

// popcntH is POPCNT: every arithmetic flag cleared but ZF (source zero), eagerly.
func popcntH(c *CPU, u *uop) *Fault {
	v, f := c.scanSrc(u)
	if f != nil {
		return f
	}
	c.GPR[u.r[0]&15] = uint64(bits.OnesCount64(v))
	c.lf.kind = lfNone
	c.RFLAGS = c.RFLAGS&^flagsArith | b2u(v == 0)*FlagZF
	return nil
}

// scanFns are the bit-scan handlers by scan operation and size (index size>>3).
var scanFns = [...][2]handler{
	scanBSF: {bsfH, bsfH}, scanBSR: {bsrH, bsrH}, scanLZCNT: {lzcntH, lzcntH},
	scanTZCNT: {tzcntH, tzcntH}, scanPOPCNT: {popcntH, popcntH},
}

// btRRh and btRIh are BT r32/r64, r/imm: CF the selected bit, ZF kept.
func btRRh(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	n := c.GPR[u.r[1]&15] & (uint64(s)*8 - 1)
	c.setCFOnly(c.GPR[u.r[0]&15] >> n)
	return nil
}

func btRIh(c *CPU, u *uop) *Fault {
	c.setCFOnly(c.GPR[u.r[0]&15] >> (u.imm & 63))
	return nil
}

// xchgRR32 is XCHG r32, r32 (both upper halves cleared).
func xchgRR32(c *CPU, u *uop) *Fault {
	a, b := u.r[0]&15, u.r[1]&15
	c.GPR[a], c.GPR[b] = c.GPR[b]&0xFFFFFFFF, c.GPR[a]&0xFFFFFFFF
	return nil
}

// Operations of stepRmw (op.cc) besides the group-1 ones.
const (
	rmwINC = 16 + iota
	rmwDEC
	rmwNEG
	rmwNOT
	rmwXADD    // XADD m, r (op.d: the register)
	rmwCMPXCHG // CMPXCHG m, r (op.s: the source register)
	rmwXCHG    // XCHG m, r (op.d: the register)
	rmwSHIFT   // group-2 operation op.jcc of memory by the count op.s&op.sm+op.imm (CL or an immediate)
	rmwMOVBE   // MOVBE m, r (op.s: the register)
	rmwSETCC   // SETcc m8 (condition op.jcc)
)

var opCMPXCHG = uint16(opByName["CMPXCHG"])

// memKindInt returns the inline step kind of lazy step u, whose first operand is memory
// at a flat address, and sets op's operands for it, or returns stepLazy. A LOCK prefix
// changes nothing: the processors of a machine run one at a time, each instruction
// whole.
func memKindInt(op *blockOp, u *uop) uint8 {
	if u.kind[0] != kMem {
		return memKindLdx(op, u)
	}
	if u.nargs == 3 {
		return inlineKindInt(op, u)
	}
	if (u.op == opPUSH || u.op == opPOP) && u.nargs == 1 && u.osize == 8 && !u.lock {
		// PUSH m64 and POP m64 (64-bit mode).
		op.cc = ldxPush
		if u.op == opPOP {
			op.cc = ldxPop
		}
		return stepLdx
	}
	sz := u.sz[0]
	if sz != 1 && sz != 2 && sz != 4 && sz != 8 {
		return stepLazy
	}
	op.s, op.sm, op.imm = 0, 0, 0
	op.m, op.msb = sizeMask[sz], sz*8-1
	if u.nargs == 1 {
		switch {
		case u.op == opINC:
			op.cc = rmwINC
		case u.op == opDEC:
			op.cc = rmwDEC
		case u.op == opNEG:
			op.cc = rmwNEG
		case u.op == opNOT:
			op.cc = rmwNOT
		case isSETccOp[u.op&4095] && sz == 1 && !u.lock:
			op.cc, op.jcc = rmwSETCC, u.aux
		default:
			return stepLazy
		}
		return stepRmw
	}
	if u.nargs != 2 {
		return stepLazy
	}
	if k := memKindInt2(op, u); k != stepLazy || !specialiseOn {
		return k
	}
	switch {
	case u.kind[1] == kReg && u.sz[1] == sz && u.r[1]&0x10 == 0:
		op.s, op.sm = u.r[1]&15, sizeMask[sz]
	case u.kind[1] == kImm:
		op.imm = u.imm & sizeMask[sz]
	default:
		return stepLazy
	}
	switch u.op {
	case opADD, opSUB, opAND, opOR, opXOR, opADC, opSBB:
		if u.aux > aluXOR {
			return stepLazy
		}
		op.cc = u.aux
	case opXADD:
		if u.kind[1] != kReg {
			return stepLazy
		}
		op.cc, op.d = rmwXADD, op.s
	case opCMPXCHG:
		if u.kind[1] != kReg {
			return stepLazy
		}
		op.cc = rmwCMPXCHG
	case opXCHG:
		if u.kind[1] != kReg {
			return stepLazy
		}
		op.cc, op.d = rmwXCHG, op.s
	default:
		return stepLazy
	}
	return stepRmw
}

// rmwStep runs inline step op (stepRmw) when its access is a TLB hit, and reports
// whether it did; it computes what the handlers of its instruction compute (addMRr,
// incMh, xaddMh, cmpxchgMR and the others).
//
// A group-1 operation (not CMP), INC or DEC reads and writes the 8 bytes at its address
// (the window) whatever its size, the bytes beyond the operand written back as they were
// read: they are RAM of the same page, which the write hit allows to write (a page holding
// code, tracked or not RAM has no write hit), and nothing runs between the read and the
// write. So it needs no switch on the size. In the last 7 bytes of a page it takes its
// handler (returns false); the other operations are rmwOther's.
func (c *CPU) rmwStep(op *blockOp) bool {
	u := &op.u
	addr := c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp
	if c.memSlow || !canonical(addr) {
		return false
	}
	if !op.memFirst { // (set by stepKind for the operations of the window)
		return c.rmwOther(op, addr)
	}
	off := addr & 0xFFF
	if off > mmu.PageSize-8 {
		return false
	}
	p := c.mem.TryWritePage(mmu.VAddr(addr), 8, c.user, c.RFLAGS&FlagAC != 0)
	if p == nil {
		return false
	}
	w := binary.LittleEndian.Uint64(p[off:])
	a, b := w&op.m, c.GPR[op.s&15]&op.sm+op.imm
	var r, cv uint64
	kind := uint8(lfArith)
	switch op.cc {
	case aluADD:
		r = (a + b) & op.m
		cv = (a & b) | ((a | b) &^ r)
	case aluSUB:
		r = (a - b) & op.m
		cv = (^a & b) | (^(a ^ b) & r)
	case aluAND:
		r = a & b
	case aluOR:
		r = a | b
	case aluXOR:
		r = a ^ b
	case aluADC:
		r = (a + b + b2u(c.cf())) & op.m
		cv = (a & b) | ((a | b) &^ r)
	case aluSBB:
		r = (a - b - b2u(c.cf())) & op.m
		cv = (^a & b) | (^(a ^ b) & r)
	case rmwINC:
		c.keepCF()
		r = (a + 1) & op.m
		cv, kind = (a&1)|((a|1)&^r), lfKeepCF
	default: // rmwDEC
		c.keepCF()
		r = (a - 1) & op.m
		cv, kind = (^a&1)|(^(a^1)&r), lfKeepCF
	}
	binary.LittleEndian.PutUint64(p[off:], w&^op.m|r)
	c.lf = lazyFlags{res: r, cv: cv, msb: op.msb, kind: kind}
	return true
}

// rmwOther is rmwStep for the operations other than group 1, INC and DEC (of memory at
// addr, canonical, with memory accesses on their fast path).
func (c *CPU) rmwOther(op *blockOp, addr uint64) bool {
	sz := op.msb>>3 + 1
	p := c.mem.TryWritePage(mmu.VAddr(addr), uint64(sz), c.user, c.RFLAGS&FlagAC != 0)
	if p == nil {
		return false
	}
	a, b := ldPage(p, addr, sz), c.GPR[op.s&15]&op.sm+op.imm
	var r, cv uint64
	switch op.cc {
	case rmwNEG:
		r = -a & op.m
		cv = (^uint64(0) & a) | (^a & r)
	case rmwNOT:
		stPage(p, addr, sz, ^a)
		return true
	case rmwXCHG:
		stPage(p, addr, sz, b)
		c.putSized(op.d, sz, a)
		return true
	case rmwXADD:
		r = (a + b) & op.m
		cv = (a & b) | ((a | b) &^ r)
		c.putSized(op.d, sz, a)
	case rmwSHIFT:
		// A count of 0 changes no flag and no byte. SHL, SHR and SAR by a count within
		// the operand's width compute here what shift computes (as stepShl, stepShr,
		// stepSar do); rotates and longer counts take shift.
		msb := uint64(op.msb & 63)
		switch {
		case b == 0:
			return true
		case b > msb || op.jcc < shSHL:
			stPage(p, addr, sz, c.shift(op.jcc, a, b, sz))
			return true
		case op.jcc == shSHR:
			r = a >> b
			cf := a >> ((b - 1) & 63) & 1
			cv = cf<<msb | (cf^a>>msb)<<((msb-1)&63)
		case op.jcc == shSAR:
			sa := int64(a<<(63-msb)) >> (63 - msb)
			r = uint64(sa>>b) & op.m
			cf := uint64(sa>>((b-1)&63)) & 1
			cv = cf<<msb | cf<<((msb-1)&63)
		default: // SHL, SAL
			r = (a << b) & op.m
			cf := (a << ((b - 1) & 63)) >> msb & 1
			cv = cf<<msb | (r>>msb)<<((msb-1)&63)
		}
	case rmwMOVBE:
		stPage(p, addr, sz, byteSwap(b, sz))
		return true
	case rmwSETCC:
		stPage(p, addr, 1, b2u(c.cond(op.jcc)))
		return true
	default: // rmwCMPXCHG: the flags of the accumulator minus the destination
		acc := c.GPR[RAX] & op.m
		r = a
		if acc == a {
			r = b
		} else {
			c.putSized(RAX, sz, a)
		}
		stPage(p, addr, sz, r)
		d := (acc - a) & op.m
		c.lf = lazyFlags{res: d, cv: (^acc & a) | (^(acc ^ a) & d), msb: op.msb, kind: lfArith}
		return true
	}
	stPage(p, addr, sz, r)
	c.lf = lazyFlags{res: r, cv: cv, msb: op.msb, kind: lfArith}
	return true
}

var (
	opCALL = uint16(opByName["CALL"])
	opRET  = uint16(opByName["RET"])
)

// ctlKind returns the inline step kind of control transfer u, at offset rel of a block
// built in 64-bit mode, and sets op's operands for it, or returns op.kind unchanged.
// (A 64-bit mode stack is flat and 64 bits wide; a near branch's operand size is 64.)
func ctlKind(op *blockOp, u *uop, rel uint64) uint8 {
	if u.osize != 8 || u.lock {
		return op.kind
	}
	op.jrel, op.jlen, op.jimm, op.josz = rel, u.len, u.imm, 8
	switch {
	case u.op == opCALL && u.nargs == 1 && u.kind[0] == kRel:
		return stepCall
	case u.op == opRET && (u.nargs == 0 || u.nargs == 1 && u.kind[0] == kImm):
		op.imm = 0
		if u.nargs == 1 {
			op.imm = u.imm
		}
		return stepRet
	case (u.op == opCALL || u.op == opJMP) && u.nargs == 1 && u.sz[0] == 8:
		op.cc = 0
		if u.op == opCALL {
			op.cc = 1
		}
		switch {
		case u.kind[0] == kReg && u.r[0]&0x10 == 0:
			op.d, op.memFirst = u.r[0]&15, false
		case u.kind[0] == kMem && u.eaFlat:
			op.memFirst = true
		default:
			return op.kind
		}
		return stepInd
	}
	return op.kind
}

// callStep pushes the return address of CALL rel step op (stepCall, stepCallOn) when
// the push is a TLB hit and the target canonical, and reports whether it did.
func (c *CPU) callStep(op *blockOp) bool {
	next := c.blkRIP + op.jrel + uint64(op.jlen)
	sp := c.GPR[RSP] - 8
	if !canonical(next+op.jimm) || c.memSlow || !c.mem.TryWrite64(mmu.VAddr(sp), next, c.user, c.RFLAGS&FlagAC != 0) {
		return false
	}
	c.GPR[RSP] = sp
	return true
}

// retStep runs RET or indirect branch step op (stepRet, stepInd) when its memory
// accesses are TLB hits and its target is canonical, and returns the target; 0 when it
// did not run (0 is never the target: a step whose target is 0 takes its handler).
func (c *CPU) retStep(op *blockOp) uint64 {
	if op.kind == stepRet {
		sp := c.GPR[RSP]
		if c.memSlow {
			return 0
		}
		t, ok := c.mem.TryRead64(mmu.VAddr(sp), c.user, c.RFLAGS&FlagAC != 0)
		if !ok || !canonical(t) || t == 0 {
			return 0
		}
		c.GPR[RSP] = sp + 8 + op.imm
		return t
	}
	t, ok := c.indTarget(op)
	if !ok || t == 0 {
		return 0
	}
	if op.cc != 0 {
		next := c.blkRIP + op.jrel + uint64(op.jlen)
		sp := c.GPR[RSP] - 8
		if !c.mem.TryWrite64(mmu.VAddr(sp), next, c.user, c.RFLAGS&FlagAC != 0) {
			return 0
		}
		c.GPR[RSP] = sp
	}
	return t
}

// indTarget returns the target of indirect branch step op (stepInd) when reading it
// needs nothing but a TLB hit and it is canonical; ok is false otherwise (and whenever
// memory accesses take the checking path).
func (c *CPU) indTarget(op *blockOp) (t uint64, ok bool) {
	if c.memSlow {
		return 0, false
	}
	if !op.memFirst {
		t = c.GPR[op.d&15]
		return t, canonical(t)
	}
	u := &op.u
	addr := c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp
	if !canonical(addr) {
		return 0, false
	}
	t, ok = c.mem.TryRead64(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
	return t, ok && canonical(t)
}

// Loads of stepLdx (op.cc).
const (
	ldxMerge  = iota // MOV r8/r16, m: the low bits op.m of op.d
	ldxSext32        // MOVSX r32, m8/m16
	ldxSext64        // MOVSX r64, m8/m16, MOVSXD r64, m32
	ldxCmov32        // CMOVcc r32, m32 (condition op.jcc)
	ldxCmov64        // CMOVcc r64, m64
	ldxAdc           // ADC r32/r64, m
	ldxSbb           // SBB r32/r64, m
	ldxImul          // IMUL r32/r64, m
	ldxImulI         // IMUL r32/r64, m, imm (op.imm)
	ldxBswap         // MOVBE r16/r32/r64, m
	ldxLeave         // LEAVE in 64-bit mode: RBP popped from where RBP points
	ldxPush          // PUSH m64 (64-bit mode)
	ldxPop           // POP m64 (64-bit mode): the address is computed after RSP is incremented
)

// The loads of stepLdx from ldxLeave on access the stack.

// memKindLdx returns stepLdx for a lazy load u into a register that memKind leaves (MOV
// r8/r16, MOVSX, MOVSXD, CMOVcc from memory at a flat address) and sets op's operands
// for it, or returns stepLazy.
func memKindLdx(op *blockOp, u *uop) uint8 {
	if u.kind[0] != kReg || u.kind[1] != kMem || !u.eaFlat || u.r[0]&0x10 != 0 || u.lock {
		return stepLazy
	}
	s, ms := u.sz[0], u.sz[1]
	if u.nargs == 3 {
		// IMUL r32/r64, m, imm.
		if u.op != opIMUL || u.kind[2] != kImm || s != 4 && s != 8 || ms != s {
			return stepLazy
		}
		op.cc, op.imm = ldxImulI, u.imm
		op.d, op.msb = u.r[0]&15, ms*8-1
		return stepLdx
	}
	if u.nargs != 2 {
		return stepLazy
	}
	switch {
	case u.op == opMOV && (s == 1 || s == 2) && ms == s:
		op.cc, op.m = ldxMerge, sizeMask[s]
	case (u.op == opMOVSX && (ms == 1 || ms == 2) || u.op == opMOVSXD && ms == 4) && s == 8:
		op.cc = ldxSext64
	case u.op == opMOVSX && (ms == 1 || ms == 2) && s == 4:
		op.cc = ldxSext32
	case isCMOVOp[u.op&4095] && (s == 4 || s == 8) && ms == s:
		op.cc, op.jcc = ldxCmov32, u.aux
		if s == 8 {
			op.cc = ldxCmov64
		}
	case (u.op == opADC || u.op == opSBB) && (u.aux == aluADC || u.aux == aluSBB) && (s == 4 || s == 8) && ms == s:
		op.cc, op.m = ldxAdc, sizeMask[s]
		if u.aux == aluSBB {
			op.cc = ldxSbb
		}
	case u.op == opIMUL && (s == 4 || s == 8) && ms == s:
		op.cc = ldxImul
	case u.op == opMOVBE && (s == 2 || s == 4 || s == 8) && ms == s:
		op.cc = ldxBswap
	default:
		return stepLazy
	}
	op.d, op.msb = u.r[0]&15, ms*8-1
	return stepLdx
}

// ldxStep runs load step op (stepLdx) when its access is a TLB hit and reports whether
// it did; it computes what movRM8, movRM16, movsxRM8d, cmovRM32, leave and the other
// handlers of those forms compute.
func (c *CPU) ldxStep(op *blockOp) bool {
	if c.memSlow {
		return false
	}
	if op.cc >= ldxLeave {
		if op.cc != ldxLeave {
			return c.ldxStack(op)
		}
		sp := c.GPR[RBP]
		v, ok := c.mem.TryRead64(mmu.VAddr(sp), c.user, c.RFLAGS&FlagAC != 0)
		if ok {
			c.GPR[RSP] = sp + 8
			c.GPR[RBP] = v
		}
		return ok
	}
	u := &op.u
	addr := c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp
	if !canonical(addr) {
		return false
	}
	var v uint64
	var ok bool
	switch op.msb {
	case 7:
		v, ok = c.mem.TryRead8(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
	case 15:
		v, ok = c.mem.TryRead16(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
	case 31:
		v, ok = c.mem.TryRead32(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
	default:
		v, ok = c.mem.TryRead64(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
	}
	if !ok {
		return false
	}
	sh := 63 - op.msb&63
	switch op.cc {
	case ldxMerge:
		c.GPR[op.d&15] = c.GPR[op.d&15]&^op.m | v
	case ldxSext32:
		c.GPR[op.d&15] = uint64(uint32(int64(v<<sh) >> sh))
	case ldxSext64:
		c.GPR[op.d&15] = uint64(int64(v<<sh) >> sh)
	case ldxCmov32:
		if !c.cond(op.jcc) {
			v = c.GPR[op.d&15] & 0xFFFFFFFF
		}
		c.GPR[op.d&15] = v
	case ldxCmov64:
		if c.cond(op.jcc) {
			c.GPR[op.d&15] = v
		}
	default:
		c.ldxArith(op, v)
	}
	return true
}

// ldxArith finishes load step op (ADC, SBB, IMUL, MOVBE: ldxAdc to ldxBswap) with v,
// the value read; it computes what the general handlers of those forms compute.
func (c *CPU) ldxArith(op *blockOp, v uint64) {
	d := op.d & 15
	switch op.cc {
	case ldxAdc:
		a := c.GPR[d] & op.m
		r := (a + v + b2u(c.cf())) & op.m
		c.GPR[d] = r
		c.lf = lazyFlags{res: r, cv: (a & v) | ((a | v) &^ r), msb: op.msb, kind: lfArith}
	case ldxSbb:
		a := c.GPR[d] & op.m
		r := (a - v - b2u(c.cf())) & op.m
		c.GPR[d] = r
		c.lf = lazyFlags{res: r, cv: (^a & v) | (^(a ^ v) & r), msb: op.msb, kind: lfArith}
	case ldxImul, ldxImulI:
		a := c.GPR[d]
		if op.cc == ldxImulI {
			a = op.imm
		}
		if op.msb == 31 {
			c.GPR[d] = c.imulFlags32(int64(int32(a)) * int64(int32(v)))
		} else {
			c.GPR[d] = c.imulFlags64(a, v)
		}
	default: // ldxBswap
		s := op.msb>>3 + 1
		c.putSized(d, s, byteSwap(v, s))
	}
}

// ldxStack runs PUSH m64 and POP m64 (ldxPush, ldxPop) when both of their accesses are
// TLB hits, and reports whether it did (nothing changed when it did not); it computes
// what pushM and popM compute.
func (c *CPU) ldxStack(op *blockOp) bool {
	u := &op.u
	sp := c.GPR[RSP]
	ac := c.RFLAGS&FlagAC != 0
	if op.cc == ldxPush {
		addr := c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp
		if !canonical(addr) {
			return false
		}
		v, ok := c.mem.TryRead64(mmu.VAddr(addr), c.user, ac)
		if !ok || !c.mem.TryWrite64(mmu.VAddr(sp-8), v, c.user, ac) {
			return false
		}
		c.GPR[RSP] = sp - 8
		return true
	}
	v, ok := c.mem.TryRead64(mmu.VAddr(sp), c.user, ac)
	if !ok {
		return false
	}
	c.GPR[RSP] = sp + 8
	addr := c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp
	if !canonical(addr) || !c.mem.TryWrite64(mmu.VAddr(addr), v, c.user, ac) {
		c.GPR[RSP] = sp
		return false
	}
	return true
}

var (
	opSHLD = uint16(opByName["SHLD"])
	opSHRD = uint16(opByName["SHRD"])
)

// inlineKindInt returns the inline step kind of u, an instruction with three operands,
// among this file's kinds, and sets op's operands for it: SHLD and SHRD of a 32/64-bit
// register, or of memory at a flat address (a lazy step), by an immediate or CL. Else it
// returns stepPure for a register form and stepLazy for a memory form.
func inlineKindInt(op *blockOp, u *uop) uint8 {
	none := uint8(stepPure)
	if u.kind[0] == kMem {
		none = stepLazy
	}
	sz := u.sz[0]
	if !specialiseOn || u.nargs != 3 || u.op != opSHLD && u.op != opSHRD || sz != 4 && sz != 8 || u.lock ||
		u.kind[1] != kReg || u.sz[1] != sz {
		return none
	}
	switch {
	case u.kind[0] == kReg:
		op.d, op.memFirst = u.r[0]&15, false
	case u.kind[0] == kMem && u.eaFlat && u.lazy:
		op.memFirst = true
	default:
		return none
	}
	op.s, op.m, op.msb, op.cc = u.r[1]&15, sizeMask[sz], sz*8-1, u.aux&1
	op.sm, op.imm = 0, u.imm
	if u.aux&2 != 0 { // by CL
		op.sm, op.imm = countMask(sz), 0
	}
	return stepShd
}

// shdStep runs SHLD/SHRD step op (stepShd) and reports whether it did (a memory form
// only on a TLB hit); it computes what shiftDR and shiftDM compute. A count of 0 changes
// no flag and no byte, but a 32-bit register is written (its upper half cleared).
func (c *CPU) shdStep(op *blockOp) bool {
	n := c.GPR[RCX]&op.sm + op.imm
	if !op.memFirst {
		d := op.d & 15
		a := c.GPR[d] & op.m
		if n != 0 {
			a = c.shd(op, a, n)
		}
		c.GPR[d] = a
		return true
	}
	u := &op.u
	addr := c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp
	if c.memSlow || !canonical(addr) {
		return false
	}
	sz := op.msb>>3 + 1
	p := c.mem.TryWritePage(mmu.VAddr(addr), uint64(sz), c.user, c.RFLAGS&FlagAC != 0)
	if p == nil {
		return false
	}
	if n != 0 {
		stPage(p, addr, sz, c.shd(op, ldPage(p, addr, sz), n))
	}
	return true
}

// shd shifts a (32 or 64 bits, op.msb) left (SHLD, op.cc 0) or right by n (1 to op.msb)
// bit positions filled from register op.s, sets the flags as shiftD does and returns
// the result.
func (c *CPU) shd(op *blockOp, a, n uint64) uint64 {
	msb := uint64(op.msb & 63)
	n &= 63
	k := (msb + 1 - n) & 63 // the source's bits that move in (n < msb+1)
	src := c.GPR[op.s&15] & op.m
	var r, cf uint64
	if op.cc == 0 {
		r = (a<<n | src>>k) & op.m
		cf = a >> k & 1
	} else {
		r = (a>>n | src<<k) & op.m
		cf = a >> ((n - 1) & 63) & 1
	}
	of := (r ^ a) >> msb & 1
	c.lf = lazyFlags{res: r, cv: cf<<msb | (cf^of)<<((msb-1)&63), msb: op.msb, kind: lfArith}
	return r
}

var (
	opRCL   = uint16(opByName["RCL"])
	opRCR   = uint16(opByName["RCR"])
	opBTS   = uint16(opByName["BTS"])
	opBTR   = uint16(opByName["BTR"])
	opBTC   = uint16(opByName["BTC"])
	opMOVBE = uint16(opByName["MOVBE"])
)

// memKindInt2 returns the inline step kind of lazy step u, whose first operand of two is
// memory at a flat address, for the forms memKindInt leaves to it: shifts and rotates of
// memory by an immediate or CL, the bit tests with an immediate or a register bit offset,
// MOVBE m, r and TEST m, r; it sets op's operands for it, or returns stepLazy. op.m and
// op.msb are the operand's already.
func memKindInt2(op *blockOp, u *uop) uint8 {
	sz := u.sz[0]
	k1 := u.kind[1]
	switch u.op {
	case opSHL, opSHR, opSAR, opROL, opROR, opRCL, opRCR:
		switch {
		case k1 == kImm:
			op.imm = u.imm
		case k1 == kReg && u.r[1] == RCX:
			op.s, op.sm = RCX, countMask(sz)
		default:
			return stepLazy
		}
		op.cc, op.jcc = rmwSHIFT, u.aux
		return stepRmw
	case opBT, opBTS, opBTR, opBTC:
		if sz == 1 {
			return stepLazy
		}
		switch {
		case k1 == kImm:
			op.imm, op.memFirst = u.imm, false
		case k1 == kReg && u.sz[1] == sz:
			op.s, op.memFirst = u.r[1]&15, true
		default:
			return stepLazy
		}
		op.cc = u.aux
		return stepBt
	case opMOVBE:
		if k1 != kReg || u.sz[1] != sz || sz == 1 {
			return stepLazy
		}
		op.s, op.sm, op.cc = u.r[1]&15, sizeMask[sz], rmwMOVBE
		return stepRmw
	case opTEST:
		// TEST m, r is TEST r, m.
		if k1 != kReg || u.sz[1] != sz || sz != 4 && sz != 8 || u.aux != aluTEST {
			return stepLazy
		}
		op.d, op.cc = u.r[1]&15, aluTEST
		return stepAluRM
	}
	return stepLazy
}

// btStep runs bit-test step op (stepBt: BT, BTS, BTR or BTC, op.cc, of memory at a flat
// address with the bit offset op.imm, or the signed offset in register op.s when
// op.memFirst, which moves the address by whole operands) when its access is a TLB hit,
// and reports whether it did; it computes what btMI and btMR compute.
func (c *CPU) btStep(op *blockOp) bool {
	if c.memSlow {
		return false
	}
	u := &op.u
	addr := c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp
	msb := uint64(op.msb & 63)
	sz := op.msb>>3 + 1
	n := op.imm
	if op.memFirst {
		sh := 63 - msb
		off := int64(c.GPR[op.s&15]<<sh) >> sh
		addr += uint64(off>>bits.Len64(msb)) * uint64(sz)
		n = uint64(off) & msb
	}
	if !canonical(addr) {
		return false
	}
	ac := c.RFLAGS&FlagAC != 0
	if op.cc == btTest {
		var v uint64
		var ok bool
		switch sz {
		case 2:
			v, ok = c.mem.TryRead16(mmu.VAddr(addr), c.user, ac)
		case 4:
			v, ok = c.mem.TryRead32(mmu.VAddr(addr), c.user, ac)
		default:
			v, ok = c.mem.TryRead64(mmu.VAddr(addr), c.user, ac)
		}
		if !ok {
			return false
		}
		c.setCFOnly(v >> n)
		return true
	}
	p := c.mem.TryWritePage(mmu.VAddr(addr), uint64(sz), c.user, ac)
	if p == nil {
		return false
	}
	a := ldPage(p, addr, sz)
	stPage(p, addr, sz, btApply(op.cc, a, n))
	c.setCFOnly(a >> n)
	return true
}

var (
	opCLI    = uint16(opByName["CLI"])
	opSWAPGS = uint16(opByName["SWAPGS"])
	opPUSHFQ = uint16(opByName["PUSHFQ"])
)

// Sub-kinds of stepSys (op.cc).
const (
	sysCli = iota
	sysSwapgs
	sysPushf
)

// sysKind returns stepSys for CLI, SWAPGS and PUSHFQ (64-bit operand size) in a block
// built in 64-bit mode, with op.cc set, or stepFull. The kernel's system call path runs
// two CLIs, two SWAPGSs and a PUSHFQ per call.
func sysKind(op *blockOp, u *uop) uint8 {
	if u.lock {
		return stepFull
	}
	switch {
	case u.op == opCLI:
		op.cc = sysCli
	case u.op == opSWAPGS:
		op.cc = sysSwapgs
	case u.op == opPUSHFQ && u.osize == 8:
		op.cc = sysPushf
	default:
		return stepFull
	}
	return stepSys
}

// sysStep runs stepSys op as its handler does (cli, swapgs, pushf) when that cannot fault
// and the push hits the TLB, and reports whether it did; else nothing has changed but
// the lazy flags' materialisation.
func (c *CPU) sysStep(op *blockOp) bool {
	switch op.cc {
	case sysCli:
		if c.CPL > c.iopl() {
			return false
		}
		c.RFLAGS &^= FlagIF
		if atomic.LoadUint32(&c.pending)&pendIntr != 0 {
			c.clrPending(pendIntr)
		}
		return true
	case sysSwapgs:
		if c.CPL != 0 {
			return false
		}
		c.Seg[GS].Base, c.KernelGSBase = c.KernelGSBase, c.Seg[GS].Base
		return true
	default: // sysPushf
		sp := c.GPR[RSP] - 8
		if c.memSlow || !canonical(sp) {
			return false
		}
		if !c.mem.TryWrite64(mmu.VAddr(sp), c.Flags()&^(FlagVM|FlagRF), c.user, c.RFLAGS&FlagAC != 0) {
			return false
		}
		c.GPR[RSP] = sp
		return true
	}
}
