package cpu

// InstructionRIP returns the RIP of the instruction executing now (or last
// executed). Host hooks called from inside an instruction, such as the MMU's
// code-page invalidator that a write-attribution observer chains onto, use it
// to name the instruction that wrote; State.RIP may already point past it.
func (c *CPU) InstructionRIP() uint64 { return c.ip0 }
