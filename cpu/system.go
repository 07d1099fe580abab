package cpu

// System instructions: HLT, MOV to/from control and debug registers.

func init() {
	register("HLT", func(u *uop, d *decodeInfo) bool { u.fn = hlt; return true })
}

// hlt is HLT: privileged; the CPU halts until an interrupt or NMI.
func hlt(c *CPU, u *uop) *Fault {
	if c.CPL != 0 {
		return c.gp(0)
	}
	c.Halted = true
	c.setPending(pendHalt)
	return nil
}

// Reserved-bit masks for CR writes (SDM Vol. 3A §2.5).
const (
	cr0Writable = CR0PE | CR0MP | CR0EM | CR0TS | CR0ET | CR0NE | CR0WP | CR0AM | CR0NW | CR0CD | CR0PG
	cr4Writable = CR4VME | CR4PVI | CR4TSD | CR4DE | CR4PSE | CR4PAE | CR4MCE | CR4PGE | CR4PCE |
		CR4OSFXSR | CR4OSXMMEXCPT | CR4FSGSBASE | CR4OSXSAVE | CR4SMEP | CR4SMAP
)

// movCRReg is MOV CRn, r.
func movCRReg(c *CPU, u *uop) *Fault {
	if c.CPL != 0 {
		return c.gp(0)
	}
	v := c.reg(u.r[1], u.sz[1])
	return c.writeCR(u.r[0], v)
}

// writeCR writes control register n with the architectural checks.
func (c *CPU) writeCR(n uint8, v uint64) *Fault {
	switch n {
	case 0:
		if !c.long {
			v = uint64(uint32(v))
		}
		if v&^uint64(cr0Writable) != 0 {
			return c.gp(0)
		}
		if v&CR0PG != 0 && v&CR0PE == 0 || v&CR0NW != 0 && v&CR0CD == 0 {
			return c.gp(0)
		}
		v |= CR0ET
		efer := c.EFER
		if v&CR0PG != 0 && c.CR0&CR0PG == 0 && efer&EFERLME != 0 {
			// Activating IA-32e mode (SDM Vol. 3A §10.8.5).
			if c.CR4&CR4PAE == 0 || c.Seg[CS].Attr&attrL != 0 {
				return c.gp(0)
			}
			efer |= EFERLMA
		}
		if v&CR0PG == 0 && c.CR0&CR0PG != 0 && efer&EFERLMA != 0 {
			if c.long {
				return c.gp(0)
			}
			efer &^= EFERLMA
		}
		if v&CR0PE == 0 {
			return c.gp(0) // real mode is not supported
		}
		c.CR0 = v
		c.EFER = efer
		c.updateMode()
		c.pushControl()
	case 2:
		c.CR2 = v
	case 3:
		if !c.long {
			v = uint64(uint32(v))
		}
		if v>>52 != 0 {
			return c.gp(0)
		}
		c.CR3 = v
		c.pushControl()
	case 4:
		if v&^uint64(cr4Writable) != 0 {
			return c.gp(0)
		}
		if c.EFER&EFERLMA != 0 && v&CR4PAE == 0 {
			return c.gp(0)
		}
		c.CR4 = v
		c.pushControl()
	case 8:
		if !c.long {
			return c.ud()
		}
		if v>>4 != 0 {
			return c.gp(0)
		}
		c.CR8 = v
		if c.tprHook != nil {
			c.tprHook(uint8(v))
		}
	default:
		return c.ud()
	}
	return nil
}

// movRegCR is MOV r, CRn.
func movRegCR(c *CPU, u *uop) *Fault {
	if c.CPL != 0 {
		return c.gp(0)
	}
	var v uint64
	switch u.r[1] {
	case 0:
		v = c.CR0
	case 2:
		v = c.CR2
	case 3:
		v = c.CR3
	case 4:
		v = c.CR4
	case 8:
		if !c.long {
			return c.ud()
		}
		v = c.CR8
	default:
		return c.ud()
	}
	c.setReg(u.r[0], u.sz[0], v)
	return nil
}

// TPR returns CR8 (the task-priority register), for the local APIC to mirror.
func (c *CPU) TPR() uint8 { return uint8(c.CR8) }

// SetTPR sets CR8 from the APIC side (writes of the APIC TPR register).
func (c *CPU) SetTPR(v uint8) { c.CR8 = uint64(v & 15) }

// drIndex resolves DR4/DR5 aliases (#UD when CR4.DE=1).
func (c *CPU) drIndex(n uint8) (uint8, *Fault) {
	switch n {
	case 4, 5:
		if c.CR4&CR4DE != 0 {
			return 0, c.ud()
		}
		return n + 2, nil
	case 0, 1, 2, 3, 6, 7:
		return n, nil
	}
	return 0, c.ud()
}

// movDRReg is MOV DRn, r. Hardware breakpoints are stored but not armed.
func movDRReg(c *CPU, u *uop) *Fault {
	if c.CPL != 0 {
		return c.gp(0)
	}
	n, f := c.drIndex(u.r[0])
	if f != nil {
		return f
	}
	v := c.reg(u.r[1], u.sz[1])
	switch n {
	case 6:
		if v>>32 != 0 {
			return c.gp(0)
		}
		v = v | 0xFFFF0FF0
	case 7:
		if v>>32 != 0 {
			return c.gp(0)
		}
		v = v&^(1<<11|1<<12|1<<14|1<<15) | 0x400
	}
	c.DR[n] = v
	return nil
}

// movRegDR is MOV r, DRn.
func movRegDR(c *CPU, u *uop) *Fault {
	if c.CPL != 0 {
		return c.gp(0)
	}
	n, f := c.drIndex(u.r[1])
	if f != nil {
		return f
	}
	c.setReg(u.r[0], u.sz[0], c.DR[n])
	return nil
}
