package cpu

// The x87 register stack. FPR holds the physical registers; ST(i) is physical register
// (TOP+i) mod 8. An instruction that changes TOP without pushing or popping (FNINIT,
// FNSAVE, FLDENV) leaves the physical registers' contents in place (SDM Vol. 1 §8.1.2,
// §8.3.7), so their stack order rotates.

// x87SetTop writes TOP = top into FSW; the physical registers keep their contents.
func (c *CPU) x87SetTop(top int) {
	c.FSW = c.FSW&^0x3800 | uint16(top&7)<<11
}

// ST returns the register that is ST(i) (i mod 8) with the current TOP.
func (s *State) ST(i int) *[2]uint64 { return &s.FPR[(int(s.FSW>>11)+i)&7] }
