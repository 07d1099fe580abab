package cpu

import "testing"

func TestCmpxchg16b(t *testing.T) {
	setup := func(mlo, mhi uint64) func(c *CPU) {
		return func(c *CPU) {
			c.GPR[RSI] = tData
			c.GPR[RAX], c.GPR[RDX] = 1, 2
			c.GPR[RBX], c.GPR[RCX] = 3, 4
			c.mem.WritePhys(tData, le128(mlo, mhi))
		}
	}
	code := []byte{0xF0, 0x48, 0x0F, 0xC7, 0x0E} // lock cmpxchg16b [rsi]
	// Equal: memory = RCX:RBX, ZF=1.
	e := runInt(t, setup(1, 2), code...)
	if e.read64(tData) != 3 || e.read64(tData+8) != 4 || arith(e.c)&FlagZF == 0 {
		t.Fatalf("success: mem %#x %#x flags %#x", e.read64(tData), e.read64(tData+8), arith(e.c))
	}
	// Different: RDX:RAX = memory, ZF=0, memory unchanged.
	e = runInt(t, setup(7, 2), code...)
	if e.c.GPR[RAX] != 7 || e.c.GPR[RDX] != 2 || e.read64(tData) != 7 || arith(e.c)&FlagZF != 0 {
		t.Fatalf("failure: rax %#x rdx %#x mem %#x", e.c.GPR[RAX], e.c.GPR[RDX], e.read64(tData))
	}
	// Misaligned: #GP(0), nothing written.
	e = runFault(t, func(c *CPU) { setup(1, 2)(c); c.GPR[RSI] = tData + 8 }, VecGP, 0, code...)
	if e.read64(e.c.GPR[RSP]) != 0 || e.c.GPR[RAX] != 1 {
		t.Fatalf("error code %#x rax %#x", e.read64(e.c.GPR[RSP]), e.c.GPR[RAX])
	}
}

func le128(lo, hi uint64) []byte {
	b := make([]byte, 16)
	for i := 0; i < 8; i++ {
		b[i] = byte(lo >> (8 * i))
		b[8+i] = byte(hi >> (8 * i))
	}
	return b
}

func TestCmpxchg(t *testing.T) {
	// cmpxchg ecx, edx, not equal: EAX = ECX (zero-extended); RCX untouched.
	e := runInt(t, func(c *CPU) {
		c.GPR[RAX], c.GPR[RCX], c.GPR[RDX] = 0xFFFF_FFFF_0000_0001, 0xAAAA_AAAA_0000_0002, 3
	}, 0x0F, 0xB1, 0xD1)
	if e.c.GPR[RAX] != 2 || e.c.GPR[RCX] != 0xAAAA_AAAA_0000_0002 || arith(e.c)&FlagZF != 0 {
		t.Fatalf("fail: rax %#x rcx %#x", e.c.GPR[RAX], e.c.GPR[RCX])
	}
	// Equal: ECX = EDX (zero-extended); RAX untouched.
	e = runInt(t, func(c *CPU) {
		c.GPR[RAX], c.GPR[RCX], c.GPR[RDX] = 0xFFFF_FFFF_0000_0002, 0xAAAA_AAAA_0000_0002, 3
	}, 0x0F, 0xB1, 0xD1)
	if e.c.GPR[RAX] != 0xFFFF_FFFF_0000_0002 || e.c.GPR[RCX] != 3 || arith(e.c)&FlagZF == 0 {
		t.Fatalf("success: rax %#x rcx %#x", e.c.GPR[RAX], e.c.GPR[RCX])
	}
	// cmpxchg8b [rbx], not equal: EDX:EAX = memory.
	e = runInt(t, func(c *CPU) {
		c.GPR[RBX], c.GPR[RAX], c.GPR[RDX] = tData, 0xFFFF_FFFF_0000_0000, 0xFFFF_FFFF_0000_0000
		c.mem.WritePhys(tData, le128(0x1111_2222_3333_4444, 0))
	}, 0x0F, 0xC7, 0x0B)
	if e.c.GPR[RAX] != 0x3333_4444 || e.c.GPR[RDX] != 0x1111_2222 || arith(e.c)&FlagZF != 0 {
		t.Fatalf("cmpxchg8b: rax %#x rdx %#x", e.c.GPR[RAX], e.c.GPR[RDX])
	}
}

func TestXchgXadd(t *testing.T) {
	// xchg eax, eax (87 C0) zero-extends RAX; xadd rcx, rdx; xchg [rbx], esi.
	e := runInt(t, func(c *CPU) {
		c.GPR[RAX], c.GPR[RCX], c.GPR[RDX], c.GPR[RBX], c.GPR[RSI] = 0xFFFF_FFFF_1234_5678, 5, ^uint64(0), tData, 0x99
		c.mem.WritePhys(tData, []byte{0x42, 0, 0, 0})
	}, 0x87, 0xC0, 0x48, 0x0F, 0xC1, 0xD1, 0x87, 0x33)
	if e.c.GPR[RAX] != 0x1234_5678 {
		t.Fatalf("xchg eax,eax: %#x", e.c.GPR[RAX])
	}
	if e.c.GPR[RCX] != 4 || e.c.GPR[RDX] != 5 || arith(e.c)&FlagCF == 0 {
		t.Fatalf("xadd: rcx %#x rdx %#x flags %#x", e.c.GPR[RCX], e.c.GPR[RDX], arith(e.c))
	}
	if e.c.GPR[RSI] != 0x42 || e.read32(tData) != 0x99 {
		t.Fatalf("xchg m32: rsi %#x mem %#x", e.c.GPR[RSI], e.read32(tData))
	}
}
