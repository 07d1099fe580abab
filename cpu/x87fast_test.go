package cpu

import (
	"math/big"
	"math/bits"
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

// x87ConvOperand is a value for the conversions: a normal one whose exponent is near
// the ends of the single and double ranges, near the integer sizes' limits or
// anywhere, with a significand at the corners of rounding, or a zero or a denormal.
func x87ConvOperand(r *rand.Rand) f80 {
	v := x87FastOperand(r, 16383)
	ends := []int{-126, 127, -1022, 1023, -1, 0, 14, 15, 30, 31, 62, 63, -64, -66}
	switch r.IntN(8) {
	case 0:
		v.se = v.se&0x8000 | uint16(16383+ends[r.IntN(len(ends))]+r.IntN(5)-2)
	case 1:
		v.se = v.se&0x8000 | uint16(16383+r.IntN(140)-70)
	case 2:
		v.man, v.se = 0, v.se&0x8000
	case 3:
		v.man, v.se = r.Uint64()>>uint(r.IntN(64)), v.se&0x8000
	case 4:
		// A significand that rounds at the 24th, 53rd or an integer's last bit.
		v.se = v.se&0x8000 | uint16(16383+r.IntN(64))
		k := uint(1 + r.IntN(63))
		v.man = 1<<63 | (r.Uint64()>>k)<<k | uint64(r.IntN(2))<<(k-1)
	}
	return v
}

// TestX87ConvertFastMatchesBig compares the conversions of FST m32fp/m64fp, FIST and
// FISTTP and the comparison without math/big (f80ToFloat, f80ToInt, x87Order) with the
// general path, under every rounding control: the same result, flags and C1.
func TestX87ConvertFastMatchesBig(t *testing.T) {
	n := 200000
	if testing.Short() {
		n = 50000
	}
	r := rand.New(rand.NewPCG(3, 4))
	c := New(Config{})
	defer func() { x87Fast = true }()
	answered := 0
	for i := 0; i < n; i++ {
		v := x87ConvOperand(r)
		c.FCW = 0x037F | uint16(r.IntN(4))<<10
		rc := c.FCW >> 10 & 3
		bits := []int{32, 64}[r.IntN(2)]
		x87Fast = false
		wout, wfl, wc1 := c.floatFromF80(v, bits)
		x87Fast = true
		if out, pe, c1, ok := f80ToFloat(v, bits, rc); ok {
			answered++
			gfl := uint16(0)
			if pe {
				gfl = fswPE
			}
			if out != wout || gfl != wfl || c1 != wc1 {
				t.Fatalf("f%d rc %d of %#x:%#x: fast %#x fl %#x c1 %v, big %#x fl %#x c1 %v",
					bits, rc, v.se, v.man, out, gfl, c1, wout, wfl, wc1)
			}
		}
		size := []int{2, 4, 8}[r.IntN(3)]
		trunc := r.IntN(4) == 0
		x87Fast = false
		wi, wfl, wc1 := c.intFromF80(v, size, trunc)
		x87Fast = true
		irc := rc
		if trunc {
			irc = 3
		}
		if out, pe, c1, ok := f80ToInt(v, size, irc); ok {
			answered++
			gfl := uint16(0)
			if pe {
				gfl = fswPE
			}
			if out != wi || gfl != wfl || c1 != wc1 {
				t.Fatalf("int%d rc %d of %#x:%#x: fast %#x fl %#x c1 %v, big %#x fl %#x c1 %v",
					size*8, irc, v.se, v.man, out, gfl, c1, wi, wfl, wc1)
			}
		} else if wfl&fswIE == 0 && v.class() != fcDenormal && v.exp()-16383 < 63 {
			t.Fatalf("int%d rc %d of %#x:%#x in range (%#x) but not converted", size*8, irc, v.se, v.man, wi)
		}
		w := x87ConvOperand(r)
		if r.IntN(4) == 0 {
			w = v
			w.se ^= uint16(r.IntN(2)) << 15
		}
		x87Fast = false
		wres, wfl2 := x87Compare(v, w, true)
		x87Fast = true
		if res, fl := x87Compare(v, w, true); res != wres || fl != wfl2 {
			t.Fatalf("compare %#x:%#x with %#x:%#x: fast %d fl %#x, big %d fl %#x", v.se, v.man, w.se, w.man, res, fl, wres, wfl2)
		}
	}
	if answered < n/2 {
		t.Fatalf("the fast conversions answered %d of %d", answered, 2*n)
	}
}

// TestX87FastSqrtCorners compares the fast square root with the general path where its
// float64 estimate alone cannot decide the rounding: exact squares (k*k), integers next
// to them (k*k +- 1), those next to the halves between roots (k*k + k, whose root is
// just below k + 1/2, and k*k + k + 1, just above), and significands of all ones or a
// single bit, each at an even and an odd exponent; the fast path must answer them all.
func TestX87FastSqrtCorners(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	check := func(m uint64, e int) {
		t.Helper()
		if m == 0 {
			return
		}
		n := bits.LeadingZeros64(m)
		a := f80{man: m << uint(n), se: uint16(16383 + 63 - n + e)}
		got, gfl, gc1, ok := x87FastSqrt(a)
		if !ok {
			t.Fatalf("sqrt %#x:%#x: the fast path did not answer", a.se, a.man)
		}
		rr, rf := roundOp(sqrtOp(a.toBig()), fmtExtended, 64, big.ToNearestEven, true, true)
		want, wfl, wc1 := f80FromRounded(rr), rf&^fswUE, rr.c1
		if got != want || gfl != wfl || gc1 != wc1 {
			t.Fatalf("sqrt %#x:%#x: fast %#x:%#x fl %#x c1 %v, big %#x:%#x fl %#x c1 %v",
				a.se, a.man, got.se, got.man, gfl, gc1, want.se, want.man, wfl, wc1)
		}
	}
	n := 100000
	if testing.Short() {
		n = 20000
	}
	for i := 0; i < n; i++ {
		// k up to 2^32-1 (k*k + k + 1 fits in 64 bits), of any length.
		k := r.Uint64() >> uint(32+r.IntN(32))
		e := r.IntN(200) - 100
		for _, m := range []uint64{k * k, k*k - 1, k*k + 1, k*k + k, k*k + k + 1} {
			check(m, e)
			check(m, e+1)
		}
		check(^uint64(0)-uint64(r.IntN(8)), e)
		check(1<<uint(r.IntN(64)), e)
		// Roots just below an integer: sqrt(2^126 + j*2^64) = 2^63 + j - j^2*2^-64...
		j := uint64(r.IntN(1 << uint(r.IntN(20))))
		check(1<<63|j, 2*e+1)
		check(1<<63|j, 2*e)
	}
}

// x87SqrtExact is the square root of a positive normal v rounded to nearest at 64
// bits, from integers alone: q = floor(sqrt(N)) by bisection, and the remainder
// N - q*q against q for the round bit.
func x87SqrtExact(v f80) (r f80, fl uint16, c1 bool) {
	e := v.exp() - 16383
	m := v.man
	nh, nl := m>>1, m<<63
	if e&1 != 0 {
		nh, nl = m, 0
	}
	lo, hi := uint64(1<<63), ^uint64(0)
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		if h, l := bits.Mul64(mid, mid); h < nh || h == nh && l <= nl {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	h, l := bits.Mul64(lo, lo)
	rl, b := bits.Sub64(nl, l, 0)
	rh, _ := bits.Sub64(nh, h, b)
	var rem uint64
	if rh != 0 || rl != 0 {
		rem = 1
		if rh != 0 || rl > lo {
			rem = 1<<63 | 1
		}
	}
	r, pe, c1, _ := x87Pack(false, e>>1, lo, rem)
	if pe {
		fl = fswPE
	}
	return r, fl, c1
}

// TestX87FastSqrtExact compares the fast square root with x87SqrtExact on significands
// where its float64 residual is exact or nearly so: those of doubles (the low 11 bits
// clear), exact squares and their neighbours, the halves between roots, and runs of
// ones and zeros, at even and odd exponents; it must answer every one.
func TestX87FastSqrtExact(t *testing.T) {
	n := 400000
	if testing.Short() {
		n = 100000
	}
	r := rand.New(rand.NewPCG(9, 10))
	for i := 0; i < n; i++ {
		var m uint64
		k := r.Uint64() >> uint(32+r.IntN(32))
		switch r.IntN(7) {
		case 0:
			m = k*k + uint64(r.IntN(5)) - 2
		case 1:
			m = r.Uint64() &^ 0x7FF
		case 2:
			m = k*k + k + uint64(r.IntN(3)) - 1
		case 3:
			m = (k * k) << uint(r.IntN(12))
		case 4:
			m = 1<<63 | uint64(r.IntN(1<<uint(r.IntN(30))))
		case 5:
			m = ^uint64(0) - uint64(r.IntN(1<<uint(r.IntN(30))))
		default:
			m = r.Uint64() >> uint(r.IntN(64))
		}
		if m == 0 {
			continue
		}
		z := bits.LeadingZeros64(m)
		a := f80{man: m << uint(z), se: uint16(16383 + 63 - z + r.IntN(400) - 200)}
		got, gfl, gc1, ok := x87FastSqrt(a)
		if !ok {
			t.Fatalf("sqrt %#x:%#x: the fast path did not answer", a.se, a.man)
		}
		want, wfl, wc1 := x87SqrtExact(a)
		if got != want || gfl != wfl || gc1 != wc1 {
			t.Fatalf("sqrt %#x:%#x: fast %#x:%#x fl %#x c1 %v, exact %#x:%#x fl %#x c1 %v",
				a.se, a.man, got.se, got.man, gfl, gc1, want.se, want.man, wfl, wc1)
		}
	}
}
