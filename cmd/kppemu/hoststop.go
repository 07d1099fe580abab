package main

import (
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/emu/hostio"
)

// hostStops stops a machine's run from the host's side, cleanly (output
// flushed): on SIGINT or SIGTERM (not Ctrl-C on a raw terminal, which goes
// to the guest) and once --max-wall of host time has passed; afterwards it
// says which of them stopped the run. boot and accel-check share it.
type hostStops struct {
	sigs        chan os.Signal
	interrupted atomic.Bool
	wall        *hostio.WallLimit
}

// watchHostStops starts watching; stop requests the end of the run. The
// caller defers close.
func watchHostStops(c *cli.Context, stop func()) *hostStops {
	h := &hostStops{sigs: make(chan os.Signal, 1)}
	signal.Notify(h.sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		if _, ok := <-h.sigs; ok {
			h.interrupted.Store(true)
			stop()
		}
	}()
	h.wall = hostio.StartWallLimit(c.Duration("max-wall"), stop)
	return h
}

// runEnded stops the --max-wall clock: what comes after the run (a
// debugger console, closing the outputs) is not limited by it.
func (h *hostStops) runEnded() { h.wall.Stop() }

// close ends the watch.
func (h *hostStops) close() {
	h.wall.Stop()
	signal.Stop(h.sigs)
}

// status is the exit status of a run that stopped at s when a signal or
// --max-wall stopped it, and nil otherwise.
func (h *hostStops) status(s emu.Stop) error {
	if s.Reason != emu.StopRequested {
		return nil
	}
	switch {
	case h.interrupted.Load():
		return &exitStatus{exitInterrupted, "interrupted"}
	case h.wall.Hit():
		return &exitStatus{exitWallLimit, fmt.Sprintf("stopped by --max-wall %v of host time, at %v of guest time",
			h.wall.Limit(), time.Duration(s.Time))}
	}
	return nil
}

// guestLimit is the guest time --max-time gives a run (emu.Forever
// without it).
func guestLimit(c *cli.Context) uint64 {
	if d := c.Duration("max-time"); d > 0 {
		return uint64(d / time.Nanosecond)
	}
	return uint64(emu.Forever)
}
