package cpu

// Generators for the x87 transcendental and scaling instructions, and the tolerance
// their results are compared with.
//
// Tolerance. The emulator rounds the exact function value once (x87math.go); the
// reference host's microcode evaluates polynomials whose last bit is not always the
// correctly rounded one (the SDM promises an error below 1 ulp, not correct rounding).
// A transcendental result may therefore differ from the host's by at most
// x87TransUlps units in the last place, and when it does, C1 (the round-up indication,
// which follows the last bit) and nothing else may differ with it. Everything else is
// exact: special operands and results (zeros, infinities, NaNs, the indefinite, the
// constants of FPATAN's special cases), the exception flags, C2, the tags, TOP and
// every other register. Each form counts the cases that used the tolerance; TestDiff
// logs the counts.

import (
	"fmt"
	"math/big"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/kppemu/kppemu/cpu/internal/native"
)

// x87TransUlps is the largest difference in units in the last place accepted between a
// transcendental result of the emulator and of the host.
const x87TransUlps = 1

// x87Tol marks the FNSAVE image of a case whose registers are compared within ulps
// units in the last place (off is its offset from native.MemAddr; name counts the case
// in x87TolStats).
type x87Tol struct {
	name string
	off  int
	ulps int
}

// x87TolStat counts, per mnemonic, cases and those that differed within the tolerance.
type x87TolStat struct{ cases, within, c1 int } // c1: C1 differed (within or alone)

var x87TolStats = struct {
	sync.Mutex
	m map[string]*x87TolStat
}{m: map[string]*x87TolStat{}}

// f80At reads an 80-bit value from a memory image.
func f80At(mem []byte, off int) f80 {
	var m uint64
	for i := 7; i >= 0; i-- {
		m = m<<8 | uint64(mem[off+i])
	}
	return f80{man: m, se: uint16(mem[off+8]) | uint16(mem[off+9])<<8}
}

// ulpDistance is |a - b| in units in the last place of the smaller, for finite values
// of one sign, or -1.
func ulpDistance(a, b f80) int64 {
	fin := func(v f80) bool { k := v.class(); return k == fcZero || k == fcNormal || k == fcDenormal }
	if !fin(a) || !fin(b) || a.sign() != b.sign() {
		return -1
	}
	e := max(min(a.exp(), b.exp()), 1)
	d := new(big.Float).Sub(a.toBig(), b.toBig())
	d.Abs(d)
	d.SetMantExp(d, -(e - 16383 - 63))
	if !d.IsInt() {
		return -1
	}
	n, acc := d.Int64()
	if acc != big.Exact {
		return -1
	}
	return n
}

// apply accepts registers of the emulator's FNSAVE image that are within the tolerance
// of the host's (copying the host's bytes, and C1 with them), and returns a
// description of both images when anything in them still differs.
func (t x87Tol) apply(nat, emu *native.State) string {
	if t.name == "" {
		return ""
	}
	if t.ulps == 0 {
		return t.describe(nat, emu)
	}
	x87TolStats.Lock()
	st := x87TolStats.m[t.name]
	if st == nil {
		st = &x87TolStat{}
		x87TolStats.m[t.name] = st
	}
	st.cases++
	x87TolStats.Unlock()
	within := false
	for i := 0; i < 8; i++ {
		o := t.off + 28 + 10*i
		h, e := f80At(nat.Mem[:], o), f80At(emu.Mem[:], o)
		if h == e {
			continue
		}
		if d := ulpDistance(h, e); d >= 0 && d <= int64(t.ulps) {
			copy(emu.Mem[o:o+10], nat.Mem[o:o+10])
			within = true
		}
	}
	c1 := (nat.Mem[t.off+5]^emu.Mem[t.off+5])&(fswC1>>8) != 0
	if within || c1 && nat.Mem[t.off+4]&emu.Mem[t.off+4]&fswPE != 0 {
		// C1 follows the last bit: it may differ with a result within the tolerance, or
		// alone when both results are inexact and equal (the host's value before its
		// rounding lay on the other side of the result than the exact one).
		x87TolStats.Lock()
		if within {
			st.within++
		}
		if c1 {
			st.c1++
		}
		x87TolStats.Unlock()
		emu.Mem[t.off+5] = emu.Mem[t.off+5]&^(fswC1>>8) | nat.Mem[t.off+5]&(fswC1>>8)
	}
	return t.describe(nat, emu)
}

// describe returns both FNSAVE images decoded when they differ (pointers aside).
func (t x87Tol) describe(nat, emu *native.State) string {
	hi, ei := nat.Mem[t.off:t.off+108], emu.Mem[t.off:t.off+108]
	if string(hi[:12]) == string(ei[:12]) && string(hi[28:]) == string(ei[28:]) {
		return ""
	}
	return "  x87 host: " + describeFsave(hi) + "\n  x87 emu:  " + describeFsave(ei) + "\n"
}

// describeFsave decodes an FNSAVE image: FCW, FSW, FTW and ST(0)..ST(7).
func describeFsave(b []byte) string {
	w := func(o int) uint16 { return uint16(b[o]) | uint16(b[o+1])<<8 }
	var s strings.Builder
	fmt.Fprintf(&s, "FCW %04x FSW %04x FTW %04x", w(0), w(4), w(8))
	for i := 0; i < 8; i++ {
		v := f80At(b, 28+10*i)
		fmt.Fprintf(&s, " st%d=%04x:%016x", i, v.se, v.man)
		if k := v.class(); k == fcNormal || k == fcDenormal {
			fmt.Fprintf(&s, "(%s)", v.toBig().Text('g', 8))
		}
	}
	return s.String()
}

// logX87Tol reports the tolerance counts of the forms that ran.
func logX87Tol(t *testing.T) {
	x87TolStats.Lock()
	defer x87TolStats.Unlock()
	var names []string
	for n := range x87TolStats.m {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		s := x87TolStats.m[n]
		fmt.Fprintf(&b, "\n  %-14s %6d cases, %5d within %d ulp, %5d with C1 differing", n, s.cases, s.within, x87TransUlps, s.c1)
	}
	if b.Len() > 0 {
		t.Logf("x87 transcendental results compared within %d ulp:%s", x87TransUlps, b.String())
	}
}

// x87TransMnem lists the instructions whose results are compared within the tolerance.
var x87TransMnem = map[string]bool{"FSIN": true, "FCOS": true, "FSINCOS": true, "FPTAN": true,
	"FPATAN": true, "F2XM1": true, "FYL2X": true, "FYL2XP1": true}

// f80Rand is a random normal value with an unbiased exponent in [lo, hi] and either sign.
func (g *dgen) f80Rand(lo, hi int) f80 {
	e := lo + g.n(hi-lo+1)
	v := f80{man: 1<<63 | g.r.Uint64(), se: uint16(e + 16383)}
	switch g.n(8) {
	case 0:
		v.man = 1 << 63 // a power of two
	case 1:
		v.man |= ^uint64(0) >> uint(1+g.n(63)) // trailing ones
	case 2:
		v.man &= ^uint64(0) << uint(g.n(63)) // trailing zeros
	}
	if g.coin() {
		v.se |= 0x8000
	}
	return v
}

// f80Special is a zero, denormal, infinity, quiet or signalling NaN, or the
// indefinite, of either sign.
func (g *dgen) f80Special() f80 {
	s := uint16(g.n(2)) << 15
	switch g.n(7) {
	case 0, 1:
		return f80{se: s}
	case 2:
		return f80{man: g.r.Uint64() >> uint(1+g.n(63)), se: s}
	case 3:
		return f80{man: 1 << 63, se: s | 0x7FFF}
	case 4:
		return f80{man: 3<<62 | g.r.Uint64()>>2, se: s | 0x7FFF}
	case 5:
		return f80{man: 1<<63 | (g.r.Uint64()>>2 | 1), se: s | 0x7FFF}
	}
	return f80Indefinite
}

// x87Control is a control word for a transcendental case: any rounding and precision
// control, usually every exception masked, sometimes some unmasked.
func (g *dgen) x87Control() uint16 {
	fcw := uint16(0x1040|0x3F) | uint16(g.n(4))<<10 | uint16(g.n(4))<<8
	if g.n(5) == 0 {
		fcw &^= uint16(g.n(64))
	}
	return fcw
}

// x87Case builds a case: FNINIT, FRSTOR of a state with st[0..] on the stack (TOP
// random, the other registers empty but holding random values), the instruction op,
// FNSAVE and FNINIT. The instruction's results are compared within the tolerance when
// mnem is transcendental.
func (g *dgen) x87Case(mnem string, op []byte, fcw uint16, st ...f80) {
	g.x87CaseInsn(mnem, insn{op: op, opReg: -1}, 0, fcw, st...)
}

// x87CaseInsn is x87Case for an instruction with a memory operand at memAddr.
func (g *dgen) x87CaseInsn(mnem string, in insn, memAddr uint64, fcw uint16, st ...f80) {
	g.x87CaseBody(mnem, func() { g.emit(in, memAddr) }, fcw, st...)
}

// x87CaseBody is x87Case with the instructions body emits.
func (g *dgen) x87CaseBody(mnem string, body func(), fcw uint16, st ...f80) {
	g.spFree = false
	img, out := uint64(native.StackAddr+0x100), uint64(native.StackAddr+0x200)
	for i := 0; i < 108; i += 4 {
		g.putMem(img+uint64(i), 4, 0)
	}
	top := g.n(8)
	g.putMem(img, 2, uint64(fcw))
	g.putMem(img+4, 2, uint64(top)<<11|g.r.Uint64()&(fswC0|fswC1|fswC2|fswC3))
	tw := uint64(0xFFFF)
	for i := range st {
		tw &^= 3 << (2 * uint((top+i)&7)) // valid (the processor recomputes the class)
	}
	if g.n(16) == 0 {
		tw = 0 // every register full: a push overflows
	}
	g.putMem(img+8, 2, tw)
	for i := 0; i < 8; i++ {
		v := g.f80Rand(-20, 20)
		if i < len(st) {
			v = st[i]
		}
		g.putMem(img+28+10*uint64(i), 8, v.man)
		g.putMem(img+36+10*uint64(i), 2, uint64(v.se))
	}
	g.raw(x87Init...)
	g.raw(x87Op(0xDD, 4, img)...)
	body()
	g.raw(x87Op(0xDD, 6, out)...)
	g.raw(x87Init...)
	g.c.memIgn = append(g.c.memIgn, memRange{int(out-native.MemAddr) + 12, 16})
	g.c.x87Tol = x87Tol{name: mnem, off: int(out - native.MemAddr)}
	if x87TransMnem[mnem] {
		g.c.x87Tol.ulps = x87TransUlps
	}
}

// trigArg is an operand for FSIN, FCOS, FSINCOS and FPTAN: mostly within the range
// (|x| < 2^63), near multiples of pi/2 (where the 66-bit pi of the reduction shows),
// tiny, at the range's edge, or special.
func (g *dgen) trigArg() f80 {
	switch g.n(10) {
	case 0:
		return g.f80Special()
	case 1:
		// Near a multiple of pi/2.
		initMathConsts()
		k := new(big.Float).SetUint64(g.r.Uint64() >> uint(1+g.n(63)))
		v := new(big.Float).SetPrec(256).Mul(k, mathConsts.piHalfR66)
		x := f80Of(v)
		x.man += uint64(g.n(5)) - 2
		if x.man>>63 == 0 || x.exp() == 0 {
			x = f80One
		}
		if g.coin() {
			x.se ^= 0x8000
		}
		return x
	case 2:
		return g.f80Rand(-16382, -60) // tiny: the series' leading term
	case 3:
		// The range's edge: 2^63 and the largest value below it.
		v := f80{man: 1 << 63, se: 63 + 16383}
		if g.coin() {
			v = f80{man: ^uint64(0), se: 62 + 16383}
		}
		v.se |= uint16(g.n(2)) << 15
		return v
	case 4:
		return g.f80Rand(63, 200) // out of range: C2
	}
	return g.f80Rand(-40, 62)
}

// x87MathForms are the transcendental instructions with operands chosen for them.
func x87MathForms() []dform {
	var fs []dform
	add := func(name, mnem string, op []byte, gen func(g *dgen) []f80) {
		fs = append(fs, dform{name: "x87/" + name, mnem: mnem, cases: 1500, gen: func(g *dgen) {
			g.x87Case(mnem, op, g.x87Control(), gen(g)...)
		}})
	}
	trig := func(g *dgen) []f80 { return []f80{g.trigArg(), g.f80Rand(-5, 5)} }
	add("FSIN", "FSIN", []byte{0xD9, 0xFE}, trig)
	add("FCOS", "FCOS", []byte{0xD9, 0xFF}, trig)
	add("FSINCOS", "FSINCOS", []byte{0xD9, 0xFB}, trig)
	add("FPTAN", "FPTAN", []byte{0xD9, 0xF2}, trig)
	add("FPATAN", "FPATAN", []byte{0xD9, 0xF3}, func(g *dgen) []f80 {
		arg := func() f80 {
			switch g.n(8) {
			case 0:
				return g.f80Special()
			case 1:
				return g.f80Rand(-16382, 16383)
			}
			return g.f80Rand(-70, 70)
		}
		x, y := arg(), arg()
		if g.n(8) == 0 {
			// |x| = |y|: the diagonals.
			y = x
			y.se ^= uint16(g.n(2)) << 15
		}
		return []f80{x, y}
	})
	add("F2XM1", "F2XM1", []byte{0xD9, 0xF0}, func(g *dgen) []f80 {
		switch g.n(10) {
		case 0:
			return []f80{g.f80Special()}
		case 1:
			v := f80{man: 1 << 63, se: uint16(16383 - g.n(3))}
			v.se |= uint16(g.n(2)) << 15
			return []f80{v} // 1, 1/2, 1/4
		case 2:
			return []f80{g.f80Rand(-16382, -64)}
		}
		return []f80{g.f80Rand(-64, -1)}
	})
	add("FYL2X", "FYL2X", []byte{0xD9, 0xF1}, func(g *dgen) []f80 {
		var x f80
		switch g.n(10) {
		case 0:
			x = g.f80Special()
		case 1:
			x = f80{man: 1 << 63, se: uint16(16383 + g.n(129) - 64)} // a power of two
		case 2:
			x = f80{man: 1<<63 | uint64(g.n(1<<16)), se: 16383} // just above 1
		case 3:
			x = f80{man: ^uint64(g.n(1 << 16)), se: 16382} // just below 1
		case 4:
			x = g.f80Rand(-16382, 16383)
		default:
			x = g.f80Rand(-70, 70)
		}
		if g.n(16) != 0 {
			x.se &^= 0x8000
		}
		y := g.f80Rand(-70, 70)
		switch g.n(8) {
		case 0:
			y = g.f80Special()
		case 1:
			y = g.f80Rand(-16382, 16383)
		}
		return []f80{x, y}
	})
	add("FYL2XP1", "FYL2XP1", []byte{0xD9, 0xF9}, func(g *dgen) []f80 {
		var x f80
		switch g.n(10) {
		case 0:
			x = g.f80Special()
		case 1:
			x = g.f80Rand(-16382, -64)
		case 2:
			x = f80{man: 0x95F619980C4336F7 - uint64(g.n(1<<10)), se: 16381} // near 1 - sqrt(2)/2
		default:
			x = g.f80Rand(-64, -3)
		}
		y := g.f80Rand(-70, 70)
		switch g.n(8) {
		case 0:
			y = g.f80Special()
		case 1:
			y = g.f80Rand(-16382, 16383)
		}
		return []f80{x, y}
	})
	fs = append(fs, x87ScaleForms()...)
	return fs
}

// x87ScaleForms are FSCALE, FXTRACT, FPREM, FPREM1, FBLD and FBSTP with operands chosen
// for them (compared exactly).
func x87ScaleForms() []dform {
	var fs []dform
	add := func(name, mnem string, op []byte, gen func(g *dgen) []f80) {
		fs = append(fs, dform{name: "x87/" + name, mnem: mnem, cases: 1000, gen: func(g *dgen) {
			g.x87Case(mnem, op, g.x87Control(), gen(g)...)
		}})
	}
	num := func(g *dgen) f80 {
		switch g.n(10) {
		case 0:
			return g.f80Special()
		case 1:
			return g.f80Rand(-16382, 16383)
		case 2:
			return g.f80Rand(-16382, -16300)
		}
		return g.f80Rand(-70, 70)
	}
	add("FSCALE", "FSCALE", []byte{0xD9, 0xFD}, func(g *dgen) []f80 {
		a := num(g)
		var s f80
		switch g.n(6) {
		case 0:
			s = num(g)
		case 1:
			s = g.f80Rand(14, 20) // beyond the exponent range
		case 2:
			s = f80FromInt(int64(g.n(40000)) - 20000)
		default:
			s = g.f80Rand(-3, 15)
		}
		return []f80{a, s}
	})
	add("FXTRACT", "FXTRACT", []byte{0xD9, 0xF4}, func(g *dgen) []f80 { return []f80{num(g)} })
	rem := func(g *dgen) []f80 {
		a, b := num(g), num(g)
		switch g.n(4) {
		case 0:
			// Exponents 64 or more apart: partial remainders.
			a = g.f80Rand(64, 4000)
			b = g.f80Rand(-200, 10)
		case 1:
			a, b = g.f80Rand(-10, 70), g.f80Rand(-10, 10)
		}
		return []f80{a, b}
	}
	add("FPREM", "FPREM", []byte{0xD9, 0xF8}, rem)
	add("FPREM1", "FPREM1", []byte{0xD9, 0xF5}, rem)
	fs = append(fs, dform{name: "x87/FBLD", mnem: "FBLD", cases: 1000, gen: func(g *dgen) {
		a := uint64(native.ScratchAddr + g.memOff(10, 1))
		var lo, hi uint64
		nd := g.n(19)
		for d := 0; d < nd; d++ {
			nib := uint64(g.n(10))
			if g.n(20) == 0 {
				nib = uint64(10 + g.n(6)) // not a decimal digit
			}
			if d < 16 {
				lo |= nib << (4 * uint(d))
			} else {
				hi |= nib << (4 * uint(d-16))
			}
		}
		hi |= uint64(g.n(2)) << 15
		if g.n(4) == 0 {
			hi |= uint64(g.n(128)) << 8 // ignored sign-byte bits
		}
		g.putMem(a, 8, lo)
		g.putMem(a+8, 2, hi)
		a32, p := g.a32Pfx()
		g.x87CaseInsn("FBLD", insn{pfx: p, op: []byte{0xDF}, modrm: true, reg: 4, rm: g.memAt(a, a32), opReg: -1},
			a, g.x87Control(), g.f80Rand(-5, 5))
	}})
	fs = append(fs, dform{name: "x87/FBSTP", mnem: "FBSTP", cases: 1000, gen: func(g *dgen) {
		a := uint64(native.ScratchAddr + g.memOff(10, 1))
		var v f80
		switch g.n(6) {
		case 0:
			v = num(g)
		case 1:
			// Around 10^18, the first value out of range.
			v = f80FromInt(1000000000000000000 + int64(g.n(2000)) - 1000)
			v.man += uint64(g.n(3)) - 1
		case 2:
			v = g.f80Rand(-2, 10) // fractions to round
		default:
			v = g.f80Rand(0, 60)
		}
		a32, p := g.a32Pfx()
		g.x87CaseInsn("FBSTP", insn{pfx: p, op: []byte{0xDF}, modrm: true, reg: 6, rm: g.memAt(a, a32), opReg: -1},
			a, g.x87Control(), v)
	}})
	return fs
}
