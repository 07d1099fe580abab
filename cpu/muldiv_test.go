package cpu

import "testing"

func TestDivideErrors(t *testing.T) {
	for _, tc := range []struct {
		name          string
		rax, rdx, rcx uint64
		code          []byte
	}{
		{"div r64 by zero", 1, 0, 0, []byte{0x48, 0xF7, 0xF1}},
		{"div r64 quotient overflow", 0, 5, 5, []byte{0x48, 0xF7, 0xF1}},
		{"div r32 quotient overflow", 0, 1, 1, []byte{0xF7, 0xF1}},
		{"div r8 quotient overflow", 0x100, 0, 1, []byte{0xF6, 0xF1}},
		{"idiv r64 min/-1", 1 << 63, ^uint64(0), ^uint64(0), []byte{0x48, 0xF7, 0xF9}},
		{"idiv r32 min/-1", 0x80000000, 0xFFFFFFFF, 0xFFFFFFFF, []byte{0xF7, 0xF9}},
		{"idiv r16 min/-1", 0x8000, 0xFFFF, 0xFFFF, []byte{0x66, 0xF7, 0xF9}},
		{"idiv r8 min/-1", 0xFF80, 0, 0xFF, []byte{0xF6, 0xF9}},
		{"idiv r64 positive overflow", 0, 1, 1, []byte{0x48, 0xF7, 0xF9}},
		{"idiv r64 by zero", 5, 0, 0, []byte{0x48, 0xF7, 0xF9}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := runFault(t, func(c *CPU) {
				c.GPR[RAX], c.GPR[RDX], c.GPR[RCX] = tc.rax, tc.rdx, tc.rcx
			}, VecDE, 0, tc.code...)
			if e.c.GPR[RAX] != tc.rax || e.c.GPR[RDX] != tc.rdx {
				t.Fatalf("registers changed: rax %#x rdx %#x", e.c.GPR[RAX], e.c.GPR[RDX])
			}
		})
	}
}

func TestDivide(t *testing.T) {
	for _, tc := range []struct {
		name             string
		rax, rdx, rcx    uint64
		code             []byte
		wantRAX, wantRDX uint64
	}{
		// idiv: quotient truncates toward zero, remainder takes the dividend's sign.
		{"idiv r64 -7/2", uint64(0xFFFFFFFFFFFFFFF9), ^uint64(0), 2, []byte{0x48, 0xF7, 0xF9}, uint64(0xFFFFFFFFFFFFFFFD), ^uint64(0)},
		{"idiv r64 7/-2", 7, 0, uint64(0xFFFFFFFFFFFFFFFE), []byte{0x48, 0xF7, 0xF9}, uint64(0xFFFFFFFFFFFFFFFD), 1},
		{"idiv r64 min/1", 1 << 63, ^uint64(0), 1, []byte{0x48, 0xF7, 0xF9}, 1 << 63, 0},
		{"idiv r64 128-bit", 0, 0xFFFFFFFFFFFFFFFF, 1 << 62, []byte{0x48, 0xF7, 0xF9}, uint64(0xFFFFFFFFFFFFFFFC), 0},
		{"div r64 128-bit", 0x10, 3, 4, []byte{0x48, 0xF7, 0xF1}, 0xC000000000000004, 0},
		{"div r32 zero-extends", 0xAAAA_0000_0000_0007, 0xBBBB_0000_0000_0000, 2, []byte{0xF7, 0xF1}, 3, 1},
		{"div r8 into AH:AL", 0x1234_0107, 0x55, 0x10, []byte{0xF6, 0xF1}, 0x1234_0710, 0x55},
		{"idiv r8 -128/2", 0xFF80, 0, 2, []byte{0xF6, 0xF9}, 0x00C0, 0},
		{"idiv r16", 0xFFF9, 0xFFFF, 2, []byte{0x66, 0xF7, 0xF9}, 0xFFFD, 0xFFFF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := runInt(t, func(c *CPU) { c.GPR[RAX], c.GPR[RDX], c.GPR[RCX] = tc.rax, tc.rdx, tc.rcx }, tc.code...)
			if e.c.GPR[RAX] != tc.wantRAX || e.c.GPR[RDX] != tc.wantRDX {
				t.Fatalf("rax %#x rdx %#x, want %#x %#x", e.c.GPR[RAX], e.c.GPR[RDX], tc.wantRAX, tc.wantRDX)
			}
		})
	}
}

func TestMultiply(t *testing.T) {
	for _, tc := range []struct {
		name             string
		rax, rcx         uint64
		code             []byte
		wantRAX, wantRDX uint64
		cfof             bool
	}{
		{"mul r64", 1 << 63, 4, []byte{0x48, 0xF7, 0xE1}, 0, 2, true},
		{"mul r8", 0xFF, 0xFF, []byte{0xF6, 0xE1}, 0xFE01, 0, true},
		{"mul r32 fits", 3, 5, []byte{0xF7, 0xE1}, 15, 0, false},
		{"imul1 r64 -1*-1", ^uint64(0), ^uint64(0), []byte{0x48, 0xF7, 0xE9}, 1, 0, false},
		{"imul1 r64 -2^63*2", 1 << 63, 2, []byte{0x48, 0xF7, 0xE9}, 0, ^uint64(0), true},
		{"imul2 r64 overflow", 1 << 62, 2, []byte{0x48, 0x0F, 0xAF, 0xC1}, 1 << 63, 0, true},
		{"imul2 r64 -2^62*2", 0xC000000000000000, 2, []byte{0x48, 0x0F, 0xAF, 0xC1}, 1 << 63, 0, false},
		{"imul3 r32 imm8", 0, 0x40000000, []byte{0x6B, 0xC1, 0xFE}, 0x80000000, 0, false},
		{"imul3 r16 imm16 overflow", 0, 0x100, []byte{0x66, 0x69, 0xC1, 0x00, 0x01}, 0, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := runInt(t, func(c *CPU) { c.GPR[RAX], c.GPR[RCX] = tc.rax, tc.rcx }, tc.code...)
			if e.c.GPR[RAX] != tc.wantRAX || e.c.GPR[RDX] != tc.wantRDX {
				t.Fatalf("rax %#x rdx %#x, want %#x %#x", e.c.GPR[RAX], e.c.GPR[RDX], tc.wantRAX, tc.wantRDX)
			}
			f := arith(e.c) & (FlagCF | FlagOF)
			if want := b2u(tc.cfof) * (FlagCF | FlagOF); f != want {
				t.Fatalf("CF|OF = %#x, want %#x", f, want)
			}
		})
	}
}

// TestDivideErrorInBlock: a divide that raises #DE after other instructions of its block
// (a lazy block step: hot_muldiv.go) faults at itself, with those instructions done and
// the divide's registers unchanged, for register and memory divisors at 32 and 64 bits.
func TestDivideErrorInBlock(t *testing.T) {
	pre := []byte{0x49, 0xFF, 0xC0, 0x49, 0xFF, 0xC0} // inc r8; inc r8
	for _, tc := range []struct {
		name     string
		rax, rdx uint64
		code     []byte
	}{
		{"div ecx zero", 7, 0, []byte{0xF7, 0xF1}},
		{"div rcx zero", 7, 0, []byte{0x48, 0xF7, 0xF1}},
		{"idiv ecx zero", 7, 0, []byte{0xF7, 0xF9}},
		{"idiv rcx zero", 7, 0, []byte{0x48, 0xF7, 0xF9}},
		{"div dword [rbx] zero", 7, 0, []byte{0xF7, 0x33}},
		{"div qword [rbx] zero", 7, 0, []byte{0x48, 0xF7, 0x33}},
		{"idiv dword [rbx] zero", 7, 0, []byte{0xF7, 0x3B}},
		{"idiv qword [rbx] zero", 7, 0, []byte{0x48, 0xF7, 0x3B}},
		{"div ecx overflow", 0, 3, []byte{0xF7, 0xF1}},
		{"idiv rcx wide dividend", 0, 3, []byte{0x48, 0xF7, 0xF9}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rcx := uint64(0)
			if tc.rdx != 0 {
				rcx = 2
			}
			e := runFault(t, func(c *CPU) {
				c.GPR[RAX], c.GPR[RDX], c.GPR[RCX], c.GPR[RBX], c.GPR[R8] = tc.rax, tc.rdx, rcx, tData, 0
			}, VecDE, uint64(len(pre)), append(append([]byte{}, pre...), tc.code...)...)
			if e.c.GPR[RAX] != tc.rax || e.c.GPR[RDX] != tc.rdx || e.c.GPR[R8] != 2 {
				t.Fatalf("rax %#x rdx %#x r8 %d, want %#x %#x 2", e.c.GPR[RAX], e.c.GPR[RDX], e.c.GPR[R8], tc.rax, tc.rdx)
			}
		})
	}
}
