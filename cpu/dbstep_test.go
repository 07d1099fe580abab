package cpu

import "testing"

// dbLogHandler records DR6 and the saved RIP of every #DB at tData+8*i and
// tData+0x80+8*i (i counted in R9), using only R9-R11, and returns.
var dbLogHandler = []byte{
	0x41, 0x0F, 0x21, 0xF2, // mov r10, dr6
	0x4F, 0x89, 0x14, 0xCB, // mov [r11+r9*8], r10
	0x4C, 0x8B, 0x14, 0x24, // mov r10, [rsp]
	0x4F, 0x89, 0x94, 0xCB, 0x80, 0x00, 0x00, 0x00, // mov [r11+r9*8+0x80], r10
	0x49, 0xFF, 0xC1, // inc r9
	0x48, 0xCF, // iretq
}

type dbRec struct{ off, dr6 uint64 }

// TestSingleStepSequences runs the single-step sequences a debug test
// suite checks, each at CPL 0 with a #DB handler that logs DR6 and the
// saved RIP: the trap comes one instruction after POPF sets TF, an STI
// shadow does not hold it back, a MOV SS shadow does, ICEBP in a MOV SS
// shadow reports its own #DB (DR6 without BS) and absorbs the held-back
// step, and emulated instructions (CPUID, IN) step like any other.
func TestSingleStepSequences(t *testing.T) {
	const bs = 0xFFFF4FF0
	head := []byte{0x9C, 0x58, 0x48, 0x0D, 0x00, 0x01, 0x00, 0x00, 0x50} // pushf; pop rax; or rax,0x100; push rax
	andTF := []byte{0x48, 0x25, 0xFF, 0xFE, 0xFF, 0xFF}                  // and rax, ~0x100
	cat := func(parts ...[]byte) (b []byte) {
		for _, p := range parts {
			b = append(b, p...)
		}
		return append(b, 0xF4)
	}
	for _, tc := range []struct {
		name string
		code []byte
		want []dbRec
	}{
		{"basic", cat(head, []byte{0x9D}, andTF, []byte{0x50, 0x9D}),
			[]dbRec{{16, bs}, {17, bs}, {18, bs}}},
		{"sti", cat([]byte{0xFA}, head, []byte{0x9D, 0xFB}, andTF, []byte{0x50, 0x9D}),
			[]dbRec{{12, bs}, {18, bs}, {19, bs}, {20, bs}}},
		{"mov ss", cat(head, []byte{0x66, 0x8C, 0xD0, 0x9D, 0x8E, 0xD0}, andTF, []byte{0x50, 0x9D}),
			[]dbRec{{21, bs}, {22, bs}, {23, bs}}},
		{"mov ss + icebp", cat(head, []byte{0x66, 0x8C, 0xD0, 0x9D, 0x8E, 0xD0, 0xF1}, andTF, []byte{0x50, 0x9D}),
			[]dbRec{{16, 0xFFFF0FF0}, {22, bs}, {23, bs}, {24, bs}}},
		{"emulated", cat(head, []byte{0x9D}, andTF, []byte{0x50, 0x48, 0x31, 0xC0, 0x0F, 0xA2, 0xBA, 0xFD, 0x03, 0x00, 0x00, 0xEC, 0x9D}),
			[]dbRec{{16, bs}, {17, bs}, {20, bs}, {22, bs}, {27, bs}, {28, bs}, {29, bs}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const handler = tCode + 0x800
			e := newTestEnv(t, 0)
			e.setGate(VecDB, handler, sysIntGate, 0, 0)
			e.load(handler, dbLogHandler)
			e.c.GPR[R11] = tData
			e.code(tc.code...)
			e.mustHalt(200)
			if n := e.c.GPR[R9]; n != uint64(len(tc.want)) {
				t.Errorf("%d #DBs, want %d", n, len(tc.want))
			}
			for i, w := range tc.want {
				dr6, rip := e.read64(tData+uint64(i)*8), e.read64(tData+0x80+uint64(i)*8)
				if dr6 != w.dr6 || rip != tCode+w.off {
					t.Errorf("#DB %d: RIP +%d DR6 %#x, want +%d DR6 %#x", i, int64(rip-tCode), dr6, w.off, w.dr6)
				}
			}
		})
	}
}

// TestMovSSWatchpointThenICEBP: a data breakpoint hit by MOV SS, then
// ICEBP in its shadow: one #DB (the ICEBP's, saved RIP after it), not a
// second one at the handler's first instruction. INT 1 and INT3 in the
// same place enter their handler and take the held-back trap there.
func TestMovSSWatchpointThenICEBP(t *testing.T) {
	const handler = tCode + 0x800
	for _, tc := range []struct {
		name string
		insn []byte
		want []uint64 // saved RIPs of the #DBs
	}{
		{"icebp", []byte{0xF1}, []uint64{tCode + 3}},
		{"int 1", []byte{0xCD, 0x01}, []uint64{handler, tCode + 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := dbEnv(t)
			e.setGate(VecDB, handler, sysIntGate, 0, 0)
			e.load(handler, dbLogHandler)
			e.c.GPR[R11] = tData + 0x1000
			e.code(append(append([]byte{0x8E, 0x13}, tc.insn...), 0xF4)...) // mov ss,[rbx]; insn; hlt
			e.mustHalt(100)
			if n := e.c.GPR[R9]; n != uint64(len(tc.want)) {
				t.Fatalf("%d #DBs, want %d", n, len(tc.want))
			}
			for i, w := range tc.want {
				if rip := e.read64(tData + 0x1080 + uint64(i)*8); rip != w {
					t.Errorf("#DB %d: saved RIP %#x, want %#x", i, rip, w)
				}
			}
			if dr6 := e.read64(tData + 0x1000); dr6&0xF != 1 {
				t.Errorf("first #DB: DR6 %#x, want B0", dr6)
			}
		})
	}
}
