package cpu

// Hardware breakpoints through DR0-DR3 / DR7 (SDM Vol. 3B §17.2-17.3): instruction
// breakpoints are faults checked before an instruction (suppressed by RFLAGS.RF), data
// breakpoints (write, read/write) are traps reported after the instruction. DR6 records
// B0-B3 and BS. I/O breakpoints (RW=10) are not supported.

// drState is derived from DR0-DR3/DR7 whenever they change.
type drState struct {
	exec [4]bool // enabled instruction breakpoint n
	data [4]bool // enabled data breakpoint n
	rw   [4]bool // data breakpoint n also fires on reads
	size [4]uint64
	any  bool   // some data breakpoint is enabled
	trap uint64 // DR6 B-bits of data breakpoints hit by the current instruction
}

// updateDR recomputes the breakpoint state and the pending/slow-path bits.
func (c *CPU) updateDR() {
	var s drState
	dr7 := c.DR[7]
	execOn := false
	for i := 0; i < 4; i++ {
		if dr7>>(2*i)&3 == 0 {
			continue
		}
		rw := dr7 >> (16 + 4*i) & 3
		ln := dr7 >> (18 + 4*i) & 3
		switch rw {
		case 0:
			s.exec[i] = true
			execOn = true
		case 1, 3:
			s.data[i] = true
			s.rw[i] = rw == 3
			s.size[i] = [4]uint64{1, 2, 8, 4}[ln]
			s.any = true
		}
	}
	c.dr = s
	if execOn {
		c.setPending(pendDRExec)
	} else {
		c.clrPending(pendDRExec)
	}
	c.updateAC()
}

// checkDataBP records data breakpoints hit by an access of size bytes at addr.
func (c *CPU) checkDataBP(addr uint64, size uint8, write bool) {
	for i := 0; i < 4; i++ {
		if !c.dr.data[i] || !write && !c.dr.rw[i] {
			continue
		}
		base := c.DR[i] &^ (c.dr.size[i] - 1)
		if addr < base+c.dr.size[i] && addr+uint64(size) > base {
			c.dr.trap |= 1 << i
			c.setPending(pendDBTrap)
		}
	}
}

// execBreakpoint reports the DR6 bits of instruction breakpoints at linear address lin.
func (c *CPU) execBreakpoint(lin uint64) uint64 {
	var hit uint64
	for i := 0; i < 4; i++ {
		if c.dr.exec[i] && c.DR[i] == lin {
			hit |= 1 << i
		}
	}
	return hit
}
