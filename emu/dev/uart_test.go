package dev

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func newUARTTest() (*UART, *fakeClock, *irqRec, *bytes.Buffer) {
	clk := &fakeClock{}
	irq := &irqRec{}
	var out bytes.Buffer
	return NewUART(clk, irq, &out), clk, irq, &out
}

func TestUARTResetValues(t *testing.T) {
	u, _, irq, _ := newUARTTest()
	require.Equal(t, uint8(UARTIIRNoInt), in8(u, UARTIIR))
	require.Equal(t, uint8(UARTLSRTHRE|UARTLSRTEMT), in8(u, UARTLSR))
	require.Equal(t, uint8(UARTMSRDCD|UARTMSRDSR|UARTMSRCTS), in8(u, UARTMSR))
	require.Equal(t, uint8(UARTMCROUT2), in8(u, UARTMCR))
	require.Equal(t, uint8(0), in8(u, UARTIER))
	require.False(t, irq.level)
	out8(u, UARTLCR, UARTLCRDLAB)
	require.Equal(t, uint8(0x0C), in8(u, UARTDLL), "9600 baud")
	require.Equal(t, uint8(0x00), in8(u, UARTDLM))
}

func TestUARTLineControlDivisorScratch(t *testing.T) {
	u, _, _, out := newUARTTest()
	// The usual init: DLAB, divisor 1 (115200), 8N1, read LCR back.
	out8(u, UARTLCR, 0x80)
	out8(u, UARTDLL, 0x01)
	out8(u, UARTDLM, 0x00)
	require.Equal(t, uint8(0x01), in8(u, UARTDLL))
	require.Equal(t, uint8(0x00), in8(u, UARTDLM))
	out8(u, UARTLCR, 0x03)
	require.Equal(t, uint8(0x03), in8(u, UARTLCR))
	require.Equal(t, uint8(0), in8(u, UARTIER), "DLM write did not reach IER")
	require.Empty(t, out.String(), "DLL write did not transmit")
	out8(u, UARTSCR, 0x5A)
	require.Equal(t, uint8(0x5A), in8(u, UARTSCR))
	// Divisor 0x0C00 changes the character timeout.
	out8(u, UARTLCR, 0x83)
	out8(u, UARTDLL, 0x00)
	out8(u, UARTDLM, 0x0C)
	out8(u, UARTLCR, 0x03)
	require.Equal(t, uint64(0xC00*640*1_000_000_000/uartClockHz), u.charTimeout())
}

func TestUARTTransmitPolling(t *testing.T) {
	u, _, irq, out := newUARTTest()
	for _, c := range []byte("hello\n") {
		require.NotZero(t, in8(u, UARTLSR)&UARTLSRTHRE, "THRE set before each byte")
		out8(u, UARTTHR, c)
	}
	require.Equal(t, "hello\n", out.String())
	require.Equal(t, uint8(UARTLSRTHRE|UARTLSRTEMT), in8(u, UARTLSR)&(UARTLSRTHRE|UARTLSRTEMT))
	require.Zero(t, irq.rises, "no interrupt with IER=0")
	// A 16-bit write transmits its low byte.
	out16(u, UARTTHR, 0x4241)
	require.Equal(t, "hello\nA", out.String())
}

func TestUARTTHREInterrupt(t *testing.T) {
	u, _, irq, out := newUARTTest()
	out8(u, UARTIER, UARTIERTHRI)
	require.True(t, irq.level, "enabling THRI with THR empty raises the interrupt")
	require.Equal(t, uint8(UARTIIRTHRI), in8(u, UARTIIR))
	require.False(t, irq.level, "reading IIR with THRI reported clears it")
	require.Equal(t, uint8(UARTIIRNoInt), in8(u, UARTIIR))
	// Writing THR: the byte goes out at once and THRE interrupts again,
	// as a new edge.
	rises := irq.rises
	out8(u, UARTTHR, 'x')
	require.Equal(t, "x", out.String())
	require.True(t, irq.level)
	require.Equal(t, rises+1, irq.rises)
	// Re-arming: IER 0 then THRI again raises it without a THR write.
	require.Equal(t, uint8(UARTIIRTHRI), in8(u, UARTIIR))
	require.False(t, irq.level)
	out8(u, UARTIER, 0)
	out8(u, UARTIER, UARTIERTHRI)
	require.True(t, irq.level)
	// Disabling THRI drops the line.
	out8(u, UARTIER, 0)
	require.False(t, irq.level)
	require.Equal(t, uint8(UARTIIRNoInt), in8(u, UARTIIR))
	// Only IER bits 3:0 exist.
	out8(u, UARTIER, 0xF0)
	require.Equal(t, uint8(0), in8(u, UARTIER))
}

func TestUARTReceiveNoFIFO(t *testing.T) {
	u, _, irq, _ := newUARTTest()
	out8(u, UARTIER, UARTIERRDI)
	require.False(t, irq.level)
	u.PushInput([]byte("ab"))
	require.True(t, irq.level)
	require.Equal(t, uint8(UARTIIRRDI), in8(u, UARTIIR), "no FIFO bits in 16450 mode")
	require.NotZero(t, in8(u, UARTLSR)&UARTLSRDR)
	require.Equal(t, uint8('a'), in8(u, UARTRBR))
	require.True(t, irq.level, "the queued byte refills the holding register")
	require.Equal(t, uint8('b'), in8(u, UARTRBR))
	require.False(t, irq.level)
	require.Zero(t, in8(u, UARTLSR)&UARTLSRDR)
	require.Equal(t, uint8(UARTIIRNoInt), in8(u, UARTIIR))
	_, ok := u.NextDeadline()
	require.False(t, ok, "no character timeout without FIFO")
}

func TestUARTPastedInputNotLost(t *testing.T) {
	u, _, _, _ := newUARTTest()
	out8(u, UARTFCR, UARTFCREnable|UARTFCRRxReset|UARTFCRTxReset|0xC0)
	script := bytes.Repeat([]byte("echo 0123456789\n"), 20)
	u.PushInput(script)
	require.Equal(t, len(script), u.Pending())
	var got []byte
	for in8(u, UARTLSR)&UARTLSRDR != 0 {
		got = append(got, in8(u, UARTRBR))
	}
	require.Equal(t, script, got)
	require.Zero(t, u.Pending())
	require.Zero(t, in8(u, UARTLSR)&UARTLSROE, "no overrun from host input")
	require.Equal(t, uint8(0), in8(u, UARTRBR), "empty FIFO reads 0")
	out8(u, UARTFCR, 0)
	u.PushInput([]byte("q"))
	in8(u, UARTRBR)
	require.Equal(t, uint8('q'), in8(u, UARTRBR), "16450 mode: RBR keeps the last byte")
}

func TestUARTFIFOTriggerAndTimeout(t *testing.T) {
	u, clk, irq, _ := newUARTTest()
	out8(u, UARTFCR, UARTFCREnable|0x80) // trigger 8
	require.Equal(t, uint8(UARTIIRNoInt|UARTIIRFIFO), in8(u, UARTIIR))
	out8(u, UARTIER, UARTIERRDI)
	clk.t = 1000
	u.PushInput([]byte("abc"))
	require.False(t, irq.level, "3 bytes are below the trigger level")
	dl, ok := u.NextDeadline()
	require.True(t, ok)
	require.Equal(t, 1000+u.charTimeout(), dl)
	u.Advance(dl - 1)
	require.False(t, irq.level)
	u.Advance(dl)
	require.True(t, irq.level)
	require.Equal(t, uint8(UARTIIRTimeout|UARTIIRFIFO), in8(u, UARTIIR))
	_, ok = u.NextDeadline()
	require.False(t, ok, "one timeout until FIFO activity")
	// Reading a byte clears the timeout and restarts the timer.
	clk.t = 5000
	require.Equal(t, uint8('a'), in8(u, UARTRBR))
	require.False(t, irq.level)
	dl, ok = u.NextDeadline()
	require.True(t, ok)
	require.Equal(t, 5000+u.charTimeout(), dl)
	// Reaching the trigger level raises RDI at once.
	u.PushInput([]byte("defghi"))
	require.True(t, irq.level)
	require.Equal(t, uint8(UARTIIRRDI|UARTIIRFIFO), in8(u, UARTIIR))
	for range 8 {
		in8(u, UARTRBR)
	}
	require.False(t, irq.level)
	_, ok = u.NextDeadline()
	require.False(t, ok, "empty FIFO: no timeout")
}

func TestUARTTriggerLevels(t *testing.T) {
	for i, want := range []int{1, 4, 8, 14} {
		u, _, irq, _ := newUARTTest()
		out8(u, UARTFCR, UARTFCREnable|uint8(i<<6))
		out8(u, UARTIER, UARTIERRDI)
		u.PushInput(bytes.Repeat([]byte{'x'}, want-1))
		require.False(t, irq.level, "trigger %d", want)
		u.PushInput([]byte{'y'})
		require.True(t, irq.level, "trigger %d", want)
	}
}

func TestUARTLoopbackAndModemStatus(t *testing.T) {
	u, _, irq, out := newUARTTest()
	out8(u, UARTMCR, UARTMCRLoop|UARTMCRRTS|UARTMCROUT2)
	require.Equal(t, uint8(UARTMSRCTS|UARTMSRDCD|UARTMSRDDSR), in8(u, UARTMSR),
		"loopback: CTS=RTS, DCD=OUT2; DSR fell (delta)")
	require.Equal(t, uint8(UARTMSRCTS|UARTMSRDCD), in8(u, UARTMSR), "reading MSR clears the deltas")
	out8(u, UARTTHR, 0xA5)
	require.Empty(t, out.String(), "loopback does not transmit")
	require.NotZero(t, in8(u, UARTLSR)&UARTLSRDR)
	require.Equal(t, uint8(0xA5), in8(u, UARTRBR))
	// Overrun: the 1-byte holding register is full.
	out8(u, UARTTHR, 1)
	out8(u, UARTTHR, 2)
	lsr := in8(u, UARTLSR)
	require.NotZero(t, lsr&UARTLSROE)
	require.Zero(t, in8(u, UARTLSR)&UARTLSROE, "reading LSR clears OE")
	require.Equal(t, uint8(1), in8(u, UARTRBR))
	// Modem status interrupt on OUT1 -> RI trailing edge.
	out8(u, UARTIER, UARTIERMSI)
	require.False(t, irq.level)
	out8(u, UARTMCR, UARTMCRLoop|UARTMCROUT1)
	require.True(t, irq.level, "RI/DCD/CTS changed")
	require.Equal(t, uint8(UARTIIRMSI), in8(u, UARTIIR))
	in8(u, UARTMSR)
	require.False(t, irq.level)
	out8(u, UARTMCR, UARTMCRLoop)
	require.NotZero(t, in8(u, UARTMSR)&UARTMSRTERI)
	// Leaving loopback restores the lines.
	out8(u, UARTMCR, UARTMCROUT2)
	require.Equal(t, uint8(UARTMSRDCD|UARTMSRDSR|UARTMSRCTS), in8(u, UARTMSR)&0xF0)
}

func TestUARTInterruptPriority(t *testing.T) {
	u, _, irq, _ := newUARTTest()
	out8(u, UARTFCR, UARTFCREnable)
	out8(u, UARTMCR, UARTMCRLoop)
	for range 17 { // 16 fill the FIFO, the 17th overruns
		out8(u, UARTTHR, 'z')
	}
	out8(u, UARTIER, UARTIERRDI|UARTIERTHRI|UARTIERRLSI|UARTIERMSI)
	require.True(t, irq.level)
	require.Equal(t, uint8(UARTIIRRLSI|UARTIIRFIFO), in8(u, UARTIIR), "line status first")
	require.NotZero(t, in8(u, UARTLSR)&UARTLSROE)
	require.Equal(t, uint8(UARTIIRRDI|UARTIIRFIFO), in8(u, UARTIIR), "then received data")
	for range 16 {
		in8(u, UARTRBR)
	}
	require.Equal(t, uint8(UARTIIRTHRI|UARTIIRFIFO), in8(u, UARTIIR), "then THR empty")
	require.Equal(t, uint8(UARTIIRMSI|UARTIIRFIFO), in8(u, UARTIIR), "then modem status")
	in8(u, UARTMSR)
	require.Equal(t, uint8(UARTIIRNoInt|UARTIIRFIFO), in8(u, UARTIIR))
	require.False(t, irq.level)
}

func TestUARTFIFOResetKeepsHostInput(t *testing.T) {
	u, _, _, _ := newUARTTest()
	u.PushInput([]byte("typed early"))
	// Guest init: enable and reset the FIFOs, loopback test byte, reset.
	out8(u, UARTFCR, UARTFCREnable|UARTFCRRxReset|UARTFCRTxReset)
	out8(u, UARTMCR, UARTMCRLoop)
	out8(u, UARTFCR, UARTFCREnable|UARTFCRRxReset)
	out8(u, UARTTHR, '!')
	out8(u, UARTFCR, UARTFCREnable|UARTFCRRxReset)
	out8(u, UARTMCR, UARTMCROUT2)
	var got []byte
	for in8(u, UARTLSR)&UARTLSRDR != 0 {
		got = append(got, in8(u, UARTRBR))
	}
	require.Equal(t, "typed early", string(got), "loopback byte dropped, host bytes kept")
	// Turning the FIFO off keeps the bytes beyond the holding register.
	u.PushInput([]byte("xyz"))
	out8(u, UARTFCR, 0)
	got = got[:0]
	for in8(u, UARTLSR)&UARTLSRDR != 0 {
		got = append(got, in8(u, UARTRBR))
	}
	require.Equal(t, "xyz", string(got))
}

func TestUARTQueueBound(t *testing.T) {
	u, _, _, _ := newUARTTest()
	u.PushInput(make([]byte, UARTMaxQueue+10))
	require.Equal(t, UARTMaxQueue, u.Pending())
	require.Equal(t, uint64(10), u.State.Dropped)
}

func TestUARTSnapshot(t *testing.T) {
	u, clk, irq, _ := newUARTTest()
	out8(u, UARTFCR, UARTFCREnable|0xC0)
	out8(u, UARTIER, UARTIERRDI|UARTIERTHRI)
	clk.t = 77
	u.PushInput([]byte("0123456789abcdefXYZ"))
	v, _ := u.NextDeadline()
	irq2 := &irqRec{}
	var out2 bytes.Buffer
	u2 := NewUART(clk, irq2, &out2)
	roundTrip(t, u, u2)
	require.Empty(t, irq2.events, "LoadState drives no line")
	require.Equal(t, irq.level, u2.State.IRQLevel)
	v2, _ := u2.NextDeadline()
	require.Equal(t, v, v2)
	var a, b []byte
	for range 19 {
		a = append(a, in8(u, UARTRBR))
		b = append(b, in8(u2, UARTRBR))
	}
	require.Equal(t, a, b)
	out8(u2, UARTTHR, 'k')
	require.Equal(t, "k", out2.String())
}
