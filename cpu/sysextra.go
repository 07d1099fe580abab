package cpu

// RDPID, RDPMC and the RFLAGS image of exception frames.

func init() {
	register("RDPMC", func(u *uop, d *decodeInfo) bool { u.fn = rdpmc; return true })
}

// rdpid is RDPID r64: the register gets IA32_TSC_AUX, zero-extended (SDM Vol. 2B "RDPID").
func rdpid(c *CPU, u *uop) *Fault {
	c.GPR[u.r[0]&15] = c.TSCAux & 0xFFFFFFFF
	return nil
}

// rdpmc is RDPMC: EDX:EAX = performance counter ECX. Allowed at CPL 0 or with CR4.PCE;
// counters 0-3 are the four PERFCTR MSRs (C001_0004h-C001_0007h, 48 bits), which exist
// but never count; any other index is #GP(0) (SDM Vol. 2B "RDPMC"; AMD APM "RDPMC").
func rdpmc(c *CPU, u *uop) *Fault {
	if c.CPL != 0 && c.CR4&CR4PCE == 0 {
		return c.gp(0)
	}
	idx := uint32(c.GPR[RCX])
	if idx > 3 {
		return c.gp(0)
	}
	v := c.K7Perf[4+idx] & (1<<48 - 1)
	c.GPR[RAX] = v & 0xFFFFFFFF
	c.GPR[RDX] = v >> 32
	return nil
}

// frameFlags is the RFLAGS image an event pushes: for a fault-class exception other than
// a debug exception, RF is set so that IRET back to the faulting instruction does not
// hit its instruction breakpoint again (SDM Vol. 3A §18.3.1.1). Traps, aborts (#DF,
// #MC), software interrupts and external interrupts push RFLAGS as it is.
func (c *CPU) frameFlags(vec uint8, kind int) uint64 {
	fl := c.Flags()
	if kind == evException && vec != VecDB && vec != VecDF && vec != VecMC {
		fl |= FlagRF
	}
	return fl
}
