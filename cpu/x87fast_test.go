package cpu

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

// x87FastOperand is a normal extended value with a significand at the corners of
// rounding (all ones, a single bit, alternating) or random, and an exponent near
// the other operand's, far from it, or near the format's ends.
func x87FastOperand(r *rand.Rand, near int) f80 {
	var m uint64
	switch r.IntN(6) {
	case 0:
		m = ^uint64(0) - uint64(r.IntN(4))
	case 1:
		m = 1<<63 | uint64(r.IntN(4))
	case 2:
		m = 1<<63 | 0x5555555555555555>>uint(r.IntN(3))
	case 3:
		m = 1<<63 | 1<<uint(r.IntN(63))
	default:
		m = r.Uint64() | 1<<63
	}
	var e int
	switch r.IntN(5) {
	case 0:
		e = near + r.IntN(140) - 70
	case 1:
		e = near + r.IntN(5) - 2
	case 2:
		e = r.IntN(32767-2) + 1
	case 3:
		e = 1 + r.IntN(40) // near the smallest normal
	default:
		e = 32766 - r.IntN(40) // near the largest
	}
	e = min(max(e, 1), 32766)
	return f80{man: m, se: uint16(e) | uint16(r.IntN(2))<<15}
}

// TestX87FastMatchesBig compares the fast arithmetic and square root with the general
// path (math/big, correctly rounded) on a million operand pairs: the same value, flags
// and C1 whenever the fast path answers.
func TestX87FastMatchesBig(t *testing.T) {
	n := 1000000
	if testing.Short() {
		n = 200000
	}
	r := rand.New(rand.NewPCG(1, 2))
	c := New(Config{})
	c.FCW = 0x037F
	defer func() { x87Fast = true }()
	answered := 0
	for i := 0; i < n; i++ {
		a := x87FastOperand(r, 16383)
		b := x87FastOperand(r, a.exp())
		op := []int{opAdd, opSub, opMul, opDiv}[r.IntN(4)]
		got, gfl, gc1, ok := x87FastArith(op, a, b)
		if ok {
			answered++
			x87Fast = false
			want, wfl, wc1 := c.x87Arith(op, a, b, false)
			x87Fast = true
			if got != want || gfl != wfl || gc1 != wc1 {
				t.Fatalf("op %d %#x:%#x, %#x:%#x: fast %#x:%#x fl %#x c1 %v, big %#x:%#x fl %#x c1 %v",
					op, a.se, a.man, b.se, b.man, got.se, got.man, gfl, gc1, want.se, want.man, wfl, wc1)
			}
		}
		a.se &^= 0x8000
		got, gfl, gc1, ok = x87FastSqrt(a)
		if ok {
			rr, rf := roundOp(sqrtOp(a.toBig()), fmtExtended, 64, big.ToNearestEven, true, true)
			want, wfl, wc1 := f80FromRounded(rr), rf&^fswUE, rr.c1
			if got != want || gfl != wfl || gc1 != wc1 {
				t.Fatalf("sqrt %#x:%#x: fast %#x:%#x fl %#x c1 %v, big %#x:%#x fl %#x c1 %v",
					a.se, a.man, got.se, got.man, gfl, gc1, want.se, want.man, wfl, wc1)
			}
		}
	}
	if answered < n/2 {
		t.Fatalf("the fast path answered %d of %d", answered, n)
	}
}
