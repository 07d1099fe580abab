package jit

import (
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

// TestEncodings decodes what the emitter writes and compares the disassembly.
func TestEncodings(t *testing.T) {
	cases := []struct {
		emit func(a *Asm)
		want string
	}{
		{func(a *Asm) { a.MovRR(8, RAX, R9) }, "mov rax, r9"},
		{func(a *Asm) { a.MovRR(1, RSI, RAX) }, "mov sil, al"},
		{func(a *Asm) { a.MovRR(2, R10, RDX) }, "mov r10w, dx"},
		{func(a *Asm) { a.Load(8, RCX, M(RBX, 0x10)) }, "mov rcx, qword ptr [rbx+0x10]"},
		{func(a *Asm) { a.Load(4, R8, M(R12, 0)) }, "mov r8d, dword ptr [r12]"},
		{func(a *Asm) { a.Load(8, RAX, M(R13, 0)) }, "mov rax, qword ptr [r13]"},
		{func(a *Asm) { a.Load(1, RDI, MI(RDX, RCX, 0, 0)) }, "mov dil, byte ptr [rdx+rcx]"},
		{func(a *Asm) { a.Store(2, M(RBX, 0x1000), RAX) }, "mov word ptr [rbx+0x1000], ax"},
		{func(a *Asm) { a.Store(1, M(RBX, 1), RAX) }, "mov byte ptr [rbx+0x1], al"},
		{func(a *Asm) { a.StoreImm(8, M(RBX, 8), -1) }, "mov qword ptr [rbx+0x8], -0x1"},
		{func(a *Asm) { a.MovImm(R11, 0x123456789) }, "mov r11, 0x123456789"},
		{func(a *Asm) { a.MovImm(RAX, 0xFFFFFFFFFFFFFFFF) }, "mov rax, -0x1"},
		{func(a *Asm) { a.MovImm(RDX, 7) }, "mov edx, 0x7"},
		{func(a *Asm) { a.MovImmSized(2, RAX, 0x1234) }, "mov ax, 0x1234"},
		{func(a *Asm) { a.MovImmSized(1, RCX, 0x12) }, "mov cl, 0x12"},
		{func(a *Asm) { a.AluRR(8, ADD, RAX, RCX) }, "add rax, rcx"},
		{func(a *Asm) { a.AluRR(1, SUB, RAX, RCX) }, "sub al, cl"},
		{func(a *Asm) { a.AluRM(4, XOR, RDX, M(RBX, 0x20)) }, "xor edx, dword ptr [rbx+0x20]"},
		{func(a *Asm) { a.AluMR(8, CMP, M(RBX, 0x20), R9) }, "cmp qword ptr [rbx+0x20], r9"},
		{func(a *Asm) { a.AluRI(8, AND, RAX, -16) }, "and rax, -0x10"},
		{func(a *Asm) { a.AluRI(4, OR, RCX, 0x12345) }, "or ecx, 0x12345"},
		{func(a *Asm) { a.AluRI(2, ADC, RCX, 0x1234) }, "adc cx, 0x1234"},
		{func(a *Asm) { a.AluRI(1, SBB, RDX, 5) }, "sbb dl, 0x5"},
		{func(a *Asm) { a.AluMI(8, SUB, M(RBX, 0x80), 1) }, "sub qword ptr [rbx+0x80], 0x1"},
		{func(a *Asm) { a.TestRR(8, RAX, RCX) }, "test rax, rcx"},
		{func(a *Asm) { a.TestRI(1, RAX, 0x40) }, "test al, 0x40"},
		{func(a *Asm) { a.TestMI(2, M(RBX, 0x88), 0x8C5) }, "test word ptr [rbx+0x88], 0x8c5"},
		{func(a *Asm) { a.Movzx(1, RAX, RSI) }, "movzx eax, sil"},
		{func(a *Asm) { a.Movzx(2, R8, RAX) }, "movzx r8d, ax"},
		{func(a *Asm) { a.LoadZx(1, RAX, M(RBX, 1)) }, "movzx eax, byte ptr [rbx+0x1]"},
		{func(a *Asm) { a.Movsx(8, 4, RAX, RCX) }, "movsxd rax, ecx"},
		{func(a *Asm) { a.Movsx(8, 1, RAX, RDI) }, "movsx rax, dil"},
		{func(a *Asm) { a.Movsx(4, 2, RAX, R9) }, "movsx eax, r9w"},
		{func(a *Asm) { a.Lea(8, RAX, MI(RAX, RCX, 3, -8)) }, "lea rax, ptr [rax+8*rcx-0x8]"},
		{func(a *Asm) { a.Lea(4, RAX, M(RSP, 8)) }, "lea eax, ptr [rsp+0x8]"},
		{func(a *Asm) { a.Lea(8, RAX, MI(NoReg, R9, 2, 0x40)) }, "lea rax, ptr [4*r9+0x40]"},
		{func(a *Asm) { a.ShiftRI(8, SHL, RAX, 3) }, "shl rax, 0x3"},
		{func(a *Asm) { a.ShiftRI(4, SAR, RDX, 1) }, "sar edx, 0x1"},
		{func(a *Asm) { a.ShiftRCL(2, SHR, RAX) }, "shr ax, cl"},
		{func(a *Asm) { a.ImulRR(8, RAX, R10) }, "imul rax, r10"},
		{func(a *Asm) { a.ImulRRI(4, RAX, RCX, 1000) }, "imul eax, ecx, 0x3e8"},
		{func(a *Asm) { a.Setcc(CondNE, RSI) }, "setnz sil"},
		{func(a *Asm) { a.Cmovcc(8, CondL, RAX, RCX) }, "cmovl rax, rcx"},
		{func(a *Asm) { a.Not(8, R15) }, "not r15"},
		{func(a *Asm) { a.Neg(1, RAX) }, "neg al"},
		{func(a *Asm) { a.Inc(4, RCX) }, "inc ecx"},
		{func(a *Asm) { a.Dec(2, RCX) }, "dec cx"},
		{func(a *Asm) { a.BtMI(8, M(RBX, 0x88), 0) }, "bt qword ptr [rbx+0x88], 0x0"},
		{func(a *Asm) { a.Bswap(4, R9) }, "bswap r9d"},
		{func(a *Asm) { a.Xchg(8, RAX, RCX) }, "xchg rcx, rax"},
		{func(a *Asm) { a.Push(R12) }, "push r12"},
		{func(a *Asm) { a.Pop(RCX) }, "pop rcx"},
		{func(a *Asm) { a.Pushfq() }, "pushfq"},
		{func(a *Asm) { a.PopMem(M(RBX, 0x300)) }, "pop qword ptr [rbx+0x300]"},
		{func(a *Asm) { a.TestMR(4, M(RCX, 24), R15) }, "test dword ptr [rcx+0x18], r15d"},
		{func(a *Asm) { a.JmpReg(RAX) }, "jmp rax"},
		{func(a *Asm) { a.JmpMem(M(RAX, 0)) }, "jmp qword ptr [rax]"},
		{func(a *Asm) { a.Mul(1, RCX) }, "mul cl"},
		{func(a *Asm) { a.Mul(8, RSI) }, "mul rsi"},
		{func(a *Asm) { a.Imul1(2, RCX) }, "imul cx"},
		{func(a *Asm) { a.Imul1(4, R9) }, "imul r9d"},
		{func(a *Asm) { a.Div(4, RCX) }, "div ecx"},
		{func(a *Asm) { a.Div(1, RSI) }, "div sil"},
		{func(a *Asm) { a.Idiv(8, RCX) }, "idiv rcx"},
		{func(a *Asm) { a.BitRR(8, BT, RAX, RCX) }, "bt rax, rcx"},
		{func(a *Asm) { a.BitRR(2, BTS, RAX, RCX) }, "bts ax, cx"},
		{func(a *Asm) { a.BitRR(4, BTR, R8, RDX) }, "btr r8d, edx"},
		{func(a *Asm) { a.BitRR(8, BTC, RAX, R10) }, "btc rax, r10"},
		{func(a *Asm) { a.BitRI(8, BT, RAX, 63) }, "bt rax, 0x3f"},
		{func(a *Asm) { a.BitRI(4, BTS, RAX, 5) }, "bts eax, 0x5"},
		{func(a *Asm) { a.BitRI(2, BTR, RCX, 15) }, "btr cx, 0xf"},
		{func(a *Asm) { a.BitRI(8, BTC, R9, 1) }, "btc r9, 0x1"},
		{func(a *Asm) { a.Bsf(8, RAX, RSI) }, "bsf rax, rsi"},
		{func(a *Asm) { a.Bsr(4, RDX, RSI) }, "bsr edx, esi"},
		{func(a *Asm) { a.Bsf(2, RDX, R9) }, "bsf dx, r9w"},
		{func(a *Asm) { a.Popcnt(8, RAX, RSI) }, "popcnt rax, rsi"},
		{func(a *Asm) { a.Popcnt(4, R8, RSI) }, "popcnt r8d, esi"},
		{func(a *Asm) { a.Popcnt(2, RAX, R10) }, "popcnt ax, r10w"},
		{func(a *Asm) { a.ShldRI(8, RAX, RDX, 7) }, "shld rax, rdx, 0x7"},
		{func(a *Asm) { a.ShrdRI(2, RAX, RDX, 3) }, "shrd ax, dx, 0x3"},
		{func(a *Asm) { a.ShldRCL(4, RAX, RDX) }, "shld eax, edx, cl"},
		{func(a *Asm) { a.ShrdRCL(8, RAX, R9) }, "shrd rax, r9, cl"},
		{func(a *Asm) { a.MovzxAH(RCX) }, "movzx ecx, ah"},
		{func(a *Asm) { a.MovzxAH(RDI) }, "movzx edi, ah"},
		{func(a *Asm) { a.MovToHigh8(RCX, RAX) }, "mov ch, al"},
		{func(a *Asm) { a.MovToHigh8(RAX, RDX) }, "mov ah, dl"},
		{func(a *Asm) { a.Lahf() }, "lahf"},
		{func(a *Asm) { a.StoreAH(M(RBX, 0x8a8)) }, "mov byte ptr [rbx+0x8a8], ah"},
		{func(a *Asm) { a.Lea(4, RAX, MI(NoReg, RAX, 3, 0)) }, "lea eax, ptr [8*rax]"},
		{func(a *Asm) { l := a.NewLabel(); a.LeaLabel(RAX, l); a.Bind(l) }, "lea rax, ptr [rip]"},
		{func(a *Asm) { l := a.NewLabel(); a.Bind(l); a.LeaLabel(R9, l) }, "lea r9, ptr [rip+0xfffffff9]"},
	}
	for _, c := range cases {
		var a Asm
		c.emit(&a)
		code, err := a.Finish()
		if err != nil {
			t.Errorf("%s: %v", c.want, err)
			continue
		}
		inst, err := x86asm.Decode(code, 64)
		if err != nil {
			t.Errorf("%s: % x does not decode: %v", c.want, code, err)
			continue
		}
		got := strings.ToLower(x86asm.IntelSyntax(inst, 0, nil))
		if inst.Len != len(code) || got != c.want {
			t.Errorf("% x = %q (len %d of %d), want %q", code, got, inst.Len, len(code), c.want)
		}
	}
}

func TestLabels(t *testing.T) {
	var a Asm
	l := a.NewLabel()
	back := a.NewLabel()
	a.Bind(back)
	a.Jcc(CondE, l)
	a.Jmp(back)
	a.Bind(l)
	a.Ret()
	code, err := a.Finish()
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0x0F, 0x84, 5, 0, 0, 0, 0xE9, 0xF5, 0xFF, 0xFF, 0xFF, 0xC3}
	if string(code) != string(want) {
		t.Fatalf("% x, want % x", code, want)
	}
	var b Asm
	b.Jmp(b.NewLabel())
	if _, err := b.Finish(); err == nil {
		t.Fatal("unbound label accepted")
	}
}

// TestEncodingsSys checks the instructions the system and string translations use.
func TestEncodingsSys(t *testing.T) {
	cases := []struct {
		emit func(a *Asm)
		want string
	}{
		{func(a *Asm) { a.LockAluMI(4, OR, M(RBX, 0x123), 0x20) }, "lock or dword ptr [rbx+0x123], 0x20"},
		{func(a *Asm) { a.LockAluMI(4, OR, M(RBX, 8), 0x400) }, "lock or dword ptr [rbx+0x8], 0x400"},
		{func(a *Asm) { a.RepMovs(1) }, "rep movsb byte ptr [rdi], byte ptr [rsi]"},
		{func(a *Asm) { a.RepMovs(2) }, "rep movsw word ptr [rdi], word ptr [rsi]"},
		{func(a *Asm) { a.RepMovs(4) }, "rep movsd dword ptr [rdi], dword ptr [rsi]"},
		{func(a *Asm) { a.RepMovs(8) }, "rep movsq qword ptr [rdi], qword ptr [rsi]"},
		{func(a *Asm) { a.RepStos(1) }, "rep stosb byte ptr [rdi]"},
		{func(a *Asm) { a.RepStos(2) }, "rep stosw word ptr [rdi]"},
		{func(a *Asm) { a.RepStos(4) }, "rep stosd dword ptr [rdi]"},
		{func(a *Asm) { a.RepStos(8) }, "rep stosq qword ptr [rdi]"},
		// (x86asm spells F3h "rep" on every string instruction, REPE included.)
		{func(a *Asm) { a.Cmps(1, RepNone) }, "cmpsb byte ptr [rsi], byte ptr [rdi]"},
		{func(a *Asm) { a.Cmps(2, RepE) }, "rep cmpsw word ptr [rsi], word ptr [rdi]"},
		{func(a *Asm) { a.Cmps(4, RepNE) }, "repne cmpsd dword ptr [rsi], dword ptr [rdi]"},
		{func(a *Asm) { a.Cmps(8, RepE) }, "rep cmpsq qword ptr [rsi], qword ptr [rdi]"},
		{func(a *Asm) { a.Scas(1, RepNE) }, "repne scasb byte ptr [rdi]"},
		{func(a *Asm) { a.Scas(2, RepNone) }, "scasw word ptr [rdi]"},
		{func(a *Asm) { a.Scas(4, RepE) }, "rep scasd dword ptr [rdi]"},
		{func(a *Asm) { a.Scas(8, RepNE) }, "repne scasq qword ptr [rdi]"},
		{func(a *Asm) { a.TestRR(1, RSI, RSI) }, "test sil, sil"},
		{func(a *Asm) { a.Setcc(CondE, RSI) }, "setz sil"},
		{func(a *Asm) { a.Cmovcc(8, CondA, RDX, RSI) }, "cmovnbe rdx, rsi"},
		{func(a *Asm) { a.Lea(8, RCX, MI(RAX, RDX, 0, -1)) }, "lea rcx, ptr [rax+rdx-0x1]"},
	}
	for _, c := range cases {
		var a Asm
		c.emit(&a)
		code, err := a.Finish()
		if err != nil {
			t.Errorf("%s: %v", c.want, err)
			continue
		}
		inst, err := x86asm.Decode(code, 64)
		if err != nil {
			t.Errorf("%s: % x does not decode: %v", c.want, code, err)
			continue
		}
		got := strings.ToLower(x86asm.IntelSyntax(inst, 0, nil))
		if inst.Len != len(code) || got != c.want {
			t.Errorf("% x = %q (len %d of %d), want %q", code, got, inst.Len, len(code), c.want)
		}
	}
}
