package cpu

import "testing"

// BenchmarkIntegerMix: the integer-group instructions compilers emit in inner loops
// (MOVZX, shifts, IMUL, CMOVcc, SETcc, BT, MOVSXD) with a counted back-edge.
func BenchmarkIntegerMix(b *testing.B) {
	benchLoop(b, []byte{
		0x0F, 0xB6, 0xC3, // L: movzx eax, bl
		0x48, 0xC1, 0xE0, 0x05, // shl rax, 5
		0x48, 0xC1, 0xFA, 0x03, // sar rdx, 3
		0x48, 0x0F, 0xAF, 0xD0, // imul rdx, rax
		0x48, 0x39, 0xC2, // cmp rdx, rax
		0x48, 0x0F, 0x4C, 0xD0, // cmovl rdx, rax
		0x0F, 0x9F, 0xC1, // setg cl
		0x48, 0x0F, 0xA3, 0xC3, // bt rbx, rax
		0x48, 0x63, 0xF3, // movsxd rsi, ebx
		0x48, 0xFF, 0xC3, // inc rbx
		0xEB, 0xDB, // jmp L
	})
}

// BenchmarkIntegerMemory: MOVZX/MOVSX loads and a shift of memory.
func BenchmarkIntegerMemory(b *testing.B) {
	benchLoop(b, []byte{
		0x0F, 0xB6, 0x04, 0x0B, // L: movzx eax, byte [rbx+rcx]
		0x48, 0x0F, 0xBF, 0x54, 0x4B, 0x10, // movsx rdx, word [rbx+rcx*2+16]
		0xD1, 0x24, 0x8B, // shl dword [rbx+rcx*4], 1
		0x48, 0x83, 0xC1, 0x01, // add rcx, 1
		0x81, 0xE1, 0xFF, 0x03, 0x00, 0x00, // and ecx, 0x3ff
		0xEB, 0xE7, // jmp L
	})
}

// BenchmarkIntForms: one integer form at a time, eight copies of it before the back-edge
// (MIPS counts the back-edge and any reset instruction too); memory operands at [rbx]
// (tData, warm in the TLB).
func BenchmarkIntForms(b *testing.B) {
	for _, tc := range []struct {
		name  string
		ins   []byte
		reset []byte // after the eight copies, before the back-edge
	}{
		{"shld_r_imm", []byte{0x48, 0x0F, 0xA4, 0xC2, 0x05}, nil},                       // shld rdx, rax, 5
		{"shrd_r_cl", []byte{0x0F, 0xAD, 0xC2}, nil},                                    // shrd edx, eax, cl
		{"shld_m_imm", []byte{0x48, 0x0F, 0xA4, 0x03, 0x05}, nil},                       // shld [rbx], rax, 5
		{"shrd_m_cl", []byte{0x0F, 0xAD, 0x03}, nil},                                    // shrd [rbx], eax, cl
		{"bts_m_imm", []byte{0x0F, 0xBA, 0x2B, 0x05}, nil},                              // bts dword [rbx], 5
		{"btr_m_r", []byte{0x48, 0x0F, 0xB3, 0x0B}, nil},                                // btr [rbx], rcx
		{"bt_m_imm", []byte{0x0F, 0xBA, 0x23, 0x05}, nil},                               // bt dword [rbx], 5
		{"shl_m_1", []byte{0xD1, 0x23}, nil},                                            // shl dword [rbx], 1
		{"shr_m_imm", []byte{0x48, 0xC1, 0x2B, 0x03}, nil},                              // shr qword [rbx], 3
		{"sar_m_cl", []byte{0xD3, 0x3B}, nil},                                           // sar dword [rbx], cl
		{"push_pop_m", []byte{0xFF, 0x33, 0x8F, 0x43, 0x08}, nil},                       // push [rbx]; pop [rbx+8]
		{"imul_r_m", []byte{0x48, 0x0F, 0xAF, 0x03}, nil},                               // imul rax, [rbx]
		{"imul_r_m_imm", []byte{0x6B, 0x03, 0x07}, nil},                                 // imul eax, [rbx], 7
		{"adc_m_r", []byte{0x48, 0x11, 0x03}, nil},                                      // adc [rbx], rax
		{"adc_r_m", []byte{0x48, 0x13, 0x03}, nil},                                      // adc rax, [rbx]
		{"sbb_r_m", []byte{0x1B, 0x03}, nil},                                            // sbb eax, [rbx]
		{"movbe_r_m", []byte{0x0F, 0x38, 0xF0, 0x03}, nil},                              // movbe eax, [rbx]
		{"movbe_m_r", []byte{0x48, 0x0F, 0x38, 0xF1, 0x03}, nil},                        // movbe [rbx], rax
		{"lodsb", []byte{0xAC}, []byte{0x48, 0x89, 0xDE}},                               // lodsb (mov rsi, rbx)
		{"stosd", []byte{0xAB}, []byte{0x48, 0x89, 0xDF}},                               // stosd (mov rdi, rbx)
		{"movsq", []byte{0x48, 0xA5}, []byte{0x48, 0x89, 0xDE, 0x48, 0x8D, 0x7B, 0x40}}, // movsq (rsi, rdi reset)
		{"bswap", []byte{0x48, 0x0F, 0xC8}, nil},                                        // bswap rax
		{"mul_r", []byte{0x48, 0xF7, 0xE3}, nil},                                        // mul rbx
		{"setcc_m", []byte{0x0F, 0x94, 0x03}, nil},                                      // sete [rbx]
		{"test_m_r", []byte{0x85, 0x03}, nil},                                           // test [rbx], eax
	} {
		b.Run(tc.name, func(b *testing.B) {
			var code []byte
			for i := 0; i < 8; i++ {
				code = append(code, tc.ins...)
			}
			code = append(code, tc.reset...)
			code = append(code, 0xEB, byte(-(len(code) + 2))) // jmp L
			e := newTestEnv(b, 0)
			e.c.GPR[RAX], e.c.GPR[RCX], e.c.GPR[RDX] = 0x1234, 3, 0x55
			e.c.GPR[RSI] = tData
			benchEnv(b, e, code)
		})
	}
}

// ripIns is an instruction with a RIP-relative memory operand: the bytes before the
// 32-bit displacement, the address the operand names and the bytes after the
// displacement (an immediate).
type ripIns = struct {
	pre    []byte
	target uint64
	post   []byte
}

// ripCode appends instructions with a RIP-relative memory operand to code, which starts
// at tCode.
func ripCode(code []byte, ins ...ripIns) []byte {
	for _, in := range ins {
		end := tCode + uint64(len(code)+len(in.pre)+4+len(in.post))
		d := uint32(in.target - end)
		code = append(code, in.pre...)
		code = append(code, byte(d), byte(d>>8), byte(d>>16), byte(d>>24))
		code = append(code, in.post...)
	}
	return code
}

// BenchmarkRIPRelative: loads, stores, read-modify-writes and a fused compare of global
// variables, RIP-relative as compiled position-independent code addresses them.
func BenchmarkRIPRelative(b *testing.B) {
	code := ripCode(nil, ripLoop...)
	code = append(code, 0x75, byte(-(len(code) + 2))) // jne L (D is 0)
	benchLoop(b, code)
}

// ripLoop is BenchmarkRIPRelative's loop without its branch.
var ripLoop = []ripIns{
	{[]byte{0x8B, 0x05}, tData, nil},                  // L: mov eax, [rip+A]
	{[]byte{0x01, 0x05}, tData + 8, nil},              // add [rip+B], eax
	{[]byte{0x0F, 0xB6, 0x0D}, tData + 16, nil},       // movzx ecx, byte [rip+C]
	{[]byte{0x89, 0x0D}, tData + 24, nil},             // mov [rip+E], ecx
	{[]byte{0x48, 0xFF, 0x05}, tData + 32, nil},       // inc qword [rip+F]
	{[]byte{0x48, 0x03, 0x15}, tData + 40, nil},       // add rdx, [rip+G]
	{[]byte{0xF2, 0x0F, 0x10, 0x05}, tData + 56, nil}, // movsd xmm0, [rip+H]
	{[]byte{0xF2, 0x0F, 0x58, 0x0D}, tData + 56, nil}, // addsd xmm1, [rip+H]
	{[]byte{0x83, 0x3D}, tData + 48, []byte{0x05}},    // cmp dword [rip+D], 5
}
