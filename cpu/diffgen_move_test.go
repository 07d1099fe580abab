package cpu

// Generators for data movement, condition codes, flag instructions, LEA, NOPs, string
// instructions and control transfers inside the snippet.

import (
	"encoding/binary"
	"fmt"

	"github.com/kppemu/kppemu/cpu/internal/native"
)

var diffCC = [16]string{"O", "NO", "B", "AE", "E", "NE", "BE", "A", "S", "NS", "P", "NP", "L", "GE", "LE", "G"}

func moveForms() []dform {
	var fs []dform
	add := func(name, mnem string, w int, need string, gen func(g *dgen)) {
		fs = append(fs, dform{name: name, mnem: mnem, weight: w, need: need, gen: gen})
	}
	for _, sz := range allSizes {
		sz := sz
		sn := sizeName(sz)
		add("MOV/rm,r/"+sn, "MOV", 6, "", func(g *dgen) {
			g.genRM(rmSpec{op: []byte{opSz(0x88, sz)}, size: sz, digit: -1, mem: g.coin()})
		})
		add("MOV/r,rm/"+sn, "MOV", 6, "", func(g *dgen) {
			g.genRM(rmSpec{op: []byte{opSz(0x8A, sz)}, size: sz, digit: -1, mem: g.coin()})
		})
		add("MOV/rm,imm/"+sn, "MOV", 4, "", func(g *dgen) {
			g.genRM(rmSpec{op: []byte{opSz(0xC6, sz)}, size: sz, digit: 0, mem: g.coin(), imm: min(sz, 4)})
		})
		add("MOV/r,imm/"+sn, "MOV", 4, "", func(g *dgen) {
			r := g.reg()
			p, w := sizePfx(sz)
			op := byte(0xB8)
			if sz == 1 {
				op = 0xB0
			}
			g.emit(insn{pfx: p, w: w, rex: sz == 1 && r >= 4 && r < 8, op: []byte{op}, opReg: int8(r), imm: immN(g.val(sz), sz)}, 0)
		})
		add("MOV/moffs/"+sn, "MOV", 6, "", func(g *dgen) { g.genMoffs(sz) })
		add("XCHG/rm,r/"+sn, "XCHG", 6, "", func(g *dgen) {
			g.genRM(rmSpec{op: []byte{opSz(0x86, sz)}, size: sz, digit: -1, mem: g.coin(), lock: true})
		})
		add("XADD/"+sn, "XADD", 6, "", func(g *dgen) {
			g.genRM(rmSpec{op: []byte{0x0F, opSz(0xC0, sz)}, size: sz, digit: -1, mem: g.coin(), lock: true})
		})
		add("CMPXCHG/"+sn, "CMPXCHG", 8, "", func(g *dgen) {
			g.claim(RAX)
			o := g.genRM(rmSpec{op: []byte{0x0F, opSz(0xB0, sz)}, size: sz, digit: -1, mem: g.coin(), lock: true})
			if g.coin() { // make the comparison succeed
				var v uint64
				if o.rm.mem {
					v = g.getMem(o.addr, sz)
				} else {
					v = g.c.in.GPR[o.rm.reg]
				}
				g.c.in.GPR[RAX] = g.c.in.GPR[RAX]&^sizeMask[sz] | v&sizeMask[sz]
			}
		})
		if sz > 1 {
			add("XCHG/acc,r/"+sn, "XCHG", 3, "", func(g *dgen) {
				g.claim(RAX)
				r := g.reg()
				for r == RAX {
					r = g.reg()
				}
				p, w := sizePfx(sz)
				g.emit(insn{pfx: p, w: w, op: []byte{0x90}, opReg: int8(r)}, 0)
			})
			for _, m := range []struct {
				name string
				op   byte
				src  int
			}{{"MOVZX", 0xB6, 1}, {"MOVZX", 0xB7, 2}, {"MOVSX", 0xBE, 1}, {"MOVSX", 0xBF, 2}} {
				m := m
				if m.src >= sz {
					continue
				}
				add(fmt.Sprintf("%s/%s,%d", m.name, sn, m.src*8), m.name, 5, "", func(g *dgen) {
					g.genRM(rmSpec{op: []byte{0x0F, m.op}, size: sz, rmSize: m.src, digit: -1, mem: g.coin()})
				})
			}
			for cc := 0; cc < 16; cc++ {
				cc := cc
				add(fmt.Sprintf("CMOV%s/%s", diffCC[cc], sn), "CMOV"+diffCC[cc], 2, "", func(g *dgen) {
					g.genRM(rmSpec{op: []byte{0x0F, 0x40 + byte(cc)}, size: sz, digit: -1, mem: g.coin()})
				})
			}
		}
	}
	// Segment registers whose selectors are the same on both sides (ES DS FS GS).
	for _, sr := range []struct {
		name string
		n    uint8
	}{{"ES", 0}, {"DS", 3}, {"FS", 4}, {"GS", 5}} {
		sr := sr
		add("MOV/rm,"+sr.name, "MOV", 3, "", func(g *dgen) {
			sz := []int{2, 4, 8}[g.n(3)]
			mem := g.coin()
			if mem {
				sz = 2
			}
			g.genRM(rmSpec{op: []byte{0x8C}, size: sz, rmSize: sz, digit: int(sr.n), mem: mem, noA32: true})
		})
	}
	add("PUSH/FS,GS", "PUSH", 3, "", func(g *dgen) {
		g.spFree = false
		var p []byte
		if g.n(3) == 0 {
			p = []byte{0x66}
		}
		g.emit(insn{pfx: p, op: []byte{0x0F, []byte{0xA0, 0xA8}[g.n(2)]}, opReg: -1}, 0)
	})
	add("MOVSXD/64,32", "MOVSXD", 5, "", func(g *dgen) {
		g.genRM(rmSpec{op: []byte{0x63}, size: 8, rmSize: 4, digit: -1, mem: g.coin()})
	})
	for cc := 0; cc < 16; cc++ {
		cc := cc
		add("SET"+diffCC[cc], "SET"+diffCC[cc], 4, "", func(g *dgen) {
			g.genRM(rmSpec{op: []byte{0x0F, 0x90 + byte(cc)}, size: 1, digit: 0, mem: g.coin()})
		})
	}
	add("CMPXCHG8B", "CMPXCHG8B", 8, "", func(g *dgen) {
		g.claim(RAX, RDX, RBX, RCX)
		o := g.genRM(rmSpec{op: []byte{0x0F, 0xC7}, size: 4, digit: 1, mem: true, rmSize: 8, lock: true})
		if g.coin() {
			v := g.getMem(o.addr, 8)
			g.c.in.GPR[RAX] = g.c.in.GPR[RAX]&^0xFFFFFFFF | v&0xFFFFFFFF
			g.c.in.GPR[RDX] = g.c.in.GPR[RDX]&^0xFFFFFFFF | v>>32
		}
	})
	add("CMPXCHG16B", "CMPXCHG16B", 8, "cx16", func(g *dgen) {
		g.claim(RAX, RDX, RBX, RCX)
		o := g.genRM(rmSpec{op: []byte{0x0F, 0xC7}, size: 8, digit: 1, mem: true, rmSize: 16, align: 16, lock: true})
		if g.coin() {
			g.c.in.GPR[RAX] = g.getMem(o.addr, 8)
			g.c.in.GPR[RDX] = g.getMem(o.addr+8, 8)
		}
	})
	// Sign extensions of the accumulator.
	for _, x := range []struct {
		name string
		sz   int
		op   byte
	}{{"CBW", 2, 0x98}, {"CWDE", 4, 0x98}, {"CDQE", 8, 0x98}, {"CWD", 2, 0x99}, {"CDQ", 4, 0x99}, {"CQO", 8, 0x99}} {
		x := x
		add(x.name, x.name, 4, "", func(g *dgen) {
			g.setReg(RAX, g.val(x.sz))
			p, w := sizePfx(x.sz)
			g.emit(insn{pfx: p, w: w, op: []byte{x.op}, opReg: -1}, 0)
		})
	}
	// Flag instructions.
	for _, x := range []struct {
		name, need string
		op         byte
	}{{"LAHF", "lahf", 0x9F}, {"SAHF", "lahf", 0x9E}, {"CLC", "", 0xF8}, {"STC", "", 0xF9}, {"CMC", "", 0xF5}, {"CLD", "", 0xFC}, {"STD", "", 0xFD}} {
		x := x
		add(x.name, x.name, 3, x.need, func(g *dgen) {
			g.c.in.RFLAGS |= uint64(g.n(2)) * FlagDF
			g.emit(insn{op: []byte{x.op}, opReg: -1}, 0)
		})
	}
	// LEA: any register values (no memory is accessed).
	for _, sz := range []int{2, 4, 8} {
		sz := sz
		add("LEA/"+sizeName(sz), "LEA", 8, "", func(g *dgen) {
			p, w := sizePfx(sz)
			a32 := g.n(4) == 0
			if a32 {
				p = append(p, 0x67)
			}
			r := g.reg()
			rm := g.memAt(g.r.Uint64(), a32)
			for i := range g.c.in.GPR {
				if i != RSP && g.used&(1<<i) != 0 && g.n(3) == 0 {
					g.c.in.GPR[i] = g.val(8)
				}
			}
			g.emit(insn{pfx: p, w: w, op: []byte{0x8D}, modrm: true, reg: r, rm: rm, opReg: -1}, g.r.Uint64())
		})
	}
	// NOP forms.
	add("NOP/90", "NOP", 1, "", func(g *dgen) { g.emit(insn{op: []byte{0x90}, opReg: -1}, 0) })
	add("NOP/66 90", "NOP", 1, "", func(g *dgen) { g.emit(insn{pfx: []byte{0x66}, op: []byte{0x90}, opReg: -1}, 0) })
	add("NOP/0F 1F", "NOP", 3, "", func(g *dgen) {
		sz := []int{2, 4}[g.n(2)] // x86asm rejects REX.W 0F 1F
		p, w := sizePfx(sz)
		rm := g.memAt(g.r.Uint64(), false)
		g.emit(insn{pfx: p, w: w, op: []byte{0x0F, 0x1F}, modrm: true, reg: 0, rm: rm, opReg: -1}, g.r.Uint64())
	})
	for _, sz := range []int{2, 4, 8} {
		sz := sz
		add("MOVBE/r,m/"+sizeName(sz), "MOVBE", 4, "movbe", func(g *dgen) {
			g.genRM(rmSpec{op: []byte{0x0F, 0x38, 0xF0}, size: sz, digit: -1, mem: true})
		})
		add("MOVBE/m,r/"+sizeName(sz), "MOVBE", 4, "movbe", func(g *dgen) {
			g.genRM(rmSpec{op: []byte{0x0F, 0x38, 0xF1}, size: sz, digit: -1, mem: true})
		})
	}
	for _, sz := range []int{4, 8} {
		sz := sz
		add("MOVNTI/"+sizeName(sz), "MOVNTI", 3, "", func(g *dgen) {
			g.genRM(rmSpec{op: []byte{0x0F, 0xC3}, size: sz, digit: -1, mem: true})
		})
	}
	add("XLATB", "XLATB", 3, "", func(g *dgen) {
		g.claim(RAX, RBX)
		g.c.in.GPR[RBX] = nativeScratch + uint64(g.n(native.ScratchSize-256))
		var p []byte
		if g.n(4) == 0 {
			p = []byte{0x67}
			g.c.in.GPR[RBX] |= g.r.Uint64() << 32
		}
		g.emit(insn{pfx: p, op: []byte{0xD7}, opReg: -1}, 0)
	})
	for cc := 0; cc < 16; cc += 5 {
		cc := cc
		add("SET"+diffCC[cc]+"/high", "SET"+diffCC[cc], 2, "", func(g *dgen) {
			g.genRM(rmSpec{op: []byte{0x0F, 0x90 + byte(cc)}, size: 1, digit: 0, high: true})
		})
	}
	// Hints and fences (no architectural effect beyond not faulting).
	for d, mn := range []string{"PREFETCHNTA", "PREFETCHT0", "PREFETCHT1", "PREFETCHT2"} {
		d := d
		add(mn, mn, 1, "", func(g *dgen) {
			g.genRM(rmSpec{op: []byte{0x0F, 0x18}, size: 4, digit: d, mem: true})
		})
	}
	add("CLFLUSH", "CLFLUSH", 1, "", func(g *dgen) {
		g.genRM(rmSpec{op: []byte{0x0F, 0xAE}, size: 4, rmSize: 1, digit: 7, mem: true})
	})
	for _, f := range []struct {
		name  string
		modrm byte
	}{{"LFENCE", 0xE8}, {"MFENCE", 0xF0}, {"SFENCE", 0xF8}} {
		f := f
		add(f.name, f.name, 1, "", func(g *dgen) { g.emit(insn{op: []byte{0x0F, 0xAE, f.modrm}, opReg: -1}, 0) })
	}
	// The reserved-NOP space (hint NOPs on hosts without MPX/CET/CLDEMOTE) and REX.W NOP,
	// which x86asm does not decode (no mnemonic check).
	for _, op := range []byte{0x19, 0x1C, 0x1D, 0x1F} {
		op := op
		add(fmt.Sprintf("NOP/0F %02X /r", op), "", 2, "", func(g *dgen) {
			p, w := sizePfx([]int{2, 4, 8}[g.n(3)])
			in := insn{pfx: p, w: w, op: []byte{0x0F, op}, modrm: true, reg: uint8(g.n(8)), opReg: -1}
			if g.coin() {
				in.rm = g.memAt(g.r.Uint64(), false)
			} else {
				in.rm = regRM(uint8(g.n(16)))
			}
			g.emit(in, g.r.Uint64())
		})
	}
	add("NOP/0F 18 reserved", "", 1, "", func(g *dgen) {
		g.genRM(rmSpec{op: []byte{0x0F, 0x18}, size: 4, digit: 4 + g.n(4), mem: true})
	})
	add("PAUSE", "PAUSE", 1, "", func(g *dgen) { g.emit(insn{pfx: []byte{0xF3}, op: []byte{0x90}, opReg: -1}, 0) })
	add("ENDBR64", "", 1, "", func(g *dgen) { g.raw(0xF3, 0x0F, 0x1E, 0xFA) })
	add("ENDBR32", "", 1, "", func(g *dgen) { g.raw(0xF3, 0x0F, 0x1E, 0xFB) })
	return fs
}

// stringForms: MOVS STOS LODS CMPS SCAS, every size, with and without REP/REPE/REPNE,
// both directions, 64- and 32-bit address size.
func stringForms() []dform {
	var fs []dform
	type sop struct {
		name      string
		op        byte
		src, dst  bool // uses RSI / RDI
		cmp       bool // REPE/REPNE meaningful
		nameStems [4]string
	}
	ops := []sop{
		{"MOVS", 0xA4, true, true, false, [4]string{"MOVSB", "MOVSW", "MOVSD", "MOVSQ"}},
		{"STOS", 0xAA, false, true, false, [4]string{"STOSB", "STOSW", "STOSD", "STOSQ"}},
		{"LODS", 0xAC, true, false, false, [4]string{"LODSB", "LODSW", "LODSD", "LODSQ"}},
		{"CMPS", 0xA6, true, true, true, [4]string{"CMPSB", "CMPSW", "CMPSD", "CMPSQ"}},
		{"SCAS", 0xAE, false, true, true, [4]string{"SCASB", "SCASW", "SCASD", "SCASQ"}},
	}
	for _, o := range ops {
		o := o
		for si, sz := range allSizes {
			sz, mn := sz, o.nameStems[si]
			reps := []string{"", "REP", "REPNE"} // F2 repeats MOVS/STOS/LODS like F3
			if o.cmp {
				reps = []string{"", "REPE", "REPNE"}
			}
			for _, rep := range reps {
				rep := rep
				name := o.name + "/" + sizeName(sz)
				if rep != "" {
					name = rep + " " + name
				}
				fs = append(fs, dform{name: name, mnem: mn, weight: 10, gen: func(g *dgen) {
					g.claim(RSI, RDI, RCX, RAX)
					g.spFree = false
					df := g.coin()
					if df {
						g.c.in.RFLAGS |= FlagDF
					}
					cnt := 1
					var p []byte
					if rep != "" {
						cnt = g.n(20)
						if rep == "REPNE" {
							p = append(p, 0xF2)
						} else {
							p = append(p, 0xF3)
						}
					}
					sp, w := sizePfx(sz)
					p = append(sp, p...)
					a32 := g.n(5) == 0
					if a32 {
						p = append([]byte{0x67}, p...)
					}
					span := (cnt + 1) * sz
					place := func() uint64 {
						if df {
							return uint64(native.ScratchAddr + span + g.n(native.ScratchSize-2*span))
						}
						return uint64(native.ScratchAddr + g.n(native.ScratchSize-2*span))
					}
					si, di := place(), place()
					hi := func() uint64 {
						if a32 {
							return g.r.Uint64() << 32
						}
						return 0
					}
					g.c.in.GPR[RSI] = hi() | si
					g.c.in.GPR[RDI] = hi() | di
					if rep != "" {
						g.c.in.GPR[RCX] = hi() | uint64(cnt)
						if g.n(8) == 0 && !a32 {
							g.c.in.GPR[RCX] = 0
						}
						if a32 && cnt == 0 {
							// With a 32-bit address size and ECX 0, whether the upper
							// halves of RCX, RSI and RDI are cleared is model-specific:
							// some hosts clear them, the emulator (as QEMU) does not.
							for _, r := range []uint8{RCX, RSI, RDI} {
								g.c.ignore[r] |= 0xFFFFFFFF00000000
							}
						}
					}
					g.setReg(RAX, g.val(sz))
					if o.cmp {
						// Make the operands equal for a random prefix of the elements.
						k := g.n(cnt + 2)
						step := int64(sz)
						if df {
							step = -step
						}
						for j := 0; j < k; j++ {
							d := uint64(int64(di) + int64(j)*step)
							if o.src {
								s := uint64(int64(si) + int64(j)*step)
								g.putMem(d, sz, g.getMem(s, sz))
							} else {
								g.putMem(d, sz, g.c.in.GPR[RAX])
							}
						}
					}
					g.emit(insn{pfx: p, w: w, op: []byte{opSz(o.op, sz)}, opReg: -1}, 0)
					if !o.cmp {
						g.c.flags = flagsArith // unchanged: compare all
					}
				}})
			}
		}
	}
	return fs
}

// longStringForms: REP string instructions over long runs (past the emulator's 1024-element
// chunks and page boundaries), with overlapping source and destination (the byte-replicating
// memset idiom and memmove in both directions), CMPS/SCAS over long equal prefixes.
func longStringForms() []dform {
	var fs []dform
	for _, o := range []struct {
		name  string
		op    byte
		src   bool
		cmp   bool
		mnems [4]string
	}{
		{"MOVS", 0xA4, true, false, [4]string{"MOVSB", "MOVSW", "MOVSD", "MOVSQ"}},
		{"STOS", 0xAA, false, false, [4]string{"STOSB", "STOSW", "STOSD", "STOSQ"}},
		{"CMPS", 0xA6, true, true, [4]string{"CMPSB", "CMPSW", "CMPSD", "CMPSQ"}},
		{"SCAS", 0xAE, false, true, [4]string{"SCASB", "SCASW", "SCASD", "SCASQ"}},
	} {
		o := o
		for si, sz := range allSizes {
			sz, mn := sz, o.mnems[si]
			fs = append(fs, dform{name: "REP " + o.name + "/" + sizeName(sz) + "/long", mnem: mn, weight: 6, gen: func(g *dgen) {
				g.claim(RSI, RDI, RCX, RAX)
				g.spFree = false
				df := g.coin()
				if df {
					g.c.in.RFLAGS |= FlagDF
				}
				overlap := o.src && g.coin()
				const margin = 16*8 + 8 // room for the overlap delta
				maxBytes := native.ScratchSize/2 - 64
				if overlap {
					maxBytes = native.ScratchSize - 2*margin - 8
				}
				cnt := 1 + g.n(maxBytes/sz)
				if g.coin() && 1030*sz < maxBytes {
					cnt = 1020 + g.n(10) // around the chunk boundary
				}
				span := cnt * sz
				var si, di int
				if overlap {
					delta := (g.n(33) - 16) * []int{1, sz}[g.n(2)]
					lo := margin + g.n(native.ScratchSize-span-2*margin+1)
					si, di = lo, lo+delta
				} else {
					si = g.n(native.ScratchSize/2 - span + 1)
					di = native.ScratchSize/2 + g.n(native.ScratchSize/2-span+1)
					if g.coin() {
						si, di = di, si
					}
				}
				if df { // start at the last element
					si += span - sz
					di += span - sz
				}
				g.c.in.GPR[RSI] = nativeScratch + uint64(si)
				g.c.in.GPR[RDI] = nativeScratch + uint64(di)
				g.c.in.GPR[RCX] = uint64(cnt)
				g.setReg(RAX, g.val(sz))
				var p []byte
				if o.cmp {
					// Equal for a long prefix, then (maybe) one difference.
					k := cnt - g.n(min(cnt, 8))
					step := sz
					if df {
						step = -sz
					}
					for j := 0; j < k; j++ {
						d := nativeScratch + uint64(di+j*step)
						if o.src {
							g.putMem(d, sz, g.getMem(nativeScratch+uint64(si+j*step), sz))
						} else {
							g.putMem(d, sz, g.c.in.GPR[RAX])
						}
					}
					if g.n(3) == 0 {
						p = []byte{0xF2} // REPNE stops at once on equal data... or runs over the difference
					} else {
						p = []byte{0xF3}
					}
				} else {
					p = []byte{0xF3}
				}
				sp, w := sizePfx(sz)
				g.emit(insn{pfx: append(sp, p...), w: w, op: []byte{opSz(o.op, sz)}, opReg: -1}, 0)
				if !o.cmp {
					g.c.flags = flagsArith
				}
			}})
		}
	}
	return fs
}

// controlForms: Jcc, LOOP*, JRCXZ, JMP, CALL, RET, PUSH/POP, PUSHF/POPF, ENTER/LEAVE.
func controlForms() []dform {
	var fs []dform
	add := func(name, mnem string, w int, gen func(g *dgen)) {
		fs = append(fs, dform{name: name, mnem: mnem, weight: w, gen: gen})
	}
	marker := func(g *dgen) { g.raw(0xB0, 0x5A) } // mov al, 0x5A: shows whether a branch was taken
	for cc := 0; cc < 16; cc++ {
		cc := cc
		add("J"+diffCC[cc]+"/rel8", "J"+diffCC[cc], 3, func(g *dgen) {
			g.emit(insn{op: []byte{0x70 + byte(cc)}, opReg: -1, imm: []byte{2}}, 0)
			marker(g)
		})
		add("J"+diffCC[cc]+"/rel32", "J"+diffCC[cc], 3, func(g *dgen) {
			g.emit(insn{op: []byte{0x0F, 0x80 + byte(cc)}, opReg: -1, imm: imm32(2)}, 0)
			marker(g)
		})
	}
	for _, l := range []struct {
		name string
		op   byte
	}{{"LOOP", 0xE2}, {"LOOPE", 0xE1}, {"LOOPNE", 0xE0}, {"JRCXZ", 0xE3}} {
		l := l
		add(l.name, l.name, 4, func(g *dgen) {
			g.claim(RCX, RAX)
			var p []byte
			if g.n(4) == 0 {
				p = []byte{0x67}
				if l.name == "JRCXZ" {
					g.mnem = "JECXZ"
				}
			}
			switch g.n(4) {
			case 0:
				g.c.in.GPR[RCX] = 0
			case 1:
				g.c.in.GPR[RCX] = 1
			case 2:
				g.c.in.GPR[RCX] = g.r.Uint64() << 32
			case 3:
				g.c.in.GPR[RCX] = g.r.Uint64()<<32 | 1
			}
			g.emit(insn{pfx: p, op: []byte{l.op}, opReg: -1, imm: []byte{2}}, 0)
			marker(g)
		})
	}
	add("JMP/rel8", "JMP", 2, func(g *dgen) { g.emit(insn{op: []byte{0xEB}, opReg: -1, imm: []byte{2}}, 0); marker(g) })
	add("JMP/rel32", "JMP", 2, func(g *dgen) { g.emit(insn{op: []byte{0xE9}, opReg: -1, imm: imm32(2)}, 0); marker(g) })
	add("JMP/rm64", "JMP", 4, func(g *dgen) { genIndirect(g, 4) })
	add("CALL/rel32", "CALL", 4, func(g *dgen) {
		g.spFree = false
		g.emit(insn{op: []byte{0xE8}, opReg: -1, imm: imm32(2)}, 0)
		marker(g)
	})
	add("CALL/rm64", "CALL", 4, func(g *dgen) { genIndirect(g, 2) })
	add("RET", "RET", 4, func(g *dgen) {
		g.putMem(g.c.in.GPR[RSP], 8, native.CodeAddr+1)
		g.emit(insn{op: []byte{0xC3}, opReg: -1}, 0)
	})
	add("RET/imm16", "RET", 4, func(g *dgen) {
		g.putMem(g.c.in.GPR[RSP], 8, native.CodeAddr+3)
		g.emit(insn{op: []byte{0xC2}, opReg: -1, imm: imm16(uint64(g.n(0x200)))}, 0)
	})
	// PUSH and POP.
	pushPop := func(name string, w int, gen func(g *dgen)) {
		add(name, name[:strings2(name)], w, func(g *dgen) { g.spFree = false; gen(g) })
	}
	pushPop("PUSH/r64", 4, func(g *dgen) {
		r := g.reg()
		if g.n(8) == 0 {
			r = RSP
		}
		g.emit(insn{op: []byte{0x50}, opReg: int8(r)}, 0)
	})
	pushPop("PUSH/r16", 3, func(g *dgen) { g.emit(insn{pfx: []byte{0x66}, op: []byte{0x50}, opReg: int8(g.reg())}, 0) })
	pushPop("PUSH/imm8", 3, func(g *dgen) { g.emit(insn{op: []byte{0x6A}, opReg: -1, imm: imm8(g.val(1))}, 0) })
	pushPop("PUSH/imm32", 3, func(g *dgen) { g.emit(insn{op: []byte{0x68}, opReg: -1, imm: imm32(g.val(4))}, 0) })
	pushPop("PUSH/imm16", 2, func(g *dgen) {
		g.emit(insn{pfx: []byte{0x66}, op: []byte{0x68}, opReg: -1, imm: imm16(g.val(2))}, 0)
	})
	pushPop("PUSH/m64", 3, func(g *dgen) { g.genRM(rmSpec{op: []byte{0xFF}, size: 4, rmSize: 8, digit: 6, mem: true}) })
	pushPop("PUSH/m16", 2, func(g *dgen) { g.genRM(rmSpec{op: []byte{0xFF}, size: 2, digit: 6, mem: true}) })
	popVals := func(g *dgen) {
		for i := 0; i < 16; i += 8 {
			g.putMem(g.c.in.GPR[RSP]+uint64(i), 8, g.val(8))
		}
	}
	pushPop("POP/r64", 4, func(g *dgen) {
		popVals(g)
		r := g.reg()
		if g.n(8) == 0 {
			r = RSP
		}
		g.emit(insn{op: []byte{0x58}, opReg: int8(r)}, 0)
	})
	pushPop("POP/r16", 3, func(g *dgen) {
		popVals(g)
		g.emit(insn{pfx: []byte{0x66}, op: []byte{0x58}, opReg: int8(g.reg())}, 0)
	})
	pushPop("POP/m64", 3, func(g *dgen) {
		popVals(g)
		g.genRM(rmSpec{op: []byte{0x8F}, size: 4, rmSize: 8, digit: 0, mem: true})
	})
	pushPop("PUSH/rm64/reg", 2, func(g *dgen) { g.genRM(rmSpec{op: []byte{0xFF}, size: 4, rmSize: 8, digit: 6}) })
	pushPop("PUSH/rm16/reg", 2, func(g *dgen) { g.genRM(rmSpec{op: []byte{0xFF}, size: 2, digit: 6}) })
	pushPop("POP/rm64/reg", 2, func(g *dgen) {
		popVals(g)
		g.genRM(rmSpec{op: []byte{0x8F}, size: 4, rmSize: 8, digit: 0})
	})
	pushPop("POP/rm16", 2, func(g *dgen) {
		popVals(g)
		g.genRM(rmSpec{op: []byte{0x8F}, size: 2, digit: 0, mem: g.coin()})
	})
	pushPop("PUSHF/16", 2, func(g *dgen) {
		g.c.in.RFLAGS |= uint64(g.n(2)) * FlagDF
		g.mnem = "PUSHF"
		g.emit(insn{pfx: []byte{0x66}, op: []byte{0x9C}, opReg: -1}, 0)
	})
	pushPop("POPF/16", 2, func(g *dgen) {
		// Only arithmetic flags and DF (TF would trap on the host).
		g.putMem(g.c.in.GPR[RSP], 2, g.r.Uint64()&(flagsArith|FlagDF)|0x202)
		g.mnem = "POPF"
		g.emit(insn{pfx: []byte{0x66}, op: []byte{0x9D}, opReg: -1}, 0)
	})
	pushPop("PUSHFQ", 3, func(g *dgen) {
		g.c.in.RFLAGS |= uint64(g.n(2)) * FlagDF
		g.mnem = "PUSHFQ"
		g.emit(insn{op: []byte{0x9C}, opReg: -1}, 0)
	})
	pushPop("POPFQ", 3, func(g *dgen) {
		// Only arithmetic flags and DF: TF/AC would trap or enable alignment checks on the host.
		g.putMem(g.c.in.GPR[RSP], 8, g.r.Uint64()&(flagsArith|FlagDF)|0x202)
		g.mnem = "POPFQ"
		g.emit(insn{op: []byte{0x9D}, opReg: -1}, 0)
	})
	add("ENTER", "ENTER", 5, func(g *dgen) {
		g.spFree = false
		g.claim(RBP)
		g.c.in.GPR[RBP] = native.StackAddr + 0x900 + uint64(g.n(32))*8
		size := uint64(g.n(0x100))
		if g.coin() {
			size &^= 7
		}
		lvl := []byte{0, 1, 2, 3, byte(g.n(8))}[g.n(5)]
		g.emit(insn{op: []byte{0xC8}, opReg: -1, imm: append(imm16(size), lvl)}, 0)
	})
	add("LEAVE", "LEAVE", 4, func(g *dgen) {
		g.spFree = false
		g.claim(RBP)
		g.c.in.GPR[RBP] = native.StackAddr + 0x600 + uint64(g.n(64))*8
		g.emit(insn{op: []byte{0xC9}, opReg: -1}, 0)
	})
	return fs
}

func strings2(name string) int {
	for i, c := range name {
		if c == '/' {
			return i
		}
	}
	return len(name)
}

// genIndirect emits JMP (digit 4) or CALL (digit 2) through a register or memory operand
// whose target skips a marker instruction.
func genIndirect(g *dgen, digit uint8) {
	g.spFree = false
	mem := g.coin()
	var in insn
	var addr uint64
	if mem {
		addr = uint64(native.ScratchAddr + g.memOff(8, 1))
		a32, p := g.a32Pfx()
		in = insn{pfx: p, op: []byte{0xFF}, modrm: true, reg: digit, rm: g.memAt(addr, a32), opReg: -1}
	} else {
		r := g.reg()
		in = insn{op: []byte{0xFF}, modrm: true, reg: digit, rm: regRM(r), opReg: -1}
		addr = uint64(r)
	}
	b, _ := in.encode()
	target := uint64(native.CodeAddr + len(b) + 2)
	if mem {
		g.putMem(addr, 8, target)
	} else {
		g.c.in.GPR[addr] = target
	}
	g.emit(in, addr)
	g.raw(0xB0, 0x5A)
}

var _ = binary.LittleEndian

// genMoffs generates MOV AL/AX/EAX/RAX to or from moffs (A0-A3): 64-bit offsets in the
// scratch area or its mirrors above 2 GiB and 4 GiB (an offset is never a sign-extended
// displacement), 32-bit offsets (0x67) in the scratch area or the mirror below 4 GiB,
// with 0x66, REX (with and without W, which A0/A2 ignore), and segment overrides.
func (g *dgen) genMoffs(sz int) {
	g.claim(RAX)
	off := uint64(g.memOff(sz, 1))
	addr := uint64(native.ScratchAddr) + off
	g.putMem(addr, sz, g.val(sz))
	g.c.memOp = addr
	p, w := sizePfx(sz)
	if sz == 1 && g.n(4) == 0 {
		w = true // REX.W does not widen the byte forms
	}
	p = append(g.segPrefix(), p...)
	op := opSz(0xA0, sz)
	if g.coin() {
		op += 2 // store
	}
	a32 := g.n(3) == 0
	var a []byte
	switch k := g.n(3); {
	case a32 && k == 0:
		a = imm32(native.Mirror32 + off)
	case a32:
		a = imm32(addr)
	case k == 0:
		a = imm64(native.Mirror32 + off)
	case k == 1:
		a = imm64(native.Mirror64 + off)
	default:
		a = imm64(addr)
	}
	if a32 {
		p = append(p, 0x67)
	}
	g.emit(insn{pfx: p, w: w, rex: g.n(4) == 0, op: []byte{op}, opReg: -1, imm: a}, 0)
}
