//go:build linux && amd64

package cpu

import (
	"fmt"
	"math/rand"
	"testing"
)

// Operand shapes of the SSE forms the tests generate.
const (
	shXX     = iota // xmm, xmm/m
	shStore         // xmm/m, xmm (ModRM.r/m is the destination)
	shXG            // xmm, r/m (a general register or memory)
	shGX            // r, xmm/m
	shGXR           // r, xmm (register only)
	shGStore        // r/m, xmm
	shMemX          // xmm, m (memory only)
	shStoreM        // m, xmm (memory only)
	shShift         // xmm, imm8 with ModRM.reg extending the opcode
)

// sseForm is one SSE encoding: mandatory prefix, opcode byte (after 0F), shape, the
// size of its memory operand (16: aligned unless unal), an immediate byte, REX.W at
// random, and the ModRM.reg extension of the shift forms.
type sseTestForm struct {
	name  string
	pfx   byte
	op    byte
	shape int
	msize int
	unal  bool
	imm   bool
	w     bool
	ext   byte
}

var sseTestForms = func() []sseTestForm {
	f := []sseTestForm{
		{"movups", 0, 0x10, shXX, 16, true, false, false, 0},
		{"movups st", 0, 0x11, shStore, 16, true, false, false, 0},
		{"movupd", 0x66, 0x10, shXX, 16, true, false, false, 0},
		{"movupd st", 0x66, 0x11, shStore, 16, true, false, false, 0},
		{"movdqu", 0xF3, 0x6F, shXX, 16, true, false, false, 0},
		{"movdqu st", 0xF3, 0x7F, shStore, 16, true, false, false, 0},
		{"movaps", 0, 0x28, shXX, 16, false, false, false, 0},
		{"movaps st", 0, 0x29, shStore, 16, false, false, false, 0},
		{"movapd", 0x66, 0x28, shXX, 16, false, false, false, 0},
		{"movapd st", 0x66, 0x29, shStore, 16, false, false, false, 0},
		{"movdqa", 0x66, 0x6F, shXX, 16, false, false, false, 0},
		{"movdqa st", 0x66, 0x7F, shStore, 16, false, false, false, 0},
		{"movsd", 0xF2, 0x10, shXX, 8, false, false, false, 0},
		{"movsd st", 0xF2, 0x11, shStore, 8, false, false, false, 0},
		{"movss", 0xF3, 0x10, shXX, 4, false, false, false, 0},
		{"movss st", 0xF3, 0x11, shStore, 4, false, false, false, 0},
		{"movq", 0xF3, 0x7E, shXX, 8, false, false, false, 0},
		{"movq st", 0x66, 0xD6, shStore, 8, false, false, false, 0},
		{"movlpd", 0x66, 0x12, shMemX, 8, false, false, false, 0},
		{"movlpd st", 0x66, 0x13, shStoreM, 8, false, false, false, 0},
		{"movhpd", 0x66, 0x16, shMemX, 8, false, false, false, 0},
		{"movhpd st", 0x66, 0x17, shStoreM, 8, false, false, false, 0},
		{"movlps/movhlps", 0, 0x12, shXX, 8, false, false, false, 0},
		{"movhps/movlhps", 0, 0x16, shXX, 8, false, false, false, 0},
		{"movntps", 0, 0x2B, shStoreM, 16, false, false, false, 0},
		{"movntpd", 0x66, 0x2B, shStoreM, 16, false, false, false, 0},
		{"movntdq", 0x66, 0xE7, shStoreM, 16, false, false, false, 0},
		{"movd/movq xmm, r/m", 0x66, 0x6E, shXG, 4, false, false, true, 0},
		{"movd/movq r/m, xmm", 0x66, 0x7E, shGStore, 4, false, false, true, 0},
		{"pinsrw", 0x66, 0xC4, shXG, 2, false, true, false, 0},
		{"pextrw", 0x66, 0xC5, shGXR, 0, false, true, false, 0},
		{"movmskps", 0, 0x50, shGXR, 0, false, false, false, 0},
		{"movmskpd", 0x66, 0x50, shGXR, 0, false, false, false, 0},
		{"pmovmskb", 0x66, 0xD7, shGXR, 0, false, false, false, 0},
		{"pshufd", 0x66, 0x70, shXX, 16, false, true, false, 0},
		{"pshuflw", 0xF2, 0x70, shXX, 16, false, true, false, 0},
		{"pshufhw", 0xF3, 0x70, shXX, 16, false, true, false, 0},
		{"shufps", 0, 0xC6, shXX, 16, false, true, false, 0},
		{"shufpd", 0x66, 0xC6, shXX, 16, false, true, false, 0},
		{"unpcklps", 0, 0x14, shXX, 16, false, false, false, 0},
		{"unpckhps", 0, 0x15, shXX, 16, false, false, false, 0},
		{"unpcklpd", 0x66, 0x14, shXX, 16, false, false, false, 0},
		{"unpckhpd", 0x66, 0x15, shXX, 16, false, false, false, 0},
		{"xorps", 0, 0x57, shXX, 16, false, false, false, 0},
		{"xorpd", 0x66, 0x57, shXX, 16, false, false, false, 0},
		{"andps", 0, 0x54, shXX, 16, false, false, false, 0},
		{"andpd", 0x66, 0x54, shXX, 16, false, false, false, 0},
		{"andnps", 0, 0x55, shXX, 16, false, false, false, 0},
		{"andnpd", 0x66, 0x55, shXX, 16, false, false, false, 0},
		{"orps", 0, 0x56, shXX, 16, false, false, false, 0},
		{"orpd", 0x66, 0x56, shXX, 16, false, false, false, 0},
		{"ucomisd", 0x66, 0x2E, shXX, 8, false, false, false, 0},
		{"comisd", 0x66, 0x2F, shXX, 8, false, false, false, 0},
		{"ucomiss", 0, 0x2E, shXX, 4, false, false, false, 0},
		{"comiss", 0, 0x2F, shXX, 4, false, false, false, 0},
		{"cvtsi2sd", 0xF2, 0x2A, shXG, 4, false, false, true, 0},
		{"cvtsi2ss", 0xF3, 0x2A, shXG, 4, false, false, true, 0},
		{"cvttsd2si", 0xF2, 0x2C, shGX, 8, false, false, true, 0},
		{"cvtsd2si", 0xF2, 0x2D, shGX, 8, false, false, true, 0},
		{"cvttss2si", 0xF3, 0x2C, shGX, 4, false, false, true, 0},
		{"cvtss2si", 0xF3, 0x2D, shGX, 4, false, false, true, 0},
		{"cvtsd2ss", 0xF2, 0x5A, shXX, 8, false, false, false, 0},
		{"cvtss2sd", 0xF3, 0x5A, shXX, 4, false, false, false, 0},
		{"cvtdq2pd", 0xF3, 0xE6, shXX, 8, false, false, false, 0},
		{"cvtdq2ps", 0, 0x5B, shXX, 16, false, false, false, 0},
		{"cvtpd2dq", 0xF2, 0xE6, shXX, 16, false, false, false, 0},
		{"cvttpd2dq", 0x66, 0xE6, shXX, 16, false, false, false, 0},
		{"cvtps2dq", 0x66, 0x5B, shXX, 16, false, false, false, 0},
		{"cvttps2dq", 0xF3, 0x5B, shXX, 16, false, false, false, 0},
		{"cvtpd2ps", 0x66, 0x5A, shXX, 16, false, false, false, 0},
		{"cvtps2pd", 0, 0x5A, shXX, 8, false, false, false, 0},
	}
	for _, o := range []struct {
		n  string
		op byte
	}{{"add", 0x58}, {"sub", 0x5C}, {"mul", 0x59}, {"div", 0x5E}, {"sqrt", 0x51}, {"min", 0x5D}, {"max", 0x5F}, {"cmp", 0xC2}} {
		for _, p := range []struct {
			s   string
			pfx byte
			sz  int
		}{{"sd", 0xF2, 8}, {"ss", 0xF3, 4}, {"pd", 0x66, 16}, {"ps", 0, 16}} {
			f = append(f, sseTestForm{o.n + p.s, p.pfx, o.op, shXX, p.sz, false, o.op == 0xC2, false, 0})
		}
	}
	for _, o := range []struct {
		n  string
		op byte
	}{{"paddb", 0xFC}, {"paddw", 0xFD}, {"paddd", 0xFE}, {"paddq", 0xD4}, {"psubb", 0xF8}, {"psubw", 0xF9},
		{"psubd", 0xFA}, {"psubq", 0xFB}, {"paddsb", 0xEC}, {"paddsw", 0xED}, {"paddusb", 0xDC}, {"paddusw", 0xDD},
		{"psubsb", 0xE8}, {"psubsw", 0xE9}, {"psubusb", 0xD8}, {"psubusw", 0xD9}, {"pcmpeqb", 0x74}, {"pcmpeqw", 0x75},
		{"pcmpeqd", 0x76}, {"pcmpgtb", 0x64}, {"pcmpgtw", 0x65}, {"pcmpgtd", 0x66}, {"pmullw", 0xD5}, {"pmulhw", 0xE5},
		{"pmulhuw", 0xE4}, {"pmuludq", 0xF4}, {"pmaddwd", 0xF5}, {"pminub", 0xDA}, {"pmaxub", 0xDE}, {"pminsw", 0xEA},
		{"pmaxsw", 0xEE}, {"pavgb", 0xE0}, {"pavgw", 0xE3}, {"psadbw", 0xF6}, {"punpcklbw", 0x60}, {"punpcklwd", 0x61},
		{"punpckldq", 0x62}, {"punpcklqdq", 0x6C}, {"punpckhbw", 0x68}, {"punpckhwd", 0x69}, {"punpckhdq", 0x6A},
		{"punpckhqdq", 0x6D}, {"packsswb", 0x63}, {"packssdw", 0x6B}, {"packuswb", 0x67}, {"psllw", 0xF1},
		{"pslld", 0xF2}, {"psllq", 0xF3}, {"psrlw", 0xD1}, {"psrld", 0xD2}, {"psrlq", 0xD3}, {"psraw", 0xE1},
		{"psrad", 0xE2}, {"pxor", 0xEF}, {"pand", 0xDB}, {"pandn", 0xDF}, {"por", 0xEB}} {
		f = append(f, sseTestForm{o.n, 0x66, o.op, shXX, 16, false, false, false, 0})
	}
	for _, o := range []struct {
		n   string
		op  byte
		ext byte
	}{{"psrlw i", 0x71, 2}, {"psraw i", 0x71, 4}, {"psllw i", 0x71, 6}, {"psrld i", 0x72, 2}, {"psrad i", 0x72, 4},
		{"pslld i", 0x72, 6}, {"psrlq i", 0x73, 2}, {"psrldq", 0x73, 3}, {"psllq i", 0x73, 6}, {"pslldq", 0x73, 7}} {
		f = append(f, sseTestForm{o.n, 0x66, o.op, shShift, 0, false, true, false, o.ext})
	}
	return f
}()

// sseGen writes random SSE code (with some integer instructions and conditional
// branches on COMIS flags between) for the differential tests.
type sseGen struct{ *jitGen }

// mem emits ModRM (with reg) and disp32 for [R15 + disp]: aligned to the operand's
// size most of the time, sometimes not (#GP for the aligned forms), sometimes across
// the page end.
func (g sseGen) mem(reg uint8, size int, aligned bool) {
	disp := int32(g.r.Intn(4096+64)) - 32
	if aligned || g.r.Intn(2) == 0 {
		disp &^= int32(max(size, 1) - 1)
	}
	if aligned && g.r.Intn(24) == 0 {
		disp |= 8 // misaligned
	}
	if g.r.Intn(10) == 0 {
		disp = 0x1000 - int32(g.r.Intn(size+1)) // at or across the page end
	}
	g.emit(0x80|(reg&7)<<3|7, byte(disp), byte(disp>>8), byte(disp>>16), byte(disp>>24))
}

// form emits one instruction of form f; memory: the r/m operand is memory.
func (g sseGen) form(f sseTestForm, memory bool) {
	x := func() uint8 { return uint8(g.r.Intn(16)) }
	reg, rm := x(), x()
	w := f.w && g.r.Intn(2) == 0
	switch f.shape {
	case shMemX, shStoreM:
		memory = true
	case shGXR, shShift:
		memory = false
	}
	switch f.shape {
	case shXG:
		if !memory {
			rm = g.reg()
		}
	case shGX, shGXR:
		reg = g.dst()
	case shGStore:
		if !memory {
			rm = g.dst()
		}
	case shShift:
		reg = f.ext
	}
	if f.pfx != 0 {
		g.emit(f.pfx)
	}
	var rex byte
	if w {
		rex |= 8
	}
	rex |= reg >> 3 & 1 << 2
	if memory {
		rex |= 1 // R15
	} else {
		rex |= rm >> 3 & 1
	}
	if rex != 0 || g.r.Intn(6) == 0 {
		g.emit(0x40 | rex)
	}
	g.emit(0x0F, f.op)
	size := f.msize
	if w && size == 4 {
		size = 8
	}
	if memory {
		g.mem(reg, size, size == 16 && !f.unal)
	} else {
		g.emit(0xC0 | (reg&7)<<3 | rm&7)
	}
	if f.imm {
		v := byte(g.r.Intn(256))
		if f.op == 0xC2 {
			v &= 7
		}
		g.emit(v)
	}
}

// insn emits a random SSE instruction, or now and then an integer one, a conditional
// branch over the next instruction, or STMXCSR or LDMXCSR between floating-point ones
// (helper exits: the first must see the flags the stretch before it raised, the
// second changes the controls the next one runs under).
func (g sseGen) insn() {
	switch g.r.Intn(13) {
	case 0:
		g.jitGen.insn()
	case 12:
		if g.r.Intn(2) == 0 {
			g.emit(0x41, 0x0F, 0xAE, 0x9F, 0x00, 0x08, 0x00, 0x00) // stmxcsr [r15+0x800]
			break
		}
		mx := uint32(0x1F80) | uint32(g.r.Intn(4))<<13 | uint32(g.r.Intn(64))
		if g.r.Intn(4) == 0 {
			mx |= mxDAZ | mxFZ
		}
		if g.r.Intn(8) == 0 {
			mx &^= 1 << (7 + g.r.Intn(6)) // an exception unmasked
		}
		g.emit(0x41, 0xC7, 0x87, 0x04, 0x08, 0x00, 0x00, byte(mx), byte(mx>>8), byte(mx>>16), byte(mx>>24)) // mov dword [r15+0x804], mx
		g.emit(0x41, 0x0F, 0xAE, 0x97, 0x04, 0x08, 0x00, 0x00)                                              // ldmxcsr [r15+0x804]
	case 1:
		// jcc over a short instruction: reads the flags a COMIS may have set
		g.emit(0x70|byte(g.r.Intn(16)), 3)
		g.emit(0x66, 0x0F, 0xEF, 0xC0|byte(g.r.Intn(64))) // pxor
	default:
		g.form(sseTestForms[g.r.Intn(len(sseTestForms))], g.r.Intn(3) == 0)
	}
}

// sseValues are operand corners: zeros, denormals, the smallest normal, the largest
// finite, infinities, quiet and signalling NaNs, integer-conversion edges.
var sseValues64 = []uint64{0, 1 << 63, 0x3FF0000000000000, 0xBFF8000000000000, 1, 0x000FFFFFFFFFFFFF,
	0x0010000000000000, 0x7FEFFFFFFFFFFFFF, 0x7FF0000000000000, 0xFFF0000000000000, 0x7FF8000000000000,
	0x7FF0000000000001, 0xFFF4000000000000, 0x43E0000000000000, 0xC3E0000000000000, 0x41DFFFFFFFC00000,
	0x4008000000000000, 0x3FB999999999999A, 0x0000000080000000, 0xFFFFFFFF80000000}
var sseValues32 = []uint32{0, 1 << 31, 0x3F800000, 0xBFC00000, 1, 0x007FFFFF, 0x00800000, 0x7F7FFFFF, 0x7F800000,
	0xFF800000, 0x7FC00000, 0x7F800001, 0xFFA00000, 0x4F000000, 0xCF000000, 0x3DCCCCCD, 0x40400000}

func sseValue(r *rand.Rand) uint64 {
	switch r.Intn(4) {
	case 0:
		return r.Uint64()
	case 1:
		return uint64(sseValues32[r.Intn(len(sseValues32))]) | uint64(sseValues32[r.Intn(len(sseValues32))])<<32
	}
	v := sseValues64[r.Intn(len(sseValues64))]
	if r.Intn(4) == 0 {
		v ^= uint64(r.Intn(4)) // a neighbour
	}
	return v
}

// sseSetup gives both machines the same random XMM registers, MXCSR, CR0.TS and
// CR4.OSFXSR (now and then a fault or an unmasked exception), and corner values in
// the data pages.
func (p *jitPair) sseSetup(r *rand.Rand) {
	var xmm [16][2]uint64
	for i := range xmm {
		xmm[i] = [2]uint64{sseValue(r), sseValue(r)}
	}
	mx := uint32(0x1F80)
	if r.Intn(2) == 0 {
		mx |= uint32(r.Intn(4)) << 13 // rounding
	}
	if r.Intn(4) == 0 {
		mx |= mxDAZ
	}
	if r.Intn(4) == 0 {
		mx |= mxFZ
	}
	if r.Intn(3) == 0 {
		mx |= uint32(r.Intn(64)) // flags already set
	}
	if r.Intn(8) == 0 {
		mx &^= 1 << (7 + r.Intn(6)) // an exception unmasked
	}
	cr0, cr4 := uint64(0), uint64(CR4OSFXSR)
	switch r.Intn(30) {
	case 0:
		cr0 = CR0TS
	case 1:
		cr4 = 0
	}
	data := make([]byte, 3*4096)
	for i := 0; i < len(data); i += 8 {
		v := sseValue(r)
		for k := 0; k < 8; k++ {
			data[i+k] = byte(v >> (8 * k))
		}
	}
	// Now and then the page after R15's is absent: an operand across the page end
	// faults (the probe covers its last byte).
	absent := r.Intn(4) == 0
	for _, e := range p.envs {
		e.load(tData-4096, data)
		if absent {
			e.poke64(pte(tData+0x1000), e.read64(pte(tData+0x1000))&^1)
		}
		s := e.c.Snapshot()
		s.XMM = xmm
		s.MXCSR = mx
		s.CR0 |= cr0
		s.CR4 = s.CR4&^CR4OSFXSR | cr4
		e.c.Restore(s)
	}
}

// TestJITSSETable checks that every SSE mnemonic the translator takes is one the
// interpreter runs (the translation defers to it for faults and exceptions).
func TestJITSSETable(t *testing.T) {
	for op := range jitSSEOps {
		if translators[op] == nil {
			t.Errorf("op %d (%v): no interpreter translator", op, opName(&uop{op: op}))
		}
	}
}

// TestJITSSEMatchesInterpreter runs random SSE code (corner operands, every rounding
// mode, DAZ/FTZ, unmasked exceptions, #NM, #UD, misaligned and page-crossing operands)
// in both tiers with random budgets and compares the whole state after every slice.
func TestJITSSEMatchesInterpreter(t *testing.T) {
	seeds := 400
	if testing.Short() {
		seeds = 100
	}
	var ran, slow uint64
	for seed := 0; seed < seeds; seed++ {
		r := rand.New(rand.NewSource(int64(seed)))
		g := sseGen{&jitGen{r: r}}
		pad := r.Intn(64)
		for i := 0; i < pad; i++ {
			g.emit(0x90)
		}
		for i := 0; i < 4; i++ {
			if r.Intn(2) == 0 {
				iters := byte(1 + r.Intn(10))
				g.emit(0x41, 0xBE, iters, 0, 0, 0) // mov r14d, iters
				top := len(g.out)
				for k, n := 0, 1+r.Intn(10); k < n; k++ {
					g.insn()
				}
				g.emit(0x41, 0xFF, 0xCE) // dec r14d
				d := int32(top - (len(g.out) + 6))
				g.emit(0x0F, 0x85, byte(d), byte(d>>8), byte(d>>16), byte(d>>24))
			} else {
				for k, n := 0, 1+r.Intn(8); k < n; k++ {
					g.insn()
				}
			}
		}
		g.emit(0xF4)
		p := newJITPair(t, uint8(3*(seed%2)))
		p.setup(g.out, r, r.Uint64())
		p.sseSetup(r)
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			p.t = t
			p.run(r, 4000)
		})
		st := p.envs[1].c.JITStats()
		ran += st.Ran
		slow += st.SlowExits
		if t.Failed() {
			t.Logf("code: % x", g.out)
			break
		}
	}
	t.Logf("%d instructions ran translated, %d exits to the interpreter", ran, slow)
	if ran == 0 {
		t.Fatal("nothing ran translated")
	}
}

// TestJITSSETranslated checks that every form runs in generated code (no exit to the
// interpreter when nothing faults and every exception is masked) and agrees with the
// interpreter on corner operands, in registers and in memory.
func TestJITSSETranslated(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for _, f := range sseTestForms {
		for _, memory := range []bool{false, true} {
			if memory && (f.shape == shGXR || f.shape == shShift) || !memory && (f.shape == shMemX || f.shape == shStoreM) {
				continue
			}
			t.Run(fmt.Sprintf("%s/mem=%v", f.name, memory), func(t *testing.T) {
				p := newJITPair(t, 0)
				for k := 0; k < 12; k++ {
					g := sseGen{&jitGen{r: r}}
					g.form(f, memory)
					insn := g.out
					if memory {
						// [R15 + 0x100]: aligned, inside the page.
						i := len(insn) - 4
						if f.imm {
							i--
						}
						insn[i], insn[i+1], insn[i+2], insn[i+3] = 0, 1, 0, 0
					}
					// The first run of a memory form misses the TLB and exits; the
					// second must run in generated code.
					nops := []byte{0x90, 0x90, 0x90, 0x90}
					var code []byte
					code = append(append(append(append(append(code, nops...), insn...), nops...), insn...), 0xF4)
					st0 := p.envs[1].c.JITStats()
					p.setup(code, r, r.Uint64())
					p.sseSetup(r)
					for _, e := range p.envs {
						s := e.c.Snapshot()
						s.Halted = false
						s.MXCSR |= 0x1F80 // every exception masked
						s.CR0 &^= CR0TS
						s.CR4 |= CR4OSFXSR
						e.c.Restore(s)
					}
					for _, e := range p.envs {
						e.c.Run(100)
					}
					p.compare(fmt.Sprintf("case %d: % x", k, code))
					st := p.envs[1].c.JITStats()
					exits := uint64(1) // the HLT
					if memory {
						exits++
					}
					if st.Untranslatable-st0.Untranslatable > 1 || st.Ran-st0.Ran < 9 || st.SlowExits-st0.SlowExits > exits {
						t.Fatalf("case %d (% x): ran %d, %d untranslatable, %d exits: the form is not translated",
							k, code, st.Ran-st0.Ran, st.Untranslatable-st0.Untranslatable, st.SlowExits-st0.SlowExits)
					}
				}
			})
		}
	}
}
