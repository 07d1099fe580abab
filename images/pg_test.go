package images

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kppemu/kppemu/images/qemu"
	"github.com/kppemu/kppemu/kernel/abi"
)

// pgBoundTest is the worst-case detection latency of pg.profile=test in
// guest time: four passes at most 15 ms apart (rounded up to 10 ms ticks),
// plus slack for the first pass and the tick granularity.
const pgBoundTest = 0.150

var (
	patchedRe  = regexp.MustCompile(`^~ attack_\w+: patched at (\d+\.\d+) s guest time`)
	detectedRe = regexp.MustCompile(`^~ pg: detected at (\d+\.\d+) s guest time`)
	passesRe   = regexp.MustCompile(`^~ pg: \d context\(s\), passes: timer (\d+), piggy-back (\d+)`)
)

// pgLatency returns the guest seconds between the attack's patch and the
// detection, from their timing lines.
func pgLatency(t *testing.T, serial string) float64 {
	t.Helper()
	var patched, detected float64 = -1, -1
	for _, l := range qemu.Lines(serial) {
		if m := patchedRe.FindStringSubmatch(l); m != nil {
			patched, _ = strconv.ParseFloat(m[1], 64)
		}
		if m := detectedRe.FindStringSubmatch(l); m != nil {
			detected, _ = strconv.ParseFloat(m[1], 64)
		}
	}
	if patched < 0 || detected < 0 {
		t.Fatalf("no patch or detection time in the transcript:\n%s", serial)
	}
	return detected - patched
}

func stopLine(typ uint64) string {
	return fmt.Sprintf(",0x%016x)", typ)
}

// TestQEMUPatchGuardAttacks loads each attack driver on QEMU with the test
// profile and expects bug check 0x109 with the attack's region type, within
// the profile's latency bound.
func TestQEMUPatchGuardAttacks(t *testing.T) {
	cases := []struct {
		attack  string
		typ     uint64
		name    string
		cmdline string // after pg.profile=test; default: load the driver, wait
		modules []string
		bound   float64
	}{
		{attack: "attack_a1", typ: abi.PGServiceTable, name: "system service function"},
		{attack: "attack_a2", typ: abi.PGFunction, name: "function modification"},
		{attack: "attack_a3", typ: abi.PGGenericData, name: "generic data region"},
		{attack: "attack_a4", typ: abi.PGIDT, name: "processor IDT"},
		{attack: "attack_a6", typ: abi.PGCriticalMSR, name: "critical MSR modification"},
	}
	for _, c := range cases {
		t.Run(c.attack, func(t *testing.T) {
			t.Parallel()
			cmd := c.cmdline
			if cmd == "" {
				cmd = "autorun=load " + c.attack + ";sleep 3000;poweroff"
			}
			mods := c.modules
			if mods == nil {
				mods = []string{"initrd"}
			}
			res := bootQEMU(t, "pg.profile=test "+cmd, mods...)
			expectInOrder(t, res.Serial, []string{
				"pg: armed, ", c.attack + ": ",
				fmt.Sprintf("*** PatchGuard: %s (region type 0x%x)", c.name, c.typ),
				"*** STOP: 0x00000109 (", stopLine(c.typ), "*** CRITICAL_STRUCTURE_CORRUPTION", "*** system halted",
			})
			if res.ExitCode != exitBugCheck {
				t.Errorf("exit status %d, want %d", res.ExitCode, exitBugCheck)
			}
			bound := c.bound
			if bound == 0 {
				bound = pgBoundTest
			}
			lat := pgLatency(t, res.Serial)
			t.Logf("%s: detected %.1f ms (guest) after the patch", c.attack, lat*1000)
			if lat < 0 || lat > bound {
				t.Errorf("detection latency %.3f s outside [0, %.3f] s", lat, bound)
			}
		})
	}
}

// TestQEMUPatchGuardClean runs drivers and timers for five guest seconds in
// the test profile (hundreds of passes on both paths) and expects no bug
// check.
func TestQEMUPatchGuardClean(t *testing.T) {
	res := bootQEMU(t, "pg.profile=test pg.telemetry=1 autorun=load hello;load ticktest 100;sleep 2500;unload hello;"+
		"usertest;sleep 2500;pg;poweroff", "initrd")
	expectInOrder(t, res.Serial, []string{"pg: armed, ", "kpp> pg", "pg: armed, ", "power off"})
	if strings.Contains(res.Serial, "*** STOP") || res.ExitCode != exitPowerOff {
		t.Fatalf("exit status %d; serial:\n%s", res.ExitCode, res.Serial)
	}
	for _, l := range qemu.Lines(res.Serial) {
		if m := passesRe.FindStringSubmatch(l); m != nil {
			timer, _ := strconv.Atoi(m[1])
			piggy, _ := strconv.Atoi(m[2])
			t.Logf("passes: timer %d, piggy-back %d", timer, piggy)
			if timer < 200 {
				t.Errorf("only %d timer passes in 5 s of the test profile", timer)
			}
			return
		}
	}
	t.Errorf("no pass counts in:\n%s", res.Serial)
}

// TestQEMUPatchGuardOptions: pg=off and kd=1 leave the checker unarmed (and
// a patch undetected); pg.seed fixes the schedule, so two boots print the
// same transcript, stop screen included.
func TestQEMUPatchGuardOptions(t *testing.T) {
	t.Run("off", func(t *testing.T) {
		t.Parallel()
		res := bootQEMU(t, "pg=off autorun=pg;poweroff")
		expectInOrder(t, res.Serial, []string{"pg: disabled (pg=off)", "kpp> pg", "pg: not armed (pg=off)", "power off"})
	})
	t.Run("seed", func(t *testing.T) {
		t.Parallel()
		cmd := "pg.profile=test pg.seed=7 autorun=load attack_a1;sleep 3000;poweroff"
		a := qemu.Transcript(bootQEMU(t, cmd, "initrd").Serial)
		b := qemu.Transcript(bootQEMU(t, cmd, "initrd").Serial)
		if strings.Join(a, "\n") != strings.Join(b, "\n") {
			t.Errorf("transcripts differ:\n%s\n---\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
		}
	})
}
