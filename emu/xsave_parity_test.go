package emu

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// xsaveGuest is the XSAVE probe (testdata/xsave.S, built by make testguest).
const xsaveGuest = "testdata/xsave.elf"

// TestParityXSAVEProbe boots the XSAVE probe on QEMU and kppemu: CPUID's XSAVE and
// OSXSAVE bits, XGETBV/XSETBV and the XCR0 rules, leaf 0xD, an XSAVE/XRSTOR/XSAVEOPT
// round trip, XRSTOR's initial configuration, and the #GP/#NM cases give the same
// transcript on both.
func TestParityXSAVEProbe(t *testing.T) {
	k, err := os.ReadFile(xsaveGuest)
	require.NoError(t, err)
	runParity(t, parityCase{name: "xsave", kernel: "xsave.elf", image: k})
}
