//go:build linux && amd64

package cpu

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"testing"

	"github.com/kppemu/kppemu/mmu"
)

// jitGen writes random straight-line x86-64 code from the forms the translator
// handles (and a few it does not), with R15 fixed as a pointer into the data area so
// that memory operands land in mapped memory, some of them across a page boundary.
type jitGen struct {
	r    *rand.Rand
	out  []byte
	imms []int // offsets of the imm32 of MOV r32, imm32 instructions (targets for code writes)
}

func (g *jitGen) reg() uint8 { return uint8(g.r.Intn(16)) }

// dst is a register that may be written: not RSP (the stack stays usable), R15 (the
// data pointer) nor R14 (the loop counter).
func (g *jitGen) dst() uint8 {
	for {
		if r := g.reg(); r != RSP && r != R15 && r != R14 {
			return r
		}
	}
}

func (g *jitGen) emit(b ...byte) { g.out = append(g.out, b...) }

// rex emits a REX prefix for w, reg field r, rm field b (when needed or at random).
func (g *jitGen) rex(w bool, r, b uint8) {
	v := byte(0x40)
	if w {
		v |= 8
	}
	v |= (r >> 3 & 1) << 2
	v |= b >> 3 & 1
	if v != 0x40 || g.r.Intn(4) == 0 {
		g.emit(v)
	}
}

// modrmMem emits ModRM for [R15 + disp] (REX.B must be set by the caller) with reg r.
func (g *jitGen) modrmMem(r uint8) {
	disp := int32(g.r.Intn(4096+64)) - 32 // some accesses cross into the neighbouring pages
	if g.r.Intn(8) == 0 {
		disp = 0xFFF - int32(g.r.Intn(8)) // across the page end
	}
	g.emit(0x80|(r&7)<<3|7, byte(disp), byte(disp>>8), byte(disp>>16), byte(disp>>24))
}

var jitGenSizes = []struct {
	pre  []byte
	w    bool
	size uint8
}{{nil, true, 8}, {nil, false, 4}, {[]byte{0x66}, false, 2}, {nil, false, 1}}

// insn emits one random instruction.
func (g *jitGen) insn() {
	sz := jitGenSizes[g.r.Intn(4)]
	op := byte(g.r.Intn(8))
	ob := byte(1)
	if sz.size == 1 {
		ob = 0
	}
	g.emit(sz.pre...)
	switch g.r.Intn(24) {
	case 0, 1, 2: // ALU r/m, r (register)
		d, s := g.dst(), g.reg()
		g.rex(sz.w, s, d)
		g.emit(op<<3|ob, 0xC0|(s&7)<<3|d&7)
	case 3: // ALU r, [mem]
		d := g.dst()
		g.rex(sz.w, d, R15)
		g.emit(op<<3 | 2 | ob)
		g.modrmMem(d)
	case 4: // ALU [mem], r
		s := g.reg()
		g.rex(sz.w, s, R15)
		g.emit(op<<3 | ob)
		g.modrmMem(s)
	case 5, 6: // ALU r, imm8 / imm
		d := g.dst()
		g.rex(sz.w, 0, d)
		if sz.size == 1 {
			g.emit(0x80, 0xC0|op<<3|d&7, byte(g.r.Intn(256)))
		} else if g.r.Intn(2) == 0 {
			g.emit(0x83, 0xC0|op<<3|d&7, byte(g.r.Intn(256)))
		} else {
			g.emit(0x81, 0xC0|op<<3|d&7)
			v := g.r.Uint32()
			if sz.size == 2 {
				g.emit(byte(v), byte(v>>8))
			} else {
				g.emit(byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
			}
		}
	case 7: // TEST r, r / MOV r, r
		d, s := g.dst(), g.reg()
		g.rex(sz.w, s, d)
		g.emit([]byte{0x84, 0x88}[g.r.Intn(2)]|ob, 0xC0|(s&7)<<3|d&7)
	case 8: // MOV r, [mem] / MOV [mem], r
		r := g.dst()
		g.rex(sz.w, r, R15)
		g.emit([]byte{0x8A, 0x88}[g.r.Intn(2)] | ob)
		g.modrmMem(r)
	case 9: // INC/DEC/NOT/NEG r
		d := g.dst()
		g.rex(sz.w, 0, d)
		switch g.r.Intn(4) {
		case 0, 1:
			g.emit(0xFE|ob, 0xC0|byte(g.r.Intn(2))<<3|d&7)
		default:
			g.emit(0xF6|ob, 0xC0|byte(2+g.r.Intn(2))<<3|d&7)
		}
	case 10: // INC/DEC/NEG [mem]
		g.rex(sz.w, 0, R15)
		if g.r.Intn(2) == 0 {
			g.emit(0xFE | ob)
			g.modrmMem(byte(g.r.Intn(2)))
		} else {
			g.emit(0xF6 | ob)
			g.modrmMem(3)
		}
	case 11: // shifts and rotates by imm
		d := g.dst()
		g.rex(sz.w, 0, d)
		sh := []byte{0, 1, 4, 5, 7}[g.r.Intn(5)]
		g.emit(0xC0|ob, 0xC0|sh<<3|d&7, byte(g.r.Intn(70)))
	case 12: // IMUL r, r / r, r, imm8
		if sz.size == 1 {
			g.emit(0x90)
			return
		}
		d, s := g.dst(), g.reg()
		g.rex(sz.w, d, s)
		if g.r.Intn(2) == 0 {
			g.emit(0x0F, 0xAF, 0xC0|(d&7)<<3|s&7)
		} else {
			g.emit(0x6B, 0xC0|(d&7)<<3|s&7, byte(g.r.Intn(256)))
		}
	case 13: // MOVZX/MOVSX r, r8/r16
		if sz.size == 1 {
			g.emit(0x90)
			return
		}
		d, s := g.dst(), g.reg()
		g.rex(sz.w, d, s)
		g.emit(0x0F, []byte{0xB6, 0xB7, 0xBE, 0xBF}[g.r.Intn(4)], 0xC0|(d&7)<<3|s&7)
	case 14: // LEA r, [r15 + idx*s + disp]
		if sz.size == 1 {
			g.emit(0x90)
			return
		}
		d, i := g.dst(), g.reg()
		if i == RSP {
			i = RAX
		}
		rx := byte(0x41) | (d>>3&1)<<2 | (i>>3&1)<<1
		if sz.w {
			rx |= 8
		}
		g.emit(rx, 0x8D, 0x44|(d&7)<<3, byte(g.r.Intn(4))<<6|(i&7)<<3|7, byte(g.r.Intn(256)))
	case 15: // SETcc r8 / CMOVcc
		d, s := g.dst(), g.reg()
		if sz.size == 1 {
			g.rex(false, 0, d)
			g.emit(0x0F, 0x90|byte(g.r.Intn(16)), 0xC0|d&7)
		} else {
			g.rex(sz.w, d, s)
			g.emit(0x0F, 0x40|byte(g.r.Intn(16)), 0xC0|(d&7)<<3|s&7)
		}
	case 16: // Jcc over the next instruction (a 1-byte NOP or a 2-byte INC)
		g.out = g.out[:len(g.out)-len(sz.pre)]
		if g.r.Intn(2) == 0 {
			g.emit(0x70|byte(g.r.Intn(16)), 1, 0x90)
		} else {
			g.emit(0x70|byte(g.r.Intn(16)), 3, 0x48, 0xFF, 0xC0|g.dst()&7)
		}
	case 17: // PUSH r / POP r
		g.out = g.out[:len(g.out)-len(sz.pre)]
		if g.r.Intn(2) == 0 {
			r := g.reg()
			g.rex(false, 0, r)
			g.emit(0x50 | r&7)
		} else {
			r := g.dst()
			g.rex(false, 0, r)
			g.emit(0x58 | r&7)
		}
	case 18: // MOV r, imm
		d := g.dst()
		g.rex(sz.w, 0, d)
		switch sz.size {
		case 1:
			g.emit(0xB0|d&7, byte(g.r.Intn(256)))
		case 2:
			g.emit(0xB8|d&7, byte(g.r.Intn(256)), byte(g.r.Intn(256)))
		case 4:
			v := g.r.Uint32()
			g.emit(0xB8 | d&7)
			g.imms = append(g.imms, len(g.out))
			g.emit(byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
		default:
			v := g.r.Uint64()
			g.emit(0xB8 | d&7)
			for i := 0; i < 8; i++ {
				g.emit(byte(v >> (8 * i)))
			}
		}
	case 19: // ADC/SBB after a flag setter (carry chains)
		d, s := g.dst(), g.reg()
		g.rex(sz.w, s, d)
		g.emit([]byte{0x10, 0x18}[g.r.Intn(2)]|ob, 0xC0|(s&7)<<3|d&7)
	case 20: // CALL to the next instruction, or a write into the code (an earlier MOV's immediate)
		g.out = g.out[:len(g.out)-len(sz.pre)]
		if len(g.imms) == 0 || g.r.Intn(2) == 0 {
			g.emit(0xE8, 0, 0, 0, 0)
			return
		}
		// add byte [rip+disp32], imm8
		at := g.imms[g.r.Intn(len(g.imms))] + g.r.Intn(4)
		disp := int32(at - (len(g.out) + 7))
		g.emit(0x80, 0x05, byte(disp), byte(disp>>8), byte(disp>>16), byte(disp>>24), byte(1+g.r.Intn(255)))
	case 21: // returns and indirect jumps
		g.out = g.out[:len(g.out)-len(sz.pre)]
		switch g.r.Intn(3) {
		case 0: // call L; jmp over; L: op; ret; over:
			d, s := g.dst(), g.reg()
			g.emit(0xE8, 2, 0, 0, 0, 0xEB, 4)
			g.rex(true, s, d)
			g.emit(0x01, 0xC0|(s&7)<<3|d&7, 0xC3) // REX.W is always there: 3 bytes and RET
		case 1: // lea rax, [rip+4]; jmp rax; hlt; hlt
			g.emit(0x48, 0x8D, 0x05, 4, 0, 0, 0, 0xFF, 0xE0, 0xF4, 0xF4)
		default: // lea rax, [rip+4]; call rax; jmp over; ret
			g.emit(0x48, 0x8D, 0x05, 4, 0, 0, 0, 0xFF, 0xD0, 0xEB, 0x01, 0xC3)
		}
	case 22: // forms generated code hands to the interpreter (helper exits)
		g.out = g.out[:len(g.out)-len(sz.pre)]
		g.helper()
	default: // something the translator leaves to the interpreter: CLC/STC/CMC, CPUID-free
		g.out = g.out[:len(g.out)-len(sz.pre)]
		g.emit([]byte{0xF8, 0xF9, 0xF5, 0x9C, 0x58}[g.r.Intn(4)])
	}
}

// helper emits an instruction the translator leaves to a helper exit: system
// instructions (at CPL 3 most of them #GP), flag and accumulator instructions, and
// memory forms of the interpreter's own (FNSTCW, MOVNTI: faults and page crossings in
// a helper).
func (g *jitGen) helper() {
	switch g.r.Intn(12) {
	case 0:
		g.emit(0x0F, 0xA2) // cpuid
	case 1:
		g.emit(0x0F, 0x31) // rdtsc
	case 2:
		g.emit(0x44, 0x0F, 0x20, 0xC0|g.dst()&7) // mov r, cr8 (REX.R: CR8; r in 0-7)
	case 3:
		g.emit(0x44, 0x0F, 0x22, 0xC0) // mov cr8, rax (#GP unless RAX < 16)
	case 4:
		g.emit(0xE4, byte(0x80+g.r.Intn(8))) // in al, imm8
	case 5:
		g.emit(0x41, 0x0F, 0x01, 0xBF) // invlpg [r15+disp32]
		g.disp32()
	case 6:
		g.emit(0x41, 0xD9, 0xBF) // fnstcw [r15+disp32]
		g.disp32()
	case 7:
		g.emit(0x49, 0x0F, 0xC3, 0x87|(g.dst()&7)<<3) // movnti [r15+disp32], r
		g.disp32()
	case 8:
		g.emit(0x48, 0x99) // cqo
	case 9:
		g.emit([]byte{0x98, 0x9F, 0x9E}[g.r.Intn(3)]) // cwde, lahf, sahf
	case 10:
		g.emit(0x0F, 0x01, 0xF9) // rdtscp
	default:
		g.emit(0xE6, byte(0x80+g.r.Intn(8))) // out imm8, al
	}
}

// disp32 emits the displacement of a [R15+disp32] operand (see modrmMem).
func (g *jitGen) disp32() {
	disp := int32(g.r.Intn(4096+64)) - 32
	if g.r.Intn(4) == 0 {
		disp = 0xFFF - int32(g.r.Intn(8))
	}
	g.emit(byte(disp), byte(disp>>8), byte(disp>>16), byte(disp>>24))
}

// loop emits a counted loop (R14) around n random instructions.
func (g *jitGen) loop(n int) {
	iters := byte(1 + g.r.Intn(20))
	g.emit(0x41, 0xBE, iters, 0, 0, 0) // mov r14d, iters
	top := len(g.out)
	for i := 0; i < n; i++ {
		g.insn()
	}
	g.emit(0x41, 0xFF, 0xCE) // dec r14d
	if d := top - (len(g.out) + 2); d >= -128 {
		g.emit(0x75, byte(int8(d))) // jnz top
	} else {
		d := int32(top - (len(g.out) + 6))
		g.emit(0x0F, 0x85, byte(d), byte(d>>8), byte(d>>16), byte(d>>24))
	}
}

// jitPair runs the same program on an interpreter and a translating CPU.
type jitPair struct {
	t    *testing.T
	envs [2]*testEnv
}

func newJITPair(t *testing.T, cpl uint8) *jitPair {
	p := &jitPair{t: t}
	for i := range p.envs {
		p.envs[i] = newTestEnv(t, cpl)
		a := AccelInterp
		if i == 1 {
			a = AccelJIT
		}
		if err := p.envs[i].c.SetAccel(a); err != nil {
			t.Fatal(err)
		}
	}
	// A translation runs at its first dispatch (not interpreted that once while it is
	// staged), so that code that runs once runs translated.
	p.envs[1].c.jit.eager = true
	return p
}

// setup writes code at tCode and random registers and data in both machines.
func (p *jitPair) setup(code []byte, r *rand.Rand, flags uint64) {
	data := make([]byte, 3*4096)
	r.Read(data)
	var gpr [16]uint64
	for i := range gpr {
		gpr[i] = r.Uint64()
		switch r.Intn(4) {
		case 0:
			gpr[i] &= 0xFF
		case 1:
			gpr[i] = uint64(int64(int8(gpr[i])))
		}
	}
	for _, e := range p.envs {
		e.load(tData-4096, data)
		e.code(code...)
		s := e.c.Snapshot()
		s.GPR = gpr
		s.GPR[RSP] = e.c.GPR[RSP]
		s.GPR[R15] = tData
		s.RFLAGS = flagRsv1 | flags&flagsArith
		e.c.Restore(s)
	}
}

// compare fails the test when the two machines differ.
func (p *jitPair) compare(what string) {
	p.t.Helper()
	a, b := p.envs[0].c.Snapshot(), p.envs[1].c.Snapshot()
	if fmt.Sprint(a) != fmt.Sprint(b) {
		for i := range a.GPR {
			if a.GPR[i] != b.GPR[i] {
				p.t.Errorf("%s: GPR[%d] interp %#x jit %#x", what, i, a.GPR[i], b.GPR[i])
			}
		}
		if a.RIP != b.RIP || a.RFLAGS != b.RFLAGS || a.Clock != b.Clock || a.Instret != b.Instret {
			p.t.Errorf("%s: RIP %#x/%#x RFLAGS %#x/%#x Clock %d/%d Instret %d/%d", what,
				a.RIP, b.RIP, a.RFLAGS, b.RFLAGS, a.Clock, b.Clock, a.Instret, b.Instret)
		}
		p.t.Fatalf("%s: states differ", what)
	}
	for _, rg := range [][2]uint64{{tData - 4096, 3 * 4096}, {tKStack - 4096, 8192}, {tUStack - 4096, 8192}} {
		x, y := make([]byte, rg[1]), make([]byte, rg[1])
		p.envs[0].m.ReadPhys(mmu.PAddr(rg[0]), x)
		p.envs[1].m.ReadPhys(mmu.PAddr(rg[0]), y)
		if !bytes.Equal(x, y) {
			p.t.Fatalf("%s: memory at %#x differs", what, rg[0])
		}
	}
}

// run runs both machines with the same budgets until they stop, comparing after
// every slice.
func (p *jitPair) run(r *rand.Rand, maxInsns uint64) {
	p.t.Helper()
	for total := uint64(0); total < maxInsns; {
		budget := uint64(1 + r.Intn(40))
		if r.Intn(2) == 0 {
			budget = uint64(50 + r.Intn(300))
		}
		var ex [2]Exit
		for i, e := range p.envs {
			ex[i] = e.c.Run(budget)
		}
		if ex[0].Reason != ex[1].Reason {
			p.t.Fatalf("exit %v (interp) vs %v (jit)", ex[0], ex[1])
		}
		p.compare(fmt.Sprintf("after %d+%d instructions", total, budget))
		total += budget
		if ex[0].Reason != ExitBudget {
			return
		}
	}
}

// TestJITMatchesInterpreter runs random straight-line code in both tiers with random
// budgets and compares the whole state after every slice.
func TestJITMatchesInterpreter(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 60
	}
	// KPPEMU_JIT_SEEDS runs more programs (a longer soak).
	if n, err := strconv.Atoi(os.Getenv("KPPEMU_JIT_SEEDS")); err == nil && n > 0 {
		seeds = n
	}
	var translated, entries, slow, links, helpers, resumes uint64
	for seed := 0; seed < seeds; seed++ {
		r := rand.New(rand.NewSource(int64(seed)))
		g := &jitGen{r: r}
		// Code starts anywhere in its page, so that blocks and chains cross pages.
		pad := r.Intn(4096)
		for i := 0; i < pad; i++ {
			g.emit(0x90)
		}
		for i := 0; i < 6; i++ {
			if r.Intn(2) == 0 {
				g.loop(1 + r.Intn(12))
			} else {
				g.insn()
			}
		}
		g.emit(0xF4) // HLT: IF=0 stops the run (at CPL 3 the #GP handler's HLT does)
		p := newJITPair(t, uint8(3*(seed%2)))
		p.setup(g.out, r, r.Uint64())
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			p.t = t
			p.run(r, 5000)
		})
		j := &p.envs[1].c.jit
		translated += j.translated
		entries += j.entries
		slow += j.slowExits
		links += j.links
		helpers += j.helpers
		resumes += j.resumes
		if t.Failed() {
			t.Logf("code: % x", g.out)
			break
		}
	}
	if translated == 0 || entries == 0 {
		t.Fatalf("nothing ran translated (%d blocks, %d entries)", translated, entries)
	}
	t.Logf("%d blocks translated, %d entries, %d exits to the interpreter, %d links, %d helper exits (%d went on)",
		translated, entries, slow, links, helpers, resumes)
	if links == 0 {
		t.Fatal("no block was chained to another")
	}
	if resumes == 0 || resumes == helpers {
		t.Fatalf("%d helper exits, %d went on in generated code: want both outcomes", helpers, resumes)
	}
}

// TestJITCallsStayInGeneratedCode runs a loop of calls and returns: the returns go
// through the jump cache and the calls are linked, so generated code is entered from
// Go only a handful of times, and the state matches the interpreter's.
func TestJITCallsStayInGeneratedCode(t *testing.T) {
	code := []byte{
		0x41, 0xBE, 0xE8, 0x03, 0, 0, // mov r14d, 1000
		0xE8, 0x08, 0, 0, 0, // L: call F
		0x41, 0xFF, 0xCE, // dec r14d
		0x75, 0xF6, // jnz L
		0xF4,             // hlt
		0x90, 0x90, 0x90, // padding
		0x48, 0x83, 0xC0, 0x03, // F: add rax, 3
		0xC3, // ret
	}
	p := newJITPair(t, 0)
	p.setup(code, rand.New(rand.NewSource(1)), 0)
	for i, e := range p.envs {
		e.c.GPR[RAX] = 0
		if ex := e.c.Run(100000); ex.Reason != ExitDeadHalt {
			t.Fatalf("tier %d: %v", i, ex)
		}
	}
	p.compare("after the loop")
	if p.envs[1].c.GPR[RAX] != 3000 {
		t.Fatalf("RAX %d", p.envs[1].c.GPR[RAX])
	}
	st := p.envs[1].c.JITStats()
	if st.Ran < 4000 || st.Entries > 50 {
		t.Fatalf("generated code ran %d instructions in %d entries from Go", st.Ran, st.Entries)
	}
}

// TestJITJumpToZero jumps, calls and returns to address 0 in both tiers: an empty
// jump-cache slot must not look like the translation of address 0.
func TestJITJumpToZero(t *testing.T) {
	for _, tc := range []struct {
		name string
		code []byte
	}{
		{"jmp", []byte{0x31, 0xC0, 0xFF, 0xE0}},                                // xor eax, eax; jmp rax
		{"call", []byte{0x31, 0xC0, 0xFF, 0xD0}},                               // xor eax, eax; call rax
		{"call-mem", []byte{0x31, 0xC0, 0x50, 0xFF, 0x14, 0x24}},               // xor eax, eax; push rax; call [rsp]
		{"ret", []byte{0x31, 0xC0, 0x50, 0xC3}},                                // xor eax, eax; push rax; ret
		{"loop", []byte{0xB9, 3, 0, 0, 0, 0xE2, 0xFE, 0x31, 0xC0, 0xFF, 0xE0}}, // mov ecx, 3; loop $; xor eax, eax; jmp rax
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newJITPair(t, 0)
			p.setup(tc.code, rand.New(rand.NewSource(1)), 0)
			var ex [2]Exit
			for i, e := range p.envs {
				ex[i] = e.c.Run(1000)
			}
			if ex[0].Reason != ex[1].Reason {
				t.Fatalf("exit %v (interp) vs %v (jit)", ex[0], ex[1])
			}
			p.compare(tc.name)
			if p.envs[1].c.jit.entries == 0 {
				t.Fatal("nothing ran translated")
			}
		})
	}
}
