//go:build linux && amd64

package cpu

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand"
	"testing"
)

// The flag instructions with privilege rules (PUSHF, POPF, CLI, STI), SWAPGS, PAUSE and
// PUSH m64 in both tiers:
// random loops of them among flag-setting instructions, popping values that change IF,
// DF, TF, AC and IOPL, at CPL 0 and 3 with IOPL 0 or 3, while the INTR line goes up
// and down between runs, so that interrupts become deliverable at POPF and STI (with
// its shadow) and are taken by a handler that counts them. Both tiers must agree after
// every run, interrupt acknowledgements included.

// sysGen writes the programs.
type sysGen struct {
	r   *rand.Rand
	out []byte
}

func (g *sysGen) emit(b ...byte) { g.out = append(g.out, b...) }

// flagsValue is a value for POPF: random arithmetic flags, and now and then IF, DF, TF,
// AC, IOPL, NT or ID.
func (g *sysGen) flagsValue() uint32 {
	v := uint32(g.r.Intn(1<<12)) & uint32(flagsArith)
	for _, f := range []uint32{FlagIF, FlagDF, FlagNT, FlagID} {
		if g.r.Intn(3) == 0 {
			v |= f
		}
	}
	if g.r.Intn(2) == 0 {
		v |= FlagIF
	}
	if g.r.Intn(12) == 0 {
		v |= FlagTF
	}
	if g.r.Intn(8) == 0 {
		v |= FlagAC
	}
	if g.r.Intn(6) == 0 {
		v |= uint32(g.r.Intn(4)) << 12
	}
	return v
}

func (g *sysGen) insn() {
	switch g.r.Intn(15) {
	case 12: // swapgs; mov rax, gs:[0x10]; swapgs
		g.emit(0x0F, 0x01, 0xF8, 0x65, 0x48, 0x8B, 0x04, 0x25, 0x10, 0, 0, 0, 0x0F, 0x01, 0xF8)
	case 13: // pause
		g.emit(0xF3, 0x90)
	case 14: // push qword [r15+disp8]; pop rdx (across the data page's end now and then)
		g.emit(0x41, 0xFF, 0x77, []byte{0x08, 0x40, 0xFC, 0xF9}[g.r.Intn(4)], 0x5A)
	case 0: // pushfq; popfq
		g.emit(0x9C, 0x9D)
	case 1:
		g.emit(0xFA) // cli
	case 2:
		g.emit(0xFB) // sti
	case 3: // pushfq; cli; add rax, rcx; popfq
		g.emit(0x9C, 0xFA, 0x48, 0x01, 0xC8, 0x9D)
	case 4: // push imm32; popfq
		v := g.flagsValue()
		g.emit(0x68)
		g.out = binary.LittleEndian.AppendUint32(g.out, v)
		g.emit(0x9D)
	case 5: // add/sub/cmp/adc rax, rcx (flags)
		g.emit(0x48, []byte{0x01, 0x29, 0x39, 0x11}[g.r.Intn(4)], 0xC8)
	case 6: // and/or/xor: AF is the interpreter's 0; then pushfq; pop rdx
		g.emit(0x48, []byte{0x21, 0x09, 0x31}[g.r.Intn(3)], 0xC8, 0x9C, 0x5A)
	case 7: // pushfq; pop rdx (whatever the flags are)
		g.emit(0x9C, 0x5A)
	case 8: // sti; nop (the shadow), or sti; cli (an empty window)
		g.emit(0xFB, []byte{0x90, 0xFA}[g.r.Intn(2)])
	case 9: // pushfq; or qword [rsp], TF / IF / DF / AC; popfq
		g.emit(0x9C, 0x48, 0x81, 0x0C, 0x24)
		g.out = binary.LittleEndian.AppendUint32(g.out, []uint32{FlagTF, FlagIF, FlagDF, FlagAC}[g.r.Intn(4)])
		g.emit(0x9D)
	case 10: // pushfq; and qword [rsp], ~IF; popfq
		g.emit(0x9C, 0x48, 0x81, 0x24, 0x24)
		g.out = binary.LittleEndian.AppendUint32(g.out, ^uint32(FlagIF))
		g.emit(0x9D)
	default: // inc rcx; dec rax
		g.emit(0x48, 0xFF, 0xC1, 0x48, 0xFF, 0xC8)
	}
}

// program writes a few counted loops (R14) of random instructions, then HLT.
func (g *sysGen) program() {
	for k := 0; k < 3; k++ {
		g.emit(0x41, 0xBE, byte(1+g.r.Intn(30)), 0, 0, 0) // mov r14d, n
		top := len(g.out)
		for i := 0; i < 2+g.r.Intn(10); i++ {
			g.insn()
		}
		g.emit(0x41, 0xFF, 0xCE) // dec r14d
		d := int32(top - (len(g.out) + 6))
		g.emit(0x0F, 0x85)
		g.out = binary.LittleEndian.AppendUint32(g.out, uint32(d))
	}
	g.emit(0xF4)
}

// sysHandler is the interrupt handler: inc qword [tData+0x800]; iretq.
var sysHandler = []byte{0x48, 0xFF, 0x04, 0x25, 0x00, 0x08, 0x20, 0x00, 0x48, 0xCF}

func TestJITFlagInstructions(t *testing.T) {
	seeds := 200
	if testing.Short() {
		seeds = 40
	}
	var ran uint64
	for seed := 0; seed < seeds; seed++ {
		r := rand.New(rand.NewSource(int64(seed)))
		g := &sysGen{r: r}
		g.program()
		cpl := uint8(3 * (seed % 2))
		p := newJITPair(t, cpl)
		p.envs[1].c.jit.eager = seed%3 != 0 // most run translations at once, the others batched
		flags := uint64(r.Intn(1<<12)) & flagsArith
		if r.Intn(2) == 0 {
			flags |= FlagIF
		}
		if seed%4 >= 2 {
			flags |= FlagIOPL
		}
		p.setup(g.out, r, flags)
		for _, e := range p.envs {
			e.load(tCode+0x2000, sysHandler)
			e.setGate(0x20, tCode+0x2000, sysIntGate, 0, 0)
			s := e.c.Snapshot()
			s.RFLAGS = flagRsv1 | flags
			s.KernelGSBase = tData
			e.c.Restore(s)
		}
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			p.t = t
			p.runINTR(r, 3000, 60)
		})
		ran += p.envs[1].c.jit.ran
		if t.Failed() {
			t.Logf("code: % x", g.out)
			break
		}
	}
	if ran == 0 {
		t.Fatal("nothing ran translated")
	}
}

// TestJITFlagInstructionsTranslated: a loop of PUSHF, CLI, POPF and STI at CPL 0 runs in
// generated code (the block does not stop at them) and ends like the interpreter.
func TestJITFlagInstructionsTranslated(t *testing.T) {
	code := []byte{
		0x41, 0xBE, 0xE8, 0x03, 0, 0, // mov r14d, 1000
		0x9C,             // L: pushfq
		0xFA,             // cli
		0x48, 0x01, 0xC8, // add rax, rcx
		0x9D,       // popfq
		0xFA,       // cli
		0xFB,       // sti (IF was 1 before the cli: a shadow, the block ends)
		0x9C, 0x5A, // pushfq; pop rdx
		0x41, 0xFF, 0xCE, // dec r14d
		0x75, 0xF1, // jnz L
		0xFA, 0xF4, // cli; hlt
	}
	p := newJITPair(t, 0)
	p.setup(code, rand.New(rand.NewSource(1)), FlagIF)
	for i, e := range p.envs {
		s := e.c.Snapshot()
		s.RFLAGS = flagRsv1 | FlagIF
		e.c.Restore(s)
		if ex := e.c.Run(100000); ex.Reason != ExitDeadHalt {
			t.Fatalf("tier %d: %v", i, ex)
		}
	}
	p.compare("after the loop")
	st := p.envs[1].c.JITStats()
	if st.Ran < 6000 || st.SlowExits > 10 {
		t.Fatalf("generated code ran %d instructions, %d exits to the interpreter", st.Ran, st.SlowExits)
	}
}

// TestJITSyscallEntryTranslated: the system-call entry and exit sequence (SWAPGS, stack
// switch through GS, PUSH m64, STI/CLI, POPs, SWAPGS) runs in generated code and ends
// like the interpreter.
func TestJITSyscallEntryTranslated(t *testing.T) {
	code := []byte{
		0x41, 0xBE, 0xE8, 0x03, 0, 0, // mov r14d, 1000
		0x0F, 0x01, 0xF8, // L: swapgs
		0x65, 0x48, 0x89, 0x24, 0x25, 0x10, 0, 0, 0, // mov gs:[0x10], rsp
		0x65, 0x48, 0x8B, 0x24, 0x25, 0x08, 0, 0, 0, // mov rsp, gs:[0x8]
		0x65, 0xFF, 0x34, 0x25, 0x10, 0, 0, 0, // push qword gs:[0x10]
		0x51,       // push rcx
		0x41, 0x53, // push r11
		0x55,       // push rbp
		0xF3, 0x90, // pause
		0x48, 0x01, 0xC8, // add rax, rcx
		0x5D,       // pop rbp
		0x41, 0x5B, // pop r11
		0x59,             // pop rcx
		0x5C,             // pop rsp
		0x0F, 0x01, 0xF8, // swapgs
		0x41, 0xFF, 0xCE, // dec r14d
		0x75, 0xCD, // jnz L
		0xF4, // hlt
	}
	p := newJITPair(t, 0)
	p.setup(code, rand.New(rand.NewSource(1)), 0)
	for i, e := range p.envs {
		s := e.c.Snapshot()
		s.KernelGSBase = tData
		e.c.Restore(s)
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], tKStack-0x100)
		e.load(tData+8, b[:])
		if ex := e.c.Run(100000); ex.Reason != ExitDeadHalt {
			t.Fatalf("tier %d: %v", i, ex)
		}
	}
	p.compare("after the loop")
	st := p.envs[1].c.JITStats()
	if st.Ran < 15000 || st.SlowExits > 10 {
		t.Fatalf("generated code ran %d instructions, %d exits to the interpreter", st.Ran, st.SlowExits)
	}
}

// TestJITStrings: MOVS and STOS of every size, with and without REP (F3 or F2), with
// DF 0 or 1, counts around the 1024-element execution, ranges that cross pages, overlap
// (forward and backward), run into a page that is not present, or rewrite the code
// ahead of them, in both tiers; compared after runs of random budgets, ending inside
// REP executions.
func TestJITStrings(t *testing.T) {
	seeds := 150
	if testing.Short() {
		seeds = 30
	}
	const absent = tData + 0x4000 // not present in some seeds
	var ran uint64
	for seed := 0; seed < seeds; seed++ {
		r := rand.New(rand.NewSource(int64(seed)))
		var code []byte
		emit := func(b ...byte) { code = append(code, b...) }
		mov64 := func(reg byte, v uint64) { // mov r64, imm64 (RAX..RDI)
			emit(0x48, 0xB8|reg)
			code = binary.LittleEndian.AppendUint64(code, v)
		}
		emit(0x41, 0xBE, byte(1+r.Intn(4)), 0, 0, 0) // mov r14d, n
		top := len(code)
		for i := 0; i < 2+r.Intn(5); i++ {
			base := uint64(tData - 0x1000)
			near := func() uint64 { // near a page's end now and then
				if r.Intn(3) == 0 {
					return base + uint64(r.Intn(5))<<12 + 0x1000 - uint64(r.Intn(64))
				}
				return base + uint64(r.Intn(0x5000))
			}
			dst, src := near(), near()
			if r.Intn(3) == 0 {
				src = dst + uint64(r.Intn(24)) - 12 // overlapping
			}
			mov64(7, dst) // rdi
			mov64(6, src) // rsi
			n := uint64(r.Intn(40))
			switch r.Intn(3) {
			case 0:
				n = uint64(1000 + r.Intn(1100)) // more than one execution
			case 1:
				n = uint64(r.Intn(300))
			}
			mov64(1, n) // rcx
			if r.Intn(5) == 0 {
				emit(0xFD) // std
			}
			switch r.Intn(4) {
			case 0:
				emit(0xF3)
			case 1:
				emit(0xF2)
			case 2:
				emit(0xF3)
			}
			size := r.Intn(4)
			switch size {
			case 1:
				emit(0x66)
			case 3:
				emit(0x48)
			}
			op := []byte{0xA4, 0xAA}[r.Intn(2)]
			if size > 0 {
				op++
			}
			emit(op, 0xFC) // movs/stos; cld
		}
		if r.Intn(4) == 0 {
			// rep stosb of NOPs over the code ahead: lea rdi, [rip+3]; mov ecx, 3; mov al, 0x90;
			// rep stosb; then three bytes that become NOPs (inc r14d would loop forever).
			emit(0x48, 0x8D, 0x3D, 9, 0, 0, 0, 0xB9, 3, 0, 0, 0, 0xB0, 0x90, 0xF3, 0xAA, 0x41, 0xFF, 0xC6)
		}
		emit(0x41, 0xFF, 0xCE) // dec r14d
		d := int32(top - (len(code) + 6))
		emit(0x0F, 0x85)
		code = binary.LittleEndian.AppendUint32(code, uint32(d))
		emit(0xF4)
		p := newJITPair(t, uint8(3*(seed%2)))
		p.envs[1].c.jit.eager = seed%5 != 0
		p.setup(code, r, 0)
		big := make([]byte, 0x6000)
		r.Read(big)
		for _, e := range p.envs {
			e.load(tData-0x1000, big)
			if seed%4 == 1 {
				e.poke64(pte(absent), e.read64(pte(absent))&^1)
			}
			// Linear tData+0x2000 and tData+0x3000 trade physical pages: a run that
			// crosses into either does not continue in the next physical page.
			v2, v3 := e.read64(pte(tData+0x2000)), e.read64(pte(tData+0x3000))
			e.poke64(pte(tData+0x2000), v3)
			e.poke64(pte(tData+0x3000), v2)
		}
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			p.t = t
			for total := 0; total < 400; {
				budget := uint64(1 + r.Intn(20))
				var ex [2]Exit
				for i, e := range p.envs {
					ex[i] = e.c.Run(budget)
				}
				if ex[0].Reason != ex[1].Reason {
					t.Fatalf("exit %v (interp) vs %v (jit)", ex[0], ex[1])
				}
				p.compare(fmt.Sprintf("after %d+%d instructions", total, budget))
				a, b := make([]byte, 0x8000), make([]byte, 0x8000)
				p.envs[0].m.ReadPhys(tData-0x2000, a)
				p.envs[1].m.ReadPhys(tData-0x2000, b)
				if !bytes.Equal(a, b) {
					t.Fatalf("after %d+%d instructions: data differs", total, budget)
				}
				a, b = make([]byte, 0x1000), make([]byte, 0x1000)
				p.envs[0].m.ReadPhys(tCode, a)
				p.envs[1].m.ReadPhys(tCode, b)
				if !bytes.Equal(a, b) {
					t.Fatalf("after %d+%d instructions: code differs", total, budget)
				}
				total += int(budget)
				if ex[0].Reason != ExitBudget {
					break
				}
			}
		})
		ran += p.envs[1].c.jit.ran
		if t.Failed() {
			t.Logf("code: % x", code)
			break
		}
	}
	if ran == 0 {
		t.Fatal("nothing ran translated")
	}
}

// runINTR runs both machines through random budgets of 1 to maxBudget instructions,
// about total in all, with the INTR line up or down (at random) before each run,
// comparing them after every run, interrupt acknowledgements included. It stops when a
// run ends otherwise than by its budget with the line down.
func (p *jitPair) runINTR(r *rand.Rand, total, maxBudget int) {
	p.t.Helper()
	for done := 0; done < total; {
		line := r.Intn(4) == 0
		budget := uint64(1 + r.Intn(maxBudget))
		var ex [2]Exit
		for i, e := range p.envs {
			e.c.SetINTR(line)
			ex[i] = e.c.Run(budget)
		}
		if ex[0].Reason != ex[1].Reason {
			p.t.Fatalf("exit %v (interp) vs %v (jit)", ex[0], ex[1])
		}
		p.compare(fmt.Sprintf("after %d+%d instructions (INTR %v)", done, budget, line))
		if a, b := p.envs[0].intr.acks, p.envs[1].intr.acks; a != b {
			p.t.Fatalf("interrupts acknowledged: interp %d jit %d", a, b)
		}
		done += int(budget)
		if ex[0].Reason != ExitBudget && !line {
			break
		}
	}
}
