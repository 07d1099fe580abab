package dev

// I8042 is the PS/2 keyboard controller (ports 0x60 data, 0x64 status/command)
// with a keyboard that answers commands and never has a key pressed, plus
// port 0x92 (the PS/2 system control port A; A20 always on). It starts as
// SeaBIOS leaves QEMU's: configuration byte 0x61 (keyboard interrupt,
// auxiliary port disabled, scan-code translation), the last byte read 0xFA.
// Bare-metal kernels poll its status before they program the PIT or the
// PIC, and loop forever on a status port that reads all ones.
type I8042 struct {
	State I8042State
	irq   IRQLine
	reset func()
}

// SetReset sets the function called when the guest pulls the reset line:
// controller command 0xFE (or any 0xF0-0xFF pulse with bit 0 clear), an
// output-port write (0xD1) with bit 0 clear, or port 0x92 bit 0 set. QEMU
// resets the machine then (and with -no-reboot exits).
func (k *I8042) SetReset(fn func()) { k.reset = fn }

func (k *I8042) pullReset() {
	if k.reset != nil {
		k.reset()
	}
}

// I8042State is the controller's snapshot state.
type I8042State struct {
	Config  uint8
	Out     []byte // bytes waiting in the output buffer, oldest first
	Last    uint8  // the byte port 0x60 returns when the buffer is empty
	Pending uint8  // a controller command waiting for its data byte (0: none)
	Port92  uint8
	IRQ     bool
}

// i8042 registers and bits.
const (
	I8042DataPort    = 0x60
	I8042CommandPort = 0x64
	Port92           = 0x92

	i8042StatOBF      = 0x01
	i8042StatSys      = 0x04
	i8042StatCmd      = 0x08
	i8042StatUnlocked = 0x10
	i8042CfgKbdInt    = 0x01
	i8042CfgXlate     = 0x40
	i8042OutputPort   = 0xCF // reset line high, A20 on, both clocks and IRQs as QEMU reports
	port92A20         = 0x02
	i8042ACK          = 0xFA
)

// NewI8042 returns the controller; irq is ISA IRQ 1.
func NewI8042(irq IRQLine) *I8042 {
	if irq == nil {
		irq = NoIRQ
	}
	return &I8042{irq: irq, State: I8042State{Config: 0x61, Last: i8042ACK, Port92: port92A20}}
}

// Data is port 0x60, Command port 0x64, Port92 port 0x92 (one byte each).
func (k *I8042) Data() PortDevice    { return i8042Port{k, I8042DataPort} }
func (k *I8042) Command() PortDevice { return i8042Port{k, I8042CommandPort} }
func (k *I8042) Port92() PortDevice  { return i8042Port{k, Port92} }

type i8042Port struct {
	k    *I8042
	port uint16
}

func (p i8042Port) ReadPort(off uint16, data []byte) {
	fill(data, 0xFF)
	s := &p.k.State
	switch p.port {
	case I8042CommandPort:
		st := uint8(i8042StatSys | i8042StatCmd | i8042StatUnlocked)
		if len(s.Out) > 0 {
			st |= i8042StatOBF
		}
		data[0] = st
	case I8042DataPort:
		if len(s.Out) > 0 {
			s.Last, s.Out = s.Out[0], s.Out[1:]
		}
		data[0] = s.Last
		p.k.update()
	case Port92:
		data[0] = s.Port92
	}
}

func (p i8042Port) WritePort(off uint16, data []byte) {
	k, v := p.k, data[0]
	switch p.port {
	case I8042CommandPort:
		k.command(v)
	case I8042DataPort:
		k.data(v)
	case Port92:
		k.State.Port92 = v&^1 | port92A20 // bit 0 (fast reset) reads back 0
		if v&1 != 0 {
			k.pullReset()
		}
	}
}

// command runs a controller command written to port 0x64.
func (k *I8042) command(v uint8) {
	s := &k.State
	switch v {
	case 0x20: // read the configuration byte
		k.push(s.Config)
	case 0x60, 0xD1, 0xD2, 0xD3, 0xD4: // commands that take a data byte
		s.Pending = v
	case 0xA9, 0xAB: // auxiliary / keyboard interface test: passed
		k.push(0)
	case 0xAA: // controller self-test
		k.push(0x55)
	case 0xD0: // read the output port
		k.push(i8042OutputPort)
	default:
		if v >= 0xF0 && v&1 == 0 { // pulse output port bits, bit 0 (reset) among them
			k.pullReset()
		}
	}
}

// data handles a byte written to port 0x60: a controller command's argument or a
// byte for the keyboard.
func (k *I8042) data(v uint8) {
	s := &k.State
	cmd := s.Pending
	s.Pending = 0
	switch cmd {
	case 0x60:
		s.Config = v
		k.update()
		return
	case 0xD1: // output port: A20 stays on; bit 0 low resets
		if v&1 == 0 {
			k.pullReset()
		}
		return
	case 0xD2, 0xD3: // echo as if from the keyboard / mouse
		k.push(v)
		return
	case 0xD4: // to the mouse: acknowledged
		k.push(i8042ACK)
		return
	}
	switch v {
	case 0xFF: // reset: ACK, then self-test passed
		k.push(i8042ACK, 0xAA)
	case 0xF2: // identify: an MF2 keyboard
		id := uint8(0x83)
		if s.Config&i8042CfgXlate != 0 {
			id = 0x41
		}
		k.push(i8042ACK, 0xAB, id)
	case 0xEE: // echo
		k.push(0xEE)
	default:
		k.push(i8042ACK)
	}
}

// i8042QueueMax bounds the output buffer (QEMU's PS/2 queue holds 16 bytes).
const i8042QueueMax = 16

func (k *I8042) push(b ...byte) {
	if len(k.State.Out)+len(b) > i8042QueueMax {
		return
	}
	k.State.Out = append(k.State.Out, b...)
	k.update()
}

// update drives IRQ 1 while the output buffer is full and the keyboard interrupt
// is enabled.
func (k *I8042) update() {
	level := len(k.State.Out) > 0 && k.State.Config&i8042CfgKbdInt != 0
	if level != k.State.IRQ {
		k.State.IRQ = level
		k.irq.SetIRQ(level)
	}
}

// SaveState implements Snapshotter.
func (k *I8042) SaveState() ([]byte, error) { return saveGob("i8042", &k.State) }

// LoadState implements Snapshotter.
func (k *I8042) LoadState(b []byte) error { return loadGob("i8042", b, &k.State) }
