package cpu

// Protection keys for user pages (SDM Vol. 3A §4.6.2): the PKRU register and
// RDPKRU/WRPKRU. The MMU applies the keys; it holds a copy of PKRU that
// every write here (and every state load, through pushControl) refreshes.

func init() {
	hRDPKRU, hWRPKRU = rdpkru, wrpkru
}

// rdpkru is RDPKRU: EAX = PKRU, EDX = 0. #UD without CR4.PKE, #GP(0) when
// ECX is not zero (SDM Vol. 2B "RDPKRU").
func rdpkru(c *CPU, u *uop) *Fault {
	if c.CR4&CR4PKE == 0 {
		return c.ud()
	}
	if uint32(c.GPR[RCX]) != 0 {
		return c.gp(0)
	}
	c.GPR[RAX] = uint64(c.PKRU)
	c.GPR[RDX] = 0
	return nil
}

// wrpkru is WRPKRU: PKRU = EAX. #UD without CR4.PKE, #GP(0) when ECX or EDX
// is not zero (SDM Vol. 2B "WRPKRU"). The new rights apply to the next
// access; no TLB flush is involved.
func wrpkru(c *CPU, u *uop) *Fault {
	if c.CR4&CR4PKE == 0 {
		return c.ud()
	}
	if uint32(c.GPR[RCX]) != 0 || uint32(c.GPR[RDX]) != 0 {
		return c.gp(0)
	}
	c.PKRU = uint32(c.GPR[RAX])
	if c.mem != nil {
		c.mem.SetPKRU(c.PKRU)
	}
	return nil
}
