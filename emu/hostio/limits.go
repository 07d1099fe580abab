package hostio

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// MaxGuestTime bounds any guest duration a user asks for (--max-time, a
// scenario step's time or deadline): a day of guest time is 8.6e13
// instructions at one per nanosecond, already days of host time for a busy
// guest, so anything beyond it is a typo, not a plan.
const MaxGuestTime = 24 * time.Hour

// MaxRuns bounds the runs one campaign may ask for (seeds × repeats ×
// variants): each run is a whole machine.
const MaxRuns = 1_000_000

// CheckGuestTime refuses a guest duration that is negative or above
// MaxGuestTime; what names it in the message ("--max-time").
func CheckGuestTime(what string, d time.Duration) error {
	switch {
	case d < 0:
		return fmt.Errorf("%s %v: must not be negative", what, d)
	case d > MaxGuestTime:
		return fmt.Errorf("%s %v: at most %v of guest time (one instruction is one nanosecond: %v is %.2g instructions)",
			what, d, MaxGuestTime, d, float64(d))
	}
	return nil
}

// CheckRuns refuses a number of runs above MaxRuns; what says where it
// comes from ("--repeat 1000 × 5000 seeds").
func CheckRuns(what string, n uint64) error {
	if n > MaxRuns {
		return fmt.Errorf("%s: %d runs, at most %d", what, n, MaxRuns)
	}
	return nil
}

// WallLimit calls a stop function once d of host time has passed
// (--max-wall): a limit on what a run may cost the host, whatever the
// guest does. It is not part of a run's result: guest time is.
type WallLimit struct {
	d     time.Duration
	timer *time.Timer
	hit   atomic.Bool
	once  sync.Once
}

// StartWallLimit starts the clock; d <= 0 means no limit (the returned
// limit never fires, and its methods are still safe to call).
func StartWallLimit(d time.Duration, stop func()) *WallLimit {
	w := &WallLimit{d: d}
	if d > 0 {
		w.timer = time.AfterFunc(d, func() {
			w.hit.Store(true)
			stop()
		})
	}
	return w
}

// Hit reports whether the limit fired.
func (w *WallLimit) Hit() bool { return w.hit.Load() }

// Limit is the duration it was started with.
func (w *WallLimit) Limit() time.Duration { return w.d }

// Stop cancels the limit if it has not fired (idempotent).
func (w *WallLimit) Stop() {
	w.once.Do(func() {
		if w.timer != nil {
			w.timer.Stop()
		}
	})
}
