package cputime

import (
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	// A command name with spaces and parentheses; utime 250, stime 17.
	stat := "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 17 0 0 20 0 1 0 100 0 0\n"
	d, ok := parseStat([]byte(stat))
	if !ok || d != 2670*time.Millisecond {
		t.Fatalf("parseStat = %v, %v; want 2.67s, true", d, ok)
	}
	for _, bad := range []string{"", "1 (x) S 1 2", "1 (x) S 1 2 3 4 5 6 7 8 9 10 x 0"} {
		if _, ok := parseStat([]byte(bad)); ok {
			t.Errorf("parseStat(%q) ok", bad)
		}
	}
}

// spin uses CPU on the calling thread until read reports at least d more.
func spin(t *testing.T, read func() (time.Duration, bool), d time.Duration) {
	t.Helper()
	start, ok := read()
	if !ok {
		t.Skip("no per-thread CPU time here")
	}
	x := 0
	for {
		for i := 0; i < 1_000_000; i++ {
			x += i
		}
		if now, _ := read(); now-start >= d {
			break
		}
	}
	_ = x
}

func TestThreadAndProcess(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	read := CurrentThread()
	spin(t, read, 50*time.Millisecond)
	// The process's figure is summed and scaled apart from the thread's:
	// only that it moved is certain.
	if p, ok := Process(os.Getpid()); !ok || p == 0 {
		t.Fatalf("process CPU time %v (ok %v) after 50ms of work", p, ok)
	}
}

// The guard fires on CPU time used, however long that takes.
func TestGuardFires(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	read := CurrentThread()
	if _, ok := read(); !ok {
		t.Skip("no per-thread CPU time here")
	}
	var stops atomic.Int32
	end := Guard(read, 30*time.Millisecond, func() { stops.Add(1) })
	start, _ := read()
	x := 0
	for stops.Load() == 0 {
		for i := 0; i < 1_000_000; i++ {
			x += i
		}
	}
	_ = x
	now, _ := read()
	if now-start < 30*time.Millisecond {
		t.Errorf("stopped after %v of CPU time, before the 30ms limit", now-start)
	}
	if !end() || stops.Load() != 1 {
		t.Errorf("end() = false or stop called %d times", stops.Load())
	}
}

// A guard ended before its limit never calls stop, and reports so.
func TestGuardEnded(t *testing.T) {
	var used atomic.Int64
	read := func() (time.Duration, bool) { return time.Duration(used.Load()), true }
	var stops atomic.Int32
	end := Guard(read, time.Second, func() { stops.Add(1) })
	if end() {
		t.Fatal("end() reported a stop that did not happen")
	}
	used.Store(int64(time.Hour))
	// The watcher has ended: nothing it polls from here on may stop.
	time.Sleep(3 * PollInterval)
	if stops.Load() != 0 || end() {
		t.Fatalf("stop called %d times after end", stops.Load())
	}
}

func TestProcessGone(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this host")
	}
	if _, ok := Process(os.Getpid()); !ok {
		t.Fatal("cannot read this process's CPU time from /proc")
	}
	if _, ok := Process(-1); ok {
		t.Fatal("a process that does not exist has a CPU time")
	}
}

// Once the reading fails (the process has ended), the guard waits: it
// neither stops nor falls back to the wall time.
func TestGuardReadingLost(t *testing.T) {
	var lost atomic.Bool
	var polls atomic.Int32
	read := func() (time.Duration, bool) {
		polls.Add(1)
		if lost.Load() {
			return 0, false
		}
		return 0, true
	}
	var stops atomic.Int32
	end := Guard(read, 0, func() { stops.Add(1) })
	lost.Store(true)
	for polls.Load() < 4 { // a few polls with the reading lost
		time.Sleep(PollInterval)
	}
	if end() || stops.Load() != 0 {
		t.Fatalf("stopped %d times on a lost reading", stops.Load())
	}
}

// Receive returns the value that comes; when CPU time runs out first it
// reports so, however little wall time that took.
func TestReceive(t *testing.T) {
	// Every reading finds another hour of CPU time used: the first poll
	// after the call is over any limit.
	var used atomic.Int64
	read := func() (time.Duration, bool) { return time.Duration(used.Add(int64(time.Hour))), true }
	ch := make(chan int, 1)
	ch <- 7
	if v, ok := Receive(ch, read, time.Second); !ok || v != 7 {
		t.Fatalf("Receive = %d, %v; want 7, true", v, ok)
	}
	if v, ok := Receive(ch, read, time.Second); ok {
		t.Fatalf("Receive on an empty channel = %d, true after the limit", v)
	}
}

func TestUntil(t *testing.T) {
	var used, step atomic.Int64
	read := func() (time.Duration, bool) { return time.Duration(used.Add(step.Load())), true }
	calls := 0
	if !Until(func() bool { calls++; return calls == 3 }, time.Millisecond, read, time.Second) || calls != 3 {
		t.Fatalf("Until ended after %d calls of a condition that holds at the third", calls)
	}
	step.Store(int64(time.Hour)) // each reading: another hour used
	if Until(func() bool { return false }, time.Millisecond, read, time.Second) {
		t.Fatal("Until reported a condition that never held")
	}
}

func TestSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this host")
	}
	if _, ok := Self(); !ok {
		t.Fatal("cannot read this process's CPU time")
	}
}
