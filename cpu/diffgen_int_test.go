package cpu

// Generators for the general-purpose integer instructions.

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/kppemu/kppemu/cpu/internal/native"
)

// rmSpec describes a ModRM instruction for genRM.
type rmSpec struct {
	op      []byte // opcode bytes (escapes included, size bit applied)
	mand    byte   // mandatory prefix (F2/F3) placed after 66, or 0
	size    int    // operand size: selects 66 / REX.W
	noW     bool   // size 8 without REX.W (the operand size is implied)
	digit   int    // ModRM.reg opcode extension, or -1 when reg is a register operand
	regSize int    // size of the register in ModRM.reg (default size)
	rmSize  int    // size of the r/m operand (default size)
	mem     bool   // r/m is memory
	align   int    // memory alignment (default 1)
	lock    bool   // a LOCK prefix is allowed (memory destination)
	imm     int    // immediate bytes
	high    bool   // byte registers from AL..BH without REX (AH..BH reachable); register forms only
	noA32   bool   // never use the 67 prefix
	fixImm  []byte // immediate bytes chosen by the caller (instead of a random imm)
}

// rmOut is what genRM chose.
type rmOut struct {
	reg  uint8 // register in ModRM.reg
	rm   rmOperand
	addr uint64 // memory operand address
	imm  uint64 // immediate (not sign-extended)
}

// genRM emits an instruction described by s with random operands (edge-biased register,
// memory and immediate values) and returns the choices.
func (g *dgen) genRM(s rmSpec) rmOut {
	var o rmOut
	if s.regSize == 0 {
		s.regSize = s.size
	}
	if s.rmSize == 0 {
		s.rmSize = s.size
	}
	if s.align == 0 {
		s.align = 1
	}
	var pfx []byte
	if s.lock && s.mem && g.n(3) == 0 {
		pfx = append(pfx, 0xF0)
	}
	sp, w := sizePfx(s.size)
	if s.noW {
		w = false
	}
	pfx = append(pfx, sp...)
	a32 := s.mem && !s.noA32 && g.n(8) == 0
	if a32 {
		pfx = append(pfx, 0x67)
	}
	if s.mem {
		pfx = append(g.segPrefix(), pfx...)
	}
	if s.mand != 0 {
		pfx = append(pfx, s.mand)
	}
	in := insn{pfx: pfx, w: w, op: s.op, modrm: true, opReg: -1}
	pick := g.reg
	if s.high {
		pick = g.regLow
	}
	if s.digit >= 0 {
		in.reg = uint8(s.digit)
	} else {
		o.reg = pick()
		in.reg = o.reg
		g.setReg(o.reg, g.val(s.regSize))
	}
	if s.mem {
		o.rm, o.addr = g.mem(s.rmSize, s.align, a32)
	} else {
		r := pick()
		o.rm = regRM(r)
		g.setReg(r, g.val(s.rmSize))
	}
	in.rm = o.rm
	if !s.high {
		if s.regSize == 1 && s.digit < 0 && o.reg >= 4 && o.reg < 8 {
			in.rex = true
		}
		if s.rmSize == 1 && !s.mem && o.rm.reg >= 4 && o.rm.reg < 8 {
			in.rex = true
		}
	}
	if s.imm > 0 {
		o.imm = g.val(s.imm) & sizeMask[s.imm]
		in.imm = immN(o.imm, s.imm)
	}
	if s.fixImm != nil {
		in.imm = s.fixImm
	}
	g.emit(in, o.addr)
	return o
}

var aluNames = [8]string{"ADD", "OR", "ADC", "SBB", "AND", "SUB", "XOR", "CMP"}

func isLogic(name string) bool {
	return name == "OR" || name == "AND" || name == "XOR" || name == "TEST"
}

func sizeName(s int) string { return fmt.Sprint(s * 8) }

var allSizes = []int{1, 2, 4, 8}

// intForms returns the integer forms.
func intForms() []dform {
	var fs []dform
	add := func(name, mnem string, w int, need string, gen func(g *dgen)) {
		fs = append(fs, dform{name: name, mnem: mnem, weight: w, need: need, gen: gen})
	}
	setFlags := func(g *dgen, class string) { g.c.flags = flagsArith &^ undefinedFlags[class] }
	// Group-1 ALU and TEST.
	for opi, name := range aluNames {
		opi, name := opi, name
		class := ""
		if isLogic(name) {
			class = "logic"
		}
		lock := name != "CMP"
		for _, sz := range allSizes {
			sz := sz
			base := byte(opi * 8)
			add(name+"/rm,r/"+sizeName(sz)+"/reg", name, 10, "", func(g *dgen) {
				g.genRM(rmSpec{op: []byte{opSz(base, sz)}, size: sz, digit: -1})
				setFlags(g, class)
			})
			add(name+"/rm,r/"+sizeName(sz)+"/mem", name, 10, "", func(g *dgen) {
				g.genRM(rmSpec{op: []byte{opSz(base, sz)}, size: sz, digit: -1, mem: true, lock: lock})
				setFlags(g, class)
			})
			add(name+"/r,rm/"+sizeName(sz), name, 10, "", func(g *dgen) {
				g.genRM(rmSpec{op: []byte{opSz(base+2, sz)}, size: sz, digit: -1, mem: g.coin()})
				setFlags(g, class)
			})
			add(name+"/acc,imm/"+sizeName(sz), name, 6, "", func(g *dgen) {
				g.claim(RAX)
				g.setReg(RAX, g.val(sz))
				p, w := sizePfx(sz)
				in := insn{pfx: p, w: w, op: []byte{opSz(base+4, sz)}, opReg: -1, imm: immN(g.val(min(sz, 4)), min(sz, 4))}
				g.emit(in, 0)
				setFlags(g, class)
			})
			add(name+"/rm,imm/"+sizeName(sz), name, 10, "", func(g *dgen) {
				g.genRM(rmSpec{op: []byte{opSz(0x80, sz)}, size: sz, digit: opi, mem: g.coin(), lock: lock, imm: min(sz, 4)})
				setFlags(g, class)
			})
			if sz > 1 {
				add(name+"/rm,imm8/"+sizeName(sz), name, 6, "", func(g *dgen) {
					g.genRM(rmSpec{op: []byte{0x83}, size: sz, digit: opi, mem: g.coin(), lock: lock, imm: 1})
					setFlags(g, class)
				})
			}
		}
		add(name+"/rm,r/8/high", name, 4, "", func(g *dgen) {
			g.genRM(rmSpec{op: []byte{byte(opi * 8)}, size: 1, digit: -1, high: true})
			setFlags(g, class)
		})
	}
	for _, sz := range allSizes {
		sz := sz
		add("TEST/rm,r/"+sizeName(sz), "TEST", 8, "", func(g *dgen) {
			g.genRM(rmSpec{op: []byte{opSz(0x84, sz)}, size: sz, digit: -1, mem: g.coin()})
			setFlags(g, "logic")
		})
		add("TEST/acc,imm/"+sizeName(sz), "TEST", 4, "", func(g *dgen) {
			g.claim(RAX)
			g.setReg(RAX, g.val(sz))
			p, w := sizePfx(sz)
			g.emit(insn{pfx: p, w: w, op: []byte{opSz(0xA8, sz)}, opReg: -1, imm: immN(g.val(min(sz, 4)), min(sz, 4))}, 0)
			setFlags(g, "logic")
		})
		add("TEST/rm,imm/"+sizeName(sz), "TEST", 6, "", func(g *dgen) {
			g.genRM(rmSpec{op: []byte{opSz(0xF6, sz)}, size: sz, digit: 0, mem: g.coin(), imm: min(sz, 4)})
			setFlags(g, "logic")
		})
		// Unary group 3/4/5.
		for _, u := range []struct {
			name  string
			op    byte
			digit int
		}{{"INC", 0xFE, 0}, {"DEC", 0xFE, 1}, {"NOT", 0xF6, 2}, {"NEG", 0xF6, 3}} {
			u := u
			add(u.name+"/"+sizeName(sz)+"/reg", u.name, 8, "", func(g *dgen) {
				g.genRM(rmSpec{op: []byte{opSz(u.op, sz)}, size: sz, digit: u.digit})
			})
			add(u.name+"/"+sizeName(sz)+"/mem", u.name, 8, "", func(g *dgen) {
				g.genRM(rmSpec{op: []byte{opSz(u.op, sz)}, size: sz, digit: u.digit, mem: true, lock: true})
			})
			if sz == 1 {
				add(u.name+"/8/high", u.name, 3, "", func(g *dgen) {
					g.genRM(rmSpec{op: []byte{u.op}, size: 1, digit: u.digit, high: true})
				})
			}
		}
		// MUL/IMUL one operand.
		for _, m := range []struct {
			name  string
			digit int
		}{{"MUL", 4}, {"IMUL", 5}} {
			m := m
			add(m.name+"/rm/"+sizeName(sz), m.name, 8, "", func(g *dgen) {
				g.claim(RAX, RDX)
				g.setReg(RAX, g.val(sz))
				g.genRM(rmSpec{op: []byte{opSz(0xF6, sz)}, size: sz, digit: m.digit, mem: g.coin()})
				setFlags(g, "mul")
			})
		}
		for _, m := range []struct {
			name   string
			digit  int
			signed bool
		}{{"DIV", 6, false}, {"IDIV", 7, true}} {
			m := m
			add(m.name+"/rm/"+sizeName(sz), m.name, 10, "", func(g *dgen) {
				genDiv(g, sz, m.digit, m.signed)
				setFlags(g, "div")
			})
		}
		if sz > 1 {
			add("IMUL/r,rm/"+sizeName(sz), "IMUL", 8, "", func(g *dgen) {
				g.genRM(rmSpec{op: []byte{0x0F, 0xAF}, size: sz, digit: -1, mem: g.coin()})
				setFlags(g, "mul")
			})
			add("IMUL/r,rm,imm/"+sizeName(sz), "IMUL", 6, "", func(g *dgen) {
				g.genRM(rmSpec{op: []byte{0x69}, size: sz, digit: -1, mem: g.coin(), imm: min(sz, 4)})
				setFlags(g, "mul")
			})
			add("IMUL/r,rm,imm8/"+sizeName(sz), "IMUL", 6, "", func(g *dgen) {
				g.genRM(rmSpec{op: []byte{0x6B}, size: sz, digit: -1, mem: g.coin(), imm: 1})
				setFlags(g, "mul")
			})
		}
	}
	fs = append(fs, shiftForms()...)
	fs = append(fs, bitForms()...)
	fs = append(fs, moveForms()...)
	fs = append(fs, stringForms()...)
	fs = append(fs, longStringForms()...)
	fs = append(fs, controlForms()...)
	// Every integer form runs as whole blocks too (from a cold and a warm TLB): the block
	// loop has inline steps for most of them.
	for i := range fs {
		fs[i].blocks = true
	}
	return fs
}

// genDiv emits DIV/IDIV with operands that do not raise #DE (the host would kill the
// process); #DE itself is tested in TestDiffDivideError.
func genDiv(g *dgen, sz, digit int, signed bool) {
	g.claim(RAX, RDX)
	bits := uint(sz * 8)
	for {
		g.used = 1<<RSP | 1<<RAX | 1<<RDX
		g.c.code = g.c.code[:0]
		g.c.in.Mem = diffPristine
		o := g.genRM(rmSpec{op: []byte{opSz(0xF6, sz)}, size: sz, digit: digit, mem: g.coin()})
		var dv uint64
		if o.rm.mem {
			dv = g.getMem(o.addr, sz)
		} else {
			dv = g.c.in.GPR[o.rm.reg] & sizeMask[sz]
		}
		if dv == 0 {
			continue
		}
		// Dividend: random high half (retry until the quotient fits) or sign/zero extension.
		lo := g.val(sz) & sizeMask[sz]
		var hi uint64
		switch g.n(3) {
		case 0:
			hi = g.val(sz) & sizeMask[sz]
		case 1:
			hi = g.r.Uint64() & sizeMask[sz] % dv
		default:
			if signed && lo>>(bits-1) != 0 {
				hi = sizeMask[sz]
			}
		}
		n := new(big.Int).Lsh(new(big.Int).SetUint64(hi), bits)
		n.Or(n, new(big.Int).SetUint64(lo))
		d := new(big.Int).SetUint64(dv)
		if signed {
			if hi>>(bits-1) != 0 {
				n.Sub(n, new(big.Int).Lsh(big.NewInt(1), 2*bits))
			}
			if dv>>(bits-1) != 0 {
				d.Sub(d, new(big.Int).Lsh(big.NewInt(1), bits))
			}
		}
		q := new(big.Int).Quo(n, d) // truncated, like IDIV
		lim := new(big.Int).Lsh(big.NewInt(1), bits)
		if signed {
			lim.Rsh(lim, 1)
			if q.Cmp(lim) >= 0 || q.Cmp(new(big.Int).Neg(lim)) < 0 {
				continue
			}
		} else if q.Cmp(lim) >= 0 {
			continue
		}
		if sz == 1 {
			g.c.in.GPR[RAX] = g.c.in.GPR[RAX]&^0xFFFF | hi<<8 | lo
			if !o.rm.mem && (o.rm.reg == RAX) {
				continue
			}
		} else {
			g.c.in.GPR[RAX] = g.c.in.GPR[RAX]&^sizeMask[sz] | lo
			g.c.in.GPR[RDX] = g.c.in.GPR[RDX]&^sizeMask[sz] | hi
		}
		return
	}
}

var shiftNames = [8]string{"ROL", "ROR", "RCL", "RCR", "SHL", "SHR", "SAL", "SAR"}

func shiftForms() []dform {
	var fs []dform
	for d, name := range shiftNames {
		if name == "" {
			continue
		}
		d, name := d, name
		for _, sz := range allSizes {
			sz := sz
			width := sz * 8
			cmask := 31
			if sz == 8 {
				cmask = 63
			}
			count := func(g *dgen) int {
				switch g.n(8) {
				case 0:
					return 0
				case 1:
					return 1
				case 2:
					return width - 1
				case 3:
					return width
				case 4:
					return width + 1
				default:
					return g.n(256)
				}
			}
			for _, form := range []string{"1", "imm8", "CL"} {
				form := form
				mnem := name
				if name == "SAL" {
					mnem = "" // x86asm does not decode the /6 alias
				}
				fs = append(fs, dform{name: fmt.Sprintf("%s/%s/%d", name, form, width), mnem: mnem, weight: 8,
					gen: func(g *dgen) {
						cnt := 1
						s := rmSpec{size: sz, digit: d, mem: g.n(3) == 0, lock: false}
						switch form {
						case "1":
							s.op = []byte{opSz(0xD0, sz)}
						case "imm8":
							s.op = []byte{opSz(0xC0, sz)}
						case "CL":
							s.op = []byte{opSz(0xD2, sz)}
							g.claim(RCX)
						}
						if form == "imm8" {
							// genRM draws the immediate; force the count distribution instead.
							cnt = count(g)
							s.imm = 0
							g.genRMImm(s, []byte{byte(cnt)})
						} else {
							g.genRM(s)
						}
						if form == "CL" {
							cnt = count(g)
							g.c.in.GPR[RCX] = g.c.in.GPR[RCX]&^0xFF | uint64(cnt)
						}
						g.c.flags = flagsArith &^ shiftUndefined(name, cnt&cmask, width)
					}})
			}
		}
	}
	// SHLD/SHRD.
	for _, sh := range []struct {
		name string
		op   byte
	}{{"SHLD", 0xA4}, {"SHRD", 0xAC}} {
		sh := sh
		for _, sz := range []int{2, 4, 8} {
			sz := sz
			width := sz * 8
			cmask := 31
			if sz == 8 {
				cmask = 63
			}
			count := func(g *dgen) int {
				for {
					var c int
					switch g.n(6) {
					case 0:
						c = 0
					case 1:
						c = 1
					case 2:
						c = width - 1
					case 3:
						c = width
					default:
						c = g.n(256)
					}
					if c&cmask <= width { // 16-bit counts above 16 are undefined
						return c
					}
				}
			}
			for _, cl := range []bool{false, true} {
				cl := cl
				form := "imm8"
				if cl {
					form = "CL"
				}
				fs = append(fs, dform{name: fmt.Sprintf("%s/%s/%d", sh.name, form, width), mnem: sh.name, weight: 8,
					gen: func(g *dgen) {
						cnt := count(g)
						s := rmSpec{op: []byte{0x0F, sh.op}, size: sz, digit: -1, mem: g.coin()}
						if cl {
							s.op = []byte{0x0F, sh.op + 1}
							g.claim(RCX)
							g.genRM(s)
							g.c.in.GPR[RCX] = g.c.in.GPR[RCX]&^0xFF | uint64(cnt)
						} else {
							g.genRMImm(s, []byte{byte(cnt)})
						}
						g.c.flags = flagsArith &^ shldUndefined(cnt&cmask)
					}})
			}
		}
	}
	return fs
}

// genRMImm is genRM with a caller-chosen immediate.
func (g *dgen) genRMImm(s rmSpec, imm []byte) rmOut {
	s.fixImm = imm
	return g.genRM(s)
}

func bitForms() []dform {
	var fs []dform
	add := func(name, mnem string, w int, need string, gen func(g *dgen)) {
		fs = append(fs, dform{name: name, mnem: mnem, weight: w, need: need, gen: gen})
	}
	for i, name := range []string{"BT", "BTS", "BTR", "BTC"} {
		i, name := i, name
		for _, sz := range []int{2, 4, 8} {
			sz := sz
			add(name+"/rm,r/"+sizeName(sz)+"/reg", name, 8, "", func(g *dgen) {
				g.genRM(rmSpec{op: []byte{0x0F, 0xA3 + byte(i*8)}, size: sz, digit: -1})
				g.c.flags = flagsArith &^ undefinedFlags["bt"]
			})
			add(name+"/m,r/"+sizeName(sz)+"/bigoffset", name, 8, "", func(g *dgen) {
				// Bit offsets reach +-0x600 bytes around an operand in the middle of scratch.
				addr := uint64(native.ScratchAddr + 0x1000 + g.n(0x100) - 0x80)
				var p []byte
				if i > 0 && g.n(3) == 0 {
					p = append(p, 0xF0)
				}
				sp, w := sizePfx(sz)
				p = append(p, sp...)
				r := g.reg()
				off := int64(g.n(0x6000*2)) - 0x6000
				if g.n(4) == 0 {
					off = int64(g.n(sz * 8))
				}
				g.setReg(r, g.r.Uint64()&^sizeMask[sz]|uint64(off)&sizeMask[sz])
				a32 := g.n(5) == 0
				if a32 {
					p = append(p, 0x67)
				}
				g.emit(insn{pfx: p, w: w, op: []byte{0x0F, 0xA3 + byte(i*8)}, modrm: true, reg: r, rm: g.memAt(addr, a32), opReg: -1}, addr)
				g.c.flags = flagsArith &^ undefinedFlags["bt"]
			})
			add(name+"/rm,imm8/"+sizeName(sz), name, 8, "", func(g *dgen) {
				g.genRMImm(rmSpec{op: []byte{0x0F, 0xBA}, size: sz, digit: 4 + i, mem: g.coin(), lock: i > 0}, []byte{byte(g.n(256))})
				g.c.flags = flagsArith &^ undefinedFlags["bt"]
			})
		}
	}
	for _, sz := range []int{2, 4, 8} {
		sz := sz
		for _, b := range []struct {
			name, need, class string
			mand              byte
			op                byte
		}{{"BSF", "", "bsf", 0, 0xBC}, {"BSR", "", "bsf", 0, 0xBD}, {"TZCNT", "bmi1", "lzcnt", 0xF3, 0xBC},
			{"LZCNT", "lzcnt", "lzcnt", 0xF3, 0xBD}, {"POPCNT", "popcnt", "", 0xF3, 0xB8}} {
			b := b
			add(b.name+"/"+sizeName(sz), b.name, 10, b.need, func(g *dgen) {
				o := g.genRM(rmSpec{op: []byte{0x0F, b.op}, mand: b.mand, size: sz, digit: -1, mem: g.coin()})
				// A zero source makes the result interesting: force it sometimes.
				if g.n(6) == 0 {
					if o.rm.mem {
						g.putMem(o.addr, sz, 0)
					} else {
						g.c.in.GPR[o.rm.reg] &^= sizeMask[sz]
					}
				}
				var src uint64
				if o.rm.mem {
					src = g.getMem(o.addr, sz)
				} else {
					src = g.c.in.GPR[o.rm.reg] & sizeMask[sz]
				}
				if b.class == "bsf" && src == 0 {
					g.c.ignore[o.reg] = ^uint64(0) // destination undefined (SDM "BSF"/"BSR")
				}
				g.c.flags = flagsArith &^ undefinedFlags[b.class]
			})
		}
	}
	for _, sz := range []int{4, 8} {
		sz := sz
		add("BSWAP/"+sizeName(sz), "BSWAP", 6, "", func(g *dgen) {
			r := g.reg()
			_, w := sizePfx(sz)
			g.emit(insn{w: w, op: []byte{0x0F, 0xC8}, opReg: int8(r)}, 0)
		})
	}
	return fs
}

// TestDiffDivideError checks what the host cannot run without killing the test process:
// DIV/IDIV by zero and with a quotient that does not fit raise #DE at the instruction,
// with registers and memory unchanged (SDM "DIV", "IDIV").
func TestDiffDivideError(t *testing.T) {
	type tc struct {
		name     string
		code     []byte
		rax, rdx uint64
		src      uint64 // RBX (the divisor register)
	}
	var cases []tc
	for _, sz := range allSizes {
		p, w := sizePfx(sz)
		for _, d := range []struct {
			name  string
			digit uint8
		}{{"DIV", 6}, {"IDIV", 7}} {
			in := insn{pfx: p, w: w, op: []byte{opSz(0xF6, sz)}, modrm: true, reg: d.digit, rm: regRM(RBX), opReg: -1}
			code, _ := in.encode()
			m := sizeMask[sz]
			bits := uint(sz * 8)
			cases = append(cases, tc{fmt.Sprintf("%s/%d/zero", d.name, bits), code, 0x1234, 0x5678, 0xFFFFFFFFFFFFFFFF &^ m})
			if d.digit == 6 {
				// Unsigned overflow: high half >= divisor.
				hi := uint64(5)
				if sz == 1 {
					cases = append(cases, tc{fmt.Sprintf("DIV/%d/overflow", bits), code, 5<<8 | 0x10, 0, 5})
				} else {
					cases = append(cases, tc{fmt.Sprintf("DIV/%d/overflow", bits), code, 0, hi, 5})
				}
			} else {
				// Signed overflow: the most negative dividend divided by -1.
				if sz == 1 {
					cases = append(cases, tc{fmt.Sprintf("IDIV/%d/overflow", bits), code, 0x8000, 0, m})
				} else {
					cases = append(cases, tc{fmt.Sprintf("IDIV/%d/overflow", bits), code, 0, 1 << (bits - 1), m})
				}
			}
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newTestEnv(t, 3)
			e.code(c.code...)
			e.c.GPR[RAX], e.c.GPR[RDX], e.c.GPR[RBX] = c.rax, c.rdx, c.src
			before := e.c.GPR
			e.run(10)
			if v := e.vector(); v != VecDE {
				t.Fatalf("vector %d, want #DE", v)
			}
			// The frame's RIP is the faulting instruction; its RSP is the user stack.
			frame := e.c.GPR[RSP]
			if rip := e.read64(frame); rip != tCode {
				t.Fatalf("frame RIP %#x, want %#x", rip, tCode)
			}
			got := e.c.GPR
			got[RSP], before[RSP] = 0, 0
			if got != before {
				t.Fatalf("registers changed:\n got %x\nwant %x", got, before)
			}
		})
	}
}

// TestDiffLockUD checks LOCK where the host would raise #UD (SIGILL here): on a register
// destination, on instructions that are not lockable, and that it is accepted on the
// lockable memory forms (SDM Vol. 2A "LOCK").
func TestDiffLockUD(t *testing.T) {
	cases := []struct {
		name string
		code []byte
		ud   bool
	}{
		{"add reg", []byte{0xF0, 0x01, 0xD8}, true},
		{"mov mem", []byte{0xF0, 0x89, 0x03}, true},
		{"cmp mem", []byte{0xF0, 0x39, 0x03}, true},
		{"bt mem", []byte{0xF0, 0x0F, 0xA3, 0x03}, true},
		{"nop", []byte{0xF0, 0x90}, true},
		{"lea", []byte{0xF0, 0x8D, 0x03}, true},
		{"xchg reg", []byte{0xF0, 0x87, 0xD8}, true},
		{"add mem", []byte{0xF0, 0x01, 0x03}, false},
		{"bts mem", []byte{0xF0, 0x0F, 0xAB, 0x03}, false},
		{"xadd mem", []byte{0xF0, 0x0F, 0xC1, 0x03}, false},
		{"cmpxchg16b", []byte{0xF0, 0x48, 0x0F, 0xC7, 0x0B}, false},
		{"not mem", []byte{0xF0, 0xF7, 0x13}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newTestEnv(t, 3)
			e.code(append(c.code, 0x0F, 0x0B)...) // then ud2, so both outcomes end in #UD
			e.c.GPR[RBX] = tData
			e.run(10)
			if e.vector() != VecUD {
				t.Fatalf("vector %d", e.vector())
			}
			frameRIP := e.read64(e.c.GPR[RSP])
			want := uint64(tCode)
			if !c.ud {
				want += uint64(len(c.code))
			}
			if frameRIP != want {
				t.Fatalf("#UD at %#x, want %#x (locked form should %s)", frameRIP, want, map[bool]string{true: "fault", false: "execute"}[c.ud])
			}
		})
	}
}
