package dev

// DebugExit is QEMU's isa-debug-exit device (port 0xF4, size 4 on our
// machine): a write of value v stops the machine with exit status
// (v<<1)|1, v being the value of the access at its width. Reads return 0.
type DebugExit struct {
	stop func(status int)
}

// NewDebugExit returns the device; stop is called with the exit status.
func NewDebugExit(stop func(status int)) *DebugExit {
	return &DebugExit{stop: stop}
}

// ReadPort implements PortDevice.
func (d *DebugExit) ReadPort(off uint16, data []byte) { fill(data, 0) }

// WritePort implements PortDevice.
func (d *DebugExit) WritePort(off uint16, data []byte) {
	v := getLE(data)
	if d.stop != nil {
		d.stop(int((v << 1) | 1))
	}
}

// SaveState implements Snapshotter (the device has no state).
func (d *DebugExit) SaveState() ([]byte, error) { return []byte{}, nil }

// LoadState implements Snapshotter.
func (d *DebugExit) LoadState([]byte) error { return nil }
