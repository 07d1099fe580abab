package cpu

import "sync/atomic"

// CLI, STI, PUSHF, POPF: the flag instructions with privilege rules (SDM Vol. 2A/2B).
// CLC/STC/CMC/CLD/STD/LAHF/SAHF belong to the integer group files.

func init() {
	register("CLI", func(u *uop, d *decodeInfo) bool { u.fn = cli; return true })
	register("STI", func(u *uop, d *decodeInfo) bool { u.fn = sti; return true })
	for _, n := range []string{"PUSHF", "PUSHFD", "PUSHFQ"} {
		register(n, func(u *uop, d *decodeInfo) bool {
			u.osize = stackOpSize(u, d)
			u.fn = pushf
			return true
		})
	}
	for _, n := range []string{"POPF", "POPFD", "POPFQ"} {
		register(n, func(u *uop, d *decodeInfo) bool {
			u.osize = stackOpSize(u, d)
			u.fn = popf
			return true
		})
	}
}

func (c *CPU) iopl() uint8 { return uint8(c.RFLAGS>>12) & 3 }

// cli is CLI: #GP(0) when CPL > IOPL.
func cli(c *CPU, u *uop) *Fault {
	if c.CPL > c.iopl() {
		return c.gp(0)
	}
	c.RFLAGS &^= FlagIF
	if atomic.LoadUint32(&c.pending)&pendIntr != 0 {
		c.clrPending(pendIntr)
	}
	return nil
}

// sti is STI: interrupts are recognised only after the next instruction.
func sti(c *CPU, u *uop) *Fault {
	if c.CPL > c.iopl() {
		return c.gp(0)
	}
	if c.RFLAGS&FlagIF == 0 {
		c.RFLAGS |= FlagIF
		c.setShadow()
		c.syncPending()
	}
	return nil
}

// pushf is PUSHF/PUSHFQ: VM and RF are pushed as 0.
func pushf(c *CPU, u *uop) *Fault {
	return c.push(c.Flags()&^(FlagVM|FlagRF), u.osize)
}

// popf is POPF/POPFQ: IOPL changes only at CPL 0, IF only when CPL <= IOPL; RF is cleared.
func popf(c *CPU, u *uop) *Fault {
	v, f := c.pop(u.osize)
	if f != nil {
		return f
	}
	mask := c.popFlagsMask()
	if u.osize == 2 {
		mask &= 0xFFFF
	}
	c.writeFlagsRaw((c.Flags()&^mask | v&mask) &^ FlagRF)
	return nil
}
