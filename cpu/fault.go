package cpu

import "fmt"

// Fault is an architectural exception raised by an instruction: the vector, the error code
// (when the vector pushes one) and, for #PF, the linear address for CR2.
//
// Handlers return *Fault; nil means the instruction completed. The pointer returned by the
// raise helpers points into the CPU (c.fault), so raising never allocates; it is valid until
// the next raise.
type Fault struct {
	Vector  uint8
	HasCode bool
	Code    uint32
	CR2     uint64 // linear address, #PF only
}

func (f Fault) String() string {
	s := vectorName(f.Vector)
	if f.HasCode {
		s += fmt.Sprintf("(%#x)", f.Code)
	}
	if f.Vector == VecPF {
		s += fmt.Sprintf(" cr2=%#x", f.CR2)
	}
	return s
}

var vectorNames = [...]string{"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#MF09",
	"#TS", "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP"}

func vectorName(v uint8) string {
	if int(v) < len(vectorNames) {
		return vectorNames[v]
	}
	return fmt.Sprintf("INT%#x", v)
}

// hasErrorCode reports whether exception vector v pushes an error code (SDM Vol. 3A §6.15).
func hasErrorCode(v uint8) bool {
	switch v {
	case VecDF, VecTS, VecNP, VecSS, VecGP, VecPF, VecAC, 21:
		return true
	}
	return false
}

// raise records exception vec without an error code and returns it.
func (c *CPU) raise(vec uint8) *Fault {
	c.fault = Fault{Vector: vec}
	return &c.fault
}

// raiseCode records exception vec with error code code and returns it.
func (c *CPU) raiseCode(vec uint8, code uint32) *Fault {
	c.fault = Fault{Vector: vec, HasCode: true, Code: code}
	return &c.fault
}

// gp returns #GP(code).
func (c *CPU) gp(code uint32) *Fault { return c.raiseCode(VecGP, code) }

// ud returns #UD.
func (c *CPU) ud() *Fault { return c.raise(VecUD) }

// ss returns #SS(code).
func (c *CPU) ss(code uint32) *Fault { return c.raiseCode(VecSS, code) }

// pageFault returns #PF with the MMU's error code and linear address.
func (c *CPU) pageFault(addr uint64, code uint32) *Fault {
	c.fault = Fault{Vector: VecPF, HasCode: true, Code: code, CR2: addr}
	return &c.fault
}
