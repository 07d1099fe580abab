//go:build linux && amd64

package cpu

import (
	"fmt"
	"math/rand"
	"testing"
)

// The multiply/divide, shift/rotate, bit, byte-swap, sign-extension, exchange and LOCK
// translations (jit_xlate_alu.go) against the interpreter.

// aluEdge are register values that exercise the corners: zero, one, all ones, the
// sign bits and their neighbours at every width.
var aluEdge = []uint64{0, 1, 2, 3, 0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFE, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000,
	0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x100000000, 0x7FFFFFFFFFFFFFFF, 0x8000000000000000,
	0xFFFFFFFF80000000, 0xFFFFFFFFFFFF8000, 0xFFFFFFFFFFFFFF80, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64}

// aluGen writes random instructions of the forms jit_xlate_alu.go translates (and a
// few of jitGen's).
type aluGen struct{ *jitGen }

func (g aluGen) size(min uint8) (pre []byte, w bool, size uint8) {
	for {
		s := jitGenSizes[g.r.Intn(4)]
		if s.size >= min {
			return s.pre, s.w, s.size
		}
	}
}

// rm emits ModRM (and the displacement) for a register r/m rm or, when mem, for
// [R15+disp]; the REX prefix (emitted by the caller) must have B set for the memory
// form.
func (g aluGen) rm(mem bool, reg, rm uint8) {
	if mem {
		g.modrmMem(reg)
		return
	}
	g.emit(0xC0 | (reg&7)<<3 | rm&7)
}

func (g aluGen) rmReg(mem bool, rm uint8) uint8 {
	if mem {
		return R15
	}
	return rm
}

// insn emits one instruction (sometimes with a preparation in front).
func (g aluGen) insn() {
	r := g.r
	mem := r.Intn(3) == 0
	switch r.Intn(12) {
	case 0: // MUL/IMUL/DIV/IDIV r/m, with the dividend prepared half the time
		pre, w, s := g.size(1)
		ext := byte(4 + r.Intn(4))
		if ext >= 6 && r.Intn(2) == 0 {
			switch {
			case ext == 6 && s == 1:
				g.emit(0xB4, 0x00) // mov ah, 0
			case ext == 6:
				g.emit(0x31, 0xD2) // xor edx, edx
			case s == 1:
				g.emit(0x66, 0x98) // cbw
			case s == 2:
				g.emit(0x66, 0x99) // cwd
			case s == 4:
				g.emit(0x99) // cdq
			default:
				g.emit(0x48, 0x99) // cqo
			}
		}
		rm := g.reg()
		g.emit(pre...)
		g.rex(w, 0, g.rmReg(mem, rm))
		g.emit(0xF6 | b2b(s != 1))
		g.rm(mem, ext, rm)
	case 1, 2: // shifts and rotates by CL, 1 or an immediate
		pre, w, s := g.size(1)
		d := g.dst()
		if r.Intn(3) == 0 {
			g.emit(0xB1, byte(r.Intn(80))) // mov cl, imm8
		}
		g.emit(pre...)
		g.rex(w, 0, g.rmReg(mem, d))
		op := byte(r.Intn(8))
		if op == 6 {
			op = 4
		}
		switch r.Intn(3) {
		case 0:
			g.emit(0xD2 | b2b(s != 1))
			g.rm(mem, op, d)
		case 1:
			g.emit(0xD0 | b2b(s != 1))
			g.rm(mem, op, d)
		default:
			g.emit(0xC0 | b2b(s != 1))
			g.rm(mem, op, d)
			g.emit(byte(r.Intn(70)))
		}
	case 3: // SHLD/SHRD r/m, r, imm8/CL
		pre, w, s := g.size(2)
		d, src := g.dst(), g.reg()
		g.emit(pre...)
		g.rex(w, src, g.rmReg(mem, d))
		op := []byte{0xA4, 0xA5, 0xAC, 0xAD}[r.Intn(4)]
		g.emit(0x0F, op)
		g.rm(mem, src, d)
		if op&1 == 0 {
			g.emit(byte(r.Intn(70)))
		}
		_ = s
	case 4: // BT/BTS/BTR/BTC r/m, r / imm8
		pre, w, _ := g.size(2)
		d, src := g.dst(), g.dst()
		if mem && r.Intn(2) == 0 {
			// A bit offset that stays near the operand: mov r, simm32.
			g.rex(true, 0, src)
			v := uint32(int32(r.Intn(0x6000) - 0x3000))
			g.emit(0xC7, 0xC0|src&7, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
		} else if mem {
			src = 0xFF
		}
		if mem && r.Intn(2) == 0 {
			g.emit(0xF0) // lock
		}
		g.emit(pre...)
		if src == 0xFF {
			g.rex(w, 0, g.rmReg(mem, d))
			g.emit(0x0F, 0xBA)
			g.rm(mem, byte(4+r.Intn(4)), d)
			g.emit(byte(r.Intn(256)))
			return
		}
		g.rex(w, src, g.rmReg(mem, d))
		g.emit(0x0F, []byte{0xA3, 0xAB, 0xB3, 0xBB}[r.Intn(4)])
		g.rm(mem, src, d)
	case 5: // BSF/BSR/TZCNT/LZCNT/POPCNT r, r/m
		pre, w, _ := g.size(2)
		d, src := g.dst(), g.reg()
		g.emit(pre...)
		k := r.Intn(5)
		if k >= 2 {
			g.emit(0xF3)
		}
		g.rex(w, d, g.rmReg(mem, src))
		g.emit(0x0F, []byte{0xBC, 0xBD, 0xBC, 0xBD, 0xB8}[k])
		g.rm(mem, d, src)
	case 6: // BSWAP r / CBW..CQO
		pre, w, s := g.size(2)
		if r.Intn(2) == 0 {
			d := g.dst()
			g.emit(pre...)
			g.rex(w, 0, d)
			g.emit(0x0F, 0xC8|d&7)
			return
		}
		g.emit(pre...)
		g.rex(w, 0, 0)
		g.emit(0x98 | byte(r.Intn(2)))
		_ = s
	case 7, 8: // XCHG / XADD / CMPXCHG r/m, r (the accumulator sometimes equal)
		pre, w, s := g.size(1)
		d, src := g.dst(), g.dst()
		k := r.Intn(3)
		if k == 2 && r.Intn(2) == 0 && !mem {
			g.emit(pre...)
			g.rex(w, d, RAX)
			g.emit(0x88|b2b(s != 1), 0xC0|(d&7)<<3) // mov acc, d
		}
		if mem && r.Intn(2) == 0 {
			g.emit(0xF0)
		}
		g.emit(pre...)
		g.rex(w, src, g.rmReg(mem, d))
		switch k {
		case 0:
			g.emit(0x86 | b2b(s != 1))
		case 1:
			g.emit(0x0F, 0xC0|b2b(s != 1))
		default:
			g.emit(0x0F, 0xB0|b2b(s != 1))
		}
		g.rm(mem, src, d)
	case 9: // LOCK ALU/INC/DEC/NOT/NEG on memory
		pre, w, s := g.size(1)
		src := g.reg()
		g.emit(0xF0)
		g.emit(pre...)
		g.rex(w, src, R15)
		ob := b2b(s != 1)
		switch r.Intn(3) {
		case 0:
			op := byte(r.Intn(7)) // not CMP
			g.emit(op<<3 | ob)
			g.modrmMem(src)
		case 1:
			g.emit(0xFE | ob)
			g.modrmMem(byte(r.Intn(2)))
		default:
			g.emit(0xF6 | ob)
			g.modrmMem(byte(2 + r.Intn(2)))
		}
	default:
		g.jitGen.insn()
	}
}

func b2b(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// program writes a random program: padding, NOPs (so that the first block is worth
// translating), then instructions and counted loops of them, then HLT.
func (g aluGen) program() []byte {
	pad := g.r.Intn(4096)
	for i := 0; i < pad; i++ {
		g.emit(0x90)
	}
	g.emit(0x90, 0x90, 0x90, 0x90)
	for i := 0; i < 4; i++ {
		if g.r.Intn(2) == 0 {
			iters := byte(1 + g.r.Intn(9))
			g.emit(0x41, 0xBE, iters, 0, 0, 0) // mov r14d, iters
			top := len(g.out)
			for k := 1 + g.r.Intn(8); k > 0; k-- {
				g.insn()
			}
			g.emit(0x41, 0xFF, 0xCE) // dec r14d
			d := int32(top - (len(g.out) + 6))
			g.emit(0x0F, 0x85, byte(d), byte(d>>8), byte(d>>16), byte(d>>24))
		} else {
			for k := 1 + g.r.Intn(4); k > 0; k-- {
				g.insn()
			}
		}
	}
	g.emit(0xF4)
	return g.out
}

// edgeRegs gives some registers of both machines values from aluEdge.
func (p *jitPair) edgeRegs(r *rand.Rand) {
	var set [16]uint64
	var mask uint16
	for i := 0; i < 16; i++ {
		if i != RSP && i != R15 && i != R14 && r.Intn(2) == 0 {
			set[i], mask = aluEdge[r.Intn(len(aluEdge))], mask|1<<i
		}
	}
	for _, e := range p.envs {
		s := e.c.Snapshot()
		for i := range set {
			if mask&(1<<i) != 0 {
				s.GPR[i] = set[i]
			}
		}
		e.c.Restore(s)
	}
}

// TestJITALUMatchesInterpreter runs random programs of the multiply/divide, shift,
// bit, exchange and LOCK forms, with registers at the corners, in both tiers with
// random budgets, comparing the whole state after every slice.
func TestJITALUMatchesInterpreter(t *testing.T) {
	seeds := 400
	if testing.Short() {
		seeds = 100
	}
	jitALURandom(t, 0, seeds)
}

// TestJITFlagsWithPUSHFQ runs some of the same programs with the flags spilled the way
// a host without LAHF in 64-bit mode gets.
func TestJITFlagsWithPUSHFQ(t *testing.T) {
	defer func(v bool) { jitHostLAHF = v }(jitHostLAHF)
	jitHostLAHF = false
	jitALURandom(t, 1000, 1060)
}

// jitALURandom runs the programs of seeds [from, to).
func jitALURandom(t *testing.T, from, to int) {
	var ran, slow uint64
	for seed := from; seed < to; seed++ {
		r := rand.New(rand.NewSource(int64(seed)))
		g := aluGen{&jitGen{r: r}}
		code := g.program()
		p := newJITPair(t, uint8(3*(seed%2)))
		p.setup(code, r, r.Uint64())
		p.edgeRegs(r)
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			p.t = t
			p.run(r, 3000)
		})
		st := p.envs[1].c.JITStats()
		ran += st.Ran
		slow += st.SlowExits
		if t.Failed() {
			t.Logf("code: % x", code)
			break
		}
	}
	t.Logf("%d instructions ran translated, %d exits to the interpreter", ran, slow)
	if ran == 0 {
		t.Fatal("nothing ran translated")
	}
}

// TestJITALUTranslated checks that each form runs in generated code (not through an
// exit to the interpreter) and agrees with the interpreter, with operands at the
// corners.
func TestJITALUTranslated(t *testing.T) {
	cases := []struct {
		name string
		code []byte
		// exits: operands for which the form may leave the instruction to the
		// interpreter (a divide error, a wide dividend, a 16-bit shift beyond 16)
		exits bool
	}{
		{"mul rcx", []byte{0x48, 0xF7, 0xE1}, false},
		{"mul cl", []byte{0xF6, 0xE1}, false},
		{"mul ch", []byte{0xF6, 0xE5}, false},
		{"imul ecx", []byte{0xF7, 0xE9}, false},
		{"imul cx", []byte{0x66, 0xF7, 0xE9}, false},
		{"imul qword [r15+8]", []byte{0x49, 0xF7, 0x6F, 0x08}, false},
		{"div rcx", []byte{0x48, 0xF7, 0xF1}, true},
		{"div ecx", []byte{0xF7, 0xF1}, true},
		{"div cx", []byte{0x66, 0xF7, 0xF1}, true},
		{"div cl", []byte{0xF6, 0xF1}, true},
		{"idiv rcx", []byte{0x48, 0xF7, 0xF9}, true},
		{"idiv ecx", []byte{0xF7, 0xF9}, true},
		{"idiv cx", []byte{0x66, 0xF7, 0xF9}, true},
		{"idiv cl", []byte{0xF6, 0xF9}, true},
		{"idiv byte [r15]", []byte{0x41, 0xF6, 0x3F}, true},
		{"shl rbx, cl", []byte{0x48, 0xD3, 0xE3}, false},
		{"shr ebx, cl", []byte{0xD3, 0xEB}, false},
		{"sar bx, cl", []byte{0x66, 0xD3, 0xFB}, true},
		{"shl bl, cl", []byte{0xD2, 0xE3}, true},
		{"rol bx, cl", []byte{0x66, 0xD3, 0xC3}, false},
		{"ror bl, cl", []byte{0xD2, 0xCB}, false},
		{"rol bl, 9", []byte{0xC0, 0xC3, 0x09}, false},
		{"ror bx, 3", []byte{0x66, 0xC1, 0xCB, 0x03}, false},
		{"rcl rbx, cl", []byte{0x48, 0xD3, 0xD3}, false},
		{"rcr bl, cl", []byte{0xD2, 0xDB}, false},
		{"rcl bx, 17", []byte{0x66, 0xC1, 0xD3, 0x11}, false},
		{"rcr ebx, 1", []byte{0xD1, 0xDB}, false},
		{"shl qword [r15], cl", []byte{0x49, 0xD3, 0x27}, false},
		{"sar dword [r15], 5", []byte{0x41, 0xC1, 0x3F, 0x05}, false},
		{"shld rbx, rdx, cl", []byte{0x48, 0x0F, 0xA5, 0xD3}, false},
		{"shrd ebx, edx, 7", []byte{0x0F, 0xAC, 0xD3, 0x07}, false},
		{"shld bx, dx, cl", []byte{0x66, 0x0F, 0xA5, 0xD3}, true},
		{"shrd [r15], rdx, 63", []byte{0x49, 0x0F, 0xAC, 0x17, 0x3F}, false},
		{"bt rbx, rcx", []byte{0x48, 0x0F, 0xA3, 0xCB}, false},
		{"bts ebx, ecx", []byte{0x0F, 0xAB, 0xCB}, false},
		{"btr bx, 13", []byte{0x66, 0x0F, 0xBA, 0xF3, 0x0D}, false},
		{"btc rbx, 63", []byte{0x48, 0x0F, 0xBA, 0xFB, 0x3F}, false},
		{"bts dword [r15+0x800], 3", []byte{0x41, 0x0F, 0xBA, 0xAF, 0x00, 0x08, 0, 0, 0x03}, false},
		{"bt [r15+0x800], si", []byte{0x66, 0x41, 0x0F, 0xA3, 0xB7, 0x00, 0x08, 0, 0}, false},
		{"lock btc [r15+0x800], rsi", []byte{0xF0, 0x49, 0x0F, 0xBB, 0xB7, 0x00, 0x08, 0, 0}, false},
		{"bsf rbx, rcx", []byte{0x48, 0x0F, 0xBC, 0xD9}, false},
		{"bsr ebx, ecx", []byte{0x0F, 0xBD, 0xD9}, false},
		{"bsf bx, cx", []byte{0x66, 0x0F, 0xBC, 0xD9}, false},
		{"tzcnt rbx, rcx", []byte{0xF3, 0x48, 0x0F, 0xBC, 0xD9}, false},
		{"lzcnt bx, cx", []byte{0x66, 0xF3, 0x0F, 0xBD, 0xD9}, false},
		{"lzcnt ebx, [r15]", []byte{0xF3, 0x41, 0x0F, 0xBD, 0x1F}, false},
		{"popcnt rbx, rcx", []byte{0xF3, 0x48, 0x0F, 0xB8, 0xD9}, false},
		{"popcnt bx, cx", []byte{0x66, 0xF3, 0x0F, 0xB8, 0xD9}, false},
		{"bswap rbx", []byte{0x48, 0x0F, 0xCB}, false},
		{"bswap ebx", []byte{0x0F, 0xCB}, false},
		{"bswap bx", []byte{0x66, 0x0F, 0xCB}, false},
		{"cbw", []byte{0x66, 0x98}, false},
		{"cwde", []byte{0x98}, false},
		{"cdqe", []byte{0x48, 0x98}, false},
		{"cwd", []byte{0x66, 0x99}, false},
		{"cdq", []byte{0x99}, false},
		{"cqo", []byte{0x48, 0x99}, false},
		{"xchg rbx, rcx", []byte{0x48, 0x87, 0xCB}, false},
		{"xchg ah, bl", []byte{0x86, 0xDC}, false},
		{"xchg ecx, ecx", []byte{0x87, 0xC9}, false},
		{"xchg [r15+0xffd], ebx", []byte{0x41, 0x87, 0x9F, 0xFD, 0x0F, 0, 0}, true},
		{"xadd rbx, rcx", []byte{0x48, 0x0F, 0xC1, 0xCB}, false},
		{"xadd bl, bl", []byte{0x0F, 0xC0, 0xDB}, false},
		{"lock xadd [r15], ecx", []byte{0xF0, 0x41, 0x0F, 0xC1, 0x0F}, false},
		{"cmpxchg rbx, rcx", []byte{0x48, 0x0F, 0xB1, 0xCB}, false},
		{"cmpxchg ebx, ecx", []byte{0x0F, 0xB1, 0xCB}, false},
		{"lock cmpxchg [r15], cx", []byte{0x66, 0xF0, 0x41, 0x0F, 0xB1, 0x0F}, false},
		{"lock add [r15], rcx", []byte{0xF0, 0x49, 0x01, 0x0F}, false},
		{"lock inc dword [r15]", []byte{0xF0, 0x41, 0xFF, 0x07}, false},
		{"lock not byte [r15]", []byte{0xF0, 0x41, 0xF6, 0x17}, false},
		{"lock sbb [r15], cl", []byte{0xF0, 0x41, 0x18, 0x0F}, false},
	}
	r := rand.New(rand.NewSource(1))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newJITPair(t, 0)
			code := append([]byte{0x90, 0x90, 0x90, 0x90}, tc.code...)
			code = append(code, 0xF4)
			for k := 0; k < len(aluEdge)+8; k++ {
				st0 := p.envs[1].c.JITStats()
				p.setup(code, r, r.Uint64())
				p.edgeRegs(r)
				for _, e := range p.envs {
					s := e.c.Snapshot()
					s.Halted = false // the last corner's HLT
					e.c.Restore(s)
				}
				if k < len(aluEdge) {
					// Each corner as the operand (RCX, RBX), and as RAX/RDX.
					v := aluEdge[k]
					w := aluEdge[(k*7+3)%len(aluEdge)]
					for _, e := range p.envs {
						s := e.c.Snapshot()
						s.GPR[RCX], s.GPR[RBX], s.GPR[RAX], s.GPR[RDX] = v, w, aluEdge[(k*5+1)%len(aluEdge)], aluEdge[(k*3+2)%len(aluEdge)]
						e.c.Restore(s)
					}
				}
				for _, e := range p.envs {
					e.c.Run(100)
				}
				p.compare(fmt.Sprintf("corner %d", k))
				st := p.envs[1].c.JITStats()
				st.Untranslatable -= st0.Untranslatable
				st.Ran -= st0.Ran
				st.SlowExits -= st0.SlowExits
				// Only the block at the HLT has nothing to translate at its start; a
				// form left to the interpreter would start one more.
				if st.Untranslatable > 1 || st.Ran < 3 {
					t.Fatalf("corner %d: %+v: the form is not translated", k, st)
				}
				if !tc.exits && st.SlowExits > 1 {
					t.Fatalf("corner %d: %+v: exits to the interpreter", k, st)
				}
			}
		})
	}
}
