package emu

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/images"
)

// TestKernelLAPICTimerBase boots the kernel on local APIC timers that run
// at other rates than QEMU's 1 GHz (a real processor's bus clock, Bochs's
// 4 MHz): the kernel's calibration against the PIT finds the rate, its
// tick stays 10 ms of guest time (a 1 s sleep ends 1 s later), and
// PatchGuard, armed in the test profile, stops nothing.
func TestKernelLAPICTimerBase(t *testing.T) {
	for _, c := range []struct {
		hz      uint64
		perTick int
	}{
		{250_000_000, 156000}, // 156250 per 10 ms, three significant digits
		{4_000_000, 2500},
	} {
		t.Run(fmt.Sprint(c.hz), func(t *testing.T) {
			tm := newConfiguredMachine(t, Config{Seed: 3, LAPICTimerHz: c.hz})
			_, err := tm.Boot(BootImage{Path: "kernel.elf", Kernel: images.Kernel(),
				Append:  "pg.profile=test autorun=sleep 1000;poweroff",
				Modules: []BootModule{{Cmdline: "initrd.tar", Data: images.Archive()}}})
			require.NoError(t, err)
			s := tm.runWatched(t, 10*parityGuestLimit/120)
			tm.gate(t, s.Reason == StopDebugExit, s)
			out := tm.serial.String()
			require.Equal(t, StopDebugExit, s.Reason, "%v\n%s", s, out)
			require.Contains(t, out, fmt.Sprintf("local APIC timer %d counts per 10 ms tick", c.perTick))
			require.Contains(t, out, "pg: armed, ")
			require.NotContains(t, out, "*** STOP")
			boot := strings.Index(out, "boot: complete")
			require.GreaterOrEqual(t, boot, 0, out)
			// The sleep's second, plus the boot before it, by the
			// machine's own clock.
			require.Greater(t, tm.Now(), uint64(1_000_000_000), out)
			require.Less(t, tm.Now(), uint64(1_500_000_000), out)
		})
	}
}

func TestLAPICTimerHzRange(t *testing.T) {
	for _, hz := range []uint64{999_999, 10_000_000_001} {
		_, err := New(Config{LAPICTimerHz: hz})
		require.ErrorContains(t, err, "local APIC timer clock")
	}
}
