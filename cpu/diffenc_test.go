package cpu

// A small x86-64 encoder for the differential tests: enough for the forms the generators
// produce (legacy prefixes, REX, one- to three-byte opcodes, ModRM/SIB with every base,
// index, scale and displacement form, RIP-relative, opcode+register, immediates).
// TestDiffEncoder checks its output against x86asm.

import "encoding/binary"

// rmOperand is the ModRM r/m operand: a register or a memory reference.
type rmOperand struct {
	mem    bool
	reg    uint8 // register number when !mem
	base   int8  // -1: none
	index  int8  // -1: none (4 = RSP cannot be an index)
	scale  uint8 // 0..3 (shift count)
	disp   int32
	ripRel bool
	mod    int8 // forced ModRM.mod for base forms (-1: smallest); used to test disp32 with small values
}

// insn is one instruction to encode.
type insn struct {
	pfx    []byte // legacy prefixes in order (F0, 66, 67, F2, F3); the mandatory prefix last
	w      bool   // REX.W
	rex    bool   // emit a REX even without bits (SPL/BPL/SIL/DIL)
	op     []byte // opcode bytes including 0F / 0F 38 / 0F 3A escapes
	modrm  bool
	reg    uint8 // ModRM.reg: register number or /digit
	rm     rmOperand
	opReg  int8 // register added to the last opcode byte (B8+r, 50+r, 0F C8+r); -1 none
	imm    []byte
	noREXw bool
}

func regRM(r uint8) rmOperand { return rmOperand{reg: r, base: -1, index: -1, mod: -1} }

// encode returns the machine code of i. ripDispAt, when the operand is RIP-relative, is
// the offset of its disp32 within the result, so callers can patch it.
func (i *insn) encode() (b []byte, ripDispAt int) {
	ripDispAt = -1
	b = append(b, i.pfx...)
	var rex byte
	if i.w {
		rex |= 8
	}
	if i.modrm {
		rex |= (i.reg >> 3 & 1) << 2
		if i.rm.mem {
			if i.rm.index >= 0 {
				rex |= byte(i.rm.index>>3&1) << 1
			}
			if i.rm.base >= 0 {
				rex |= byte(i.rm.base >> 3 & 1)
			}
		} else {
			rex |= i.rm.reg >> 3 & 1
		}
	}
	if i.opReg >= 0 {
		rex |= byte(i.opReg >> 3 & 1)
	}
	if rex != 0 || i.rex {
		b = append(b, 0x40|rex)
	}
	op := append([]byte(nil), i.op...)
	if i.opReg >= 0 {
		op[len(op)-1] += byte(i.opReg & 7)
	}
	b = append(b, op...)
	if i.modrm {
		reg := (i.reg & 7) << 3
		rm := i.rm
		switch {
		case !rm.mem:
			b = append(b, 0xC0|reg|rm.reg&7)
		case rm.ripRel:
			b = append(b, reg|5)
			ripDispAt = len(b)
			b = binary.LittleEndian.AppendUint32(b, uint32(rm.disp))
		case rm.base < 0:
			// SIB with no base: disp32 (+ index<<scale).
			idx := byte(4)
			if rm.index >= 0 {
				idx = byte(rm.index & 7)
			}
			b = append(b, reg|4, rm.scale<<6|idx<<3|5)
			b = binary.LittleEndian.AppendUint32(b, uint32(rm.disp))
		default:
			mod := byte(2)
			switch {
			case rm.mod >= 0:
				mod = byte(rm.mod)
			case rm.disp == 0 && rm.base&7 != 5:
				mod = 0
			case rm.disp >= -128 && rm.disp < 128:
				mod = 1
			}
			if rm.index >= 0 || rm.base&7 == 4 {
				idx := byte(4)
				if rm.index >= 0 {
					idx = byte(rm.index & 7)
				}
				b = append(b, mod<<6|reg|4, rm.scale<<6|idx<<3|byte(rm.base&7))
			} else {
				b = append(b, mod<<6|reg|byte(rm.base&7))
			}
			switch mod {
			case 1:
				b = append(b, byte(int8(rm.disp)))
			case 2:
				b = binary.LittleEndian.AppendUint32(b, uint32(rm.disp))
			}
		}
	}
	b = append(b, i.imm...)
	return b, ripDispAt
}

// Immediate helpers.
func imm8(v uint64) []byte  { return []byte{byte(v)} }
func imm16(v uint64) []byte { return binary.LittleEndian.AppendUint16(nil, uint16(v)) }
func imm32(v uint64) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }
func imm64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// immN encodes v in n bytes.
func immN(v uint64, n int) []byte {
	switch n {
	case 1:
		return imm8(v)
	case 2:
		return imm16(v)
	case 4:
		return imm32(v)
	}
	return imm64(v)
}
