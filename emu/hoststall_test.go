package emu

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kppemu/kppemu/images"
	"github.com/kppemu/kppemu/kernel/abi"
)

// A host that does not run the machine for a while (QEMU without -icount,
// stopped or descheduled: its clocks follow the host's) gives the guest one
// tick and one PIT edge for all the periods it missed, while the TSC and
// the ACPI PM timer run on. PatchGuard must not take that for an attack.
// Machine.Stall makes kppemu such a host, deterministically: the machine
// runs for 1-3 ms of guest time (drawn from a fixed seed), then the clock
// moves on by the stop's length, over and over, with the guest idle at its
// shell prompt. Stops of 100 ms are shorter than two of the `windows`
// profile's PIT periods (one edge each, at least half of what the stop's
// length holds); 32 ticks of stops of 200 ms span more than the 24-bit PM
// timer's wrap (4.69 s). Before the checker told them apart, the `windows`
// profile gave 0x109 type 0x17 within 70-190 stops (the tick window against
// the TSC, the watchdog's pace check, PIT channel 0's phase).
func TestHostStallPatchGuard(t *testing.T) {
	stops := 250
	if testing.Short() {
		stops = 100
	}
	for _, profile := range []string{"windows", "fast", "test"} {
		for _, ms := range []uint64{100, 200} {
			t.Run(fmt.Sprintf("%s/%dms", profile, ms), func(t *testing.T) {
				t.Parallel()
				hostStalls(t, profile, ms*uint64(time.Millisecond), stops)
			})
		}
	}
}

// hostStalls boots the kernel with PatchGuard in profile and, once armed,
// stops the machine n times for stall ns each.
func hostStalls(t *testing.T, profile string, stall uint64, n int) {
	var serial bytes.Buffer
	m, err := New(Config{Serial: &serial})
	if err != nil {
		t.Fatal(err)
	}
	mods := []BootModule{{Cmdline: "initrd.tar", Data: images.Archive()}}
	append := "pg.profile=" + profile + " pg.seed=1"
	if _, err := m.Boot(BootImage{Path: "kernel.elf", Kernel: images.Kernel(), Append: append, Modules: mods}); err != nil {
		t.Fatal(err)
	}
	armed := false
	var bugcheck *Event
	cancel := m.Subscribe(func(e Event) {
		switch e.Type {
		case abi.EvPGArmed:
			armed = true
			m.RequestStop()
		case abi.EvBugCheck:
			bugcheck = &e
		}
	})
	defer cancel()
	if s := m.RunFor(parityGuestLimit); s.Reason != StopRequested || !armed {
		t.Fatalf("PatchGuard did not arm: %v\n%s", s, serial.String())
	}
	rng := rand.New(rand.NewPCG(1, stall))
	for i := 0; i < n; i++ {
		run := uint64(time.Millisecond) + rng.Uint64N(2*uint64(time.Millisecond))
		s := m.RunFor(run)
		if bugcheck != nil {
			t.Fatalf("bug check %#x after %d stops of %d ms: %#x\n%s", bugcheck.Args[0], i, stall/uint64(time.Millisecond), bugcheck.Args, serial.String())
		}
		if s.Reason != StopTimeLimit {
			t.Fatalf("stopped after %d stops: %v\n%s", i, s, serial.String())
		}
		m.Stall(stall)
	}
}
