package cpu

// NEG and NOT (group-3 unary arithmetic), and the flag helpers the integer group files
// share. ADD/ADC/SUB/SBB/CMP/AND/OR/XOR/TEST/INC/DEC live in basicalu.go.

func init() {
	register("NEG", sized(xlateUnary))
	register("NOT", sized(xlateUnary))
}

// setFlagsCO records lazy flags with ZF/SF/PF taken from res and CF/OF/AF given
// explicitly: the carry vector is built so that flags.go derives exactly these values
// (CF = cv[msb], OF = cv[msb]^cv[msb-1], AF = cv[3]; msb-1 > 3 for every size).
func (c *CPU) setFlagsCO(res uint64, size uint8, cf, of, af bool) {
	msb := size*8 - 1
	cv := b2u(cf)<<msb | b2u(cf != of)<<(msb-1) | b2u(af)<<3
	c.lf = lazyFlags{res: res, cv: cv, msb: msb, kind: lfArith}
}

// saveFlags captures the flags state so a read-modify-write handler can undo its flag
// update when the final memory write faults.
func (c *CPU) saveFlags() (lazyFlags, uint64) { return c.lf, c.RFLAGS }

func (c *CPU) restoreFlags(lf lazyFlags, fl uint64) { c.lf, c.RFLAGS = lf, fl }

// gprSizes reports whether every register or memory argument of u has an integer
// operand size (1, 2, 4 or 8 bytes), so handlers may index sizeMask with it.
func gprSizes(u *uop) bool {
	for i := uint8(0); i < u.nargs && i < 3; i++ {
		if k := u.kind[i]; k == kReg || k == kMem {
			switch u.sz[i] {
			case 1, 2, 4, 8:
			default:
				return false
			}
		}
	}
	return true
}

// sized wraps a translator of general-register instructions with the gprSizes check.
func sized(t translator) translator {
	return func(u *uop, d *decodeInfo) bool { return t(u, d) && gprSizes(u) }
}

// signExt sign-extends the low size bytes of v to 64 bits.
func signExt(v uint64, size uint8) uint64 {
	switch size {
	case 1:
		return uint64(int64(int8(v)))
	case 2:
		return uint64(int64(int16(v)))
	case 4:
		return uint64(int64(int32(v)))
	}
	return v
}

func xlateUnary(u *uop, d *decodeInfo) bool {
	neg := d.name == "NEG"
	switch u.kind[0] {
	case kReg:
		if neg {
			u.fn = negR
		} else {
			u.fn = notR
		}
	case kMem:
		if neg {
			u.fn = negM
		} else {
			u.fn = notM
		}
	}
	return u.fn != nil
}

// negR is NEG r/m (register): CF = (src != 0), other flags as 0 - src.
func negR(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	a := c.reg(u.r[0], s)
	r := -a & sizeMask[s]
	c.setReg(u.r[0], s, r)
	c.setFlagsSub(0, a, r, s)
	return nil
}

// negM is NEG m (LOCK allowed).
func negM(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	addr := c.ea(u)
	a, f := c.read(addr, s)
	if f != nil {
		return f
	}
	r := -a & sizeMask[s]
	if f := c.write(addr, s, r); f != nil {
		return f
	}
	c.setFlagsSub(0, a, r, s)
	return nil
}

// notR is NOT r (no flags).
func notR(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	c.setReg(u.r[0], s, ^c.reg(u.r[0], s))
	return nil
}

// notM is NOT m (no flags; LOCK allowed).
func notM(c *CPU, u *uop) *Fault {
	s := u.sz[0]
	addr := c.ea(u)
	a, f := c.read(addr, s)
	if f != nil {
		return f
	}
	return c.write(addr, s, ^a&sizeMask[s])
}
