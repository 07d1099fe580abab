package cpu

import "testing"

func TestCmovSetcc(t *testing.T) {
	// xor edx, edx (ZF=1); cmovnz eax, ecx (false: EAX upper half still cleared);
	// cmovz rbx, rcx (true); setnz dl; setz ah
	e := runInt(t, func(c *CPU) {
		c.GPR[RAX], c.GPR[RBX], c.GPR[RCX] = 0xFFFF_FFFF_0000_0001, 7, 0xC0FFEE
	}, 0x31, 0xD2, 0x0F, 0x45, 0xC1, 0x48, 0x0F, 0x44, 0xD9, 0x0F, 0x95, 0xC2, 0x0F, 0x94, 0xC4)
	if e.c.GPR[RAX] != 0x0101 || e.c.GPR[RBX] != 0xC0FFEE || e.c.GPR[RDX] != 0 {
		t.Fatalf("rax %#x rbx %#x rdx %#x", e.c.GPR[RAX], e.c.GPR[RBX], e.c.GPR[RDX])
	}
	// cmovnz eax, [rbx] with ZF=1 still reads memory: an unmapped source faults.
	runFault(t, func(c *CPU) { c.GPR[RBX] = 0x4000_0000 }, VecPF, 2, 0x31, 0xD2, 0x0F, 0x45, 0x03)
}

func TestMovExtend(t *testing.T) {
	e := runInt(t, func(c *CPU) {
		c.GPR[RCX] = 0x8081
		c.GPR[RDX] = 0xFFFF_FFFF_8000_0000
	}, 0x0F, 0xB6, 0xC5, // movzx eax, ch
		0x48, 0x0F, 0xBF, 0xD9, // movsx rbx, cx
		0x48, 0x63, 0xF2, // movsxd rsi, edx
		0x63, 0xFA, // movsxd edi, edx (plain 32-bit move)
		0x66, 0x0F, 0xBE, 0xE9) // movsx bp, cl
	if e.c.GPR[RAX] != 0x80 || e.c.GPR[RBX] != 0xFFFF_FFFF_FFFF_8081 || e.c.GPR[RSI] != 0xFFFF_FFFF_8000_0000 ||
		e.c.GPR[RDI] != 0x8000_0000 || e.c.GPR[RBP]&0xFFFF != 0xFF81 {
		t.Fatalf("rax %#x rbx %#x rsi %#x rdi %#x rbp %#x", e.c.GPR[RAX], e.c.GPR[RBX], e.c.GPR[RSI], e.c.GPR[RDI], e.c.GPR[RBP])
	}
}

func TestSignExtendAccumulator(t *testing.T) {
	for _, tc := range []struct {
		name             string
		code             []byte
		wantRAX, wantRDX uint64
	}{
		{"cbw", []byte{0x66, 0x98}, 0x1111_1111_2222_FF80, 0x3333},
		{"cwde", []byte{0x98}, 0xFFFF_FF80, 0x3333},
		{"cdqe", []byte{0x48, 0x98}, 0x2222_FF80, 0x3333},
		{"cwd", []byte{0x66, 0x99}, 0x1111_1111_2222_FF80, 0xFFFF},
		{"cdq", []byte{0x99}, 0x1111_1111_2222_FF80, 0},
		{"cqo", []byte{0x48, 0x99}, 0x1111_1111_2222_FF80, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := runInt(t, func(c *CPU) { c.GPR[RAX], c.GPR[RDX] = 0x1111_1111_2222_FF80, 0x3333 }, tc.code...)
			if e.c.GPR[RAX] != tc.wantRAX || e.c.GPR[RDX] != tc.wantRDX {
				t.Fatalf("rax %#x rdx %#x", e.c.GPR[RAX], e.c.GPR[RDX])
			}
		})
	}
}

func TestFlagInstructions(t *testing.T) {
	// stc; cmc; lahf -> AH has CF clear; sahf from AH=0xD5 sets SF ZF AF PF CF; std
	e := runInt(t, func(c *CPU) { c.GPR[RBX] = 0xD500 }, 0xF9, 0xF5, 0x9F, 0x89, 0xC1, 0x88, 0xFC, 0x9E, 0xFD)
	if e.c.GPR[RCX]&0x0100 != 0 || e.c.GPR[RCX]&0x0200 == 0 {
		t.Fatalf("lahf: ah %#x", e.c.GPR[RCX]>>8&0xFF)
	}
	if arith(e.c) != FlagSF|FlagZF|FlagAF|FlagPF|FlagCF || e.c.RFLAGS&FlagDF == 0 {
		t.Fatalf("flags %#x", e.c.Flags())
	}
	// add al, 0xFF with AL=1 (CF=1 ZF=1), then clc: CF=0, ZF still 1.
	e = runInt(t, func(c *CPU) { c.GPR[RAX] = 1 }, 0x04, 0xFF, 0xF8)
	if arith(e.c)&(FlagCF|FlagZF) != FlagZF {
		t.Fatalf("clc: %#x", arith(e.c))
	}
}

func TestEnterLeave(t *testing.T) {
	// push rbp-chain: rbp = tKStack-0x100 holding a saved frame pointer; enter 0x20, 3
	e := runInt(t, func(c *CPU) {
		c.GPR[RBP] = tKStack - 0x100
		c.mem.WritePhys(tKStack-0x108, le128(0xAAAA, 0)[:8])
		c.mem.WritePhys(tKStack-0x110, le128(0xBBBB, 0)[:8])
	}, 0xC8, 0x20, 0x00, 0x03)
	sp0 := uint64(tKStack)
	frame := sp0 - 8
	if e.c.GPR[RBP] != frame || e.c.GPR[RSP] != frame-16-8-0x20 {
		t.Fatalf("rbp %#x rsp %#x", e.c.GPR[RBP], e.c.GPR[RSP])
	}
	want := []uint64{tKStack - 0x100, 0xAAAA, 0xBBBB, frame}
	for i, w := range want {
		if got := e.read64(sp0 - 8*uint64(i+1)); got != w {
			t.Fatalf("slot %d = %#x, want %#x", i, got, w)
		}
	}
	// leave restores RSP from RBP and pops RBP.
	e = runInt(t, func(c *CPU) {
		c.GPR[RBP] = tKStack - 0x40
		c.mem.WritePhys(tKStack-0x40, le128(0x1234, 0))
	}, 0xC9)
	if e.c.GPR[RBP] != 0x1234 || e.c.GPR[RSP] != tKStack-0x38 {
		t.Fatalf("leave: rbp %#x rsp %#x", e.c.GPR[RBP], e.c.GPR[RSP])
	}
}
