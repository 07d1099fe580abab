//go:build linux && amd64

package cpu

import (
	"math/rand"
	"testing"

	"github.com/kppemu/kppemu/mmu"
)

// Helper exits: instructions the translator does not generate code for run through the
// interpreter in the middle of a translation, which goes on after them when nothing
// stands in the way (see helperExit and jitHelper).

// runBoth runs both machines of p with budget and checks that they stop alike and
// agree; it returns the translating machine's counters.
func runBoth(t *testing.T, p *jitPair, budget uint64, want ExitReason) JITStats {
	t.Helper()
	for i, e := range p.envs {
		if ex := e.c.Run(budget); ex.Reason != want {
			t.Fatalf("tier %d: %v, want %v", i, ex, want)
		}
	}
	p.compare("after the run")
	return p.envs[1].c.JITStats()
}

// TestJITHelperGoesOn: a loop with CPUID and RDTSC among other instructions stays in
// generated code: each helper exit (CPUID) goes on at the next instruction, and RDTSC
// (translated) reads the clock of its own instruction, after a helper exit too.
func TestJITHelperGoesOn(t *testing.T) {
	code := []byte{
		0x41, 0xBE, 0x64, 0, 0, 0, // mov r14d, 100
		0x48, 0x01, 0xC8, // L: add rax, rcx
		0x48, 0x31, 0xD3, // xor rbx, rdx
		0x48, 0xFF, 0xC6, // inc rsi
		0x48, 0x89, 0xF7, // mov rdi, rsi
		0xB8, 1, 0, 0, 0, // mov eax, 1 (leaf 1 is never cached for generated code)
		0x0F, 0xA2, // cpuid
		0x49, 0x01, 0xC5, // add r13, rax
		0x4C, 0x31, 0xC9, // xor rcx, r9
		0x48, 0xFF, 0xC7, // inc rdi
		0x48, 0x01, 0xF7, // add rdi, rsi
		0x0F, 0x31, // rdtsc
		0x49, 0x01, 0xC4, // add r12, rax
		0x48, 0x31, 0xD6, // xor rsi, rdx
		0x41, 0xFF, 0xCE, // dec r14d
		0x75, 0xD4, // jnz L
		0xF4, // hlt
	}
	p := newJITPair(t, 0)
	p.setup(code, rand.New(rand.NewSource(1)), 0)
	st := runBoth(t, p, 100000, ExitDeadHalt)
	if st.Helpers != 100 || st.Resumes != 100 || st.Entries > 10 {
		t.Fatalf("%d helper exits, %d went on, %d entries from Go: want 100, 100 and a few", st.Helpers, st.Resumes, st.Entries)
	}
}

// TestJITRDTSC: RDTSC in generated code reads the clock of its instruction wherever it
// sits (first, middle, after a helper exit, in a loop and in a block reached through a
// chain), with a TSC offset; with CR4.TSD at CPL 3 the interpreter raises the #GP.
func TestJITRDTSC(t *testing.T) {
	code := []byte{
		0x0F, 0x31, // rdtsc
		0x49, 0x89, 0xC0, // mov r8, rax
		0x41, 0xBE, 0x0A, 0, 0, 0, // mov r14d, 10
		0x48, 0x01, 0xC8, // L: add rax, rcx
		0x0F, 0x31, // rdtsc
		0x49, 0x01, 0xC1, // add r9, rax
		0x49, 0x01, 0xD2, // add r10, rdx
		0x0F, 0xA2, // cpuid
		0x48, 0xFF, 0xC6, // inc rsi
		0x0F, 0x31, // rdtsc
		0x49, 0x01, 0xC3, // add r11, rax
		0x48, 0xFF, 0xC7, // inc rdi
		0x41, 0xFF, 0xCE, // dec r14d
		0x75, 0xE3, // jnz L
		0x0F, 0x31, // rdtsc
		0xF4, // hlt
	}
	for _, tc := range []struct {
		name string
		cpl  uint8
		tsd  bool
	}{{"cpl0", 0, false}, {"cpl3", 3, false}, {"cpl0-tsd", 0, true}, {"cpl3-tsd", 3, true}} {
		t.Run(tc.name, func(t *testing.T) {
			p := newJITPair(t, tc.cpl)
			p.setup(code, rand.New(rand.NewSource(3)), 0)
			for _, e := range p.envs {
				s := e.c.Snapshot()
				s.TSCOffset = 0xFFFFFFF0_00000000 - 40 // the low half wraps during the run
				if tc.tsd {
					s.CR4 |= CR4TSD
				}
				e.c.Restore(s)
			}
			st := runBoth(t, p, 100000, ExitDeadHalt)
			if tc.cpl == 3 && tc.tsd {
				return // the first RDTSC raised the #GP (the states agree)
			}
			if st.Helpers != 10 || st.Ran < 100 {
				t.Fatalf("%d helper exits (want the 10 CPUIDs), %d instructions in generated code", st.Helpers, st.Ran)
			}
		})
	}
}

// TestJITHelperFlags: the flags of the instruction before a helper exit are the
// guest's when the helper looks at them (LAHF, CMC) or faults with them in its
// exception frame (MOV from CR8 at CPL 3), though a later instruction overwrites them.
func TestJITHelperFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		cpl  uint8
		help []byte
	}{
		{"lahf", 0, []byte{0x9F}},
		{"cmc", 0, []byte{0xF5}},
		{"mov-dr7", 0, []byte{0x0F, 0x21, 0xFA}},
		{"mov-cr8-gp", 3, []byte{0x44, 0x0F, 0x20, 0xC2}},
		{"in-gp", 3, []byte{0xE4, 0x80}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for seed := int64(0); seed < 20; seed++ {
				code := []byte{
					0x48, 0x01, 0xC8, // add rax, rcx
					0x48, 0x31, 0xF7, // xor rdi, rsi
					0x48, 0x01, 0xCE, // add rsi, rcx
					0x48, 0x09, 0xCF, // or rdi, rcx
				}
				code = append(code, tc.help...)
				code = append(code,
					0x48, 0x29, 0xF3, // sub rbx, rsi
					0x48, 0x89, 0xE2, // mov rdx, rsp
					0x48, 0x31, 0xF3, // xor rbx, rsi
					0x48, 0x01, 0xD8, // add rax, rbx
					0xF4) // hlt
				p := newJITPair(t, tc.cpl)
				r := rand.New(rand.NewSource(seed))
				p.setup(code, r, r.Uint64())
				st := runBoth(t, p, 1000, ExitDeadHalt)
				if st.Helpers == 0 {
					t.Fatal("no helper exit")
				}
			}
		})
	}
}

// TestJITHelperStops: a helper exit that must not go on returns to the run loop, which
// goes on exactly as the interpreter does: a repeated string instruction with elements
// left (32-bit addresses: not translated), an instruction that writes the code of its
// own block (FNSTCW over the immediate of a later MOV), and OUT to a device port, which
// ends the slice.
func TestJITHelperStops(t *testing.T) {
	pre := []byte{
		0x48, 0x01, 0xC8, // add rax, rcx
		0x48, 0x31, 0xF7, // xor rdi, rsi
		0x48, 0x01, 0xCE, // add rsi, rcx
		0x48, 0x09, 0xCF, // or rdi, rcx
	}
	post := []byte{
		0x48, 0x29, 0xF3, // sub rbx, rsi
		0xB8, 0x11, 0x22, 0x33, 0x44, // mov eax, 0x44332211 (its immediate: post+6)
		0x48, 0x31, 0xF3, // xor rbx, rsi
		0x48, 0x01, 0xD8, // add rax, rbx
		0xF4, // hlt
	}
	for _, tc := range []struct {
		name             string
		help             []byte
		setup            func(e *testEnv)
		helpers, resumes uint64 // after the first run
	}{
		{"rep-stosb-a32", []byte{0x67, 0xF3, 0xAA}, func(e *testEnv) {
			e.c.GPR[RCX] = 5000
			e.c.GPR[RDI] = tData - 4096
		}, 5, 1}, // four executions of 1024 bytes end in place, the fifth goes on
		{"rep-stosb-a32-empty", []byte{0x67, 0xF3, 0xAA}, func(e *testEnv) { e.c.GPR[RCX] = 0 }, 1, 1},
		{"fnstcw-own-code", []byte{0xD9, 0x3D, 0, 0, 0, 0}, nil, 1, 0},
		{"fnstcw-data", []byte{0x41, 0xD9, 0xBF, 0x10, 0, 0, 0}, nil, 1, 1},
		{"out", []byte{0xE6, 0x80}, nil, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code := append(append([]byte{}, pre...), tc.help...)
			if tc.name == "fnstcw-own-code" {
				// [rip+disp32] at the immediate of the MOV after the helper.
				disp := uint32(len(post[:6]))
				code[len(code)-4] = byte(disp)
			}
			code = append(code, post...)
			p := newJITPair(t, 0)
			p.setup(code, rand.New(rand.NewSource(7)), 0)
			for _, e := range p.envs {
				if tc.setup != nil {
					tc.setup(e)
				}
				e.c.GPR[R15] = tData
			}
			want := ExitDeadHalt
			budget := uint64(100000)
			if tc.name == "out" {
				want, budget = ExitBudget, 1000 // the OUT ends the slice
			}
			st := runBoth(t, p, budget, want)
			if st.Helpers != tc.helpers || st.Resumes != tc.resumes {
				t.Fatalf("%d helper exits, %d went on: want %d, %d", st.Helpers, st.Resumes, tc.helpers, tc.resumes)
			}
			if tc.name == "out" {
				st = runBoth(t, p, 1000, ExitDeadHalt)
			}
			if tc.name == "fnstcw-own-code" {
				// The MOV's immediate was rewritten in both (the registers agree).
				at := uint64(tCode + len(code) - len(post) + 6)
				for i, e := range p.envs {
					var b [2]byte
					e.m.ReadPhys(mmu.PAddr(at), b[:])
					if b == [2]byte{0x33, 0x44} {
						t.Fatalf("tier %d: the code was not written", i)
					}
				}
			}
		})
	}
}
