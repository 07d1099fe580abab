// Package cputime reads the CPU time (user + system) that a process, or one
// thread of this process, has used, as Linux reports it under /proc, and
// bounds work by it. The hang guards of the tests use it instead of wall
// time, which a loaded host stretches without bound: a guest that spins
// where it should stop is caught after the same amount of work on an idle
// machine and on a busy one.
package cputime

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// tick is the unit of utime and stime in /proc/*/stat: Linux reports them
// in USER_HZ, 100 per second on every architecture it exposes.
const tick = 10 * time.Millisecond

// Process returns the CPU time process pid has used so far; ok is false
// when it cannot be read (no /proc, the process gone).
func Process(pid int) (d time.Duration, ok bool) {
	return readStat(fmt.Sprintf("/proc/%d/stat", pid))
}

// Thread returns the CPU time thread tid of this process has used so far.
func Thread(tid int) (d time.Duration, ok bool) {
	return readStat(fmt.Sprintf("/proc/self/task/%d/stat", tid))
}

// CurrentThread returns a reader of the CPU time of the calling OS thread.
// The caller locks its goroutine to the thread (runtime.LockOSThread) for
// as long as the reading should follow it. Where threads cannot be told
// apart the reader reports ok false.
func CurrentThread() func() (time.Duration, bool) {
	tid := gettid()
	if tid <= 0 {
		return func() (time.Duration, bool) { return 0, false }
	}
	return func() (time.Duration, bool) { return Thread(tid) }
}

func readStat(path string) (time.Duration, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	return parseStat(b)
}

// parseStat reads utime + stime from the text of a stat file.
func parseStat(b []byte) (time.Duration, bool) {
	// The command name (field 2) is in parentheses and may hold spaces and
	// parentheses: the fields counted here start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 { // utime and stime are fields 14 and 15: 12 and 13 here
		return 0, false
	}
	var ut, st int64
	if _, err := fmt.Sscan(f[11], &ut); err != nil {
		return 0, false
	}
	if _, err := fmt.Sscan(f[12], &st); err != nil {
		return 0, false
	}
	return time.Duration(ut+st) * tick, true
}

// PollInterval is how often a Guard reads the CPU time.
const PollInterval = 100 * time.Millisecond

// Guard calls stop (once) when the CPU time that used reports has grown by
// more than limit since the call. Where used cannot be read at the call
// (ok false: no /proc) the wall time since the call counts instead, the
// only measure left; a reading that fails later (the process has just
// ended) counts as no news. The returned function ends the watch and
// reports whether stop was called; once it has returned, stop is not
// called any more.
func Guard(used func() (time.Duration, bool), limit time.Duration, stop func()) (end func() bool) {
	start, haveStart := used()
	wallStart := time.Now()
	var mu sync.Mutex
	var ended, fired bool
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(PollInterval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			spent := time.Since(wallStart)
			if haveStart {
				now, ok := used()
				if !ok {
					continue
				}
				spent = now - start
			}
			if spent <= limit {
				continue
			}
			mu.Lock()
			if !ended {
				fired = true
				stop()
			}
			mu.Unlock()
			return
		}
	}()
	return func() bool {
		mu.Lock()
		defer mu.Unlock()
		if !ended {
			ended = true
			close(done)
		}
		return fired
	}
}

// Self returns the CPU time this process has used so far (all threads).
func Self() (time.Duration, bool) {
	return readStat("/proc/self/stat")
}

// Receive waits for a value from ch until used reports that more than
// limit of CPU time has gone by since the call: the hang guard of a wait
// for work measured in CPU time, which a loaded host does not stretch as
// it stretches wall time. ok is false when the limit came first. A wait
// blocked without anyone using CPU is not ended here (where used cannot
// be read, the wall time counts instead, as in Guard).
func Receive[T any](ch <-chan T, used func() (time.Duration, bool), limit time.Duration) (v T, ok bool) {
	fired := make(chan struct{})
	end := Guard(used, limit, func() { close(fired) })
	defer end()
	select {
	case v = <-ch:
		return v, true
	case <-fired:
		// A value that came at the same moment still counts.
		select {
		case v = <-ch:
			return v, true
		default:
		}
		return v, false
	}
}

// Until calls cond every poll until it returns true, and reports false
// when used shows more than limit of CPU time gone by first (cond is then
// called once more, so that a condition met at the last moment counts).
func Until(cond func() bool, poll time.Duration, used func() (time.Duration, bool), limit time.Duration) bool {
	var fired atomic.Bool
	end := Guard(used, limit, func() { fired.Store(true) })
	defer end()
	for !cond() {
		if fired.Load() {
			return cond()
		}
		time.Sleep(poll)
	}
	return true
}
