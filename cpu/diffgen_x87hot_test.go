package cpu

// Generators for the x87 forms with specialised handlers (x87hot.go): every register
// and memory form, in the state compiled code runs in (every exception masked, the
// precision control at 64 bits, rounding to nearest) most of the time, so the
// specialised path answers, and at its edges the rest of the time: the other precision
// and rounding controls, unmasked exceptions, zeros, denormals, infinities, NaNs and
// the indefinite, results that overflow or underflow, stack underflow and overflow,
// integers at their limits and halfway between two, memory operands across a page.

import (
	"fmt"

	"github.com/kppemu/kppemu/cpu/internal/native"
	"golang.org/x/arch/x86/x86asm"
)

// x87HotControl is a control word: mostly the common one (037Fh), else 53-bit
// precision, another rounding control, or any (x87Control: some exceptions unmasked).
func (g *dgen) x87HotControl() uint16 {
	switch g.n(10) {
	case 0:
		return 0x027F
	case 1:
		return 0x037F | uint16(g.n(4))<<10
	case 2, 3:
		return g.x87Control()
	}
	return 0x037F
}

// x87HotValue is a register operand: mostly normal with an exponent near 0, else
// anywhere, near the ends of the range, or special.
func (g *dgen) x87HotValue() f80 {
	switch g.n(14) {
	case 0:
		return g.f80Special()
	case 1:
		return g.f80Rand(-16382, 16383)
	case 2:
		return g.f80Rand(16370, 16383)
	case 3:
		return g.f80Rand(-16382, -16370)
	case 4:
		// Near the ends of the double and single ranges and of the integers.
		e := []int{-1022, 1023, -126, 127, 15, 31, 63, -1}[g.n(8)]
		return g.f80Rand(e-2, e+1)
	case 6, 7:
		// Halfway (or one unit either side of it) between two singles, doubles or
		// integers: the ties of rounding to nearest.
		v := g.f80Rand(-3, 40)
		k := uint([]int{40, 11, 62 - (v.exp() - 16383)}[g.n(3)]) // the bits below the kept ones
		if k < 1 || k > 63 {
			k = 11
		}
		v.man = v.man&(^uint64(0)<<k) | 1<<(k-1)
		v.man += uint64(g.n(3)) - 1
		if v.man>>63 == 0 {
			v.man |= 1 << 63
		}
		return v
	case 5:
		// An integer, or an integer and a half.
		v := g.f80Rand(-1, 20)
		keep := 62 - (v.exp() - 16383)
		if keep > 0 {
			v.man &= ^uint64(0) << uint(keep)
		}
		return v
	}
	return g.f80Rand(-20, 20)
}

// x87HotStack is n register operands; one in ten cases has one fewer (a stack underflow
// when the instruction reads it).
func (g *dgen) x87HotStack(n int) []f80 {
	if n > 0 && g.n(10) == 0 {
		n--
	}
	st := make([]f80, n)
	for i := range st {
		st[i] = g.x87HotValue()
	}
	if n > 1 && g.n(6) == 0 {
		st[1] = st[0] // equal operands: zero differences, exact quotients, equal compares
		st[1].se ^= uint16(g.n(2)) << 15
	}
	return st
}

// x87HotMem writes an operand of the memory form's type at a: single, double,
// extended or integer of the size, mostly ordinary values.
func (g *dgen) x87HotMem(a uint64, kind byte, size int) {
	switch kind {
	case 'f':
		v := g.x87HotValue()
		if g.n(4) == 0 {
			v = g.f80Rand(-30, 30)
		}
		switch size {
		case 4, 8:
			if g.n(3) == 0 {
				if size == 4 {
					g.putMem(a, 4, uint64(g.f32()))
				} else {
					g.putMem(a, 8, g.f64())
				}
				return
			}
			var c CPU
			out, _, _ := c.floatFromF80(v, 8*size)
			g.putMem(a, size, out)
		case 10:
			if g.n(5) == 0 {
				m, se := g.f80()
				if se&0x7FFF != 0 {
					m |= 1 << 63
				}
				v = f80{man: m, se: se}
			}
			g.putMem(a, 8, v.man)
			g.putMem(a+8, 2, uint64(v.se))
		}
	case 'i':
		g.putMem(a, size, g.val(size))
	default: // a store's destination: random bytes
		for i := 0; i < size; i++ {
			g.putMem(a+uint64(i), 1, uint64(g.n(256)))
		}
	}
}

// x87HotForms are the specialised x87 forms.
func x87HotForms() []dform {
	var fs []dform
	name := func(b []byte) string {
		inst, err := x86asm.Decode(b, 64)
		if err != nil {
			panic(fmt.Sprintf("x87HotForms: % x: %v", b, err))
		}
		return inst.Op.String()
	}
	// Register forms: op, the second byte's base (plus i), the registers read.
	reg := func(op, modrm byte, indexed bool, reads func(i int) int) {
		mnem := name([]byte{op, modrm | 1})
		if !indexed {
			mnem = name([]byte{op, modrm})
		}
		key := fmt.Sprintf("x87hot/%s_%02X%02X", mnem, op, modrm)
		fs = append(fs, dform{name: key, mnem: mnem, cases: 300, blocks: true, gen: func(g *dgen) {
			i := 0
			if indexed {
				i = g.n(8)
			}
			g.x87Case(mnem, []byte{op, modrm | byte(i)}, g.x87HotControl(), g.x87HotStack(reads(i))...)
		}})
	}
	upTo := func(i int) int { return i + 1 }
	atLeast2 := func(i int) int { return max(i+1, 2) }
	two := func(int) int { return 2 }
	reg(0xD9, 0xC0, true, upTo)     // FLD ST(i)
	reg(0xD9, 0xC8, true, atLeast2) // FXCH ST(i)
	reg(0xDD, 0xD0, true, upTo)     // FST ST(i)
	reg(0xDD, 0xD8, true, upTo)     // FSTP ST(i)
	for _, m := range []byte{0xC0, 0xC8, 0xD0, 0xD8, 0xE0, 0xE8, 0xF0, 0xF8} {
		reg(0xD8, m, true, atLeast2) // FADD ... FDIVR ST(0), ST(i); FCOM, FCOMP ST(i)
		if m != 0xD0 && m != 0xD8 {
			reg(0xDC, m, true, atLeast2) // ST(i), ST(0)
			reg(0xDE, m, true, atLeast2) // the popping forms
		}
	}
	reg(0xDE, 0xD9, false, two)                  // FCOMPP
	reg(0xDA, 0xE9, false, two)                  // FUCOMPP
	reg(0xDD, 0xE0, true, atLeast2)              // FUCOM
	reg(0xDD, 0xE8, true, atLeast2)              // FUCOMP
	reg(0xDB, 0xF0, true, atLeast2)              // FCOMI
	reg(0xDB, 0xE8, true, atLeast2)              // FUCOMI
	reg(0xDF, 0xF0, true, atLeast2)              // FCOMIP
	reg(0xDF, 0xE8, true, atLeast2)              // FUCOMIP
	for _, b := range []byte{0xE0, 0xE1, 0xFA} { // FCHS, FABS, FSQRT
		b := b
		mnem := name([]byte{0xD9, b})
		fs = append(fs, dform{name: fmt.Sprintf("x87hot/%s", mnem), mnem: mnem, cases: 300, blocks: true, gen: func(g *dgen) {
			st := g.x87HotStack(1)
			if b == 0xFA && len(st) > 0 && g.n(4) != 0 {
				st[0].se &^= 0x8000 // mostly a positive radicand
			}
			g.x87Case(mnem, []byte{0xD9, b}, g.x87HotControl(), st...)
		}})
	}
	for _, b := range []byte{0xE8, 0xEE} { // FLD1, FLDZ
		b := b
		mnem := name([]byte{0xD9, b})
		fs = append(fs, dform{name: fmt.Sprintf("x87hot/%s", mnem), mnem: mnem, cases: 100, blocks: true, gen: func(g *dgen) {
			g.x87Case(mnem, []byte{0xD9, b}, g.x87HotControl(), g.x87HotStack(g.n(8))...)
		}})
	}
	// Memory forms: op, /digit, the operand's kind ('f' float, 'i' integer, 's' a
	// store's destination) and size, the registers read.
	mem := func(op, digit byte, kind byte, size int, reads int) {
		mnem := name([]byte{op, digit << 3})
		key := fmt.Sprintf("x87hot/%s_m%d_%02X/%d", mnem, size*8, op, digit)
		fs = append(fs, dform{name: key, mnem: mnem, cases: 300, blocks: true, gen: func(g *dgen) {
			a := uint64(native.ScratchAddr + g.memOff(size, 1))
			g.x87HotMem(a, kind, size)
			a32, p := g.a32Pfx()
			st := g.x87HotStack(reads)
			g.x87CaseInsn(mnem, insn{pfx: p, op: []byte{op}, modrm: true, reg: digit, rm: g.memAt(a, a32), opReg: -1},
				a, g.x87HotControl(), st...)
		}})
	}
	mem(0xD9, 0, 'f', 4, 0)  // FLD m32fp
	mem(0xDD, 0, 'f', 8, 0)  // FLD m64fp
	mem(0xDB, 5, 'f', 10, 0) // FLD m80fp
	mem(0xDF, 0, 'i', 2, 0)  // FILD m16int
	mem(0xDB, 0, 'i', 4, 0)  // FILD m32int
	mem(0xDF, 5, 'i', 8, 0)  // FILD m64int
	mem(0xD9, 2, 's', 4, 1)  // FST m32fp
	mem(0xD9, 3, 's', 4, 1)  // FSTP m32fp
	mem(0xDD, 2, 's', 8, 1)  // FST m64fp
	mem(0xDD, 3, 's', 8, 1)  // FSTP m64fp
	mem(0xDB, 7, 's', 10, 1) // FSTP m80fp
	mem(0xDF, 2, 's', 2, 1)  // FIST m16int
	mem(0xDF, 3, 's', 2, 1)  // FISTP m16int
	mem(0xDB, 2, 's', 4, 1)  // FIST m32int
	mem(0xDB, 3, 's', 4, 1)  // FISTP m32int
	mem(0xDF, 7, 's', 8, 1)  // FISTP m64int
	mem(0xDF, 1, 's', 2, 1)  // FISTTP m16int
	mem(0xDB, 1, 's', 4, 1)  // FISTTP m32int
	mem(0xDD, 1, 's', 8, 1)  // FISTTP m64int
	for d := byte(0); d < 8; d++ {
		mem(0xD8, d, 'f', 4, 1) // FADD ... FDIVR m32fp, FCOM(P) m32fp
		mem(0xDC, d, 'f', 8, 1) // m64fp
		mem(0xDA, d, 'i', 4, 1) // FIADD ... m32int
		mem(0xDE, d, 'i', 2, 1) // m16int
	}
	return fs
}
