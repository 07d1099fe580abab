package cpu

import "github.com/kppemu/kppemu/cpu/internal/native"

// x87SeqForms: runs of two to twelve x87 instructions of the forms the block loop runs
// inline (x87inline.go: FXCH, FLD, FST and FSTP of registers, the register arithmetic,
// FSQRT, FCHS, FABS, FLDZ, FLD1, and FLD, FILD, FST, FSTP and the arithmetic of memory
// through a base register, FLD and FSTP of m80fp, the register comparisons), mixed with a
// few that are not inline (FLDCW, which changes the control word inside the block,
// FNSTSW), and integer steps the inline runs take in (ADD, MOV to and from memory and
// registers: x87Int). One such run is one block: a step that leaves the common case (an operand that is not normal, a
// stack fault, another precision or rounding control, an unmasked exception, a page-
// crossing operand) stops the inline run in its middle, and the rest of the block must
// go on from the state that step left. Every exception is masked (an unmasked one raises
// #MF at the next instruction, which the host side does not run).
func x87SeqForms() []dform {
	return []dform{{name: "x87hot/sequence", cases: 1500, blocks: true, gen: func(g *dgen) {
		base := g.reg()
		for base == RAX || base == RSP { // RAX: ADD and FNSTSW write it
			base = g.reg()
		}
		g.setReg(base, native.ScratchAddr)
		at := func(a uint64) rmOperand {
			return rmOperand{mem: true, base: int8(base), index: -1, mod: -1, disp: int32(a - native.ScratchAddr)}
		}
		// Memory operands at distinct offsets, one of them sometimes across the page in
		// the middle of the scratch area.
		next, crossed := 0, false
		operand := func(kind byte, size int) uint64 {
			var a uint64
			if !crossed && g.n(8) == 0 {
				a = uint64(native.ScratchAddr + 0x1000 - size + g.n(2*size))
				crossed = true
			} else {
				a = uint64(native.ScratchAddr + 0x20 + 16*(next%128))
				next++
			}
			g.x87HotMem(a, kind, size)
			return a
		}
		body := func() {
			n := 2 + g.n(11)
			for k := 0; k < n; k++ {
				i := byte(g.n(8))
				switch g.n(27) {
				case 0, 1, 2:
					g.raw(0xD9, 0xC8|i) // FXCH ST(i)
				case 3, 4:
					g.raw(0xD9, 0xC0|i) // FLD ST(i)
				case 5:
					g.raw(0xDD, 0xD0|i) // FST ST(i)
				case 6:
					g.raw(0xDD, 0xD8|i) // FSTP ST(i)
				case 7, 8, 9:
					// FADD, FMUL, FSUB(R), FDIV(R) of ST(0) and ST(i), either way, or
					// popping.
					op := []byte{0xD8, 0xDC, 0xDE}[g.n(3)]
					m := []byte{0xC0, 0xC8, 0xE0, 0xE8, 0xF0, 0xF8}[g.n(6)]
					g.raw(op, m|i)
				case 10:
					g.raw(0xD9, []byte{0xFA, 0xFA, 0xE0, 0xE1, 0xEE, 0xE8}[g.n(6)]) // FSQRT, FCHS, FABS, FLDZ, FLD1
				case 11, 12:
					// FLD m32fp/m64fp, FILD m16int/m32int/m64int.
					switch g.n(5) {
					case 0:
						g.emit(insn{op: []byte{0xD9}, modrm: true, reg: 0, rm: at(operand('f', 4)), opReg: -1}, 0)
					case 1:
						g.emit(insn{op: []byte{0xDD}, modrm: true, reg: 0, rm: at(operand('f', 8)), opReg: -1}, 0)
					case 2:
						g.emit(insn{op: []byte{0xDF}, modrm: true, reg: 0, rm: at(operand('i', 2)), opReg: -1}, 0)
					case 3:
						g.emit(insn{op: []byte{0xDB}, modrm: true, reg: 0, rm: at(operand('i', 4)), opReg: -1}, 0)
					default:
						g.emit(insn{op: []byte{0xDF}, modrm: true, reg: 5, rm: at(operand('i', 8)), opReg: -1}, 0)
					}
				case 13, 14:
					// FST/FSTP m32fp/m64fp.
					op, size := byte(0xD9), 4
					if g.coin() {
						op, size = 0xDD, 8
					}
					g.emit(insn{op: []byte{op}, modrm: true, reg: uint8(2 + g.n(2)), rm: at(operand('s', size)), opReg: -1}, 0)
				case 15, 16:
					// FADD, FMUL, FSUB(R), FDIV(R) of ST(0) and m32fp/m64fp.
					op, size := byte(0xD8), 4
					if g.coin() {
						op, size = 0xDC, 8
					}
					digit := []uint8{0, 1, 4, 5, 6, 7}[g.n(6)]
					g.emit(insn{op: []byte{op}, modrm: true, reg: digit, rm: at(operand('f', size)), opReg: -1}, 0)
				case 17:
					// FLDCW: another control word from here on.
					a := operand('s', 2)
					g.putMem(a, 2, uint64(g.x87HotControl()|0x3F))
					g.emit(insn{op: []byte{0xD9}, modrm: true, reg: 5, rm: at(a), opReg: -1}, 0)
				case 18:
					// FCOMI, FUCOMI, FCOMIP, FUCOMIP, FCOM, FCOMP, FUCOM, FUCOMP ST(i),
					// FCOMPP, FUCOMPP.
					c := [][2]byte{{0xDB, 0xF0}, {0xDB, 0xE8}, {0xDF, 0xF0}, {0xDF, 0xE8}, {0xD8, 0xD0},
						{0xD8, 0xD8}, {0xDD, 0xE0}, {0xDD, 0xE8}, {0xDE, 0xD9}, {0xDA, 0xE9}}[g.n(10)]
					if c[1]&7 == 0 {
						c[1] |= i
					}
					g.raw(c[0], c[1])
				case 19:
					g.raw(0xDF, 0xE0) // FNSTSW AX
				case 20:
					if g.coin() {
						g.emit(insn{op: []byte{0xDB}, modrm: true, reg: 7, rm: at(operand('s', 10)), opReg: -1}, 0) // FSTP m80fp
					} else {
						g.emit(insn{op: []byte{0xDB}, modrm: true, reg: 5, rm: at(operand('f', 10)), opReg: -1}, 0) // FLD m80fp
					}
				case 21:
					g.raw(0x48, 0x83, 0xC0, byte(g.n(256))) // ADD RAX, imm8
				case 22:
					// MOV m32/m64, EAX/RAX: an integer store inside an x87 run (x87Int).
					size := 4 << g.n(2)
					g.emit(insn{w: size == 8, op: []byte{0x89}, modrm: true, reg: RAX, rm: at(operand('s', size)), opReg: -1}, 0)
				case 23:
					// MOV EAX/RAX, m32/m64: an integer load inside an x87 run.
					size := 4 << g.n(2)
					g.emit(insn{w: size == 8, op: []byte{0x8B}, modrm: true, reg: RAX, rm: at(operand('i', size)), opReg: -1}, 0)
				case 24:
					g.raw(0x89, 0xC0|byte(g.n(8))<<3) // MOV EAX, r32 (a register move inside an x87 run)
				default:
					g.raw(0xDE, 0xC0|i) // FADDP ST(i), ST(0)
				}
			}
		}
		// Every exception masked: an unmasked one would raise #MF at the next
		// instruction, which the host side cannot run (the single forms cover them).
		g.x87CaseBody("", body, g.x87HotControl()|0x3F, g.x87HotStack(g.n(9))...)
	}}}
}
