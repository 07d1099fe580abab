package cpu

import "testing"

// Helpers shared by the integer-instruction tests (alu, muldiv, shift, bit, xchg, movx,
// string).

// runInt builds a CPL-0 environment, applies setup, runs code followed by HLT and fails
// unless it halts normally.
func runInt(t *testing.T, setup func(c *CPU), code ...byte) *testEnv {
	t.Helper()
	e := newTestEnv(t, 0)
	if setup != nil {
		setup(e.c)
	}
	e.code(append(code, 0xF4)...)
	e.mustHalt(100000)
	return e
}

// runFault runs code expecting exception vec; it returns the environment halted in the
// exception stub and checks that the frame's RIP is the faulting instruction at offset off.
func runFault(t *testing.T, setup func(c *CPU), vec int, off uint64, code ...byte) *testEnv {
	t.Helper()
	e := newTestEnv(t, 0)
	if setup != nil {
		setup(e.c)
	}
	e.code(append(code, 0xF4)...)
	e.run(100000)
	if e.vector() != vec {
		t.Fatalf("vector %d, want %d (RIP %#x)", e.vector(), vec, e.c.RIP)
	}
	rip := e.read64(e.c.GPR[RSP])
	if hasErrorCode(uint8(vec)) {
		rip = e.read64(e.c.GPR[RSP] + 8)
	}
	if rip != tCode+off {
		t.Fatalf("frame RIP %#x, want %#x", rip, tCode+off)
	}
	return e
}

// arith returns the arithmetic flags.
func arith(c *CPU) uint64 { return c.Flags() & flagsArith }

func TestNegNot(t *testing.T) {
	// neg al (AL=0x80): result 0x80, CF=1 (source != 0), OF=1 (negating the minimum).
	e := runInt(t, func(c *CPU) { c.GPR[RAX] = 0x80 }, 0xF6, 0xD8)
	if e.c.GPR[RAX] != 0x80 || arith(e.c) != FlagCF|FlagOF|FlagSF {
		t.Fatalf("neg al: rax %#x flags %#x", e.c.GPR[RAX], arith(e.c))
	}
	// neg eax (EAX=0): CF=0, ZF=1, upper half cleared.
	e = runInt(t, func(c *CPU) { c.GPR[RAX] = 0xFFFF_FFFF_0000_0000 }, 0xF7, 0xD8)
	if e.c.GPR[RAX] != 0 || arith(e.c) != FlagZF|FlagPF {
		t.Fatalf("neg eax: rax %#x flags %#x", e.c.GPR[RAX], arith(e.c))
	}
	// stc; not qword [rbx]: memory inverted, flags untouched.
	e = runInt(t, func(c *CPU) { c.GPR[RBX] = tData }, 0xF9, 0x48, 0xF7, 0x13)
	if e.read64(tData) != ^uint64(0) || arith(e.c) != FlagCF {
		t.Fatalf("not m64: %#x flags %#x", e.read64(tData), arith(e.c))
	}
	// lock neg dword [rbx] is valid.
	e = runInt(t, func(c *CPU) { c.GPR[RBX] = tData }, 0xF0, 0xF7, 0x1B)
	if e.read32(tData) != 0 {
		t.Fatalf("lock neg m32 of 0: %#x", e.read32(tData))
	}
}

func TestLockValidity(t *testing.T) {
	setup := func(c *CPU) { c.GPR[RBX] = tData }
	for _, tc := range []struct {
		name string
		code []byte
		ok   bool
	}{
		{"lock neg reg", []byte{0xF0, 0xF7, 0xD8}, false},
		{"lock bt mem", []byte{0xF0, 0x0F, 0xA3, 0x03}, false},
		{"lock bsr", []byte{0xF0, 0x0F, 0xBD, 0x03}, false},
		{"lock xadd reg", []byte{0xF0, 0x0F, 0xC1, 0xC8}, false},
		{"lock mov", []byte{0xF0, 0x89, 0x03}, false},
		{"lock bts mem", []byte{0xF0, 0x0F, 0xAB, 0x03}, true},
		{"lock xchg mem", []byte{0xF0, 0x87, 0x03}, true},
		{"lock cmpxchg mem", []byte{0xF0, 0x0F, 0xB1, 0x0B}, true},
		{"lock cmpxchg16b", []byte{0xF0, 0x48, 0x0F, 0xC7, 0x0B}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.ok {
				runInt(t, setup, tc.code...)
			} else {
				runFault(t, setup, VecUD, 0, tc.code...)
			}
		})
	}
}
