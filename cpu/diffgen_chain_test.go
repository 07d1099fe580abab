package cpu

// Flag chains: a random integer instruction (any form of intForms, so every lazy-flags
// producer) followed by an instruction that reads the flags it left: SETcc, CMOVcc, Jcc,
// ADC/SBB, RCL/RCR, CMC, LAHF, PUSHFQ, or INC/DEC (which keep CF) and then a reader. Single
// instructions start from materialised RFLAGS; these cases make the emulator's readers
// work from the producer's pending lazy state. A reader never reads a flag the producer
// left undefined (the SDM table in diffflags_test.go), except LAHF, whose undefined bits
// in AH are masked.

import (
	"strings"

	"github.com/kppemu/kppemu/cpu/internal/native"
)

// ccReads is the set of flags condition code cc tests.
func ccReads(cc int) uint64 {
	switch cc >> 1 {
	case 0:
		return fOF
	case 1:
		return fCF
	case 2:
		return fZF
	case 3:
		return fCF | fZF
	case 4:
		return fSF
	case 5:
		return fPF
	case 6:
		return fSF | fOF
	}
	return fZF | fSF | fOF
}

// pickCC returns a condition code whose flags are all defined, or -1.
func (g *dgen) pickCC(undef uint64) int {
	start := g.n(16)
	for i := 0; i < 16; i++ {
		cc := (start + i) % 16
		if ccReads(cc)&undef == 0 {
			return cc
		}
	}
	return -1
}

// flagReader emits an instruction that reads flags; it returns the flags it writes, or
// ok=false when it cannot read under undef.
type flagReader struct {
	name string
	gen  func(g *dgen, undef uint64) (writes uint64, ok bool)
}

var flagReaders = []flagReader{
	{"SETcc", func(g *dgen, undef uint64) (uint64, bool) {
		cc := g.pickCC(undef)
		if cc < 0 {
			return 0, false
		}
		r := g.reg()
		g.raw(encodeNoMain(insn{rex: r >= 4, op: []byte{0x0F, 0x90 + byte(cc)}, modrm: true, rm: regRM(r), opReg: -1})...)
		return 0, true
	}},
	{"CMOVcc", func(g *dgen, undef uint64) (uint64, bool) {
		cc := g.pickCC(undef)
		if cc < 0 {
			return 0, false
		}
		r, s := g.reg(), g.reg()
		g.raw(encodeNoMain(insn{w: g.coin(), op: []byte{0x0F, 0x40 + byte(cc)}, modrm: true, reg: r, rm: regRM(s), opReg: -1})...)
		return 0, true
	}},
	{"Jcc", func(g *dgen, undef uint64) (uint64, bool) {
		cc := g.pickCC(undef)
		if cc < 0 {
			return 0, false
		}
		// Jcc over a flag-neutral MOV r32, imm32: the register shows whether it jumped.
		mov := encodeNoMain(insn{op: []byte{0xB8}, opReg: int8(g.reg()), imm: imm32(0x5A5A5A5A)})
		g.raw(0x70+byte(cc), byte(len(mov)))
		g.raw(mov...)
		return 0, true
	}},
	{"ADC", func(g *dgen, undef uint64) (uint64, bool) { return g.readerALU(undef, 2) }},
	{"SBB", func(g *dgen, undef uint64) (uint64, bool) { return g.readerALU(undef, 3) }},
	{"RCL", func(g *dgen, undef uint64) (uint64, bool) {
		if undef&fCF != 0 {
			return 0, false
		}
		r := g.reg()
		g.raw(encodeNoMain(insn{w: true, op: []byte{0xD1}, modrm: true, reg: 2 + uint8(g.n(2)), rm: regRM(r), opReg: -1})...)
		return fCF | fOF, true
	}},
	{"CMC", func(g *dgen, undef uint64) (uint64, bool) {
		if undef&fCF != 0 {
			return 0, false
		}
		g.raw(0xF5)
		return fCF, true
	}},
	{"LAHF", func(g *dgen, undef uint64) (uint64, bool) {
		g.raw(0x9F)
		g.c.ignore[RAX] |= (undef & 0xFF) << 8 // AH bits of undefined flags
		return 0, true
	}},
	{"PUSHFQ", func(g *dgen, undef uint64) (uint64, bool) {
		// The producer must leave RSP on the private stack: not if it was a base register or
		// popped into RSP.
		if undef != 0 || g.c.in.GPR[RSP] != native.StackAddr+0x800 || strings.HasPrefix(g.prod, "POP/r64") {
			return 0, false
		}
		g.raw(0x9C)
		return 0, true
	}},
}

// readerALU emits ADC (op 2) or SBB (op 3) r64, r64.
func (g *dgen) readerALU(undef uint64, op byte) (uint64, bool) {
	if undef&fCF != 0 {
		return 0, false
	}
	r, s := g.reg(), g.reg()
	g.raw(encodeNoMain(insn{w: g.coin(), op: []byte{op*8 + 1}, modrm: true, reg: s, rm: regRM(r), opReg: -1})...)
	return flagsArith, true
}

func encodeNoMain(i insn) []byte {
	b, _ := i.encode()
	return b
}

// chainForms builds the chain forms from the integer forms as producers.
func chainForms() []dform {
	var producers []dform
	for _, f := range intForms() {
		// RIP-relative targets and marker-skipping branches assume the producer is first,
		// which it is; only forms that leave RSP off the private stack are avoided for PUSHFQ
		// (checked by the reader).
		if _, gap := diffKnownGaps[f.name]; gap || strings.HasPrefix(f.name, "ENDBR") {
			continue
		}
		producers = append(producers, f)
	}
	var fs []dform
	for _, rd := range flagReaders {
		rd := rd
		for _, keep := range []bool{false, true} {
			keep := keep
			name := "CHAIN/any->" + rd.name
			if keep {
				name = "CHAIN/any->INC|DEC->" + rd.name
			}
			fs = append(fs, dform{name: name, weight: 40, gen: func(g *dgen) {
				for try := 0; ; try++ {
					if try > 10000 {
						panic("chain: no producer/reader combination found")
					}
					p := producers[g.n(len(producers))]
					if !hostHas(p.need) {
						continue
					}
					g.newCase()
					g.prod = p.name
					p.gen(g)
					if g.mnem == "" {
						g.mnem = p.mnem
					}
					if g.c.mainN == 0 {
						g.c.mainN = len(g.c.code)
					}
					if g.used&^(1<<RSP) == 0xFFFF&^(1<<RSP) {
						continue
					}
					undef := flagsArith &^ g.c.flags
					if keep {
						// INC/DEC r32: writes everything but CF.
						r := g.reg()
						g.raw(encodeNoMain(insn{op: []byte{0xFF}, modrm: true, reg: uint8(g.n(2)), rm: regRM(r), opReg: -1})...)
						undef &^= fOF | fSF | fZF | fAF | fPF
					}
					if g.used&^(1<<RSP) == 0xFFFF&^(1<<RSP) {
						continue
					}
					writes, ok := rd.gen(g, undef)
					if !ok {
						continue
					}
					g.c.flags = flagsArith &^ (undef &^ writes)
					return
				}
			}})
		}
	}
	return fs
}
