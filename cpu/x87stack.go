package cpu

// The x87 register stack. FPR holds the registers in stack order (FPR[i] is ST(i)); the
// physical register of ST(i) is (TOP+i) mod 8. An instruction that changes TOP without
// pushing or popping (FNINIT, FNSAVE, FLDENV) leaves the physical registers' contents
// in place (SDM Vol. 1 §8.1.2, §8.3.7), so their stack order rotates.

// x87SetTop writes TOP = top into FSW and rotates FPR so every physical register keeps
// its contents.
func (c *CPU) x87SetTop(top int) {
	old := int(c.FSW>>11) & 7
	if top&7 != old {
		var r [8][2]uint64
		for i := range r {
			// ST(i) after is physical (top+i), which was ST(top+i-old) before.
			r[i] = c.FPR[(top+i-old)&7]
		}
		c.FPR = r
	}
	c.FSW = c.FSW&^0x3800 | uint16(top&7)<<11
}
