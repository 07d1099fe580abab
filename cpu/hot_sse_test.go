package cpu

import (
	"encoding/binary"
	"fmt"
	randv2 "math/rand/v2"
	"reflect"
	"testing"
)

// hotSSEForms are encodings of the SSE forms with specialised handlers (hot_sse.go), each
// with a register operand (ModRM 0xCA: reg xmm1, r/m xmm2; 0xC8/0xC2 with a general
// register) and a memory operand [rbx] (ModRM 0x0B or 0x03). Scalar and packed float
// forms are listed with the element type their operands get.
var hotSSEForms = func() []struct {
	code []byte
	elem int
} {
	var fs []struct {
		code []byte
		elem int
	}
	add := func(elem int, b ...byte) {
		fs = append(fs, struct {
			code []byte
			elem int
		}{b, elem})
	}
	both := func(elem int, modReg, modMem byte, pfx ...byte) {
		add(elem, append(append([]byte{}, pfx...), modReg)...)
		add(elem, append(append([]byte{}, pfx...), modMem)...)
	}
	for _, op := range []byte{0x58, 0x59, 0x5C, 0x5E} {
		both(ePD, 0xCA, 0x0B, 0xF2, 0x0F, op)
		both(ePD, 0xCA, 0x0B, 0x66, 0x0F, op)
		both(ePS, 0xCA, 0x0B, 0xF3, 0x0F, op)
		both(ePS, 0xCA, 0x0B, 0x0F, op)
	}
	both(eInt, 0xCA, 0x0B, 0xF3, 0x0F, 0xE6)      // CVTDQ2PD
	both(eInt, 0xCA, 0x0B, 0x0F, 0x5B)            // CVTDQ2PS
	both(ePS, 0xCA, 0x0B, 0xF3, 0x0F, 0x5A)       // CVTSS2SD
	both(ePD, 0xCA, 0x0B, 0xF2, 0x0F, 0x5A)       // CVTSD2SS
	both(ePD, 0xCA, 0x0B, 0xF2, 0x0F, 0x51)       // SQRTSD
	both(ePD, 0xCA, 0x0B, 0x66, 0x0F, 0x2F)       // COMISD
	both(ePD, 0xCA, 0x0B, 0x66, 0x0F, 0x2E)       // UCOMISD
	both(ePS, 0xCA, 0x0B, 0x0F, 0x2F)             // COMISS
	both(ePS, 0xCA, 0x0B, 0x0F, 0x2E)             // UCOMISS
	both(ePD, 0xC8, 0x0B, 0xF2, 0x0F, 0x2A)       // CVTSI2SD xmm1, eax/[rbx]
	both(ePD, 0xC8, 0x0B, 0xF2, 0x48, 0x0F, 0x2A) // CVTSI2SD xmm1, rax/[rbx]
	both(ePD, 0xC2, 0x03, 0xF2, 0x0F, 0x2C)       // CVTTSD2SI eax, xmm2/[rbx]
	both(ePD, 0xC2, 0x03, 0xF2, 0x48, 0x0F, 0x2C) // CVTTSD2SI rax, xmm2/[rbx]
	for _, m := range [][]byte{{0xF2, 0x0F, 0x10}, {0xF2, 0x0F, 0x11}, {0xF3, 0x0F, 0x10}, {0xF3, 0x0F, 0x11},
		{0x66, 0x0F, 0x28}, {0x66, 0x0F, 0x29}, {0x0F, 0x28}, {0x0F, 0x29}, {0x0F, 0x10}, {0x0F, 0x11},
		{0x66, 0x0F, 0x10}, {0x66, 0x0F, 0x11}, {0x66, 0x0F, 0x6F}, {0x66, 0x0F, 0x7F}, {0xF3, 0x0F, 0x6F},
		{0xF3, 0x0F, 0x7F}, {0xF3, 0x0F, 0x7E}, {0x66, 0x0F, 0xD6}} {
		both(eInt, 0xCA, 0x0B, m...)
	}
	for _, m := range [][]byte{{0x66, 0x0F, 0x6E}, {0x66, 0x48, 0x0F, 0x6E}, {0x66, 0x0F, 0x7E}, {0x66, 0x48, 0x0F, 0x7E}} {
		both(eInt, 0xC8, 0x0B, m...) // MOVD/MOVQ with eax/rax or [rbx]
	}
	for _, op := range []byte{0x12, 0x13, 0x16, 0x17} {
		add(eInt, 0x66, 0x0F, op, 0x0B) // MOVLPD/MOVHPD
		add(eInt, 0x0F, op, 0x0B)       // MOVLPS/MOVHPS
	}
	for _, op := range []byte{0xEF, 0xFE, 0xDB, 0x62, 0x57, 0x54, 0x14, 0x66, 0xFA, 0xD4, 0xFB, 0x6C,
		0x60, 0x61, 0x68, 0x69, 0x6A, 0x6D, 0x15, 0xFC, 0xFD, 0xF8, 0xF9, 0xDF, 0xEB, 0x55, 0x56,
		0x74, 0x75, 0x76, 0x64, 0x65, 0x63, 0x67, 0x6B} {
		both(eInt, 0xCA, 0x0B, 0x66, 0x0F, op) // PXOR, PADDD, PAND, PUNPCKLDQ, XORPD, PCMPEQB, PACKUSWB, ...
	}
	both(eInt, 0xCA, 0x0B, 0x0F, 0x14) // UNPCKLPS
	both(eInt, 0xCA, 0x0B, 0x0F, 0x15) // UNPCKHPS
	both(eInt, 0xCA, 0x0B, 0x66, 0x0F, 0x70)
	fs[len(fs)-2].code = append(fs[len(fs)-2].code, 0x1B) // PSHUFD xmm1, xmm2, 0x1B
	fs[len(fs)-1].code = append(fs[len(fs)-1].code, 0xB1)
	for _, op := range []byte{0x71, 0x72, 0x73} {
		for _, digit := range []byte{2, 4, 6} {
			if op == 0x73 && digit == 4 {
				continue
			}
			for _, n := range []byte{0, 1, 5, 15, 16, 31, 32, 63, 64, 200} {
				add(eInt, 0x66, 0x0F, op, 0xC1|digit<<3, n) // PSRL/PSRA/PSLL xmm1, imm8
			}
		}
	}
	// Register forms whose general handlers run as lazy steps (lazyRegForm).
	add(ePD, 0xF2, 0x0F, 0x5D, 0xCA)       // MINSD
	add(ePD, 0xF2, 0x0F, 0x5F, 0xCA)       // MAXSD
	add(ePD, 0x66, 0x0F, 0x5F, 0xCA)       // MAXPD
	add(ePS, 0xF3, 0x0F, 0x51, 0xCA)       // SQRTSS
	add(ePD, 0xF2, 0x0F, 0xC2, 0xCA, 1)    // CMPLTSD
	add(ePD, 0x66, 0x0F, 0xC2, 0xCA, 3)    // CMPUNORDPD
	add(ePD, 0xF2, 0x0F, 0x2D, 0xC2)       // CVTSD2SI eax, xmm2
	add(ePS, 0xF3, 0x48, 0x0F, 0x2A, 0xC8) // CVTSI2SS xmm1, rax
	add(ePD, 0x66, 0x0F, 0x5A, 0xCA)       // CVTPD2PS
	add(eInt, 0x66, 0x0F, 0xD7, 0xC2)      // PMOVMSKB eax, xmm2
	add(ePD, 0x66, 0x0F, 0x50, 0xC2)       // MOVMSKPD eax, xmm2
	add(eInt, 0x0F, 0x12, 0xCA)            // MOVHLPS
	add(eInt, 0x0F, 0x16, 0xCA)            // MOVLHPS
	add(eInt, 0x66, 0x0F, 0x73, 0xD9, 5)   // PSRLDQ xmm1, 5
	add(eInt, 0x66, 0x0F, 0xC5, 0xC2, 3)   // PEXTRW eax, xmm2, 3
	add(eInt, 0x66, 0x0F, 0xC4, 0xC8, 6)   // PINSRW xmm1, eax, 6
	add(eInt, 0x66, 0x0F, 0xF2, 0xCA)      // PSLLD xmm1, xmm2
	add(ePS, 0x0F, 0x2E, 0xCA)             // UCOMISS
	// The forms of sse_fast.go and the lane forms of sse_lanes.go.
	for _, op := range []byte{0x5D, 0x5F} { // MIN, MAX
		both(ePS, 0xCA, 0x0B, 0xF3, 0x0F, op)
		both(ePD, 0xCA, 0x0B, 0xF2, 0x0F, op)
		both(ePS, 0xCA, 0x0B, 0x0F, op)
		both(ePD, 0xCA, 0x0B, 0x66, 0x0F, op)
	}
	for _, p := range []byte{0, 1, 2, 3, 4, 5, 6, 7} { // CMPxx xmm1, xmm2/[rbx], p
		add(ePS, 0xF3, 0x0F, 0xC2, 0xCA, p)
		add(ePS, 0xF3, 0x0F, 0xC2, 0x0B, p)
		add(ePD, 0xF2, 0x0F, 0xC2, 0xCA, p)
		add(ePD, 0xF2, 0x0F, 0xC2, 0x0B, p)
		add(ePS, 0x0F, 0xC2, 0xCA, p)
		add(ePS, 0x0F, 0xC2, 0x0B, p)
		add(ePD, 0x66, 0x0F, 0xC2, 0xCA, p)
		add(ePD, 0x66, 0x0F, 0xC2, 0x0B, p)
	}
	both(ePS, 0xCA, 0x0B, 0xF3, 0x0F, 0x51)       // SQRTSS
	both(ePS, 0xCA, 0x0B, 0x0F, 0x51)             // SQRTPS
	both(ePD, 0xCA, 0x0B, 0x66, 0x0F, 0x51)       // SQRTPD
	both(ePS, 0xCA, 0x0B, 0x66, 0x0F, 0x5B)       // CVTPS2DQ
	both(ePS, 0xCA, 0x0B, 0xF3, 0x0F, 0x5B)       // CVTTPS2DQ
	both(ePD, 0xCA, 0x0B, 0xF2, 0x0F, 0xE6)       // CVTPD2DQ
	both(ePD, 0xCA, 0x0B, 0x66, 0x0F, 0xE6)       // CVTTPD2DQ
	both(ePS, 0xCA, 0x0B, 0x0F, 0x5A)             // CVTPS2PD
	both(ePD, 0xCA, 0x0B, 0x66, 0x0F, 0x5A)       // CVTPD2PS
	both(ePS, 0xC8, 0x0B, 0xF3, 0x0F, 0x2A)       // CVTSI2SS xmm1, eax/[rbx]
	both(ePS, 0xC8, 0x0B, 0xF3, 0x48, 0x0F, 0x2A) // CVTSI2SS xmm1, rax/[rbx]
	for _, op := range []byte{0x2C, 0x2D} {
		both(ePS, 0xC2, 0x03, 0xF3, 0x0F, op)       // CVT(T)SS2SI eax, xmm2/[rbx]
		both(ePS, 0xC2, 0x03, 0xF3, 0x48, 0x0F, op) // CVT(T)SS2SI rax, xmm2/[rbx]
	}
	both(ePD, 0xC2, 0x03, 0xF2, 0x0F, 0x2D)       // CVTSD2SI eax, xmm2/[rbx]
	both(ePD, 0xC2, 0x03, 0xF2, 0x48, 0x0F, 0x2D) // CVTSD2SI rax, xmm2/[rbx]
	for _, op := range []byte{0xDC, 0xDD, 0xD8, 0xD9, 0xEC, 0xED, 0xE8, 0xE9, 0xDA, 0xDE, 0xEA, 0xEE,
		0xE0, 0xE3, 0xD5, 0xE5, 0xE4, 0xF6} {
		both(eInt, 0xCA, 0x0B, 0x66, 0x0F, op) // PADDUS/PSUBUS/PADDS/PSUBS, PMIN/PMAX, PAVG, PMULL/PMULH, PSADBW
	}
	for _, op := range []byte{0xD1, 0xD2, 0xD3, 0xE1, 0xE2, 0xF1, 0xF2, 0xF3} {
		add(eInt, 0x66, 0x0F, op, 0xCA) // PSRL/PSRA/PSLL xmm1, xmm2
	}
	// A register copy and a step on its destination (fuseXmov's pairs), and one on
	// another register (not fused).
	add(eInt, 0x66, 0x0F, 0x6F, 0xCA, 0x66, 0x0F, 0x72, 0xF1, 0x05) // MOVDQA xmm1, xmm2; PSLLD xmm1, 5
	add(eInt, 0x0F, 0x28, 0xCA, 0x66, 0x0F, 0x72, 0xE1, 0x1F)       // MOVAPS xmm1, xmm2; PSRAD xmm1, 31
	add(eInt, 0x66, 0x0F, 0x6F, 0xCA, 0x66, 0x0F, 0x73, 0xD1, 0x21) // MOVDQA xmm1, xmm2; PSRLQ xmm1, 33
	add(eInt, 0x66, 0x0F, 0x6F, 0xCA, 0x66, 0x0F, 0xDB, 0xCB)       // MOVDQA xmm1, xmm2; PAND xmm1, xmm3
	add(eInt, 0x66, 0x0F, 0x6F, 0xCA, 0x66, 0x0F, 0xDF, 0xCA)       // MOVDQA xmm1, xmm2; PANDN xmm1, xmm2
	add(eInt, 0x66, 0x0F, 0x6F, 0xCA, 0x66, 0x0F, 0xEB, 0xC9)       // MOVDQA xmm1, xmm2; POR xmm1, xmm1
	add(eInt, 0x66, 0x0F, 0x6F, 0xCA, 0x0F, 0x57, 0xCC)             // MOVDQA xmm1, xmm2; XORPS xmm1, xmm4
	add(eInt, 0x66, 0x0F, 0x6F, 0xCA, 0x66, 0x0F, 0xDB, 0x0B)       // MOVDQA xmm1, xmm2; PAND xmm1, [rbx]
	add(eInt, 0x66, 0x0F, 0x6F, 0xCA, 0x66, 0x0F, 0x72, 0xF2, 0x03) // MOVDQA xmm1, xmm2; PSLLD xmm2, 3
	return fs
}()

// TestSpecialisedSSE checks that every specialised SSE handler leaves the whole state
// (registers, flags, MXCSR, RIP, the clock, any exception taken) and memory exactly as
// the general handler of the same instruction does, from corner operands, every rounding
// mode, DAZ and FTZ, flags already set, unmasked exceptions, CR0.TS or CR4.OSFXSR clear,
// and memory operands misaligned, across a page end or into an absent page.
func TestSpecialisedSSE(t *testing.T) {
	defer func() { specialiseOn = true }()
	g := &dgen{r: randv2.New(randv2.NewPCG(12, 34))}
	on, off := newTestEnv(t, 0), newTestEnv(t, 0)
	base := on.c.Snapshot()
	const dataPages = 2
	for _, f := range hotSSEForms {
		for i := 0; i < 150; i++ {
			s := base
			for r := range s.GPR {
				s.GPR[r] = g.val(8)
			}
			if g.n(3) == 0 {
				s.GPR[RAX] = uint64(int64(g.n(1<<20)) - 1<<19)
			}
			offs := []uint64{uint64(g.n(0x1000)) &^ 15, uint64(g.n(0x1000)) &^ 7, uint64(g.n(0x2000 - 16)),
				0x1000 - uint64(g.n(17))}
			s.GPR[RBX] = tData + offs[g.n(len(offs))]
			s.GPR[RSP] = tKStack
			s.RFLAGS = flagRsv1 | uint64(g.n(1<<12))&flagsArith
			for r := range s.XMM {
				s.XMM[r] = g.lanes(f.elem)
			}
			s.MXCSR = 0x1F80
			if g.coin() {
				s.MXCSR |= uint32(g.n(4))<<13 | uint32(g.n(2))<<15 | uint32(g.n(2))<<6 | uint32(g.n(64))*uint32(g.n(2))
			}
			if g.n(4) == 0 {
				s.MXCSR &^= 1 << (7 + g.n(6)) // an exception unmasked
			}
			switch g.n(25) {
			case 0:
				s.CR0 |= CR0TS
			case 1:
				s.CR4 &^= CR4OSFXSR
			}
			data := make([]byte, dataPages*4096)
			for k := 0; k < len(data); k += 8 {
				var v uint64
				switch f.elem {
				case ePD:
					v = g.f64()
				case ePS:
					v = uint64(g.f32()) | uint64(g.f32())<<32
				default:
					v = g.val(8)
				}
				for b := 0; b < 8; b++ {
					data[k+b] = byte(v >> (8 * b))
				}
			}
			absent := g.n(5) == 0
			prefix := hotPrefixes[g.n(len(hotPrefixes))]
			// The instruction in the middle of a block, then again after a register step
			// that reads its result's neighbours.
			code := append(append(append(append([]byte{}, prefix...), f.code...), 0x48, 0x01, 0xF2), f.code...)
			sseBothWays(t, on, off, s, data, code, absent, fmt.Sprintf("% x (case %d)", f.code, i))
		}
	}
}

// sseBothWays runs code and HLT from state s, with data at tData (its second page absent
// when absent), once with the specialised handlers and inline steps (in on) and once with
// the general handlers (in off), and fails the test when the state, the memory or the
// exception taken differ.
func sseBothWays(t *testing.T, on, off *testEnv, s State, data, code []byte, absent bool, what string) {
	t.Helper()
	pteNext := uint64(0x4000 + 8*((tData+0x1000)>>12))
	var got, want State
	var gotMem, wantMem []byte
	var gotV, wantV int
	for _, side := range []struct {
		e    *testEnv
		on   bool
		st   *State
		mem  *[]byte
		vect *int
	}{{on, true, &got, &gotMem, &gotV}, {off, false, &want, &wantMem, &wantV}} {
		e := side.e
		e.poke64(pteNext, (tData+0x1000)|7)
		if absent {
			e.poke64(pteNext, 0)
		}
		e.m.FlushTLB()
		specialiseOn = side.on
		e.load(tData, data)
		e.code(append(append([]byte{}, code...), 0xF4)...)
		st := s
		st.RIP = tCode
		e.c.Restore(st)
		e.run(40)
		*side.st = e.c.Snapshot()
		*side.vect = e.vector()
		*side.mem = make([]byte, len(data))
		e.m.ReadPhys(tData, *side.mem)
	}
	specialiseOn = true
	if !reflect.DeepEqual(got, want) || string(gotMem) != string(wantMem) || gotV != wantV {
		t.Fatalf("%s (code % x, rbx %#x, mxcsr %#x, absent %v): specialised\n vector %d RIP %#x GPR %x\n XMM %x\n MXCSR %#x RFLAGS %#x CR0 %#x\ngeneral\n vector %d RIP %#x GPR %x\n XMM %x\n MXCSR %#x RFLAGS %#x CR0 %#x\nmemory equal: %v",
			what, code, s.GPR[RBX], s.MXCSR, absent, gotV, got.RIP, got.GPR, got.XMM, got.MXCSR, got.RFLAGS, got.CR0,
			wantV, want.RIP, want.GPR, want.XMM, want.MXCSR, want.RFLAGS, want.CR0, string(gotMem) == string(wantMem))
	}
}

// TestSSEGateInBlock checks the inline SSE steps when an instruction in the middle of their
// block changes what they depend on: LDMXCSR (rounding, PE cleared, exceptions unmasked,
// DAZ, FTZ, an invalid value), MOV CR0 setting TS and MOV CR4 clearing OSFXSR, each between
// two runs of a specialised form, which must leave the state the general handlers leave.
func TestSSEGateInBlock(t *testing.T) {
	defer func() { specialiseOn = true }()
	g := &dgen{r: randv2.New(randv2.NewPCG(56, 78))}
	on, off := newTestEnv(t, 0), newTestEnv(t, 0)
	base := on.c.Snapshot()
	const mxAt = tData + 0xFF8 // LDMXCSR's operand
	for _, f := range hotSSEForms {
		for i := 0; i < 40; i++ {
			s := base
			for r := range s.GPR {
				s.GPR[r] = g.val(8)
			}
			s.GPR[RBX] = tData + uint64(g.n(0x800))&^15
			s.GPR[RSP] = tKStack
			s.RFLAGS = flagRsv1 | uint64(g.n(1<<12))&flagsArith
			for r := range s.XMM {
				s.XMM[r] = g.lanes(f.elem)
			}
			// Mostly the state the arithmetic's inline path needs (PE set).
			s.MXCSR = 0x1FA0
			if g.n(4) == 0 {
				s.MXCSR = 0x1F80
			}
			data := make([]byte, 2*4096)
			for k := 0; k < len(data); k += 8 {
				var v uint64
				switch f.elem {
				case ePD:
					v = g.f64()
				case ePS:
					v = uint64(g.f32()) | uint64(g.f32())<<32
				default:
					v = g.val(8)
				}
				binary.LittleEndian.PutUint64(data[k:], v)
			}
			var mid []byte
			switch g.n(3) {
			case 0:
				mx := uint32(0x1F80)
				switch g.n(6) {
				case 0:
					mx |= uint32(1+g.n(3)) << 13 // directed rounding
				case 1:
					mx &^= 1 << (7 + g.n(6)) // an exception unmasked
				case 2:
					mx |= 1<<6 | 1<<15 // DAZ, FTZ
				case 3:
					mx |= 1 << 16 // reserved: #GP
				case 4:
					mx |= 0x20 // PE set
				}
				binary.LittleEndian.PutUint32(data[mxAt-tData:], mx)
				mid = binary.LittleEndian.AppendUint32([]byte{0x0F, 0xAE, 0x14, 0x25}, mxAt) // LDMXCSR [mxAt]
			case 1:
				s.GPR[RAX] = s.CR0 | CR0TS
				mid = []byte{0x0F, 0x22, 0xC0} // MOV CR0, RAX
			default:
				s.GPR[RAX] = s.CR4 &^ CR4OSFXSR
				mid = []byte{0x0F, 0x22, 0xE0} // MOV CR4, RAX
			}
			code := append(append(append([]byte{}, f.code...), mid...), f.code...)
			sseBothWays(t, on, off, s, data, code, false, fmt.Sprintf("% x then % x (case %d)", f.code, mid, i))
		}
	}
}

// TestInlineLaneHelpers checks the inline steps' lane compares (sseEqMask, sseGtMask) and
// immediate shifts (pshiftOperands and the run loop's formulas) against the general
// handlers' lane-by-lane code (sseLanes, sseEqLanes, sseShiftLanes), on lanes drawn from
// a few values so that equal lanes, sign changes and lane extremes are common.
func TestInlineLaneHelpers(t *testing.T) {
	r := randv2.New(randv2.NewPCG(5, 6))
	picks := []uint64{0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF}
	val := func(w uint) uint64 {
		var v uint64
		for i := uint(0); i < 64; i += w {
			x := r.Uint64()
			if r.IntN(3) != 0 {
				x = picks[r.IntN(len(picks))] ^ uint64(r.IntN(2))
			}
			v |= x & (1<<w - 1) << i
		}
		return v
	}
	for _, w := range []uint{8, 16, 32} {
		h := ^uint64(0) / (1<<w - 1) << (w - 1)
		gt := sseLanes(func(a, b uint64) uint64 {
			return laneMask(int64(a<<(64-w))>>(64-w) > int64(b<<(64-w))>>(64-w))
		}, w)
		for i := 0; i < 20000; i++ {
			a, b := val(w), val(w)
			if r.IntN(4) == 0 {
				b = a ^ val(w)&val(w)&val(w)
			}
			if got, want := sseEqMask(a, b, h, uint8(w-1)), sseEqLanes(a, b, h, w); got != want {
				t.Fatalf("eq w %d: %#x %#x: %#x, want %#x", w, a, b, got, want)
			}
			var d [2]uint64
			d[0] = a
			gt(&d, b, 0)
			if got := sseGtMask(a, b, h, uint8(w-1)); got != d[0] {
				t.Fatalf("gt w %d: %#x %#x: %#x, want %#x", w, a, b, got, d[0])
			}
		}
	}
	for _, w := range []uint{16, 32, 64} {
		for _, k := range []uint8{pshLeft, pshRight, pshArith} {
			if k == pshArith && w == 64 {
				continue
			}
			for n := uint64(0); n < 256; n++ {
				var op blockOp
				pshiftOperands(&op, uint64(w)|uint64(k)<<8, n)
				for i := 0; i < 64; i++ {
					v := val(w)
					got := pshiftInline(v, &op)
					if want := sseShiftLanes(v, n, w, k); got != want {
						t.Fatalf("shift w %d kind %d n %d: %#x: %#x, want %#x", w, k, n, v, got, want)
					}
				}
			}
		}
	}
}
