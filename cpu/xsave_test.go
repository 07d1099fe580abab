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

// TestXSAVEPKRU: with protection keys, XCR0 bit 9 is legal alone or with SSE, leaf 0xD
// reports PKRU as component 9 (8 bytes at 0xA80) and the area sizes follow XCR0; XSAVE
// stores PKRU at 0xA80 and sets XSTATE_BV[9]; XRSTOR loads it, or zeroes it when
// XSTATE_BV[9] is clear, after which it is not in use (XGETBV 1, XSAVEOPT) until it
// changes; components outside RFBM are neither stored nor loaded.
func TestXSAVEPKRU(t *testing.T) {
	if !hasPKU() {
		t.Skip("PKU not advertised")
	}
	e := newTestEnv(t, 0)
	c := e.c
	if a, b, cx, _ := c.CPUID(0xD, 0); a != 0x203 || b != 576 || cx != 0xA88 {
		t.Fatalf("leaf 0xD.0 %#x %#x %#x", a, b, cx)
	}
	if a, b, cx, d := c.CPUID(0xD, 9); a != 8 || b != 0xA80 || cx != 0 || d != 0 {
		t.Fatalf("leaf 0xD.9 %#x %#x %#x %#x", a, b, cx, d)
	}
	if a, _, _, _ := c.CPUID(0xD, 1); a&4 == 0 {
		t.Fatalf("leaf 0xD.1 eax %#x: no XGETBV 1", a)
	}
	for _, x := range []struct {
		v  uint64
		ok bool
	}{{0x201, true}, {0x203, true}, {0x200, false}, {0x207, false}, {0x403, false}, {0x1_0000_0003, false}} {
		e := newTestEnv(t, 0)
		e.c.CR4 |= CR4OSXSAVE
		e.c.GPR[RAX], e.c.GPR[RDX], e.c.GPR[RCX] = x.v&0xFFFFFFFF, x.v>>32, 0
		e.code(0x0F, 0x01, 0xD1, 0xF4) // xsetbv; hlt
		e.run(10)
		if x.ok && (e.vector() >= 0 || e.c.XCR0 != x.v) || !x.ok && e.vector() != VecGP {
			t.Fatalf("XSETBV %#x: vector %d XCR0 %#x", x.v, e.vector(), e.c.XCR0)
		}
		if x.ok {
			if _, b, _, _ := e.c.CPUID(0xD, 0); b != 0xA88 {
				t.Fatalf("XCR0 %#x: leaf 0xD.0 ebx %#x", x.v, b)
			}
		}
	}

	e = newTestEnv(t, 0)
	e.c.CR4 |= CR4OSXSAVE | CR4PKE
	e.c.XCR0 = 0x203
	e.c.PKRU = 0x55
	e.c.GPR[RBX] = tData
	e.c.GPR[RAX], e.c.GPR[RDX] = 0xFFFFFFFF, 0xFFFFFFFF
	e.poke64(tData+0xA80, 0xAAAAAAAAAAAAAAAA)
	// xsave [rbx]; hlt
	e.code(0x0F, 0xAE, 0x23, 0xF4)
	e.mustHalt(10)
	if bv, pk := e.read64(tData+512), e.read64(tData+0xA80); bv != 0x203 || pk != 0x55 {
		t.Fatalf("XSTATE_BV %#x PKRU image %#x", bv, pk)
	}

	// XRSTOR with XSTATE_BV[9] set loads PKRU (bits 63:32 ignored); with it clear, 0.
	e = newTestEnv(t, 0)
	e.c.CR4 |= CR4OSXSAVE | CR4PKE
	e.c.XCR0 = 0x203
	e.c.GPR[RBX] = tData
	e.c.GPR[RAX], e.c.GPR[RDX] = 0xFFFFFFFF, 0xFFFFFFFF
	e.poke64(tData+512, 0x200)
	e.poke64(tData+0xA80, 0x9_0000_1234)
	e.code(0x0F, 0xAE, 0x2B, 0xF4) // xrstor [rbx]; hlt
	e.mustHalt(10)
	if e.c.PKRU != 0x1234 {
		t.Fatalf("PKRU %#x after XRSTOR", e.c.PKRU)
	}
	e = newTestEnv(t, 0)
	e.c.CR4 |= CR4OSXSAVE | CR4PKE
	e.c.XCR0 = 0x203
	e.c.PKRU = 0x77
	e.c.GPR[RBX] = tData
	e.c.GPR[RAX], e.c.GPR[RDX] = 0xFFFFFFFF, 0xFFFFFFFF
	e.poke64(tData+512, 0x3)
	e.poke64(tData+0xA80, 0x1234)
	// xrstor [rbx]; mov ecx, 1; xgetbv; hlt
	e.code(0x0F, 0xAE, 0x2B, 0xB9, 0x01, 0x00, 0x00, 0x00, 0x0F, 0x01, 0xD0, 0xF4)
	e.mustHalt(10)
	if e.c.PKRU != 0 || e.c.GPR[RAX]&0x200 != 0 {
		t.Fatalf("PKRU %#x, XINUSE %#x after the PKRU init", e.c.PKRU, e.c.GPR[RAX])
	}
	// WRPKRU of a nonzero value makes it in use again; RFBM without bit 9 leaves the
	// image's PKRU bytes and XSTATE_BV[9] alone.
	e = newTestEnv(t, 0)
	e.c.CR4 |= CR4OSXSAVE | CR4PKE
	e.c.XCR0 = 0x203
	e.c.XInit = 0x200
	e.c.GPR[RBX] = tData
	e.c.GPR[RAX], e.c.GPR[RCX], e.c.GPR[RDX] = 5, 0, 0
	e.poke64(tData+0x1000+512, 0x200)
	e.poke64(tData+0x1000+0xA80, 0xBEEF)
	// wrpkru; mov ecx, 1; xgetbv; mov r8, rax; mov eax, 3; xor edx, edx; xsave [rbx+0x1000]; hlt
	e.code(0x0F, 0x01, 0xEF, 0xB9, 0x01, 0x00, 0x00, 0x00, 0x0F, 0x01, 0xD0, 0x49, 0x89, 0xC0,
		0xB8, 0x03, 0x00, 0x00, 0x00, 0x31, 0xD2, 0x0F, 0xAE, 0xA3, 0x00, 0x10, 0x00, 0x00, 0xF4)
	e.mustHalt(10)
	if e.c.GPR[R8]&0x200 == 0 {
		t.Fatalf("XINUSE %#x after WRPKRU 5", e.c.GPR[R8])
	}
	if bv, pk := e.read64(tData+0x1000+512), e.read64(tData+0x1000+0xA80); bv&0x200 == 0 || pk != 0xBEEF {
		t.Fatalf("RFBM 3: XSTATE_BV %#x PKRU image %#x", bv, pk)
	}
}
