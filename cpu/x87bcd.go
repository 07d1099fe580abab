package cpu

// x87 FBLD and FBSTP: the 80-bit packed BCD integer format (SDM Vol. 1 §4.7): bytes 0-8
// hold 18 decimal digits, two per byte, least significant first; bit 7 of byte 9 is
// the sign, its other bits are ignored on load and zero on store.

import "math/big"

func init() {
	reg := func(name string, fn handler) {
		register(name, func(u *uop, d *decodeInfo) bool {
			if u.lock || u.kind[0] != kMem {
				return false
			}
			u.sz[0] = 10 // x86asm reports no size for m80bcd
			u.fn = x87Wrap(fn)
			return true
		})
	}
	reg("FBLD", fbld)
	reg("FBSTP", fbstp)
}

// fbld is FBLD m80bcd: pushes the integer. A digit above 9 is not a valid encoding;
// its value is taken as is (nibble * 10^position), as the reference hosts compute it.
func fbld(c *CPU, u *uop) *Fault {
	addr := c.ea(u)
	lo, f := c.read(addr, 8)
	if f != nil {
		return f
	}
	hi, f := c.read(addr+8, 2)
	if f != nil {
		return f
	}
	var v uint64
	digits := [2]uint64{lo, hi & 0xFF}
	for i := 17; i >= 0; i-- {
		nib := digits[i/16] >> (4 * uint(i%16)) & 0xF
		v = v*10 + nib
	}
	r := f80FromInt(0)
	if v != 0 {
		r = f80FromUint(v)
	}
	if hi&0x8000 != 0 {
		r.se |= 0x8000
	}
	c.x87Load(r, 0)
	return nil
}

// f80FromUint converts a non-zero unsigned integer exactly.
func f80FromUint(u uint64) f80 {
	e := 16383 + 63
	for u>>63 == 0 {
		u <<= 1
		e--
	}
	return f80{man: u, se: uint16(e)}
}

// bcdIndefinite is the packed BCD indefinite FBSTP stores for an invalid operand:
// bytes 9-7 FF FF C0, the rest zero.
var bcdIndefinite = [2]uint64{0xC000000000000000, 0xFFFF}

// fbstp is FBSTP m80bcd: ST(0) rounded to an integer by the rounding control, stored as
// packed BCD, then popped. A NaN, an infinity or a magnitude of 10^18 or more is
// invalid (IE; masked, the BCD indefinite is stored).
func fbstp(c *CPU, u *uop) *Fault {
	var out [2]uint64
	var fl uint16
	c1 := false
	if c.stEmpty(0) {
		if c.stackUnderflow() {
			return nil
		}
		out = bcdIndefinite
	} else {
		v := c.st(0)
		switch v.class() {
		case fcZero:
			if v.sign() {
				out[1] = 0x8000
			}
		case fcInf, fcQNaN, fcSNaN, fcUnsupported:
			out, fl = bcdIndefinite, fswIE
		default:
			x := v.toBig() // a denormal is no DE here (as on the reference hosts)
			i, exact := roundToInt(x, c.roundMode())
			lim := new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)
			if new(big.Int).Abs(i).Cmp(lim) >= 0 {
				out, fl = bcdIndefinite, fl|fswIE
				break
			}
			if !exact {
				fl |= fswPE
				c1 = new(big.Float).Abs(new(big.Float).SetInt(i)).Cmp(new(big.Float).Abs(x)) > 0
			}
			n := new(big.Int).Abs(i).Uint64()
			for d := 0; d < 18; d++ {
				out[d/16] |= (n % 10) << (4 * uint(d%16))
				n /= 10
			}
			if v.sign() {
				out[1] |= 0x8000
			}
		}
		if fl&^c.FCW&fswIE != 0 {
			c.x87Except(fswIE)
			return nil
		}
	}
	addr := c.ea(u)
	if f := c.probeWrite(addr, 10); f != nil {
		return f
	}
	if f := c.write(addr, 8, out[0]); f != nil {
		return f
	}
	if f := c.write(addr+8, 2, out[1]); f != nil {
		return f
	}
	c.x87Except(fl)
	c.setC1(c1)
	c.x87Pop()
	return nil
}
