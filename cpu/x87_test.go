package cpu

import "testing"

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
