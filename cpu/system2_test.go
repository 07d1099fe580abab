package cpu

import (
	"strings"
	"testing"
)

func TestCompatibilityModeUser(t *testing.T) {
	e := newTestEnv(t, 0)
	e.setGate(0x80, tStubs+16*0x80, sysIntGate, 3, 0)
	// push 0x23; push tUStack; push 0x2; push 0x1b; push tCode+0x100; iretq
	e.code(0x6A, 0x23, 0x68, 0x00, 0xF0, 0x05, 0x00, 0x6A, 0x02, 0x6A, 0x1B, 0x68, 0x00, 0x01, 0x10, 0x00, 0x48, 0xCF)
	// 32-bit: mov eax, 0x11223344; push eax; int 0x80
	e.load(tCode+0x100, []byte{0xB8, 0x44, 0x33, 0x22, 0x11, 0x50, 0xCD, 0x80})
	for i := 0; i < 7; i++ {
		e.c.Step()
	}
	if e.c.long || e.c.mode != 32 || e.c.CPL != 3 {
		t.Fatalf("long %v mode %d cpl %d", e.c.long, e.c.mode, e.c.CPL)
	}
	e.run(10)
	if e.vector() != 0x80 || !e.c.long {
		t.Fatalf("vector %d long %v", e.vector(), e.c.long)
	}
	eqFrame(t, e.frame(5), []uint64{tCode + 0x108, selUCode32 | 3, flagRsv1, tUStack - 4, selUData | 3})
	if e.read32(tUStack-4) != 0x11223344 {
		t.Fatalf("push in compat mode: %#x", e.read32(tUStack-4))
	}
}

func TestFarCallRet64(t *testing.T) {
	e := newTestEnv(t, 0)
	e.poke64(tData, tCode+0x80)
	e.load(tData+8, []byte{selKCode64, 0})
	e.c.GPR[RBX] = tData
	e.code(0x48, 0xFF, 0x1B, 0xF4)         // rex.w call far [rbx]; hlt
	e.load(tCode+0x80, []byte{0x48, 0xCB}) // retfq
	e.c.Step()
	if e.c.RIP != tCode+0x80 || e.c.GPR[RSP] != tKStack-16 {
		t.Fatalf("rip %#x rsp %#x", e.c.RIP, e.c.GPR[RSP])
	}
	eqFrame(t, e.frame(2), []uint64{tCode + 3, selKCode64})
	e.mustHalt(10)
	if e.c.GPR[RSP] != tKStack || e.c.RIP != tCode+4 {
		t.Fatalf("rip %#x rsp %#x", e.c.RIP, e.c.GPR[RSP])
	}
}

func TestFarJumpChecks(t *testing.T) {
	cases := []struct {
		name string
		sel  uint16
		vec  int
		code uint64
	}{
		{"to-ring3-code", selUCode64 | 3, VecGP, selUCode64},
		{"to-data", selKData, VecGP, selKData},
		{"null", 0, VecGP, 0},
		{"to-tss", selTSS, VecGP, selTSS},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, 0)
			e.poke64(tData, tCode+0x80)
			e.load(tData+8, []byte{byte(tc.sel), byte(tc.sel >> 8)})
			e.c.GPR[RBX] = tData
			e.code(0x48, 0xFF, 0x2B) // rex.w jmp far [rbx]
			e.run(10)
			if e.vector() != tc.vec || e.frame(1)[0] != tc.code {
				t.Fatalf("vector %d code %#x", e.vector(), e.frame(1)[0])
			}
		})
	}
	// Not present -> #NP(sel).
	e := newTestEnv(t, 0)
	e.poke64(tGDT+8*9, descKCode64&^(1<<47))
	e.c.GDTR.Limit = 0x4F
	e.poke64(tData, tCode+0x80)
	e.load(tData+8, []byte{0x48, 0})
	e.c.GPR[RBX] = tData
	e.code(0x48, 0xFF, 0x2B)
	e.run(10)
	if e.vector() != VecNP || e.frame(1)[0] != 0x48 {
		t.Fatalf("vector %d code %#x", e.vector(), e.frame(1)[0])
	}
}

func TestDescriptorTableInstructions(t *testing.T) {
	e := newTestEnv(t, 0)
	// Make the TSS descriptor available (not busy) and TR empty.
	e.poke64(tGDT+selTSS, e.read64(tGDT+selTSS)&^(2<<40))
	e.c.TR = Segment{}
	e.c.GPR[RBX] = tData
	// sgdt [rbx]; lgdt [rbx]; mov ax, 0x30; ltr ax; str ecx; sldt edx; hlt
	e.code(0x0F, 0x01, 0x03, 0x0F, 0x01, 0x13, 0x66, 0xB8, 0x30, 0x00, 0x0F, 0x00, 0xD8, 0x0F, 0x00, 0xC9,
		0x0F, 0x00, 0xC2, 0xF4)
	e.c.GPR[RDX] = 0xFFFF
	e.mustHalt(20)
	if e.read64(tData)&0xFFFF != 0x4F || e.read64(tData+2) != tGDT {
		t.Fatalf("sgdt %#x %#x", e.read64(tData), e.read64(tData+2))
	}
	if e.c.TR.Selector != selTSS || e.c.TR.Base != tTSS || e.c.TR.Limit != 0x67 || e.c.GPR[RCX] != selTSS || e.c.GPR[RDX] != 0 {
		t.Fatalf("tr %+v rcx %#x rdx %#x", e.c.TR, e.c.GPR[RCX], e.c.GPR[RDX])
	}
	if e.read64(tGDT+selTSS)>>40&0xF != sysTSSBusy {
		t.Fatalf("busy bit not set")
	}
	// LTR of a busy TSS -> #GP(sel).
	e.code(0x0F, 0x00, 0xD8)
	e.c.Halted = false
	e.c.syncPending()
	e.run(10)
	if e.vector() != VecGP || e.frame(1)[0] != selTSS {
		t.Fatalf("vector %d code %#x", e.vector(), e.frame(1)[0])
	}
}

func TestAlignmentCheck(t *testing.T) {
	for _, cpl := range []uint8{0, 3} {
		e := newTestEnv(t, cpl)
		e.c.CR0 |= CR0AM
		e.c.RFLAGS |= FlagAC
		e.c.updateAC()
		e.c.GPR[RBX] = tData
		e.code(0x48, 0x8B, 0x43, 0x01, 0xCC) // mov rax, [rbx+1]; int3
		e.setGate(VecBP, tStubs+16*VecBP, sysIntGate, 3, 0)
		e.run(10)
		want := VecBP
		if cpl == 3 {
			want = VecAC
		}
		if e.vector() != want {
			t.Fatalf("cpl %d: vector %d want %d", cpl, e.vector(), want)
		}
	}
}

func TestSingleStepOverIntAndMovSS(t *testing.T) {
	e := newTestEnv(t, 0)
	e.setGate(VecDB, tStubs+16*VecDB, sysIntGate, 0, 0)
	e.setGate(0x40, tCode+0x80, sysIntGate, 0, 0)
	// pushfq; or qword [rsp], 0x100; popfq; int 0x40 ; handler: (TF clear) nop; hlt
	e.code(0x9C, 0x48, 0x81, 0x0C, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9D, 0xCD, 0x40)
	e.load(tCode+0x80, []byte{0x90, 0xF4})
	e.mustHalt(20)
	if e.c.RIP != tCode+0x82 {
		t.Fatalf("rip %#x: INT n with TF=1 must enter its handler without a #DB", e.c.RIP)
	}
	// MOV SS delays the trap past the next instruction.
	e = newTestEnv(t, 0)
	e.setGate(VecDB, tStubs+16*VecDB, sysIntGate, 0, 0)
	// pushfq; or [rsp],0x100; popfq; mov eax,0x10 (traps); mov ss,eax; nop (trap here); nop
	e.code(0x9C, 0x48, 0x81, 0x0C, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9D,
		0xB8, 0x10, 0x00, 0x00, 0x00, 0x8E, 0xD0, 0x90, 0x90)
	e.run(4) // pushf, or, popf, mov eax -> #DB after mov eax
	if e.vector() != -1 || e.c.RIP != tStubs+16*VecDB {
		t.Fatalf("rip %#x", e.c.RIP)
	}
	e.c.RIP = tCode + 15 // resume at mov ss with TF still set
	e.c.GPR[RSP] += 40
	e.c.RFLAGS |= FlagTF
	e.c.syncPending()
	e.run(10)
	if e.vector() != VecDB || e.frame(1)[0] != tCode+18 {
		t.Fatalf("vector %d frame rip %#x", e.vector(), e.frame(1)[0])
	}
}

func TestCallGateFromRing3(t *testing.T) {
	e := newTestEnv(t, 3)
	// 64-bit call gate at GDT index 9 (0x48), DPL 3, to kernel code at tCode+0x80.
	const target = tCode + 0x80
	e.poke64(tGDT+0x48, target&0xFFFF|selKCode64<<16|uint64(0x80|3<<5|sysCallGate)<<40|(target>>16&0xFFFF)<<48)
	e.poke64(tGDT+0x50, target>>32)
	e.c.GDTR.Limit = 0x57
	e.poke64(tData, 0)
	e.load(tData+8, []byte{0x4B, 0}) // selector 0x48 | RPL 3
	e.c.GPR[RBX] = tData
	e.code(0x48, 0xFF, 0x1B) // rex.w call far [rbx]
	// Kernel side: retfq back to ring 3, then int3 in ring 3.
	e.load(target, []byte{0x48, 0xCB})
	e.load(tCode+3, []byte{0xCC})
	e.setGate(VecBP, tStubs+16*VecBP, sysIntGate, 3, 0)
	e.c.Step()
	if e.c.CPL != 0 || e.c.RIP != target || e.c.GPR[RSP] != tKStack-32 {
		t.Fatalf("cpl %d rip %#x rsp %#x", e.c.CPL, e.c.RIP, e.c.GPR[RSP])
	}
	eqFrame(t, e.frame(4), []uint64{tCode + 3, selUCode64 | 3, tUStack, selUData | 3})
	e.run(10)
	if e.vector() != VecBP {
		t.Fatalf("vector %d", e.vector())
	}
	eqFrame(t, e.frame(5), []uint64{tCode + 4, selUCode64 | 3, flagRsv1, tUStack, selUData | 3})
}

func TestHardwareBreakpoints(t *testing.T) {
	e := newTestEnv(t, 0)
	e.setGate(VecDB, tStubs+16*VecDB, sysIntGate, 0, 0)
	// Instruction breakpoint on the second instruction: a fault, RIP at it, RF in the image.
	e.c.DR[0] = tCode + 1
	e.c.DR[7] = 0x401 // L0, RW0=00 (execute), LEN0=00
	e.c.updateDR()
	e.code(0x90, 0x90, 0xF4)
	e.run(10)
	if e.vector() != VecDB || e.c.DR[6]&0xF != 1 {
		t.Fatalf("vector %d dr6 %#x", e.vector(), e.c.DR[6])
	}
	eqFrame(t, e.frame(3), []uint64{tCode + 1, selKCode64, flagRsv1 | FlagRF})
	// IRETQ with RF=1 resumes over the breakpoint.
	e.load(tStubs+16*VecDB, []byte{0x48, 0xCF})
	e.c.RIP = tStubs + 16*VecDB
	e.c.Halted = false
	e.c.syncPending()
	e.mustHalt(10)
	if e.c.RIP != tCode+3 {
		t.Fatalf("rip %#x", e.c.RIP)
	}

	// Data write breakpoint: a trap after the writing instruction.
	e = newTestEnv(t, 0)
	e.setGate(VecDB, tStubs+16*VecDB, sysIntGate, 0, 0)
	e.c.DR[1] = tData + 8
	e.c.DR[7] = 0x400 | 1<<2 | 1<<20 | 3<<22 // L1, RW1=01 (write), LEN1=11 (4 bytes)
	e.c.updateDR()
	e.c.GPR[RBX] = tData
	// mov rax, [rbx+8] (read: no trap); mov [rbx+4], rax (writes 4..11: trap); nop
	e.code(0x48, 0x8B, 0x43, 0x08, 0x48, 0x89, 0x43, 0x04, 0x90)
	e.run(10)
	if e.vector() != VecDB || e.c.DR[6]&0xF != 2 {
		t.Fatalf("vector %d dr6 %#x", e.vector(), e.c.DR[6])
	}
	eqFrame(t, e.frame(1), []uint64{tCode + 8})
}

func TestIretChecks(t *testing.T) {
	cases := []struct {
		name   string
		cs, ss uint64
		rip    uint64
		vec    int
		code   uint64
	}{
		{"cs-null", 0, selKData, tCode + 0x80, VecGP, 0},
		{"cs-is-data", selKData, selKData, tCode + 0x80, VecGP, selKData},
		{"same-privilege-ok", selKCode64, selKData, tCode + 0x80, -1, 0},
		{"ss-null-ring0-ok", selKCode64, 0, tCode + 0x80, -1, 0},
		{"ss-rpl-mismatch", selUCode64 | 3, selKData, tCode + 0x80, VecGP, selKData},
		{"rip-noncanonical", selKCode64, selKData, 0x0000800000000000, VecGP, 0},
		{"cs-not-present", 0x48, selKData, tCode + 0x80, VecNP, 0x48},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, 0)
			e.poke64(tGDT+0x48, descKCode64&^(1<<47))
			e.c.GDTR.Limit = 0x4F
			sp := uint64(tKStack - 40)
			for i, v := range []uint64{tc.rip, tc.cs, flagRsv1, tKStack, tc.ss} {
				e.poke64(sp+8*uint64(i), v)
			}
			e.c.GPR[RSP] = sp
			e.code(0x48, 0xCF) // iretq
			e.load(tCode+0x80, []byte{0xF4})
			e.run(10)
			if tc.vec < 0 {
				if e.vector() != -1 || e.c.RIP != tCode+0x81 {
					t.Fatalf("vector %d rip %#x", e.vector(), e.c.RIP)
				}
				return
			}
			if e.vector() != tc.vec || e.frame(2)[0] != tc.code || e.frame(2)[1] != tCode {
				t.Fatalf("vector %d frame %#x", e.vector(), e.frame(2))
			}
		})
	}
}

func TestStackSegmentLoads(t *testing.T) {
	cases := []struct {
		name string
		cpl  uint8
		sel  uint64
		vec  int
		code uint64
	}{
		{"null-at-cpl0", 0, 0, -1, 0},
		{"user-data-at-cpl0", 0, selUData | 3, VecGP, selUData},
		{"code-segment", 0, selKCode64, VecGP, selKCode64},
		{"user-data-at-cpl3", 3, selUData | 3, -1, 0},
		{"not-present", 0, 0x48, VecSS, 0x48},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, tc.cpl)
			e.poke64(tGDT+0x48, descKData&^(1<<47))
			e.c.GDTR.Limit = 0x4F
			e.setGate(VecBP, tStubs+16*VecBP, sysIntGate, 3, 0)
			e.c.GPR[RAX] = tc.sel
			e.code(0x8E, 0xD0, 0xCC) // mov ss, eax; int3
			e.run(10)
			want := tc.vec
			if want < 0 {
				want = VecBP
			}
			if e.vector() != want {
				t.Fatalf("vector %d want %d", e.vector(), want)
			}
			if tc.vec >= 0 && e.frame(1)[0] != tc.code {
				t.Fatalf("error code %#x", e.frame(1)[0])
			}
		})
	}
}

func TestInvalidTSSOnStackSwitch(t *testing.T) {
	e := newTestEnv(t, 3)
	e.setGate(0x80, tStubs+16*0x80, sysIntGate, 3, 0)
	e.c.TR.Limit = 0x03 // RSP0 (bytes 4..11) is beyond the limit: every stack switch fails
	e.setGate(VecDF, tStubs+16*VecDF, sysIntGate, 0, 0)
	e.code(0xCD, 0x80)
	e.run(10)
	// int 0x80 -> #TS(TR|EXT=0): contributory; delivering #TS needs the stack switch too
	// (CPL 3 -> 0) and faults again with #TS -> #DF, whose delivery fails the same way:
	// triple fault.
	if !e.c.Shutdown || e.c.ShutdownMsg == "" {
		t.Fatalf("no shutdown; vector %d", e.vector())
	}
	want := "#TS(0x30) -> #TS(0x31) -> #DF(0x0) -> #TS(0x31)"
	if !strings.Contains(e.c.ShutdownMsg, want) {
		t.Fatalf("diag %q lacks %q", e.c.ShutdownMsg, want)
	}
}

func TestINTO(t *testing.T) {
	e := newTestEnv32(t)
	const idt = 0x9000
	h := uint64(tStubs + 16*VecOF)
	e.poke64(idt+8*VecOF, h&0xFFFF|selKCode32<<16|uint64(0x80|sysIntGate)<<40|(h>>16)<<48)
	e.c.IDTR = DTR{Base: idt, Limit: 0x7FF}
	// mov al, 0x7f; add al, 1 (OF=1); into
	e.code(0xB0, 0x7F, 0x04, 0x01, 0xCE)
	e.run(10)
	if e.vector() != VecOF || e.read32(tKStack-12) != tCode+5 {
		t.Fatalf("vector %d return %#x", e.vector(), e.read32(tKStack-12))
	}
}
