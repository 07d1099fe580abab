//go:build linux && amd64

package cpu

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"testing"

	"github.com/kppemu/kppemu/mmu"
)

// LODS, CMPS and SCAS in both tiers: random sequences of them, with and without REP,
// REPE and REPNE, of every element size, over two data pages that are mostly equal (so
// that REPE runs on and REPNE finds what it looks for at varying distances), with
// counts from 0 to beyond one execution's strChunk, pointers near the end of a page (so
// that ranges cross it), DF set now and then, and the prefixes the translation leaves
// to the interpreter (67h, FS/GS overrides). Both tiers must agree after every run.

// strGen writes the programs.
type strGen struct {
	r   *rand.Rand
	out []byte
}

func (g *strGen) emit(b ...byte) { g.out = append(g.out, b...) }

func (g *strGen) movImm32(reg byte, v uint32) {
	g.emit(0xB8 | reg)
	g.out = binary.LittleEndian.AppendUint32(g.out, v)
}

// pointer is an address in the data pages: offset off of page 0 or page 1 (mostly the
// same offset in both), or near a page's end.
func (g *strGen) pointer(page int, off uint32) uint32 {
	if g.r.Intn(8) == 0 {
		off = 0x1000 - uint32(g.r.Intn(24))
	}
	return tData + uint32(page)*0x1000 + off
}

func (g *strGen) insn() {
	off := uint32(g.r.Intn(0x1000))
	if g.r.Intn(2) == 0 {
		off &^= 7
	}
	g.movImm32(6, g.pointer(0, off)) // mov esi, p0
	if g.r.Intn(4) == 0 {
		off = uint32(g.r.Intn(0x1000))
	}
	g.movImm32(7, g.pointer(1, off)) // mov edi, p1
	var count uint32
	switch g.r.Intn(8) {
	case 0:
		count = 0
	case 1:
		count = uint32(1 + g.r.Intn(4))
	case 2:
		count = uint32(1000 + g.r.Intn(100)) // around strChunk
	case 3:
		count = 0xFFFFFFFF // strlen-style
	case 4:
		count = uint32(g.r.Intn(600))
	default:
		count = uint32(g.r.Intn(64))
	}
	g.movImm32(1, count) // mov ecx, count
	if g.r.Intn(10) == 0 {
		g.emit(0xFD) // std
	}
	switch g.r.Intn(20) {
	case 0:
		g.emit(0x67) // 32-bit addresses
	case 1:
		g.emit([]byte{0x64, 0x65, 0x26, 0x3E}[g.r.Intn(4)]) // segment override
	}
	size := g.r.Intn(4)
	if size == 1 {
		g.emit(0x66)
	}
	switch g.r.Intn(4) {
	case 0:
		g.emit(0xF3)
	case 1:
		g.emit(0xF2)
	}
	if size == 3 {
		g.emit(0x48)
	}
	op := []byte{0xA6, 0xAE, 0xAC}[g.r.Intn(3)] // cmps, scas, lods
	if size > 0 {
		op++
	}
	g.emit(op)
	switch g.r.Intn(3) {
	case 0:
		g.emit(0x9C, 0x5A) // pushfq; pop rdx (the flags now)
	case 1:
		g.emit(0x48, 0x01, 0xDD) // add rbp, rbx (the flags are dead, unless the execution leaves the block)
	}
	g.emit(0xFC) // cld
}

// strData is the data of the two pages: mostly the same bytes (runs of one byte
// value, so that SCAS of a repeated accumulator value runs on), with a few differences.
func strData(r *rand.Rand) []byte {
	d := make([]byte, 3*0x1000)
	v := byte(r.Intn(256))
	for i := 0; i < 0x1000; i++ {
		if r.Intn(64) == 0 {
			v = byte(r.Intn(4))
		}
		d[i], d[0x1000+i] = v, v
	}
	for i := r.Intn(8); i >= 0; i-- {
		d[0x1000+r.Intn(0x1000)] ^= byte(1 + r.Intn(255))
	}
	r.Read(d[0x2000:])
	return d
}

func TestJITStringCompare(t *testing.T) {
	seeds := 150
	if testing.Short() {
		seeds = 40
	}
	var ran uint64
	for seed := 0; seed < seeds; seed++ {
		r := rand.New(rand.NewSource(int64(seed)))
		g := &strGen{r: r}
		for i := 0; i < 3+r.Intn(10); i++ {
			g.insn()
		}
		g.emit(0xF4)
		p := newJITPair(t, uint8(3*(seed%2)))
		p.envs[1].c.jit.eager = seed%3 != 0
		p.setup(g.out, r, r.Uint64())
		data := strData(r)
		acc := uint64(data[r.Intn(0x1000)]) * 0x0101010101010101
		if r.Intn(3) == 0 {
			acc = r.Uint64()
		}
		for _, e := range p.envs {
			e.load(tData, data)
			e.c.GPR[RAX] = acc
		}
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			p.t = t
			p.run(r, 20000)
		})
		ran += p.envs[1].c.jit.ran
		if t.Failed() {
			t.Logf("code: % x", g.out)
			break
		}
	}
	if ran == 0 {
		t.Fatal("nothing ran translated")
	}
}

// TestJITStringCompareTranslated: a strlen-style REPNE SCASB and a REPE CMPSQ over equal
// buffers run in generated code (the block does not stop at them) and end like the
// interpreter.
func TestJITStringCompareTranslated(t *testing.T) {
	code := []byte{
		0x41, 0xBE, 0xE8, 0x03, 0, 0, // mov r14d, 1000
		0xBF, 0x00, 0x00, 0x20, 0x00, // L: mov edi, tData
		0x48, 0x83, 0xC9, 0xFF, // or rcx, -1
		0x31, 0xC0, // xor eax, eax
		0xF2, 0xAE, // repne scasb
		0x48, 0xF7, 0xD1, // not rcx
		0x48, 0x01, 0xCB, // add rbx, rcx
		0xBE, 0x00, 0x00, 0x20, 0x00, // mov esi, tData
		0xBF, 0x00, 0x10, 0x20, 0x00, // mov edi, tData+0x1000
		0xB9, 0x40, 0x00, 0x00, 0x00, // mov ecx, 64
		0xF3, 0x48, 0xA7, // repe cmpsq
		0x48, 0x01, 0xCA, // add rdx, rcx
		0x41, 0xFF, 0xCE, // dec r14d
		0x75, 0xD3, // jnz L
		0xF4, // hlt
	}
	p := newJITPair(t, 0)
	p.setup(code, rand.New(rand.NewSource(1)), 0)
	buf := make([]byte, 0x2000)
	for i := 0; i < 0x200; i++ {
		buf[i], buf[0x1000+i] = byte(1+i%200), byte(1+i%200)
	}
	buf[0x180] = 0
	for _, e := range p.envs {
		e.load(tData, buf)
		e.c.GPR[RBX], e.c.GPR[RDX] = 0, 0
		if ex := e.c.Run(100000); ex.Reason != ExitDeadHalt {
			t.Fatalf("%v", ex)
		}
	}
	p.compare("after the loop")
	if c := p.envs[1].c; c.GPR[RBX] != 1000*0x181 || c.GPR[RDX] != 1000*15 {
		t.Fatalf("RBX %d RDX %d", c.GPR[RBX], c.GPR[RDX])
	}
	if st := p.envs[1].c.JITStats(); st.Ran < 9000 || st.Entries > 50 || st.SlowExits > 10 {
		t.Fatalf("generated code ran %d instructions in %d entries from Go, %d exits to the interpreter", st.Ran, st.Entries, st.SlowExits)
	}
}

// TestJITStringCompareYield: REPE CMPS and REPNE SCAS that do not finish in one
// execution leave the block after strChunk elements with the flags of the last
// comparison, even where the next instruction would overwrite them: the next execution
// faults on its first element (the page after the first execution's is absent), so the
// #PF frame holds the flags the first one left.
func TestJITStringCompareYield(t *testing.T) {
	for _, tc := range []struct {
		op       []byte
		src, dst uint32
	}{
		{[]byte{0xF3, 0xA6}, tData + 0xC00, tData + 0x2C00}, // repe cmpsb
		{[]byte{0xF3, 0xA7}, tData, tData + 0x2000},         // repe cmpsd
		{[]byte{0xF2, 0xAE}, 0, tData + 0xC00},              // repne scasb
	} {
		code := []byte{0xBE} // mov esi, src
		code = binary.LittleEndian.AppendUint32(code, tc.src)
		code = append(code, 0xBF) // mov edi, dst
		code = binary.LittleEndian.AppendUint32(code, tc.dst)
		code = append(code, 0xB9, 0xD0, 0x07, 0x00, 0x00) // mov ecx, 2000
		code = append(code, tc.op...)
		code = append(code, 0x48, 0x01, 0xDD, 0xF4) // add rbp, rbx; hlt
		p := newJITPair(t, 0)
		p.setup(code, rand.New(rand.NewSource(1)), FlagCF|FlagZF|FlagAF)
		buf := make([]byte, 0x3000)
		for i := range buf {
			buf[i] = byte(i % 0x1000 % 251) // pages 0 and 2 are equal
		}
		for _, e := range p.envs {
			e.load(tData, buf)
			e.poke64(pte(tData+0x1000), e.read64(pte(tData+0x1000))&^1)
			e.c.GPR[RAX] = 0x1FF // AL 0xFF is not in the data
			for _, a := range []uint32{tc.src, tc.dst} {
				e.m.Translate(mmu.VAddr(a), mmu.Read, false, false) // the first execution hits the TLB
			}
			if ex := e.c.Run(100); ex.Reason != ExitDeadHalt {
				t.Fatalf("% x: %v", tc.op, ex)
			}
			if v := e.vector(); v != VecPF {
				t.Fatalf("% x: vector %d", tc.op, v)
			}
		}
		p.compare(fmt.Sprintf("% x: after the fault", tc.op))
		if st := p.envs[1].c.JITStats(); st.Ran != 4 {
			t.Fatalf("% x: generated code ran %d instructions", tc.op, st.Ran)
		}
	}
}
