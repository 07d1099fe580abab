package dev

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/kppemu/kppemu/kernel/abi"
)

// Event is one record the guest wrote to the event port, decoded.
type Event struct {
	Type uint32   // one of the abi.Ev* constants
	Args []uint64 // nargs arguments
	Text string   // text after the arguments, up to NUL or the record's end
	Time uint64   // guest ns when the record was written
}

// eventNames names the abi event types.
var eventNames = [...]string{
	abi.EvBootComplete:   "boot-complete",
	abi.EvShellReady:     "shell-ready",
	abi.EvModuleLoaded:   "module-loaded",
	abi.EvModuleRefused:  "module-refused",
	abi.EvModuleUnloaded: "module-unloaded",
	abi.EvBugCheck:       "bug-check",
	abi.EvProcessCreated: "process-created",
	abi.EvProcessExited:  "process-exited",
	abi.EvThreadCreated:  "thread-created",
	abi.EvThreadExited:   "thread-exited",
	abi.EvPGArmed:        "pg-armed",
	abi.EvPGPass:         "pg-pass",
	abi.EvPGRegion:       "pg-region",
	abi.EvAPIDenial:      "api-denial",
	abi.EvLog:            "log",
	abi.EvKernelBase:     "kernel-base",
}

// EventTypeName returns the name of an event type ("bug-check"), or
// "event-N" for a type this host does not know.
func EventTypeName(t uint32) string {
	if int(t) < len(eventNames) && eventNames[t] != "" {
		return eventNames[t]
	}
	return fmt.Sprintf("event-%d", t)
}

// String renders the event on one line: "@TIME name args=[0x..] text=...".
func (e Event) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "@%d %s", e.Time, EventTypeName(e.Type))
	if len(e.Args) > 0 {
		b.WriteString(" args=[")
		for i, a := range e.Args {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%#x", a)
		}
		b.WriteByte(']')
	}
	if e.Text != "" {
		fmt.Fprintf(&b, " text=%q", e.Text)
	}
	return b.String()
}

// EventPort is the guest event port (abi.EventPort, size 4): a 32-bit write
// of the guest-physical address of a record (layout in kernel/abi) makes the
// device read, validate and decode it and pass it to the sink. Bad records
// and 8/16-bit writes are counted and logged, never fatal. Reads return
// all-ones, like the unassigned port it is on QEMU.
type EventPort struct {
	State EventPortState
	clk   Clock
	mem   PhysReader
	sink  func(Event)
	log   hclog.Logger
}

// EventPortState is the EventPort's snapshot state: counters.
type EventPortState struct {
	Good    uint64 // records published
	Bad     uint64 // records refused (bad magic, length, nargs, address)
	Ignored uint64 // writes of the wrong width or offset
}

// NewEventPort returns the event port. mem reads guest-physical memory;
// sink receives each decoded event (nil: dropped; see SetSink); log may be
// nil.
func NewEventPort(clk Clock, mem PhysReader, sink func(Event), log hclog.Logger) *EventPort {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	return &EventPort{clk: clk, mem: mem, sink: sink, log: log.Named("eventport")}
}

// SetSink replaces the event sink.
func (p *EventPort) SetSink(sink func(Event)) { p.sink = sink }

// Stats returns the counters.
func (p *EventPort) Stats() EventPortState { return p.State }

// ReadPort implements PortDevice.
func (p *EventPort) ReadPort(off uint16, data []byte) { fill(data, 0xFF) }

// WritePort implements PortDevice.
func (p *EventPort) WritePort(off uint16, data []byte) {
	if off != 0 || len(data) != 4 {
		p.State.Ignored++
		p.log.Debug("ignored write", "offset", off, "width", len(data))
		return
	}
	pa := uint64(binary.LittleEndian.Uint32(data))
	ev, err := p.decode(pa)
	if err != nil {
		p.State.Bad++
		// A guest writing garbage in a loop must not flood the log: the
		// first few bad records are logged, then only every power of two.
		if n := p.State.Bad; n <= 8 || n&(n-1) == 0 {
			p.log.Warn("bad event record", "pa", fmt.Sprintf("%#x", pa), "error", err, "bad_total", n)
		}
		return
	}
	p.State.Good++
	if p.sink != nil {
		p.sink(ev)
	}
}

// decode reads and validates the record at pa.
func (p *EventPort) decode(pa uint64) (Event, error) {
	var hdr [abi.EventHeaderSize]byte
	p.mem.ReadPhys(pa, hdr[:])
	magic := binary.LittleEndian.Uint32(hdr[0:])
	typ := binary.LittleEndian.Uint32(hdr[4:])
	length := binary.LittleEndian.Uint32(hdr[8:])
	nargs := binary.LittleEndian.Uint32(hdr[12:])
	switch {
	case magic != abi.EventMagic:
		return Event{}, fmt.Errorf("magic %#x, want %#x", magic, uint32(abi.EventMagic))
	case nargs > abi.EventMaxArgs:
		return Event{}, fmt.Errorf("%d arguments, at most %d", nargs, abi.EventMaxArgs)
	case length > abi.EventMaxLength:
		return Event{}, fmt.Errorf("length %d above %d", length, abi.EventMaxLength)
	case length < abi.EventHeaderSize+8*nargs:
		return Event{}, fmt.Errorf("length %d too short for %d arguments", length, nargs)
	}
	body := make([]byte, length-abi.EventHeaderSize)
	p.mem.ReadPhys(pa+abi.EventHeaderSize, body)
	ev := Event{Type: typ, Time: p.clk.Now()}
	if nargs > 0 {
		ev.Args = make([]uint64, nargs)
		for i := range ev.Args {
			ev.Args[i] = binary.LittleEndian.Uint64(body[8*i:])
		}
	}
	text := body[8*nargs:]
	if i := bytes.IndexByte(text, 0); i >= 0 {
		text = text[:i]
	}
	ev.Text = string(text)
	return ev, nil
}

// SaveState implements Snapshotter.
func (p *EventPort) SaveState() ([]byte, error) { return saveGob("eventport", &p.State) }

// LoadState implements Snapshotter.
func (p *EventPort) LoadState(b []byte) error { return loadGob("eventport", b, &p.State) }
