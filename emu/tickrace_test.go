package emu

import (
	"bytes"
	"encoding/binary"
	"regexp"
	"strings"
	"testing"

	"github.com/kppemu/kppemu/cpu"
	"github.com/kppemu/kppemu/emu/dev"
	"github.com/kppemu/kppemu/images"
	"github.com/kppemu/kppemu/kernel/abi"
)

// On QEMU the timer ticks by the host's clock, so a tick may land on any
// instruction of the guest, and a guest whose output order depends on where
// it lands prints different transcripts from run to run. kppemu's tick is
// deterministic, but it can be made to land on a chosen instruction: these
// tests jump the clock to the next timer deadline there and check that the
// transcript keeps its order.

// runToKernelBase runs a booted kernel until it reports where its image
// runs (the kernel-base event, before kmain): from then on its symbols
// name the addresses its code runs at.
func runToKernelBase(t *testing.T, m *Machine) {
	t.Helper()
	cancel := m.Subscribe(func(e Event) {
		if e.Type == abi.EvKernelBase {
			m.RequestStop()
		}
	})
	defer cancel()
	if s := m.RunFor(parityGuestLimit); s.Reason != StopRequested || !m.Symbols().KernelBaseKnown() {
		t.Fatalf("no kernel-base event: %v", s)
	}
}

// kernelSymbol returns the address of a symbol of the running kernel.
func kernelSymbol(t *testing.T, m *Machine, name string) uint64 {
	t.Helper()
	a, err := m.Symbols().Address(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// tickNow moves the clock to the next timer deadline (LAPIC or PIT): the
// timer interrupt is raised before the next instruction.
func tickNow(t *testing.T, m *Machine) {
	t.Helper()
	next, ok := uint64(0), false
	for _, d := range []dev.Timed{m.LAPIC, m.PIT} {
		if dt, has := d.NextDeadline(); has && (!ok || dt < next) {
			next, ok = dt, true
		}
	}
	if !ok {
		t.Fatal("no timer armed")
	}
	m.CPU.Clock = max(m.CPU.Clock, next)
}

// runTickingAt boots the embedded kernel with cmdline and runs it to its
// isa-debug-exit. Whenever the guest reaches the breakpoint at symbol sym, at decides:
// tick lands a timer tick there, and a non-zero next moves the breakpoint.
// It returns the serial output and how many ticks were landed.
func runTickingAt(t *testing.T, cmdline, sym string, at func(m *Machine) (tick bool, next uint64)) (string, int) {
	t.Helper()
	var serial bytes.Buffer
	m, err := New(Config{Serial: &serial})
	if err != nil {
		t.Fatal(err)
	}
	mods := []BootModule{{Cmdline: "initrd.tar", Data: images.Archive()}}
	if _, err := m.Boot(BootImage{Path: "kernel.elf", Kernel: images.Kernel(), Append: cmdline, Modules: mods}); err != nil {
		t.Fatal(err)
	}
	runToKernelBase(t, m)
	bp := kernelSymbol(t, m, sym)
	ticks := 0
	m.SetBreakpoint(bp)
	for {
		stop := m.RunFor(parityGuestLimit)
		if stop.Reason == StopDebugExit {
			return serial.String(), ticks
		}
		if stop.Reason != StopBreakpoint {
			t.Fatalf("stopped by %v\n%s", stop, serial.String())
		}
		tick, next := at(m)
		if tick {
			tickNow(t, m)
			ticks++
		}
		m.ClearBreakpoint(bp)
		if next != 0 {
			bp = next
		} else if s := m.Step(); s.Reason != StopStep {
			t.Fatalf("step: %v", s)
		}
		m.SetBreakpoint(bp)
	}
}

// The created-thread notification runs before the new thread can run: a
// tick at the notification's entry must not let hello print first.
func TestTickAtThreadNotify(t *testing.T) {
	out, ticks := runTickingAt(t, "autorun=load vendor_rules;run hello;poweroff", "hook_thread_notify", func(m *Machine) (bool, uint64) {
		// hook_thread_notify(pid, tid, created): a user thread being created.
		return m.CPU.GPR[cpu.RDI] != 0 && m.CPU.GPR[cpu.RDX]&0xFF == 1, 0
	})
	if ticks == 0 {
		t.Fatalf("no created-thread notification for a user process\n%s", out)
	}
	created := regexp.MustCompile(`vendor_rules: thread \d+ of pid \d+ created`).FindStringIndex(out)
	first := strings.Index(out, "hello: pid ")
	if created == nil || first < 0 || created[0] > first {
		t.Fatalf("hello ran before its created-thread notification printed:\n%s", out)
	}
}

// The shell waits for hello's exit and then lists the processes: a tick
// right after the last thread woke the shell must not let ps see hello
// (its exiting thread still holding a reference).
func TestTickAfterProcessExit(t *testing.T) {
	ret := uint64(0)
	out, ticks := runTickingAt(t, "autorun=run hello;ps;poweroff", "process_last_thread_exit", func(m *Machine) (bool, uint64) {
		if ret == 0 {
			var b [8]byte
			if err := m.ReadVirt(m.CPU.GPR[cpu.RSP], b[:]); err != nil {
				t.Fatal(err)
			}
			ret = binary.LittleEndian.Uint64(b[:])
			return false, ret // on to the caller, just after the call
		}
		return true, 0
	})
	if ticks == 0 {
		t.Fatalf("the process never exited\n%s", out)
	}
	_, ps, ok := strings.Cut(out, "kpp> ps")
	if !ok || strings.Contains(ps, "hello") {
		t.Fatalf("ps still lists the exited hello:\n%s", out)
	}
}
