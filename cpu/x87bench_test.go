package cpu

import "testing"

// BenchmarkX87Loop: the long double loop of kppemu bench's x87 workload
// (images/programs/benchfp.c as gcc compiles it): FILD, FLD ST(i), FMUL, FSQRT, FXCH and
// FADDP, with a 32-bit counter.
func BenchmarkX87Loop(b *testing.B) {
	e := newTestEnv(b, 0)
	e.c.GPR[RSP] = tData + 0x8000
	body := []byte{
		0xD9, 0xC9, // L: fxch st1
		0x89, 0x44, 0x24, 0xE8, // mov [rsp-0x18], eax
		0xDB, 0x44, 0x24, 0xE8, // fild dword [rsp-0x18]
		0x83, 0xC0, 0x01, // add eax, 1
		0xD9, 0xC0, // fld st0
		0xD8, 0xC9, // fmul st, st1
		0xD9, 0xC0, // fld st0
		0xD9, 0xFA, // fsqrt
		0xD9, 0xCB, // fxch st3
		0xDE, 0xC1, // faddp st1, st
		0xD9, 0xCB, // fxch st3
		0xDE, 0xC2, // faddp st2, st
		0xD8, 0xCC, // fmul st, st4
		0xDE, 0xC3, // faddp st3, st
		0x3D, 0x21, 0x4E, 0x00, 0x00, // cmp eax, 0x4e21
	}
	body = append(body, 0x75, byte(-(len(body) + 2))) // jne L
	body = append(body, 0xB8, 0x01, 0x00, 0x00, 0x00) // mov eax, 1
	body = append(body, 0xEB, byte(-(len(body) + 2))) // jmp L
	code := []byte{
		0xD9, 0xE8, // fld1
		0xD9, 0xC0, // fld st0
		0xD9, 0xC0, // fld st0
		0xD9, 0xC0, // fld st0
		0xB8, 0x01, 0x00, 0x00, 0x00, // mov eax, 1
	}
	benchEnv(b, e, append(code, body...))
}

// BenchmarkX87FxchLoop: FXCH alone, the cheapest x87 step.
func BenchmarkX87FxchLoop(b *testing.B) {
	e := newTestEnv(b, 0)
	body := []byte{}
	for i := 0; i < 14; i++ {
		body = append(body, 0xD9, 0xC9)
	}
	body = append(body, 0x48, 0x83, 0xC0, 0x01, 0x75, byte(-(len(body) + 6)), 0xEB, byte(-(len(body) + 8)))
	benchEnv(b, e, append([]byte{0xD9, 0xE8, 0xD9, 0xC0}, body...))
}
