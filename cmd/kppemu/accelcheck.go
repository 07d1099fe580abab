package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/kppemu/kppemu/cpu"
	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/emu/accelcheck"
	"github.com/kppemu/kppemu/emu/hostio"
)

// bootAccelCheck is `kppemu boot --accel-check N`: the image runs on two
// machines, one per tier, compared every N instructions (package
// accelcheck). The test machine's serial output is the user's; stdin
// reaches both machines at the same chunk boundary.
func bootAccelCheck(c *cli.Context, cfg emu.Config, img emu.BootImage, serial *hostio.Output, stderr io.Writer) error {
	for _, f := range []string{"gdb", "gdb-wait", "s", "S", "debug-on", "events"} {
		if c.IsSet(f) {
			return &exitStatus{exitHostError, fmt.Sprintf("--accel-check does not combine with --%s", f)}
		}
	}
	every := c.Uint64("accel-check")
	if every == 0 {
		return &exitStatus{exitHostError, "--accel-check needs a chunk length N > 0 (instructions)"}
	}
	accel := cpu.AccelInterp
	var err error
	if cfg.Accel != "" {
		accel, err = cpu.ParseAccel(cfg.Accel)
	} else {
		accel, err = cpu.AccelFromEnv()
	}
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	test := accelcheck.Tier{Accel: accel}
	ref := test.Reference()
	if s := c.String("accel-ref"); s != "" {
		if ref, err = accelcheck.ParseTier(s); err != nil {
			return &exitStatus{exitHostError, "--accel-ref: " + err.Error()}
		}
	}
	if ref == test {
		return &exitStatus{exitHostError, fmt.Sprintf("--accel-check: the reference tier is the tier under test (%v)", test)}
	}
	cfg.Accel = "" // each side's tier is set by the check
	cfg.Serial = nil
	build := func(out io.Writer) (*emu.Machine, error) {
		mc := cfg
		mc.Serial = out
		mc.Accel = cpu.AccelInterp.String()
		m, err := emu.New(mc)
		if err != nil {
			return nil, err
		}
		if _, err := m.Boot(img); err != nil {
			return nil, err
		}
		return m, nil
	}
	k, err := accelcheck.New(accelcheck.Config{Machine: build, Test: test, Ref: ref, Every: every, Serial: serial})
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	serial.OnError = func(error) { k.RequestStop() }

	// Stdin, whatever it is, is input for both machines (no raw mode: the
	// terminal's line editing and Ctrl-C work as usual).
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := os.Stdin.Read(buf)
			if n > 0 {
				k.Input(append([]byte(nil), buf[:n]...))
			}
			if err != nil {
				return
			}
		}
	}()
	host := watchHostStops(c, k.RequestStop)
	defer host.close()

	fmt.Fprintf(stderr, "kppemu: accel-check: %v against %v, compared every %d instructions\n", test, ref, every)
	res, err := k.Run(guestLimit(c))
	host.runEnded()
	if cerr := closeOutputs([]*hostio.Output{serial}, serial); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	if d := res.Divergence; d != nil {
		var b strings.Builder
		d.Report(&b)
		fmt.Fprint(stderr, b.String())
		return &exitStatus{exitDiverged, fmt.Sprintf("accel-check: %v and %v differ at guest time %d ns", test, ref, d.Time)}
	}
	fmt.Fprintf(stderr, "kppemu: accel-check: %v and %v agree: %d chunk(s), %d instructions, %d ns of guest time, %d byte(s) of serial output\n",
		test, ref, res.Chunks, res.Instructions, res.Time, res.SerialBytes)
	if test.Accel == cpu.AccelJIT && res.Instructions > 0 {
		fmt.Fprintf(stderr, "kppemu: accel-check: %d instructions (%.1f%%) ran in translated code\n",
			res.JITRan, 100*float64(res.JITRan)/float64(res.Instructions))
	}
	if err := host.status(res.Stop); err != nil {
		return err
	}
	return outcome(k.Test, res.Stop)
}
