package cpu

import (
	"strings"
	"testing"

	"github.com/kppemu/kppemu/mmu"
)

// frame returns n quadwords from the top of the current stack.
func (e *testEnv) frame(n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = e.read64(e.c.GPR[RSP] + 8*uint64(i))
	}
	return out
}

func eqFrame(t *testing.T, got, want []uint64) {
	t.Helper()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("frame[%d]=%#x want %#x (frame %#x)", i, got[i], want[i], got)
		}
	}
}

func TestExceptionFrameSamePrivilege(t *testing.T) {
	e := newTestEnv(t, 0)
	e.code(0x0F, 0x0B) // ud2
	e.run(10)
	if e.vector() != VecUD {
		t.Fatalf("vector %d", e.vector())
	}
	if e.c.GPR[RSP] != tKStack-40 {
		t.Fatalf("rsp %#x", e.c.GPR[RSP])
	}
	eqFrame(t, e.frame(5), []uint64{tCode, selKCode64, flagRsv1 | FlagRF, tKStack, selKData})
}

func TestExceptionFrameAlignsStack(t *testing.T) {
	e := newTestEnv(t, 0)
	e.c.GPR[RSP] = tKStack - 8
	e.code(0x0F, 0x0B)
	e.run(10)
	if e.c.GPR[RSP] != tKStack-16-40 {
		t.Fatalf("rsp %#x", e.c.GPR[RSP])
	}
	eqFrame(t, e.frame(5), []uint64{tCode, selKCode64, flagRsv1 | FlagRF, tKStack - 8, selKData})
}

func TestInterruptFromRing3(t *testing.T) {
	e := newTestEnv(t, 3)
	e.setGate(VecBP, tStubs+16*VecBP, sysTrapGate, 3, 0)
	e.c.RFLAGS |= FlagIF
	e.code(0xCC) // int3
	e.run(10)
	if e.vector() != VecBP || e.c.CPL != 0 {
		t.Fatalf("vector %d cpl %d", e.vector(), e.c.CPL)
	}
	if e.c.GPR[RSP] != tKStack-40 {
		t.Fatalf("rsp %#x", e.c.GPR[RSP])
	}
	eqFrame(t, e.frame(5), []uint64{tCode + 1, selUCode64 | 3, flagRsv1 | FlagIF, tUStack, selUData | 3})
	if e.c.Seg[SS].Selector != 0 || e.c.Seg[CS].Selector != selKCode64 {
		t.Fatalf("ss %#x cs %#x", e.c.Seg[SS].Selector, e.c.Seg[CS].Selector)
	}
	if e.c.RFLAGS&FlagIF == 0 {
		t.Fatalf("trap gate cleared IF")
	}
}

func TestSoftwareIntGateDPL(t *testing.T) {
	e := newTestEnv(t, 3)
	e.code(0xCD, 0x80) // int 0x80 through a DPL-0 gate
	e.run(10)
	if e.vector() != VecGP {
		t.Fatalf("vector %d", e.vector())
	}
	eqFrame(t, e.frame(6), []uint64{0x80<<3 | 2, tCode, selUCode64 | 3, flagRsv1 | FlagRF, tUStack, selUData | 3})
}

func TestPageFaultErrorCodes(t *testing.T) {
	cases := []struct {
		name string
		cpl  uint8
		code []byte
		want uint64
	}{
		{"user-read-notpresent", 3, []byte{0x8B, 0x03}, mmuPFUser},               // mov eax, [rbx]
		{"user-write-notpresent", 3, []byte{0x89, 0x03}, mmuPFUser | mmuPFWrite}, // mov [rbx], eax
		{"kernel-write-notpresent", 0, []byte{0x89, 0x03}, mmuPFWrite},           // mov [rbx], eax
		{"user-write-supervisor", 3, []byte{0x89, 0x43, 0x10}, 0x7},              // mov [rbx+0x10], eax on a supervisor page
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, tc.cpl)
			const hole = tData + 0x5000
			if tc.want == 0x7 {
				e.poke64(0x4000+8*(hole>>12), hole|0x3) // present, writable, supervisor
				e.c.GPR[RBX] = hole - 0x10
			} else {
				e.poke64(0x4000+8*(hole>>12), 0) // not present
				e.c.GPR[RBX] = hole
			}
			e.code(tc.code...)
			e.run(10)
			if e.vector() != VecPF {
				t.Fatalf("vector %d", e.vector())
			}
			if e.c.CR2 != hole {
				t.Fatalf("cr2 %#x", e.c.CR2)
			}
			if got := e.frame(2); got[0] != tc.want || got[1] != tCode {
				t.Fatalf("error code %#x rip %#x, want %#x", got[0], got[1], tc.want)
			}
		})
	}
}

const (
	mmuPFWrite = 2
	mmuPFUser  = 4
)

func TestISTStack(t *testing.T) {
	e := newTestEnv(t, 0)
	e.setGate(VecUD, tStubs+16*VecUD, sysIntGate, 0, 1)
	e.code(0x0F, 0x0B)
	e.run(10)
	if e.c.GPR[RSP] != tISTStack-40 {
		t.Fatalf("rsp %#x", e.c.GPR[RSP])
	}
	eqFrame(t, e.frame(5), []uint64{tCode, selKCode64, flagRsv1 | FlagRF, tKStack, selKData})
}

func TestDoubleFault(t *testing.T) {
	e := newTestEnv(t, 0)
	// #GP's gate is not present: delivering #GP raises #NP (contributory) -> #DF.
	e.poke64(tIDT+16*VecGP, e.read64(tIDT+16*VecGP)&^(1<<47))
	e.setGate(VecDF, tStubs+16*VecDF, sysIntGate, 0, 1)
	e.c.GPR[RAX] = 0x8000000000000000 // non-canonical
	e.code(0x8B, 0x00)                // mov eax, [rax] -> #GP(0)
	e.run(10)
	if e.vector() != VecDF {
		t.Fatalf("vector %d", e.vector())
	}
	eqFrame(t, e.frame(6), []uint64{0, tCode, selKCode64, flagRsv1, tKStack, selKData})
}

func TestBenignThenContributoryIsSerial(t *testing.T) {
	e := newTestEnv(t, 0)
	// #UD's gate is not present: #NP(6*8+2+1) is delivered normally (no #DF).
	e.poke64(tIDT+16*VecUD, e.read64(tIDT+16*VecUD)&^(1<<47))
	e.code(0x0F, 0x0B)
	e.run(10)
	if e.vector() != VecNP {
		t.Fatalf("vector %d", e.vector())
	}
	if got := e.frame(1)[0]; got != VecUD<<3|3 {
		t.Fatalf("error code %#x", got)
	}
}

func TestTripleFault(t *testing.T) {
	e := newTestEnv(t, 0)
	e.c.IDTR.Limit = 0
	e.code(0x0F, 0x0B)
	ex := e.run(10)
	if ex.Reason != ExitTripleFault {
		t.Fatalf("exit %v", ex.Reason)
	}
	for _, s := range []string{"#UD -> #GP(0x33) -> #GP(0x6b) -> #DF(0x0) -> #GP(0x43)", "0x100000"} {
		if !strings.Contains(ex.Diag, s) {
			t.Fatalf("diag %q lacks %q", ex.Diag, s)
		}
	}
	// Shutdown is sticky: interrupts and NMIs do not wake the CPU.
	e.c.NMI()
	e.c.SetINTR(true)
	if ex2 := e.run(10); ex2.Reason != ExitTripleFault || ex2.Diag != ex.Diag {
		t.Fatalf("second run: %v %q", ex2.Reason, ex2.Diag)
	}
}

func TestPageFaultDuringPageFaultIsDF(t *testing.T) {
	e := newTestEnv(t, 0)
	// The #PF handler's stack is unmapped: #PF while delivering #PF -> #DF on IST1.
	const hole = tData + 0x5000
	e.poke64(0x4000+8*(hole>>12), 0)
	e.poke64(0x4000+8*((tKStack-8)>>12), 0)
	e.setGate(VecDF, tStubs+16*VecDF, sysIntGate, 0, 1)
	e.c.GPR[RBX] = hole
	e.code(0x8B, 0x03)
	e.run(10)
	if e.vector() != VecDF {
		t.Fatalf("vector %d", e.vector())
	}
	if e.c.CR2 != tKStack-8 { // the first push (SS) faults
		t.Fatalf("cr2 %#x", e.c.CR2)
	}
}

func TestSyscallSysret(t *testing.T) {
	e := newTestEnv(t, 3)
	const handler = tCode + 0x800
	e.c.STAR = uint64(selUCode32)<<48 | uint64(selKCode64)<<32
	e.c.LSTAR = handler
	e.c.FMASK = FlagIF | FlagDF
	e.c.RFLAGS |= FlagIF | FlagDF
	e.c.syncPending()
	// user: syscall; mov rsi, 7; int3 (through a DPL-3 gate)
	e.code(0x0F, 0x05, 0x48, 0xC7, 0xC6, 0x07, 0x00, 0x00, 0x00, 0xCC)
	// kernel: mov rbx, rcx; mov rdx, r11; mov r8, rsp; sysretq
	e.load(handler, []byte{0x48, 0x89, 0xCB, 0x4C, 0x89, 0xDA, 0x49, 0x89, 0xE0, 0x48, 0x0F, 0x07})
	e.setGate(VecBP, tStubs+16*VecBP, sysIntGate, 3, 0)
	e.c.Step()
	if e.c.CPL != 0 || e.c.RIP != handler || e.c.Seg[CS].Selector != selKCode64 || e.c.Seg[SS].Selector != selKData {
		t.Fatalf("after syscall cpl %d rip %#x cs %#x ss %#x", e.c.CPL, e.c.RIP, e.c.Seg[CS].Selector, e.c.Seg[SS].Selector)
	}
	if e.c.RFLAGS&(FlagIF|FlagDF) != 0 {
		t.Fatalf("FMASK not applied: %#x", e.c.RFLAGS)
	}
	e.run(10)
	if e.vector() != VecBP {
		t.Fatalf("vector %d", e.vector())
	}
	if e.c.GPR[RBX] != tCode+2 || e.c.GPR[RDX] != flagRsv1|FlagIF|FlagDF || e.c.GPR[R8] != tUStack || e.c.GPR[RSI] != 7 {
		t.Fatalf("rcx %#x r11 %#x rsp %#x rsi %d", e.c.GPR[RBX], e.c.GPR[RDX], e.c.GPR[R8], e.c.GPR[RSI])
	}
	// Frame of the int3 from ring 3 after SYSRET: CS = STAR[63:48]+16 | 3, SS = +8 | 3.
	eqFrame(t, e.frame(5), []uint64{tCode + 10, selUCode64 | 3, flagRsv1 | FlagIF | FlagDF, tUStack, selUData | 3})
}

func TestSysretNonCanonicalGP(t *testing.T) {
	e := newTestEnv(t, 0)
	e.c.GPR[RCX] = 0x0000800000000000
	e.code(0x48, 0x0F, 0x07)
	e.run(10)
	if e.vector() != VecGP || e.c.CPL != 0 {
		t.Fatalf("vector %d cpl %d", e.vector(), e.c.CPL)
	}
}

func TestIretqToRing3(t *testing.T) {
	e := newTestEnv(t, 0)
	// push 0x23; push tUStack; push 0x202; push 0x2b; push tCode+0x100; iretq
	e.code(0x6A, 0x23, 0x68, 0x00, 0xF0, 0x05, 0x00, 0x68, 0x02, 0x02, 0x00, 0x00,
		0x6A, 0x2B, 0x68, 0x00, 0x01, 0x10, 0x00, 0x48, 0xCF)
	e.load(tCode+0x100, []byte{0x0F, 0x20, 0xC0}) // mov rax, cr0 -> #GP at CPL 3
	e.c.Seg[DS] = segFromDesc(selKData, descKData)
	e.run(20)
	if e.vector() != VecGP {
		t.Fatalf("vector %d", e.vector())
	}
	eqFrame(t, e.frame(6), []uint64{0, tCode + 0x100, selUCode64 | 3, flagRsv1 | FlagIF | FlagRF, tUStack, selUData | 3})
	if e.c.Seg[DS].Selector != 0 {
		t.Fatalf("DS %#x not nulled on return to ring 3", e.c.Seg[DS].Selector)
	}
}

func TestIretqSamePrivilege(t *testing.T) {
	e := newTestEnv(t, 0)
	// mov rax, rsp; push 0x10; push rax; pushfq; push 0x08; lea rcx,[rip+1]; push rcx; iretq; hlt
	e.code(0x48, 0x89, 0xE0, 0x6A, 0x10, 0x50, 0x9C, 0x6A, 0x08,
		0x48, 0x8D, 0x0D, 0x03, 0x00, 0x00, 0x00, 0x51, 0x48, 0xCF, 0xF4)
	e.mustHalt(20)
	if e.c.GPR[RSP] != tKStack || e.c.RIP != tCode+20 {
		t.Fatalf("rsp %#x rip %#x", e.c.GPR[RSP], e.c.RIP)
	}
}

func TestPrivilegedInstructionsRing3(t *testing.T) {
	cases := []struct {
		name string
		code []byte
		vec  int
	}{
		{"hlt", []byte{0xF4}, VecGP},
		{"cli", []byte{0xFA}, VecGP},
		{"sti", []byte{0xFB}, VecGP},
		{"mov-cr3", []byte{0x0F, 0x22, 0xD8}, VecGP},
		{"mov-dr7", []byte{0x0F, 0x21, 0xF8}, VecGP},
		{"rdmsr", []byte{0x0F, 0x32}, VecGP},
		{"wrmsr", []byte{0x0F, 0x30}, VecGP},
		{"lgdt", []byte{0x0F, 0x01, 0x10}, VecGP},
		{"lidt", []byte{0x0F, 0x01, 0x18}, VecGP},
		{"ltr", []byte{0x0F, 0x00, 0xD8}, VecGP},
		{"invlpg", []byte{0x0F, 0x01, 0x38}, VecGP},
		{"wbinvd", []byte{0x0F, 0x09}, VecGP},
		{"swapgs", []byte{0x0F, 0x01, 0xF8}, VecGP},
		{"in", []byte{0xE4, 0x60}, VecGP},
		{"out", []byte{0xEE}, VecGP},
		{"sysret", []byte{0x48, 0x0F, 0x07}, VecGP},
		{"clac", []byte{0x0F, 0x01, 0xCA}, VecUD},
		{"lock-reg", []byte{0xF0, 0x01, 0xC0}, VecUD},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, 3)
			e.code(tc.code...)
			e.run(10)
			if e.vector() != tc.vec {
				t.Fatalf("vector %d want %d", e.vector(), tc.vec)
			}
			if tc.vec == VecGP && e.frame(1)[0] != 0 {
				t.Fatalf("error code %#x", e.frame(1)[0])
			}
		})
	}
}

func TestIOPermissionBitmap(t *testing.T) {
	e := newTestEnv(t, 3)
	// TSS limit covers a bitmap at 0x68 that allows ports 0x60-0x67 only.
	e.c.TR.Limit = 0x68 + 0x20
	e.load(tTSS+0x66, []byte{0x68, 0x00})
	bm := make([]byte, 0x20)
	for i := range bm {
		bm[i] = 0xFF
	}
	bm[0x60/8] = 0
	e.load(tTSS+0x68, bm)
	e.bus.in = func(port uint16, size int) uint32 { return 0xAB }
	e.code(0xE4, 0x60, 0xE4, 0x68) // in al, 0x60; in al, 0x68
	e.c.Step()
	if e.c.GPR[RAX]&0xFF != 0xAB {
		t.Fatalf("in al = %#x", e.c.GPR[RAX])
	}
	e.run(10)
	if e.vector() != VecGP {
		t.Fatalf("vector %d", e.vector())
	}
}

func TestSingleStep(t *testing.T) {
	e := newTestEnv(t, 0)
	e.setGate(VecDB, tStubs+16*VecDB, sysIntGate, 0, 0)
	// pushfq; or qword [rsp], 0x100; popfq; nop; nop
	e.code(0x9C, 0x48, 0x81, 0x0C, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9D, 0x90, 0x90)
	e.run(20)
	if e.vector() != VecDB {
		t.Fatalf("vector %d", e.vector())
	}
	// The trap comes after the first instruction executed with TF=1 (the first NOP).
	eqFrame(t, e.frame(3), []uint64{tCode + 11, selKCode64, flagRsv1 | FlagTF})
	if e.c.DR[6]&(1<<14) == 0 || e.c.RFLAGS&FlagTF != 0 {
		t.Fatalf("dr6 %#x rflags %#x", e.c.DR[6], e.c.RFLAGS)
	}
}

func TestExternalInterruptAndShadow(t *testing.T) {
	e := newTestEnv(t, 0)
	e.code(0xFB, 0x90, 0x90, 0xF4) // sti; nop; nop; hlt
	e.c.SetINTR(true)
	e.run(20)
	if e.vector() != 0x20 || e.intr.acks != 1 {
		t.Fatalf("vector %d acks %d", e.vector(), e.intr.acks)
	}
	// STI's shadow covers the first NOP: the interrupt arrives before the second.
	eqFrame(t, e.frame(3), []uint64{tCode + 2, selKCode64, flagRsv1 | FlagIF})
	if e.c.RFLAGS&FlagIF != 0 {
		t.Fatalf("interrupt gate left IF set")
	}
}

func TestHaltAndWake(t *testing.T) {
	e := newTestEnv(t, 0)
	e.c.RFLAGS |= FlagIF
	e.c.syncPending()
	e.code(0xF4, 0x90)
	if ex := e.run(10); ex.Reason != ExitHalt {
		t.Fatalf("exit %v", ex.Reason)
	}
	if ex := e.run(10); ex.Reason != ExitHalt {
		t.Fatalf("exit %v while still halted", ex.Reason)
	}
	e.c.SetINTR(true)
	e.run(10)
	if e.vector() != 0x20 {
		t.Fatalf("vector %d", e.vector())
	}
	eqFrame(t, e.frame(1), []uint64{tCode + 1})
	e2 := newTestEnv(t, 0)
	e2.code(0xF4)
	if ex := e2.run(10); ex.Reason != ExitDeadHalt {
		t.Fatalf("exit %v with IF=0", ex.Reason)
	}
}

func TestNMI(t *testing.T) {
	e := newTestEnv(t, 0)
	e.code(0x90, 0x90, 0xF4)
	e.c.NMI()
	e.run(10)
	if e.vector() != VecNMI {
		t.Fatalf("vector %d", e.vector())
	}
	eqFrame(t, e.frame(1), []uint64{tCode})
	if !e.c.NMIBlocked {
		t.Fatalf("NMI not blocked until IRET")
	}
}

// newTestEnv32 builds a CPU in 32-bit protected mode, paging off, CPL 0, flat segments:
// the Multiboot entry state.
func newTestEnv32(t *testing.T) *testEnv {
	e := newTestEnv(t, 0)
	s := e.c.Snapshot()
	s.CR0 = CR0PE | CR0ET
	s.CR4 = 0
	s.CR3 = 0
	s.EFER = 0
	s.Seg[CS] = segFromDesc(selKCode32, descKCode32)
	for _, i := range []int{ES, SS, DS, FS, GS} {
		s.Seg[i] = segFromDesc(selKData, descKData)
	}
	s.GDTR = DTR{Base: tGDT, Limit: 0x4F}
	s.IDTR = DTR{}
	s.TR = Segment{}
	s.RIP = tCode
	s.GPR[RSP] = tKStack
	e.c.Restore(s)
	return e
}

func TestSwitchToLongMode(t *testing.T) {
	e := newTestEnv32(t)
	// mov eax,cr4; or eax,0x20; mov cr4,eax; mov ecx,0xC0000080; rdmsr; or eax,0x100; wrmsr;
	// mov eax,0x1000; mov cr3,eax; mov eax,cr0; or eax,0x80000000; mov cr0,eax; ljmp 0x08:tCode+0x40
	e.code(0x0F, 0x20, 0xE0, 0x83, 0xC8, 0x20, 0x0F, 0x22, 0xE0, 0xB9, 0x80, 0x00, 0x00, 0xC0, 0x0F,
		0x32, 0x0D, 0x00, 0x01, 0x00, 0x00, 0x0F, 0x30, 0xB8, 0x00, 0x10, 0x00, 0x00, 0x0F, 0x22,
		0xD8, 0x0F, 0x20, 0xC0, 0x0D, 0x00, 0x00, 0x00, 0x80, 0x0F, 0x22, 0xC0, 0xEA, 0x40, 0x00,
		0x10, 0x00, 0x08, 0x00)
	// 64-bit: mov rax, 0x123456789abc; mov ebx, 0x10; mov ds, ebx; mov ss, ebx; hlt
	e.load(tCode+0x40, []byte{0x48, 0xB8, 0xBC, 0x9A, 0x78, 0x56, 0x34, 0x12, 0x00, 0x00,
		0xBB, 0x10, 0x00, 0x00, 0x00, 0x8E, 0xDB, 0x8E, 0xD3, 0xF4})
	for i := 0; i < 12; i++ {
		if ex := e.c.Step(); ex.Reason != ExitBudget {
			t.Fatalf("step %d: %v %s", i, ex.Reason, ex.Diag)
		}
	}
	// Paging is on with EFER.LMA=1: compatibility mode until the far jump.
	if e.c.EFER&EFERLMA == 0 || e.c.long || e.c.mode != 32 {
		t.Fatalf("after CR0.PG: efer %#x long %v mode %d", e.c.EFER, e.c.long, e.c.mode)
	}
	e.mustHalt(20)
	if !e.c.long || e.c.mode != 64 || e.c.GPR[RAX] != 0x123456789ABC || e.c.Seg[CS].Selector != selKCode64 {
		t.Fatalf("long %v mode %d rax %#x cs %#x", e.c.long, e.c.mode, e.c.GPR[RAX], e.c.Seg[CS].Selector)
	}
}

func TestLongModeChecks(t *testing.T) {
	e := newTestEnv32(t)
	// PG with LME but without PAE -> #GP. Use a 32-bit IDT-less CPU: expect triple fault.
	// mov ecx,0xC0000080; rdmsr; or eax,0x100; wrmsr; mov eax,cr0; or eax,0x80000000; mov cr0,eax
	e.code(0xB9, 0x80, 0x00, 0x00, 0xC0, 0x0F, 0x32, 0x0D, 0x00, 0x01, 0x00, 0x00, 0x0F, 0x30,
		0x0F, 0x20, 0xC0, 0x0D, 0x00, 0x00, 0x00, 0x80, 0x0F, 0x22, 0xC0)
	ex := e.run(20)
	if ex.Reason != ExitTripleFault || !strings.Contains(ex.Diag, "#GP(0x0)") {
		t.Fatalf("exit %v %q", ex.Reason, ex.Diag)
	}
	if e.c.EFER&EFERLMA != 0 {
		t.Fatalf("LMA set")
	}
}

func TestProtectedModeIDT(t *testing.T) {
	e := newTestEnv32(t)
	// 32-bit interrupt gate for #UD at 0x9000 -> handler at tStubs+16*6 (a HLT).
	const idt = 0x9000
	h := uint64(tStubs + 16*VecUD)
	e.poke64(idt+8*VecUD, h&0xFFFF|selKCode32<<16|uint64(0x80|sysIntGate)<<40|(h>>16)<<48)
	e.c.IDTR = DTR{Base: idt, Limit: 0x7FF}
	e.code(0x0F, 0x0B)
	e.run(10)
	if e.vector() != VecUD {
		t.Fatalf("vector %d", e.vector())
	}
	if e.c.GPR[RSP] != tKStack-12 {
		t.Fatalf("esp %#x", e.c.GPR[RSP])
	}
	if e.read32(tKStack-12) != tCode || e.read32(tKStack-8) != selKCode32 || e.read32(tKStack-4) != flagRsv1|FlagRF {
		t.Fatalf("frame %#x %#x %#x", e.read32(tKStack-12), e.read32(tKStack-8), e.read32(tKStack-4))
	}
}

func TestMSRs(t *testing.T) {
	e := newTestEnv(t, 0)
	// mov ecx, 0xC0000082; mov eax, 0x11223344; mov edx, 0xffffffff; wrmsr; rdmsr
	e.code(0xB9, 0x82, 0x00, 0x00, 0xC0, 0xB8, 0x44, 0x33, 0x22, 0x11, 0xBA, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x30, 0xF4)
	e.mustHalt(10)
	if e.c.LSTAR != 0xFFFFFFFF11223344 {
		t.Fatalf("lstar %#x", e.c.LSTAR)
	}
	// Non-canonical LSTAR and read-only MSRs -> #GP(0).
	for _, ecx := range []uint64{0xC0000082, msrCoreThreads, msrMTRRCap} {
		e := newTestEnv(t, 0)
		e.c.GPR[RCX] = ecx
		e.c.GPR[RDX] = 0x00008000
		e.code(0x0F, 0x30)
		e.run(10)
		if e.vector() != VecGP {
			t.Fatalf("msr %#x: vector %d", ecx, e.vector())
		}
	}
	// MSRs this CPU does not implement read as 0 and ignore writes, as on QEMU.
	for _, ecx := range []uint64{0, 0x17, 0x48, 0x10A, 0x6E0, 0x802, 0x12345, 0x12345678, 0xFFFFFFFF} {
		e := newTestEnv(t, 0)
		e.c.GPR[RCX] = ecx
		e.c.GPR[RDX] = 0x00008000
		e.c.GPR[RAX] = 5
		// wrmsr; mov eax, -1; mov edx, eax; rdmsr; hlt
		e.code(0x0F, 0x30, 0xB8, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0xC2, 0x0F, 0x32, 0xF4)
		e.mustHalt(10)
		if e.c.GPR[RAX] != 0 || e.c.GPR[RDX] != 0 {
			t.Fatalf("msr %#x: %#x:%#x", ecx, e.c.GPR[RDX], e.c.GPR[RAX])
		}
	}
	e = newTestEnv(t, 0)
	e.c.Clock = 1000
	e.c.GPR[RCX] = msrTSC
	e.code(0x0F, 0x32, 0xF4)
	e.mustHalt(10)
	if e.c.GPR[RAX] != 1001 {
		t.Fatalf("tsc %d", e.c.GPR[RAX])
	}
}

func TestCPUIDCoherent(t *testing.T) {
	c := newTestEnv(t, 0).c
	_, b, cx, d := c.CPUID(0, 0)
	if string([]byte{byte(b), byte(b >> 8), byte(b >> 16), byte(b >> 24), byte(d), byte(d >> 8), byte(d >> 16), byte(d >> 24),
		byte(cx), byte(cx >> 8), byte(cx >> 16), byte(cx >> 24)}) != "GenuineIntel" {
		t.Fatalf("vendor")
	}
	_, _, ecx1, _ := c.CPUID(1, 0)
	if ecx1&(1<<21) != 0 || ecx1&(1<<24) != 0 {
		t.Fatalf("x2APIC or TSC-deadline advertised without the platform's word: %#x", ecx1)
	}
	_, _, _, edx81 := c.CPUID(0x80000001, 0)
	for _, b := range []uint{11, 20, 26, 27, 29} {
		if edx81&(1<<b) == 0 {
			t.Fatalf("0x80000001.EDX bit %d missing", b)
		}
	}
}

func TestSegmentLoadChecks(t *testing.T) {
	cases := []struct {
		name string
		sel  uint16
		cpl  uint8
		vec  int
		code uint64
	}{
		{"code-into-ds-unreadable", selKCode64, 0, -1, 0}, // readable code (type A) is fine
		{"beyond-gdt", 0x100, 0, VecGP, 0x100},
		{"user-loads-kernel-data", selKData, 3, VecGP, selKData},
		{"ss-null-user", 0, 3, VecGP, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, tc.cpl)
			e.c.GPR[RAX] = uint64(tc.sel)
			if tc.name == "ss-null-user" {
				e.code(0x8E, 0xD0, 0xCC) // mov ss, eax
			} else {
				e.code(0x8E, 0xD8, 0xCC) // mov ds, eax
			}
			e.setGate(VecBP, tStubs+16*VecBP, sysIntGate, 3, 0)
			e.run(10)
			want := tc.vec
			if want < 0 {
				want = VecBP
			}
			if e.vector() != want {
				t.Fatalf("vector %d want %d", e.vector(), want)
			}
			if tc.vec == VecGP && e.frame(1)[0] != tc.code {
				t.Fatalf("error code %#x", e.frame(1)[0])
			}
		})
	}
}

// TestCPUIDTopology: leaves 1, 0xB and 0x80000008 and MSR_CORE_THREAD_COUNT describe one
// package of n single-threaded cores, with the values QEMU 7.2 reports for -smp n.
func TestCPUIDTopology(t *testing.T) {
	type want struct {
		ebx1, htt       uint32
		b0, b1, b2      [4]uint32
		ecx88, coreThrd uint64
	}
	cases := []struct {
		n, id int
		w     want
	}{
		{1, 0, want{0x800, 0, [4]uint32{0, 1, 0x100, 0}, [4]uint32{0, 1, 0x201, 0}, [4]uint32{0, 0, 2, 0}, 0, 0x10001}},
		{4, 0, want{0x40800, 1 << 28, [4]uint32{0, 1, 0x100, 0}, [4]uint32{2, 4, 0x201, 0}, [4]uint32{0, 0, 2, 0}, 0x2003, 0x40004}},
		{4, 3, want{0x3040800, 1 << 28, [4]uint32{0, 1, 0x100, 3}, [4]uint32{2, 4, 0x201, 3}, [4]uint32{0, 0, 2, 3}, 0x2003, 0x40004}},
		{5, 4, want{0x4050800, 1 << 28, [4]uint32{0, 1, 0x100, 4}, [4]uint32{3, 5, 0x201, 4}, [4]uint32{0, 0, 2, 4}, 0x3004, 0x50005}},
		{16, 15, want{0xF100800, 1 << 28, [4]uint32{0, 1, 0x100, 15}, [4]uint32{4, 16, 0x201, 15}, [4]uint32{0, 0, 2, 15}, 0x400F, 0x100010}},
	}
	for _, tc := range cases {
		c := New(Config{Mem: mmu.New(1 << 20), APICID: uint8(tc.id), CPUs: tc.n})
		_, b, _, d := c.CPUID(1, 0)
		if b != tc.w.ebx1 || d&(1<<28) != tc.w.htt {
			t.Errorf("n=%d id=%d: leaf 1 ebx %#x edx %#x", tc.n, tc.id, b, d)
		}
		for sub, w := range [][4]uint32{tc.w.b0, tc.w.b1, tc.w.b2} {
			a, b, cx, d := c.CPUID(0xB, uint32(sub))
			if got := [4]uint32{a, b, cx, d}; got != w {
				t.Errorf("n=%d id=%d: leaf 0xB.%d = %#x, want %#x", tc.n, tc.id, sub, got, w)
			}
		}
		if _, _, cx, _ := c.CPUID(0x80000008, 0); uint64(cx) != tc.w.ecx88 {
			t.Errorf("n=%d: 0x80000008 ecx %#x", tc.n, cx)
		}
		if v, ok := c.ReadMSR(msrCoreThreads); !ok || v != tc.w.coreThrd {
			t.Errorf("n=%d: MSR 0x35 %#x", tc.n, v)
		}
	}
}
