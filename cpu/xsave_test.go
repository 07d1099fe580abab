package cpu

import "testing"

// TestXSAVEFaults: #UD without CR4.OSXSAVE, #NM with CR0.TS, #GP on a misaligned area
// and on an XSTATE_BV bit XCR0 lacks; XSETBV rejects XCR0 without x87 or with AVX.
func TestXSAVEFaults(t *testing.T) {
	for _, c := range []struct {
		name   string
		setup  func(e *testEnv)
		code   []byte
		vector int
	}{
		{"no OSXSAVE", func(e *testEnv) {}, []byte{0x0F, 0xAE, 0x23}, VecUD},
		{"CR0.TS", func(e *testEnv) { e.c.CR4 |= CR4OSXSAVE; e.c.CR0 |= CR0TS }, []byte{0x0F, 0xAE, 0x23}, VecNM},
		{"misaligned", func(e *testEnv) { e.c.CR4 |= CR4OSXSAVE; e.c.GPR[RBX] += 16 }, []byte{0x0F, 0xAE, 0x23}, VecGP},
		{"bad XSTATE_BV", func(e *testEnv) { e.c.CR4 |= CR4OSXSAVE; e.poke64(tData+512, 4) }, []byte{0x0F, 0xAE, 0x2B}, VecGP},
		{"XCOMP_BV", func(e *testEnv) { e.c.CR4 |= CR4OSXSAVE; e.poke64(tData+520, 1) }, []byte{0x0F, 0xAE, 0x2B}, VecGP},
		{"XSETBV 2", func(e *testEnv) { e.c.CR4 |= CR4OSXSAVE; e.c.GPR[RAX] = 2 }, []byte{0x0F, 0x01, 0xD1}, VecGP},
		{"XSETBV 7", func(e *testEnv) { e.c.CR4 |= CR4OSXSAVE; e.c.GPR[RAX] = 7 }, []byte{0x0F, 0x01, 0xD1}, VecGP},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newTestEnv(t, 0)
			e.c.GPR[RBX] = tData
			e.c.GPR[RAX], e.c.GPR[RDX], e.c.GPR[RCX] = 3, 0, 0
			c.setup(e)
			e.code(append(c.code, 0xF4)...)
			e.run(10)
			if e.vector() != c.vector {
				t.Fatalf("vector %d, want %d", e.vector(), c.vector)
			}
		})
	}
}

// TestXSAVERoundTrip: XSAVE then XRSTOR brings back the x87 and SSE state; an XRSTOR
// with XSTATE_BV clear for SSE zeroes the XMM registers and reports SSE not in use.
func TestXSAVERoundTrip(t *testing.T) {
	e := newTestEnv(t, 0)
	e.c.CR4 |= CR4OSXSAVE
	e.c.XCR0 = 3
	e.c.GPR[RBX] = tData
	e.c.GPR[RAX] = 3
	e.c.XMM[7] = [2]uint64{0x1122, 0x3344}
	e.c.FCW = 0x27F
	// xsave [rbx]; xrstor [rbx]; hlt
	e.code(0x0F, 0xAE, 0x23, 0x0F, 0xAE, 0x2B, 0xF4)
	e.run(1)
	if got := e.read64(tData + 512); got != 3 {
		t.Fatalf("XSTATE_BV %#x", got)
	}
	e.c.XMM[7], e.c.FCW = [2]uint64{}, 0x37F
	e.mustHalt(10)
	if e.c.XMM[7] != [2]uint64{0x1122, 0x3344} || e.c.FCW != 0x27F {
		t.Fatalf("xmm7 %x fcw %#x", e.c.XMM[7], e.c.FCW)
	}
	e = newTestEnv(t, 0)
	e.c.CR4 |= CR4OSXSAVE
	e.c.XCR0 = 3
	e.c.GPR[RBX] = tData
	e.c.GPR[RAX] = 3
	e.c.XMM[7] = [2]uint64{0x1122, 0x3344}
	// xsave [rbx]; mov byte [rbx+512], 1; xrstor [rbx]; add rbx, 0x400; xsave [rbx]; hlt
	e.code(0x0F, 0xAE, 0x23, 0xC6, 0x83, 0x00, 0x02, 0x00, 0x00, 0x01, 0x0F, 0xAE, 0x2B,
		0x48, 0x81, 0xC3, 0x00, 0x04, 0x00, 0x00, 0x0F, 0xAE, 0x23, 0xF4)
	e.mustHalt(10)
	if e.c.XMM[7] != [2]uint64{} {
		t.Fatalf("xmm7 %x after the SSE init", e.c.XMM[7])
	}
	if got := e.read64(tData + 0x400 + 512); got != 1 {
		t.Fatalf("XSTATE_BV after the SSE init %#x, want 1", got)
	}
}
