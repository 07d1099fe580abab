package cpu

// FNSTENV/FLDENV and FNSAVE/FRSTOR: the x87 environment (control, status and full tag
// word; the instruction and data pointers are not tracked and store as zero) and, for
// FNSAVE/FRSTOR, the eight 80-bit registers in stack order. Only the protected-mode
// layouts exist here: 28-byte environment (14 bytes with a 66h prefix), SDM Vol. 1 §8.1.10.

func init() {
	mem := func(fn handler) translator {
		return func(u *uop, d *decodeInfo) bool {
			if u.kind[0] != kMem {
				return false
			}
			u.fn = fn
			return true
		}
	}
	register("FNSTENV", mem(fnstenv))
	register("FLDENV", mem(fldenv))
	register("FNSAVE", mem(fnsave))
	register("FRSTOR", mem(frstor))
}

// fullTag expands the abridged tag word to the x87 tag word: 11 empty, and for a
// non-empty physical register 00 valid, 01 zero, 10 special (NaN, infinity, denormal,
// unsupported), from its contents.
func (c *CPU) fullTag() uint16 {
	var tw uint16
	for p := 0; p < 8; p++ {
		t := uint16(3)
		if c.FTW>>p&1 != 0 {
			r := c.FPR[p]
			exp, man := r[1]&0x7FFF, r[0]
			switch {
			case exp == 0 && man == 0:
				t = 1
			case exp == 0 || exp == 0x7FFF || man>>63 == 0:
				t = 2
			default:
				t = 0
			}
		}
		tw |= t << (2 * p)
	}
	return tw
}

// abridgedTag compresses a full tag word: a register is non-empty unless tagged 11.
func abridgedTag(tw uint16) uint8 {
	var a uint8
	for p := 0; p < 8; p++ {
		if tw>>(2*p)&3 != 3 {
			a |= 1 << p
		}
	}
	return a
}

// x87Image is an FNSAVE image (the FNSTENV one is its prefix).
type x87Image [108]byte

// putEnv writes the environment into b: 28 bytes, or 14 with a 16-bit operand size.
func (c *CPU) putEnv(b *x87Image, small bool) int {
	tw := c.fullTag()
	if small {
		b[0], b[1] = byte(c.FCW), byte(c.FCW>>8)
		b[2], b[3] = byte(c.FSW), byte(c.FSW>>8)
		b[4], b[5] = byte(tw), byte(tw>>8)
		return 14
	}
	for i, v := range [3]uint16{c.FCW, c.FSW, tw} {
		b[4*i], b[4*i+1], b[4*i+2], b[4*i+3] = byte(v), byte(v>>8), 0xFF, 0xFF
	}
	b[26], b[27] = 0xFF, 0xFF
	return 28
}

// getEnv loads FCW, FSW and the tag word from b.
func (c *CPU) getEnv(b *x87Image, small bool) int {
	step, n := 4, 28
	if small {
		step, n = 2, 14
	}
	c.FCW = (uint16(b[0])|uint16(b[1])<<8)&fcwWritable | fcwOnes
	fsw := uint16(b[step]) | uint16(b[step+1])<<8
	c.x87SetTop(int(fsw>>11) & 7)
	c.FSW = fsw
	c.FTW = abridgedTag(uint16(b[2*step]) | uint16(b[2*step+1])<<8)
	c.x87SyncES()
	c.x87StatusLoaded()
	return n
}

// storeImage writes b[:n] at addr after checking that all of it is writable.
func (c *CPU) storeImage(addr uint64, b *x87Image, n int) *Fault {
	if f := c.probeWrite(addr, uint64(n)); f != nil {
		return f
	}
	for i := 0; i < n; {
		sz := 8
		for i+sz > n {
			sz >>= 1
		}
		var v uint64
		for k := sz - 1; k >= 0; k-- {
			v = v<<8 | uint64(b[i+k])
		}
		if f := c.write(addr+uint64(i), uint8(sz), v); f != nil {
			return f
		}
		i += sz
	}
	return nil
}

// loadImage reads n bytes at addr into b.
func (c *CPU) loadImage(addr uint64, b *x87Image, n int) *Fault {
	for i := 0; i < n; {
		sz := 8
		for i+sz > n {
			sz >>= 1
		}
		v, f := c.read(addr+uint64(i), uint8(sz))
		if f != nil {
			return f
		}
		for k := 0; k < sz; k++ {
			b[i+k] = byte(v >> (8 * k))
		}
		i += sz
	}
	return nil
}

// fnstenv is FNSTENV m14/28byte; afterwards every x87 exception is masked.
func fnstenv(c *CPU, u *uop) *Fault {
	if f := c.fpuCheck(); f != nil {
		return f
	}
	var b x87Image
	n := c.putEnv(&b, u.osize == 2)
	if f := c.storeImage(c.ea(u), &b, n); f != nil {
		return f
	}
	c.FCW |= 0x3F
	c.x87SyncES() // nothing is pending any more (host: FSW 8081h becomes 0001h)
	return nil
}

// fldenv is FLDENV m14/28byte.
func fldenv(c *CPU, u *uop) *Fault {
	if f := c.fpuCheck(); f != nil {
		return f
	}
	if f := c.x87Pending(); f != nil {
		return f
	}
	small := u.osize == 2
	n := 28
	if small {
		n = 14
	}
	var b x87Image
	if f := c.loadImage(c.ea(u), &b, n); f != nil {
		return f
	}
	c.getEnv(&b, small)
	return nil
}

// fnsave is FNSAVE m94/108byte: the environment and ST(0)-ST(7), then FNINIT.
func fnsave(c *CPU, u *uop) *Fault {
	if f := c.fpuCheck(); f != nil {
		return f
	}
	var b x87Image
	n := c.putEnv(&b, u.osize == 2)
	for i := 0; i < 8; i++ {
		r := c.ST(i)
		for k := 0; k < 8; k++ {
			b[n+10*i+k] = byte(r[0] >> (8 * k))
		}
		b[n+10*i+8], b[n+10*i+9] = byte(r[1]), byte(r[1]>>8)
	}
	if f := c.storeImage(c.ea(u), &b, n+80); f != nil {
		return f
	}
	c.x87SetTop(0)
	c.FCW, c.FSW, c.FTW = fcwDefault, 0, 0
	return nil
}

// frstor is FRSTOR m94/108byte.
func frstor(c *CPU, u *uop) *Fault {
	if f := c.fpuCheck(); f != nil {
		return f
	}
	if f := c.x87Pending(); f != nil {
		return f
	}
	small := u.osize == 2
	n := 28
	if small {
		n = 14
	}
	var b x87Image
	if f := c.loadImage(c.ea(u), &b, n+80); f != nil {
		return f
	}
	c.getEnv(&b, small)
	for i := 0; i < 8; i++ {
		var m uint64
		for k := 7; k >= 0; k-- {
			m = m<<8 | uint64(b[n+10*i+k])
		}
		*c.ST(i) = [2]uint64{m, uint64(b[n+10*i+8]) | uint64(b[n+10*i+9])<<8}
	}
	return nil
}
