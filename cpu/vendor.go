package cpu

import "fmt"

func init() { hSYSCALL = syscallInsn }

// Vendor is the CPU vendor the machine presents: the CPUID vendor string and the few
// instructions whose behaviour differs between Intel and AMD processors.
type Vendor int

const (
	VendorIntel Vendor = iota // GenuineIntel (the default)
	VendorAMD                 // AuthenticAMD
)

func (v Vendor) String() string {
	if v == VendorAMD {
		return "amd"
	}
	return "intel"
}

// ParseVendor reads "intel" or "amd".
func ParseVendor(s string) (Vendor, error) {
	switch s {
	case "intel", "":
		return VendorIntel, nil
	case "amd":
		return VendorAMD, nil
	}
	return 0, fmt.Errorf("unknown CPU vendor %q (intel or amd)", s)
}

// syscallAMD is SYSCALL outside 64-bit mode on an AMD CPU (AMD APM Vol. 3 "SYSCALL"):
// from compatibility mode it enters 64-bit mode at CSTAR with RCX = the return address
// and R11 = RFLAGS, as from 64-bit mode; from legacy mode it enters 32-bit protected
// mode at STAR[31:0] with ECX = the return address, clearing IF, VM and RF.
func (c *CPU) syscallAMD() *Fault {
	fl := c.Flags()
	sel := uint16(c.STAR>>32) & 0xFFFC
	ret := c.RIP & 0xFFFFFFFF
	if c.EFER&EFERLMA != 0 {
		c.GPR[RCX] = ret
		c.GPR[R11] = fl &^ FlagRF
		c.Seg[CS] = Segment{Selector: sel, Limit: 0xFFFFFFFF, Attr: attrP | attrS | 0xB | attrL | attrG}
		c.Seg[SS] = Segment{Selector: sel + 8, Limit: 0xFFFFFFFF, Attr: attrP | attrS | 0x3 | attrDB | attrG}
		c.setCPL(0)
		c.updateMode()
		c.RIP = c.CSTAR
		c.writeFlagsRaw(fl &^ (c.FMASK | FlagRF))
		return nil
	}
	c.GPR[RCX] = c.GPR[RCX]&^0xFFFFFFFF | ret
	c.Seg[CS] = Segment{Selector: sel, Limit: 0xFFFFFFFF, Attr: attrP | attrS | 0xB | attrDB | attrG}
	c.Seg[SS] = Segment{Selector: sel + 8, Limit: 0xFFFFFFFF, Attr: attrP | attrS | 0x3 | attrDB | attrG}
	c.setCPL(0)
	c.updateMode()
	c.RIP = c.STAR & 0xFFFFFFFF
	c.writeFlagsRaw(fl &^ (FlagIF | FlagVM | FlagRF))
	return nil
}
