package cpu

// The legacy ("MS-DOS compatible") x87 error reporting, used when CR0.NE=0 (SDM Vol. 1
// §8.7, Vol. 3A §2.5): a waiting x87 instruction that finds an unmasked exception
// pending signals the FERR# output, which the chipset routes to IRQ 13, and proceeds.
// The interrupt handler writes port F0h; the chipset then asserts IGNNE# (the processor
// ignores pending exceptions) and drops IRQ 13. The model is QEMU's: IGNNE# stays
// asserted until software loads a status word with no exception pending (FLDENV,
// FRSTOR, FXRSTOR, XRSTOR), and only the bootstrap processor sees it.

func init() {
	// FNENI, FNDISI and FNSETPM (DB E0, E1, E4) controlled the 8087's interrupt and the
	// 80287's protected mode; since the 387 they do nothing, without waiting (checked on
	// the reference hosts: no #MF with an exception pending), but #NM applies.
	hFNENI = func(c *CPU, u *uop) *Fault { return c.fpuCheck() }
	// D9 D8+i stores ST(0) into ST(i) and pops like FSTP ST(i), but an empty ST(0) is no
	// stack underflow: ST(i) is left alone and the stack just pops (as the reference
	// hosts run it).
	hFSTP1 = x87Wrap(func(c *CPU, u *uop) *Fault {
		if !c.stEmpty(0) {
			c.setST(int(u.r[0]), c.st(0))
		}
		c.x87Pop()
		return nil
	})
}

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
