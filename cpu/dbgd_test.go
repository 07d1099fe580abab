package cpu

import "testing"

// gdEnv is a CPL-0 environment with DR7.GD=1 and the #DB gate on its stub.
func gdEnv(t *testing.T) *testEnv {
	e := newTestEnv(t, 0)
	e.setGate(VecDB, tStubs+16*VecDB, sysIntGate, 0, 0)
	e.c.DR[7] = 0x400 | dr7GD
	e.c.updateDR()
	return e
}

// TestGeneralDetect: with DR7.GD=1 every MOV to or from DR0-DR7 is a
// fault-class #DB (saved RIP = the MOV, its destination untouched) with
// DR6.BD set and B0-B3 clear; entering the handler clears DR7.GD.
func TestGeneralDetect(t *testing.T) {
	var cases int
	for n := byte(0); n < 8; n++ {
		for _, write := range []bool{false, true} {
			e := gdEnv(t)
			e.c.DR[6] = 0xFFFF0FF0 | 0x5 // stale B0/B2 must be cleared
			e.c.GPR[RAX] = 0x1234
			e.c.GPR[RCX] = 0
			op := byte(0x21) // mov rcx, drN
			if write {
				op = 0x23 // mov drN, rax
			}
			modrm := 0xC0 | n<<3 | 1 // rcx as the register operand
			if write {
				modrm = 0xC0 | n<<3
			}
			e.code(0x0F, op, modrm, 0xF4)
			e.run(10)
			if dr6 := dbOnce(t, e, tKStack, tCode); dr6 != 0xFFFF2FF0 {
				t.Fatalf("dr%d write=%v: DR6 %#x, want 0xffff2ff0", n, write, dr6)
			}
			if e.c.DR[7] != 0x400 {
				t.Fatalf("dr%d write=%v: DR7 %#x after delivery, want GD clear", n, write, e.c.DR[7])
			}
			if !write && e.c.GPR[RCX] != 0 {
				t.Fatalf("dr%d: destination written (%#x)", n, e.c.GPR[RCX])
			}
			if write && n < 4 && e.c.DR[n] != 0 {
				t.Fatalf("dr%d written (%#x)", n, e.c.DR[n])
			}
			cases++
		}
	}

	// #UD for DR4/DR5 under CR4.DE comes before general detect.
	e := gdEnv(t)
	e.setGate(VecUD, tStubs+16*VecUD, sysIntGate, 0, 0)
	e.c.CR4 |= CR4DE
	e.code(0x0F, 0x21, 0xE0, 0xF4) // mov rax, dr4
	e.run(10)
	if e.vector() != VecUD || e.c.DR[7]&dr7GD == 0 {
		t.Fatalf("DR4 with CR4.DE: vector %d DR7 %#x, want #UD with GD kept", e.vector(), e.c.DR[7])
	}

	// INT 1 (a software interrupt through vector 1) leaves GD set; ICEBP
	// is a debug exception and clears it.
	e = gdEnv(t)
	e.code(0xCD, 0x01, 0xF4)
	e.run(10)
	if e.vector() != VecDB || e.c.DR[7]&dr7GD == 0 {
		t.Fatalf("INT 1: vector %d DR7 %#x, want GD kept", e.vector(), e.c.DR[7])
	}
	e = gdEnv(t)
	e.code(0xF1, 0xF4)
	e.run(10)
	if e.vector() != VecDB || e.c.DR[7]&dr7GD != 0 {
		t.Fatalf("ICEBP: vector %d DR7 %#x, want GD clear", e.vector(), e.c.DR[7])
	}
	t.Logf("%d MOV DR forms checked", cases)
}

// TestGeneralDetectStepAfterMovSS: TF=1, MOV SS, then MOV DR6 with GD=1:
// the MOV SS shadow does not hold back the general-detect #DB (a fault),
// whose DR6 shows BD alone; the handler can read DR6 (GD is clear), and
// after IRET the MOV DR6 runs and single-step traps follow it one by one.
func TestGeneralDetectStepAfterMovSS(t *testing.T) {
	const handler = tCode + 0x80
	e := gdEnv(t)
	e.setGate(VecDB, handler, sysIntGate, 0, 0)
	e.load(handler, []byte{
		0x0F, 0x21, 0xF0, // mov rax, dr6
		0x4A, 0x89, 0x04, 0xCB, // mov [rbx+r9*8], rax
		0x48, 0x8B, 0x04, 0x24, // mov rax, [rsp]
		0x4A, 0x89, 0x84, 0xCB, 0x80, 0x00, 0x00, 0x00, // mov [rbx+r9*8+0x80], rax
		0x49, 0xFF, 0xC1, // inc r9
		0x49, 0x83, 0xF9, 0x03, // cmp r9, 3
		0x72, 0x09, // jb iretq
		0x48, 0x81, 0x64, 0x24, 0x10, 0xFF, 0xFE, 0xFF, 0xFF, // and qword [rsp+16], ~TF
		0x48, 0xCF, // iretq
	})
	e.c.GPR[RAX] = selKData
	e.c.GPR[RBX] = tData
	e.c.RFLAGS |= FlagTF
	e.c.syncPending()
	e.code(0x8E, 0xD0, 0x0F, 0x23, 0xF1, 0x90, 0x90, 0xF4) // mov ss,eax; mov dr6,rcx; nop; nop; hlt
	e.mustHalt(100)
	want := []struct{ rip, dr6 uint64 }{
		{tCode + 2, 0xFFFF2FF0}, // general detect on MOV DR6, before it runs
		{tCode + 5, 0xFFFF4FF0}, // step after MOV DR6 (which cleared BD)
		{tCode + 6, 0xFFFF4FF0}, // step after the first NOP
	}
	for i, w := range want {
		dr6, rip := e.read64(tData+uint64(i)*8), e.read64(tData+0x80+uint64(i)*8)
		if dr6 != w.dr6 || rip != w.rip {
			t.Errorf("#DB %d: RIP %#x DR6 %#x, want RIP %#x DR6 %#x", i, rip, dr6, w.rip, w.dr6)
		}
	}
	if n := e.c.GPR[R9]; n != 3 {
		t.Errorf("%d #DBs, want 3", n)
	}
}
