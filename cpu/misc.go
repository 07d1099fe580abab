package cpu

// Odds and ends of the integer set: XLAT, MOVBE, and the prefetch hints (no cache model,
// so they only decode). NOP, PAUSE and UD0/UD1/UD2 are registered in movs.go and system.go;
// LOCK validity is checked by the decoder (decode.go, table "lockable").

import "math/bits"

func init() {
	register("XLATB", func(u *uop, d *decodeInfo) bool {
		u.seg = srcSegment(d.bytes, d.mode)
		u.fn = xlat
		return true
	})
	for _, n := range []string{"PREFETCHNTA", "PREFETCHT0", "PREFETCHT1", "PREFETCHT2", "PREFETCHW"} {
		register(n, func(u *uop, d *decodeInfo) bool {
			u.fn = handleNOP
			return u.kind[0] == kMem
		})
	}
	register("MOVBE", sized(xlateMOVBE))
}

// xlat is XLAT: AL = [seg:RBX + AL] (EBX with 32-bit addressing).
func xlat(c *CPU, u *uop) *Fault {
	off := (c.GPR[RBX] + c.GPR[RAX]&0xFF) & sizeMask[u.asize]
	v, f := c.read(c.linear(u.seg, off), 1)
	if f != nil {
		return f
	}
	c.setReg(RAX, 1, v)
	return nil
}

func xlateMOVBE(u *uop, d *decodeInfo) bool {
	switch {
	case u.kind[0] == kReg && u.kind[1] == kMem:
		u.fn = movbeRM
	case u.kind[0] == kMem && u.kind[1] == kReg:
		u.fn = movbeMR
	}
	return u.fn != nil
}

// byteSwap reverses the low size bytes of v.
func byteSwap(v uint64, size uint8) uint64 {
	switch size {
	case 2:
		return uint64(bits.ReverseBytes16(uint16(v)))
	case 4:
		return uint64(bits.ReverseBytes32(uint32(v)))
	}
	return bits.ReverseBytes64(v)
}

// movbeRM is MOVBE r, m.
func movbeRM(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	v, f := c.read(c.ea(u), s)
	if f != nil {
		return f
	}
	c.setReg(u.r[0], s, byteSwap(v, s))
	return nil
}

// movbeMR is MOVBE m, r.
func movbeMR(c *CPU, u *uop) *Fault {
	s := u.sz[1]
	return c.write(c.ea(u), s, byteSwap(c.reg(u.r[1], s), s))
}
