package jit

import (
	"encoding/binary"
	"fmt"
)

// Reg is an amd64 general register in encoding order.
type Reg uint8

// The general registers.
const (
	RAX Reg = iota
	RCX
	RDX
	RBX
	RSP
	RBP
	RSI
	RDI
	R8
	R9
	R10
	R11
	R12
	R13
	R14
	R15
	// NoReg marks an absent base or index register.
	NoReg Reg = 0xFF
)

// Mem is a memory operand [Base + Index<<Scale + Disp]. Index NoReg: none.
// Base NoReg with an index is [Index<<Scale + disp32]; there are no
// RIP-relative or absolute forms.
type Mem struct {
	Base  Reg
	Index Reg
	Scale uint8 // 0..3
	Disp  int32
}

// M returns the operand [base + disp].
func M(base Reg, disp int32) Mem { return Mem{Base: base, Index: NoReg, Disp: disp} }

// MI returns the operand [base + index<<scale + disp].
func MI(base, index Reg, scale uint8, disp int32) Mem {
	return Mem{Base: base, Index: index, Scale: scale, Disp: disp}
}

// Cond is an amd64 condition code (the low nibble of Jcc/SETcc/CMOVcc).
type Cond uint8

// Condition codes.
const (
	CondO Cond = iota
	CondNO
	CondB
	CondAE
	CondE
	CondNE
	CondBE
	CondA
	CondS
	CondNS
	CondP
	CondNP
	CondL
	CondGE
	CondLE
	CondG
)

// ALU operations in the order of their /digit in opcodes 80-83 (and of the
// 00-3F opcode rows).
type ALU uint8

// ALU operations.
const (
	ADD ALU = iota
	OR
	ADC
	SBB
	AND
	SUB
	XOR
	CMP
)

// Shift operations in the order of their /digit in opcodes C0/C1/D0-D3.
type Shift uint8

// Shift and rotate operations.
const (
	ROL Shift = iota
	ROR
	RCL
	RCR
	SHL
	SHR
	_
	SAR
)

// Label is a position in the code being assembled, bound once with Bind.
type Label int

type fixup struct {
	at    int // offset of the rel32 field
	label Label
}

// Asm assembles amd64 machine code into a byte slice. Sizes are in bytes
// (1, 2, 4 or 8). Jumps to labels use 32-bit displacements, resolved by
// Finish.
type Asm struct {
	b      []byte
	labels []int // offset, or -1 while unbound
	fixups []fixup
	err    error
}

// Reset empties the assembler for a new piece of code, keeping its buffers.
func (a *Asm) Reset() {
	a.b = a.b[:0]
	a.labels = a.labels[:0]
	a.fixups = a.fixups[:0]
	a.err = nil
}

// Len returns the number of bytes assembled so far.
func (a *Asm) Len() int { return len(a.b) }

// Bytes returns the code assembled so far (labels not necessarily resolved).
func (a *Asm) Bytes() []byte { return a.b }

// NewLabel returns an unbound label.
func (a *Asm) NewLabel() Label {
	a.labels = append(a.labels, -1)
	return Label(len(a.labels) - 1)
}

// Bind binds l to the current position.
func (a *Asm) Bind(l Label) {
	if a.labels[l] >= 0 {
		a.fail("label %d bound twice", l)
	}
	a.labels[l] = len(a.b)
}

// Mark is a position of the assembler that Rollback returns to.
type Mark struct{ b, labels, fixups int }

// Mark returns the current position.
func (a *Asm) Mark() Mark { return Mark{len(a.b), len(a.labels), len(a.fixups)} }

// Rollback forgets everything assembled since m (code, labels and jumps).
func (a *Asm) Rollback(m Mark) {
	a.b = a.b[:m.b]
	a.labels = a.labels[:m.labels]
	a.fixups = a.fixups[:m.fixups]
}

// BindAt binds l to offset off of the code assembled so far.
func (a *Asm) BindAt(l Label, off int) {
	if a.labels[l] >= 0 {
		a.fail("label %d bound twice", l)
	}
	a.labels[l] = off
}

// Offset returns the position l is bound to, or -1.
func (a *Asm) Offset(l Label) int { return a.labels[l] }

// Finish resolves the label references and returns the code, or the first
// error met while assembling.
func (a *Asm) Finish() ([]byte, error) {
	if a.err != nil {
		return nil, a.err
	}
	for _, f := range a.fixups {
		t := a.labels[f.label]
		if t < 0 {
			return nil, fmt.Errorf("jit: label %d never bound", f.label)
		}
		binary.LittleEndian.PutUint32(a.b[f.at:], uint32(int32(t-(f.at+4))))
	}
	return a.b, nil
}

func (a *Asm) fail(format string, args ...any) {
	if a.err == nil {
		a.err = fmt.Errorf("jit: "+format, args...)
	}
}

func (a *Asm) byte1(v byte)  { a.b = append(a.b, v) }
func (a *Asm) u16(v uint16)  { a.b = binary.LittleEndian.AppendUint16(a.b, v) }
func (a *Asm) u32(v uint32)  { a.b = binary.LittleEndian.AppendUint32(a.b, v) }
func (a *Asm) u64(v uint64)  { a.b = binary.LittleEndian.AppendUint64(a.b, v) }
func (a *Asm) rel(l Label)   { a.fixups = append(a.fixups, fixup{len(a.b), l}); a.u32(0) }
func isByteHi(r Reg) bool    { return r >= RSP && r <= RDI }
func checkSize(s uint8) bool { return s == 1 || s == 2 || s == 4 || s == 8 }
func lowBit(r Reg) byte      { return byte(r) & 7 }
func highBit(r Reg) byte     { return byte(r) >> 3 & 1 }
func wide(size uint8) byte {
	if size == 8 {
		return 8
	}
	return 0
}

// prefix emits the operand-size prefix and REX for an instruction of the
// given size with ModRM reg field reg and r/m made of base and index.
// byteRegs: reg and/or base are byte registers (need REX for SPL..DIL).
func (a *Asm) prefix(size uint8, reg, base, index Reg, regIsReg, baseIsReg bool) {
	if !checkSize(size) {
		a.fail("operand size %d", size)
	}
	if size == 2 {
		a.byte1(0x66)
	}
	rex := wide(size)
	if reg != NoReg {
		rex |= highBit(reg) << 2
	}
	if index != NoReg {
		rex |= highBit(index) << 1
	}
	if base != NoReg {
		rex |= highBit(base)
	}
	force := size == 1 && (regIsReg && isByteHi(reg) || baseIsReg && isByteHi(base))
	if rex != 0 || force {
		a.byte1(0x40 | rex)
	}
}

// modrmReg emits ModRM for register-direct r/m.
func (a *Asm) modrmReg(reg byte, rm Reg) { a.byte1(0xC0 | (reg&7)<<3 | lowBit(rm)) }

// modrmMem emits ModRM, SIB and displacement for memory operand m.
func (a *Asm) modrmMem(reg byte, m Mem) {
	reg = (reg & 7) << 3
	if m.Base == NoReg {
		// [index<<scale + disp32]: SIB with no base.
		if m.Index == NoReg || m.Index == RSP {
			a.fail("memory operand without base or index")
			return
		}
		a.byte1(reg | 4)
		a.byte1(m.Scale<<6 | lowBit(m.Index)<<3 | 5)
		a.u32(uint32(m.Disp))
		return
	}
	var mod byte
	switch {
	case m.Disp == 0 && lowBit(m.Base) != 5:
		mod = 0x00
	case m.Disp >= -128 && m.Disp <= 127:
		mod = 0x40
	default:
		mod = 0x80
	}
	if m.Index != NoReg || lowBit(m.Base) == 4 {
		idx := byte(4) // none
		if m.Index != NoReg {
			if m.Index == RSP {
				a.fail("RSP as index")
			}
			idx = lowBit(m.Index)
		}
		a.byte1(mod | reg | 4)
		a.byte1(m.Scale<<6 | idx<<3 | lowBit(m.Base))
	} else {
		a.byte1(mod | reg | lowBit(m.Base))
	}
	switch mod {
	case 0x40:
		a.byte1(byte(int8(m.Disp)))
	case 0x80:
		a.u32(uint32(m.Disp))
	}
}

// opRR emits opcode op (with the register form: ModRM reg=reg, rm=rm).
func (a *Asm) opRR(size uint8, op []byte, reg, rm Reg) {
	a.prefix(size, reg, rm, NoReg, true, true)
	a.b = append(a.b, op...)
	a.modrmReg(byte(reg), rm)
}

// opRM emits opcode op with ModRM reg=reg and memory r/m m.
func (a *Asm) opRM(size uint8, op []byte, reg Reg, m Mem) {
	a.prefix(size, reg, m.Base, m.Index, true, false)
	a.b = append(a.b, op...)
	a.modrmMem(byte(reg), m)
}

// opXR emits opcode op with ModRM reg = opcode extension ext, rm a register.
func (a *Asm) opXR(size uint8, op []byte, ext byte, rm Reg) {
	a.prefix(size, NoReg, rm, NoReg, false, true)
	a.b = append(a.b, op...)
	a.modrmReg(ext, rm)
}

// opXM emits opcode op with ModRM reg = opcode extension ext, rm memory.
func (a *Asm) opXM(size uint8, op []byte, ext byte, m Mem) {
	a.prefix(size, NoReg, m.Base, m.Index, false, false)
	a.b = append(a.b, op...)
	a.modrmMem(ext, m)
}

// byteOp returns the byte-size form of a one-byte opcode family (op) or the
// word/dword/qword form (op+1).
func byteOp(size uint8, op byte) []byte {
	if size == 1 {
		return []byte{op}
	}
	return []byte{op + 1}
}

func imm(a *Asm, size uint8, v int64) {
	switch size {
	case 1:
		a.byte1(byte(v))
	case 2:
		a.u16(uint16(v))
	default:
		a.u32(uint32(v))
	}
}

func fitsInt32(v int64) bool { return v == int64(int32(v)) }
func fitsInt8(v int64) bool  { return v == int64(int8(v)) }

// MovRR emits MOV dst, src.
func (a *Asm) MovRR(size uint8, dst, src Reg) { a.opRR(size, byteOp(size, 0x88), src, dst) }

// Load emits MOV dst, [m].
func (a *Asm) Load(size uint8, dst Reg, m Mem) { a.opRM(size, byteOp(size, 0x8A), dst, m) }

// Store emits MOV [m], src.
func (a *Asm) Store(size uint8, m Mem, src Reg) { a.opRM(size, byteOp(size, 0x88), src, m) }

// StoreImm emits MOV [m], imm (sign-extended from 32 bits for size 8).
func (a *Asm) StoreImm(size uint8, m Mem, v int64) {
	if size == 8 && !fitsInt32(v) {
		a.fail("store of 64-bit immediate %#x", v)
	}
	a.opXM(size, byteOp(size, 0xC6), 0, m)
	imm(a, size, v)
}

// MovImm emits the shortest MOV of a constant into a full register (the upper
// bits are zero for constants that fit in 32 unsigned bits).
func (a *Asm) MovImm(dst Reg, v uint64) {
	switch {
	case v <= 0xFFFFFFFF:
		if dst >= R8 {
			a.byte1(0x41)
		}
		a.byte1(0xB8 + lowBit(dst))
		a.u32(uint32(v))
	case fitsInt32(int64(v)):
		a.opXR(8, []byte{0xC7}, 0, dst)
		a.u32(uint32(v))
	default:
		a.byte1(0x48 | highBit(dst))
		a.byte1(0xB8 + lowBit(dst))
		a.u64(v)
	}
}

// MovImm64 emits MOV dst, imm64 in its 10-byte form and returns the offset
// of the immediate, so that it can be filled in later.
func (a *Asm) MovImm64(dst Reg, v uint64) int {
	a.byte1(0x48 | highBit(dst))
	a.byte1(0xB8 + lowBit(dst))
	at := len(a.b)
	a.u64(v)
	return at
}

// MovImmSized emits MOV dst, imm at size (8-bit and 16-bit forms leave the rest
// of dst alone; 32-bit zero-extends).
func (a *Asm) MovImmSized(size uint8, dst Reg, v int64) {
	switch size {
	case 8:
		a.MovImm(dst, uint64(v))
	case 4:
		a.MovImm(dst, uint64(uint32(v)))
	default:
		a.opXR(size, byteOp(size, 0xC6), 0, dst)
		imm(a, size, v)
	}
}

// Movzx emits MOVZX dst(32-bit), src of srcSize 1 or 2 (zero-extends to 64 bits).
func (a *Asm) Movzx(srcSize uint8, dst, src Reg) {
	op := []byte{0x0F, 0xB6}
	if srcSize == 2 {
		op[1] = 0xB7
	}
	// 32-bit destination; a byte source in SPL..DIL needs REX.
	a.prefix4(dst, src, srcSize == 1 && isByteHi(src))
	a.b = append(a.b, op...)
	a.modrmReg(byte(dst), src)
}

// LoadZx emits MOVZX dst(32-bit), [m] of srcSize 1 or 2.
func (a *Asm) LoadZx(srcSize uint8, dst Reg, m Mem) {
	op := []byte{0x0F, 0xB6}
	if srcSize == 2 {
		op[1] = 0xB7
	}
	a.prefix(4, dst, m.Base, m.Index, false, false)
	a.b = append(a.b, op...)
	a.modrmMem(byte(dst), m)
}

// Movsx emits MOVSX/MOVSXD dst(dstSize), src(srcSize): srcSize 1, 2 or 4.
func (a *Asm) Movsx(dstSize, srcSize uint8, dst, src Reg) {
	switch srcSize {
	case 1:
		a.prefixByteSrc(dstSize, dst, src)
		a.b = append(a.b, 0x0F, 0xBE)
	case 2:
		a.prefix(dstSize, dst, src, NoReg, false, false)
		a.b = append(a.b, 0x0F, 0xBF)
	case 4:
		a.prefix(dstSize, dst, src, NoReg, false, false)
		a.b = append(a.b, 0x63)
	default:
		a.fail("movsx source size %d", srcSize)
	}
	a.modrmReg(byte(dst), src)
}

// prefixByteSrc emits prefixes for an instruction whose r/m is a byte register
// and whose reg is dstSize wide.
func (a *Asm) prefixByteSrc(dstSize uint8, dst, src Reg) {
	if dstSize == 2 {
		a.byte1(0x66)
	}
	rex := wide(dstSize) | highBit(dst)<<2 | highBit(src)
	if rex != 0 || isByteHi(src) {
		a.byte1(0x40 | rex)
	}
}

// prefix4 emits the REX of a 32-bit instruction with reg and register r/m.
func (a *Asm) prefix4(reg, rm Reg, force bool) {
	rex := highBit(reg)<<2 | highBit(rm)
	if rex != 0 || force {
		a.byte1(0x40 | rex)
	}
}

// Lea emits LEA dst, [m] (size 4 or 8).
func (a *Asm) Lea(size uint8, dst Reg, m Mem) { a.opRM(size, []byte{0x8D}, dst, m) }

// AluRR emits op dst, src.
func (a *Asm) AluRR(size uint8, op ALU, dst, src Reg) {
	a.opRR(size, byteOp(size, byte(op)<<3), src, dst)
}

// AluRM emits op dst, [m].
func (a *Asm) AluRM(size uint8, op ALU, dst Reg, m Mem) {
	a.opRM(size, byteOp(size, byte(op)<<3|2), dst, m)
}

// AluMR emits op [m], src.
func (a *Asm) AluMR(size uint8, op ALU, m Mem, src Reg) {
	a.opRM(size, byteOp(size, byte(op)<<3), src, m)
}

// AluRI emits op dst, imm (imm sign-extended to size; at most 32 bits).
func (a *Asm) AluRI(size uint8, op ALU, dst Reg, v int64) {
	switch {
	case size == 1:
		a.opXR(1, []byte{0x80}, byte(op), dst)
		a.byte1(byte(v))
	case fitsInt8(v):
		a.opXR(size, []byte{0x83}, byte(op), dst)
		a.byte1(byte(v))
	default:
		if size == 8 && !fitsInt32(v) {
			a.fail("ALU immediate %#x", v)
		}
		a.opXR(size, []byte{0x81}, byte(op), dst)
		imm(a, size, v)
	}
}

// AluMI emits op [m], imm.
func (a *Asm) AluMI(size uint8, op ALU, m Mem, v int64) {
	switch {
	case size == 1:
		a.opXM(1, []byte{0x80}, byte(op), m)
		a.byte1(byte(v))
	case fitsInt8(v):
		a.opXM(size, []byte{0x83}, byte(op), m)
		a.byte1(byte(v))
	default:
		if size == 8 && !fitsInt32(v) {
			a.fail("ALU immediate %#x", v)
		}
		a.opXM(size, []byte{0x81}, byte(op), m)
		imm(a, size, v)
	}
}

// TestRR emits TEST a, b.
func (a *Asm) TestRR(size uint8, x, y Reg) { a.opRR(size, byteOp(size, 0x84), y, x) }

// TestMR emits TEST [m], r.
func (a *Asm) TestMR(size uint8, m Mem, r Reg) { a.opRM(size, byteOp(size, 0x84), r, m) }

// TestRI emits TEST r, imm.
func (a *Asm) TestRI(size uint8, r Reg, v int64) {
	a.opXR(size, byteOp(size, 0xF6), 0, r)
	imm(a, size, v)
}

// TestMI emits TEST [m], imm.
func (a *Asm) TestMI(size uint8, m Mem, v int64) {
	a.opXM(size, byteOp(size, 0xF6), 0, m)
	imm(a, size, v)
}

// Unary operations of group 3 (F6/F7 /digit) and group 4/5 (FE/FF).
const (
	unNOT = 2
	unNEG = 3
)

// Not emits NOT r.
func (a *Asm) Not(size uint8, r Reg) { a.opXR(size, byteOp(size, 0xF6), unNOT, r) }

// Neg emits NEG r.
func (a *Asm) Neg(size uint8, r Reg) { a.opXR(size, byteOp(size, 0xF6), unNEG, r) }

// Inc emits INC r.
func (a *Asm) Inc(size uint8, r Reg) { a.opXR(size, byteOp(size, 0xFE), 0, r) }

// Dec emits DEC r.
func (a *Asm) Dec(size uint8, r Reg) { a.opXR(size, byteOp(size, 0xFE), 1, r) }

// ShiftRI emits op r, count (count 1..63).
func (a *Asm) ShiftRI(size uint8, op Shift, r Reg, count uint8) {
	if count == 1 {
		a.opXR(size, byteOp(size, 0xD0), byte(op), r)
		return
	}
	a.opXR(size, byteOp(size, 0xC0), byte(op), r)
	a.byte1(count)
}

// ShiftRCL emits op r, CL.
func (a *Asm) ShiftRCL(size uint8, op Shift, r Reg) { a.opXR(size, byteOp(size, 0xD2), byte(op), r) }

// ImulRR emits IMUL dst, src (size 2, 4 or 8).
func (a *Asm) ImulRR(size uint8, dst, src Reg) { a.opRR(size, []byte{0x0F, 0xAF}, dst, src) }

// ImulRRI emits IMUL dst, src, imm (size 2, 4 or 8; imm at most 32 bits).
func (a *Asm) ImulRRI(size uint8, dst, src Reg, v int64) {
	if fitsInt8(v) {
		a.opRR(size, []byte{0x6B}, dst, src)
		a.byte1(byte(v))
		return
	}
	a.opRR(size, []byte{0x69}, dst, src)
	imm(a, size, v)
}

// Setcc emits SETcc r8.
func (a *Asm) Setcc(cc Cond, r Reg) { a.opXR(1, []byte{0x0F, 0x90 | byte(cc)}, 0, r) }

// Cmovcc emits CMOVcc dst, src (size 2, 4 or 8).
func (a *Asm) Cmovcc(size uint8, cc Cond, dst, src Reg) {
	a.opRR(size, []byte{0x0F, 0x40 | byte(cc)}, dst, src)
}

// BtRI emits BT r, bit.
func (a *Asm) BtRI(size uint8, r Reg, bit uint8) {
	a.opXR(size, []byte{0x0F, 0xBA}, 4, r)
	a.byte1(bit)
}

// BtMI emits BT [m], bit (size 2, 4 or 8).
func (a *Asm) BtMI(size uint8, m Mem, bit uint8) {
	a.opXM(size, []byte{0x0F, 0xBA}, 4, m)
	a.byte1(bit)
}

// Bswap emits BSWAP r (size 4 or 8).
func (a *Asm) Bswap(size uint8, r Reg) {
	rex := wide(size) | highBit(r)
	if rex != 0 {
		a.byte1(0x40 | rex)
	}
	a.byte1(0x0F)
	a.byte1(0xC8 + lowBit(r))
}

// Xchg emits XCHG x, y.
func (a *Asm) Xchg(size uint8, x, y Reg) { a.opRR(size, byteOp(size, 0x86), x, y) }

// Push emits PUSH r (64-bit).
func (a *Asm) Push(r Reg) {
	if r >= R8 {
		a.byte1(0x41)
	}
	a.byte1(0x50 + lowBit(r))
}

// Pop emits POP r (64-bit).
func (a *Asm) Pop(r Reg) {
	if r >= R8 {
		a.byte1(0x41)
	}
	a.byte1(0x58 + lowBit(r))
}

// PopMem emits POP qword [m].
func (a *Asm) PopMem(m Mem) { a.opXM(4, []byte{0x8F}, 0, m) }

// Pushfq emits PUSHFQ.
func (a *Asm) Pushfq() { a.byte1(0x9C) }

// Popfq emits POPFQ.
func (a *Asm) Popfq() { a.byte1(0x9D) }

// Lahf emits LAHF.
func (a *Asm) Lahf() { a.byte1(0x9F) }

// Sahf emits SAHF.
func (a *Asm) Sahf() { a.byte1(0x9E) }

// Ret emits RET.
func (a *Asm) Ret() { a.byte1(0xC3) }

// Ud2 emits UD2.
func (a *Asm) Ud2() { a.b = append(a.b, 0x0F, 0x0B) }

// Jmp emits JMP rel32 to l.
func (a *Asm) Jmp(l Label) {
	a.byte1(0xE9)
	a.rel(l)
}

// Jcc emits Jcc rel32 to l.
func (a *Asm) Jcc(cc Cond, l Label) {
	a.b = append(a.b, 0x0F, 0x80|byte(cc))
	a.rel(l)
}

// JmpAbsSite emits a JMP rel32 whose target is patched later and returns the
// offset of its rel32 field; it initially jumps to l.
func (a *Asm) JmpSite(l Label) int {
	a.byte1(0xE9)
	at := len(a.b)
	a.rel(l)
	return at
}

// LeaLabel emits LEA dst, [RIP+rel32]: the address of label l.
func (a *Asm) LeaLabel(dst Reg, l Label) {
	a.byte1(0x48 | highBit(dst)<<2)
	a.byte1(0x8D)
	a.byte1(0x05 | lowBit(dst)<<3)
	a.rel(l)
}

// JmpMem emits JMP qword [m].
func (a *Asm) JmpMem(m Mem) { a.opXM(4, []byte{0xFF}, 4, m) }

// JmpReg emits JMP r.
func (a *Asm) JmpReg(r Reg) { a.opXR(4, []byte{0xFF}, 4, r) }

// Rel32 returns the rel32 field that makes a jump whose field is at address
// site reach address target; false when it does not fit.
func Rel32(site, target uintptr) ([4]byte, bool) {
	d := int64(target) - int64(site+4)
	var b [4]byte
	if d != int64(int32(d)) {
		return b, false
	}
	binary.LittleEndian.PutUint32(b[:], uint32(int32(d)))
	return b, true
}

// Group-3 operations (F6/F7 /digit) that take RAX (and RDX) implicitly.
const (
	grpMUL  = 4
	grpIMUL = 5
	grpDIV  = 6
	grpIDIV = 7
)

// Mul emits MUL r: RDX:RAX (AX for size 1) = RAX * r, unsigned.
func (a *Asm) Mul(size uint8, r Reg) { a.opXR(size, byteOp(size, 0xF6), grpMUL, r) }

// Imul1 emits the one-operand IMUL r: RDX:RAX (AX for size 1) = RAX * r, signed.
func (a *Asm) Imul1(size uint8, r Reg) { a.opXR(size, byteOp(size, 0xF6), grpIMUL, r) }

// Div emits DIV r (unsigned divide of RDX:RAX, AX for size 1). It faults (#DE) on a
// zero divisor or a quotient that does not fit: the caller must rule both out.
func (a *Asm) Div(size uint8, r Reg) { a.opXR(size, byteOp(size, 0xF6), grpDIV, r) }

// Idiv emits IDIV r (signed divide of RDX:RAX, AX for size 1); see Div.
func (a *Asm) Idiv(size uint8, r Reg) { a.opXR(size, byteOp(size, 0xF6), grpIDIV, r) }

// Bit-test operations, in the order of their /digit in 0F BA (minus 4).
type BitOp uint8

// Bit-test operations.
const (
	BT BitOp = iota
	BTS
	BTR
	BTC
)

// BitRR emits op r, bit (BT/BTS/BTR/BTC with a register bit offset; size 2, 4 or 8).
func (a *Asm) BitRR(size uint8, op BitOp, r, bit Reg) {
	a.opRR(size, []byte{0x0F, 0xA3 | byte(op)<<3}, bit, r)
}

// BitRI emits op r, imm8 (BT/BTS/BTR/BTC; size 2, 4 or 8).
func (a *Asm) BitRI(size uint8, op BitOp, r Reg, bit uint8) {
	a.opXR(size, []byte{0x0F, 0xBA}, 4+byte(op), r)
	a.byte1(bit)
}

// Bsf emits BSF dst, src (size 2, 4 or 8).
func (a *Asm) Bsf(size uint8, dst, src Reg) { a.opRR(size, []byte{0x0F, 0xBC}, dst, src) }

// Bsr emits BSR dst, src (size 2, 4 or 8).
func (a *Asm) Bsr(size uint8, dst, src Reg) { a.opRR(size, []byte{0x0F, 0xBD}, dst, src) }

// Popcnt emits POPCNT dst, src (size 2, 4 or 8; the host must have it).
func (a *Asm) Popcnt(size uint8, dst, src Reg) {
	rs := size
	if size == 2 {
		a.byte1(0x66)
		rs = 4 // the REX of a 32-bit operation: the 66 prefix is out already
	}
	a.byte1(0xF3)
	a.prefix(rs, dst, src, NoReg, true, true)
	a.b = append(a.b, 0x0F, 0xB8)
	a.modrmReg(byte(dst), src)
}

// ShldRI emits SHLD dst, src, count (size 2, 4 or 8).
func (a *Asm) ShldRI(size uint8, dst, src Reg, count uint8) {
	a.opRR(size, []byte{0x0F, 0xA4}, src, dst)
	a.byte1(count)
}

// ShrdRI emits SHRD dst, src, count (size 2, 4 or 8).
func (a *Asm) ShrdRI(size uint8, dst, src Reg, count uint8) {
	a.opRR(size, []byte{0x0F, 0xAC}, src, dst)
	a.byte1(count)
}

// ShldRCL emits SHLD dst, src, CL (size 2, 4 or 8).
func (a *Asm) ShldRCL(size uint8, dst, src Reg) { a.opRR(size, []byte{0x0F, 0xA5}, src, dst) }

// ShrdRCL emits SHRD dst, src, CL (size 2, 4 or 8).
func (a *Asm) ShrdRCL(size uint8, dst, src Reg) { a.opRR(size, []byte{0x0F, 0xAD}, src, dst) }

// MovzxAH emits MOVZX dst(32-bit), AH. dst must be one of RAX..RDI (no REX).
func (a *Asm) MovzxAH(dst Reg) {
	if dst >= R8 {
		a.fail("movzx %d, ah needs a register without REX", dst)
	}
	a.b = append(a.b, 0x0F, 0xB6, 0xC0|lowBit(dst)<<3|4)
}

// MovToHigh8 emits MOV hi8, src8, where hi8 is the second byte (AH, CH, DH or BH) of
// hi (one of RAX..RBX) and src8 the low byte of src (one of RAX..RBX): no REX.
func (a *Asm) MovToHigh8(hi, src Reg) {
	if hi > RBX || src > RBX {
		a.fail("mov to a high byte register from %d to %d", src, hi)
	}
	a.b = append(a.b, 0x88, 0xC0|lowBit(src)<<3|(4+lowBit(hi)))
}

// LockAluMI emits LOCK op [m], imm (an atomic read-modify-write of memory that
// other threads write too).
func (a *Asm) LockAluMI(size uint8, op ALU, m Mem, v int64) {
	a.byte1(0xF0)
	a.AluMI(size, op, m, v)
}

// stringOp emits a string instruction of the given element size whose byte form is op
// (the other sizes are op+1, with 66h or REX.W), with repeat prefix rep (0: none, F3h
// REP/REPE or F2h REPNE).
func (a *Asm) stringOp(size uint8, op, rep byte) {
	if !checkSize(size) {
		a.fail("string element size %d", size)
		return
	}
	if size == 2 {
		a.byte1(0x66)
	}
	if rep != 0 {
		a.byte1(rep)
	}
	if size == 8 {
		a.byte1(0x48)
	}
	if size == 1 {
		a.byte1(op)
	} else {
		a.byte1(op + 1)
	}
}

// Repeat prefixes of the compare-string instructions.
const (
	RepNone byte = 0
	RepE    byte = 0xF3 // repeat while equal (ZF=1)
	RepNE   byte = 0xF2 // repeat while not equal (ZF=0)
)

// Cmps emits CMPS of size-byte elements (flags of [RSI] - [RDI]) with repeat prefix rep
// (RepNone, RepE or RepNE: up to RCX elements).
func (a *Asm) Cmps(size uint8, rep byte) { a.stringOp(size, 0xA6, rep) }

// Scas emits SCAS of size-byte elements (flags of AL/AX/EAX/RAX - [RDI]) with repeat
// prefix rep (RepNone, RepE or RepNE: up to RCX elements).
func (a *Asm) Scas(size uint8, rep byte) { a.stringOp(size, 0xAE, rep) }

// RepMovs emits REP MOVS of size-byte elements: RCX elements from [RSI] to [RDI].
func (a *Asm) RepMovs(size uint8) { a.stringOp(size, 0xA4, 0xF3) }

// RepStos emits REP STOS of size-byte elements: RCX copies of AL/AX/EAX/RAX to [RDI].
func (a *Asm) RepStos(size uint8) { a.stringOp(size, 0xAA, 0xF3) }

// StoreAH emits MOV byte [m], AH. m's registers must be RAX..RDI (no REX).
func (a *Asm) StoreAH(m Mem) {
	if m.Base != NoReg && m.Base >= R8 || m.Index != NoReg && m.Index >= R8 {
		a.fail("mov [m], ah with a register that needs REX")
	}
	a.byte1(0x88)
	a.modrmMem(4, m)
}

// XReg is an XMM register (X0..X15) in encoding order.
type XReg uint8

// The XMM registers generated code uses as scratch (X15 is the Go runtime's zero
// register: the trampoline's ABI0 wrapper restores it, but nothing here needs it).
const (
	X0 XReg = iota
	X1
	X2
)

// sse emits the mandatory prefix pfx (0: none), REX (W when w, R from reg, X and B
// from index and base) and the opcode bytes op of a legacy-SSE instruction.
func (a *Asm) sse(pfx byte, w bool, op []byte, reg byte, base, index Reg) {
	if pfx != 0 {
		a.byte1(pfx)
	}
	var rex byte
	if w {
		rex |= 8
	}
	rex |= reg >> 3 & 1 << 2
	if index != NoReg {
		rex |= highBit(index) << 1
	}
	if base != NoReg {
		rex |= highBit(base)
	}
	if rex != 0 {
		a.byte1(0x40 | rex)
	}
	a.b = append(a.b, op...)
}

// SSERR emits a legacy-SSE instruction (prefix pfx, REX.W when w, opcode bytes op,
// starting with 0F) with ModRM reg=reg and r/m the register rm; reg and rm are register
// numbers, XMM or general as the instruction defines them.
func (a *Asm) SSERR(pfx byte, w bool, op []byte, reg, rm byte) {
	a.sse(pfx, w, op, reg, Reg(rm), NoReg)
	a.byte1(0xC0 | (reg&7)<<3 | rm&7)
}

// SSERM is SSERR with the memory operand m as r/m.
func (a *Asm) SSERM(pfx byte, w bool, op []byte, reg byte, m Mem) {
	a.sse(pfx, w, op, reg, m.Base, m.Index)
	a.modrmMem(reg, m)
}

// Imm8 emits an immediate byte (after an instruction that takes one).
func (a *Asm) Imm8(v byte) { a.byte1(v) }

// MovupsLoad emits MOVUPS x, [m].
func (a *Asm) MovupsLoad(x XReg, m Mem) { a.SSERM(0, false, []byte{0x0F, 0x10}, byte(x), m) }

// MovupsStore emits MOVUPS [m], x.
func (a *Asm) MovupsStore(m Mem, x XReg) { a.SSERM(0, false, []byte{0x0F, 0x11}, byte(x), m) }

// Ldmxcsr emits LDMXCSR [m].
func (a *Asm) Ldmxcsr(m Mem) { a.SSERM(0, false, []byte{0x0F, 0xAE}, 2, m) }

// Stmxcsr emits STMXCSR [m].
func (a *Asm) Stmxcsr(m Mem) { a.SSERM(0, false, []byte{0x0F, 0xAE}, 3, m) }
