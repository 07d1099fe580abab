package cpu

import (
	"bytes"
	"testing"

	"github.com/kppemu/kppemu/mmu"
)

func (e *testEnv) bytesAt(a uint64, n int) []byte {
	b := make([]byte, n)
	e.m.ReadPhys(mmu.PAddr(a), b)
	return b
}

func TestRepMovsBackwardOverlap(t *testing.T) {
	src := []byte("0123456789abcdef")
	// std; rep movsb; cld: move 16 bytes up by 4, last byte first.
	e := newTestEnv(t, 0)
	e.load(tData, src)
	e.c.GPR[RSI], e.c.GPR[RDI], e.c.GPR[RCX] = tData+15, tData+19, 16
	e.code(0xFD, 0xF3, 0xA4, 0xFC, 0xF4)
	e.mustHalt(100)
	if got := e.bytesAt(tData+4, 16); !bytes.Equal(got, src) {
		t.Fatalf("memory %q", got)
	}
	if e.c.GPR[RSI] != tData-1 || e.c.GPR[RDI] != tData+3 || e.c.GPR[RCX] != 0 {
		t.Fatalf("rsi %#x rdi %#x rcx %d", e.c.GPR[RSI], e.c.GPR[RDI], e.c.GPR[RCX])
	}
}

func TestRepStosAndLods(t *testing.T) {
	// rep stosq (5 qwords), then std; lodsd; cld
	e := runInt(t, func(c *CPU) {
		c.GPR[RAX], c.GPR[RDI], c.GPR[RCX] = 0x1122334455667788, tData, 5
	}, 0xF3, 0x48, 0xAB, 0x48, 0x8D, 0x77, 0xF8, 0xFD, 0xAD, 0xFC) // lea rsi, [rdi-8]
	for i := uint64(0); i < 5; i++ {
		if e.read64(tData+8*i) != 0x1122334455667788 {
			t.Fatalf("qword %d = %#x", i, e.read64(tData+8*i))
		}
	}
	if e.read64(tData+40) != 0 || e.c.GPR[RDI] != tData+40 {
		t.Fatalf("overrun or rdi %#x", e.c.GPR[RDI])
	}
	if e.c.GPR[RAX] != 0x55667788 || e.c.GPR[RSI] != tData+28 {
		t.Fatalf("lodsd: rax %#x rsi %#x", e.c.GPR[RAX], e.c.GPR[RSI])
	}
}

func TestRepScasCmps(t *testing.T) {
	// repne scasb: find the NUL of "hello" with RCX = -1.
	e := newTestEnv(t, 0)
	e.load(tData, []byte("hello\x00world"))
	e.c.GPR[RAX], e.c.GPR[RDI], e.c.GPR[RCX] = 0, tData, ^uint64(0)
	e.code(0xF2, 0xAE, 0xF4)
	e.mustHalt(100)
	if e.c.GPR[RDI] != tData+6 || e.c.GPR[RCX] != ^uint64(0)-6 || arith(e.c)&FlagZF == 0 {
		t.Fatalf("scas: rdi %#x rcx %#x flags %#x", e.c.GPR[RDI], e.c.GPR[RCX], arith(e.c))
	}
	// repe cmpsb: "abcXef" vs "abcdef" stops after the mismatch at index 3 ('X' < 'd').
	e = newTestEnv(t, 0)
	e.load(tData, []byte("abcXef"))
	e.load(tData+0x100, []byte("abcdef"))
	e.c.GPR[RSI], e.c.GPR[RDI], e.c.GPR[RCX] = tData, tData+0x100, 6
	e.code(0xF3, 0xA6, 0xF4)
	e.mustHalt(100)
	if e.c.GPR[RSI] != tData+4 || e.c.GPR[RCX] != 2 || arith(e.c)&(FlagZF|FlagCF) != FlagCF {
		t.Fatalf("cmps: rsi %#x rcx %d flags %#x", e.c.GPR[RSI], e.c.GPR[RCX], arith(e.c))
	}
	// RCX = 0: no iteration, flags untouched.
	e = runInt(t, func(c *CPU) { c.setRFLAGS(flagRsv1 | FlagZF); c.GPR[RCX] = 0 }, 0xF3, 0xA6)
	if arith(e.c) != FlagZF {
		t.Fatalf("cmps with rcx=0 changed flags: %#x", arith(e.c))
	}
}

func TestRepAddressSize32(t *testing.T) {
	// 67 rep stosb: ECX counts (upper half ignored), EDI addresses; both zero-extend.
	e := runInt(t, func(c *CPU) {
		c.GPR[RAX], c.GPR[RCX], c.GPR[RDI] = 0xAB, 0xFFFF_FFFF_0000_0003, 0x5555_5555_0000_0000|tData
	}, 0x67, 0xF3, 0xAA)
	if e.c.GPR[RCX] != 0 || e.c.GPR[RDI] != tData+3 {
		t.Fatalf("rcx %#x rdi %#x", e.c.GPR[RCX], e.c.GPR[RDI])
	}
	if got := e.bytesAt(tData, 4); !bytes.Equal(got, []byte{0xAB, 0xAB, 0xAB, 0}) {
		t.Fatalf("memory % x", got)
	}
}

func TestStringSegmentOverride(t *testing.T) {
	// fs: rep movsb reads FS.base + RSI; the destination stays ES:RDI (base 0).
	e := newTestEnv(t, 0)
	e.load(tData+0x1000, []byte("seg!"))
	e.c.Seg[FS].Base = 0x1000
	e.c.GPR[RSI], e.c.GPR[RDI], e.c.GPR[RCX] = tData, tData+0x2000, 4
	e.code(0x64, 0xF3, 0xA4, 0xF4)
	e.mustHalt(100)
	if got := e.bytesAt(tData+0x2000, 4); string(got) != "seg!" {
		t.Fatalf("copied %q", got)
	}
}

func TestRepChunksAndInterrupts(t *testing.T) {
	const n = 3000
	e := newTestEnv(t, 0)
	e.c.GPR[RAX], e.c.GPR[RDI], e.c.GPR[RCX] = 0x5A, tData, n
	e.code(0xF3, 0xAA, 0xF4) // rep stosb; hlt
	e.c.Step()
	if e.c.RIP != tCode || e.c.GPR[RCX] != n-strChunk || e.c.GPR[RDI] != tData+strChunk || e.c.Instret != 1 {
		t.Fatalf("after one chunk: rip %#x rcx %d rdi %#x instret %d", e.c.RIP, e.c.GPR[RCX], e.c.GPR[RDI], e.c.Instret)
	}
	// An interrupt is taken between chunks, with the frame pointing at the REP.
	e.c.RFLAGS |= FlagIF
	e.c.SetINTR(true)
	e.run(10)
	if e.vector() != 0x20 {
		t.Fatalf("vector %d", e.vector())
	}
	if rip := e.read64(e.c.GPR[RSP]); rip != tCode {
		t.Fatalf("interrupt frame RIP %#x", rip)
	}
	if e.c.GPR[RCX] != n-strChunk {
		t.Fatalf("rcx %d", e.c.GPR[RCX])
	}
	// Resume (as IRET would) and finish: three REP executions, the stub's HLT and the last HLT.
	e.c.SetINTR(false)
	e.c.RIP, e.c.Halted = tCode, false
	e.c.GPR[RSP] += 40
	e.c.syncPending()
	e.mustHalt(100)
	if e.c.GPR[RCX] != 0 || e.c.GPR[RDI] != tData+n || e.c.Instret != 4+1 {
		t.Fatalf("rcx %d rdi %#x instret %d", e.c.GPR[RCX], e.c.GPR[RDI], e.c.Instret)
	}
	if b := e.bytesAt(tData+n-1, 2); b[0] != 0x5A || b[1] != 0 {
		t.Fatalf("tail % x", b)
	}
}

func TestRepSingleStep(t *testing.T) {
	// With TF set every iteration traps (#DB with RIP on the REP).
	e := newTestEnv(t, 0)
	e.c.GPR[RDI], e.c.GPR[RCX] = tData, 10
	e.code(0xF3, 0xAA, 0xF4)
	e.c.RFLAGS |= FlagTF
	e.c.syncPending()
	e.c.Step()
	if e.c.GPR[RCX] != 9 || e.c.RIP != tStubs+16*VecDB {
		t.Fatalf("rcx %d rip %#x", e.c.GPR[RCX], e.c.RIP)
	}
	if rip := e.read64(e.c.GPR[RSP]); rip != tCode {
		t.Fatalf("#DB frame RIP %#x", rip)
	}
}

func TestRepFaultKeepsProgress(t *testing.T) {
	// rep stosb running off the end of mapped memory: #PF at the first unmapped byte with
	// RCX/RDI describing the bytes already stored.
	e := runFault(t, func(c *CPU) {
		c.GPR[RDI], c.GPR[RCX] = tRAM-10, 100
	}, VecPF, 0, 0xF3, 0xAA)
	if e.c.GPR[RCX] != 90 || e.c.GPR[RDI] != tRAM || e.c.CR2 != tRAM {
		t.Fatalf("rcx %d rdi %#x cr2 %#x", e.c.GPR[RCX], e.c.GPR[RDI], e.c.CR2)
	}
}

func TestXlat(t *testing.T) {
	e := newTestEnv(t, 0)
	e.load(tData+0x80, []byte{0x77})
	e.c.GPR[RBX], e.c.GPR[RAX] = tData, 0xFFFF_FF80
	e.code(0xD7, 0xF4)
	e.mustHalt(10)
	if e.c.GPR[RAX] != 0xFFFF_FF77 {
		t.Fatalf("rax %#x", e.c.GPR[RAX])
	}
}

func TestRepMovsForwardOverlapReplicates(t *testing.T) {
	// rep movsb with RDI = RSI+1 copies forward byte by byte: the first byte spreads.
	e := newTestEnv(t, 0)
	e.load(tData, []byte("abcdefghij"))
	e.c.GPR[RSI], e.c.GPR[RDI], e.c.GPR[RCX] = tData, tData+1, 9
	e.code(0xF3, 0xA4, 0xF4)
	e.mustHalt(10)
	if got := e.bytesAt(tData, 10); string(got) != "aaaaaaaaaa" {
		t.Fatalf("memory %q", got)
	}
	// rep movsq with RDI = RSI-8 is an ordinary block move down.
	e = newTestEnv(t, 0)
	e.load(tData, []byte("0123456789abcdefghijklmnopqrstuv"))
	e.c.GPR[RSI], e.c.GPR[RDI], e.c.GPR[RCX] = tData+8, tData, 3
	e.code(0xF3, 0x48, 0xA5, 0xF4)
	e.mustHalt(10)
	if got := e.bytesAt(tData, 32); string(got) != "89abcdefghijklmnopqrstuvopqrstuv" {
		t.Fatalf("memory %q", got)
	}
}

func TestRepStosOverwritesDecodedCode(t *testing.T) {
	// rep stosb (AL = NOP) over the two already-decoded "inc rbx" after it.
	e := newTestEnv(t, 0)
	e.code(0xF3, 0xAA, 0x48, 0xFF, 0xC3, 0x48, 0xFF, 0xC3, 0xF4)
	e.c.GPR[RAX], e.c.GPR[RDI], e.c.GPR[RCX] = 0x90, tCode+2, 0
	e.mustHalt(10)
	if e.c.GPR[RBX] != 2 {
		t.Fatalf("first pass rbx %d", e.c.GPR[RBX])
	}
	e.c.RIP, e.c.Halted, e.c.GPR[RBX], e.c.GPR[RCX] = tCode, false, 0, 6
	e.c.syncPending()
	e.mustHalt(20)
	if e.c.GPR[RBX] != 0 {
		t.Fatalf("patched code still ran: rbx %d", e.c.GPR[RBX])
	}
}

func benchRep(b *testing.B, code []byte, n uint64, bytesPer int64) {
	e := newTestEnv(b, 0)
	e.code(append(code, 0xF4)...)
	b.SetBytes(bytesPer)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.c.RIP, e.c.Halted = tCode, false
		e.c.GPR[RSI], e.c.GPR[RDI], e.c.GPR[RCX] = tData, tData+0x10000, n
		e.c.syncPending()
		if ex := e.c.Run(1 << 20); ex.Reason != ExitHalt && ex.Reason != ExitDeadHalt {
			b.Fatalf("exit %v", ex.Reason)
		}
	}
}

// BenchmarkRepMovsb copies 64 KiB per iteration with rep movsb.
func BenchmarkRepMovsb(b *testing.B) { benchRep(b, []byte{0xF3, 0xA4}, 65536, 65536) }

// BenchmarkRepStosq fills 64 KiB per iteration with rep stosq.
func BenchmarkRepStosq(b *testing.B) { benchRep(b, []byte{0xF3, 0x48, 0xAB}, 8192, 65536) }

// BenchmarkRepScasb scans 4 KiB per iteration with repne scasb.
func BenchmarkRepScasb(b *testing.B) {
	benchRep(b, []byte{0xB0, 0x01, 0xF2, 0xAE}, 4096, 4096)
}

// TestRepMovsStosModel checks REP MOVS/STOS (bulk and element paths, both directions,
// overlapping and page-crossing runs) against an element-by-element model.
func TestRepMovsStosModel(t *testing.T) {
	const win = 0x4000 // bytes of tData the cases use
	seed := uint64(12345)
	rnd := func(n uint64) uint64 {
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		return seed % n
	}
	e := newTestEnv(t, 0)
	s0 := e.c.Snapshot()
	for i := 0; i < 600; i++ {
		size := uint8(1) << rnd(4)
		back := rnd(2) == 1
		stos := rnd(4) == 0
		n := rnd(700)
		src := 0x1000 + rnd(win-0x2000)
		dst := src + rnd(64) - 32
		if rnd(2) == 0 {
			dst = 0x1000 + rnd(win-0x2000)
		}
		if lo, hi := min(src, dst), max(src, dst); back {
			n = min(n, lo/uint64(size))
		} else {
			n = min(n, (win-hi)/uint64(size)-1)
		}
		mem := make([]byte, win)
		for j := range mem {
			mem[j] = byte(rnd(256))
		}
		want := append([]byte(nil), mem...)
		step := int64(size)
		if back {
			step = -step
		}
		val := rnd(1 << 63)
		for k, si, di := uint64(0), int64(src), int64(dst); k < n; k, si, di = k+1, si+step, di+step {
			var el [8]byte // one element is loaded whole, then stored
			for b := int64(0); b < int64(size); b++ {
				el[b] = want[si+b]
				if stos {
					el[b] = byte(val >> (8 * b))
				}
			}
			copy(want[di:di+int64(size)], el[:size])
		}
		e.c.Restore(s0)
		e.load(tData, mem)
		op := []byte{0xA4, 0xA5, 0xA5, 0xA5}[rnd(1)+uint64(min(size, 2))-1+b2i(size == 8)]
		if stos {
			op += 6 // A4 -> AA, A5 -> AB
		}
		code := []byte{0xFC}
		if back {
			code[0] = 0xFD
		}
		switch size {
		case 2:
			code = append(code, 0x66)
		case 8:
			code = append(code, 0x48)
		}
		code = append([]byte{code[0], 0xF3}, append(code[1:], op, 0xF4)...)
		e.code(code...)
		e.c.GPR[RSI], e.c.GPR[RDI], e.c.GPR[RCX], e.c.GPR[RAX] = tData+src, tData+dst, n, val
		e.mustHalt(100)
		if got := e.bytesAt(tData, win); !bytes.Equal(got, want) {
			j := 0
			for j < win && got[j] == want[j] {
				j++
			}
			t.Fatalf("case %d (size %d back %v stos %v n %d src %#x dst %#x): memory differs at %#x: got % x want % x", i, size, back, stos, n, src, dst, j, got[j:j+16], want[j:j+16])
		}
		if e.c.GPR[RCX] != 0 || e.c.GPR[RDI] != uint64(int64(tData+dst)+int64(n)*step) {
			t.Fatalf("case %d: rcx %d rdi %#x", i, e.c.GPR[RCX], e.c.GPR[RDI])
		}
	}
}

func b2i(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// TestRepScasCmpsModel checks REPE/REPNE SCAS and CMPS over long, page-crossing runs
// (bulk and element paths, chunk boundaries) against an element-by-element model.
func TestRepScasCmpsModel(t *testing.T) {
	const win = 0x6000
	seed := uint64(777)
	rnd := func(n uint64) uint64 {
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		return seed % n
	}
	e := newTestEnv(t, 0)
	s0 := e.c.Snapshot()
	for i := 0; i < 300; i++ {
		size := uint8(1) << rnd(4)
		cmps, repne := rnd(2) == 1, rnd(2) == 1
		n := rnd(2500)
		src, dst := rnd(0x800), 0x2800+rnd(0x800)
		n = min(n, (win-dst)/uint64(size)-1)
		mem := make([]byte, win)
		fill := byte(rnd(3))
		for j := range mem {
			mem[j] = fill
		}
		copy(mem[dst:], mem[src:0x2800]) // equal runs for REPE
		for j := rnd(4); j > 0; j-- {
			mem[dst+rnd(win-dst)] ^= byte(1 + rnd(255))
		}
		acc := uint64(fill) * 0x0101010101010101 & sizeMask[size]
		if rnd(3) == 0 {
			acc ^= 1
		}
		// Model.
		k, si, di := n, src, dst
		var a, b uint64
		compared := false
		for k > 0 {
			b = leN(mem[di:], size)
			a = acc
			if cmps {
				a = leN(mem[si:], size)
			}
			compared = true
			k, si, di = k-1, si+uint64(size), di+uint64(size)
			if (a == b) == repne {
				break
			}
		}
		e.c.Restore(s0)
		e.load(tData, mem)
		op := []byte{0xAE, 0xAF}[min(size, 2)-1]
		if cmps {
			op -= 8 // AE -> A6, AF -> A7
		}
		code := []byte{0xF3}
		if repne {
			code[0] = 0xF2
		}
		switch size {
		case 2:
			code = append(code, 0x66)
		case 8:
			code = append(code, 0x48)
		}
		e.code(append(code, op, 0xF4)...)
		e.c.GPR[RSI], e.c.GPR[RDI], e.c.GPR[RCX], e.c.GPR[RAX] = tData+src, tData+dst, n, acc
		e.c.setRFLAGS(flagRsv1)
		e.mustHalt(100)
		if e.c.GPR[RCX] != k || e.c.GPR[RDI] != tData+di || cmps && e.c.GPR[RSI] != tData+si {
			t.Fatalf("case %d (size %d cmps %v repne %v n %d): rcx %d rdi %#x rsi %#x, want %d %#x %#x",
				i, size, cmps, repne, n, e.c.GPR[RCX], e.c.GPR[RDI]-tData, e.c.GPR[RSI]-tData, k, di, si)
		}
		if compared {
			r := (a - b) & sizeMask[size]
			want := lazyFlags{res: r, cv: (^a & b) | (^(a ^ b) & r), msb: size*8 - 1, kind: lfArith}
			c2 := &CPU{}
			c2.lf = want
			c2.RFLAGS = flagRsv1
			if got, w := arith(e.c), arith(c2); got != w {
				t.Fatalf("case %d: flags %#x want %#x", i, got, w)
			}
		}
	}
}

func TestRepBreakpointFiresOnce(t *testing.T) {
	// A host breakpoint on a long REP stops before it once, not again between chunks.
	e := newTestEnv(t, 0)
	e.c.GPR[RDI], e.c.GPR[RCX] = tData, 3*strChunk
	e.code(0xF3, 0xAA, 0xF4)
	e.c.SetBreakpoint(tCode)
	if ex := e.c.Run(100); ex.Reason != ExitBreakpoint || e.c.GPR[RCX] != 3*strChunk {
		t.Fatalf("first run: %v rcx %d", ex.Reason, e.c.GPR[RCX])
	}
	e.mustHalt(100)
	if e.c.GPR[RCX] != 0 {
		t.Fatalf("rcx %d", e.c.GPR[RCX])
	}
}

// TestStringFaultInBlock: a string instruction without a repeat prefix (a lazy block
// step) that faults after other instructions of its block faults at itself, with those
// instructions done and its own registers unchanged; one that does not fault moves its
// pointers by DF.
func TestStringFaultInBlock(t *testing.T) {
	pre := []byte{0x49, 0xFF, 0xC0, 0x49, 0xFF, 0xC0} // inc r8; inc r8
	for _, tc := range []struct {
		name     string
		op       []byte
		rsi, rdi uint64
	}{
		{"movsb source", []byte{0xA4}, tRAM, tData},
		{"movsq destination", []byte{0x48, 0xA5}, tData, tRAM - 4},
		{"stosd", []byte{0xAB}, tData, tRAM - 2},
		{"lodsq", []byte{0x48, 0xAD}, tRAM - 1, tData},
		{"cmpsb", []byte{0xA6}, tData, tRAM},
		{"scasw", []byte{0x66, 0xAF}, tData, tRAM - 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := runFault(t, func(c *CPU) {
				c.GPR[RSI], c.GPR[RDI], c.GPR[RAX], c.GPR[R8] = tc.rsi, tc.rdi, 0x1122334455667788, 0
			}, VecPF, uint64(len(pre)), append(append([]byte{}, pre...), tc.op...)...)
			if e.c.GPR[RSI] != tc.rsi || e.c.GPR[RDI] != tc.rdi || e.c.GPR[RAX] != 0x1122334455667788 || e.c.GPR[R8] != 2 {
				t.Fatalf("rsi %#x rdi %#x rax %#x r8 %d", e.c.GPR[RSI], e.c.GPR[RDI], e.c.GPR[RAX], e.c.GPR[R8])
			}
		})
	}
	// std; movsw; lodsb; cld; stosd: the pointers move down, then up.
	e := runInt(t, func(c *CPU) {
		c.GPR[RSI], c.GPR[RDI] = tData+0x100, tData+0x200
	}, 0xFD, 0x66, 0xA5, 0xAC, 0xFC, 0xAB)
	if e.c.GPR[RSI] != tData+0x100-3 || e.c.GPR[RDI] != tData+0x200-2+4 {
		t.Fatalf("rsi %#x rdi %#x", e.c.GPR[RSI], e.c.GPR[RDI])
	}
}
