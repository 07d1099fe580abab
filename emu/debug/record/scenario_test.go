package record

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/emu/scenario"
	"github.com/kppemu/kppemu/images"
	"github.com/kppemu/kppemu/kernel/abi"
)

// TestReverseInterrupts: a stretch of ticktest's periodic timers, where
// most instructions run in interrupt handlers and DPCs.
func TestReverseInterrupts(t *testing.T) {
	const line = "autorun=load ticktest 100"
	m := boot(t, line)
	r, err := New(m, Config{SnapshotEvery: 1 << 20})
	require.NoError(t, err)
	defer r.Close()
	require.Equal(t, emu.StopTimeLimit, r.Run(400_000_000).Reason)
	from := m.CPU.Instret
	require.Equal(t, emu.StopTimeLimit, r.Run(600_000_000).Reason)
	n := m.CPU.Instret
	atN := hash(t, m)
	k := n - from

	// The stretch holds timer interrupts: count the tick handler's entries
	// on a fresh machine.
	fresh := boot(t, line)
	runTo(t, fresh, n-k)
	tick := symbolAddr(t, fresh, "apic_tick")
	fresh.SetBreakpoint(tick)
	ticks := 0
	for fresh.CPU.Instret < n {
		st := fresh.RunTo(emu.Forever, n)
		if st.Reason == emu.StopBreakpoint {
			ticks++
		}
	}
	require.GreaterOrEqual(t, ticks, 15, "timer interrupts in the stretch")
	t.Logf("stretch of %d instructions with %d timer interrupts", k, ticks)

	for _, back := range []uint64{1, k / 2, k} {
		_, err := r.ReverseStep(back)
		require.NoError(t, err)
		f := boot(t, line)
		runTo(t, f, n-back)
		require.Equal(t, hash(t, f), hash(t, m), "k=%d", back)
		// Forward again to where the run stopped (the CPU halted there).
		require.Equal(t, emu.StopTimeLimit, r.Run(600_000_000).Reason)
		require.Equal(t, atN, hash(t, m), "back at n after k=%d", back)
	}
}

// TestReverseBugCheck: back from the stop after a 0x109 bug check.
func TestReverseBugCheck(t *testing.T) {
	const line = "pg.profile=test autorun=load attack_a1"
	m := boot(t, line)
	// A front end that breaks in on a bug check, as the console does: a
	// replay must not call it again.
	bugChecks := 0
	m.Subscribe(func(e emu.Event) {
		if e.Type == abi.EvBugCheck {
			bugChecks++
			m.RequestStop()
		}
	})
	r, err := New(m, Config{SnapshotEvery: 1 << 20})
	require.NoError(t, err)
	defer r.Close()
	st := r.Run(2_000_000_000)
	require.Equal(t, emu.StopRequested, st.Reason, "%s", st)
	st = r.Run(2_000_000_000)
	bc, ok := m.BugCheck()
	require.True(t, ok, "%s", st)
	require.Equal(t, uint64(abi.BugCriticalStructureCorruption), bc.Args[0])
	n := m.CPU.Instret
	atN := hash(t, m)
	for _, back := range []uint64{1, 300, 2_500_000} {
		_, err := r.ReverseStep(back)
		require.NoError(t, err)
		f := boot(t, line)
		runTo(t, f, n-back)
		require.Equal(t, hash(t, f), hash(t, m), "k=%d", back)
		recTo(t, r, n)
		require.Equal(t, atN, hash(t, m))
	}
	require.Equal(t, 1, bugChecks, "replays deliver no event twice")
	// whowrote from the stop: the attack driver's write.
	w, err := r.WhoWrote(bc.Args[3], 1)
	require.NoError(t, err)
	require.Equal(t, atN, hash(t, m), "whowrote leaves the machine where it was")
	require.Equal(t, "attack_a1", moduleOf(m, w.RIP), "writer %+v", w)
}

// TestWhoWroteScenarios: after the A1, A2 and A4 attacks, whowrote on the
// byte the scenario report attributes (the bug check's corrupted address,
// or the latest change in its region) names the same instruction (time,
// RIP, CPL) as the report.
func TestWhoWroteScenarios(t *testing.T) {
	for _, c := range []struct {
		file, driver string
	}{
		{"a01_service_table.hcl", "attack_a1"},
		{"a02_inline_hook.hcl", "attack_a2"},
		{"a04_idt_gate.hcl", "attack_a4"},
	} {
		t.Run(c.driver, func(t *testing.T) {
			scs, errs := scenario.ParseFile("../../../scenarios/" + c.file)
			require.Empty(t, errs)
			sc := scs[0]
			res := scenario.RunJob(scenario.Job{Scenario: sc, Seed: sc.Seeds[0]})
			require.Equal(t, scenario.Pass, res.Outcome, "%v", res.Failures)
			require.NotNil(t, res.BugCheck)
			want := res.BugCheck.LastWriter
			require.NotNil(t, want, "the report names a writer: %s", res.BugCheck.Attribution)

			// The same run, recorded.
			require.Len(t, sc.Steps, 1)
			m, err := emu.New(emu.Config{MemBytes: sc.MemBytes, Seed: sc.Seeds[0]})
			require.NoError(t, err)
			img := emu.BootImage{Path: scenario.KernelPath, Kernel: images.Kernel(), Append: sc.Append}
			for _, d := range sc.Drivers { // the scenario's embedded modules, as its runner loads them
				if d == "initrd" {
					img.Modules = append(img.Modules, emu.BootModule{Cmdline: "initrd.tar", Data: images.Archive()})
					continue
				}
				b, err := images.Driver(d)
				require.NoError(t, err)
				img.Modules = append(img.Modules, emu.BootModule{Cmdline: d + ".ko", Data: b})
			}
			_, err = m.Boot(img)
			require.NoError(t, err)
			r, err := New(m, Config{})
			require.NoError(t, err)
			defer r.Close()
			require.Equal(t, emu.StopTimeLimit, r.Run(sc.Steps[0].At).Reason)
			r.Input([]byte("load " + c.driver + "\r"))
			st := r.Run(sc.Steps[0].At + 1_000_000_000)
			bc, ok := m.BugCheck()
			require.True(t, ok, "%s", st)
			require.Equal(t, res.BugCheck.Params, [4]uint64(bc.Args[1:5]))

			// The byte the report attributes: the corrupted one when it
			// changed ("exact byte"), else the latest change in the region
			// (PatchGuard names an entry or a gate by its first byte, which
			// the attack's stores may leave as it was, depending on where
			// the kernel, at its per-boot base, and the driver's code lie).
			if strings.Contains(res.BugCheck.Attribution, "exact byte") {
				require.Equal(t, bc.Args[3], uint64(want.Addr))
			}
			w, err := r.WhoWrote(uint64(want.Addr), 1)
			require.NoError(t, err)
			require.Equal(t, uint64(want.RIP), w.RIP, "RIP: whowrote %+v, report %+v", w, want)
			require.Equal(t, want.Time, w.Time)
			require.Equal(t, want.CPL, w.CPL)
			require.False(t, w.Host)
			require.Equal(t, c.driver, moduleOf(m, w.RIP))
			require.NotEqual(t, w.Old, w.New)
			require.NotEmpty(t, w.Insn)
			t.Logf("%s: whowrote %#x = %s at %d ns (instret %d, CPL %d, insn % x, old % x, new % x); report: %s",
				c.driver, bc.Args[3], m.Symbols().Name(w.RIP), w.Time, w.Instret, w.CPL, w.Insn, w.Old, w.New, res.BugCheck.Attribution)
		})
	}
}

// moduleOf names the module holding addr ("" if none).
func moduleOf(m *emu.Machine, addr uint64) string {
	mod, _, _, ok := m.Symbols().Where(addr)
	if !ok {
		return fmt.Sprintf("(%#x)", addr)
	}
	return mod
}

// symbolAddr is a kernel symbol's address in m, where the kernel has
// reported its base (it may run its image away from the link address).
func symbolAddr(t *testing.T, m *emu.Machine, name string) uint64 {
	t.Helper()
	require.True(t, m.Symbols().KernelBaseKnown(), "the kernel has not reported its base yet")
	a, err := m.Symbols().Address(name)
	require.NoError(t, err)
	return a
}

// TestWhoWroteAcrossProcesses: two ring-3 processes preempt each other
// while the timer interrupt updates tick_count; whowrote on it names the
// same write (instruction count, RIP, CPL) that a CPU write watchpoint on a
// fresh run of the same stretch sees last.
func TestWhoWroteAcrossProcesses(t *testing.T) {
	const line = "autorun=run init spin 4000000 a + spin 4000000 b"
	m := boot(t, line)
	r, err := New(m, Config{SnapshotEvery: 1 << 20})
	require.NoError(t, err)
	defer r.Close()
	require.Equal(t, emu.StopTimeLimit, r.Run(700_000_000).Reason)
	n := m.CPU.Instret
	addr := symbolAddr(t, m, "tick_count")
	w, err := r.WhoWrote(addr, 8)
	require.NoError(t, err)
	require.Equal(t, n, m.CPU.Instret, "whowrote leaves the machine where it was")

	fresh := boot(t, line)
	fresh.AddWatchpoint(addr, 8, false, true)
	var last *emu.WatchHit
	var lastInstret, lastTime uint64
	spaces := map[uint64]bool{} // address spaces the tick interrupted
	for fresh.CPU.Instret < n {
		st := fresh.RunTo(emu.Forever, n)
		if st.Reason == emu.StopWatchpoint {
			last, lastInstret, lastTime = st.Watch, fresh.CPU.Instret, st.Time
			spaces[fresh.CPU.CR3] = true
		}
	}
	require.NotNil(t, last)
	require.GreaterOrEqual(t, len(spaces), 3, "ticks in the kernel's and both processes' address spaces")
	require.Equal(t, last.RIP, w.RIP)
	require.Equal(t, lastInstret, w.Instret)
	require.Equal(t, lastTime, w.Time)
	require.Equal(t, uint8(0), w.CPL)
	require.Equal(t, "kernel", moduleOf(m, w.RIP))
	t.Logf("tick_count last written by %s at %d ns, instruction %d", m.Symbols().Name(w.RIP), w.Time, w.Instret)
}

// TestBudget: a small budget keeps the recording bounded; going back past
// what it holds stops at the oldest checkpoint with ErrNoHistory.
func TestBudget(t *testing.T) {
	m := boot(t, "")
	r, err := New(m, Config{SnapshotEvery: 1 << 19, BudgetBytes: 1 << 20})
	require.NoError(t, err)
	defer r.Close()
	recTo(t, r, 10_000_000)
	n, bytes := r.Checkpoints()
	require.LessOrEqual(t, bytes, uint64(1<<20))
	require.Greater(t, r.Oldest().Instret, uint64(0), "the oldest checkpoints were dropped")
	t.Logf("%d checkpoints in %d KiB, oldest at %d instructions", n, bytes>>10, r.Oldest().Instret)
	oldest := r.Oldest()
	_, err = r.ReverseStep(10_000_000)
	require.ErrorIs(t, err, ErrNoHistory)
	require.Equal(t, oldest, r.now())
	f := boot(t, "")
	runTo(t, f, oldest.Instret)
	require.Equal(t, hash(t, f), hash(t, m))
}
