package cpu

import "math/bits"

// Lazy arithmetic flags.
//
// An arithmetic instruction records its truncated result, a carry-out vector and its
// operand size instead of computing CF/PF/AF/ZF/SF/OF. Bit i of the carry vector is the
// carry (for additions) or borrow (for subtractions) out of bit i, so
//
//	CF = cv[msb]   OF = cv[msb] ^ cv[msb-1]   AF = cv[3]
//	ZF = res == 0  SF = res[msb]              PF = even parity of res[7:0]
//
// Logic instructions record cv = 0 (CF=OF=AF=0). INC/DEC record keepCF: CF comes from RFLAGS.
// The flags are materialised into RFLAGS only when something reads RFLAGS as a whole
// (PUSHF, interrupts, LAHF, snapshots) or an instruction sets flags eagerly.
//
// API for instruction handlers:
//
//	c.setFlagsAdd(a, b, res, size)      ADD/ADC/XADD (also valid for ADC: carry-in is in res)
//	c.setFlagsSub(a, b, res, size)      SUB/SBB/CMP/NEG(a=0)/CMPXCHG/CMPS/SCAS
//	c.setFlagsLogic(res, size)          AND/OR/XOR/TEST
//	c.setFlagsInc(a, res, size)         INC (CF unchanged)
//	c.setFlagsDec(a, res, size)         DEC (CF unchanged)
//	c.setFlagsLazy(res, cv, size, keepCF) any other add-like rule
//	c.setFlagsBits(bits, mask)          eager: flags in mask take the values in bits; others keep theirs
//	c.cf() c.zf() c.sf() c.of() c.pf() c.af() bool getters
//	c.cond(cc) evaluates condition code cc (0..15, x86 encoding order: O NO B AE E NE BE A S NS P NP L GE LE G)
//	c.Flags() materialised RFLAGS; c.setRFLAGS(v) writes RFLAGS wholesale (no privilege rules)
//
// size is the operand size in bytes (1, 2, 4, 8); res and operands must already be truncated
// to size (upper bits zero).
type lazyFlags struct {
	res  uint64
	cv   uint64
	msb  uint8 // operand bits - 1
	kind uint8 // lfNone: RFLAGS holds the arithmetic flags; lfArith; lfKeepCF
}

const (
	lfNone = iota
	lfArith
	lfKeepCF
)

// sizeMask[size] masks a value to size bytes.
// It has 256 entries so that indexing with any uint8 needs no bounds check; sizes other
// than 1, 2, 4 and 8 give all ones.
var sizeMask = func() (m [256]uint64) {
	for i := range m {
		m[i] = ^uint64(0)
	}
	m[1], m[2], m[4] = 0xFF, 0xFFFF, 0xFFFFFFFF
	return m
}()

// setFlagsLazy records a lazy flags state. keepCF leaves CF as it is now.
func (c *CPU) setFlagsLazy(res, cv uint64, size uint8, keepCF bool) {
	if keepCF {
		if c.lf.kind == lfArith {
			c.RFLAGS = c.RFLAGS&^FlagCF | c.lf.cv>>(c.lf.msb&63)&1
		}
		c.lf.kind = lfKeepCF
	} else {
		c.lf.kind = lfArith
	}
	c.lf.res = res
	c.lf.cv = cv
	c.lf.msb = size*8 - 1
}

func (c *CPU) setFlagsAdd(a, b, res uint64, size uint8) {
	c.lf = lazyFlags{res: res, cv: (a & b) | ((a | b) &^ res), msb: size*8 - 1, kind: lfArith}
}

func (c *CPU) setFlagsSub(a, b, res uint64, size uint8) {
	c.lf = lazyFlags{res: res, cv: (^a & b) | (^(a ^ b) & res), msb: size*8 - 1, kind: lfArith}
}

func (c *CPU) setFlagsLogic(res uint64, size uint8) {
	c.lf = lazyFlags{res: res, msb: size*8 - 1, kind: lfArith}
}

func (c *CPU) setFlagsInc(a, res uint64, size uint8) {
	c.setFlagsLazy(res, (a&1)|((a|1)&^res), size, true)
}

func (c *CPU) setFlagsDec(a, res uint64, size uint8) {
	c.setFlagsLazy(res, (^a&1)|(^(a^1)&res), size, true)
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func (c *CPU) cf() bool {
	switch c.lf.kind {
	case lfArith:
		return c.lf.cv>>(c.lf.msb&63)&1 != 0
	default:
		return c.RFLAGS&FlagCF != 0
	}
}

func (c *CPU) zf() bool {
	if c.lf.kind != lfNone {
		return c.lf.res == 0
	}
	return c.RFLAGS&FlagZF != 0
}

func (c *CPU) sf() bool {
	if c.lf.kind != lfNone {
		return c.lf.res>>(c.lf.msb&63)&1 != 0
	}
	return c.RFLAGS&FlagSF != 0
}

func (c *CPU) of() bool {
	if c.lf.kind != lfNone {
		return (c.lf.cv>>(c.lf.msb&63)^c.lf.cv>>((c.lf.msb-1)&63))&1 != 0
	}
	return c.RFLAGS&FlagOF != 0
}

func (c *CPU) af() bool {
	if c.lf.kind != lfNone {
		return c.lf.cv>>3&1 != 0
	}
	return c.RFLAGS&FlagAF != 0
}

func (c *CPU) pf() bool {
	if c.lf.kind != lfNone {
		return bits.OnesCount8(uint8(c.lf.res))&1 == 0
	}
	return c.RFLAGS&FlagPF != 0
}

// materialize folds pending lazy flags into RFLAGS.
func (c *CPU) materialize() {
	if c.lf.kind == lfNone {
		return
	}
	f := c.RFLAGS &^ flagsArith
	if c.cf() {
		f |= FlagCF
	}
	if c.pf() {
		f |= FlagPF
	}
	if c.af() {
		f |= FlagAF
	}
	if c.zf() {
		f |= FlagZF
	}
	if c.sf() {
		f |= FlagSF
	}
	if c.of() {
		f |= FlagOF
	}
	c.RFLAGS = f
	c.lf.kind = lfNone
}

// Flags returns RFLAGS with the lazy arithmetic flags materialised.
func (c *CPU) Flags() uint64 {
	c.materialize()
	return c.RFLAGS
}

// setRFLAGS replaces RFLAGS (reserved bit 1 forced to 1) and drops pending lazy flags.
// It applies no privilege rules and does not update derived state; callers that change
// IF/TF use c.writeFlags.
func (c *CPU) setRFLAGS(v uint64) {
	c.lf.kind = lfNone
	c.RFLAGS = v&flagsWritable | flagRsv1
	c.updateAC()
}

// setFlagsBits sets the flags in mask to the corresponding bits of v, eagerly.
func (c *CPU) setFlagsBits(v, mask uint64) {
	c.materialize()
	c.RFLAGS = c.RFLAGS&^mask | v&mask
}

// cond evaluates condition code cc (the low nibble of Jcc/SETcc/CMOVcc opcodes).
func (c *CPU) cond(cc uint8) bool {
	var r bool
	switch cc >> 1 {
	case 0: // O
		r = c.of()
	case 1: // B
		r = c.cf()
	case 2: // E
		r = c.zf()
	case 3: // BE
		r = c.cf() || c.zf()
	case 4: // S
		r = c.sf()
	case 5: // P
		r = c.pf()
	case 6: // L
		r = c.sf() != c.of()
	case 7: // LE
		r = c.zf() || c.sf() != c.of()
	}
	return r != (cc&1 != 0)
}
