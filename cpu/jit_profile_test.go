//go:build linux && amd64

package cpu

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"
)

// TestJITProfile: a loop whose block has a helper exit at CPUID runs with a profile
// installed exactly as without one, and the profile puts every CPUID on the helper
// exits (the first runs on the staged block) and what ran in generated code outside it.
func TestJITProfile(t *testing.T) {
	code := []byte{
		0x41, 0xBE, 0x64, 0, 0, 0, // mov r14d, 100
		0x48, 0x01, 0xC8, // L: add rax, rcx
		0x48, 0x31, 0xD3, // xor rbx, rdx
		0x48, 0xFF, 0xC6, // inc rsi
		0x48, 0x89, 0xF7, // mov rdi, rsi
		0xB8, 1, 0, 0, 0, // mov eax, 1 (leaf 1 is never cached for generated code)
		0x0F, 0xA2, // cpuid
		0x41, 0xFF, 0xCE, // dec r14d
		0x75, 0xE3, // jnz L
		0xF4, // hlt
	}
	p := newJITPair(t, 0)
	p.setup(code, rand.New(rand.NewSource(1)), 0)
	prof := NewJITProfile()
	p.envs[1].c.SetJITProfile(prof)
	p.envs[1].c.jit.eager = false
	for i, e := range p.envs {
		if ex := e.c.Run(100000); ex.Reason != ExitDeadHalt {
			t.Fatalf("tier %d: %v", i, ex)
		}
	}
	p.compare("after the loop")
	e := prof.ByOp["CPUID"]
	// The first runs of the loop's blocks are interpreted while their translations are
	// staged.
	if e == nil || e[MissHelper]+e[MissStaged] != 100 || e[MissHelper] < 95 {
		t.Fatalf("CPUID: %v, want 100 helper exits or staged", e)
	}
	c := p.envs[1].c
	if st := c.JITStats(); st.Ran+prof.Total() > c.Instret || st.Ran < 500 {
		t.Fatalf("generated code ran %d, profile %d, of %d instructions", st.Ran, prof.Total(), c.Instret)
	}
	var b bytes.Buffer
	prof.Write(&b, c.Instret, 3)
	if !strings.Contains(b.String(), "CPUID") || !strings.Contains(b.String(), "helper 9") {
		t.Fatalf("report:\n%s", b.String())
	}
}
