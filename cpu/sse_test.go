package cpu

import (
	"math"
	"testing"
)

// sseEnv builds a long-mode CPL-0 test CPU with RBX pointing at tData.
func sseEnv(t *testing.T) *testEnv {
	e := newTestEnv(t, 0)
	e.c.GPR[RBX] = tData
	return e
}

// unhalt clears the halted state a previous run ended in.
func (e *testEnv) unhalt() {
	s := e.c.Snapshot()
	s.Halted = false
	e.c.Restore(s)
}

// runSSE runs code followed by HLT and fails on any exception.
func (e *testEnv) runSSE(code ...byte) {
	e.t.Helper()
	e.unhalt()
	e.code(append(code, 0xF4)...)
	e.mustHalt(100)
}

// runFault runs code followed by HLT and returns the exception vector taken (-1: none).
func (e *testEnv) runFault(code ...byte) int {
	e.t.Helper()
	e.unhalt()
	e.code(append(code, 0xF4)...)
	e.run(100)
	return e.vector()
}

func f64b(x float64) uint64 { return math.Float64bits(x) }
func f32b(x float32) uint64 { return uint64(math.Float32bits(x)) }

func TestSSEMovDQ(t *testing.T) {
	e := sseEnv(t)
	e.c.GPR[RAX] = 0x1122334455667788
	e.c.XMM[0] = [2]uint64{1, 2}
	e.c.XMM[1] = [2]uint64{0xAAAABBBBCCCCDDDD, 0xEEEE}
	e.runSSE(
		0x66, 0x48, 0x0f, 0x6e, 0xc0, // movq xmm0, rax
		0x66, 0x0f, 0x7e, 0xc8, // movd eax, xmm1
		0x66, 0x48, 0x0f, 0x7e, 0xcb, // movq rbx, xmm1
		0xf3, 0x0f, 0x7e, 0xd1, // movq xmm2, xmm1
	)
	if e.c.XMM[0] != [2]uint64{0x1122334455667788, 0} {
		t.Errorf("movq xmm0, rax: %#x", e.c.XMM[0])
	}
	if e.c.GPR[RAX] != 0xCCCCDDDD || e.c.GPR[RBX] != 0xAAAABBBBCCCCDDDD {
		t.Errorf("rax=%#x rbx=%#x", e.c.GPR[RAX], e.c.GPR[RBX])
	}
	if e.c.XMM[2] != [2]uint64{0xAAAABBBBCCCCDDDD, 0} {
		t.Errorf("movq xmm2, xmm1: %#x", e.c.XMM[2])
	}
}

func TestSSEAlignment(t *testing.T) {
	e := sseEnv(t)
	e.poke64(tData+8, 0x0123456789ABCDEF)
	e.poke64(tData+16, 0xFEDCBA9876543210)
	e.c.GPR[RBX] = tData + 8
	if v := e.runFault(0x66, 0x0f, 0x6f, 0x03); v != VecGP { // movdqa xmm0, [rbx]
		t.Fatalf("misaligned movdqa: vector %d, want #GP", v)
	}
	e = sseEnv(t)
	e.poke64(tData+8, 0x0123456789ABCDEF)
	e.poke64(tData+16, 0xFEDCBA9876543210)
	e.c.GPR[RBX] = tData + 8
	e.runSSE(0xf3, 0x0f, 0x6f, 0x03) // movdqu xmm0, [rbx]
	if e.c.XMM[0] != [2]uint64{0x0123456789ABCDEF, 0xFEDCBA9876543210} {
		t.Fatalf("movdqu: %#x", e.c.XMM[0])
	}
	// A misaligned m128 source of an arithmetic instruction faults too.
	e = sseEnv(t)
	e.c.GPR[RBX] = tData + 4
	if v := e.runFault(0x66, 0x0f, 0xef, 0x03); v != VecGP { // pxor xmm0, [rbx]
		t.Fatalf("misaligned pxor m128: vector %d", v)
	}
	// Scalar memory operands need no alignment.
	e = sseEnv(t)
	e.c.GPR[RBX] = tData + 4
	e.runSSE(0xf2, 0x0f, 0x58, 0x03) // addsd xmm0, [rbx]
}

func TestSSEMovScalar(t *testing.T) {
	e := sseEnv(t)
	e.poke64(tData, 0x1111111122222222)
	e.c.XMM[0] = [2]uint64{0xFFFFFFFFFFFFFFFF, 0xFFFF}
	e.c.XMM[1] = [2]uint64{0x3333333344444444, 0x5555}
	e.c.XMM[2] = [2]uint64{0xFFFFFFFFFFFFFFFF, 0xFFFF}
	e.runSSE(
		0xf3, 0x0f, 0x10, 0xc1, // movss xmm0, xmm1
		0xf3, 0x0f, 0x10, 0x13, // movss xmm2, [rbx]
	)
	if e.c.XMM[0] != [2]uint64{0xFFFFFFFF44444444, 0xFFFF} {
		t.Errorf("movss reg: %#x", e.c.XMM[0])
	}
	if e.c.XMM[2] != [2]uint64{0x22222222, 0} {
		t.Errorf("movss load: %#x", e.c.XMM[2])
	}
	e = sseEnv(t)
	e.c.XMM[1] = [2]uint64{0x3333333344444444, 0x5555}
	e.c.XMM[0] = [2]uint64{7, 8}
	e.runSSE(
		0xf2, 0x0f, 0x11, 0x0b, // movsd [rbx], xmm1
		0x0f, 0x16, 0x03, // movhps xmm0, [rbx]
		0x0f, 0x12, 0xc8, // movhlps xmm1, xmm0
	)
	if e.read64(tData) != 0x3333333344444444 || e.c.XMM[0] != [2]uint64{7, 0x3333333344444444} {
		t.Errorf("movsd store / movhps: %#x %#x", e.read64(tData), e.c.XMM[0])
	}
	if e.c.XMM[1] != [2]uint64{0x3333333344444444, 0x5555} {
		t.Errorf("movhlps: %#x", e.c.XMM[1])
	}
}

// TestSSEStrlenIdiom runs the pcmpeqb/pmovmskb/bsf loop gcc and libc use for strlen.
func TestSSEStrlenIdiom(t *testing.T) {
	e := sseEnv(t)
	e.load(tData, []byte("hello, sse world\x00padding........"))
	e.runSSE(
		0x66, 0x0f, 0xef, 0xc9, // pxor xmm1, xmm1
		0x66, 0x0f, 0x6f, 0x03, // movdqa xmm0, [rbx]
		0x66, 0x0f, 0x74, 0xc1, // pcmpeqb xmm0, xmm1
		0x66, 0x0f, 0xd7, 0xc0, // pmovmskb eax, xmm0
		0x66, 0x0f, 0x6f, 0x43, 0x10, // movdqa xmm0, [rbx+16]
		0x66, 0x0f, 0x74, 0xc1, // pcmpeqb xmm0, xmm1
		0x66, 0x0f, 0xd7, 0xc8, // pmovmskb ecx, xmm0
	)
	if e.c.GPR[RAX] != 0 || e.c.GPR[RCX] != 1 {
		t.Fatalf("masks %#x %#x", e.c.GPR[RAX], e.c.GPR[RCX])
	}
}

func TestSSEPackedInteger(t *testing.T) {
	type tc struct {
		name   string
		code   []byte
		x0, x1 [2]uint64
		want   [2]uint64
	}
	cases := []tc{
		{"paddb", []byte{0x66, 0x0f, 0xfc, 0xc1}, [2]uint64{0x80FF7F0102030405, 1}, [2]uint64{0x8001010101010101, 0xFF}, [2]uint64{0x0000800203040506, 0}},
		{"psubw", []byte{0x66, 0x0f, 0xf9, 0xc1}, [2]uint64{0x0000800000010005, 0}, [2]uint64{0x0001000100020003, 1}, [2]uint64{0xFFFF7FFFFFFF0002, 0xFFFF}},
		{"paddusb", []byte{0x66, 0x0f, 0xdc, 0xc1}, [2]uint64{0xF0F0, 0}, [2]uint64{0x2001, 0}, [2]uint64{0xFFF1, 0}},
		{"pshufd", []byte{0x66, 0x0f, 0x70, 0xc1, 0x1b}, [2]uint64{}, [2]uint64{0x1111111100000000, 0x3333333322222222}, [2]uint64{0x2222222233333333, 0x0000000011111111}},
		{"punpcklbw", []byte{0x66, 0x0f, 0x60, 0xc1}, [2]uint64{0x0706050403020100, 0}, [2]uint64{0x1716151413121110, 0}, [2]uint64{0x1303120211011000, 0x1707160615051404}},
		{"packuswb", []byte{0x66, 0x0f, 0x67, 0xc1}, [2]uint64{0x0100_00FF_FF80_0042, 0}, [2]uint64{0, 0x7FFF_8000_0001_0002}, [2]uint64{0xFFFF0042, 0xFF000102_00000000}},
		{"psllw imm", []byte{0x66, 0x0f, 0x71, 0xf0, 0x03}, [2]uint64{0x8001_0001, 0xFFFF}, [2]uint64{}, [2]uint64{0x0008_0008, 0xFFF8}},
		{"psrad xmm", []byte{0x66, 0x0f, 0xe2, 0xc1}, [2]uint64{0x80000000_00000010, 0x7FFFFFFF_FFFFFFFF}, [2]uint64{40, 0}, [2]uint64{0xFFFFFFFF_00000000, 0x00000000_FFFFFFFF}},
		{"psrldq", []byte{0x66, 0x0f, 0x73, 0xd8, 0x03}, [2]uint64{0x0706050403020100, 0x0F0E0D0C0B0A0908}, [2]uint64{}, [2]uint64{0x0A09080706050403, 0x0000000F0E0D0C0B}},
		{"pslldq", []byte{0x66, 0x0f, 0x73, 0xf8, 0x09}, [2]uint64{0x0706050403020100, 0x0F0E0D0C0B0A0908}, [2]uint64{}, [2]uint64{0, 0x0605040302010000}},
		{"pmaddwd", []byte{0x66, 0x0f, 0xf5, 0xc1}, [2]uint64{0x8000_8000_0002_0003, 0}, [2]uint64{0x8000_8000_0004_0005, 0}, [2]uint64{0x80000000_00000017, 0}},
		{"shufps", []byte{0x0f, 0xc6, 0xc1, 0xb1}, [2]uint64{0x11111111_00000000, 0x33333333_22222222}, [2]uint64{0x55555555_44444444, 0x77777777_66666666}, [2]uint64{0x00000000_11111111, 0x66666666_77777777}},
	}
	for _, c := range cases {
		e := sseEnv(t)
		e.c.XMM[0], e.c.XMM[1] = c.x0, c.x1
		e.runSSE(c.code...)
		if e.c.XMM[0] != c.want {
			t.Errorf("%s: got %#x want %#x", c.name, e.c.XMM[0], c.want)
		}
	}
}

func TestSSEPextrPinsr(t *testing.T) {
	e := sseEnv(t)
	e.c.XMM[0] = [2]uint64{0, 0x0000_1234_0000_0000}
	e.c.GPR[RAX] = ^uint64(0)
	e.c.GPR[RCX] = 0xABCD_BEEF
	e.runSSE(
		0x66, 0x0f, 0xc5, 0xc0, 0x06, // pextrw eax, xmm0, 6
		0x66, 0x0f, 0xc4, 0xc1, 0x01, // pinsrw xmm0, ecx, 1
	)
	if e.c.GPR[RAX] != 0x1234 || e.c.XMM[0] != [2]uint64{0xBEEF0000, 0x0000_1234_0000_0000} {
		t.Fatalf("rax=%#x xmm0=%#x", e.c.GPR[RAX], e.c.XMM[0])
	}
}

// fpCase is one floating-point instruction applied to xmm0, xmm1 with an MXCSR.
type fpCase struct {
	name      string
	code      []byte
	x0, x1    uint64 // low quadwords (upper quadwords are checked to be preserved)
	mxcsr     uint32
	want      uint64
	wantFlags uint32 // MXCSR exception flags after
}

var (
	cADDSD  = []byte{0xf2, 0x0f, 0x58, 0xc1}
	cADDSS  = []byte{0xf3, 0x0f, 0x58, 0xc1}
	cMULSD  = []byte{0xf2, 0x0f, 0x59, 0xc1}
	cDIVSD  = []byte{0xf2, 0x0f, 0x5e, 0xc1}
	cMINSD  = []byte{0xf2, 0x0f, 0x5d, 0xc1}
	cSQRTSD = []byte{0xf2, 0x0f, 0x51, 0xc1}
	cCVTSD2 = []byte{0xf2, 0x0f, 0x5a, 0xc1} // cvtsd2ss xmm0, xmm1
	cCVTSS2 = []byte{0xf3, 0x0f, 0x5a, 0xc1} // cvtss2sd xmm0, xmm1
	cCMPLT  = []byte{0xf2, 0x0f, 0xc2, 0xc1, 0x01}
)

const (
	mxRN  = 0x1F80
	mxRD  = 0x3F80
	mxRU  = 0x5F80
	mxRZ  = 0x7F80
	mxFTZ = 0x9FC0 // FTZ | DAZ | all masked
)

func TestSSEFloat(t *testing.T) {
	const (
		qnanA  = 0x7FF8000000000001
		snanB  = 0x7FF0000000000002
		nqnanB = 0xFFF8000000000003
		den    = 0x0000000000000001
	)
	cases := []fpCase{
		{"addsd", cADDSD, f64b(1.5), f64b(2.25), mxRN, f64b(3.75), 0},
		{"addsd inexact", cADDSD, f64b(1), f64b(0x1p-60), mxRN, f64b(1), mxPE},
		{"addsd RU", cADDSD, f64b(1), f64b(0x1p-60), mxRU, f64b(1 + 0x1p-52), mxPE},
		{"addsd RD neg", cADDSD, f64b(-1), f64b(-0x1p-60), mxRD, f64b(-1 - 0x1p-52), mxPE},
		{"addsd RZ", cADDSD, f64b(-1), f64b(-0x1p-60), mxRZ, f64b(-1), mxPE},
		{"addsd x-x RD", cADDSD, f64b(5), f64b(-5), mxRD, f64b(math.Copysign(0, -1)), 0},
		{"addsd x-x RN", cADDSD, f64b(5), f64b(-5), mxRN, 0, 0},
		{"addsd inf-inf", cADDSD, f64b(math.Inf(1)), f64b(math.Inf(-1)), mxRN, f64QNaN, mxIE},
		{"addsd qnan first", cADDSD, qnanA, nqnanB, mxRN, qnanA, 0},
		{"addsd snan second", cADDSD, f64b(1), snanB, mxRN, snanB | f64Quiet, mxIE},
		{"addsd qnan+snan", cADDSD, qnanA, snanB, mxRN, qnanA, mxIE},
		{"addsd overflow", cADDSD, f64b(math.MaxFloat64), f64b(math.MaxFloat64), mxRN, f64b(math.Inf(1)), mxOE | mxPE},
		{"addsd overflow RZ", cADDSD, f64b(math.MaxFloat64), f64b(math.MaxFloat64), mxRZ, f64b(math.MaxFloat64), mxOE | mxPE},
		{"addsd denormal in", cADDSD, den, f64b(1), mxRN, f64b(1), mxDE | mxPE},
		{"addsd DAZ", cADDSD, den, den, mxFTZ, 0, 0},
		{"mulsd underflow", cMULSD, f64b(0x1p-1000), f64b(0x1.8p-70), mxRN, f64b(0x1.8p-1070), 0},
		{"mulsd tiny inexact", cMULSD, f64b(0x1p-1000), f64b(0x1.0000001p-70), mxRN, f64b(0x1p-1070), mxUE | mxPE},
		{"mulsd FTZ", cMULSD, f64b(0x1p-1000), f64b(0x1p-70), mxFTZ, 0, mxUE | mxPE},
		{"mulsd 0*inf", cMULSD, 0, f64b(math.Inf(-1)), mxRN, f64QNaN, mxIE},
		{"divsd by zero", cDIVSD, f64b(-3), 0, mxRN, f64b(math.Inf(-1)), mxZE},
		{"divsd 0/0", cDIVSD, 0, 0, mxRN, f64QNaN, mxIE},
		{"divsd 1/3 RU", cDIVSD, f64b(1), f64b(3), mxRU, f64b(1.0/3) + 1, mxPE},
		{"divsd 1/3 RD", cDIVSD, f64b(1), f64b(3), mxRD, f64b(1.0 / 3), mxPE},
		{"minsd", cMINSD, f64b(2), f64b(-1), mxRN, f64b(-1), 0},
		{"minsd zeros", cMINSD, 0, f64b(math.Copysign(0, -1)), mxRN, f64b(math.Copysign(0, -1)), 0},
		{"minsd nan first", cMINSD, qnanA, f64b(7), mxRN, f64b(7), mxIE},
		{"minsd snan second", cMINSD, f64b(7), snanB, mxRN, snanB, mxIE},
		{"sqrtsd", cSQRTSD, 0, f64b(2), mxRN, f64b(math.Sqrt2), mxPE},
		{"sqrtsd RU", cSQRTSD, 0, f64b(2), mxRU, f64b(math.Sqrt2), mxPE},
		{"sqrtsd RD", cSQRTSD, 0, f64b(2), mxRD, f64b(math.Sqrt2) - 1, mxPE},
		{"sqrtsd exact", cSQRTSD, 0, f64b(6.25), mxRN, f64b(2.5), 0},
		{"sqrtsd -1", cSQRTSD, 0, f64b(-1), mxRN, f64QNaN, mxIE},
		{"sqrtsd -0", cSQRTSD, 0, f64b(math.Copysign(0, -1)), mxRN, f64Sign, 0},
		{"cmpltsd", cCMPLT, f64b(1), f64b(2), mxRN, ^uint64(0), 0},
		{"cmpltsd qnan", cCMPLT, qnanA, f64b(2), mxRN, 0, mxIE},
		{"cvtsd2ss", cCVTSD2, 0xAAAAAAAA_BBBBBBBB, f64b(1.0 / 3), mxRN, 0xAAAAAAAA_00000000 | f32b(1.0/3), mxPE},
		{"cvtsd2ss RZ", cCVTSD2, 0, f64b(1.0 / 3), mxRZ, f32b(1.0/3) - 1, mxPE},
		{"cvtsd2ss RU", cCVTSD2, 0, f64b(1.0 / 3), mxRU, f32b(1.0 / 3), mxPE},
		{"cvtsd2ss overflow", cCVTSD2, 0, f64b(1e300), mxRN, f32b(float32(math.Inf(1))), mxOE | mxPE},
		{"cvtsd2ss overflow RZ", cCVTSD2, 0, f64b(-1e300), mxRZ, f32b(-math.MaxFloat32), mxOE | mxPE},
		{"cvtsd2ss denormal", cCVTSD2, 0, f64b(0x1.8p-140), mxRN, 0x300, 0},
		{"cvtsd2ss denormal inexact", cCVTSD2, 0, f64b(0x1.0000001p-140), mxRN, 0x200, mxUE | mxPE},
		{"cvtsd2ss FTZ", cCVTSD2, 0, f64b(-0x1p-140), mxFTZ, 0x80000000, mxUE | mxPE},
		{"cvtsd2ss nan", cCVTSD2, 0, 0x7FF0_0000_2000_0000, mxRN, 0x7FC00001, mxIE},
		{"cvtss2sd snan", cCVTSS2, 0, 0xFF800001, mxRN, 0xFFF8_0000_2000_0000, mxIE},
		{"cvtss2sd denormal", cCVTSS2, 0, 1, mxRN, f64b(0x1p-149), mxDE},
		{"addss", cADDSS, 0x12345678_00000000 | f32b(1.5), f32b(2.25), mxRN, 0x12345678_00000000 | f32b(3.75), 0},
		{"addss inexact RU", cADDSS, f32b(1), f32b(0x1p-30), mxRU, f32b(1) + 1, mxPE},
		{"addss tie even", cADDSS, f32b(1), f32b(0x1p-24), mxRN, f32b(1), mxPE},
		{"addss tie+sticky", cADDSS, f32b(0x1p24), f32b(1.0000001), mxRN, f32b(0x1p24 + 2), mxPE},
	}
	for _, c := range cases {
		e := sseEnv(t)
		e.c.XMM[0] = [2]uint64{c.x0, 0xDEADBEEF}
		e.c.XMM[1] = [2]uint64{c.x1, 0xFEEDFACE}
		e.c.MXCSR = c.mxcsr
		e.runSSE(c.code...)
		if e.c.XMM[0][0] != c.want || e.c.XMM[0][1] != 0xDEADBEEF {
			t.Errorf("%s: got %#x:%#x want %#x", c.name, e.c.XMM[0][1], e.c.XMM[0][0], c.want)
		}
		if got := e.c.MXCSR & 0x3F; got != c.wantFlags {
			t.Errorf("%s: flags %#x want %#x", c.name, got, c.wantFlags)
		}
	}
}

func TestSSEComis(t *testing.T) {
	cases := []struct {
		code   []byte
		a, b   uint64
		flags  uint64
		mxFlag uint32
	}{
		{[]byte{0x66, 0x0f, 0x2e, 0xc1}, f64b(1), f64b(2), FlagCF, 0},
		{[]byte{0x66, 0x0f, 0x2e, 0xc1}, f64b(2), f64b(1), 0, 0},
		{[]byte{0x66, 0x0f, 0x2e, 0xc1}, f64b(0), f64b(math.Copysign(0, -1)), FlagZF, 0},
		{[]byte{0x66, 0x0f, 0x2e, 0xc1}, f64QNaN, f64b(1), FlagZF | FlagPF | FlagCF, 0},
		{[]byte{0x66, 0x0f, 0x2f, 0xc1}, f64QNaN, f64b(1), FlagZF | FlagPF | FlagCF, mxIE}, // comisd
		{[]byte{0x0f, 0x2f, 0xc1}, f32b(-1), f32b(1), FlagCF, 0},                           // comiss
	}
	for i, c := range cases {
		e := sseEnv(t)
		e.c.XMM[0][0], e.c.XMM[1][0] = c.a, c.b
		e.c.setRFLAGS(flagRsv1 | FlagOF | FlagSF | FlagAF)
		e.runSSE(c.code...)
		if got := e.c.Flags() & flagsArith; got != c.flags {
			t.Errorf("case %d: flags %#x want %#x", i, got, c.flags)
		}
		if e.c.MXCSR&0x3F != c.mxFlag {
			t.Errorf("case %d: mxcsr %#x", i, e.c.MXCSR)
		}
	}
}

func TestSSEConvertInt(t *testing.T) {
	cases := []struct {
		name  string
		code  []byte
		rax   uint64
		x0    uint64
		mxcsr uint32
		want  uint64 // rax or xmm0 low
		toGPR bool
		flags uint32
	}{
		{"cvtsi2sd rax", []byte{0xf2, 0x48, 0x0f, 0x2a, 0xc0}, uint64(1<<62 + 1), 0, mxRN, f64b(0x1p62), false, mxPE},
		{"cvtsi2sd rax RU", []byte{0xf2, 0x48, 0x0f, 0x2a, 0xc0}, uint64(1<<62 + 1), 0, mxRU, f64b(0x1p62) + 1, false, mxPE},
		{"cvtsi2sd min", []byte{0xf2, 0x48, 0x0f, 0x2a, 0xc0}, 1 << 63, 0, mxRN, f64b(-0x1p63), false, 0},
		{"cvtsi2ss eax", []byte{0xf3, 0x0f, 0x2a, 0xc0}, 0xFFFFFFFF_FFFFFFFF, 0x55555555_00000000, mxRN, 0x55555555_00000000 | f32b(-1), false, 0},
		{"cvtsi2ss rax RD", []byte{0xf3, 0x48, 0x0f, 0x2a, 0xc0}, uint64(1<<40 + 1), 0, mxRD, f32b(0x1p40), false, mxPE},
		{"cvtsi2ss rax RU", []byte{0xf3, 0x48, 0x0f, 0x2a, 0xc0}, uint64(1<<40 + 1), 0, mxRU, f32b(0x1p40) + 1, false, mxPE},
		{"cvtsd2si", []byte{0xf2, 0x48, 0x0f, 0x2d, 0xc0}, 0, f64b(2.5), mxRN, 2, true, mxPE},
		{"cvtsd2si RU", []byte{0xf2, 0x48, 0x0f, 0x2d, 0xc0}, 0, f64b(2.5), mxRU, 3, true, mxPE},
		{"cvtsd2si RD neg", []byte{0xf2, 0x48, 0x0f, 0x2d, 0xc0}, 0, f64b(-2.5), mxRD, uint64(1<<64 - 3), true, mxPE},
		{"cvtsd2si nan", []byte{0xf2, 0x48, 0x0f, 0x2d, 0xc0}, 0, f64QNaN, mxRN, 1 << 63, true, mxIE},
		{"cvttsd2si eax", []byte{0xf2, 0x0f, 0x2c, 0xc0}, ^uint64(0), f64b(-7.9), mxRN, uint64(uint32(0xFFFFFFF9)), true, mxPE},
		{"cvttsd2si eax overflow", []byte{0xf2, 0x0f, 0x2c, 0xc0}, ^uint64(0), f64b(3e9), mxRN, 0x80000000, true, mxIE},
		{"cvttss2si rax", []byte{0xf3, 0x48, 0x0f, 0x2c, 0xc0}, 0, f32b(-0x1p63), mxRN, 1 << 63, true, 0},
		{"cvttss2si rax overflow", []byte{0xf3, 0x48, 0x0f, 0x2c, 0xc0}, 0, f32b(0x1p63), mxRN, 1 << 63, true, mxIE},
	}
	for _, c := range cases {
		e := sseEnv(t)
		e.c.GPR[RAX] = c.rax
		e.c.XMM[0][0] = c.x0
		e.c.MXCSR = c.mxcsr
		e.runSSE(c.code...)
		got := e.c.XMM[0][0]
		if c.toGPR {
			got = e.c.GPR[RAX]
		}
		if got != c.want {
			t.Errorf("%s: got %#x want %#x", c.name, got, c.want)
		}
		if e.c.MXCSR&0x3F != c.flags {
			t.Errorf("%s: flags %#x want %#x", c.name, e.c.MXCSR&0x3F, c.flags)
		}
	}
}

func TestSSEPackedConvert(t *testing.T) {
	e := sseEnv(t)
	e.c.XMM[1] = [2]uint64{f32b(1.5) | f32b(-2.5)<<32, f32b(3e9) | f32b(float32(math.NaN()))<<32}
	e.runSSE(0x66, 0x0f, 0x5b, 0xc1) // cvtps2dq xmm0, xmm1
	if e.c.XMM[0] != [2]uint64{2 | 0xFFFFFFFE<<32, 0x80000000 | 0x80000000<<32} {
		t.Errorf("cvtps2dq: %#x", e.c.XMM[0])
	}
	if e.c.MXCSR&0x3F != mxIE|mxPE {
		t.Errorf("cvtps2dq flags %#x", e.c.MXCSR)
	}
	e = sseEnv(t)
	e.c.XMM[1] = [2]uint64{f64b(1.75), f64b(-1e10)}
	e.c.XMM[0] = [2]uint64{1, 1}
	e.runSSE(0x66, 0x0f, 0xe6, 0xc1) // cvttpd2dq xmm0, xmm1
	if e.c.XMM[0] != [2]uint64{1 | 0x80000000<<32, 0} {
		t.Errorf("cvttpd2dq: %#x", e.c.XMM[0])
	}
	e = sseEnv(t)
	e.c.XMM[1] = [2]uint64{f32b(0.5) | f32b(-4)<<32, 99}
	e.runSSE(0x0f, 0x5a, 0xc1) // cvtps2pd xmm0, xmm1
	if e.c.XMM[0] != [2]uint64{f64b(0.5), f64b(-4)} {
		t.Errorf("cvtps2pd: %#x", e.c.XMM[0])
	}
	e = sseEnv(t)
	e.c.XMM[1] = [2]uint64{f64b(0.5), f64b(-4)}
	e.c.XMM[0] = [2]uint64{5, 5}
	e.runSSE(0x66, 0x0f, 0x5a, 0xc1) // cvtpd2ps xmm0, xmm1
	if e.c.XMM[0] != [2]uint64{f32b(0.5) | f32b(-4)<<32, 0} {
		t.Errorf("cvtpd2ps: %#x", e.c.XMM[0])
	}
	e = sseEnv(t)
	e.c.XMM[1] = [2]uint64{16777217 | uint64(0xFFFFFFFF)<<32, 0}
	e.runSSE(0x0f, 0x5b, 0xc1) // cvtdq2ps xmm0, xmm1
	if e.c.XMM[0] != [2]uint64{f32b(16777216) | f32b(-1)<<32, 0} || e.c.MXCSR&0x3F != mxPE {
		t.Errorf("cvtdq2ps: %#x flags %#x", e.c.XMM[0], e.c.MXCSR)
	}
}

func TestSSEMXCSR(t *testing.T) {
	e := sseEnv(t)
	e.poke64(tData, 0x7F80|mxPE)
	e.runSSE(
		0x0f, 0xae, 0x13, // ldmxcsr [rbx]
		0x0f, 0xae, 0x5b, 0x08, // stmxcsr [rbx+8]
	)
	if e.c.MXCSR != 0x7F80|mxPE || e.read32(tData+8) != 0x7F80|mxPE {
		t.Fatalf("mxcsr %#x stored %#x", e.c.MXCSR, e.read32(tData+8))
	}
	e = sseEnv(t)
	e.poke64(tData, 0x10000|0x1F80)
	if v := e.runFault(0x0f, 0xae, 0x13); v != VecGP {
		t.Fatalf("reserved MXCSR bit: vector %d", v)
	}
}

func TestSSEUnmaskedException(t *testing.T) {
	e := sseEnv(t)
	e.c.MXCSR = 0x1F80 &^ (mxZE << 7) // ZE unmasked
	e.c.XMM[0] = [2]uint64{f64b(1), 0}
	e.c.XMM[1] = [2]uint64{0, 0}
	if v := e.runFault(cDIVSD...); v != VecXM {
		t.Fatalf("unmasked #Z: vector %d want #XM", v)
	}
	if e.c.XMM[0][0] != f64b(1) || e.c.MXCSR&mxZE == 0 {
		t.Fatalf("destination %#x mxcsr %#x", e.c.XMM[0][0], e.c.MXCSR)
	}
	e = sseEnv(t)
	e.c.CR4 &^= CR4OSXMMEXCPT
	e.c.MXCSR = 0x1F80 &^ (mxZE << 7)
	e.c.XMM[0] = [2]uint64{f64b(1), 0}
	if v := e.runFault(cDIVSD...); v != VecUD {
		t.Fatalf("unmasked #Z without OSXMMEXCPT: vector %d want #UD", v)
	}
}

func TestSSEAvailability(t *testing.T) {
	e := sseEnv(t)
	e.c.CR0 |= CR0TS
	if v := e.runFault(cADDSD...); v != VecNM {
		t.Fatalf("CR0.TS: vector %d", v)
	}
	e = sseEnv(t)
	e.c.CR0 |= CR0EM
	if v := e.runFault(cADDSD...); v != VecUD {
		t.Fatalf("CR0.EM: vector %d", v)
	}
	e = sseEnv(t)
	e.c.CR4 &^= CR4OSFXSR
	if v := e.runFault(0x66, 0x0f, 0xef, 0xc0); v != VecUD { // pxor
		t.Fatalf("CR4.OSFXSR=0: vector %d", v)
	}
	e = sseEnv(t)
	e.c.CR0 |= CR0TS
	if v := e.runFault(0x48, 0x0f, 0xae, 0x03); v != VecNM { // fxsave64
		t.Fatalf("fxsave with TS: vector %d", v)
	}
	e = sseEnv(t)
	e.c.CR0 |= CR0TS | CR0MP
	if v := e.runFault(0x9b); v != VecNM { // fwait
		t.Fatalf("fwait with TS|MP: vector %d", v)
	}
	e = sseEnv(t)
	if v := e.runFault(0x0f, 0xef, 0xc1); v != VecUD { // pxor mm0, mm1: no MMX
		t.Fatalf("MMX form: vector %d", v)
	}
}

func TestFXSAVE(t *testing.T) {
	e := sseEnv(t)
	for i := range e.c.XMM {
		e.c.XMM[i] = [2]uint64{uint64(i) * 0x0101010101010101, ^uint64(i)}
	}
	e.c.MXCSR = 0x7FA5
	e.c.FCW = 0x027F
	e.c.FSW = 0x3800
	e.c.FTW = 0x81
	*e.c.ST(7) = [2]uint64{0x8000000000000000, 0x3FFF}
	for i := 0; i < 512; i += 8 {
		e.poke64(tData+uint64(i), 0xAAAAAAAAAAAAAAAA)
	}
	e.runSSE(
		0x48, 0x0f, 0xae, 0x03, // fxsave64 [rbx]
		0xdb, 0xe3, // fninit
		0x66, 0x0f, 0xef, 0xc0, // pxor xmm0, xmm0
		0x66, 0x45, 0x0f, 0xef, 0xff, // pxor xmm15, xmm15
	)
	if e.read32(tData) != 0x3800027F || e.read32(tData+4)&0xFFFF != 0x81 {
		t.Errorf("header %#x %#x", e.read32(tData), e.read32(tData+4))
	}
	if e.read32(tData+24) != 0x7FA5 || e.read32(tData+28) != mxcsrMask {
		t.Errorf("mxcsr %#x mask %#x", e.read32(tData+24), e.read32(tData+28))
	}
	if e.read64(tData+32+16*7) != 0x8000000000000000 || e.read64(tData+40+16*7) != 0x3FFF {
		t.Errorf("st7 %#x %#x", e.read64(tData+32+16*7), e.read64(tData+40+16*7))
	}
	if e.read64(tData+160+16*15) != 15*0x0101010101010101 || e.read64(tData+168+16*15) != ^uint64(15) {
		t.Errorf("xmm15 image")
	}
	if e.read64(tData+416) != 0xAAAAAAAAAAAAAAAA || e.read64(tData+504) != 0xAAAAAAAAAAAAAAAA {
		t.Errorf("reserved area written")
	}
	if e.c.FCW != 0x37F || e.c.FSW != 0 || e.c.FTW != 0 || e.c.XMM[15] != [2]uint64{} {
		t.Fatalf("after fninit/pxor: fcw %#x xmm15 %#x", e.c.FCW, e.c.XMM[15])
	}
	e.runSSE(0x48, 0x0f, 0xae, 0x0b) // fxrstor64 [rbx]
	if e.c.FCW != 0x027F || e.c.FSW != 0x3800 || e.c.FTW != 0x81 || e.c.MXCSR != 0x7FA5 ||
		e.c.XMM[15] != [2]uint64{15 * 0x0101010101010101, ^uint64(15)} || e.c.XMM[0] != [2]uint64{0, ^uint64(0)} {
		t.Fatalf("fxrstor: fcw %#x fsw %#x ftw %#x mxcsr %#x xmm15 %#x", e.c.FCW, e.c.FSW, e.c.FTW, e.c.MXCSR, e.c.XMM[15])
	}
	// Misaligned area and reserved MXCSR bits: #GP(0), nothing loaded.
	e.c.GPR[RBX] = tData + 8
	if v := e.runFault(0x48, 0x0f, 0xae, 0x03); v != VecGP {
		t.Fatalf("misaligned fxsave: vector %d", v)
	}
	e = sseEnv(t)
	e.poke64(tData+24, 0x10000)
	if v := e.runFault(0x48, 0x0f, 0xae, 0x0b); v != VecGP {
		t.Fatalf("fxrstor reserved mxcsr: vector %d", v)
	}
}

func TestX87Control(t *testing.T) {
	e := sseEnv(t)
	e.poke64(tData, 0xFFFF)
	e.c.FSW = 0x3F | 0x3800 // flags raised while masked: nothing pending
	e.runSSE(
		0xd9, 0x2b, // fldcw [rbx]
		0xd9, 0x7b, 0x08, // fnstcw [rbx+8]
		0xdf, 0xe0, // fnstsw ax
		0x9b,       // fwait
		0xdb, 0xe2, // fnclex
		0x0f, 0x77, // emms
	)
	if e.read32(tData+8)&0xFFFF != 0x1F7F {
		t.Errorf("fnstcw after fldcw 0xFFFF: %#x", e.read32(tData+8))
	}
	if uint16(e.c.GPR[RAX]) != 0x3F|0x3800 || e.c.FSW != 0x3800 {
		t.Errorf("fnstsw %#x fsw %#x", e.c.GPR[RAX], e.c.FSW)
	}
}

// sseLoop is a loop of common SSE2 instructions (loads, stores, packed integer, scalar
// double arithmetic, conversions, compares); RBX points at 32 bytes of data.
var sseLoop = []byte{
	0x66, 0x0f, 0x6f, 0x03, // L: movdqa xmm0, [rbx]
	0x66, 0x0f, 0xfc, 0xc1, // paddb xmm0, xmm1
	0x66, 0x0f, 0x7f, 0x43, 0x10, // movdqa [rbx+16], xmm0
	0xf2, 0x0f, 0x58, 0xd3, // addsd xmm2, xmm3
	0xf2, 0x0f, 0x59, 0xd3, // mulsd xmm2, xmm3
	0xf2, 0x48, 0x0f, 0x2a, 0xe1, // cvtsi2sd xmm4, rcx
	0x66, 0x0f, 0x2e, 0xe2, // ucomisd xmm4, xmm2
	0x66, 0x0f, 0x74, 0xe8, // pcmpeqb xmm5, xmm0
	0x66, 0x0f, 0xd7, 0xc5, // pmovmskb eax, xmm5
	0x66, 0x0f, 0x70, 0xf0, 0x1b, // pshufd xmm6, xmm0, 0x1b
	0xf2, 0x48, 0x0f, 0x2c, 0xd2, // cvttsd2si rdx, xmm2
	0xff, 0xc9, // dec ecx
	0xeb, 0xcc, // jmp L
}

func TestSSENoAllocs(t *testing.T) {
	e := sseEnv(t)
	e.code(sseLoop...)
	e.c.XMM[3][0] = f64b(1.0000001)
	e.c.Run(1000)
	if n := testing.AllocsPerRun(10, func() { e.c.Run(10000) }); n != 0 {
		t.Fatalf("%v allocations per 10000 SSE instructions", n)
	}
}

func BenchmarkSSELoop(b *testing.B) {
	e := newTestEnv(b, 0)
	e.c.XMM[3][0] = f64b(1.0000001)
	benchEnv(b, e, sseLoop)
}

// TestFXSAVEAllOrNothing: an FXSAVE area that runs into a read-only page faults before
// writing anything.
func TestFXSAVEAllOrNothing(t *testing.T) {
	e := sseEnv(t)
	ro := uint64(tData + 0x1000)
	e.poke64(0x4000+8*(ro>>12), ro|0x5) // present, user, read-only
	e.c.CR0 |= CR0WP
	e.c.GPR[RBX] = ro - 256
	e.poke64(ro-256, 0x1111)
	if v := e.runFault(0x48, 0x0f, 0xae, 0x03); v != VecPF { // fxsave64 [rbx]
		t.Fatalf("vector %d, want #PF", v)
	}
	if e.c.CR2 != ro || e.read64(ro-256) != 0x1111 {
		t.Fatalf("cr2 %#x, first page written: %#x", e.c.CR2, e.read64(ro-256))
	}
	e = sseEnv(t)
	e.code(0x48, 0x0f, 0xae, 0x03, 0x48, 0x0f, 0xae, 0x0b, 0xeb, 0xf6) // L: fxsave64; fxrstor64; jmp L
	e.c.Run(100)
	if n := testing.AllocsPerRun(10, func() { e.c.Run(3000) }); n != 0 {
		t.Fatalf("%v allocations per 1000 FXSAVE/FXRSTOR", n)
	}
}

// TestSSEUnmaskedPrecedence: an unmasked pre-computation exception sets only the
// pre-computation flags; an unmasked post-computation one sets all of them.
func TestSSEUnmaskedPrecedence(t *testing.T) {
	e := sseEnv(t)
	e.c.MXCSR = 0x1F80 &^ (mxZE << 7) // ZE unmasked
	// divpd: lane 0 divides by zero, lane 1 is inexact (1/3).
	e.c.XMM[0] = [2]uint64{f64b(1), f64b(1)}
	e.c.XMM[1] = [2]uint64{0, f64b(3)}
	if v := e.runFault(0x66, 0x0f, 0x5e, 0xc1); v != VecXM {
		t.Fatalf("vector %d", v)
	}
	if e.c.MXCSR&0x3F != mxZE || e.c.XMM[0] != [2]uint64{f64b(1), f64b(1)} {
		t.Fatalf("pre: mxcsr %#x xmm0 %#x", e.c.MXCSR, e.c.XMM[0])
	}
	e = sseEnv(t)
	e.c.MXCSR = 0x1F80 &^ (mxPE << 7)  // PE unmasked
	e.c.XMM[0] = [2]uint64{1, f64b(1)} // lane 0: denormal operand (masked DE)
	e.c.XMM[1] = [2]uint64{f64b(1), f64b(3)}
	if v := e.runFault(0x66, 0x0f, 0x5e, 0xc1); v != VecXM {
		t.Fatalf("vector %d", v)
	}
	if e.c.MXCSR&0x3F != mxDE|mxPE || e.c.XMM[0] != [2]uint64{1, f64b(1)} {
		t.Fatalf("post: mxcsr %#x xmm0 %#x", e.c.MXCSR, e.c.XMM[0])
	}
}

// TestSSEOpcodeSpaceNeverPanics executes every two-byte opcode under each SSE mandatory
// prefix (and REX.W) with a spread of ModRM/SIB/immediate bytes and random XMM/MXCSR state:
// every outcome must be architectural (completion or an exception), never an internal error.
func TestSSEOpcodeSpaceNeverPanics(t *testing.T) {
	e := sseEnv(t)
	rng := uint64(0x9E3779B97F4A7C15)
	next := func() uint64 {
		rng ^= rng << 13
		rng ^= rng >> 7
		rng ^= rng << 17
		return rng
	}
	prefixes := [][]byte{nil, {0x66}, {0xF2}, {0xF3}, {0x66, 0x48}, {0xF2, 0x48}, {0xF3, 0x48}, {0x66, 0x45}}
	modrms := []byte{0xC1, 0xC8, 0xFF, 0x03, 0x43, 0x04, 0x05, 0x83}
	base := e.c.Snapshot()
	for op := 0; op < 256; op++ {
		for _, p := range prefixes {
			for _, m := range modrms {
				code := append(append([]byte{}, p...), 0x0F, byte(op), m, 0x18, 0x40, 0x00, 0x00, 0x00, 0xF4)
				s := base
				s.RIP = tCode
				s.GPR[RAX], s.GPR[RBX] = tData, tData+uint64(next()&0x1F)
				s.MXCSR = uint32(next()) & 0xFFBF
				for i := range s.XMM {
					s.XMM[i] = [2]uint64{next(), next()}
				}
				e.c.Restore(s)
				e.load(tCode, code)
				if ex := e.c.Run(3); ex.Reason == ExitShutdown {
					t.Fatalf("% x: %v %s", code, ex.Reason, ex.Diag)
				}
			}
		}
	}
}

// TestFXSAVECompatMode: outside 64-bit mode FXSAVE stores XMM0-7 only (bytes 0-287).
func TestFXSAVECompatMode(t *testing.T) {
	e := sseEnv(t)
	s := e.c.Snapshot()
	s.Seg[CS] = segFromDesc(selKCode32, descKCode32)
	s.XMM[7] = [2]uint64{0x7777, 0x8888}
	s.XMM[8] = [2]uint64{0x9999, 0xAAAA}
	e.c.Restore(s)
	e.poke64(tData+288, 0x5555)
	e.runSSE(0x0f, 0xae, 0x03) // fxsave [ebx]
	if e.read64(tData+160+16*7) != 0x7777 || e.read64(tData+168+16*7) != 0x8888 {
		t.Fatalf("xmm7 image %#x", e.read64(tData+160+16*7))
	}
	if e.read64(tData+288) != 0x5555 {
		t.Fatalf("xmm8 slot written in compatibility mode: %#x", e.read64(tData+288))
	}
}
