// Package vtest boots the embedded kernel with the vendor drivers on kppemu
// and on QEMU (docs/vendorapi.md; docs/patchguard.md A10 and A24). Each script pairs
// a protection of the sample vendor driver with the program that tries to
// defeat it; both machines must print the same transcript (timing lines
// aside), show the denial, and never bug-check unless the case expects it.
// QEMU runs are skipped when it is missing unless KPPEMU_REQUIRE_QEMU=1.
package vtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/images"
	"github.com/kppemu/kppemu/images/qemu"
	"github.com/kppemu/kppemu/kernel/abi"
)

const guestLimit = 120 * uint64(time.Second)

type run struct {
	machine string
	serial  string
	status  int         // isa-debug-exit status
	events  []emu.Event // kppemu only
}

// sameTranscript compares the QEMU and kppemu transcripts of a script
// (timing lines aside) line by line; it returns the first line that
// differs.
func sameTranscript(cmdline, qemuSerial, kppemuSerial string) (line int, q, k string, ok bool) {
	a, b := qemu.Transcript(qemuSerial), qemu.Transcript(kppemuSerial)
	if concurrent(cmdline) {
		// A program started with `start` runs alongside the shell, which
		// goes on reporting the start and echoing the next commands: where
		// a tick falls decides how the two interleave. Both machines must
		// print the same lines; the order that matters is each test's
		// wanted lines, checked on both machines by expectInOrder.
		a, b = sorted(a), sorted(b)
	}
	line, q, k = qemu.FirstDifference(a, b)
	return line, q, k, line == 0
}

// concurrent reports whether a script starts a program that runs
// alongside the shell.
func concurrent(cmdline string) bool {
	return strings.Contains(cmdline, "start ")
}

// sorted returns the lines in sorted order.
func sorted(lines []string) []string {
	out := append([]string(nil), lines...)
	sort.Strings(out)
	return out
}

// module is an extra boot module (a driver loaded at boot, by file name).
type module struct {
	file string
	data []byte
}

func bootKppemu(t *testing.T, cmdline string, extra ...module) run {
	t.Helper()
	var serial, logs bytes.Buffer
	m, err := emu.New(emu.Config{Serial: &serial, Logger: hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: &logs})})
	if err != nil {
		t.Fatal(err)
	}
	var events []emu.Event
	cancel := m.Subscribe(func(e emu.Event) { events = append(events, e) })
	defer cancel()
	mods := []emu.BootModule{{Cmdline: "initrd.tar", Data: images.Archive()}}
	for _, x := range extra {
		mods = append(mods, emu.BootModule{Cmdline: x.file, Data: x.data})
	}
	if _, err := m.Boot(emu.BootImage{Path: "kernel.elf", Kernel: images.Kernel(), Append: cmdline, Modules: mods}); err != nil {
		t.Fatal(err)
	}
	stop := m.RunFor(guestLimit)
	if stop.Reason != emu.StopDebugExit {
		t.Fatalf("kppemu stopped by %v\n%s\n%s", stop, serial.String(), logs.String())
	}
	return run{machine: "kppemu", serial: serial.String(), status: stop.Status, events: events}
}

func bootQEMU(t *testing.T, cmdline string, extra ...module) (run, bool) {
	t.Helper()
	if !qemu.Available() {
		if os.Getenv(qemu.RequireEnv) == "1" {
			t.Fatalf("%s not found and %s=1", qemu.Binary, qemu.RequireEnv)
		}
		t.Logf("%s not installed: kppemu only", qemu.Binary)
		return run{}, false
	}
	dir := t.TempDir()
	kpath, err := qemu.WriteTemp(dir, "kernel.elf", images.Kernel())
	if err != nil {
		t.Fatal(err)
	}
	apath, err := qemu.WriteTemp(dir, "initrd.tar", images.Archive())
	if err != nil {
		t.Fatal(err)
	}
	mods := []qemu.Module{{Path: apath}}
	for _, x := range extra {
		p, err := qemu.WriteTemp(dir, x.file, x.data)
		if err != nil {
			t.Fatal(err)
		}
		mods = append(mods, qemu.Module{Path: p})
	}
	// kppemu's seed (0 here) on QEMU too: the kernel at the same base.
	res, err := qemu.Run(context.Background(), qemu.Config{Kernel: kpath, Modules: mods,
		Append: cmdline, ICount: true, Timeout: 90 * time.Second, Seed: qemu.SeedPtr(0)})
	if err != nil {
		t.Fatal(err)
	}
	if res.TimedOut {
		t.Fatalf("QEMU timed out; serial:\n%s", res.Serial)
	}
	return run{machine: "qemu", serial: res.Serial, status: res.ExitCode}, true
}

// expectInOrder checks that each wanted string occurs in a line, in order.
func expectInOrder(t *testing.T, r run, want []string) {
	t.Helper()
	lines := qemu.Lines(r.serial)
	if i := qemu.InOrder(lines, want); i < len(want) {
		t.Errorf("%s: serial output lacks %q (after %q); got:\n%s", r.machine, want[i], want[:i], strings.Join(lines, "\n"))
	}
}

// denial is an expected EvAPIDenial: api, policy, subjects (-1: any).
type denial struct {
	api, policy uint64
	s1, s2      int64
	text        string
}

func (d denial) String() string {
	return fmt.Sprintf("api %d policy %d subjects %d,%d text %q", d.api, d.policy, d.s1, d.s2, d.text)
}

func (d denial) match(e emu.Event) bool {
	return e.Type == abi.EvAPIDenial && len(e.Args) == 4 && e.Args[0] == d.api && e.Args[1] == d.policy &&
		(d.s1 < 0 || e.Args[2] == uint64(d.s1)) && (d.s2 < 0 || e.Args[3] == uint64(d.s2)) &&
		strings.Contains(e.Text, d.text)
}

// bootBoth runs the script on both machines, compares the transcripts and
// checks the wanted lines on each and the denial events on kppemu.
func bootBoth(t *testing.T, cmdline string, wantStatus int, want []string, denials []denial, extra ...module) []run {
	t.Helper()
	k := bootKppemu(t, cmdline, extra...)
	runs := []run{k}
	if q, ok := bootQEMU(t, cmdline, extra...); ok {
		runs = append(runs, q)
	}
	// A bug check ends the transcript at a point that depends on the
	// machine's timing; other scripts must match line for line.
	if len(runs) == 2 && wantStatus != exitBugCheck {
		if line, x, y, ok := sameTranscript(cmdline, runs[1].serial, k.serial); !ok {
			t.Fatalf("transcripts differ at line %d:\nqemu:   %q\nkppemu: %q\n\nkppemu:\n%s", line, x, y, k.serial)
		}
	}
	for _, r := range runs {
		if r.status != wantStatus {
			t.Errorf("%s: exit status %d, want %d\n%s", r.machine, r.status, wantStatus, r.serial)
		}
		expectInOrder(t, r, want)
	}
	for _, d := range denials {
		found := false
		for _, e := range k.events {
			found = found || d.match(e)
		}
		if !found {
			t.Errorf("kppemu: no denial event %v; events: %v", d, k.events)
		}
	}
	if wantStatus != exitBugCheck {
		for _, e := range k.events {
			if e.Type == abi.EvBugCheck {
				t.Errorf("kppemu: unexpected bug check %v", e)
			}
		}
	}
	return runs
}

const (
	exitPowerOff = 1 // isa-debug-exit status after poweroff
	exitBugCheck = 3
)

// A24: the sample vendor driver's policies, each against the program that
// tries to defeat it, with PatchGuard armed in its test profile (passes
// every few ms) so any patching would be caught: no bug check.
func TestSampleDriverPolicies(t *testing.T) {
	script := "pg.profile=test autorun=load vendor_sample;start svc;sleep 50;run kill 1;run inject 1;run jit;" +
		"run badptr;run loaddrv attack_a1;load attack_a1;sleep 200;ps;unload vendor_sample;run jit;poweroff"
	bootBoth(t, script, exitPowerOff, []string{
		"vendor_sample: protecting svc (rights 0x21 stripped); blocking programs badptr and drivers attack_a1",
		"load: vendor_sample loaded",
		"vendor_sample: image svc loaded at 0x400000 (program, pid 1, unsigned)",
		// kill the service
		"vendorapi: vendor_sample: stripped access 0x1 from kill (pid 2)'s handle to svc (pid 1)",
		"kill: terminate pid 1: status 0xc0000022 access denied",
		// inject into it
		"vendorapi: vendor_sample: stripped access 0x20 from inject (pid 3)'s handle to svc (pid 1)",
		"inject: write \"injected\" at 0x20000000: status 0xc0000022 access denied",
		"inject: duplicate adding terminate: status 0xc0000022 access denied",
		// allocate RWX memory
		"vendorapi: vendor_sample: refused an executable allocation by jit (pid 4)",
		"jit: vm_alloc RWX: status 0xc0000022 access denied",
		// start a blocked program
		"vendorapi: vendor_sample: vetoed the creation of badptr (pid 5, parent 0), status 0xc0000022",
		"run: badptr: status 0xc0000022",
		// load a blocked driver, from a program and from the shell
		"vendorapi: vendor_sample: blocked the driver image attack_a1, status 0xc000036b",
		"load: attack_a1 refused: blocked by an image gate",
		"loaddrv: load attack_a1: status 0xc000036b",
		"load: attack_a1 refused: blocked by an image gate",
		// the service survived
		"svc",
		// unloaded, the policy is gone
		"vendor_sample: unregistered",
		"unload: vendor_sample unloaded",
		"jit: RWX code returned 0x1234",
		"power off",
	}, []denial{
		{abi.APIHandleFilter, abi.PolicyStripRights, 1, abi.ProcessTerminate, "vendor_sample"},
		{abi.APIHandleFilter, abi.PolicyStripRights, 1, abi.ProcessVMWrite, "vendor_sample"},
		{abi.APIMemoryFilter, abi.PolicyMemory, 4, abi.MemOpAllocExec, "vendor_sample"},
		{abi.APIProcessNotify, abi.PolicyProcessVeto, 0, abi.StatusAccessDenied, "vendor_sample"},
		{abi.APIImageGate, abi.PolicyImageBlocked, 0, abi.StatusDriverBlocked, "vendor_sample: blocked the driver image attack_a1"},
	})
}

// Registration rules: duplicates, a full list, altitude collision, altitude
// order, unregistering from inside one's own callback, no unload while
// registered.
func TestRegistrationRules(t *testing.T) {
	script := "autorun=load vendor_rules;load hello;run fault;run hello;unload vendor_rules;" +
		"load vendor_rules leak;unload vendor_rules;poweroff"
	bootBoth(t, script, exitPowerOff, []string{
		"vendor_rules: image notify: status 0x00000000",
		"vendor_rules: image notify again (duplicate): status 0xc000000d",
		"vendor_rules: image notify unregister: status 0x00000000",
		"vendor_rules: image notify unregister again: status 0xc000000d",
		"vendor_rules: 64 memory filters registered, last status 0x00000000",
		"vendor_rules: memory filter 65 (list full): status 0xc000000d",
		"vendor_rules: image gate at 100: status 0x00000000",
		"vendor_rules: image gate at 200: status 0x00000000",
		"vendor_rules: image gate at 200 again (altitude collision): status 0xc01c0011",
		"vendor_rules: thread notify: status 0x00000000",
		"vendor_rules: process notify: status 0x00000000",
		"load: vendor_rules loaded",
		"vendor_rules: gate at altitude 200 sees hello",
		"vendor_rules: gate at altitude 100 sees hello",
		"vendor_rules: unregister from inside the callback: status 0xc0000184",
		"load: hello loaded",
		// a gate vetoes a program: it is not created
		"vendor_rules: gate at altitude 200 sees fault",
		"vendor_rules: gate at altitude 100 sees fault",
		"vendorapi: vendor_rules: blocked the program image fault, status 0xc0000022",
		"run: fault: status 0xc0000022",
		// process and thread notify
		"vendor_rules: gate at altitude 100 sees hello",
		"vendor_rules: process hello (pid 2) created by pid 0, parent 0, arguments \"hello\"",
		"vendor_rules: thread ",
		" of pid 2 created",
		"vendor_rules: thread ",
		" of pid 2 exited",
		"vendor_rules: process pid 2 exiting",
		"unload: vendor_rules unloaded",
		"load: vendor_rules loaded",
		"vendorapi: vendor_rules still has 1 registration(s); not unloaded",
		"power off",
	}, []denial{
		{abi.APIImageGate, abi.PolicyImageBlocked, 1, abi.StatusAccessDenied, "vendor_rules: blocked the program image fault"},
	})
}

// Signing: an unsigned driver is refused without testsigning; with it, it
// loads unsigned and may not register filters (access denied, reported),
// while the observe-only notifications stay open to it.
func TestUnsignedDriver(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		bootBoth(t, "autorun=load vendor_unsigned;poweroff", exitPowerOff, []string{
			"load: vendor_unsigned refused: bad signature (no signature), status 0xc0000428",
			"power off",
		}, nil)
	})
	t.Run("testsigning", func(t *testing.T) {
		bootBoth(t, "testsigning autorun=load vendor_unsigned;unload vendor_unsigned;poweroff", exitPowerOff, []string{
			"load: vendor_unsigned is not validly signed (no signature); loading it unsigned (testsigning)",
			"vendorapi: vendor_unsigned: handle filter registration refused",
			"vendor_unsigned: handle filter: status 0xc0000022",
			"vendorapi: vendor_unsigned: image gate registration refused",
			"vendor_unsigned: image gate: status 0xc0000022",
			"vendor_unsigned: thread notify: status 0x00000000",
			"unload: vendor_unsigned unloaded",
			"power off",
		}, []denial{
			{abi.APIHandleFilter, abi.PolicyRegistration, abi.StatusAccessDenied, -1, "vendor_unsigned"},
			{abi.APIImageGate, abi.PolicyRegistration, abi.StatusAccessDenied, -1, "vendor_unsigned"},
		})
	})
}

// A10: a direct write to a sealed callback array is a 0x109 of type 0x18.
func TestDirectWriteToCallbackArray(t *testing.T) {
	runs := bootBoth(t, "pg.profile=test autorun=load attack_a10;sleep 3000;poweroff", exitBugCheck, []string{
		"attack_a10: image notify registered through the API: status 0x00000000",
		"attack_a10: notify array entry redirected by direct write",
		"*** STOP: 0x00000109",
	}, nil)
	for _, r := range runs {
		if !strings.Contains(r.serial, fmt.Sprintf(",0x%016x)", abi.PGNotificationCallout)) {
			t.Errorf("%s: stop screen does not name region type 0x18:\n%s", r.machine, r.serial)
		}
	}
	found := false
	for _, e := range runs[0].events {
		if e.Type == abi.EvBugCheck && len(e.Args) == 5 && e.Args[0] == abi.BugCriticalStructureCorruption &&
			e.Args[4] == abi.PGNotificationCallout {
			found = true
		}
	}
	if !found {
		t.Errorf("kppemu: no bug-check event 0x109 type 0x18; events: %v", runs[0].events)
	}
}

// Defence in depth: with only terminate stripped from handles to svc, inject
// gets its VM-write handle and the memory filter refuses the write itself.
func TestSampleDriverMemoryFilter(t *testing.T) {
	script := "autorun=load vendor_sample rights=0x1;start svc;sleep 50;run inject 1;poweroff"
	bootBoth(t, script, exitPowerOff, []string{
		"vendor_sample: protecting svc (rights 0x1 stripped)",
		"inject: open pid 1 with access 0x30: status 0x0 success",
		"vendorapi: vendor_sample: refused a cross-process write by inject (pid 2) in svc (pid 1) at 0x20000000, status 0xc0000022",
		"inject: write \"injected\" at 0x20000000: status 0xc0000022 access denied",
		"power off",
	}, []denial{
		{abi.APIMemoryFilter, abi.PolicyMemory, 1, abi.MemOpWriteOther, "vendor_sample"},
	})
}

// A driver whose bytes changed after signing is refused with a reason, with
// or without testsigning for the wrong signature (it then loads unsigned).
func TestTamperedSignature(t *testing.T) {
	hello, err := images.Driver("hello")
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), hello...)
	bad[0x40] ^= 0xFF // inside the first section, not the signature
	extra := module{"tampered.ko", bad}
	t.Run("refused", func(t *testing.T) {
		bootBoth(t, "autorun=lsmod;poweroff", exitPowerOff, []string{
			"load: tampered refused: bad signature (signature mismatch, key kpp-test), status 0xc0000428",
			"no modules loaded",
			"power off",
		}, nil, extra)
	})
	t.Run("testsigning", func(t *testing.T) {
		bootBoth(t, "testsigning autorun=lsmod;poweroff", exitPowerOff, []string{
			"load: tampered is not validly signed (signature mismatch); loading it unsigned (testsigning)",
			"power off",
		}, nil, extra)
	})
}

// Tamper protection of the registrations themselves: another driver cannot
// unregister the vendor's filters (it guesses their cookies).
func TestUnregisterByAnotherDriver(t *testing.T) {
	script := "autorun=load vendor_sample;load vendor_thief;start svc;sleep 50;run kill 1;poweroff"
	bootBoth(t, script, exitPowerOff, []string{
		"vendorapi: vendor_thief: may not unregister a handle filter registration of vendor_sample, status 0xc0000022",
		"vendor_thief: handle filters: 1 refused, 0 removed",
		"vendor_thief: memory filters: 1 refused, 0 removed",
		"vendor_thief: image gates: 1 refused, 0 removed",
		"kill: terminate pid 1: status 0xc0000022 access denied",
		"power off",
	}, []denial{
		{abi.APIHandleFilter, abi.PolicyRegistration, abi.StatusAccessDenied, -1, "vendor_thief"},
		{abi.APIMemoryFilter, abi.PolicyRegistration, abi.StatusAccessDenied, -1, "vendor_thief"},
		{abi.APIImageGate, abi.PolicyRegistration, abi.StatusAccessDenied, -1, "vendor_thief"},
	})
}

// Rundown: an unload while a thread is inside the driver's callback waits
// until the callback has left before removing it (and freeing the image).
func TestRundownOnUnregister(t *testing.T) {
	script := "autorun=load vendor_rundown;start hello;sleep 50;unload vendor_rundown;poweroff"
	bootBoth(t, script, exitPowerOff, []string{
		"vendor_rundown: callback for pid 1 entered",
		"vendor_rundown: unloading while a thread is inside the callback",
		"vendor_rundown: callback for pid 1 left",
		"vendor_rundown: unregistered: status 0x00000000, callback finished",
		"unload: vendor_rundown unloaded",
		"power off",
	}, nil)
}

// Sealing follows PatchGuard's arming: with pg.arm=late the arrays are
// sealed at the first vendor-API use after arming (A10 still detected);
// with pg=off nothing is sealed and the APIs still enforce their policies.
func TestSealingFollowsArming(t *testing.T) {
	t.Run("late", func(t *testing.T) {
		bootBoth(t, "pg.profile=test pg.arm=late autorun=load attack_a10;sleep 3000;poweroff", exitBugCheck, []string{
			"attack_a10: notify array entry redirected by direct write",
			"*** PatchGuard: kernel notification callout (region type 0x18)",
			"*** STOP: 0x00000109",
		}, nil)
	})
	t.Run("off", func(t *testing.T) {
		bootBoth(t, "pg=off autorun=load vendor_sample;start svc;sleep 50;run kill 1;load attack_a10;sleep 500;poweroff",
			exitPowerOff, []string{
				"pg: disabled (pg=off)",
				"kill: terminate pid 1: status 0xc0000022 access denied",
				"attack_a10: notify array entry redirected by direct write",
				"power off",
			}, []denial{{abi.APIHandleFilter, abi.PolicyStripRights, 1, abi.ProcessTerminate, "vendor_sample"}})
	})
}

// The QEMU transcripts of TestRundownOnUnregister when a tick let hello run
// before the shell reported the start or echoed its next command: the same
// transcript as far as the comparison goes; a missing line is not.
func TestTranscriptConcurrentStart(t *testing.T) {
	script := "autorun=load vendor_rundown;start hello;sleep 50;unload vendor_rundown;poweroff"
	k := "kpp> start hello\nstart: hello is pid 1\nkpp> sleep 50\nhello: pid 1\n" +
		"vendor_rundown: callback for pid 1 entered\nkpp> unload vendor_rundown\n"
	q := "kpp> start hello\nstart: hello is pid 1\nhello: pid 1\nkpp> sleep 50\n" +
		"vendor_rundown: callback for pid 1 entered\nkpp> unload vendor_rundown\n"
	if line, x, y, ok := sameTranscript(script, q, k); !ok {
		t.Fatalf("line %d: %q vs %q", line, x, y)
	}
	early := "kpp> start hello\nhello: pid 1\nstart: hello is pid 1\nkpp> sleep 50\n" +
		"vendor_rundown: callback for pid 1 entered\nkpp> unload vendor_rundown\n"
	if line, x, y, ok := sameTranscript(script, early, k); !ok {
		t.Fatalf("hello before the shell's start line: line %d: %q vs %q", line, x, y)
	}
	missing := "kpp> start hello\nstart: hello is pid 1\nkpp> sleep 50\nkpp> unload vendor_rundown\n"
	if _, _, _, ok := sameTranscript(script, missing, k); ok {
		t.Fatal("a missing line was accepted")
	}
	if _, _, _, ok := sameTranscript("autorun=run hello", q, k); ok {
		t.Fatal("a script without start compared loosely")
	}
}
