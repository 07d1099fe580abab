package cpu

// More x87 instructions: FCMOVcc, FFREEP and the constant loads FLDPI, FLDL2E, FLDL2T,
// FLDLG2 and FLDLN2 (rounded from 128-bit values by the rounding control).

import "math/big"

func init() {
	reg := func(name string, fn handler) {
		register(name, func(u *uop, d *decodeInfo) bool {
			if u.lock {
				return false
			}
			u.fn = fn
			return true
		})
	}
	for name, cc := range map[string]uint8{"FCMOVB": 2, "FCMOVNB": 3, "FCMOVE": 4, "FCMOVNE": 5,
		"FCMOVBE": 6, "FCMOVNBE": 7, "FCMOVU": 10, "FCMOVNU": 11} {
		reg(name, x87WrapKeepC1(fcmov(cc))) // C1 changes only on a stack underflow
	}
	reg("FFREEP", x87Wrap(func(c *CPU, u *uop) *Fault {
		c.stTag(int(u.r[0]), false)
		c.x87Pop()
		return nil
	}))
	// The constants as 128-bit significands (the value is hi:lo * 2^(exp-127)).
	for name, k := range map[string]struct {
		hi, lo uint64
		exp    int
	}{
		"FLDPI":  {0xC90FDAA22168C234, 0xC4C6628B80DC1CD1, 1},
		"FLDL2E": {0xB8AA3B295C17F0BB, 0xBE87FED0691D3E88, 0},
		"FLDL2T": {0xD49A784BCD1B8AFE, 0x492BF6FF4DAFDB4C, 1},
		"FLDLG2": {0x9A209A84FBCFF798, 0x8F8959AC0B7C9178, -2},
		"FLDLN2": {0xB17217F7D1CF79AB, 0xC9E3B39803F2F6AF, -1},
	} {
		k := k
		reg(name, x87Wrap(func(c *CPU, u *uop) *Fault {
			v := new(big.Float).SetPrec(128).SetUint64(k.hi)
			v.SetMantExp(v, 64)
			v.Add(v, new(big.Float).SetPrec(128).SetUint64(k.lo))
			v.SetMantExp(v, k.exp-127)
			r, _ := roundOp(func(z *big.Float) { z.Set(v) }, fmtExtended, 64, c.roundMode(), true, true)
			c.x87Load(f80FromRounded(r), 0)
			return nil
		}))
	}
}

// fcmov is FCMOVcc ST(0), ST(i): ST(0) = ST(i) when the condition holds.
func fcmov(cc uint8) handler {
	return func(c *CPU, u *uop) *Fault {
		i := int(u.r[u.nargs-1])
		if c.stEmpty(0) || c.stEmpty(i) {
			if c.stackUnderflow() {
				return nil
			}
			c.setST(0, f80Indefinite)
			return nil
		}
		if c.cond(cc) {
			c.setST(0, c.st(i))
		}
		return nil
	}
}
