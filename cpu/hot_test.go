package cpu

import (
	"math/rand"
	"testing"
)

// hotForms are encodings of the forms specialise picks a handler for (64-bit mode; the
// memory operand is [rbx+rcx*4] or [rbx+rcx*4+16]).
var hotForms = [][]byte{
	{0x01, 0xD8}, {0x29, 0xD8}, {0x21, 0xD8}, {0x09, 0xD8}, {0x31, 0xD8}, {0x39, 0xD8}, {0x85, 0xD8},
	{0x48, 0x01, 0xD8}, {0x48, 0x29, 0xD8}, {0x48, 0x21, 0xD8}, {0x48, 0x09, 0xD8}, {0x48, 0x31, 0xD8},
	{0x48, 0x39, 0xD8}, {0x48, 0x85, 0xD8},
	{0x83, 0xC0, 0x85}, {0x83, 0xE8, 0x85}, {0x83, 0xE0, 0x85}, {0x83, 0xC8, 0x85}, {0x83, 0xF0, 0x85},
	{0x83, 0xF8, 0x85}, {0x81, 0xC0, 0x78, 0x56, 0x34, 0x92}, {0xA9, 0x78, 0x56, 0x34, 0x12},
	{0x48, 0x83, 0xC0, 0x85}, {0x48, 0x83, 0xE8, 0x85}, {0x48, 0x83, 0xE0, 0x85}, {0x48, 0x83, 0xC8, 0x85},
	{0x48, 0x83, 0xF0, 0x85}, {0x48, 0x83, 0xF8, 0x85}, {0x48, 0xF7, 0xC0, 0x78, 0x56, 0x34, 0x92},
	{0x03, 0x04, 0x8B}, {0x2B, 0x04, 0x8B}, {0x23, 0x04, 0x8B}, {0x0B, 0x04, 0x8B}, {0x33, 0x04, 0x8B},
	{0x3B, 0x04, 0x8B}, {0x48, 0x03, 0x04, 0x8B}, {0x48, 0x2B, 0x04, 0x8B}, {0x48, 0x23, 0x04, 0x8B},
	{0x48, 0x0B, 0x04, 0x8B}, {0x48, 0x33, 0x04, 0x8B}, {0x48, 0x3B, 0x04, 0x8B},
	{0x89, 0xD8}, {0x48, 0x89, 0xD8}, {0xB8, 0x78, 0x56, 0x34, 0x92}, {0x48, 0xC7, 0xC0, 0x78, 0x56, 0x34, 0x92},
	{0x48, 0xB8, 1, 2, 3, 4, 5, 6, 7, 0x88}, {0x8B, 0x44, 0x8B, 0x10}, {0x48, 0x8B, 0x04, 0x8B},
	{0x0F, 0xB6, 0xC3}, {0x48, 0x0F, 0xB6, 0xC3}, {0x0F, 0xB6, 0x04, 0x0B}, {0x0F, 0xB7, 0x04, 0x0B},
	{0x48, 0x0F, 0xB7, 0x04, 0x0B}, {0x48, 0x63, 0xC3}, {0xF7, 0xD0}, {0x48, 0xF7, 0xD0},
	{0x48, 0x8D, 0x44, 0x8B, 0x10}, {0x48, 0x8D, 0x04, 0x8B}, {0x48, 0x8D, 0x40, 0xF0}, {0x48, 0x8D, 0x05, 0x10, 0, 0, 0},
	{0x48, 0x8D, 0x04, 0x8D, 0x10, 0, 0, 0},
	{0x89, 0x04, 0x8B}, {0x48, 0x89, 0x44, 0x8B, 0x10}, {0xC7, 0x04, 0x8B, 0x78, 0x56, 0x34, 0x92},
	{0x48, 0xC7, 0x44, 0x8B, 0x08, 0x78, 0x56, 0x34, 0x92},
	{0xC1, 0xE0, 0x05}, {0xC1, 0xE8, 0x05}, {0xC1, 0xF8, 0x05}, {0xC1, 0xC0, 0x05}, {0xC1, 0xC8, 0x05},
	{0xD1, 0xE0}, {0xD1, 0xE8}, {0xD1, 0xF8}, {0xD1, 0xC0}, {0xD1, 0xC8}, {0xC1, 0xC8, 0x1F}, {0xC1, 0xE0, 0x1F},
	{0x48, 0xC1, 0xE0, 0x05}, {0x48, 0xC1, 0xE8, 0x05}, {0x48, 0xC1, 0xF8, 0x05}, {0x48, 0xC1, 0xC0, 0x05},
	{0x48, 0xC1, 0xC8, 0x05}, {0x48, 0xD1, 0xE0}, {0x48, 0xD1, 0xE8}, {0x48, 0xD1, 0xF8}, {0x48, 0xD1, 0xC0},
	{0x48, 0xD1, 0xC8}, {0x48, 0xC1, 0xC8, 0x3F}, {0x48, 0xC1, 0xE0, 0x3F},
	{0xC1, 0xE8, 0x1F}, {0xC1, 0xF8, 0x1F}, {0xC1, 0xC0, 0x1F}, {0x48, 0xC1, 0xE8, 0x3F}, {0x48, 0xC1, 0xF8, 0x3F},
	{0x48, 0xC1, 0xC0, 0x3F}, {0x41, 0xC1, 0xC9, 0x0D},
	// LEA r32, MOVZX r, r16, byte stores, TEST r, m, CMP r, m with REX registers.
	{0x8D, 0x44, 0x8B, 0x10}, {0x8D, 0x04, 0x0B}, {0x0F, 0xB7, 0xC3}, {0x48, 0x0F, 0xB7, 0xC3},
	{0xC6, 0x04, 0x8B, 0x5A}, {0x88, 0x04, 0x8B}, {0x88, 0x54, 0x8B, 0x10}, {0x85, 0x04, 0x8B},
	{0x48, 0x85, 0x04, 0x8B}, {0x4C, 0x3B, 0x44, 0x8B, 0x08}, {0x44, 0x33, 0x0C, 0x8B}, {0x4C, 0x8B, 0x14, 0x8B},
	{0x4C, 0x89, 0x1C, 0x8B}, {0x45, 0x01, 0xD9}, {0x4D, 0x29, 0xD1}, {0x41, 0x81, 0xF1, 0x78, 0x56, 0x34, 0x12},
}

// hotPrefixes leave the flags eager, lazy (ADD) or lazy with CF in RFLAGS (INC).
var hotPrefixes = [][]byte{{}, {0x48, 0x01, 0xF2}, {0xFF, 0xC2}, {0x80, 0xC2, 0x7F}}

// hotWarm fills the TLB's read and write entries of the data page without changing any
// register, flag or byte of it (push qword [rbx]; pop qword [rbx]), so that the memory
// forms after it take their TLB-hit paths (restoring a state flushes the TLB).
var hotWarm = []byte{0xFF, 0x33, 0x8F, 0x03}

// runHot runs hotWarm, prefix, code and HLT in e from state s and returns the state after.
func runHot(e *testEnv, s State, prefix, code []byte, data []byte) (State, []byte) {
	e.load(tData, data)
	e.code(append(append(append(append([]byte{}, hotWarm...), prefix...), code...), 0xF4)...)
	s.RIP = tCode
	e.c.Restore(s)
	e.mustHalt(12)
	out := make([]byte, len(data))
	e.m.ReadPhys(tData, out)
	return e.c.Snapshot(), out
}

// TestSpecialisedHandlers checks that every specialised handler leaves registers, flags
// and memory exactly as the general handler of the same instruction does, from random
// registers and each kind of flags state.
func TestSpecialisedHandlers(t *testing.T) {
	defer func() { specialiseOn = true }()
	rng := rand.New(rand.NewSource(7))
	on, off := newTestEnv(t, 0), newTestEnv(t, 0)
	base := on.c.Snapshot()
	for _, code := range append(append([][]byte{}, hotForms...), hotIntForms...) {
		for _, prefix := range hotPrefixes {
			for i := 0; i < 40; i++ {
				s := base
				for r := range s.GPR {
					s.GPR[r] = rng.Uint64()
					if rng.Intn(4) == 0 {
						s.GPR[r] = uint64(rng.Intn(3)) - 1 // 0, 1 and all ones: the carry edges
					}
				}
				s.GPR[RBX] = tData
				s.GPR[RCX] = uint64(rng.Intn(64))
				// The stack in the data page (which hotWarm brings into the TLB), so
				// that pushes and pops take their TLB-hit paths and what they store
				// is compared.
				s.GPR[RSP] = tData + 0x3F0
				s.RFLAGS = flagRsv1 | uint64(rng.Intn(1<<12))&flagsArith
				s.Seg[GS].Base, s.KernelGSBase = rng.Uint64(), rng.Uint64()
				data := make([]byte, 1024)
				rng.Read(data)
				specialiseOn = true
				got, gotMem := runHot(on, s, prefix, code, data)
				specialiseOn = false
				want, wantMem := runHot(off, s, prefix, code, data)
				if got.GPR != want.GPR || got.RFLAGS != want.RFLAGS || got.RIP != want.RIP || string(gotMem) != string(wantMem) ||
					got.Seg[GS] != want.Seg[GS] || got.KernelGSBase != want.KernelGSBase {
					t.Fatalf("% x after % x: specialised\n GPR %x RFLAGS %#x\ngeneral\n GPR %x RFLAGS %#x",
						code, prefix, got.GPR, got.RFLAGS, want.GPR, want.RFLAGS)
				}
			}
		}
	}
}

// TestFusedMemoryPairs checks that a compare or test with memory at [rbx+rcx*4] fused
// with a conditional branch runs exactly as the two instructions one at a time, for
// every condition code.
func TestFusedMemoryPairs(t *testing.T) {
	firsts := [][]byte{
		{0x80, 0x3C, 0x8B, 0x00}, {0x80, 0x7C, 0x8B, 0x10, 0x7F}, {0xF6, 0x04, 0x8B, 0x0F}, {0x83, 0x3C, 0x8B, 0x05},
		{0x81, 0x3C, 0x8B, 0x78, 0x56, 0x34, 0x92}, {0x48, 0x83, 0x3C, 0x8B, 0xFB}, {0xF7, 0x04, 0x8B, 0x78, 0x56, 0x34, 0x12},
		{0x48, 0xF7, 0x04, 0x8B, 0x78, 0x56, 0x34, 0x92}, {0x3B, 0x04, 0x8B}, {0x48, 0x3B, 0x04, 0x8B},
		{0x4C, 0x3B, 0x04, 0x8B}, {0x85, 0x04, 0x8B}, {0x48, 0x85, 0x04, 0x8B}, {0x39, 0x04, 0x8B},
		{0x66, 0x83, 0x3C, 0x8B, 0x05}, {0x38, 0x04, 0x8B}, {0x66, 0x39, 0x04, 0x8B}, {0x3A, 0x04, 0x8B},
		{0x66, 0x3B, 0x04, 0x8B}, {0x84, 0x04, 0x8B}, {0x48, 0x39, 0x04, 0x8B}, {0x66, 0x85, 0x04, 0x8B},
	}
	checkFusedPairs(t, firsts, 11, 20, true)
}

// TestBlockLoops runs loops (a block that branches to its own start, loops of two blocks,
// a JMP back) with block dispatch in budgets of random sizes, and one instruction at a
// time in one run: registers, flags, RIP, the instruction count and memory agree.
func TestBlockLoops(t *testing.T) {
	loops := [][]byte{
		// mov ecx, 57; l: add rax, rcx; ror rax, 5; mov [rbx+rcx*4], eax; sub ecx, 1; jnz l; hlt
		{0xB9, 57, 0, 0, 0, 0x48, 0x01, 0xC8, 0x48, 0xC1, 0xC8, 0x05, 0x89, 0x04, 0x8B, 0x83, 0xE9, 0x01, 0x75, 0xF1, 0xF4},
		// mov ecx, 40; l: movzx edx, byte [rbx+rcx]; xor eax, edx; shr edx, 3; add rsi, rdx;
		// cmp ecx, 1; lea ecx, [rcx-1]; jmp m; m: test ecx, ecx; jne l; hlt
		{0xB9, 40, 0, 0, 0, 0x0F, 0xB6, 0x14, 0x0B, 0x31, 0xD0, 0xC1, 0xEA, 0x03, 0x48, 0x01, 0xD6,
			0x83, 0xF9, 0x01, 0x8D, 0x49, 0xFF, 0xEB, 0x00, 0x85, 0xC9, 0x75, 0xE8, 0xF4},
		// mov ecx, 30; l: cmp byte [rbx+rcx], 0x80; jb s; add eax, 3; s: sub ecx, 1; jae l; hlt
		{0xB9, 30, 0, 0, 0, 0x80, 0x3C, 0x0B, 0x80, 0x72, 0x03, 0x83, 0xC0, 0x03, 0x83, 0xE9, 0x01, 0x73, 0xF2, 0xF4},
		// mov ecx, 20; l: push rcx; push rax; pop rdx; add rax, rdx; pop rsi; push rsp; pop rsp;
		// sub ecx, 1; jnz l; hlt
		{0xB9, 20, 0, 0, 0, 0x51, 0x50, 0x5A, 0x48, 0x01, 0xD0, 0x5E, 0x54, 0x5C, 0x83, 0xE9, 0x01, 0x75, 0xF2, 0xF4},
		// mov ecx, 25; jmp t; b: add rax, rcx; jmp c; t: mov edx, [rbx+rcx*4]; cmp edx, eax;
		// jb b; c: sub ecx, 1; jnz t; hlt (jumps forwards and backwards within blocks)
		{0xB9, 25, 0, 0, 0, 0xEB, 0x05, 0x48, 0x01, 0xC8, 0xEB, 0x07, 0x8B, 0x14, 0x8B, 0x39, 0xC2, 0x72, 0xF4,
			0x83, 0xE9, 0x01, 0x75, 0xF4, 0xF4},
	}
	rng := rand.New(rand.NewSource(13))
	envs := [2]*testEnv{newTestEnv(t, 0), newTestEnv(t, 0)}
	envs[1].c.SetBlockDispatch(false)
	base := envs[0].c.Snapshot()
	for n, code := range loops {
		for i := 0; i < 30; i++ {
			s := base
			for r := range s.GPR {
				s.GPR[r] = rng.Uint64()
			}
			s.GPR[RSP] = tKStack
			s.GPR[RBX] = tData
			s.RFLAGS = flagRsv1
			data := make([]byte, 512)
			rng.Read(data)
			var states [2]State
			var mem [2][]byte
			for k, e := range envs {
				e.load(tData, data)
				e.code(code...)
				s.RIP = tCode
				e.c.Restore(s)
				if k == 0 {
					for j := 0; ; j++ {
						if j > 10000 {
							t.Fatalf("loop %d did not halt", n)
						}
						k, in0 := uint64(1+rng.Intn(12)), e.c.Instret
						ex := e.run(k)
						halt := ex.Reason == ExitHalt || ex.Reason == ExitDeadHalt
						if e.c.Instret-in0 > k || !halt && e.c.Instret-in0 != k {
							t.Fatalf("loop %d: a budget of %d ran %d instructions", n, k, e.c.Instret-in0)
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
			}
			if states[0].GPR != states[1].GPR || states[0].RFLAGS != states[1].RFLAGS || states[0].RIP != states[1].RIP ||
				states[0].Instret != states[1].Instret || string(mem[0]) != string(mem[1]) {
				t.Fatalf("loop %d: blocks RIP %#x Instret %d GPR %x, one at a time RIP %#x Instret %d GPR %x",
					n, states[0].RIP, states[0].Instret, states[0].GPR, states[1].RIP, states[1].Instret, states[1].GPR)
			}
		}
	}
}

// TestFusedPairs checks that an ALU instruction fused with a conditional branch in a block
// runs exactly as the two instructions one at a time, for every condition code.
func TestFusedPairs(t *testing.T) {
	firsts := [][]byte{
		{0x48, 0x39, 0xD8}, {0x39, 0xD8}, {0x48, 0x85, 0xD8}, {0x48, 0x83, 0xF8, 0x85}, {0x84, 0xDC},
		{0x48, 0x01, 0xD8}, {0x29, 0xD8}, {0x48, 0x21, 0xD8}, {0x09, 0xD8}, {0x31, 0xD8}, {0x48, 0x11, 0xD8},
		{0x19, 0xD8}, {0x48, 0x83, 0xC0, 0x85}, {0xFF, 0xC8}, {0x48, 0xFF, 0xC0}, {0x80, 0xEC, 0x12},
		// Compares and tests with memory (the bytes of the branch that follows).
		{0x39, 0x05, 0, 0, 0, 0}, {0x3B, 0x05, 0, 0, 0, 0}, {0x80, 0x3D, 0, 0, 0, 0, 0x74},
		{0xF6, 0x05, 0, 0, 0, 0, 0x0F}, {0x48, 0x83, 0x3D, 0, 0, 0, 0, 0x05}, {0x48, 0x85, 0x05, 0, 0, 0, 0},
	}
	checkFusedPairs(t, firsts, 9, 30, false)
}

// checkFusedPairs runs each of firsts followed by every Jcc (nop; first; jcc +1; hlt;
// hlt: the branch lands on the second HLT; the NOP runs on the run loop's service
// path after Restore, so the pair starts a block; with data hotWarm replaces the NOP)
// from n random states each, with
// block dispatch and one instruction at a time: registers, flags, RIP and the
// instruction count must agree. With data, RBX points at 512 random bytes (zeroed at
// [rbx+rcx*4] a third of the time) that the pair may read.
func checkFusedPairs(t *testing.T, firsts [][]byte, seed int64, n int, data bool) {
	rng := rand.New(rand.NewSource(seed))
	envs := [2]*testEnv{newTestEnv(t, 0), newTestEnv(t, 0)}
	envs[1].c.SetBlockDispatch(false)
	base := envs[0].c.Snapshot()
	lead := []byte{0x90}
	if data {
		lead = hotWarm // the pair's memory access is then a TLB hit
	}
	for _, first := range firsts {
		for cc := byte(0); cc < 16; cc++ {
			code := append(append(append([]byte{}, lead...), first...), 0x70|cc, 0x01, 0xF4, 0xF4)
			for i := 0; i < n; i++ {
				s := base
				for r := range s.GPR {
					s.GPR[r] = rng.Uint64()
					if rng.Intn(3) == 0 {
						s.GPR[r] = uint64(rng.Intn(5)) - 2
					}
				}
				s.GPR[RSP] = tKStack
				var mem []byte
				if data {
					s.GPR[RBX] = tData
					s.GPR[RCX] = uint64(rng.Intn(64))
				}
				s.RFLAGS = flagRsv1 | uint64(rng.Intn(1<<12))&flagsArith
				if data {
					mem = make([]byte, 512)
					rng.Read(mem)
					if rng.Intn(3) == 0 {
						clear(mem[s.GPR[RCX]*4 : s.GPR[RCX]*4+24])
					}
				}
				var states [2]State
				for k, e := range envs {
					if data {
						e.load(tData, mem)
					}
					e.code(code...)
					s.RIP = tCode
					e.c.Restore(s)
					e.mustHalt(10)
					states[k] = e.c.Snapshot()
				}
				if states[0].GPR != states[1].GPR || states[0].RFLAGS != states[1].RFLAGS || states[0].RIP != states[1].RIP ||
					states[0].Instret != states[1].Instret {
					t.Fatalf("% x then J%d: blocks RIP %#x RFLAGS %#x, one at a time RIP %#x RFLAGS %#x",
						first, cc, states[0].RIP, states[0].RFLAGS, states[1].RIP, states[1].RFLAGS)
				}
			}
		}
	}
}

// TestSelfLoopFaults runs loops that branch back to their block's start (the block loop's
// shortcut, blockOp.self) until an access meets an absent page after many runs of the
// block, with block dispatch in budgets of random sizes (most larger than the block) and
// one instruction at a time: registers, flags, RIP, the instruction count, the vector and
// CR2 agree.
func TestSelfLoopFaults(t *testing.T) {
	const page = tData + 0x1000 // present; the next page is absent
	loops := [][]byte{
		// l: mov eax, [rbx]; add rbx, 64; add rdx, rax; cmp rbx, rdi; jne l; hlt
		{0x8B, 0x03, 0x48, 0x83, 0xC3, 0x40, 0x48, 0x01, 0xC2, 0x48, 0x39, 0xFB, 0x75, 0xF2, 0xF4},
		// l: add rdx, [rbx]; add rbx, 64; cmp [rbx], ecx; jne l; hlt
		{0x48, 0x03, 0x13, 0x48, 0x83, 0xC3, 0x40, 0x39, 0x0B, 0x75, 0xF5, 0xF4},
		// l: inc eax; mov [rbx], eax; add rbx, 64; dec ecx; jnz l; hlt
		{0xFF, 0xC0, 0x89, 0x03, 0x48, 0x83, 0xC3, 0x40, 0xFF, 0xC9, 0x75, 0xF4, 0xF4},
		// l: movzx edx, byte [rbx]; add rbx, 64; xor ecx, edx; shr ecx, 1; test rbx, rbx; jmp m
		// m: jne l (the back-edge in the block after a jump within it); hlt
		{0x0F, 0xB6, 0x13, 0x48, 0x83, 0xC3, 0x40, 0x31, 0xD1, 0xD1, 0xE9, 0x48, 0x85, 0xDB, 0xEB, 0x00, 0x75,
			0xEE, 0xF4},
	}
	rng := rand.New(rand.NewSource(23))
	var envs [2]*testEnv
	for i := range envs {
		e := newTestEnv(t, 0)
		e.poke64(pte(page+0x1000), e.read64(pte(page+0x1000))&^1)
		envs[i] = e
	}
	envs[1].c.SetBlockDispatch(false)
	base := envs[0].c.Snapshot()
	for n, code := range loops {
		for i := 0; i < 20; i++ {
			s := base
			for r := range s.GPR {
				s.GPR[r] = rng.Uint64()
			}
			s.GPR[RSP] = tKStack
			s.GPR[RBX] = page + uint64(rng.Intn(64))
			s.GPR[RDI] = page + 0x2000
			s.GPR[RCX] |= 1 << 20
			s.RFLAGS = flagRsv1 | uint64(rng.Intn(1<<12))&flagsArith
			data := make([]byte, 0x1000)
			rng.Read(data)
			var st [2]State
			var vec [2]int
			var cr2 [2]uint64
			for k, e := range envs {
				e.load(page, data)
				e.code(code...)
				s.RIP = tCode
				e.c.Restore(s)
				for j := 0; ; j++ {
					if j > 10000 {
						t.Fatalf("loop %d did not halt", n)
					}
					if ex := e.run(uint64(1 + rng.Intn(400))); ex.Reason == ExitHalt || ex.Reason == ExitDeadHalt {
						break
					}
				}
				st[k], vec[k], cr2[k] = e.c.Snapshot(), e.vector(), e.c.CR2
			}
			if st[0].GPR != st[1].GPR || st[0].RFLAGS != st[1].RFLAGS || st[0].RIP != st[1].RIP ||
				st[0].Instret != st[1].Instret || vec[0] != vec[1] || cr2[0] != cr2[1] {
				t.Fatalf("loop %d: blocks RIP %#x Instret %d vector %d CR2 %#x GPR %x\none at a time RIP %#x Instret %d vector %d CR2 %#x GPR %x",
					n, st[0].RIP, st[0].Instret, vec[0], cr2[0], st[0].GPR, st[1].RIP, st[1].Instret, vec[1], cr2[1], st[1].GPR)
			}
			if vec[0] != 14 {
				t.Fatalf("loop %d: vector %d, not a page fault", n, vec[0])
			}
		}
	}
}

// TestSysSteps runs CLI, SWAPGS and PUSHFQ (stepSys) at CPL 0 and 3 with every IOPL and
// IF, and PUSHFQ with its stack in a present page, at its end and in an absent page, with
// the specialised and the general handlers: registers, flags, RIP, GS base, the kernel GS
// base, the vector and memory agree.
func TestSysSteps(t *testing.T) {
	defer func() { specialiseOn = true }()
	const page = tData + 0x1000 // present; the next page is absent
	rng := rand.New(rand.NewSource(29))
	for _, cpl := range []uint8{0, 3} {
		var envs [2]*testEnv
		for i := range envs {
			e := newTestEnv(t, cpl)
			e.poke64(pte(page+0x1000), e.read64(pte(page+0x1000))&^1)
			envs[i] = e
		}
		base := envs[0].c.Snapshot()
		for _, code := range [][]byte{{0xFA}, {0x0F, 0x01, 0xF8}, {0x9C}, {0x9C, 0xFA, 0x9C, 0x0F, 0x01, 0xF8, 0x9C}} {
			for i := 0; i < 64; i++ {
				s := base
				for r := range s.GPR {
					s.GPR[r] = rng.Uint64()
				}
				s.GPR[RSP] = page + []uint64{0x800, 8, 0x1000, 0x1008}[i%4]
				s.RFLAGS = flagRsv1 | uint64(rng.Intn(1<<12))&flagsArith | uint64(i/4%4)<<12 | uint64(i/16%2)*FlagIF
				s.Seg[GS].Base, s.KernelGSBase = rng.Uint64(), rng.Uint64()
				data := make([]byte, 0x1000)
				rng.Read(data)
				var st [2]State
				var mem [2][]byte
				var vec [2]int
				for k, e := range envs {
					specialiseOn = k == 0
					e.load(page, data)
					// mov rax, [rsi] (a warm TLB entry for the stack page), the code, HLT.
					e.code(append(append([]byte{0x48, 0x8B, 0x06}, code...), 0xF4)...)
					s.GPR[RSI] = page
					s.RIP = tCode
					e.c.Restore(s)
					if ex := e.run(40); ex.Reason != ExitHalt && ex.Reason != ExitDeadHalt {
						t.Fatalf("% x: exit %v", code, ex.Reason)
					}
					st[k], vec[k] = e.c.Snapshot(), e.vector()
					mem[k] = make([]byte, len(data))
					e.m.ReadPhys(page, mem[k])
				}
				if st[0].GPR != st[1].GPR || st[0].RFLAGS != st[1].RFLAGS || st[0].RIP != st[1].RIP || vec[0] != vec[1] ||
					st[0].Seg[GS] != st[1].Seg[GS] || st[0].KernelGSBase != st[1].KernelGSBase || string(mem[0]) != string(mem[1]) {
					t.Fatalf("CPL %d % x (RSP %#x RFLAGS %#x): specialised\n RIP %#x GPR %x RFLAGS %#x vector %d GS %#x/%#x\ngeneral\n RIP %#x GPR %x RFLAGS %#x vector %d GS %#x/%#x",
						cpl, code, s.GPR[RSP], s.RFLAGS, st[0].RIP, st[0].GPR, st[0].RFLAGS, vec[0], st[0].Seg[GS].Base, st[0].KernelGSBase,
						st[1].RIP, st[1].GPR, st[1].RFLAGS, vec[1], st[1].Seg[GS].Base, st[1].KernelGSBase)
				}
			}
		}
	}
}
