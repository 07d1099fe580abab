package cpu

import (
	"errors"
	"runtime"
)

// errNoJIT is SetAccel(AccelJIT)'s error while this build has no
// translating tier.
var errNoJIT = errors.New("accelerator jit: the translating tier is not available in this build (" +
	runtime.GOOS + "/" + runtime.GOARCH + "); use interp")

// enableJIT prepares the translating tier for SetAccel(AccelJIT).
func (c *CPU) enableJIT() error { return errNoJIT }

// disableJIT releases what enableJIT prepared (SetAccel(AccelInterp)).
func (c *CPU) disableJIT() {}
