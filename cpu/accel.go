package cpu

import (
	"fmt"
	"os"
	"strings"

	"github.com/kppemu/kppemu/cpu/jit"
)

// Accel selects the execution tier of a CPU: the interpreter (decoded
// instructions run by Go handlers, block by block) or the translating tier
// (guest blocks translated to host machine code, with the interpreter as
// its fallback for whatever it does not translate). Both tiers give the
// same execution, instruction for instruction: the same state after the
// same number of instructions, interrupts taken at the same instruction.
type Accel uint8

const (
	// AccelInterp is the interpreter, the reference tier, and the default
	// where the translating tier cannot run.
	AccelInterp Accel = iota
	// AccelJIT is the translating tier (linux/amd64 hosts only), the
	// default where it can run.
	AccelJIT
)

// DefaultAccel is the tier of a machine when neither a flag nor
// KPPEMU_ACCEL names one: the translating tier on hosts that run it, the
// interpreter elsewhere.
func DefaultAccel() Accel {
	if jit.Supported {
		return AccelJIT
	}
	return AccelInterp
}

// AccelEnv is the environment variable that names the default tier of
// every machine a program builds ("interp" or "jit"), so that a whole test
// suite can run in either tier.
const AccelEnv = "KPPEMU_ACCEL"

// AccelNames lists the names ParseAccel accepts, in the order of the
// constants.
var AccelNames = []string{"interp", "jit"}

// String returns the tier's name as ParseAccel accepts it.
func (a Accel) String() string {
	if int(a) < len(AccelNames) {
		return AccelNames[a]
	}
	return fmt.Sprintf("Accel(%d)", uint8(a))
}

// ParseAccel returns the tier named s: "interp" or "jit".
func ParseAccel(s string) (Accel, error) {
	for i, n := range AccelNames {
		if s == n {
			return Accel(i), nil
		}
	}
	return 0, fmt.Errorf("unknown accelerator %q (known: %s)", s, strings.Join(AccelNames, ", "))
}

// AccelFromEnv returns the tier named by the environment variable
// KPPEMU_ACCEL, or DefaultAccel() when it is unset or empty. An unknown value
// is an error that names the variable.
func AccelFromEnv() (Accel, error) {
	s := os.Getenv(AccelEnv)
	if s == "" {
		return DefaultAccel(), nil
	}
	a, err := ParseAccel(s)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", AccelEnv, err)
	}
	return a, nil
}

// SetAccel selects the tier the CPU runs in from its next Run on. Selecting
// the translating tier fails, leaving the CPU in its current tier, when the
// host cannot run it. The tier is configuration, not architectural state:
// snapshots neither save nor restore it.
func (c *CPU) SetAccel(a Accel) error {
	switch a {
	case AccelInterp:
		if c.accel == AccelJIT {
			c.disableJIT()
		}
	case AccelJIT:
		if c.accel != AccelJIT {
			if err := c.enableJIT(); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("unknown accelerator %v", a)
	}
	if a != c.accel {
		// Blocks are built for a tier (the interpreter's follow direct jumps).
		c.flushDecode()
	}
	c.accel = a
	return nil
}

// Accel returns the tier the CPU runs in.
func (c *CPU) Accel() Accel { return c.accel }
