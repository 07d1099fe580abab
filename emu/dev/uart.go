package dev

import "io"

// 16550A register offsets relative to the base (0x3F8 for COM1).
const (
	UARTRBR  = 0 // receiver buffer (read, DLAB=0)
	UARTTHR  = 0 // transmitter holding (write, DLAB=0)
	UARTDLL  = 0 // divisor latch low (DLAB=1)
	UARTIER  = 1 // interrupt enable (DLAB=0)
	UARTDLM  = 1 // divisor latch high (DLAB=1)
	UARTIIR  = 2 // interrupt identification (read)
	UARTFCR  = 2 // FIFO control (write)
	UARTLCR  = 3 // line control
	UARTMCR  = 4 // modem control
	UARTLSR  = 5 // line status
	UARTMSR  = 6 // modem status
	UARTSCR  = 7 // scratch
	UARTSize = 8
)

// IER bits.
const (
	UARTIERRDI  = 0x01 // received data available (and character timeout)
	UARTIERTHRI = 0x02 // transmitter holding register empty
	UARTIERRLSI = 0x04 // receiver line status
	UARTIERMSI  = 0x08 // modem status
)

// IIR values (bits 3:0) and the FIFO-enabled flag bits 7:6.
const (
	UARTIIRNoInt   = 0x01
	UARTIIRMSI     = 0x00
	UARTIIRTHRI    = 0x02
	UARTIIRRDI     = 0x04
	UARTIIRRLSI    = 0x06
	UARTIIRTimeout = 0x0C
	UARTIIRFIFO    = 0xC0
)

// FCR bits.
const (
	UARTFCREnable   = 0x01
	UARTFCRRxReset  = 0x02
	UARTFCRTxReset  = 0x04
	UARTFCRTrigMask = 0xC0 // RX trigger: 1, 4, 8, 14 bytes
)

// LCR bits.
const UARTLCRDLAB = 0x80

// MCR bits.
const (
	UARTMCRDTR  = 0x01
	UARTMCRRTS  = 0x02
	UARTMCROUT1 = 0x04
	UARTMCROUT2 = 0x08
	UARTMCRLoop = 0x10
)

// LSR bits.
const (
	UARTLSRDR   = 0x01 // data ready
	UARTLSROE   = 0x02 // overrun error
	UARTLSRPE   = 0x04
	UARTLSRFE   = 0x08
	UARTLSRBI   = 0x10
	UARTLSRTHRE = 0x20 // transmitter holding register empty
	UARTLSRTEMT = 0x40 // transmitter empty
	uartLSRErrs = UARTLSROE | UARTLSRPE | UARTLSRFE | UARTLSRBI
)

// MSR bits.
const (
	UARTMSRDCTS = 0x01
	UARTMSRDDSR = 0x02
	UARTMSRTERI = 0x04
	UARTMSRDDCD = 0x08
	UARTMSRCTS  = 0x10
	UARTMSRDSR  = 0x20
	UARTMSRRI   = 0x40
	UARTMSRDCD  = 0x80
)

const (
	uartFIFOSize = 16
	uartClockHz  = 1843200
	// UARTMaxQueue bounds the host-side input queue; bytes beyond it are
	// dropped (and counted).
	UARTMaxQueue = 1 << 20
)

var uartTrigger = [4]int{1, 4, 8, 14}

// UART is a 16550A. Transmission is instantaneous: a THR write goes to the
// output writer at once and THRE/TEMT stay set, so polling guests never
// wait. Received bytes come from the host (PushInput) into a host-side
// queue that feeds the 16-byte RX FIFO (1 byte with the FIFO disabled) as
// the guest drains it, so pasted input is never lost; an RX FIFO reset
// discards only loopback bytes, host bytes return to the queue. Overrun
// (LSR.OE) only happens in loopback mode when the FIFO is full.
//
// The character timeout interrupt fires deterministically 4 character
// times (10 bits each at the programmed divisor, 1.8432 MHz clock) after
// the last byte entered or left a non-empty FIFO. The IRQ output follows
// QEMU: it is high whenever IIR reports an interrupt (MCR.OUT2 does not
// gate it).
type UART struct {
	State UARTState
	clk   Clock
	irq   IRQLine
	out   io.Writer
}

// UARTRxByte is one byte in the RX FIFO and where it came from.
type UARTRxByte struct {
	B    byte
	Host bool // from PushInput (true) or loopback (false)
}

// UARTState is the UART's snapshot state.
type UARTState struct {
	IER, LCR, MCR, LSR, MSR, SCR, FCR uint8
	DLL, DLM                          uint8
	RBR                               uint8 // last byte read (returned when the FIFO is empty)
	RX                                []UARTRxByte
	Queue                             []byte // host bytes not yet in the FIFO
	THRIPending                       bool
	TimeoutPending                    bool
	LastRX                            uint64 // guest ns of the last FIFO activity
	IRQLevel                          bool
	Dropped                           uint64 // host bytes dropped (queue full)
}

// NewUART returns a 16550A after reset. irq is its interrupt line (IRQ 4
// for COM1); out receives transmitted bytes (nil: discarded).
func NewUART(clk Clock, irq IRQLine, out io.Writer) *UART {
	if irq == nil {
		irq = NoIRQ
	}
	u := &UART{clk: clk, irq: irq, out: out}
	u.Reset()
	return u
}

// Reset puts the UART in its power-on state (host queue kept).
func (u *UART) Reset() {
	q := u.State.Queue
	u.State = UARTState{
		DLL:   0x0C, // 9600 baud, as QEMU resets it
		MCR:   UARTMCROUT2,
		LSR:   UARTLSRTHRE | UARTLSRTEMT,
		MSR:   UARTMSRDCD | UARTMSRDSR | UARTMSRCTS,
		Queue: q,
	}
	u.refill()
	u.update()
}

// SetOutput sets where transmitted bytes go.
func (u *UART) SetOutput(w io.Writer) { u.out = w }

// Output returns the writer that receives transmitted bytes.
func (u *UART) Output() io.Writer { return u.out }

// PushInput queues bytes received from the host side of the line.
func (u *UART) PushInput(b []byte) {
	room := UARTMaxQueue - len(u.State.Queue)
	if room < 0 {
		room = 0
	}
	if len(b) > room {
		u.State.Dropped += uint64(len(b) - room)
		b = b[:room]
	}
	u.State.Queue = append(u.State.Queue, b...)
	u.refill()
	u.update()
}

// Pending returns the number of received bytes the guest has not read yet.
func (u *UART) Pending() int { return len(u.State.RX) + len(u.State.Queue) }

func (u *UART) fifoEnabled() bool { return u.State.FCR&UARTFCREnable != 0 }

func (u *UART) fifoCap() int {
	if u.fifoEnabled() {
		return uartFIFOSize
	}
	return 1
}

func (u *UART) trigger() int {
	if !u.fifoEnabled() {
		return 1
	}
	return uartTrigger[u.State.FCR>>6]
}

// refill moves host bytes into the FIFO while it has room.
func (u *UART) refill() {
	s := &u.State
	moved := false
	for len(s.RX) < u.fifoCap() && len(s.Queue) > 0 {
		s.RX = append(s.RX, UARTRxByte{B: s.Queue[0], Host: true})
		s.Queue = s.Queue[1:]
		moved = true
	}
	if len(s.Queue) == 0 {
		s.Queue = nil
	}
	if moved {
		s.TimeoutPending = false
		s.LastRX = u.now()
	}
}

func (u *UART) now() uint64 {
	if u.clk == nil {
		return 0
	}
	return u.clk.Now()
}

// receive puts a loopback byte into the FIFO (overrun when full).
func (u *UART) receive(b byte) {
	s := &u.State
	if len(s.RX) >= u.fifoCap() {
		s.LSR |= UARTLSROE
		return
	}
	s.RX = append(s.RX, UARTRxByte{B: b})
	s.TimeoutPending = false
	s.LastRX = u.now()
}

// iir computes the highest-priority pending interrupt (IIR bits 3:0).
func (u *UART) iir() uint8 {
	s := &u.State
	switch {
	case s.IER&UARTIERRLSI != 0 && s.LSR&uartLSRErrs != 0:
		return UARTIIRRLSI
	case s.IER&UARTIERRDI != 0 && s.TimeoutPending && len(s.RX) > 0:
		return UARTIIRTimeout
	case s.IER&UARTIERRDI != 0 && len(s.RX) >= u.trigger():
		return UARTIIRRDI
	case s.IER&UARTIERTHRI != 0 && s.THRIPending:
		return UARTIIRTHRI
	case s.IER&UARTIERMSI != 0 && s.MSR&0x0F != 0:
		return UARTIIRMSI
	}
	return UARTIIRNoInt
}

// update recomputes LSR.DR and drives the IRQ line on a change.
func (u *UART) update() {
	s := &u.State
	if len(s.RX) > 0 {
		s.LSR |= UARTLSRDR
	} else {
		s.LSR &^= UARTLSRDR
	}
	level := u.iir() != UARTIIRNoInt
	if level != s.IRQLevel {
		s.IRQLevel = level
		u.irq.SetIRQ(level)
	}
}

// ReadPort implements PortDevice (byte registers; wider accesses read the
// register at off and zero-extend).
func (u *UART) ReadPort(off uint16, data []byte) {
	fill(data, 0)
	if len(data) == 0 {
		return
	}
	data[0] = u.readReg(off)
}

func (u *UART) readReg(off uint16) uint8 {
	s := &u.State
	dlab := s.LCR&UARTLCRDLAB != 0
	switch off {
	case UARTRBR:
		if dlab {
			return s.DLL
		}
		if len(s.RX) == 0 && u.fifoEnabled() {
			return 0 // an empty FIFO reads 0 (QEMU); the 16450 mode repeats RBR
		}
		if len(s.RX) > 0 {
			s.RBR = s.RX[0].B
			s.RX = s.RX[1:]
			if len(s.RX) == 0 {
				s.RX = nil
			}
			s.TimeoutPending = false
			s.LastRX = u.now()
			u.refill()
		}
		u.update()
		return s.RBR
	case UARTIER:
		if dlab {
			return s.DLM
		}
		return s.IER
	case UARTIIR:
		v := u.iir()
		if v == UARTIIRTHRI {
			s.THRIPending = false
			u.update()
		}
		if u.fifoEnabled() {
			v |= UARTIIRFIFO
		}
		return v
	case UARTLCR:
		return s.LCR
	case UARTMCR:
		return s.MCR
	case UARTLSR:
		v := s.LSR
		s.LSR &^= uartLSRErrs
		u.update()
		return v
	case UARTMSR:
		v := s.MSR
		s.MSR &^= 0x0F
		u.update()
		return v
	case UARTSCR:
		return s.SCR
	}
	return 0xFF
}

// WritePort implements PortDevice (the low byte is written).
func (u *UART) WritePort(off uint16, data []byte) {
	if len(data) == 0 {
		return
	}
	u.writeReg(off, data[0])
}

func (u *UART) writeReg(off uint16, v uint8) {
	s := &u.State
	dlab := s.LCR&UARTLCRDLAB != 0
	switch off {
	case UARTTHR:
		if dlab {
			s.DLL = v
			return
		}
		u.transmit(v)
	case UARTIER:
		if dlab {
			s.DLM = v
			return
		}
		changed := (s.IER ^ v) & 0x0F
		s.IER = v & 0x0F
		// Enabling THRI while THR is empty raises the interrupt again even
		// if an IIR read had cleared it (QEMU and Bochs; Windows and other
		// drivers rely on it).
		if changed&UARTIERTHRI != 0 {
			s.THRIPending = s.IER&UARTIERTHRI != 0 && s.LSR&UARTLSRTHRE != 0
		}
		u.update()
	case UARTFCR:
		u.writeFCR(v)
	case UARTLCR:
		s.LCR = v
	case UARTMCR:
		u.writeMCR(v & 0x1F)
	case UARTLSR, UARTMSR:
		// Read-only (factory test registers on real parts).
	case UARTSCR:
		s.SCR = v
	}
}

// transmit sends one byte (or loops it back) and completes at once.
func (u *UART) transmit(v uint8) {
	s := &u.State
	s.THRIPending = false
	s.LSR &^= UARTLSRTHRE | UARTLSRTEMT
	u.update()
	if s.MCR&UARTMCRLoop != 0 {
		u.receive(v)
	} else if u.out != nil {
		_, _ = u.out.Write([]byte{v})
	}
	s.LSR |= UARTLSRTHRE | UARTLSRTEMT
	if s.IER&UARTIERTHRI != 0 {
		s.THRIPending = true
	}
	u.update()
}

func (u *UART) writeFCR(v uint8) {
	s := &u.State
	if (s.FCR^v)&UARTFCREnable != 0 {
		// Changing the FIFO mode clears both FIFOs.
		v |= UARTFCRRxReset | UARTFCRTxReset
	}
	if v&UARTFCRRxReset != 0 {
		u.resetRX()
	}
	s.FCR = v & (UARTFCREnable | UARTFCRTrigMask)
	// Bytes beyond the 1-byte holding register go back to the queue when
	// the FIFO is turned off; turning it on lets the queue fill it.
	if len(s.RX) > u.fifoCap() {
		u.requeue(s.RX[u.fifoCap():])
		s.RX = s.RX[:u.fifoCap()]
	}
	u.refill()
	u.update()
}

// resetRX empties the RX FIFO: loopback bytes are discarded, host bytes go
// back to the front of the queue (host input is never lost).
func (u *UART) resetRX() {
	s := &u.State
	u.requeue(s.RX)
	s.RX = nil
	s.TimeoutPending = false
	s.LSR &^= UARTLSRDR
}

func (u *UART) requeue(rx []UARTRxByte) {
	var back []byte
	for _, b := range rx {
		if b.Host {
			back = append(back, b.B)
		}
	}
	if len(back) > 0 {
		u.State.Queue = append(back, u.State.Queue...)
	}
}

func (u *UART) writeMCR(v uint8) {
	s := &u.State
	s.MCR = v
	var lines uint8
	if v&UARTMCRLoop != 0 {
		// Loopback: the modem inputs reflect the modem outputs.
		if v&UARTMCRRTS != 0 {
			lines |= UARTMSRCTS
		}
		if v&UARTMCRDTR != 0 {
			lines |= UARTMSRDSR
		}
		if v&UARTMCROUT1 != 0 {
			lines |= UARTMSRRI
		}
		if v&UARTMCROUT2 != 0 {
			lines |= UARTMSRDCD
		}
	} else {
		lines = UARTMSRDCD | UARTMSRDSR | UARTMSRCTS
	}
	old := s.MSR
	delta := old & 0x0F
	ch := (old ^ lines) & 0xF0
	if ch&UARTMSRCTS != 0 {
		delta |= UARTMSRDCTS
	}
	if ch&UARTMSRDSR != 0 {
		delta |= UARTMSRDDSR
	}
	if ch&UARTMSRDCD != 0 {
		delta |= UARTMSRDDCD
	}
	if old&UARTMSRRI != 0 && lines&UARTMSRRI == 0 {
		delta |= UARTMSRTERI // trailing edge of RI
	}
	s.MSR = lines | delta
	u.update()
}

// charTimeout is 4 character times of 10 bits at the current divisor.
func (u *UART) charTimeout() uint64 {
	div := uint64(u.State.DLM)<<8 | uint64(u.State.DLL)
	if div == 0 {
		div = 1
	}
	// 4 chars * 10 bits * 16 clocks per bit * div / 1.8432 MHz, in ns.
	return div * 640 * 1_000_000_000 / uartClockHz
}

// NextDeadline implements Timed: the character timeout while the FIFO
// holds bytes.
func (u *UART) NextDeadline() (uint64, bool) {
	s := &u.State
	if !u.fifoEnabled() || len(s.RX) == 0 || s.TimeoutPending {
		return 0, false
	}
	return s.LastRX + u.charTimeout(), true
}

// Advance implements Timed.
func (u *UART) Advance(now uint64) {
	if t, ok := u.NextDeadline(); ok && now >= t {
		u.State.TimeoutPending = true
		u.update()
	}
}

// SaveState implements Snapshotter.
func (u *UART) SaveState() ([]byte, error) { return saveGob("uart", &u.State) }

// LoadState implements Snapshotter. The IRQ line is not driven: the PIC's
// own snapshot holds the line's level.
func (u *UART) LoadState(b []byte) error {
	var s UARTState
	if err := loadGob("uart", b, &s); err != nil {
		return err
	}
	u.State = s
	return nil
}
