package cpu

// Elementary functions for the x87 transcendental instructions, on math/big at a working
// precision far above the 64-bit significand, so one final rounding gives the correctly
// rounded extended result in nearly every case. Each function returns its approximation
// and, where the series stops at a leading term that may itself be a representable
// value (tiny arguments), the direction of the true value from it, so the final rounding
// still sees an inexact result on the right side.

import (
	"math/big"
	"sync"
)

// transPrec is the working precision of the transcendental functions.
const transPrec = 192

// constPrec is the precision of the cached constants.
const constPrec = 640

var mathConsts struct {
	once      sync.Once
	pi, ln2   *big.Float
	piHalfR66 *big.Float // pi66/2, the reduction constant of FSIN, FCOS, FSINCOS and FPTAN
}

func newF(prec uint) *big.Float { return new(big.Float).SetPrec(prec) }

// small reports whether term is negligible beside sum at precision prec.
func small(term, sum *big.Float, prec uint) bool {
	return term.Sign() == 0 || sum.Sign() != 0 && sum.MantExp(nil)-term.MantExp(nil) > int(prec)+8
}

// atanSeries is atan(t) = t - t^3/3 + t^5/5 - ..., for |t| well below 1, and the sign of
// the first term left out (the side of the sum the true value lies on).
func atanSeries(t *big.Float, prec uint) (*big.Float, int) {
	t2 := newF(prec).Mul(t, t)
	pow := newF(prec).Set(t)
	sum := newF(prec).Set(t)
	q := newF(prec)
	for k := int64(1); ; k++ {
		pow.Mul(pow, t2)
		pow.Neg(pow)
		q.Quo(pow, newF(prec).SetInt64(2*k+1))
		if small(q, sum, prec) {
			return sum, q.Sign()
		}
		sum.Add(sum, q)
	}
}

// atanhSeries is atanh(s) = s + s^3/3 + s^5/5 + ..., for |s| well below 1.
func atanhSeries(s *big.Float, prec uint) *big.Float {
	s2 := newF(prec).Mul(s, s)
	pow := newF(prec).Set(s)
	sum := newF(prec).Set(s)
	q := newF(prec)
	for k := int64(1); ; k++ {
		pow.Mul(pow, s2)
		q.Quo(pow, newF(prec).SetInt64(2*k+1))
		if small(q, sum, prec) {
			return sum
		}
		sum.Add(sum, q)
	}
}

func initMathConsts() {
	mathConsts.once.Do(func() {
		p := uint(constPrec + 32)
		inv := func(n int64) *big.Float { return newF(p).Quo(newF(p).SetInt64(1), newF(p).SetInt64(n)) }
		// Machin: pi = 16 atan(1/5) - 4 atan(1/239).
		a, _ := atanSeries(inv(5), p)
		b, _ := atanSeries(inv(239), p)
		pi := newF(p).Sub(newF(p).Mul(a, newF(p).SetInt64(16)), newF(p).Mul(b, newF(p).SetInt64(4)))
		mathConsts.pi = newF(constPrec).Set(pi)
		// ln 2 = 2 atanh(1/3).
		l := atanhSeries(inv(3), p)
		mathConsts.ln2 = newF(constPrec).Mul(l, newF(p).SetInt64(2))
		// The hardware reduces by a 66-bit pi: C90FDAA22168C234C (hex) * 2^-64, the true
		// value rounded to 66 bits (the reference hosts' FSIN of the extended-precision pi
		// returns -2^-64, the difference of the two).
		m := new(big.Int).Lsh(new(big.Int).SetUint64(0xC90FDAA22168C234), 2)
		m.Or(m, big.NewInt(3))
		h := newF(80).SetInt(m)
		mathConsts.piHalfR66 = h.SetMantExp(h, -65)
	})
}

func constPi() *big.Float  { initMathConsts(); return mathConsts.pi }
func constLn2() *big.Float { initMathConsts(); return mathConsts.ln2 }

// sinCosSeries returns sin r and cos r for |r| <= pi/4 by their Taylor series, and the
// direction hints of each: the signs of the first terms left out.
func sinCosSeries(r *big.Float, prec uint) (s, c *big.Float, ds, dc int) {
	if r.Sign() == 0 {
		return newF(prec), newF(prec).SetInt64(1), 0, 0
	}
	if r.MantExp(nil) < -int(prec)/2-4 {
		// sin r = r - r^3/6 (smaller in magnitude), cos r = 1 - r^2/2 (below 1).
		return newF(prec).Set(r), newF(prec).SetInt64(1), -r.Sign(), -1
	}
	r2 := newF(prec).Mul(r, r)
	s = newF(prec).Set(r)
	term := newF(prec).Set(r)
	for n := int64(1); ; n++ {
		term.Mul(term, r2)
		term.Quo(term, newF(prec).SetInt64(-(2*n)*(2*n+1)))
		if small(term, s, prec) {
			ds = term.Sign()
			break
		}
		s.Add(s, term)
	}
	c = newF(prec).SetInt64(1)
	term.SetInt64(1)
	for n := int64(1); ; n++ {
		term.Mul(term, r2)
		term.Quo(term, newF(prec).SetInt64(-(2*n-1)*(2*n)))
		if small(term, c, prec) {
			dc = term.Sign()
			break
		}
		c.Add(c, term)
	}
	return s, c, ds, dc
}

// reduce66 writes x = k*(pi66/2) + r with k the nearest integer to x/(pi66/2), exactly,
// and returns r and k mod 4 (|x| < 2^63).
func reduce66(x *big.Float) (*big.Float, int) {
	initMathConsts()
	h := mathConsts.piHalfR66
	if new(big.Float).Abs(x).Cmp(newF(80).Quo(h, big.NewFloat(2))) <= 0 {
		return x, 0
	}
	q := newF(transPrec).Quo(x, h)
	k, _ := roundToInt(q, big.ToNearestEven)
	kh := newF(256).SetInt(k)
	kh.Mul(kh, h)
	r := newF(256).Sub(x, kh)
	return r, int(new(big.Int).And(k, big.NewInt(3)).Int64())
}

// sinCos66 returns sin x and cos x with the x87's reduction by pi66, with their
// direction hints.
func sinCos66(x *big.Float) (s, c *big.Float, ds, dc int) {
	r, q := reduce66(x)
	s, c, ds, dc = sinCosSeries(r, transPrec)
	switch q {
	case 1: // sin(r + pi/2) = cos r, cos(r + pi/2) = -sin r
		s, c, ds, dc = c, s.Neg(s), dc, -ds
	case 2:
		s, c, ds, dc = s.Neg(s), c.Neg(c), -ds, -dc
	case 3: // sin(r - pi/2) = -cos r, cos(r - pi/2) = sin r
		s, c, ds, dc = c.Neg(c), s, -dc, ds
	}
	return s, c, ds, dc
}

// tan66 is tan x with the reduction by pi66, with its direction hint (tan r and -cot r
// both lie above their leading terms r and -1/r for r > 0, below them for r < 0).
func tan66(x *big.Float) (*big.Float, int) {
	r, q := reduce66(x)
	if r.Sign() != 0 && r.MantExp(nil) < -transPrec/2-4 {
		// tan r = r + r^3/3 (larger in magnitude); -cot r = -1/r + r/3.
		if q&1 == 0 {
			return newF(transPrec).Set(r), r.Sign()
		}
		v := newF(transPrec).Quo(big.NewFloat(-1), r)
		return v, r.Sign()
	}
	s, c, _, _ := sinCosSeries(r, transPrec+16)
	if q&1 == 1 {
		return newF(transPrec).Quo(c.Neg(c), s), r.Sign()
	}
	return newF(transPrec).Quo(s, c), r.Sign()
}

// atanBig is atan t for any finite t, with its direction hint.
func atanBig(t *big.Float) (*big.Float, int) {
	prec := uint(transPrec + 16)
	if t.Sign() == 0 {
		return newF(prec), 0
	}
	if t.MantExp(nil) < -60 {
		return atanSeries(t, prec)
	}
	a := newF(prec).Abs(t)
	inv := a.Cmp(big.NewFloat(1)) > 0
	if inv {
		a.Quo(big.NewFloat(1), a)
	}
	// atan a = 2 atan(a / (1 + sqrt(1 + a^2))), three times: |a| <= tan(pi/32).
	for i := 0; i < 3; i++ {
		d := newF(prec).Mul(a, a)
		d.Add(d, big.NewFloat(1))
		d.Sqrt(d)
		d.Add(d, big.NewFloat(1))
		a.Quo(a, d)
	}
	v, _ := atanSeries(a, prec)
	v.SetMantExp(v, 3)
	if inv {
		v.Sub(newF(prec).Quo(constPi(), big.NewFloat(2)), v)
	}
	if t.Sign() < 0 {
		v.Neg(v)
	}
	return v, 0
}

// atan2Big is the angle of the point (x, y) for finite non-zero x and y: atan(y/x) moved
// into the quadrant of (x, y).
func atan2Big(y, x *big.Float) (*big.Float, int) {
	prec := uint(transPrec + 16)
	ay, ax := newF(prec).Abs(y), newF(prec).Abs(x)
	var v *big.Float
	d := 0
	if ay.Cmp(ax) <= 0 {
		v, d = atanBig(newF(prec).Quo(ay, ax))
	} else {
		v, _ = atanBig(newF(prec).Quo(ax, ay))
		v.Sub(newF(prec).Quo(constPi(), big.NewFloat(2)), v)
	}
	if x.Sign() < 0 {
		v.Sub(constPi(), v)
		d = -d
	}
	if y.Sign() < 0 {
		v.Neg(v)
		d = -d
	}
	return v, d
}

// expm1Big is e^z - 1 for |z| up to a few units, relative accurate for tiny z: the series
// of a halved argument, then e(2z) - 1 = u (u + 2) with u = e(z) - 1.
func expm1Big(z *big.Float) *big.Float {
	prec := uint(transPrec + 32)
	if z.Sign() == 0 {
		return newF(prec)
	}
	k := 0
	u := newF(prec).Set(z)
	if e := u.MantExp(nil); e > -12 {
		k = e + 12
		u.SetMantExp(u, -k)
	}
	sum := newF(prec).Set(u)
	term := newF(prec).Set(u)
	for n := int64(2); ; n++ {
		term.Mul(term, u)
		term.Quo(term, newF(prec).SetInt64(n))
		if small(term, sum, prec) {
			break
		}
		sum.Add(sum, term)
	}
	for ; k > 0; k-- {
		t := newF(prec).Add(sum, big.NewFloat(2))
		sum.Mul(sum, t)
	}
	return sum
}

// lnBig is ln x for finite x > 0: x = m 2^e with m in [sqrt(1/2), sqrt(2)),
// ln x = e ln 2 + 2 atanh((m - 1)/(m + 1)). It returns ln m and e separately so a
// caller can keep an exact integer part.
func lnBig(x *big.Float) (lnm *big.Float, e int) {
	prec := uint(transPrec + 32)
	m := newF(prec)
	e = x.MantExp(m) // x = m 2^e, m in [0.5, 1)
	if m.Cmp(big.NewFloat(0.70710678118654752)) < 0 {
		m.SetMantExp(m, 1)
		e--
	}
	if m.Cmp(big.NewFloat(1)) == 0 {
		return newF(prec), e
	}
	s := newF(prec).Sub(m, big.NewFloat(1))
	s.Quo(s, newF(prec).Add(m, big.NewFloat(1)))
	v := atanhSeries(s, prec)
	return v.SetMantExp(v, 1), e
}

// log1pBig is ln(1 + x) for x > -1, relative accurate for tiny x.
func log1pBig(x *big.Float) *big.Float {
	prec := uint(transPrec + 32)
	if x.Sign() == 0 {
		return newF(prec)
	}
	if new(big.Float).Abs(x).Cmp(big.NewFloat(0.25)) < 0 {
		// ln(1 + x) = 2 atanh(x / (2 + x)).
		s := newF(prec).Quo(x, newF(prec).Add(x, big.NewFloat(2)))
		v := atanhSeries(s, prec)
		return v.SetMantExp(v, 1)
	}
	// Far from zero: 1 + x is exact at a precision that spans both.
	e := x.MantExp(nil)
	if e < 0 {
		e = -e
	}
	p := prec + uint(e) + 66
	lnm, k := lnBig(newF(p).Add(x, big.NewFloat(1)))
	return lnm.Add(lnm, newF(prec).Mul(constLn2(), newF(prec).SetInt64(int64(k))))
}
