package cpu

// The flags (and results) the SDM leaves undefined, in one place. The differential tests
// compare every arithmetic flag except these. References are to the Intel SDM Vol. 2
// instruction pages ("Flags Affected"); the host is often an AMD CPU, whose undefined
// results differ from Intel's, so masking exactly these is what makes the comparison
// meaningful.

const (
	fCF, fPF, fAF, fZF, fSF, fOF = FlagCF, FlagPF, FlagAF, FlagZF, FlagSF, FlagOF
)

// undefinedFlags maps an instruction class to the flags the SDM leaves undefined whenever
// the instruction changes flags at all. Count-dependent rules are in shiftUndefined and
// shldUndefined.
var undefinedFlags = map[string]uint64{
	// AND/OR/XOR/TEST: "The OF and CF flags are cleared; the SF, ZF, and PF flags are set
	// according to the result. The state of the AF flag is undefined."
	"logic": fAF,
	// MUL/IMUL: "The SF, ZF, AF, and PF flags are undefined."
	"mul": fSF | fZF | fAF | fPF,
	// DIV/IDIV: "The CF, OF, SF, ZF, AF, and PF flags are undefined."
	"div": fCF | fOF | fSF | fZF | fAF | fPF,
	// BT/BTS/BTR/BTC: "The ZF flag is unaffected. The OF, SF, AF, and PF flags are undefined."
	"bt": fOF | fSF | fAF | fPF,
	// BSF/BSR: "The ZF flag is set to 1 if the source operand is 0; otherwise cleared. The
	// CF, OF, SF, AF, and PF flags are undefined."
	"bsf": fCF | fOF | fSF | fAF | fPF,
	// LZCNT/TZCNT: "ZF ... CF ... The OF, SF, PF and AF flags are undefined."
	"lzcnt": fOF | fSF | fAF | fPF,
	// Everything else a generator uses is fully defined (ADD/ADC/SUB/SBB/CMP/NEG/INC/DEC/
	// XADD/CMPXCHG/CMPS/SCAS, POPCNT, SAHF, CLC/STC/CMC, COMISD/UCOMISD, CMPXCHG8B/16B).
	"": 0,
}

// shiftUndefined returns the undefined flags of SHL/SAL/SHR/SAR/ROL/ROR/RCL/RCR with the
// count already masked to 5 (6 for 64-bit) bits (SDM "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR"):
//   - count 0: no flag is affected (nothing is undefined);
//   - shifts: AF is undefined for a non-zero count; OF is defined only for 1-bit shifts;
//     CF is undefined for SHL/SAL/SHR when the count is >= the operand width (8/16-bit forms);
//   - rotates: OF is defined only for 1-bit rotates (RCL/RCR: masked count 1; ROL/ROR:
//     count 1 as well; Intel's pseudocode defines OF for masked count 1 only).
func shiftUndefined(op string, count, width int) uint64 {
	if count == 0 {
		return 0
	}
	var u uint64
	switch op {
	case "ROL", "ROR", "RCL", "RCR":
		if count != 1 {
			u |= fOF
		}
		return u
	}
	u |= fAF
	if count != 1 {
		u |= fOF
	}
	if (op == "SHL" || op == "SAL" || op == "SHR") && count >= width {
		u |= fCF
	}
	return u
}

// shldUndefined returns the undefined flags of SHLD/SHRD for a masked count (SDM
// "SHLD"/"SHRD"): count 0 affects nothing; otherwise AF is undefined and OF is defined only
// for a 1-bit shift. A count greater than the operand size (16-bit forms only) leaves the
// result and every flag undefined; the generators never produce that.
func shldUndefined(count int) uint64 {
	if count == 0 {
		return 0
	}
	if count == 1 {
		return fAF
	}
	return fAF | fOF
}
