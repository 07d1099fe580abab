package dev

import "testing"

// TestLoadStateResetsZeroFields: gob leaves zero fields out of the stream;
// loading such a state must still zero them in a device that held more.
func TestLoadStateResetsZeroFields(t *testing.T) {
	p := NewEventPort(nil, nil, nil, nil)
	saved, err := p.SaveState()
	if err != nil {
		t.Fatal(err)
	}
	p.State.Good, p.State.Bad = 3, 1
	if err := p.LoadState(saved); err != nil {
		t.Fatal(err)
	}
	if p.State.Good != 0 || p.State.Bad != 0 {
		t.Fatalf("state after load: %+v, want zero", p.State)
	}
}
