package cpu

// Generators for the x87 control-state instructions the emulator implements (for FXSAVE
// and kernels that initialise the FPU): FNINIT, FLDCW/FNSTCW, FNSTSW, FNCLEX, FWAIT, EMMS,
// FNSTENV/FLDENV, FNSAVE/FRSTOR. Every snippet starts and ends with FNINIT, so the host's
// x87 state is known on entry and restored on exit, and uses only non-waiting forms after
// loading a status word (a pending unmasked exception would raise #MF on a waiting one).
// The instruction and data pointers of stored environments (bytes 12-27) are
// model-specific and not compared.

import "github.com/kppemu/kppemu/cpu/internal/native"

var (
	x87Init  = []byte{0xDB, 0xE3} // fninit
	x87Clex  = []byte{0xDB, 0xE2} // fnclex
	x87StswA = []byte{0xDF, 0xE0} // fnstsw ax
)

// absMem is an absolute [disp32] operand.
func absMem(addr uint64) rmOperand {
	return rmOperand{mem: true, base: -1, index: -1, disp: int32(addr), mod: -1}
}

// x87Op encodes a D9/DD/DF /digit memory instruction at addr.
func x87Op(op byte, digit uint8, addr uint64) []byte {
	return encodeNoMain(insn{op: []byte{op}, modrm: true, reg: digit, rm: absMem(addr), opReg: -1})
}

// f80 returns an edge-biased 80-bit extended value as (mantissa, sign|exponent).
func (g *dgen) f80() (uint64, uint16) {
	sign := uint16(g.n(2)) << 15
	switch g.n(8) {
	case 0:
		return 0, sign
	case 1:
		return g.r.Uint64() &^ (1 << 63), sign // denormal
	case 2:
		return 1<<63 | g.r.Uint64()>>1*uint64(g.n(2)), sign | 0x7FFF // infinity or NaN
	case 3:
		return g.r.Uint64() &^ (1 << 63), sign | uint16(1+g.n(0x7FFE)) // unnormal (unsupported)
	default:
		return 1<<63 | g.r.Uint64(), sign | uint16(1+g.n(0x7FFE))
	}
}

// x87Image writes a random FNSAVE image (108 bytes) at addr.
func (g *dgen) x87Image(addr uint64) {
	for i := 0; i < 108; i += 4 {
		g.putMem(addr+uint64(i), 4, 0)
	}
	g.putMem(addr, 2, 0x37F&^uint64(g.n(64))|uint64(g.n(4))<<8|uint64(g.n(4))<<10) // FCW
	g.putMem(addr+4, 2, g.r.Uint64()&0xFFFF)                                       // FSW
	g.putMem(addr+8, 2, g.r.Uint64()&0xFFFF|uint64(0xFFFF*g.n(2)))                 // FTW
	for i := 0; i < 8; i++ {
		m, se := g.f80()
		g.putMem(addr+28+10*uint64(i), 8, m)
		g.putMem(addr+36+10*uint64(i), 2, uint64(se))
	}
}

func x87Forms() []dform {
	var fs []dform
	add := func(name, mnem string, gen func(g *dgen)) {
		fs = append(fs, dform{name: name, mnem: mnem, weight: 5, gen: func(g *dgen) {
			g.spFree = false
			gen(g)
		}})
	}
	place := func(g *dgen, n int) uint64 { return nativeScratch + uint64(g.memOff(n, 1)) }
	ignorePointers := func(g *dgen, addr uint64) {
		g.c.memIgn = append(g.c.memIgn, memRange{int(addr-native.MemAddr) + 12, 16})
	}
	add("FLDCW+FNSTCW", "FLDCW", func(g *dgen) {
		a, b := place(g, 2), uint64(native.StackAddr+0x100)
		g.putMem(a, 2, g.r.Uint64()&0xFFFF)
		g.raw(x87Init...)
		a32, p := g.a32Pfx()
		g.emit(insn{pfx: p, op: []byte{0xD9}, modrm: true, reg: 5, rm: g.memAt(a, a32), opReg: -1}, a)
		g.raw(x87Op(0xD9, 7, b)...)
		g.raw(x87Init...)
	})
	add("FNSTCW", "FNSTCW", func(g *dgen) {
		a, b := place(g, 2), place(g, 2)
		g.putMem(a, 2, g.r.Uint64()&0xFFFF)
		g.raw(x87Init...)
		g.raw(x87Op(0xD9, 5, a)...)
		a32, p := g.a32Pfx()
		g.emit(insn{pfx: p, op: []byte{0xD9}, modrm: true, reg: 7, rm: g.memAt(b, a32), opReg: -1}, b)
		g.raw(x87Init...)
	})
	add("FNSTSW/m16", "FNSTSW", func(g *dgen) {
		a, b := place(g, 108), place(g, 2)
		g.x87Image(a)
		g.raw(x87Init...)
		g.raw(x87Op(0xDD, 4, a)...)
		a32, p := g.a32Pfx()
		g.emit(insn{pfx: p, op: []byte{0xDD}, modrm: true, reg: 7, rm: g.memAt(b, a32), opReg: -1}, b)
		g.raw(x87Init...)
	})
	add("FNSAVE", "FNSAVE", func(g *dgen) {
		a, b := place(g, 108), place(g, 108)
		g.x87Image(a)
		g.raw(x87Init...)
		g.raw(x87Op(0xDD, 4, a)...)
		a32, p := g.a32Pfx()
		g.emit(insn{pfx: p, op: []byte{0xDD}, modrm: true, reg: 6, rm: g.memAt(b, a32), opReg: -1}, b)
		g.raw(x87Init...)
		ignorePointers(g, b)
	})
	add("FNINIT", "FNINIT", func(g *dgen) {
		a, b := place(g, 108), place(g, 108)
		g.x87Image(a)
		g.raw(x87Init...)
		g.raw(x87Op(0xDD, 4, a)...)
		g.emit(insn{op: x87Init, opReg: -1}, 0)
		g.raw(x87Op(0xDD, 6, b)...)
		g.raw(x87Init...)
		ignorePointers(g, b)
	})
	add("FWAIT", "FWAIT", func(g *dgen) {
		g.raw(x87Init...)
		g.emit(insn{op: []byte{0x9B}, opReg: -1}, 0)
		g.raw(x87Init...)
	})
	add("FRSTOR+FNSAVE", "FRSTOR", func(g *dgen) {
		a, b := place(g, 108), uint64(native.StackAddr+0x100)
		g.x87Image(a)
		g.raw(x87Init...)
		a32, p := g.a32Pfx()
		g.emit(insn{pfx: p, op: []byte{0xDD}, modrm: true, reg: 4, rm: g.memAt(a, a32), opReg: -1}, a)
		g.raw(x87Op(0xDD, 6, b)...)
		g.raw(x87Init...)
		ignorePointers(g, b)
	})
	add("FNSTENV", "FNSTENV", func(g *dgen) {
		a, b := place(g, 108), uint64(native.StackAddr+0x100)
		g.x87Image(a)
		g.claim(RAX)
		g.raw(x87Init...)
		g.raw(x87Op(0xDD, 4, a)...)
		a32, p := g.a32Pfx()
		g.emit(insn{pfx: p, op: []byte{0xD9}, modrm: true, reg: 6, rm: g.memAt(b, a32), opReg: -1}, b)
		g.raw(x87StswA...)
		g.raw(x87Init...)
		ignorePointers(g, b)
	})
	add("FLDENV", "FLDENV", func(g *dgen) {
		a, b := place(g, 108), uint64(native.StackAddr+0x100)
		g.x87Image(a)
		e := place(g, 28)
		for i := 0; i < 28; i += 4 {
			g.putMem(e+uint64(i), 4, 0)
		}
		g.putMem(e, 2, g.r.Uint64()&0x1F7F|0x40)
		g.putMem(e+4, 2, g.r.Uint64()&0xFFFF)
		g.putMem(e+8, 2, g.r.Uint64()&0xFFFF)
		g.putMem(a+4, 2, 0) // FLDENV waits: nothing may be pending before it
		g.raw(x87Init...)
		g.raw(x87Op(0xDD, 4, a)...) // registers with known contents
		a32, p := g.a32Pfx()
		g.emit(insn{pfx: p, op: []byte{0xD9}, modrm: true, reg: 4, rm: g.memAt(e, a32), opReg: -1}, e)
		g.raw(x87Op(0xDD, 6, b)...)
		g.raw(x87Init...)
		ignorePointers(g, b)
	})
	add("FNSTSW+FNCLEX", "FNCLEX", func(g *dgen) {
		a, b := place(g, 108), uint64(native.StackAddr+0x100)
		g.x87Image(a)
		g.claim(RAX)
		g.raw(x87Init...)
		g.raw(x87Op(0xDD, 4, a)...)
		g.raw(x87StswA...)
		g.raw(x87Op(0xDD, 7, b)...) // fnstsw [b]
		g.emit(insn{op: []byte{0xDB, 0xE2}, opReg: -1}, 0)
		g.raw(x87Op(0xDD, 7, b+2)...)
		g.raw(x87Init...)
	})
	add("FNSTSW/AX", "FNSTSW", func(g *dgen) {
		a := place(g, 108)
		g.x87Image(a)
		g.claim(RAX)
		g.raw(x87Init...)
		g.raw(x87Op(0xDD, 4, a)...)
		g.emit(insn{op: []byte{0xDF, 0xE0}, opReg: -1}, 0)
		g.raw(x87Init...)
	})
	add("EMMS+FWAIT", "EMMS", func(g *dgen) {
		a, b := place(g, 108), uint64(native.StackAddr+0x100)
		g.x87Image(a)
		g.putMem(a+4, 2, 0) // no pending exception for the waiting forms
		g.raw(x87Init...)
		g.raw(x87Op(0xDD, 4, a)...)
		g.emit(insn{op: []byte{0x0F, 0x77}, opReg: -1}, 0)
		g.raw(0x9B)
		g.raw(x87Op(0xD9, 6, b)...)
		g.raw(x87Init...)
		ignorePointers(g, b)
	})
	return append(fs, x87MathForms()...)
}

// a32Pfx decides, one time in four, on a 32-bit address size and returns its prefix.
func (g *dgen) a32Pfx() (bool, []byte) {
	if g.n(4) == 0 {
		return true, []byte{0x67}
	}
	return false, nil
}
