package cpu

import (
	"unsafe"

	"github.com/kppemu/kppemu/cpu/jit"
	"github.com/kppemu/kppemu/mmu"
)

// SSE and SSE2 in generated code: a guest SSE instruction runs as the same host
// instruction (its mandatory prefix, REX.W and opcode bytes copied), on scratch
// registers loaded from the guest's state: the operand in ModRM.reg in X0 (an XMM
// register) or RCX (a general register), the one in ModRM.r/m in X1 or RDX, or memory
// at the host address of the guest's operand ([RSI] read, [RDI] written) after the
// inline TLB probe. The destination goes back to the guest's register afterwards. The
// host is the reference for these instructions' results, and the interpreter's
// software floating point reproduces it; the operand plumbing is all that differs.
//
// Floating-point instructions run under the guest's MXCSR (its controls: rounding,
// DAZ, FTZ): the first of a stretch of generated code loads it into the host's, the
// flags the host raises accumulate there (sticky, as the guest's are), and every way
// out of the stretch (an exit to Go, a jump to another block or the top of this one)
// stores the host's back into the guest's (flushMX). Nothing inside a stretch reads or
// changes the guest's MXCSR (LDMXCSR, STMXCSR, FXSAVE and the like are helper exits,
// which end it). They run only while the guest masks every exception: otherwise the
// instruction exits to the interpreter, which delivers #XM/#UD exactly. The trampoline
// restores the host's MXCSR when generated code returns.
//
// Faults stay the interpreter's: the first SSE instruction of a stretch of generated
// code checks CR0.EM, CR0.TS and CR4.OSFXSR (#UD, #NM) and exits when one would fault;
// a 16-byte operand that must be aligned and is not exits (#GP); a TLB miss exits. Every
// check comes before anything is written.

var (
	offXMM   = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.XMM))
	offMXCSR = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.MXCSR))
	offCR0   = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.CR0))
)

// What the translator knows of an SSE mnemonic.
const (
	sseMX    = 1 << iota // reads MXCSR's controls and sets its flags
	sseFlags             // sets ZF, PF, CF and clears OF, SF, AF (COMIS*, UCOMIS*); no destination
	sseU                 // a 16-byte memory operand need not be aligned (MOVUPS, MOVUPD, MOVDQU)
	sseM8                // a memory operand is 8 bytes
	sseM4                // 4 bytes
	sseM2                // 2 bytes
	sseMW                // 8 bytes with REX.W, else 4 (CVTSI2SD, CVTSI2SS)
)

// sseMemSize is the size of the memory operand of an instruction with flags f and
// REX.W w, as the host reads or writes it (16 unless the table says otherwise).
func sseMemSize(f uint8, w bool) uint8 {
	switch {
	case f&sseM8 != 0:
		return 8
	case f&sseM4 != 0:
		return 4
	case f&sseM2 != 0:
		return 2
	case f&sseMW != 0 && w:
		return 8
	case f&sseMW != 0:
		return 4
	}
	return 16
}

// jitSSEOps are the SSE and SSE2 mnemonics translated, by x86asm op (each one the
// interpreter runs: TestJITSSETable).
var jitSSEOps = func() map[uint16]uint8 {
	m := make(map[uint16]uint8)
	add := func(f uint8, names ...string) {
		for _, n := range names {
			op, ok := opByName[n]
			if !ok {
				panic("cpu: jit SSE table: unknown mnemonic " + n)
			}
			if _, dup := m[uint16(op)]; dup {
				panic("cpu: jit SSE table: " + n + " twice")
			}
			m[uint16(op)] = f
		}
	}
	add(sseU, "MOVUPS", "MOVUPD", "MOVDQU")
	add(sseM8, "MOVSD_XMM", "MOVQ", "MOVLPD", "MOVHPD", "MOVLPS", "MOVHPS")
	add(sseM4, "MOVSS", "MOVD")
	add(sseM2, "PINSRW")
	add(0, "MOVAPS", "MOVAPD", "MOVDQA", "MOVHLPS", "MOVLHPS", "MOVNTDQ", "MOVNTPS", "MOVNTPD",
		"PXOR", "PAND", "PANDN", "POR", "XORPS", "XORPD", "ANDPS", "ANDPD", "ANDNPS", "ANDNPD", "ORPS", "ORPD",
		"PADDB", "PADDW", "PADDD", "PADDQ", "PSUBB", "PSUBW", "PSUBD", "PSUBQ",
		"PADDSB", "PADDSW", "PADDUSB", "PADDUSW", "PSUBSB", "PSUBSW", "PSUBUSB", "PSUBUSW",
		"PCMPEQB", "PCMPEQW", "PCMPEQD", "PCMPGTB", "PCMPGTW", "PCMPGTD",
		"PMULLW", "PMULHW", "PMULHUW", "PMULUDQ", "PMADDWD", "PMINUB", "PMAXUB", "PMINSW", "PMAXSW",
		"PAVGB", "PAVGW", "PSADBW",
		"PUNPCKLBW", "PUNPCKLWD", "PUNPCKLDQ", "PUNPCKLQDQ", "PUNPCKHBW", "PUNPCKHWD", "PUNPCKHDQ", "PUNPCKHQDQ",
		"UNPCKLPS", "UNPCKHPS", "UNPCKLPD", "UNPCKHPD", "PSHUFD", "PSHUFLW", "PSHUFHW", "SHUFPS", "SHUFPD",
		"PSLLW", "PSLLD", "PSLLQ", "PSRLW", "PSRLD", "PSRLQ", "PSRAW", "PSRAD", "PSLLDQ", "PSRLDQ",
		"PACKSSWB", "PACKSSDW", "PACKUSWB", "PMOVMSKB", "MOVMSKPS", "MOVMSKPD", "PEXTRW")
	add(sseMX|sseM8, "ADDSD", "SUBSD", "MULSD", "DIVSD", "SQRTSD", "MINSD", "MAXSD", "CMPSD_XMM",
		"CVTTSD2SI", "CVTSD2SI", "CVTSD2SS", "CVTDQ2PD", "CVTPS2PD")
	add(sseMX|sseM4, "ADDSS", "SUBSS", "MULSS", "DIVSS", "SQRTSS", "MINSS", "MAXSS", "CMPSS",
		"CVTTSS2SI", "CVTSS2SI", "CVTSS2SD")
	add(sseMX|sseMW, "CVTSI2SD", "CVTSI2SS")
	add(sseMX, "ADDPD", "SUBPD", "MULPD", "DIVPD", "SQRTPD", "MINPD", "MAXPD",
		"ADDPS", "SUBPS", "MULPS", "DIVPS", "SQRTPS", "MINPS", "MAXPS",
		"CMPPD", "CMPPS", "CVTDQ2PS", "CVTPD2DQ", "CVTTPD2DQ", "CVTPS2DQ", "CVTTPS2DQ", "CVTPD2PS")
	add(sseMX|sseFlags|sseM8, "UCOMISD", "COMISD")
	add(sseMX|sseFlags|sseM4, "UCOMISS", "COMISS")
	return m
}()

// sseEnc is a guest SSE instruction's encoding, as the host instruction needs it.
type sseEnc struct {
	pfx     byte   // mandatory prefix: 0, 0x66, 0xF2 or 0xF3
	w       bool   // REX.W
	op      []byte // 0F, and 38/3A, and the opcode byte
	reg, rm byte   // ModRM.reg (with REX.R) and, for a register operand, ModRM.r/m (with REX.B)
	mod3    bool   // the r/m operand is a register
}

// sseDecode finds the encoding of u from its bytes; false for anything unusual (two
// kinds of mandatory prefix, LOCK, no 0F escape).
func sseDecode(u *uop) (e sseEnc, ok bool) {
	raw := u.raw[:u.len]
	i, has66, rep := 0, false, byte(0)
	var rex byte
prefixes:
	for ; i < len(raw); i++ {
		switch b := raw[i]; {
		case b == 0x66:
			has66 = true
		case b == 0xF2 || b == 0xF3:
			rep = b
		case b == 0x26 || b == 0x2E || b == 0x36 || b == 0x3E || b == 0x64 || b == 0x65 || b == 0x67:
		case b&0xF0 == 0x40:
			rex = b
			i++
			break prefixes
		default:
			break prefixes
		}
	}
	if has66 && rep != 0 {
		return e, false
	}
	e.pfx = rep
	if has66 {
		e.pfx = 0x66
	}
	if i+2 >= len(raw) || raw[i] != 0x0F {
		return e, false
	}
	n := 2
	if raw[i+1] == 0x38 || raw[i+1] == 0x3A {
		n = 3
	}
	if i+n >= len(raw) {
		return e, false
	}
	e.op = raw[i : i+n]
	modrm := raw[i+n]
	e.w = rex&8 != 0
	e.reg = modrm>>3&7 | rex>>2&1<<3
	e.mod3 = modrm>>6 == 3
	e.rm = modrm&7 | rex&1<<3
	return e, true
}

// sseStoreForm reports whether the r/m operand is the destination (and ModRM.reg the
// source): the stores and the MOVD/MOVQ to a general register or memory.
func sseStoreForm(e sseEnc) bool {
	switch e.op[len(e.op)-1] {
	case 0x11, 0x13, 0x17, 0x29, 0x2B, 0x7F, 0xD6, 0xE7:
		return len(e.op) == 2
	case 0x7E:
		return len(e.op) == 2 && e.pfx == 0x66
	}
	return false
}

// sseCheck emits the CR0/CR4 test of the first SSE instruction of a stretch of
// generated code (see x.sseOK): an instruction that would fault exits.
func (x *xlator) sseCheck() {
	if x.sseOK {
		return
	}
	a := x.a
	x.clobber()
	slow := x.stub()
	a.TestMI(4, jit.M(hCPU, offCR0), CR0EM|CR0TS)
	a.Jcc(jit.CondNE, slow)
	a.TestMI(4, jit.M(hCPU, offCR4), CR4OSFXSR)
	a.Jcc(jit.CondE, slow)
	x.sseOK = true
}

// xmmMem is the memory operand of guest XMM register r.
func xmmMem(r uint8) jit.Mem { return jit.M(hCPU, offXMM+16*int32(r&15)) }

// sse translates an SSE instruction of jitSSEOps.
func (x *xlator) sse(u *uop) bool {
	a := x.a
	flags := jitSSEOps[u.op]
	e, ok := sseDecode(u)
	if !ok || u.nargs < 2 || u.nargs > 3 || u.nargs == 3 && u.kind[2] != kImm {
		return false
	}
	last := e.op[len(e.op)-1]
	shiftImm := len(e.op) == 2 && last >= 0x71 && last <= 0x73 // PSxxW/D/Q/DQ xmm, imm8: ModRM.reg extends the opcode
	hasImm := u.nargs == 3 || shiftImm
	// Which argument is in ModRM.reg and which in r/m.
	regArg, rmArg := 0, 1
	if sseStoreForm(e) {
		regArg, rmArg = 1, 0
	}
	if shiftImm {
		if u.kind[0] != kXMM || u.kind[1] != kImm || !e.mod3 || u.r[0]&15 != e.rm {
			return false
		}
		regArg, rmArg = -1, 0
	}
	mem := -1
	for i := 0; i < 2; i++ {
		switch u.kind[i] {
		case kXMM:
		case kReg:
			if u.r[i]&0x10 != 0 || u.sz[i] != 4 && u.sz[i] != 8 {
				return false
			}
		case kMem:
			mem = i
		case kImm:
			if !shiftImm || i != 1 {
				return false
			}
		default:
			return false
		}
	}
	if regArg >= 0 && (u.kind[regArg] == kMem || u.r[regArg]&15 != e.reg) {
		return false
	}
	if mem >= 0 {
		if mem != rmArg || e.mod3 {
			return false
		}
	} else if !e.mod3 || u.r[rmArg]&15 != e.rm {
		return false
	}
	if flags&sseFlags != 0 && mem == 0 {
		return false
	}

	x.sseCheck()
	if flags&sseMX != 0 && !x.mx {
		// Only while the guest masks every exception (the first floating-point
		// instruction of a stretch checks: nothing in the stretch changes MXCSR).
		x.clobber()
		slow := x.stub()
		a.Load(4, jit.RAX, jit.M(hCPU, offMXCSR))
		a.Not(4, jit.RAX)
		a.TestRI(4, jit.RAX, 0x1F80)
		a.Jcc(jit.CondNE, slow)
	}
	var hostMem jit.Mem
	if mem >= 0 {
		// The host instruction reads or writes sz bytes (its encoding says how many);
		// the decoder must agree, or the probe would not cover them.
		sz := sseMemSize(flags, e.w)
		if u.sz[mem] != sz {
			return false
		}
		if !x.ea(u, true) {
			return false
		}
		if sz == 16 && flags&sseU == 0 {
			// The host faults on a misaligned operand too: guest RAM, the only memory
			// the TLB gives host addresses for, must start 16-byte aligned (a large
			// allocation always does).
			if ram := x.c.mem.RAM(); len(ram) == 0 || uintptr(unsafe.Pointer(&ram[0]))&15 != 0 {
				return false
			}
			x.clobber()
			slow := x.stub()
			a.TestRI(1, jit.RAX, 15)
			a.Jcc(jit.CondNE, slow)
		}
		if mem == 0 {
			x.probe(mmu.Write, sz, jit.RDI)
			hostMem = jit.M(jit.RDI, 0)
		} else {
			x.probe(mmu.Read, sz, jit.RSI)
			hostMem = jit.M(jit.RSI, 0)
		}
	}
	// Load the operands: ModRM.reg into X0 or RCX, a register r/m into X1 or RDX.
	hostReg := func(i int) byte {
		switch {
		case i == regArg && u.kind[i] == kXMM:
			return byte(jit.X0)
		case i == regArg:
			return byte(jit.RCX)
		case u.kind[i] == kXMM:
			return byte(jit.X1)
		}
		return byte(jit.RDX)
	}
	for i := 0; i < 2; i++ {
		switch u.kind[i] {
		case kXMM:
			a.MovupsLoad(jit.XReg(hostReg(i)), xmmMem(u.r[i]))
		case kReg:
			x.loadReg(jit.Reg(hostReg(i)), u.r[i], 8)
		}
	}
	if flags&sseMX != 0 && !x.mx {
		// The host runs the stretch under the guest's MXCSR, its flags included: the
		// flags the instructions raise accumulate there, and the exits store it back
		// (flushMX).
		a.Ldmxcsr(jit.M(hCPU, offMXCSR))
		x.mx = true
	}
	var reg byte
	switch {
	case shiftImm:
		reg = e.reg & 7
	default:
		reg = hostReg(regArg)
	}
	if mem >= 0 {
		a.SSERM(e.pfx, e.w, e.op, reg, hostMem)
	} else {
		a.SSERR(e.pfx, e.w, e.op, reg, hostReg(rmArg))
	}
	if hasImm {
		a.Imm8(byte(u.imm))
	}
	// The destination.
	if flags&sseFlags == 0 {
		switch u.kind[0] {
		case kXMM:
			a.MovupsStore(xmmMem(u.r[0]), jit.XReg(hostReg(0)))
		case kReg:
			x.storeReg(u.r[0], u.sz[0], jit.Reg(hostReg(0)))
		}
	} else {
		x.capture(false)
	}
	return true
}
