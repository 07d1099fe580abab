package cpu

import (
	"math/rand"
	"testing"
)

// ctlLoop calls, returns and jumps every way the block steps of control transfers run
// (CALL rel to the same page and to the next one, RET, RET imm16, CALL and JMP through a
// register and through memory) around memory read-modify-writes with and without LOCK:
//
//	   mov ecx, 23
//	l: call f; push rcx; call g; lea rax, [rip+f]; mov [rbx+8], rax; call [rbx+8]; call rax
//	   lea rdx, [rip+m]; jmp rdx
//	m: lea rdx, [rip+n]; mov [rbx+16], rdx; jmp [rbx+16]
//	n: lock add [rbx+rcx*4], ecx; inc word [rbx+rcx*2]; adc [rbx+rcx], dl; xadd [rbx+24], rsi
//	   cmpxchg [rbx+32], rdx; lock cmpxchg [rbx+rcx*4+40], ecx; neg byte [rbx+rcx]
//	   dec qword [rbx+rcx*2]; not word [rbx+rcx*4]; lock sbb dword [rbx+rcx*4], 7; call fx
//	   sub ecx, 1; jnz l; hlt
//	f: push rcx; add rsi, rcx; pop rcx; ret
//	g: add rsi, [rsp+8]; ret 8
//
// and at offset 0x1000, fx: xor rsi, rax; ret.
var ctlLoop = []byte{0xB9, 0x17, 0x00, 0x00, 0x00, 0xE8, 0x63, 0x00, 0x00, 0x00, 0x51, 0xE8, 0x63, 0x00, 0x00,
	0x00, 0x48, 0x8D, 0x05, 0x56, 0x00, 0x00, 0x00, 0x48, 0x89, 0x43, 0x08, 0xFF, 0x53, 0x08, 0xFF, 0xD0, 0x48,
	0x8D, 0x15, 0x02, 0x00, 0x00, 0x00, 0xFF, 0xE2, 0x48, 0x8D, 0x15, 0x07, 0x00, 0x00, 0x00, 0x48, 0x89, 0x53,
	0x10, 0xFF, 0x63, 0x10, 0xF0, 0x01, 0x0C, 0x8B, 0x66, 0xFF, 0x04, 0x4B, 0x10, 0x14, 0x0B, 0x48, 0x0F, 0xC1,
	0x73, 0x18, 0x48, 0x0F, 0xB1, 0x53, 0x20, 0xF0, 0x0F, 0xB1, 0x4C, 0x8B, 0x28, 0xF6, 0x1C, 0x0B, 0x48, 0xFF,
	0x0C, 0x4B, 0x66, 0xF7, 0x14, 0x8B, 0xF0, 0x83, 0x1C, 0x8B, 0x07, 0xE8, 0x99, 0x0F, 0x00, 0x00, 0x83, 0xE9,
	0x01, 0x75, 0x99, 0xF4, 0x51, 0x48, 0x01, 0xCE, 0x59, 0xC3, 0x48, 0x03, 0x74, 0x24, 0x08, 0xC2, 0x08, 0x00}

var ctlFar = []byte{0x48, 0x31, 0xC6, 0xC3}

// TestCtlBlockLoops runs ctlLoop with block dispatch in budgets of random sizes, with the
// general handlers, and one instruction at a time: registers, flags, RIP, the
// instruction count, the stack and memory agree.
func TestCtlBlockLoops(t *testing.T) {
	defer func() { specialiseOn = true }()
	rng := rand.New(rand.NewSource(17))
	envs := [3]*testEnv{newTestEnv(t, 0), newTestEnv(t, 0), newTestEnv(t, 0)}
	envs[2].c.SetBlockDispatch(false)
	base := envs[0].c.Snapshot()
	for i := 0; i < 20; i++ {
		s := base
		for r := range s.GPR {
			s.GPR[r] = rng.Uint64()
		}
		s.GPR[RSP] = tKStack
		s.GPR[RBX] = tData
		s.RFLAGS = flagRsv1 | uint64(rng.Intn(1<<12))&flagsArith
		data := make([]byte, 512)
		rng.Read(data)
		var states [3]State
		var mem, stack [3][]byte
		for k, e := range envs {
			specialiseOn = k != 1
			e.load(tData, data)
			e.load(tCode+0x1000, ctlFar)
			e.code(ctlLoop...)
			s.RIP = tCode
			e.c.Restore(s)
			if k < 2 {
				for j := 0; ; j++ {
					if j > 100000 {
						t.Fatalf("the loop did not halt")
					}
					n, in0 := uint64(1+rng.Intn(40)), e.c.Instret
					ex := e.run(n)
					halt := ex.Reason == ExitHalt || ex.Reason == ExitDeadHalt
					if e.c.Instret-in0 > n || !halt && e.c.Instret-in0 != n {
						t.Fatalf("a budget of %d ran %d instructions", n, e.c.Instret-in0)
					}
					if halt {
						break
					}
				}
			} else {
				e.mustHalt(100000)
			}
			states[k] = e.c.Snapshot()
			mem[k] = make([]byte, len(data))
			e.m.ReadPhys(tData, mem[k])
			stack[k] = make([]byte, 64)
			e.m.ReadPhys(tKStack-64, stack[k])
		}
		for k := 0; k < 2; k++ {
			if states[k].GPR != states[2].GPR || states[k].RFLAGS != states[2].RFLAGS || states[k].RIP != states[2].RIP ||
				states[k].Instret != states[2].Instret || string(mem[k]) != string(mem[2]) || string(stack[k]) != string(stack[2]) {
				t.Fatalf("run %d (specialised %v): RIP %#x Instret %d GPR %x; one at a time RIP %#x Instret %d GPR %x",
					i, k == 0, states[k].RIP, states[k].Instret, states[k].GPR, states[2].RIP, states[2].Instret, states[2].GPR)
			}
		}
	}
}

// ctlForms are control transfers with their block steps, each followed by HLT; the
// targets (RAX, [RBX], the return address at [RSP]) are set by TestCtlFastPathFaults.
var ctlForms = []struct {
	name string
	code []byte
}{
	{"call rel", []byte{0xE8, 0x01, 0x00, 0x00, 0x00, 0xF4, 0xF4}}, // call +1 (to the second HLT)
	{"call rax", []byte{0xFF, 0xD0, 0xF4}},
	{"call [rbx]", []byte{0xFF, 0x13, 0xF4}},
	{"jmp rax", []byte{0xFF, 0xE0, 0xF4}},
	{"jmp [rbx]", []byte{0xFF, 0x23, 0xF4}},
	{"ret", []byte{0xC3, 0xF4}},
	{"ret 16", []byte{0xC2, 0x10, 0x00, 0xF4}},
	{"push rax; ret", []byte{0x50, 0xC3, 0xF4}},
	{"lock xadd [rbx], rcx", []byte{0xF0, 0x48, 0x0F, 0xC1, 0x0B, 0xF4}},
	{"cmpxchg [rbx], ecx", []byte{0x0F, 0xB1, 0x0B, 0xF4}},
	{"inc dword [rbx]", []byte{0xFF, 0x03, 0xF4}},
	{"lock adc word [rbx], 5", []byte{0xF0, 0x66, 0x83, 0x13, 0x05, 0xF4}},
	{"mov rbp, rsp; leave", []byte{0x48, 0x89, 0xE5, 0xC9, 0xF4}},
	{"mov rbp, rbx; leave", []byte{0x48, 0x89, 0xDD, 0xC9, 0xF4}},
	{"xchg [rbx], rax", []byte{0x48, 0x87, 0x03, 0xF4}},
}

// TestCtlFastPathFaults runs each of ctlForms with the stack pointer and RBX near the end
// of a warm page, so that the push or pop, or the memory operand, lies in that page,
// crosses into the next one or lies in it, where the next page is present, absent,
// read-only (CR0.WP) or, at CPL 3, a supervisor page; the targets are canonical or not.
// With the specialised and the general handlers, registers, flags, RIP, the memory of
// both pages, the vector and CR2 agree.
func TestCtlFastPathFaults(t *testing.T) {
	defer func() { specialiseOn = true }()
	const page = tData + 0x1000 // the warm page; the next one is the faulting one
	kinds := []struct {
		name string
		cpl  uint8
		pte  func(uint64) uint64
	}{
		{"present", 0, func(v uint64) uint64 { return v }},
		{"absent", 0, func(v uint64) uint64 { return v &^ 1 }},
		{"read-only", 0, func(v uint64) uint64 { return v &^ 2 }},
		{"supervisor", 3, func(v uint64) uint64 { return v &^ 4 }},
	}
	rng := rand.New(rand.NewSource(19))
	targets := []uint64{tCode + 0x40, 0x0000800000000000, tCode + 0x41}
	for _, k := range kinds {
		var envs [2]*testEnv
		for i := range envs {
			e := newTestEnv(t, k.cpl)
			e.poke64(pte(page+0x1000), k.pte(e.read64(pte(page+0x1000))))
			envs[i] = e
		}
		base := envs[0].c.Snapshot()
		base.CR0 |= CR0WP
		for _, form := range ctlForms {
			for _, off := range []uint64{0x100, 0x1000 - 8, 0x1000 - 4, 0x1000, 0x1008} {
				for _, tgt := range targets {
					// A warming access to the page first (mov rdx, [rsi]), then the form;
					// HLTs at both targets.
					code := append([]byte{0x48, 0x8B, 0x16}, form.code...)
					s := base
					for r := range s.GPR {
						s.GPR[r] = rng.Uint64()
					}
					s.GPR[RSI] = page
					s.GPR[RBX] = page + off - 4
					s.GPR[RSP] = page + off
					s.GPR[RAX] = tgt
					s.RFLAGS = flagRsv1 | uint64(rng.Intn(1<<12))&flagsArith
					data := make([]byte, 0x2000)
					rng.Read(data)
					for _, a := range []uint64{off - 4, off} {
						if a+8 <= 0x1000 {
							for j := 0; j < 8; j++ {
								data[a+uint64(j)] = byte(tgt >> (8 * j))
							}
						}
					}
					var st [2]State
					var mem [2][]byte
					var vec [2]int
					var cr2 [2]uint64
					for i, e := range envs {
						specialiseOn = i == 0
						e.load(page, data)
						e.code(code...)
						e.load(tCode+0x40, []byte{0xF4, 0xF4})
						s.RIP = tCode
						e.c.Restore(s)
						e.run(20)
						st[i], vec[i], cr2[i] = e.c.Snapshot(), e.vector(), e.c.CR2
						mem[i] = make([]byte, len(data))
						e.m.ReadPhys(page, mem[i])
					}
					if st[0].GPR != st[1].GPR || st[0].RFLAGS != st[1].RFLAGS || st[0].RIP != st[1].RIP ||
						vec[0] != vec[1] || cr2[0] != cr2[1] || string(mem[0]) != string(mem[1]) {
						t.Fatalf("%s: %s (offset %#x, target %#x): specialised\n RIP %#x GPR %x RFLAGS %#x vector %d CR2 %#x\ngeneral\n RIP %#x GPR %x RFLAGS %#x vector %d CR2 %#x",
							k.name, form.name, off, tgt, st[0].RIP, st[0].GPR, st[0].RFLAGS, vec[0], cr2[0], st[1].RIP, st[1].GPR, st[1].RFLAGS, vec[1], cr2[1])
					}
				}
			}
		}
	}
}

// TestCtlCallIntoCode: a CALL whose return address lands on the immediate of the first
// instruction of the function it calls (the next step of the same block) runs that
// instruction as written, with the specialised and the general handlers.
func TestCtlCallIntoCode(t *testing.T) {
	defer func() { specialiseOn = true }()
	for _, on := range []bool{true, false} {
		specialiseOn = on
		e := newTestEnv(t, 0)
		// lea rsp, [rip+f+10]; call f; hlt; f: mov rax, imm64; hlt
		code := []byte{0x48, 0x8D, 0x25, 0, 0, 0, 0, 0xE8, 0x01, 0x00, 0x00, 0x00, 0xF4,
			0x48, 0xB8, 1, 2, 3, 4, 5, 6, 7, 8, 0xF4}
		code[3] = byte(13 + 10 - 7) // f+10, from the LEA's end
		e.code(code...)
		e.c.Run(3) // warm the TLB (up to the function's HLT, which would stay halted)
		e.code(code...)
		e.c.GPR[RAX] = 0
		e.mustHalt(20)
		if got, want := e.c.GPR[RAX], uint64(tCode+12); got != want {
			t.Fatalf("specialise %v: RAX %#x, want %#x (the return address); RIP %#x RSP %#x", on, got, want, e.c.RIP, e.c.GPR[RSP])
		}
	}
}
