package cpu

import (
	"slices"
	"strings"
	"testing"
)

func TestDecoderTraps(t *testing.T) {
	e := newTestEnv(t, 0)
	e.c.TSCAux = 7
	e.c.Clock = 5000
	e.c.GPR[RBX] = 0xFFFFFFFFFFFFFFFF
	// endbr64; endbr32; clac; stac; rdrand rax; rdrand ecx; rdseed rdx; rdseed bx; rdtscp; hlt
	e.code(0xF3, 0x0F, 0x1E, 0xFA, 0xF3, 0x0F, 0x1E, 0xFB, 0x0F, 0x01, 0xCA, 0x0F, 0x01, 0xCB, 0x48, 0x0F,
		0xC7, 0xF0, 0x0F, 0xC7, 0xF1, 0x48, 0x0F, 0xC7, 0xFA, 0x66, 0x0F, 0xC7, 0xFB, 0x0F, 0x01, 0xF9, 0xF4)
	e.c.Step()
	e.c.Step()
	e.c.Step()
	if e.c.RFLAGS&FlagAC != 0 {
		t.Fatalf("clac")
	}
	e.c.Step()
	if e.c.RFLAGS&FlagAC == 0 {
		t.Fatalf("stac")
	}
	for i := 0; i < 4; i++ {
		e.c.Step()
	}
	if e.c.GPR[RAX]>>32 == 0 || e.c.GPR[RCX]>>32 != 0 || e.c.GPR[RDX]>>32 == 0 || e.c.GPR[RBX]>>16 != 0xFFFFFFFFFFFF {
		t.Fatalf("rdrand/rdseed widths: rax %#x rcx %#x rdx %#x rbx %#x", e.c.GPR[RAX], e.c.GPR[RCX], e.c.GPR[RDX], e.c.GPR[RBX])
	}
	if e.c.Flags()&flagsArith != FlagCF {
		t.Fatalf("flags %#x", e.c.Flags())
	}
	e.mustHalt(20)
	// RDTSCP was the 9th instruction: Clock had advanced by 9 when it executed.
	if e.c.GPR[RAX] != 5009 || e.c.GPR[RDX] != 0 || e.c.GPR[RCX] != 7 {
		t.Fatalf("rdtscp eax %d edx %d ecx %d", e.c.GPR[RAX], e.c.GPR[RDX], e.c.GPR[RCX])
	}
	// The same seed gives the same numbers.
	e2 := newTestEnv(t, 0)
	e2.code(0x48, 0x0F, 0xC7, 0xF0, 0xF4)
	e2.mustHalt(5)
	e3 := newTestEnv(t, 0)
	e3.code(0x48, 0x0F, 0xC7, 0xF0, 0xF4)
	e3.mustHalt(5)
	if e2.c.GPR[RAX] != e3.c.GPR[RAX] {
		t.Fatalf("rdrand not deterministic")
	}
}

func TestXGETBV(t *testing.T) {
	e := newTestEnv(t, 0)
	e.code(0xB9, 0x00, 0x00, 0x00, 0x00, 0x0F, 0x01, 0xD0, 0xF4)
	e.run(10)
	if hasXSAVE() {
		t.Skip("XSAVE advertised: CR4.OSXSAVE path tested elsewhere")
	}
	// Without CR4.OSXSAVE (which cannot be set while XSAVE is not advertised): #UD.
	if e.vector() != VecUD {
		t.Fatalf("vector %d", e.vector())
	}
}

func TestProtectedModePrivilegeChange(t *testing.T) {
	e := newTestEnv32(t)
	// Ring-3 32-bit code with a 32-bit TSS: INT 0x30 through a DPL-3 gate switches to SS0:ESP0.
	const idt, tss = 0x9000, 0xA000
	h := uint64(tStubs + 16*0x30)
	e.poke64(idt+8*0x30, h&0xFFFF|selKCode32<<16|uint64(0x80|sysIntGate|3<<5)<<40|(h>>16)<<48)
	e.c.IDTR = DTR{Base: idt, Limit: 0x7FF}
	e.load(tss+4, []byte{0x00, 0xF0, 0x07, 0x00, selKData, 0}) // ESP0 = tKStack, SS0 = 0x10
	e.c.TR = Segment{Selector: selTSS, Base: tss, Limit: 0x67, Attr: attrP | sysTSSBusy}
	e.c.Seg[CS] = segFromDesc(selUCode32|3, descUCode32)
	e.c.Seg[SS] = segFromDesc(selUData|3, descUData)
	e.c.Seg[DS] = segFromDesc(selUData|3, descUData)
	e.c.setCPL(3)
	e.c.GPR[RSP] = tUStack
	e.code(0xCD, 0x30)
	e.run(10)
	if e.vector() != 0x30 || e.c.CPL != 0 || e.c.Seg[SS].Selector != selKData {
		t.Fatalf("vector %d cpl %d ss %#x", e.vector(), e.c.CPL, e.c.Seg[SS].Selector)
	}
	if e.c.GPR[RSP] != tKStack-20 {
		t.Fatalf("esp %#x", e.c.GPR[RSP])
	}
	want := []uint32{tCode + 2, selUCode32 | 3, flagRsv1, tUStack, selUData | 3}
	for i, w := range want {
		if got := e.read32(tKStack - 20 + 4*uint64(i)); got != w {
			t.Fatalf("frame[%d]=%#x want %#x", i, got, w)
		}
	}
	// IRETD back to ring 3.
	e.load(tStubs+16*0x30, []byte{0xCF}) // iretd
	e.c.RIP = tStubs + 16*0x30
	e.c.Halted = false
	e.c.syncPending()
	e.c.Step()
	if e.c.CPL != 3 || e.c.RIP != tCode+2 || e.c.GPR[RSP] != tUStack || e.c.Seg[SS].Selector != selUData|3 {
		t.Fatalf("after iretd: cpl %d rip %#x esp %#x ss %#x", e.c.CPL, e.c.RIP, e.c.GPR[RSP], e.c.Seg[SS].Selector)
	}
}

func TestLretToOuterPrivilege(t *testing.T) {
	e := newTestEnv(t, 0)
	// push 0x23; push tUStack; push 0x2b; push tCode+0x100; retfq (REX.W)
	e.code(0x6A, 0x23, 0x68, 0x00, 0xF0, 0x05, 0x00, 0x6A, 0x2B, 0x68, 0x00, 0x01, 0x10, 0x00, 0x48, 0xCB)
	e.load(tCode+0x100, []byte{0xF4}) // hlt at CPL 3 -> #GP
	e.run(10)
	if e.vector() != VecGP {
		t.Fatalf("vector %d", e.vector())
	}
	eqFrame(t, e.frame(6), []uint64{0, tCode + 0x100, selUCode64 | 3, flagRsv1 | FlagRF, tUStack, selUData | 3})
}

func TestPopfPrivilege(t *testing.T) {
	// At CPL 3 with IOPL 0, POPF cannot change IF or IOPL and does not fault.
	e := newTestEnv(t, 3)
	e.c.RFLAGS |= FlagIF
	e.c.syncPending()
	// push 0x3000 (IOPL=3, IF=0); popfq; pushfq; pop rax; int3
	e.code(0x68, 0x00, 0x30, 0x00, 0x00, 0x9D, 0x9C, 0x58, 0xCC)
	e.setGate(VecBP, tStubs+16*VecBP, sysIntGate, 3, 0)
	e.run(10)
	if e.c.GPR[RAX] != flagRsv1|FlagIF {
		t.Fatalf("rflags after popf %#x", e.c.GPR[RAX])
	}
}

func TestCLWBIsUD(t *testing.T) {
	e := newTestEnv(t, 0)
	e.code(0x66, 0x0F, 0xAE, 0x30) // clwb [rax] (x86asm: XSAVEOPT)
	e.run(10)
	if e.vector() != VecUD {
		t.Fatalf("vector %d", e.vector())
	}
}

func TestUMIP(t *testing.T) {
	e := newTestEnv(t, 3)
	e.c.CR4 |= CR4UMIP
	e.c.GPR[RBX] = tData
	e.code(0x0F, 0x01, 0x03) // sgdt [rbx]
	e.run(10)
	if e.vector() != VecGP {
		t.Fatalf("vector %d", e.vector())
	}
	_, _, ecx, _ := e.c.CPUID(7, 0)
	if ecx&(1<<2) == 0 {
		t.Fatalf("UMIP not advertised")
	}
}

func TestStringIO(t *testing.T) {
	e := newTestEnv(t, 0)
	n := byte(0)
	e.bus.in = func(port uint16, size int) uint32 { n++; return uint32(n) * 0x01010101 }
	e.load(tData+0x100, []byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66})
	e.c.GPR[RDI] = tData
	e.c.GPR[RSI] = tData + 0x100
	e.c.GPR[RDX] = 0x3F8
	// mov ecx, 3; rep insw; mov ecx, 2; rep outsw (ends the slice); hlt
	e.code(0xB9, 0x03, 0x00, 0x00, 0x00, 0xF3, 0x66, 0x6D, 0xB9, 0x02, 0x00, 0x00, 0x00, 0xF3, 0x66, 0x6F, 0xF4)
	ex := e.run(100)
	if ex.Reason != ExitBudget || e.c.RIP != tCode+16 {
		t.Fatalf("exit %v rip %#x", ex.Reason, e.c.RIP)
	}
	if e.read64(tData) != 0x030302020101 || e.c.GPR[RDI] != tData+6 || e.c.GPR[RCX] != 0 {
		t.Fatalf("ins: mem %#x rdi %#x rcx %d", e.read64(tData), e.c.GPR[RDI], e.c.GPR[RCX])
	}
	if len(e.bus.outs) != 2 || e.bus.outs[0] != (ioRec{0x3F8, 2, 0x2211}) || e.bus.outs[1] != (ioRec{0x3F8, 2, 0x4433}) {
		t.Fatalf("outs %+v", e.bus.outs)
	}
	// DF=1 walks down.
	e2 := newTestEnv(t, 0)
	e2.c.RFLAGS |= FlagDF
	e2.c.GPR[RSI] = tData + 0x101
	e2.load(tData+0x100, []byte{0xAA, 0xBB})
	e2.c.GPR[RCX] = 2
	e2.code(0xF3, 0x6E, 0xF4) // rep outsb
	e2.run(10)
	if len(e2.bus.outs) != 2 || e2.bus.outs[0].v != 0xBB || e2.bus.outs[1].v != 0xAA || e2.c.GPR[RSI] != tData+0xFF {
		t.Fatalf("outs %+v rsi %#x", e2.bus.outs, e2.c.GPR[RSI])
	}
}

func TestSMEPSMAPNX(t *testing.T) {
	// All test pages are user pages: with SMEP a CPL-0 fetch faults (P|I), with SMAP a
	// CPL-0 read faults unless RFLAGS.AC=1 (STAC).
	e := newTestEnv(t, 0)
	e.c.CR4 |= CR4SMEP
	e.c.pushControl()
	e.code(0x90)
	e.c.Step()
	// (The handler stub is on a user page too: its own fetch would fault next.)
	if e.read64(tKStack-48) != 0x11 || e.read64(tKStack-40) != tCode || e.c.CR2 != tCode {
		t.Fatalf("first frame code %#x rip %#x, cr2 %#x", e.read64(tKStack-48), e.read64(tKStack-40), e.c.CR2)
	}

	e = newTestEnv(t, 0)
	// Descriptor tables, stubs and the kernel stack must be supervisor pages under SMAP.
	for _, p := range []uint64{tGDT, tTSS, tIDT, tStubs, tKStack - 0x1000} {
		e.poke64(0x4000+8*(p>>12), p|0x3)
	}
	e.c.CR4 |= CR4SMAP
	e.c.pushControl()
	e.c.GPR[RBX] = tData
	// stac; mov rax, [rbx]; clac; mov rax, [rbx]
	e.code(0x0F, 0x01, 0xCB, 0x48, 0x8B, 0x03, 0x0F, 0x01, 0xCA, 0x48, 0x8B, 0x03)
	e.run(10)
	if e.vector() != VecPF || e.frame(2)[1] != tCode+9 || e.frame(1)[0] != 0x1 {
		t.Fatalf("vector %d frame %#x", e.vector(), e.frame(2))
	}

	e = newTestEnv(t, 0)
	const nxPage = tData + 0x7000
	e.poke64(0x4000+8*(nxPage>>12), nxPage|0x7|1<<63)
	e.load(nxPage, []byte{0x90})
	e.code(0x48, 0xC7, 0xC0, 0x00, 0x70, 0x20, 0x00, 0xFF, 0xE0) // mov rax, nxPage; jmp rax
	e.run(10)
	if e.vector() != VecPF || e.c.CR2 != nxPage || e.frame(1)[0] != 0x11 {
		t.Fatalf("vector %d cr2 %#x code %#x", e.vector(), e.c.CR2, e.frame(1)[0])
	}
}

func TestLarLslVerrVerw(t *testing.T) {
	cases := []struct {
		name string
		code []byte
		sel  uint64
		zf   bool
		rax  uint64
	}{
		{"lar-kcode", []byte{0x0F, 0x02, 0xC3}, selKCode64, true, 0x00A09A00},
		{"lsl-kdata", []byte{0x0F, 0x03, 0xC3}, selKData, true, 0xFFFFFFFF},
		{"lar-null", []byte{0x0F, 0x02, 0xC3}, 0, false, 0x1234},
		{"lar-beyond", []byte{0x0F, 0x02, 0xC3}, 0x400, false, 0x1234},
		{"lsl-tss", []byte{0x0F, 0x03, 0xC3}, selTSS, true, 0x67},
		{"verr-kcode", []byte{0x0F, 0x00, 0xE3}, selKCode64, true, 0x1234},
		{"verw-kcode", []byte{0x0F, 0x00, 0xEB}, selKCode64, false, 0x1234},
		{"verw-udata", []byte{0x0F, 0x00, 0xEB}, selUData | 3, true, 0x1234},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, 0)
			e.c.GPR[RAX] = 0x1234
			e.c.GPR[RBX] = tc.sel
			e.code(append(tc.code, 0xF4)...)
			e.mustHalt(10)
			if e.c.zf() != tc.zf || e.c.GPR[RAX] != tc.rax {
				t.Fatalf("zf %v rax %#x", e.c.zf(), e.c.GPR[RAX])
			}
		})
	}
}

func TestDisassemble(t *testing.T) {
	for _, tc := range []struct {
		b    []byte
		want string
	}{
		{[]byte{0xF3, 0x0F, 0x1E, 0xFA}, "nop (endbr/hint)"},
		{[]byte{0x0F, 0x01, 0xCA}, "clac"},
		{[]byte{0x48, 0x0F, 0xC7, 0xF1}, "rdrand rcx"},
		{[]byte{0x48, 0x89, 0xD8}, "mov rax, rbx"},
		{[]byte{0xC4}, "(bad)"},
	} {
		if got, _ := Disassemble(tc.b, 64); got != tc.want {
			t.Errorf("% x: %q want %q", tc.b, got, tc.want)
		}
	}
}

func TestImplementedList(t *testing.T) {
	ops := Implemented()
	for _, want := range []string{"ADD", "MOV", "IRETQ", "SYSCALL", "WRMSR", "CLAC", "LAR"} {
		if !slices.Contains(ops, want) {
			t.Errorf("%s missing from Implemented()", want)
		}
	}
	t.Logf("%d mnemonics: %s", len(ops), strings.Join(ops, " "))
}
