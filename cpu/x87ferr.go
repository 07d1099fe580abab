package cpu

// The legacy ("MS-DOS compatible") x87 error reporting, used when CR0.NE=0 (SDM Vol. 1
// §8.7, Vol. 3A §2.5): a waiting x87 instruction that finds an unmasked exception
// pending signals the FERR# output, which the chipset routes to IRQ 13, and proceeds.
// The interrupt handler writes port F0h; the chipset then asserts IGNNE# (the processor
// ignores pending exceptions) and drops IRQ 13. The model is QEMU's: IGNNE# stays
// asserted until software loads a status word with no exception pending (FLDENV,
// FRSTOR, FXRSTOR, XRSTOR), and only the bootstrap processor sees it.

// SetFERRHook registers f as the FERR# output: it is called with true when a waiting
// x87 instruction finds an unmasked exception pending with CR0.NE=0 and IGNNE# clear.
// The machine wires it to IRQ 13 and lowers the line itself (SetIGNNE).
func (c *CPU) SetFERRHook(f func(level bool)) { c.ferrHook = f }

// SetIGNNE asserts the IGNNE# input (a write to port F0h): pending x87 exceptions no
// longer signal FERR# until software loads a status word with none pending.
func (c *CPU) SetIGNNE() { c.IGNNE = true }

// signalFERR is a waiting instruction's response to a pending exception with CR0.NE=0.
func (c *CPU) signalFERR() {
	if !c.IGNNE && c.ferrHook != nil {
		c.ferrHook(true)
	}
}

// x87StatusLoaded notes a status word loaded from memory: with no exception pending,
// FERR# is deasserted and the chipset releases IGNNE#.
func (c *CPU) x87StatusLoaded() {
	if c.FSW&fswES == 0 {
		c.IGNNE = false
	}
}
