package cpu

// Case-generation helpers shared by the differential generators.

import (
	"encoding/binary"
	"math/rand/v2"

	"github.com/kppemu/kppemu/cpu/internal/native"
)

// dgen generates the cases of one form.
type dgen struct {
	r      *rand.Rand
	c      dcase
	used   uint16 // registers already given a role in this case
	spFree bool   // RSP may serve as a base register (the snippet does not use the stack)
	mnem   string // x86asm mnemonic of this case's instruction when it differs from the form's
	prod   string // chains: the producer form
	sseReg uint8  // ModRM.reg of the last genSSE instruction
}

func (g *dgen) n(k int) int { return g.r.IntN(k) }

func (g *dgen) coin() bool { return g.r.IntN(2) == 0 }

// val returns a 64-bit value whose low size bytes are edge-biased (0, 1, -1, sign
// boundaries, small, single bits, random) and whose upper bytes are random.
func (g *dgen) val(size int) uint64 {
	bits := size * 8
	m := sizeMask[size]
	var v uint64
	switch g.n(14) {
	case 0:
		v = 0
	case 1:
		v = 1
	case 2:
		v = m
	case 3:
		v = 1 << (bits - 1)
	case 4:
		v = m >> 1
	case 5:
		v = 1<<(bits-1) + uint64(g.n(5)) - 2
	case 6:
		v = uint64(g.n(256))
	case 7:
		v = -uint64(g.n(256))
	case 8:
		v = 1 << g.n(bits)
	case 9:
		v = ^(uint64(1) << g.n(bits))
	default:
		v = g.r.Uint64()
	}
	return g.r.Uint64()&^m | v&m
}

// reg picks a register without a role yet (never RSP) and gives it one.
func (g *dgen) reg() uint8 {
	for {
		r := uint8(g.n(16))
		if g.used&(1<<r) == 0 {
			g.used |= 1 << r
			return r
		}
	}
}

// regLow picks from RAX..RDI without RSP (for AH..BH and legacy forms).
func (g *dgen) regLow() uint8 {
	for {
		r := uint8(g.n(8))
		if g.used&(1<<r) == 0 {
			g.used |= 1 << r
			return r
		}
	}
}

// claim marks registers as used (fixed operands such as RAX/RDX).
func (g *dgen) claim(rs ...uint8) {
	for _, r := range rs {
		g.used |= 1 << r
	}
}

func (g *dgen) setReg(r uint8, v uint64) { g.c.in.GPR[r] = v }

// memOff returns a scratch offset for an access of size bytes aligned to align, sometimes
// straddling the page boundary in the middle of the scratch area.
func (g *dgen) memOff(size, align int) int {
	var off int
	if g.n(6) == 0 {
		off = 0x1000 - size + g.n(2*size)
	} else {
		off = g.n(native.ScratchSize - size + 1)
	}
	off &^= align - 1
	if off+size > native.ScratchSize {
		off -= align
	}
	return off
}

// memAt builds a memory operand for linear address addr using a random addressing form
// (RIP-relative, absolute, index only, base+disp, base+index*scale+disp, 32-bit address
// size when a32) and sets the base/index registers accordingly.
func (g *dgen) memAt(addr uint64, a32 bool) rmOperand {
	rm := rmOperand{mem: true, base: -1, index: -1, mod: -1}
	disp := func() int32 {
		switch g.n(4) {
		case 0:
			return 0
		case 1:
			return int32(g.n(256)) - 128
		default:
			return int32(g.n(0x10000)) - 0x8000
		}
	}
	hi := func() uint64 {
		if a32 {
			return g.r.Uint64() << 32
		}
		return 0
	}
	switch k := g.n(16); {
	case k == 0:
		rm.ripRel = true // disp patched by emit
	case k == 1:
		rm.disp = int32(addr)
	case k == 2:
		rm.index = int8(g.reg())
		for rm.index == RSP {
			rm.index = int8(g.reg())
		}
		rm.scale = uint8(g.n(4))
		iv := int64(g.n(512)) - 256
		rm.disp = int32(int64(addr) - iv<<rm.scale)
		g.setReg(uint8(rm.index), hi()|uint64(iv)&sizeMaskA(a32))
	case k < 9:
		rm.base = g.baseReg()
		rm.disp = disp()
		if g.n(8) == 0 {
			rm.mod = 2
		}
		g.setReg(uint8(rm.base), hi()|(addr-uint64(int64(rm.disp)))&sizeMaskA(a32))
	default:
		rm.base = g.baseReg()
		rm.index = int8(g.reg())
		rm.scale = uint8(g.n(4))
		rm.disp = disp()
		iv := int64(g.n(512)) - 256
		if a32 && rm.scale > 0 && g.coin() {
			iv += 1 << (32 - rm.scale) // the scaled index wraps around 2^32
		}
		if g.n(8) == 0 {
			rm.mod = 2
		}
		g.setReg(uint8(rm.index), hi()|uint64(iv)&sizeMaskA(a32))
		g.setReg(uint8(rm.base), hi()|(addr-uint64(int64(rm.disp))-uint64(iv<<rm.scale))&sizeMaskA(a32))
	}
	return rm
}

func sizeMaskA(a32 bool) uint64 {
	if a32 {
		return 0xFFFFFFFF
	}
	return ^uint64(0)
}

// segPrefix returns, sometimes, a segment-override prefix for a memory operand: ES, CS,
// SS or DS (ignored in 64-bit mode) or GS when the host's GS base is 0 like the
// emulator's (FS holds the Go runtime's TLS base on the host).
func (g *dgen) segPrefix() []byte {
	if g.n(8) != 0 {
		return nil
	}
	if hostGSZero && g.n(3) == 0 {
		return []byte{0x65}
	}
	return []byte{[]byte{0x26, 0x2E, 0x36, 0x3E}[g.n(4)]}
}

// baseReg picks a base register; RSP is allowed (it needs a SIB byte) when free.
func (g *dgen) baseReg() int8 {
	if g.n(10) == 0 && g.used&(1<<RSP) != 0 && g.spFree {
		g.spFree = false
		return RSP
	}
	return int8(g.reg())
}

// mem places a size-byte operand in scratch (aligned to align), fills it with an
// edge-biased value and returns the operand and its address.
func (g *dgen) mem(size, align int, a32 bool) (rmOperand, uint64) {
	addr := uint64(native.ScratchAddr + g.memOff(size, align))
	for i := 0; i < size; i += 8 {
		n := min(8, size-i)
		g.putMem(addr+uint64(i), n, g.val(n))
	}
	return g.memAt(addr, a32), addr
}

// putMem stores the low size bytes of v at linear address addr of the shared region.
func (g *dgen) putMem(addr uint64, size int, v uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	copy(g.c.in.Mem[addr-native.MemAddr:], b[:size])
}

func (g *dgen) getMem(addr uint64, size int) uint64 {
	var b [8]byte
	copy(b[:size], g.c.in.Mem[addr-native.MemAddr:])
	return binary.LittleEndian.Uint64(b[:])
}

// emit appends the instruction under test; memAddr is the target of a RIP-relative operand.
func (g *dgen) emit(i insn, memAddr uint64) {
	b, at := i.encode()
	if at >= 0 {
		next := uint64(native.CodeAddr + len(g.c.code) + len(b))
		binary.LittleEndian.PutUint32(b[at:], uint32(int32(int64(memAddr)-int64(next))))
	}
	g.c.main, g.c.mainN = len(g.c.code), len(b)
	if i.modrm && i.rm.mem {
		g.c.memOp = memAddr
	}
	g.c.code = append(g.c.code, b...)
}

// raw appends bytes that are not the instruction under test.
func (g *dgen) raw(b ...byte) { g.c.code = append(g.c.code, b...) }

// sizePrefix returns the operand-size prefix and REX.W for size.
func sizePfx(size int) (pfx []byte, w bool) {
	switch size {
	case 2:
		return []byte{0x66}, false
	case 8:
		return nil, true
	}
	return nil, false
}

// opSz adds 1 to a byte-form opcode for sizes above 1 (the w bit of the classic opcodes).
func opSz(op byte, size int) byte {
	if size == 1 {
		return op
	}
	return op + 1
}

func cat(bs ...[]byte) []byte {
	var r []byte
	for _, b := range bs {
		r = append(r, b...)
	}
	return r
}
