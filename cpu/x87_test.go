package cpu

import (
	"math/rand/v2"
	"testing"
)

// TestX87UnmaskedDelaysToNextWait: an unmasked divide-by-zero leaves ST(0) alone, sets
// ZE and ES, and the next waiting x87 instruction raises #MF (CR0.NE=1).
func TestX87UnmaskedDelaysToNextWait(t *testing.T) {
	e := newTestEnv(t, 0)
	e.c.FCW = 0x37B // ZE unmasked
	// fld1; fldz; fdivp st1, st0 (1/0); fld1 (waits: #MF)
	e.code(0xD9, 0xE8, 0xD9, 0xEE, 0xDE, 0xF9, 0xD9, 0xE8, 0xF4)
	e.run(3)
	if e.c.FSW&(fswZE|fswES) != fswZE|fswES {
		t.Fatalf("FSW %#x after 1/0 with ZE unmasked", e.c.FSW)
	}
	if st := e.c.st(0); st != (f80{}) || e.c.st(1) != f80One {
		t.Fatalf("ST0 %+v ST1 %+v: the division must not complete", st, e.c.st(1))
	}
	e.run(10)
	if e.vector() != VecMF {
		t.Fatalf("vector %d, want #MF", e.vector())
	}
}

// TestX87StackFaults: a load onto a full stack and an operation on an empty register
// set IE and SF, with C1 telling overflow (1) from underflow (0); masked, the result is
// the real indefinite.
func TestX87StackFaults(t *testing.T) {
	e := newTestEnv(t, 0)
	code := []byte{}
	for i := 0; i < 9; i++ {
		code = append(code, 0xD9, 0xE8) // fld1 x9: the ninth overflows
	}
	e.code(append(code, 0xF4)...)
	e.mustHalt(20)
	if e.c.FSW&(fswIE|fswSF|fswC1) != fswIE|fswSF|fswC1 || e.c.st(0) != f80Indefinite {
		t.Fatalf("overflow: FSW %#x ST0 %+v", e.c.FSW, e.c.st(0))
	}
	e = newTestEnv(t, 0)
	e.code(0xD8, 0xC1, 0xF4) // fadd st0, st1 on an empty stack
	e.mustHalt(10)
	if e.c.FSW&(fswIE|fswSF|fswC1) != fswIE|fswSF || e.c.st(0) != f80Indefinite {
		t.Fatalf("underflow: FSW %#x ST0 %+v", e.c.FSW, e.c.st(0))
	}
}

// TestX87PrecisionControl: 1/3 rounds to 24, 53 and 64 significant bits.
func TestX87PrecisionControl(t *testing.T) {
	for _, c := range []struct {
		fcw uint16
		man uint64
	}{{0x07F, 0xAAAAAB0000000000}, {0x27F, 0xAAAAAAAAAAAAA800}, {0x37F, 0xAAAAAAAAAAAAAAAB}, {0xF7F, 0xAAAAAAAAAAAAAAAA}} {
		var cpu CPU
		cpu.FCW = c.fcw
		r, fl, _ := cpu.x87Arith(opDiv, f80One, f80{man: 3 << 62, se: 0x4000}, false)
		if r.man != c.man || r.se != 0x3FFD || fl != fswPE {
			t.Errorf("FCW %#x: 1/3 = %#x:%#x flags %#x, want %#x", c.fcw, r.se, r.man, fl, c.man)
		}
	}
}

// TestX87AnyOperand runs every x87 computing instruction over random register stacks
// (any tags and TOP, unnormals, pseudo-denormals, pseudo-infinities and NaNs, extreme
// exponents) and random control words (masked and unmasked exceptions, every precision
// and rounding control), and random packed BCD: nothing may panic, and every run must
// end at the HLT or in #MF.
func TestX87AnyOperand(t *testing.T) {
	ops := [][]byte{
		{0xD9, 0xFE}, {0xD9, 0xFF}, {0xD9, 0xFB}, {0xD9, 0xF2}, {0xD9, 0xF3}, {0xD9, 0xF0},
		{0xD9, 0xF1}, {0xD9, 0xF9}, {0xD9, 0xFD}, {0xD9, 0xF4}, {0xD9, 0xF8}, {0xD9, 0xF5},
		{0xD9, 0xFC}, {0xD9, 0xFA}, {0xD9, 0xDA}, {0xDB, 0xE0}, {0xDE, 0xD1}, {0xDD, 0xC9},
		{0xDF, 0x24, 0x25, 0x00, 0x00, 0x20, 0x00}, // fbld [0x200000]
		{0xDF, 0x34, 0x25, 0x00, 0x00, 0x20, 0x00}, // fbstp [0x200000]
	}
	r := rand.New(rand.NewPCG(3, 4))
	word := func() uint64 {
		switch r.IntN(4) {
		case 0:
			return 0
		case 1:
			return ^uint64(0)
		}
		return r.Uint64()
	}
	e := newTestEnv(t, 0)
	base := e.c.Snapshot()
	n := 600
	if testing.Short() {
		n = 100
	}
	for i := 0; i < n; i++ {
		for _, op := range ops {
			s := base
			s.FCW = uint16(r.Uint64())&0x1F3F | 0x40
			s.FSW = uint16(r.IntN(8)) << 11
			s.FTW = uint8(r.Uint64())
			for k := range s.FPR {
				se := uint64(r.IntN(0x10000))
				switch r.IntN(4) {
				case 0:
					se = se&0x8000 | 0x7FFF
				case 1:
					se &= 0x8000
				}
				s.FPR[k] = [2]uint64{word(), se}
			}
			e.c.Restore(s)
			e.poke64(tData, word())
			e.poke64(tData+8, word())
			e.code(append(append([]byte{}, op...), 0xF4)...)
			ex := e.run(10)
			if ex.Reason != ExitHalt && ex.Reason != ExitDeadHalt {
				t.Fatalf("% x: exit %v (%s)", op, ex.Reason, ex.Diag)
			}
			if v := e.vector(); v >= 0 && v != VecMF {
				t.Fatalf("% x: vector %d", op, v)
			}
		}
	}
}
