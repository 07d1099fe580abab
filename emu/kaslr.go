package emu

import (
	"github.com/kppemu/kppemu/kernel/abi"
)

// LookaheadLimit bounds, in guest time, how far AheadKernelSlide runs the
// copy of a machine: the kernel reports its base within its first
// milliseconds.
const LookaheadLimit = 2 * uint64(1e9)

// AheadKernelSlide tells where the kernel will put its image, before it
// has: it runs a copy of the machine, from its state now, until the
// kernel-base event (at most LookaheadLimit of guest time) and returns the
// slide it reports. The machine is deterministic, so the machine itself
// reports the same unless something from outside (input, a debugger's
// write) changes its course before then. ok is false when the kernel has
// already reported its base (KernelSlide holds it), does not report one,
// or did not within the limit.
func (m *Machine) AheadKernelSlide() (slide uint64, ok bool, err error) {
	r := m.Symbols()
	if r.KernelBaseKnown() || !r.KernelReportsBase() {
		return 0, false, nil
	}
	snap, err := m.Snapshot()
	if err != nil {
		return 0, false, err
	}
	cfg := m.cfg
	cfg.Serial, cfg.Logger = nil, nil
	c, err := New(cfg)
	if err != nil {
		return 0, false, err
	}
	if err := c.Restore(snap); err != nil {
		return 0, false, err
	}
	c.Subscribe(func(e Event) {
		if e.Type == abi.EvKernelBase && len(e.Args) >= 2 && !ok {
			slide, ok = e.Args[1], true
			c.RequestStop()
		}
	})
	c.Run(c.Now() + LookaheadLimit)
	return slide, ok, nil
}
