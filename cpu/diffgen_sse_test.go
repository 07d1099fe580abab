package cpu

// Generators for SSE/SSE2 (and the few SSE1 forms gcc emits for baseline x86-64): moves,
// logic, integer arithmetic, compares, shuffles, unpacks, shifts, scalar and packed float
// arithmetic, conversions, COMIS/UCOMIS, CMPccPS/PD/SS/SD, MXCSR. Float operands are drawn
// from NaNs (quiet and signalling, both signs), infinities, zeros, denormals, the largest
// and smallest normals, integers near conversion limits, ties and random values; MXCSR
// sometimes has a non-default rounding mode, FTZ or DAZ (every exception stays masked).

import (
	"fmt"
	"math"

	"github.com/kppemu/kppemu/cpu/internal/native"
)

// Element types of an XMM operand (what values the generator puts in it).
const (
	eInt = iota // integer lanes (bytes with edge patterns)
	ePS         // packed single
	ePD         // packed double
)

// f64 returns an edge-biased double.
func (g *dgen) f64() uint64 {
	sign := uint64(g.n(2)) << 63
	switch g.n(22) {
	case 0:
		return sign
	case 1:
		return sign | 0x7FF0000000000000
	case 2:
		return sign | 0x7FF8000000000000 | g.r.Uint64()&0x7FFFFFFFFFFFF*uint64(g.n(2))
	case 3:
		return sign | 0x7FF0000000000000 | (g.r.Uint64()&0x7FFFFFFFFFFFF | 1) // SNaN
	case 4:
		return sign | g.r.Uint64()&0xFFFFFFFFFFFFF // denormal (or zero)
	case 5:
		return sign | 0x0010000000000000
	case 6:
		return sign | 0x7FEFFFFFFFFFFFFF
	case 7:
		return sign | math.Float64bits(1)
	case 8:
		lims := []float64{2147483647, 2147483648, -2147483648, -2147483649, 2147483647.5, -2147483648.5,
			9223372036854775807, -9223372036854775808, 9223372036854774784, 4294967296}
		return math.Float64bits(lims[g.n(len(lims))])
	case 9:
		return math.Float64bits(float64(int64(g.n(200))-100) + 0.5)
	case 10:
		return math.Float64bits(float64(int64(g.n(2000)) - 1000))
	case 11:
		return sign | uint64(g.n(4))<<52 | g.r.Uint64()&0xFFFFFFFFFFFFF // tiny normals
	case 12:
		return sign | uint64(0x7FC+g.n(4))<<52 | g.r.Uint64()&0xFFFFFFFFFFFFF // huge
	default:
		return sign | uint64(1023-40+g.n(80))<<52 | g.r.Uint64()&0xFFFFFFFFFFFFF
	}
}

// f32 returns an edge-biased single.
func (g *dgen) f32() uint32 {
	sign := uint32(g.n(2)) << 31
	switch g.n(22) {
	case 0:
		return sign
	case 1:
		return sign | 0x7F800000
	case 2:
		return sign | 0x7FC00000 | uint32(g.r.Uint64())&0x3FFFFF*uint32(g.n(2))
	case 3:
		return sign | 0x7F800000 | (uint32(g.r.Uint64())&0x3FFFFF | 1)
	case 4:
		return sign | uint32(g.r.Uint64())&0x7FFFFF
	case 5:
		return sign | 0x00800000
	case 6:
		return sign | 0x7F7FFFFF
	case 7:
		return sign | math.Float32bits(1)
	case 8:
		lims := []float32{2147483647, 2147483648, -2147483648, -2147483904, 9223372036854775807,
			-9223372036854775808, 16777216, 16777217}
		return math.Float32bits(lims[g.n(len(lims))])
	case 9:
		return math.Float32bits(float32(g.n(200)-100) + 0.5)
	case 10:
		return math.Float32bits(float32(g.n(2000) - 1000))
	case 11:
		return sign | uint32(g.n(4))<<23 | uint32(g.r.Uint64())&0x7FFFFF
	case 12:
		return sign | uint32(0xFC+g.n(3))<<23 | uint32(g.r.Uint64())&0x7FFFFF
	default:
		return sign | uint32(127-20+g.n(40))<<23 | uint32(g.r.Uint64())&0x7FFFFF
	}
}

// lanes returns 16 bytes of element type e as two quadwords.
func (g *dgen) lanes(e int) [2]uint64 {
	var q [2]uint64
	for i := range q {
		switch e {
		case ePD:
			q[i] = g.f64()
		case ePS:
			q[i] = uint64(g.f32()) | uint64(g.f32())<<32
		default:
			if g.n(3) == 0 {
				q[i] = g.val(8)
				continue
			}
			for b := 0; b < 8; b++ {
				var v uint64
				switch g.n(6) {
				case 0:
					v = 0
				case 1:
					v = 0xFF
				case 2:
					v = 0x80
				case 3:
					v = 0x7F
				default:
					v = uint64(g.n(256))
				}
				q[i] |= v << (8 * b)
			}
		}
	}
	return q
}

// daz returns MXCSR.DAZ (bit 6) half of the time when the host supports it (LDMXCSR of
// an unsupported bit is #GP, which would kill the test process).
func (g *dgen) daz() uint32 {
	if hostHas("daz") {
		return uint32(g.n(2)) << 6
	}
	return 0
}

// sseSpec describes one SSE instruction form.
type sseSpec struct {
	mand   byte   // mandatory prefix 66/F2/F3 or 0
	op     []byte // opcode bytes after the mandatory prefix (0F ...)
	w      bool   // REX.W
	elem   int    // element type of the XMM operands
	regGPR int    // ModRM.reg is a GPR of this size (0: an XMM register)
	rmGPR  int    // ModRM.rm as a register is a GPR of this size (0: XMM)
	digit  int    // ModRM.reg opcode extension, or -1
	memSz  int    // size of the memory operand; 0: register form only
	align  int    // alignment the memory operand needs (16 for most packed forms)
	mem    int    // 0: r/m is a register, 1: memory, 2: either
	imm    func(g *dgen) byte
}

// genSSE emits one SSE instruction with edge-biased operands.
func (g *dgen) genSSE(s sseSpec) (rm rmOperand, addr uint64) {
	for i := range g.c.in.XMM {
		g.c.in.XMM[i] = g.lanes(s.elem)
	}
	if s.elem != eInt && g.n(4) == 0 {
		// Rounding mode, FTZ (bit 15), DAZ (bit 6); exceptions stay masked.
		g.c.in.MXCSR = 0x1F80 | uint32(g.n(4))<<13 | uint32(g.n(2))<<15 | g.daz()
	}
	var p []byte
	useMem := s.mem == 1 || s.mem == 2 && g.coin()
	a32 := useMem && g.n(10) == 0
	if a32 {
		p = append(p, 0x67)
	}
	if useMem {
		p = append(g.segPrefix(), p...)
	}
	if s.mand != 0 {
		p = append(p, s.mand)
	}
	in := insn{pfx: p, w: s.w, op: s.op, modrm: true, opReg: -1}
	if s.digit >= 0 {
		in.reg = uint8(s.digit)
	} else if s.regGPR > 0 {
		r := g.reg()
		g.setReg(r, g.val(s.regGPR))
		in.reg = r
	} else {
		in.reg = uint8(g.n(16))
	}
	if useMem {
		align := max(s.align, 1)
		addr = nativeScratch + uint64(g.memOff(s.memSz, align))
		for i := 0; i < s.memSz; i += 4 {
			n := min(4, s.memSz-i)
			var v uint64
			switch {
			case s.elem == ePD && n == 4 && i%8 == 0 && s.memSz >= 8:
				d := g.f64()
				g.putMem(addr+uint64(i), 8, d)
				i += 4
				continue
			case s.elem == ePS:
				v = uint64(g.f32())
			case s.regGPR == 0 && s.rmGPR > 0:
				v = g.val(4)
			default:
				v = g.lanes(eInt)[0]
			}
			g.putMem(addr+uint64(i), n, v)
		}
		in.rm = g.memAt(addr, a32)
	} else if s.rmGPR > 0 {
		r := g.reg()
		g.setReg(r, g.val(s.rmGPR))
		in.rm = regRM(r)
	} else {
		in.rm = regRM(uint8(g.n(16)))
	}
	if s.imm != nil {
		in.imm = []byte{s.imm(g)}
	}
	g.sseReg = in.reg
	g.emit(in, addr)
	return in.rm, addr
}

// nativeScratch is native.ScratchAddr as a uint64.
const nativeScratch = uint64(native.ScratchAddr)

func sseForms() []dform {
	var fs []dform
	add := func(name, mnem string, w int, s sseSpec) {
		fs = append(fs, dform{name: name, mnem: mnem, weight: w, blocks: true, gen: func(g *dgen) { g.genSSE(s) }})
	}
	x := func(op ...byte) []byte { return append([]byte{0x0F}, op...) }
	rnd8 := func(g *dgen) byte { return byte(g.n(256)) }
	// Moves.
	add("MOVD/xmm,rm32", "MOVD", 6, sseSpec{mand: 0x66, op: x(0x6E), rmGPR: 4, digit: -1, memSz: 4, mem: 2})
	add("MOVQ/xmm,rm64", "MOVQ", 6, sseSpec{mand: 0x66, op: x(0x6E), w: true, rmGPR: 8, digit: -1, memSz: 8, mem: 2})
	add("MOVD/rm32,xmm", "MOVD", 6, sseSpec{mand: 0x66, op: x(0x7E), rmGPR: 4, digit: -1, memSz: 4, mem: 2})
	add("MOVQ/rm64,xmm", "MOVQ", 6, sseSpec{mand: 0x66, op: x(0x7E), w: true, rmGPR: 8, digit: -1, memSz: 8, mem: 2})
	add("MOVQ/xmm,xmm_m64", "MOVQ", 6, sseSpec{mand: 0xF3, op: x(0x7E), digit: -1, memSz: 8, mem: 2})
	add("MOVQ/xmm_m64,xmm", "MOVQ", 6, sseSpec{mand: 0x66, op: x(0xD6), digit: -1, memSz: 8, mem: 2})
	for _, m := range []struct {
		name       string
		mand       byte
		load, stor byte
		align      int
	}{{"MOVDQA", 0x66, 0x6F, 0x7F, 16}, {"MOVDQU", 0xF3, 0x6F, 0x7F, 1}, {"MOVAPS", 0, 0x28, 0x29, 16},
		{"MOVUPS", 0, 0x10, 0x11, 1}, {"MOVAPD", 0x66, 0x28, 0x29, 16}, {"MOVUPD", 0x66, 0x10, 0x11, 1}} {
		add(m.name+"/load", m.name, 5, sseSpec{mand: m.mand, op: x(m.load), digit: -1, memSz: 16, align: m.align, mem: 2})
		add(m.name+"/store", m.name, 5, sseSpec{mand: m.mand, op: x(m.stor), digit: -1, memSz: 16, align: m.align, mem: 2})
	}
	add("MOVSS/load", "MOVSS", 5, sseSpec{mand: 0xF3, op: x(0x10), elem: ePS, digit: -1, memSz: 4, mem: 2})
	add("MOVSS/store", "MOVSS", 5, sseSpec{mand: 0xF3, op: x(0x11), elem: ePS, digit: -1, memSz: 4, mem: 2})
	add("MOVSD/load", "MOVSD_XMM", 5, sseSpec{mand: 0xF2, op: x(0x10), elem: ePD, digit: -1, memSz: 8, mem: 2})
	add("MOVSD/store", "MOVSD_XMM", 5, sseSpec{mand: 0xF2, op: x(0x11), elem: ePD, digit: -1, memSz: 8, mem: 2})
	add("MOVHLPS", "MOVHLPS", 3, sseSpec{op: x(0x12), digit: -1})
	add("MOVLHPS", "MOVLHPS", 3, sseSpec{op: x(0x16), digit: -1})
	add("MOVLPS/load", "MOVLPS", 3, sseSpec{op: x(0x12), digit: -1, memSz: 8, mem: 1})
	add("MOVHPS/load", "MOVHPS", 3, sseSpec{op: x(0x16), digit: -1, memSz: 8, mem: 1})
	add("MOVLPS/store", "MOVLPS", 3, sseSpec{op: x(0x13), digit: -1, memSz: 8, mem: 1})
	add("MOVHPS/store", "MOVHPS", 3, sseSpec{op: x(0x17), digit: -1, memSz: 8, mem: 1})
	add("MOVLPD/load", "MOVLPD", 3, sseSpec{mand: 0x66, op: x(0x12), digit: -1, memSz: 8, mem: 1})
	add("MOVHPD/load", "MOVHPD", 3, sseSpec{mand: 0x66, op: x(0x16), digit: -1, memSz: 8, mem: 1})
	add("MOVLPD/store", "MOVLPD", 3, sseSpec{mand: 0x66, op: x(0x13), digit: -1, memSz: 8, mem: 1})
	add("MOVHPD/store", "MOVHPD", 3, sseSpec{mand: 0x66, op: x(0x17), digit: -1, memSz: 8, mem: 1})
	add("MOVMSKPS", "MOVMSKPS", 3, sseSpec{op: x(0x50), regGPR: 4, elem: ePS, digit: -1})
	add("MOVMSKPD", "MOVMSKPD", 3, sseSpec{mand: 0x66, op: x(0x50), regGPR: 4, elem: ePD, digit: -1})
	add("PMOVMSKB", "PMOVMSKB", 5, sseSpec{mand: 0x66, op: x(0xD7), regGPR: 4, digit: -1})
	add("MOVNTDQ", "MOVNTDQ", 2, sseSpec{mand: 0x66, op: x(0xE7), digit: -1, memSz: 16, align: 16, mem: 1})
	add("MOVNTPS", "MOVNTPS", 2, sseSpec{op: x(0x2B), digit: -1, memSz: 16, align: 16, mem: 1})
	add("MOVNTPD", "MOVNTPD", 2, sseSpec{mand: 0x66, op: x(0x2B), digit: -1, memSz: 16, align: 16, mem: 1})
	add("PEXTRW", "PEXTRW", 3, sseSpec{mand: 0x66, op: x(0xC5), regGPR: 4, digit: -1, imm: rnd8})
	add("PINSRW", "PINSRW", 3, sseSpec{mand: 0x66, op: x(0xC4), rmGPR: 4, digit: -1, memSz: 2, mem: 2, imm: rnd8})
	// Integer vector operations (66 0F xx xmm, xmm/m128).
	for _, o := range []struct {
		name string
		op   byte
	}{{"PXOR", 0xEF}, {"POR", 0xEB}, {"PAND", 0xDB}, {"PANDN", 0xDF},
		{"PCMPEQB", 0x74}, {"PCMPEQW", 0x75}, {"PCMPEQD", 0x76}, {"PCMPGTB", 0x64}, {"PCMPGTW", 0x65}, {"PCMPGTD", 0x66},
		{"PUNPCKLBW", 0x60}, {"PUNPCKLWD", 0x61}, {"PUNPCKLDQ", 0x62}, {"PUNPCKLQDQ", 0x6C},
		{"PUNPCKHBW", 0x68}, {"PUNPCKHWD", 0x69}, {"PUNPCKHDQ", 0x6A}, {"PUNPCKHQDQ", 0x6D},
		{"PACKSSWB", 0x63}, {"PACKUSWB", 0x67}, {"PACKSSDW", 0x6B},
		{"PADDB", 0xFC}, {"PADDW", 0xFD}, {"PADDD", 0xFE}, {"PADDQ", 0xD4},
		{"PSUBB", 0xF8}, {"PSUBW", 0xF9}, {"PSUBD", 0xFA}, {"PSUBQ", 0xFB},
		{"PADDUSB", 0xDC}, {"PADDUSW", 0xDD}, {"PADDSB", 0xEC}, {"PADDSW", 0xED},
		{"PSUBUSB", 0xD8}, {"PSUBUSW", 0xD9}, {"PSUBSB", 0xE8}, {"PSUBSW", 0xE9},
		{"PMULLW", 0xD5}, {"PMULHW", 0xE5}, {"PMULHUW", 0xE4}, {"PMULUDQ", 0xF4}, {"PMADDWD", 0xF5},
		{"PAVGB", 0xE0}, {"PAVGW", 0xE3}, {"PMAXUB", 0xDE}, {"PMINUB", 0xDA}, {"PMAXSW", 0xEE}, {"PMINSW", 0xEA},
		{"PSADBW", 0xF6}} {
		add(o.name, o.name, 5, sseSpec{mand: 0x66, op: x(o.op), digit: -1, memSz: 16, align: 16, mem: 2})
	}
	add("PSHUFD", "PSHUFD", 5, sseSpec{mand: 0x66, op: x(0x70), digit: -1, memSz: 16, align: 16, mem: 2, imm: rnd8})
	add("PSHUFLW", "PSHUFLW", 4, sseSpec{mand: 0xF2, op: x(0x70), digit: -1, memSz: 16, align: 16, mem: 2, imm: rnd8})
	add("PSHUFHW", "PSHUFHW", 4, sseSpec{mand: 0xF3, op: x(0x70), digit: -1, memSz: 16, align: 16, mem: 2, imm: rnd8})
	add("SHUFPS", "SHUFPS", 4, sseSpec{op: x(0xC6), elem: ePS, digit: -1, memSz: 16, align: 16, mem: 2, imm: rnd8})
	add("SHUFPD", "SHUFPD", 4, sseSpec{mand: 0x66, op: x(0xC6), elem: ePD, digit: -1, memSz: 16, align: 16, mem: 2, imm: rnd8})
	add("UNPCKLPS", "UNPCKLPS", 3, sseSpec{op: x(0x14), elem: ePS, digit: -1, memSz: 16, align: 16, mem: 2})
	add("UNPCKHPS", "UNPCKHPS", 3, sseSpec{op: x(0x15), elem: ePS, digit: -1, memSz: 16, align: 16, mem: 2})
	add("UNPCKLPD", "UNPCKLPD", 3, sseSpec{mand: 0x66, op: x(0x14), elem: ePD, digit: -1, memSz: 16, align: 16, mem: 2})
	add("UNPCKHPD", "UNPCKHPD", 3, sseSpec{mand: 0x66, op: x(0x15), elem: ePD, digit: -1, memSz: 16, align: 16, mem: 2})
	// Shifts by an XMM count and by an immediate.
	for _, o := range []struct {
		name  string
		op    byte
		imOp  byte
		digit int
		width int
	}{{"PSRLW", 0xD1, 0x71, 2, 16}, {"PSRLD", 0xD2, 0x72, 2, 32}, {"PSRLQ", 0xD3, 0x73, 2, 64},
		{"PSRAW", 0xE1, 0x71, 4, 16}, {"PSRAD", 0xE2, 0x72, 4, 32},
		{"PSLLW", 0xF1, 0x71, 6, 16}, {"PSLLD", 0xF2, 0x72, 6, 32}, {"PSLLQ", 0xF3, 0x73, 6, 64}} {
		o := o
		count := func(g *dgen) uint64 {
			switch g.n(6) {
			case 0:
				return 0
			case 1:
				return 1
			case 2:
				return uint64(o.width - 1)
			case 3:
				return uint64(o.width + g.n(2))
			case 4:
				return g.r.Uint64()
			}
			return uint64(g.n(256))
		}
		fs = append(fs, dform{name: o.name + "/xmm", mnem: o.name, weight: 5, blocks: true, gen: func(g *dgen) {
			rm, addr := g.genSSE(sseSpec{mand: 0x66, op: x(o.op), digit: -1, memSz: 16, align: 16, mem: 2})
			// The count is the low quadword of the source: make it interesting.
			if rm.mem {
				g.putMem(addr, 8, count(g))
			} else {
				g.c.in.XMM[rm.reg][0] = count(g)
			}
		}})
		add(o.name+"/imm8", o.name, 5, sseSpec{mand: 0x66, op: x(o.imOp), digit: o.digit, imm: func(g *dgen) byte { return byte(count(g)) }})
	}
	add("PSRLDQ", "PSRLDQ", 4, sseSpec{mand: 0x66, op: x(0x73), digit: 3, imm: func(g *dgen) byte { return byte(g.n(20)) }})
	add("PSLLDQ", "PSLLDQ", 4, sseSpec{mand: 0x66, op: x(0x73), digit: 7, imm: func(g *dgen) byte { return byte(g.n(20)) }})
	// Float logic.
	for _, o := range []struct {
		name string
		op   byte
	}{{"AND", 0x54}, {"ANDN", 0x55}, {"OR", 0x56}, {"XOR", 0x57}} {
		add(o.name+"PS", o.name+"PS", 3, sseSpec{op: x(o.op), elem: ePS, digit: -1, memSz: 16, align: 16, mem: 2})
		add(o.name+"PD", o.name+"PD", 3, sseSpec{mand: 0x66, op: x(o.op), elem: ePD, digit: -1, memSz: 16, align: 16, mem: 2})
	}
	// Float arithmetic in four shapes.
	shapes := []struct {
		suf   string
		mand  byte
		elem  int
		memSz int
		align int
	}{{"PS", 0, ePS, 16, 16}, {"PD", 0x66, ePD, 16, 16}, {"SS", 0xF3, ePS, 4, 1}, {"SD", 0xF2, ePD, 8, 1}}
	for _, o := range []struct {
		name string
		op   byte
	}{{"ADD", 0x58}, {"MUL", 0x59}, {"SUB", 0x5C}, {"MIN", 0x5D}, {"DIV", 0x5E}, {"MAX", 0x5F}, {"SQRT", 0x51}} {
		for _, sh := range shapes {
			add(o.name+sh.suf, o.name+sh.suf, 8, sseSpec{mand: sh.mand, op: x(o.op), elem: sh.elem, digit: -1, memSz: sh.memSz, align: sh.align, mem: 2})
		}
	}
	for _, sh := range shapes {
		mn := "CMP" + sh.suf
		if sh.suf == "SD" {
			mn = "CMPSD_XMM"
		}
		add(mn, mn, 8, sseSpec{mand: sh.mand, op: x(0xC2), elem: sh.elem, digit: -1, memSz: sh.memSz, align: sh.align, mem: 2,
			imm: func(g *dgen) byte { return byte(g.n(8)) }})
	}
	// RCP and RSQRT: approximations whose precision each implementation chooses (the SDM
	// bounds the relative error by 1.5*2^-12): the destination's single-precision lanes are
	// compared within that bound on both sides (xmmTol), the other lanes exactly.
	for _, o := range []struct {
		name string
		op   byte
	}{{"RCP", 0x53}, {"RSQRT", 0x52}} {
		for _, sh := range shapes {
			if sh.elem != ePS {
				continue
			}
			s := sseSpec{mand: sh.mand, op: x(o.op), elem: ePS, digit: -1, memSz: sh.memSz, align: sh.align, mem: 2}
			lanes := uint8(15)
			if sh.suf == "SS" {
				lanes = 1
			}
			fs = append(fs, dform{name: o.name + sh.suf, mnem: o.name + sh.suf, weight: 6, blocks: true, gen: func(g *dgen) {
				g.genSSE(s)
				g.c.xmmTol = xmmTol{reg: g.sseReg, lanes: lanes}
			}})
		}
	}
	// COMIS/UCOMIS set ZF/PF/CF and clear OF/SF/AF: all compared.
	add("UCOMISS", "UCOMISS", 6, sseSpec{op: x(0x2E), elem: ePS, digit: -1, memSz: 4, mem: 2})
	add("COMISS", "COMISS", 6, sseSpec{op: x(0x2F), elem: ePS, digit: -1, memSz: 4, mem: 2})
	add("UCOMISD", "UCOMISD", 6, sseSpec{mand: 0x66, op: x(0x2E), elem: ePD, digit: -1, memSz: 8, mem: 2})
	add("COMISD", "COMISD", 6, sseSpec{mand: 0x66, op: x(0x2F), elem: ePD, digit: -1, memSz: 8, mem: 2})
	// Conversions.
	for _, sz := range []int{4, 8} {
		w := sz == 8
		n := fmt.Sprint(sz * 8)
		add("CVTSI2SD/"+n, "CVTSI2SD", 6, sseSpec{mand: 0xF2, op: x(0x2A), w: w, rmGPR: sz, elem: ePD, digit: -1, memSz: sz, mem: 2})
		add("CVTSI2SS/"+n, "CVTSI2SS", 6, sseSpec{mand: 0xF3, op: x(0x2A), w: w, rmGPR: sz, elem: ePS, digit: -1, memSz: sz, mem: 2})
		add("CVTTSD2SI/"+n, "CVTTSD2SI", 6, sseSpec{mand: 0xF2, op: x(0x2C), w: w, regGPR: sz, elem: ePD, digit: -1, memSz: 8, mem: 2})
		add("CVTSD2SI/"+n, "CVTSD2SI", 6, sseSpec{mand: 0xF2, op: x(0x2D), w: w, regGPR: sz, elem: ePD, digit: -1, memSz: 8, mem: 2})
		add("CVTTSS2SI/"+n, "CVTTSS2SI", 6, sseSpec{mand: 0xF3, op: x(0x2C), w: w, regGPR: sz, elem: ePS, digit: -1, memSz: 4, mem: 2})
		add("CVTSS2SI/"+n, "CVTSS2SI", 6, sseSpec{mand: 0xF3, op: x(0x2D), w: w, regGPR: sz, elem: ePS, digit: -1, memSz: 4, mem: 2})
	}
	add("CVTSD2SS", "CVTSD2SS", 6, sseSpec{mand: 0xF2, op: x(0x5A), elem: ePD, digit: -1, memSz: 8, mem: 2})
	add("CVTSS2SD", "CVTSS2SD", 6, sseSpec{mand: 0xF3, op: x(0x5A), elem: ePS, digit: -1, memSz: 4, mem: 2})
	add("CVTPS2PD", "CVTPS2PD", 5, sseSpec{op: x(0x5A), elem: ePS, digit: -1, memSz: 8, mem: 2})
	add("CVTPD2PS", "CVTPD2PS", 5, sseSpec{mand: 0x66, op: x(0x5A), elem: ePD, digit: -1, memSz: 16, align: 16, mem: 2})
	add("CVTDQ2PS", "CVTDQ2PS", 5, sseSpec{op: x(0x5B), digit: -1, memSz: 16, align: 16, mem: 2})
	add("CVTPS2DQ", "CVTPS2DQ", 5, sseSpec{mand: 0x66, op: x(0x5B), elem: ePS, digit: -1, memSz: 16, align: 16, mem: 2})
	add("CVTTPS2DQ", "CVTTPS2DQ", 5, sseSpec{mand: 0xF3, op: x(0x5B), elem: ePS, digit: -1, memSz: 16, align: 16, mem: 2})
	add("CVTDQ2PD", "CVTDQ2PD", 5, sseSpec{mand: 0xF3, op: x(0xE6), digit: -1, memSz: 8, mem: 2})
	add("CVTPD2DQ", "CVTPD2DQ", 5, sseSpec{mand: 0xF2, op: x(0xE6), elem: ePD, digit: -1, memSz: 16, align: 16, mem: 2})
	add("CVTTPD2DQ", "CVTTPD2DQ", 5, sseSpec{mand: 0x66, op: x(0xE6), elem: ePD, digit: -1, memSz: 16, align: 16, mem: 2})
	// FXSAVE/FXRSTOR (SDM Vol. 1 §10.5.1): FCW, FSW, FTW, MXCSR and XMM0-15 are compared; the
	// x87 pointers (AMD omits them without a pending exception), MXCSR_MASK (the host's
	// mask need not be the emulator's), ST0-7 (the host's leftover register contents) and
	// the reserved tail are not.
	for _, w := range []bool{false, true} {
		w := w
		mn, rs := "FXSAVE", "FXRSTOR"
		if w {
			mn, rs = "FXSAVE64", "FXRSTOR64"
		}
		fs = append(fs, dform{name: mn, mnem: mn, weight: 4, blocks: true, gen: func(g *dgen) {
			g.c.in.MXCSR = 0x1F80 | uint32(g.n(4))<<13 | uint32(g.n(64))
			addr := nativeScratch + uint64(g.memOff(512, 16))
			a32, p := g.a32Pfx()
			g.emit(insn{pfx: p, w: w, op: x(0xAE), modrm: true, reg: 0, rm: g.memAt(addr, a32), opReg: -1}, addr)
			off := int(addr - native.MemAddr)
			g.c.memIgn = append(g.c.memIgn, memRange{off + 5, 19}, memRange{off + 28, 132}, memRange{off + 416, 96})
		}})
		fs = append(fs, dform{name: rs, mnem: rs, weight: 4, blocks: true, gen: func(g *dgen) {
			addr := nativeScratch + uint64(g.memOff(512, 16))
			for i := 0; i < 512; i += 8 {
				g.putMem(addr+uint64(i), 8, 0)
			}
			g.putMem(addr, 2, 0x37F) // FCW as the host runs (FSW 0, FTW 0: x87 empty)
			g.putMem(addr+24, 4, 0x1F80|uint64(g.n(4))<<13|uint64(g.n(64))|uint64(g.n(2))<<15)
			for i := 0; i < 16; i++ {
				l := g.lanes(g.n(3))
				g.putMem(addr+160+16*uint64(i), 8, l[0])
				g.putMem(addr+168+16*uint64(i), 8, l[1])
			}
			a32, p := g.a32Pfx()
			g.emit(insn{pfx: p, w: w, op: x(0xAE), modrm: true, reg: 1, rm: g.memAt(addr, a32), opReg: -1}, addr)
		}})
	}
	// MXCSR.
	fs = append(fs, dform{name: "LDMXCSR", mnem: "LDMXCSR", weight: 4, blocks: true, gen: func(g *dgen) {
		addr := nativeScratch + uint64(g.memOff(4, 4))
		g.putMem(addr, 4, 0x1F80|uint64(g.n(4))<<13|uint64(g.n(2))<<15|uint64(g.daz())|uint64(g.n(64)))
		a32, p := g.a32Pfx()
		g.emit(insn{pfx: p, op: x(0xAE), modrm: true, reg: 2, rm: g.memAt(addr, a32), opReg: -1}, addr)
	}})
	fs = append(fs, dform{name: "STMXCSR", mnem: "STMXCSR", weight: 3, blocks: true, gen: func(g *dgen) {
		g.c.in.MXCSR = 0x1F80 | uint32(g.n(4))<<13 | uint32(g.n(64))
		addr := nativeScratch + uint64(g.memOff(4, 1))
		a32, p := g.a32Pfx()
		g.emit(insn{pfx: p, op: x(0xAE), modrm: true, reg: 3, rm: g.memAt(addr, a32), opReg: -1}, addr)
	}})
	return fs
}

// xmmTol marks the single-precision lanes of one XMM register that hold approximations.
type xmmTol struct {
	reg   uint8
	lanes uint8 // bit i: lane i (0 = none)
}

// apply accepts the emulator's lanes that are within the approximation bound of the host's
// (copying the host's bits).
func (t xmmTol) apply(nat, emu *native.State) {
	for i := 0; i < 4; i++ {
		if t.lanes&(1<<i) == 0 {
			continue
		}
		q, sh := i/2, uint(i%2)*32
		h := uint32(nat.XMM[t.reg][q] >> sh)
		e := uint32(emu.XMM[t.reg][q] >> sh)
		if approxClose(h, e) {
			emu.XMM[t.reg][q] = emu.XMM[t.reg][q]&^(0xFFFFFFFF<<sh) | uint64(h)<<sh
		}
	}
}

// approxClose reports whether two approximations of one value agree: the same bits, or
// finite values of one sign within 2*1.5*2^-12 of each other relative to the larger,
// or two values of one sign at the edge of the normal range (one may have been flushed
// to zero).
func approxClose(h, e uint32) bool {
	if h == e {
		return true
	}
	if (h^e)&f32Sign != 0 || h&f32Exp == f32Exp || e&f32Exp == f32Exp {
		return false
	}
	x := math.Abs(float64(math.Float32frombits(h)))
	y := math.Abs(float64(math.Float32frombits(e)))
	if max(x, y) <= 0x1p-125 {
		return true
	}
	return math.Abs(x-y) <= 3*0x1p-13*max(x, y)
}
