package cpu

// The memory-type range registers (SDM Vol. 3A §13.11) and IA32_FEATURE_CONTROL. The
// core keeps no cache, so memory types have no effect; the registers exist because
// firmware-less guests read and program them. At reset they hold what QEMU's SeaBIOS
// leaves for a machine with up to 2 GiB of RAM: MTRRs enabled with write-back as the
// default type, the legacy VGA window uncached, the option-ROM/BIOS area
// write-protected, and variable range 0 marking 2-4 GiB (the PCI hole) uncached.

const (
	msrFeatureControl = 0x3A
	msrMTRRCap        = 0xFE
	msrMTRRPhysBase0  = 0x200
	msrMTRRPhysLast   = 0x20F // PhysMask7
	msrMTRRFix64K     = 0x250
	msrMTRRFix16K8000 = 0x258
	msrMTRRFix16KA000 = 0x259
	msrMTRRFix4KC000  = 0x268
	msrMTRRFix4KF800  = 0x26F
	msrMTRRDefType    = 0x2FF

	// mtrrCap: 8 variable ranges, fixed ranges supported, write-combining supported.
	mtrrCap = 8 | 1<<8 | 1<<10
	// mtrrDefTypeBits: type (7:0), fixed-range enable (10), enable (11).
	mtrrDefTypeBits = 0xFF | 1<<10 | 1<<11
	// mtrrMaskValid is PhysMask's V bit.
	mtrrMaskValid = 1 << 11

	featureControlLock = 1 << 0
)

// mtrrFixedIndex maps a fixed-range MTRR to its slot in State.MTRRFixed (-1: not one).
func mtrrFixedIndex(idx uint32) int {
	switch {
	case idx == msrMTRRFix64K:
		return 0
	case idx == msrMTRRFix16K8000 || idx == msrMTRRFix16KA000:
		return 1 + int(idx-msrMTRRFix16K8000)
	case idx >= msrMTRRFix4KC000 && idx <= msrMTRRFix4KF800:
		return 3 + int(idx-msrMTRRFix4KC000)
	}
	return -1
}

// resetMTRRs puts the MTRRs in the state the firmware leaves them.
func (c *CPU) resetMTRRs() {
	const wb, wp = 0x0606060606060606, 0x0505050505050505
	c.MTRRDefType = 1<<11 | 1<<10 | 6 // enabled, fixed ranges enabled, write-back
	c.MTRRFixed = [11]uint64{wb, wb, 0, wp, wp, wp, wp, wp, wp, wp, wp}
	c.MTRRVar = [16]uint64{0x80000000, mtrrPhysMask(0xFF80000000) | mtrrMaskValid}
}

// mtrrPhysMask limits a mask to the physical address width.
func mtrrPhysMask(v uint64) uint64 { return v & (1<<40 - 1) &^ 0xFFF }

// mtrrType reports whether t is a memory type an MTRR may hold: UC, WC, WT, WP, WB.
func mtrrType(t uint64) bool {
	switch t {
	case 0, 1, 4, 5, 6:
		return true
	}
	return false
}

// readMTRR reads the MTRRs and IA32_FEATURE_CONTROL (ok false: not one of them).
func (c *CPU) readMTRR(idx uint32) (v uint64, ok bool) {
	switch {
	case idx == msrFeatureControl:
		return c.FeatureControl, true
	case idx == msrMTRRCap:
		return mtrrCap, true
	case idx == msrMTRRDefType:
		return c.MTRRDefType, true
	case idx >= msrMTRRPhysBase0 && idx <= msrMTRRPhysLast:
		return c.MTRRVar[idx-msrMTRRPhysBase0], true
	}
	if i := mtrrFixedIndex(idx); i >= 0 {
		return c.MTRRFixed[i], true
	}
	return 0, false
}

// writeMTRR writes them: handled reports whether idx is one of them, ok whether the
// write is allowed (false: #GP for reserved bits, invalid types or a read-only MSR).
func (c *CPU) writeMTRR(idx uint32, v uint64) (handled, ok bool) {
	switch {
	case idx == msrFeatureControl:
		if c.FeatureControl&featureControlLock != 0 {
			return true, false
		}
		c.FeatureControl = v
		return true, true
	case idx == msrMTRRCap:
		return true, false
	case idx == msrMTRRDefType:
		if v&^uint64(mtrrDefTypeBits) != 0 || !mtrrType(v&0xFF) {
			return true, false
		}
		c.MTRRDefType = v
		return true, true
	case idx >= msrMTRRPhysBase0 && idx <= msrMTRRPhysLast:
		n := idx - msrMTRRPhysBase0
		if n%2 == 0 { // PhysBase: type in 7:0, bits 8-11 reserved
			if v&0xF00 != 0 || v != mtrrPhysMask(v)|v&0xFF || !mtrrType(v&0xFF) {
				return true, false
			}
		} else if v != mtrrPhysMask(v)|v&mtrrMaskValid { // PhysMask: bits 0-10 reserved
			return true, false
		}
		c.MTRRVar[n] = v
		return true, true
	}
	if i := mtrrFixedIndex(idx); i >= 0 {
		for k := 0; k < 8; k++ {
			if !mtrrType(v >> (8 * k) & 0xFF) {
				return true, false
			}
		}
		c.MTRRFixed[i] = v
		return true, true
	}
	return false, false
}
