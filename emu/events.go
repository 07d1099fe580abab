package emu

import (
	"github.com/kppemu/kppemu/emu/dev"
	"github.com/kppemu/kppemu/kernel/abi"
)

// EventTypeName names an event type ("bug-check").
func EventTypeName(t uint32) string { return dev.EventTypeName(t) }

type subscriber struct {
	id int
	fn func(Event)
}

// Subscribe calls fn with every event the guest reports from now on, on
// the machine's goroutine, in the order the guest wrote them; subscribers
// are called in the order they subscribed. The returned function
// unsubscribes.
func (m *Machine) Subscribe(fn func(Event)) (cancel func()) {
	m.nextSub++
	id := m.nextSub
	m.subs = append(m.subs, subscriber{id, fn})
	return func() {
		for i, s := range m.subs {
			if s.id == id {
				m.subs = append(m.subs[:i:i], m.subs[i+1:]...)
				return
			}
		}
	}
}

// Events returns a channel that receives every event from now on. The
// machine blocks while the channel is full, so the reader must keep up (or
// use a large buffer). The returned function unsubscribes; the channel is
// not closed.
func (m *Machine) Events(buffer int) (<-chan Event, func()) {
	ch := make(chan Event, buffer)
	cancel := m.Subscribe(func(e Event) { ch <- e })
	return ch, cancel
}

// MuteEvents stops (true) or resumes (false) delivering events to
// subscribers; the machine still keeps what it remembers of them (the bug
// check, the drivers for symbols). A recorder mutes them while it replays
// guest time whose events were delivered already.
func (m *Machine) MuteEvents(on bool) { m.eventsMuted = on }

// EventsMuted reports whether MuteEvents(true) is in force.
func (m *Machine) EventsMuted() bool { return m.eventsMuted }

// publish is the event port's sink.
func (m *Machine) publish(e Event) {
	if e.Type == abi.EvBugCheck && m.bugCheck == nil {
		ev := e
		m.bugCheck = &ev
	}
	m.noteSymbols(e)
	m.log.Debug("guest event", "event", e.String())
	if m.eventsMuted {
		return
	}
	// Subscribers may unsubscribe from their callback: iterate a copy.
	subs := m.subs
	for _, s := range subs {
		s.fn(e)
	}
}
