//go:build linux && amd64

package cpu

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"testing"
)

// SYSCALL and SYSRET in both tiers: ring-3 loops of system calls into a ring-0 entry
// that does some work, now and then changes the return RFLAGS (TF, AC, IF) or the return
// address (non-canonical: #GP at CPL 0), turns interrupts on and off, and returns with
// SYSRETQ (or, rarely, the 32-bit SYSRET, into compatibility mode). Each program runs
// with its own FMASK, STAR and IOPL, sometimes with EFER.SCE clear (#UD), while the
// INTR line goes up and down between runs; an interrupt handler counts what it takes.
// Both tiers must agree after every run, interrupt acknowledgements included.

const (
	sysEntry = tCode + 0x800
	sysSuper = tData + 0x3000 // a supervisor-only page
)

// syscallGen writes the ring-3 program and the ring-0 entry.
type syscallGen struct {
	r     *rand.Rand
	user  []byte
	entry []byte
}

// work is a few instructions that set flags and registers (never RCX, R11 or R14).
func (g *syscallGen) work(out *[]byte) {
	for i := g.r.Intn(4); i >= 0; i-- {
		switch g.r.Intn(7) {
		case 0:
			*out = append(*out, 0x48, 0x01, 0xD0) // add rax, rdx
		case 1:
			*out = append(*out, 0x48, 0xFF, 0xC3) // inc rbx
		case 2:
			*out = append(*out, 0x48, 0x31, 0xF7) // xor rdi, rsi
		case 3:
			*out = append(*out, 0x48, 0xFF, 0x04, 0x25, 0x10, 0x08, 0x20, 0x00) // inc qword [tData+0x810]
		case 4:
			*out = append(*out, 0x48, 0xFF, 0x04, 0x25, 0x13, 0x08, 0x20, 0x00) // inc qword [tData+0x813]: #AC with AC and CR0.AM at CPL 3
		case 5:
			// On the loop's last round: mov rax, [sysSuper] (a supervisor page: #PF at CPL 3)
			*out = append(*out, 0x41, 0x83, 0xFE, 0x01, 0x75, 0x08) // cmp r14d, 1; jne +8
			*out = append(*out, 0x48, 0x8B, 0x04, 0x25)
			*out = binary.LittleEndian.AppendUint32(*out, sysSuper)
		default:
			*out = append(*out, 0x48, 0x83, 0xEA, 0x07) // sub rdx, 7
		}
	}
}

func (g *syscallGen) program(iopl3 bool, variant int) {
	u := &g.user
	*u = append(*u, 0x41, 0xBE, byte(1+g.r.Intn(40)), 0, 0, 0) // mov r14d, n
	top := len(*u)
	g.work(u)
	switch g.r.Intn(8) {
	case 0:
		if iopl3 {
			*u = append(*u, 0xFB) // sti (IF may be 0 after the entry's cli): syscall in its shadow
		}
	case 1:
		if iopl3 {
			*u = append(*u, 0xFA) // cli
		}
	case 2:
		if g.r.Intn(4) == 0 {
			*u = append(*u, 0x48, 0x0F, 0x07) // sysretq at CPL 3: #GP
		}
	}
	*u = append(*u, 0x0F, 0x05) // syscall
	// Right after the return: a misaligned write (#AC when SYSRET set AC with CR0.AM)
	// and, on the loop's last round, a read of the supervisor page (#PF).
	// (Straight-line code, so that the read runs in the block SYSRETQ goes on to.)
	*u = append(*u, 0x48, 0xFF, 0x04, 0x25, 0x13, 0x08, 0x20, 0x00) // inc qword [tData+0x813]
	*u = append(*u, 0xBE)                                           // mov esi, tData
	*u = binary.LittleEndian.AppendUint32(*u, tData)
	*u = append(*u, 0xBF) // mov edi, sysSuper
	*u = binary.LittleEndian.AppendUint32(*u, sysSuper)
	*u = append(*u, 0x41, 0x83, 0xFE, 0x01) // cmp r14d, 1
	*u = append(*u, 0x0F, 0x44, 0xF7)       // cmove esi, edi
	*u = append(*u, 0x48, 0x8B, 0x36)       // mov rsi, [rsi]
	g.work(u)
	*u = append(*u, 0x41, 0xFF, 0xCE) // dec r14d
	d := int32(top - (len(*u) + 6))
	*u = append(*u, 0x0F, 0x85)
	*u = binary.LittleEndian.AppendUint32(*u, uint32(d))
	*u = append(*u, 0xF4) // hlt: #GP at CPL 3, whose stub halts

	e := &g.entry
	g.work(e)
	// The changes of the return state that the translation leaves to the interpreter
	// come on the loop's second-to-last round only, when the code they return to has
	// run (and is reached from the entry through the jump cache) a few times.
	late := func() { *e = append(*e, 0x41, 0x83, 0xFE, 0x02, 0x75, 0x07) } // cmp r14d, 2; jne +7
	switch variant {
	case 0:
		late()
		*e = append(*e, 0x49, 0x81, 0xCB, 0x00, 0x01, 0x00, 0x00) // or r11, TF
	case 1:
		late()
		*e = append(*e, 0x49, 0x81, 0xCB, 0x00, 0x00, 0x04, 0x00) // or r11, AC
	case 2, 3:
		*e = append(*e, 0x49, 0x81, 0xCB, 0x00, 0x02, 0x00, 0x00) // or r11, IF
	case 4:
		*e = append(*e, 0x49, 0x81, 0xE3, 0xFF, 0xFD, 0xFF, 0xFF) // and r11, ~IF
	case 5:
		*e = append(*e, 0x41, 0x83, 0xFE, 0x02, 0x75, 0x05) // cmp r14d, 2; jne +5
		*e = append(*e, 0x48, 0x0F, 0xBA, 0xE9, 0x2F)       // bts rcx, 47 (non-canonical)
	case 6:
		*e = append(*e, 0xFB) // sti
		g.work(e)
		*e = append(*e, 0xFA) // cli
	case 7:
		*e = append(*e, 0xFB, 0x90, 0xFA) // sti; nop; cli (the window is the shadow)
	case 8:
		*e = append(*e, 0x49, 0x81, 0xCB, 0x00, 0x40, 0x2B, 0x00) // or r11, NT|RF|VM|VIF|ID
	}
	// The entry reads the supervisor page (its translation is in the TLB when SYSRETQ
	// returns to code that may read it).
	*e = append(*e, 0x48, 0x8B, 0x3C, 0x25)
	*e = binary.LittleEndian.AppendUint32(*e, sysSuper)
	g.work(e)
	if g.r.Intn(20) == 0 {
		*e = append(*e, 0x0F, 0x07) // sysret (32-bit: to compatibility mode)
	} else {
		*e = append(*e, 0x48, 0x0F, 0x07) // sysretq
	}
}

func TestJITSyscallSysret(t *testing.T) {
	seeds := 120
	if testing.Short() {
		seeds = 30
	}
	var ran, translated uint64
	for seed := 0; seed < seeds; seed++ {
		r := rand.New(rand.NewSource(int64(seed)))
		iopl3 := seed%3 == 0
		g := &syscallGen{r: r}
		g.program(iopl3, seed%10)
		p := newJITPair(t, 3)
		p.envs[1].c.jit.eager = seed%2 == 0
		flags := uint64(r.Intn(1<<12))&flagsArith | FlagIF
		if iopl3 {
			flags |= FlagIOPL
		}
		fmask := uint64(0)
		for _, f := range []uint64{FlagIF, FlagTF, FlagDF, FlagAC, FlagCF | FlagZF, FlagIOPL} {
			if r.Intn(2) == 0 {
				fmask |= f
			}
		}
		star := uint64(selUCode32)<<48 | uint64(selKCode64)<<32
		if seed%7 == 3 {
			star = uint64(0x1234)<<48 | uint64(0xFFFB)<<32 // odd selectors (the RPL bits, wrapping)
		}
		p.setup(g.user, r, flags)
		rbx := uint64(r.Intn(8))
		for _, e := range p.envs {
			e.poke64(pte(sysSuper), e.read64(pte(sysSuper))&^4)
			e.load(sysEntry, g.entry)
			e.load(tCode+0x2000, sysHandler)
			e.setGate(0x20, tCode+0x2000, sysIntGate, 0, 0)
			s := e.c.Snapshot()
			s.RFLAGS = flagRsv1 | flags
			s.STAR, s.LSTAR, s.FMASK = star, sysEntry, fmask
			if seed%11 == 5 {
				s.EFER &^= EFERSCE
			}
			if seed%4 == 1 {
				s.CR0 |= CR0AM
			}
			s.GPR[RBX] = rbx
			e.c.Restore(s)
		}
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			p.t = t
			p.runINTR(r, 4000, 80)
		})
		ran += p.envs[1].c.jit.ran
		translated += p.envs[1].c.jit.translated
		if t.Failed() {
			t.Logf("user: % x\nentry: % x", g.user, g.entry)
			break
		}
	}
	if ran == 0 || translated == 0 {
		t.Fatal("nothing ran translated")
	}
}

// TestJITSyscallStaysInGeneratedCode: a ring-3 loop of system calls into an entry that
// turns interrupts on and off (an STI with its shadow) and returns with SYSRETQ runs in
// generated code, entered from Go a handful of times, and ends like the interpreter.
func TestJITSyscallStaysInGeneratedCode(t *testing.T) {
	user := []byte{
		0x41, 0xBE, 0xE8, 0x03, 0, 0, // mov r14d, 1000
		0x48, 0xFF, 0xC0, // L: inc rax
		0x0F, 0x05, // syscall
		0x48, 0x01, 0xC2, // add rdx, rax
		0x41, 0xFF, 0xCE, // dec r14d
		0x75, 0xF3, // jnz L
		0xF4, // hlt (#GP at CPL 3)
	}
	entry := []byte{
		0x48, 0xFF, 0xC3, // inc rbx
		0xFB,             // sti
		0x48, 0x89, 0xDE, // mov rsi, rbx (in the shadow)
		0x48, 0x01, 0xF7, // add rdi, rsi
		0xFA,             // cli
		0x48, 0x0F, 0x07, // sysretq
	}
	p := newJITPair(t, 3)
	p.setup(user, rand.New(rand.NewSource(1)), FlagIF)
	for _, e := range p.envs {
		e.load(sysEntry, entry)
		s := e.c.Snapshot()
		s.RFLAGS = flagRsv1 | FlagIF
		s.STAR, s.LSTAR, s.FMASK = uint64(selUCode32)<<48|uint64(selKCode64)<<32, sysEntry, FlagIF|FlagDF|FlagTF|FlagAC
		e.c.Restore(s)
		if ex := e.c.Run(100000); ex.Reason != ExitHalt && ex.Reason != ExitDeadHalt {
			t.Fatalf("%v", ex)
		}
		if v := e.vector(); v != VecGP {
			t.Fatalf("vector %d, want #GP", v)
		}
	}
	p.compare("after the loop")
	st := p.envs[1].c.JITStats()
	if st.Ran < 9000 || st.Entries > 50 {
		t.Fatalf("generated code ran %d instructions in %d entries from Go", st.Ran, st.Entries)
	}
}
